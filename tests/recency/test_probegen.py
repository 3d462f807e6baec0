"""Tests of probe generation on crafted documents whose right answers are known."""

from __future__ import annotations

import random
import re

import pytest

from alignaudit.recency.probegen.candidates import OPTION, VERSION, find_spans, split_blocks
from alignaudit.recency.probegen.contexts import same_stem, vocabulary
from alignaudit.recency.probegen.core import (
    DatedDoc,
    GenerateOptions,
    generate_probes,
    suite_to_yaml,
)
from alignaudit.recency.probegen.corpus import build_corpus
from alignaudit.recency.probegen.filters import (
    BLANKED,
    CLOZE,
    STATEMENT,
    first_failure,
    make_candidate,
)
from alignaudit.recency.probegen.predictability import predictability
from alignaudit.recency.suites import Probe, load_suite

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "xe", "zu", "pi", "qua", "dre", "flo",
             "gri", "bly", "sto", "wex", "jun"]


def opts(**changes: object) -> GenerateOptions:
    """Options for small test corpora: no burn-in, no 'too small' threshold, statement
    probes on (they are off by default), release probes off (tests/recency/
    test_probegen_releases.py covers them)."""
    return GenerateOptions.model_validate({"burn_in_periods": 0, "min_documents": 1,
                                           "statements": True, "releases": False, **changes})


def pseudo_words(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct made-up words (none is English, so each is a novel term)."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        word = "".join(rng.choice(SYLLABLES) for _ in range(3))
        if word not in out:
            out.append(word)
    return out


def corpus(per_month: int = 8, months: tuple[str, ...] = ("2021-01", "2021-04", "2021-07",
                                                           "2021-10")) -> list[DatedDoc]:
    """Release notes: each document introduces one option and a few made-up words."""
    words = iter(pseudo_words(per_month * len(months) * 5))
    docs = []
    for m, month in enumerate(months):
        for i in range(per_month):
            a, b, c, d, e = (next(words) for _ in range(5))
            text = (f"The {a} backend now reads {b} settings from the new {e} option "
                    f"--{c}-{d} when enabled.")
            docs.append(DatedDoc(text=text, date=f"{month}-{i + 1:02d}",
                                 source=f"notes.txt:{m * 100 + i}", title=f"frob {m}.{i}",
                                 group="frob"))
    return docs


def candidate_for(docs: list[DatedDoc], key: str, options: GenerateOptions):
    built = build_corpus(docs, options)
    term = built.terms[key]
    c = make_candidate(term, built.docs[term.doc], options)
    return c, first_failure(c, built, options)


def statement_for(docs: list[DatedDoc], key: str, source: str, options: GenerateOptions):
    """The statement candidate of ``key`` in the document ``source`` (cloze, else blank, as
    the generator tries them), the name of the filter it fails and the built corpus."""
    built = build_corpus(docs, options)
    doc = next(d for d in built.docs if d.source.source == source)
    span = next(s for s in doc.spans if s.key == key)
    for form in (CLOZE, BLANKED):
        c = make_candidate(built.terms[key], doc, options, span=span, kind=STATEMENT, form=form)
        failure = first_failure(c, built, options)
        if failure not in ("too_short", "ambiguous", "boundary"):
            break
    return c, failure, built


def generated(suite, answer: str, kind: str | None = None):
    """The GeneratedProbe objects whose correct choice is ``answer``."""
    return [p for p in suite.probes if p.probe["choices"]["correct"] == [answer]
            and kind in (None, p.kind)]


def by_answer(suite, answer: str, kind: str | None = None) -> list[dict]:
    return [p.probe for p in suite.probes if p.probe["choices"]["correct"] == [answer]
            and kind in (None, p.kind)]


# --------------------------------------------------------------------------- schema, YAML
def test_probes_validate_against_the_suite_schema() -> None:
    suite = generate_probes(corpus(), opts())
    assert suite.probes
    for generated in suite.probes:
        probe = Probe.model_validate(generated.probe)
        assert probe.choices is not None and len(probe.choices.distractors) == 3
        assert all(c.startswith(" ") for c in probe.continuations)
        assert not probe.prompt.endswith(" ")
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", probe.id)


def test_yaml_loads_with_the_project_loader(tmp_path) -> None:
    suite = generate_probes(corpus(), opts(name="frob-notes"))
    path = tmp_path / "frob.yaml"
    path.write_text(suite_to_yaml(suite, written="2025-01-01", corpus="notes.txt"), "utf-8")
    loaded = load_suite(path)
    assert loaded.name == "frob-notes"
    assert len(loaded.probes) == len(suite.probes)
    head = path.read_text("utf-8").splitlines()[:5]
    assert any("notes.txt" in line for line in head) and any("seed 0" in line for line in head)
    assert any("written: 2025-01-01" in line for line in head)


# --------------------------------------------------------------------------- dating
def test_a_term_is_dated_by_its_first_document_and_gives_one_probe() -> None:
    docs = corpus()
    later = ("The zorbwexjun sublimator now forwards every setting named --blyka-stomi to "
             "the renderer as well.")
    docs.append(DatedDoc(text=later, date="2021-11-20", source="notes.txt:999", title="frob 9.9",
                         group="frob"))
    first = next(d for d in docs if "--" in d.text)
    option = re.search(r"--\S+", first.text).group()  # type: ignore[union-attr]
    docs.append(DatedDoc(text=f"The {option} option was renamed for the next release.",
                         date="2021-12-01", source="notes.txt:1000", group="frob"))
    suite = generate_probes(docs, opts())
    probes = by_answer(suite, f" {option}", kind="term")
    assert len(probes) == 1
    assert probes[0]["event_date"] == first.date
    assert probes[0]["source"] == first.source


def test_a_term_seen_before_in_another_spelling_is_high() -> None:
    docs = corpus()
    docs.append(DatedDoc(text="Setting blyka_stomi in the zorbwexjun sublimator file now "
                         "works again.", date="2021-02-15", source="a:1", group="frob"))
    docs.append(DatedDoc(text="The pikaqua lodrexe renderer now reads settings from the "
                         "new --blyka-stomi when asked.", date="2021-05-15", source="a:2",
                         group="frob"))
    suite = generate_probes(docs, opts())
    probe = by_answer(suite, " --blyka-stomi")[0]
    assert probe["predictability"] == "high"


def test_burn_in_rejects_terms_of_a_groups_first_period() -> None:
    docs = corpus()
    options = GenerateOptions(burn_in_periods=1, min_documents=1)
    suite = generate_probes(docs, options)
    assert suite.stats.rejected["burn_in"] > 0
    assert all(p.probe["event_date"] >= "2021-04" for p in suite.probes if p.kind == "term")


def test_unparsable_and_impossible_dates_are_dropped_and_counted() -> None:
    docs = corpus()
    docs += [DatedDoc(text="The xekaru module adds --wexmi-jun.", date=d, source=f"bad:{i}")
             for i, d in enumerate(["yesterday", "2021-13-01", "2021-02-30", "2021"])]
    suite = generate_probes(docs, opts())
    assert suite.stats.documents_rejected["date"] == 4
    assert any("no valid date" in w for w in suite.warnings)
    assert not by_answer(suite, " --wexmi-jun")


def test_a_year_well_before_the_document_is_a_stale_fact() -> None:
    docs = corpus()
    docs.append(DatedDoc(text="The lodrexe pikaqua runner was already patched long ago for "
                         "CVE-2015-0219 in the old series.", date="2021-06-01", source="s:1"))
    c, failure = candidate_for(docs, "cve-2015-0219", opts())
    assert failure == "stale_year"


# --------------------------------------------------------------------------- filters
def test_an_answer_already_in_the_prompt_is_a_leak() -> None:
    docs = corpus()
    docs.append(DatedDoc(text="To make the xequa lodrexe flowmi work (use-stoblyka, in "
                         "short), pass --use-stoblyka now.", date="2021-06-01", source="l:1"))
    c, failure = candidate_for(docs, "--use-stoblyka", opts())
    assert failure == "leak"
    docs[-1] = DatedDoc(text="The zuzuta kalomi tool now accepts --drekami for the ruvoxe "
                        "cache.", date="2021-06-01", source="l:1", title="drekami 1.0")
    c, failure = candidate_for(docs, "--drekami", opts())
    assert failure == "leak"  # via the title, case-insensitively


def test_the_same_context_before_different_terms_is_ambiguous() -> None:
    docs = corpus()
    for i, option in enumerate(["--grisbly", "--stowex"]):
        docs.append(DatedDoc(text=f"For the flodre junxe migration path please now use {option} "
                             "instead.", date=f"2021-0{5 + i}-03", source=f"amb:{i}"))
    options = opts()
    for option in ["--grisbly", "--stowex"]:
        assert candidate_for(docs, option, options)[1] == "ambiguous"


def test_a_short_or_uninformative_context_is_rejected() -> None:
    docs = corpus()
    docs.append(DatedDoc(text="Added --jundrevo.", date="2021-05-05", source="s:1"))
    docs.append(DatedDoc(text="It is now possible to also use the --vomixe.", date="2021-05-06",
                         source="s:2"))
    options = opts()
    assert candidate_for(docs, "--jundrevo", options)[1] == "too_short"
    assert candidate_for(docs, "--vomixe", options)[1] == "too_short"


def test_a_term_mentioned_as_existing_or_not_introduced_is_not_new() -> None:
    docs = corpus()
    docs.append(DatedDoc(text="Fixed a crash of the xequa lodrexe flowmi exporter when "
                         "reading --drekamine.", date="2021-05-05", source="n:1"))
    docs.append(DatedDoc(text="The xequa lodrexe flowmi exporter now reads the settings of "
                         "--quamistobly.", date="2021-05-06", source="n:2"))
    docs.append(DatedDoc(text="The grivo pistoka renderer can now take its colours from the new "
                         "--vokaminequa.", date="2021-05-07", source="n:3",
                         section="Bug Fixes"))
    strict, lax = opts(), opts(novelty="any")
    assert candidate_for(docs, "--drekamine", strict)[1] == "not_new"
    assert candidate_for(docs, "--drekamine", lax)[1] == "not_new"
    assert candidate_for(docs, "--quamistobly", strict)[1] == "not_new"
    assert candidate_for(docs, "--quamistobly", lax)[1] is None
    assert candidate_for(docs, "--vokaminequa", lax)[1] == "not_new"  # by its heading
    kept = by_answer(generate_probes(docs, lax), " --quamistobly")[0]
    assert kept["predictability"] == "medium"


def test_a_credited_person_is_new_but_a_name_that_is_not_credited_needs_a_cue() -> None:
    docs = corpus()
    docs.append(DatedDoc(text="The xequa lodrexe flowmi exporter can now be switched off. "
                         "Pull request courtesy Wexmira Kalotuni.", date="2021-05-05",
                         source="p:1"))
    docs.append(DatedDoc(text="The xequa lodrexe flowmi exporter was slow when run on "
                         "Grimbla Stovexa.", date="2021-05-06", source="p:2"))
    options = opts()
    assert candidate_for(docs, "wexmira kalotuni", options)[1] is None
    assert candidate_for(docs, "grimbla stovexa", options)[1] == "not_new"


def test_a_span_glued_to_text_before_it_is_rejected() -> None:
    docs = corpus()
    docs.append(DatedDoc(text="The xequa lodrexe flowmi switch moved to config/--quamine now.",
                         date="2021-05-05", source="g:1"))
    built = build_corpus(docs, opts())
    assert not any(k.endswith("quamine") and built.terms[k].first.shape == OPTION
                   for k in built.terms)  # not even a candidate: part of a path


def test_distractors_never_appear_in_the_document_or_its_release() -> None:
    docs = corpus()
    old = [re.search(r"--\S+", d.text).group() for d in docs[:6]]  # type: ignore[union-attr]
    text = (f"The vomiflo grisne exporter now reads settings from the new --zuquadre, "
            f"replacing {old[0]} and {old[1]}.")
    docs.append(DatedDoc(text=text, date="2021-11-11", source="d:1", title="frob 5.0",
                         group="frob"))
    docs.append(DatedDoc(text=f"Documented {old[2]} and {old[3]} better for the exporter.",
                         date="2021-11-11", source="d:2", title="frob 5.0", group="frob"))
    suite = generate_probes(docs, opts())
    probe = by_answer(suite, " --zuquadre")[0]
    wrong = {d.strip() for d in probe["choices"]["distractors"]}
    assert wrong and not wrong & set(old[:4])
    assert all(w.startswith("--") for w in wrong)  # same shape class


def test_version_distractors_are_versions_above_and_below() -> None:
    docs = corpus()
    for i, v in enumerate(["4.1", "4.2", "4.4", "4.7", "5.0", "5.2"]):
        docs.append(DatedDoc(text=f"Support for Grizbly {v} arrived in this "
                             f"release of the {pseudo_words(40, i)[-1]} module.",
                             date=f"2021-0{1 + i}-09", source=f"v:{i}", group="frob"))
    docs.append(DatedDoc(text="The flodre junxe exporter was upgraded to the new Grizbly 4.5 "
                         "release.", date="2021-08-20", source="v:9", group="frob"))
    suite = generate_probes(docs, opts())
    probe = by_answer(suite, " 4.5")[0]
    numbers = [tuple(map(int, d.split("."))) for d in probe["choices"]["distractors"]]
    assert any(n > (4, 5) for n in numbers) and any(n < (4, 5) for n in numbers)
    spans = find_spans(split_blocks("needs Grizbly 4.5"), "frob", 2.5)
    assert [s.key for s in spans if s.shape == VERSION] == ["grizbly 4.5"]


# --------------------------------------------------------------------------- determinism
def test_same_input_and_seed_give_the_same_bytes_in_any_order() -> None:
    docs = corpus()
    options = opts(seed=3, per_period=5)
    first = suite_to_yaml(generate_probes(docs, options), written="2025-01-01")
    again = suite_to_yaml(generate_probes(docs, options), written="2025-01-01")
    shuffled = list(docs)
    random.Random(1).shuffle(shuffled)
    assert first == again == suite_to_yaml(generate_probes(shuffled, options), written="2025-01-01")
    other = suite_to_yaml(generate_probes(docs, options.model_copy(update={"seed": 4})),
                          written="2025-01-01")
    assert other != first  # the seed matters (choice of probes and distractors)


def test_per_period_and_limit_cap_and_spread_the_probes() -> None:
    suite = generate_probes(corpus(), opts(per_period=3))
    assert max(suite.stats.probes_per_period.values()) <= 3
    assert len(suite.stats.probes_per_period) == 4
    limited = generate_probes(corpus(), opts(limit=5))
    assert len(limited.probes) == 5
    assert len({p.period for p in limited.probes}) == 4  # round robin over periods


# --------------------------------------------------------------------------- warnings
def test_a_small_one_period_corpus_gets_warnings() -> None:
    docs = corpus(per_month=5, months=("2021-02",))
    suite = generate_probes(docs, GenerateOptions(burn_in_periods=0))
    text = " | ".join(suite.warnings)
    assert "corpus too small: 5 documents" in text
    assert "only one period (2021-Q1)" in text


def test_thin_periods_are_named_in_a_warning() -> None:
    suite = generate_probes(corpus(), opts())
    assert any(re.search(r"4 of 4 periods had fewer than 40 candidates", w)
               for w in suite.warnings)


def test_an_empty_corpus_gives_an_empty_suite_with_warnings() -> None:
    suite = generate_probes([], GenerateOptions())
    assert suite.probes == [] and any("no probes" in w for w in suite.warnings)
    assert "probes: []" in suite_to_yaml(suite, written="2025-01-01")


@pytest.mark.parametrize("period,label", [("month", "2021-04"), ("quarter", "2021-Q2"),
                                          ("year", "2021")])
def test_periods_are_labelled(period: str, label: str) -> None:
    suite = generate_probes(corpus(), opts(period=period))
    assert label in suite.stats.documents_per_period


# --------------------------------------------------------------------------- statements
def _with_old_option(extra: list[DatedDoc]) -> list[DatedDoc]:
    """The test corpus, an early note introducing --grimbla-stovex, and ``extra``."""
    docs = corpus()
    docs.append(DatedDoc(text="The flodre junxe exporter reads its cache from the new "
                         "--grimbla-stovex option.", date="2021-02-20", source="old:1",
                         title="frob 1.1", group="frob"))
    return docs + extra


def test_an_old_term_in_a_new_statement_is_a_medium_statement_probe() -> None:
    note = DatedDoc(text="Fixed a crash of the gravitax pistoka renderer when "
                    "--grimbla-stovex was given twice.", date="2021-08-20", source="new:1",
                    title="frob 3.1", group="frob")
    foreign = [DatedDoc(text=f"The zapper tool reads --zap-{w} from the new lodrexe file.",
                        date=f"2021-07-0{i + 1}", source=f"zap:{i}", group="zapper")
               for i, w in enumerate(pseudo_words(8, 21))]
    docs = _with_old_option([note, *foreign])
    suite = generate_probes(docs, opts())
    [probe] = generated(suite, " --grimbla-stovex", kind="statement")
    assert not any("--zap-" in d for d in probe.probe["choices"]["distractors"])
    assert probe.probe["event_date"] == "2021-08-20"  # the statement's date, not the term's
    assert probe.probe["predictability"] == "medium"
    assert any("the statement is new" in r for r in probe.reasons)
    built = build_corpus(docs, opts())
    for wrong in probe.probe["choices"]["distractors"]:
        first = built.terms[wrong.strip().lower()].doc
        assert built.docs[first].date < "2021-08-20"  # a stale model knows every choice
    assert generated(suite, " --grimbla-stovex", kind="term")  # the first appearance too
    plain = generate_probes(docs, opts(statements=False))
    assert not generated(plain, " --grimbla-stovex", kind="statement")
    assert plain.stats.statements_rejected == {}


def test_a_statement_must_report_a_change_not_background() -> None:
    notes = [
        ("bg:1", "The pikaqua renderer got faster. As before, --grimbla-stovex keeps the "
                 "xequa cache warm."),
        ("bg:2", "The pikaqua renderer got faster. Previously --grimbla-stovex was ignored "
                 "by the xequa exporter."),
        ("bg:3", "The pikaqua renderer got faster. The pistoka lodrexe importer now reads "
                 "--grimbla-stovex from the xequa file."),
        ("bg:4", "The pikaqua renderer got faster. It reads --grimbla-stovex from the xequa "
                 "file of the lodrexe importer."),
        ("bg:5", "Support for --grimbla-stovex, added in 1.1, covers the xequa lodrexe "
                 "importer too."),
    ]
    docs = _with_old_option([DatedDoc(text=t, date=f"2021-09-0{i + 1}", source=s,
                                      title=f"frob 4.{i}", group="frob")
                             for i, (s, t) in enumerate(notes)])
    failures = {s: statement_for(docs, "--grimbla-stovex", s, opts())[1] for s, _ in notes}
    assert failures == {"bg:1": "not_new", "bg:2": "not_new", "bg:3": None,
                        "bg:4": "not_new", "bg:5": "not_new"}


def test_a_term_given_as_an_example_is_an_ambiguous_statement() -> None:
    note = DatedDoc(text="Plugins of the xequa lodrexe exporter load faster, such as "
                    "--grimbla-stovex now.", date="2021-09-01", source="ex:1")
    c, failure, _ = statement_for(_with_old_option([note]), "--grimbla-stovex", "ex:1", opts())
    assert failure == "ambiguous"


def test_a_term_at_the_start_of_its_sentence_is_asked_with_a_blank() -> None:
    note = DatedDoc(text="The new frob_cache_dir setting allows storing rendered xequa "
                    "pages on a separate pikaqua disk.", date="2021-08-01", source="b:1",
                    title="frob 2.0", group="frob")
    settings = [DatedDoc(text=f"The xequa exporter reads the {w}_{v} setting of the new "
                         "lodrexe importer.", date=f"2021-0{i + 1}-03", source=f"set:{i}",
                         group="frob")
                for i, (w, v) in enumerate(zip(pseudo_words(4, 11), pseudo_words(4, 12),
                                               strict=True))]
    suite = generate_probes(corpus() + settings + [note], opts())
    [probe] = generated(suite, " frob_cache_dir")
    assert (probe.kind, probe.form) == ("term", "blank")
    prompt = probe.probe["prompt"]
    assert prompt == ("frob 2.0: The new ___ setting allows storing rendered xequa pages on a "
                      "separate pikaqua disk.\nFill in the blank:")
    assert all(not d.startswith("  ") and "`" not in d
               for d in probe.probe["choices"]["distractors"])
    plain = generate_probes(corpus() + settings + [note], opts(blank_prompts=False))
    assert not generated(plain, " frob_cache_dir")


def test_several_terms_of_one_sentence_each_give_a_probe() -> None:
    note = DatedDoc(text="Added the new --zorb-alpha and --zorb-betamix options to the "
                    "xequa lodrexe pikaqua exporter.", date="2021-08-01", source="two:1",
                    title="frob 2.0", group="frob")
    suite = generate_probes(corpus() + [note], opts())
    assert generated(suite, " --zorb-alpha", kind="term")
    [second] = generated(suite, " --zorb-betamix", kind="term")
    assert "--zorb-alpha" in second.probe["prompt"]  # the first answer may be in the prompt


def test_a_fresh_cve_is_a_new_term_and_a_pep_is_asked_with_its_kind() -> None:
    docs = corpus()
    for i, number in enumerate(["21001", "21007", "21012", "21019"]):
        docs.append(DatedDoc(text=f"CVE-2021-{number}: Possible pikaqua crash in the lodrexe "
                             f"{pseudo_words(60, i)[-1]} module.", date=f"2021-0{i + 1}-11",
                             source=f"cve:{i}", section="Security", group="frob"))
    docs.append(DatedDoc(text="CVE-2021-33203: Potential directory traversal via the grivo "
                         "pistoka admindocs page.", date="2021-06-02", source="cve:9",
                         section="Security", title="frob 3.2.4", group="frob"))
    suite = generate_probes(docs, opts())
    [probe] = generated(suite, " CVE-2021-33203")
    assert (probe.kind, probe.form) == ("term", "blank")
    assert probe.probe["predictability"] == "low"
    assert all(d.startswith(" CVE-") for d in probe.probe["choices"]["distractors"])
    for i, number in enumerate(["517", "518", "610", "660"]):
        docs.append(DatedDoc(text=f"Follow PEP {number} in the {pseudo_words(70, i)[-1]} "
                             "builder of the xequa lodrexe frontend.",
                             date=f"2021-0{i + 1}-15", source=f"pep:{i}", group="frob"))
    docs.append(DatedDoc(text="Use the data-dist-info-metadata attribute from PEP 658 to "
                         "resolve metadata.", date="2021-08-15", source="pep:9", group="frob"))
    suite = generate_probes(docs, opts())
    [probe] = generated(suite, " PEP 658")
    assert probe.form == "blank" and probe.probe["prompt"].count("___") == 1
    assert all(re.fullmatch(r" PEP \d+", d) for d in probe.probe["choices"]["distractors"])
    assert probe.kind == "statement" and probe.probe["predictability"] == "high"
    assert any("standard" in r for r in probe.reasons)


def test_tracker_numbers_and_style_suffixes_are_not_terms() -> None:
    blocks = split_blocks("fix issue970: warnings now appear in gh-1234 and bpo-4321 as "
                          "2.0-style queries of zorbwex 1.26.4 do.")
    cores = {s.core for s in find_spans(blocks, "frob", 2.5)}
    assert not cores & {"issue970", "gh-1234", "bpo-4321", "2.0-style"}
    assert "1.26.4" in cores
    names = {s.core for s in find_spans(split_blocks("signed with key A926 F04F by the "
                                                     "Zorbwex Kalotuni team"), "frob", 2.5)}
    assert "A926 F04F" not in names and "Zorbwex Kalotuni" in names


def test_a_version_of_another_project_is_high() -> None:
    docs = corpus()
    for i, v in enumerate(["1.25.0", "1.26.1", "1.26.2", "1.26.3"]):
        docs.append(DatedDoc(text=f"Upgraded the vendored copy of zorbwex to {v} in the "
                             f"{pseudo_words(50, i)[-1]} module.", date=f"2021-0{i + 1}-09",
                             source=f"up:{i}", title=f"frob 1.{i}", group="frob"))
    docs.append(DatedDoc(text="The xequa lodrexe importer was updated to the new zorbwex "
                         "1.26.4 release.", date="2021-08-09", source="up:9",
                         title="frob 2.0", group="frob"))
    suite = generate_probes(docs, opts())
    [probe] = generated(suite, " 1.26.4")
    assert probe.probe["predictability"] == "high"
    assert any("another project (zorbwex)" in r for r in probe.reasons)


def test_a_statement_a_stale_model_could_pick_from_the_earlier_corpus_is_high() -> None:
    earlier = DatedDoc(text="The grivotaxe pistokane cache of the lodrexe exporter now "
                       "honours --kuzumi-tavo.", date="2021-05-05", source="assoc:0",
                       group="frob")
    note = DatedDoc(text="Fixed a grivotaxe pistokane crash in the flodre renderer when using "
                    "--kuzumi-tavo.", date="2021-09-05", source="assoc:1", group="frob")
    docs = _with_old_option([earlier, note])
    options = opts(association_df=0.5)
    c, failure, built = statement_for(docs, "--kuzumi-tavo", "assoc:1", options)
    assert failure is None
    others = [k for k, t in built.terms.items() if k.startswith("--") and
              built.docs[t.doc].date < "2021-09" and k != "--kuzumi-tavo"][:3]
    level, reasons = predictability(c, built, options, None, others)
    assert level == "high"
    assert any("of the prompt's words before" in r for r in reasons)
    level, reasons = predictability(c, built, opts(association_df=0.01), None, others)
    assert not any("of the prompt's words before" in r for r in reasons)  # no rare cue word
    for i in range(6):  # mentioned far more often than any distractor
        docs.append(DatedDoc(text=f"Documented --kuzumi-tavo in the {pseudo_words(80, i)[-1]} "
                             "guide.", date=f"2021-06-0{i + 1}", source=f"freq:{i}"))
    c, failure, built = statement_for(docs, "--kuzumi-tavo", "assoc:1", opts())
    level, reasons = predictability(c, built, opts(), None, others)
    assert level == "high"
    assert any("earlier documents, a distractor in at most" in r for r in reasons)


def test_a_statement_whose_distractors_are_of_another_kind_is_high() -> None:
    def note(i: int, word: str, date: str) -> DatedDoc:
        return DatedDoc(text=f"The {word} dialect of the {pseudo_words(90, i)[-1]} backend "
                        "gained a faster pikaqua reflection.", date=date, source=f"d:{i}",
                        group="frob")
    words = pseudo_words(100, 3)[-6:]
    docs = corpus() + [note(0, words[0], "2021-02-02")]
    fix = DatedDoc(text=f"Fixed the {words[0]} dialect so that xequa lodrexe reflection "
                   "returns grivo tables.", date="2021-10-20", source="fix:1", group="frob")
    suite = generate_probes(docs + [fix], opts())
    [probe] = [p for p in generated(suite, f" {words[0]}") if p.probe["source"] == "fix:1"]
    assert probe.kind == "statement" and probe.probe["predictability"] == "high"
    assert any("'___ dialect'" in r for r in probe.reasons)
    docs += [note(i, w, f"2021-0{i + 2}-02") for i, w in enumerate(words[1:], 1)]
    suite = generate_probes(docs + [fix], opts())
    [probe] = [p for p in generated(suite, f" {words[0]}") if p.probe["source"] == "fix:1"]
    dialects = {f" {w}" for w in words[1:]}
    assert len(set(probe.probe["choices"]["distractors"]) & dialects) >= 2  # same kind
    assert not any("'___ dialect'" in r for r in probe.reasons)


def test_a_scheduled_removal_is_high() -> None:
    note = DatedDoc(text="The xequa lodrexe pikaqua exporter no longer accepts "
                    "--grimbla-stovex at all.", date="2021-09-09", source="rm:1",
                    section="Features removed in 4.0", group="frob")
    suite = generate_probes(_with_old_option([note]), opts())
    [probe] = generated(suite, " --grimbla-stovex", kind="statement")
    assert probe.probe["predictability"] == "high"
    assert any("scheduled removal" in r for r in probe.reasons)


def test_term_probes_are_chosen_before_statements() -> None:
    extra = [DatedDoc(text=f"Fixed a crash of the {pseudo_words(120, i)[-1]} lodrexe "
                      "exporter when --grimbla-stovex was given twice.",
                      date=f"2021-0{7 + i % 3}-2{i}", source=f"st:{i}", group="frob")
             for i in range(6)]
    docs = _with_old_option(extra)
    everything = generate_probes(docs, opts())
    q3 = [p for p in everything.probes if p.period == "2021-Q3"]
    terms = sum(p.kind == "term" and p.probe["predictability"] != "high" for p in q3)
    assert terms and any(p.kind == "statement" for p in q3)
    capped = generate_probes(docs, opts(per_period=terms))
    assert all(p.kind == "term" for p in capped.probes if p.period == "2021-Q3")
    assert sum(everything.stats.kinds.values()) == len(everything.probes)


# --------------------------------------------------------------------------- honesty
def test_a_term_opening_its_sentence_is_asked_with_a_blank_not_a_cloze() -> None:
    docs = corpus() + [DatedDoc(text="The pikaqua renderer of the lodrexe importer got faster. "
                                "ZorbQuamix sets the xequa cache size of it.",
                                date="2021-08-01", source="open:1", group="frob")]
    built = build_corpus(docs, opts())
    term = built.terms["zorbquamix"]
    cloze = make_candidate(term, built.docs[term.doc], opts(), kind=STATEMENT, span=term.first)
    assert first_failure(cloze, built, opts()) == "boundary"  # would end at a full stop
    blank = make_candidate(term, built.docs[term.doc], opts(), kind=STATEMENT,
                           span=term.first, form=BLANKED)
    assert blank.prompt == "___ sets the xequa cache size of it.\nFill in the blank:"


def test_now_supports_does_not_make_a_term_new() -> None:
    note = DatedDoc(text="The lodrexe pikaqua exporter now supports --zorb-quamix for the "
                    "xequa pages.", date="2021-08-01", source="now:1", group="frob")
    c, failure = candidate_for(corpus() + [note], "--zorb-quamix", opts())
    assert failure == "not_new"  # as a term; it can still be a statement
    suite = generate_probes(corpus() + [note], opts())
    assert generated(suite, " --zorb-quamix", kind="statement")


def test_people_and_inflected_words_are_not_statement_answers() -> None:
    people = ["Wexmira Kalotuni", "Drevo Pistaki", "Grimla Zutovo", "Kalune Vexami",
              "Wexmira Kalotuni"]
    credit = [DatedDoc(text=f"Fixed the xequa pages of the {w} {v} exporter. Pull request "
                       f"courtesy {who}.", date=f"2021-0{i + 2}-01", source=f"pr:{i}",
                       group="frob")
              for i, (w, v, who) in enumerate(zip(pseudo_words(5, 31), pseudo_words(5, 32),
                                                  people, strict=True))]
    suite = generate_probes(corpus() + credit, opts())
    assert [p.kind for p in generated(suite, " Wexmira Kalotuni")] == ["term"]  # once, as new
    assert vocabulary("truncates") and vocabulary("instantiating")
    assert not vocabulary("kwargs") and not vocabulary("setinputsizes")
    assert same_stem("parametrized", "parametrization") and not same_stem("apply_min", "max")


def test_an_answer_whose_last_name_part_is_in_the_prompt_leaks() -> None:
    note = DatedDoc(text="The new gravo.hashers.acheck_pistoka() function and "
                    "Kalomi.acheck_pistoka() method allow asynchronous xequa lodrexe checks.",
                    date="2021-08-01", source="lk:1", group="frob")
    built = build_corpus(corpus() + [note], opts())
    term = built.terms["gravo.hashers.acheck_pistoka"]
    c = make_candidate(term, built.docs[term.doc], opts(), form=BLANKED)
    assert first_failure(c, built, opts()) == "leak"


def test_list_families_are_found_by_shared_affixes() -> None:
    from alignaudit.recency.probegen.novelty import continues_list
    assert continues_list("Modified the queries used by subqueryload and", "selectinload",
                          "word") == "family"
    assert continues_list("Adjustments made to the BLOB / CLOB /", "NCLOB", "acronym") == "family"
    assert continues_list("Works with sqlite and", "postgres", "word") == "list"


def _choices(built, prefix: str, before: str, n: int = 3) -> list[str]:
    return [k for k, t in built.terms.items() if k.startswith(prefix)
            and built.docs[t.doc].date < before][:n]


def test_a_choice_a_reader_of_the_earlier_corpus_would_pick_is_high() -> None:
    earlier = [DatedDoc(text=f"The --zorb-raiser helper checks the exception type raised by "
                        f"the {w} test.", date=f"2021-0{i + 2}-05", source=f"r:{i}",
                        group="frob") for i, w in enumerate(pseudo_words(3, 41))]
    note = DatedDoc(text="Fixed an encoding error of unicode exception messages raised with "
                    "--zorb-raiser.", date="2021-09-05", source="r:9", group="frob")
    c, failure, built = statement_for(corpus() + earlier + [note], "--zorb-raiser", "r:9",
                                      opts())
    assert failure is None
    others = _choices(built, "--", "2021-09", 8)[-3:]
    level, reasons = predictability(c, built, opts(), None, others)
    assert level == "high"
    assert any("a reader of the earlier corpus would pick it" in r for r in reasons)


def test_a_choice_written_unlike_the_others_or_of_another_kind_is_high() -> None:
    docs = corpus() + [
        DatedDoc(text="Added XQ-00028 to the list of lodrexe disconnect codes for pikaqua.",
                 date="2021-02-02", source="w:0", group="frob"),
        DatedDoc(text="Fixed the handling of XQ-00028 in the pikaqua lodrexe driver again.",
                 date="2021-09-02", source="w:1", group="frob")]
    c, failure, built = statement_for(docs, "xq-00028", "w:1", opts())
    words = [k for k, t in built.terms.items() if t.first.shape == "word"][:3]
    level, reasons = predictability(c, built, opts(), None, words)
    assert "written unlike every distractor" in reasons
    docs += [DatedDoc(text=f"The flodre lodrexe exporter raises NoSuch{w.title()}Error now.",
                      date="2021-03-03", source=f"e:{i}", group="frob")
             for i, w in enumerate(pseudo_words(1, 51))]
    docs += [DatedDoc(text=f"The pikaqua loader uses the {w.title()}Grimbla class instead.",
                      date="2021-03-04", source=f"g:{i}", group="frob")
             for i, w in enumerate(pseudo_words(3, 52))]
    docs.append(DatedDoc(text=f"Fixed a crash of the xequa lodrexe mapper raising "
                         f"NoSuch{pseudo_words(1, 51)[0].title()}Error twice.",
                         date="2021-09-03", source="e:9", group="frob"))
    key = f"nosuch{pseudo_words(1, 51)[0]}error"
    c, failure, built = statement_for(docs, key, "e:9", opts())
    grimblas = [k for k in built.terms if k.endswith("grimbla")]
    level, reasons = predictability(c, built, opts(), None, grimblas)
    assert "the only choice named as a kind of error" in reasons


def test_an_answer_that_followed_the_same_words_before_is_high() -> None:
    docs = corpus() + [
        DatedDoc(text="Speed-ups throughout the pikaqua core and --zorb-orm layers.",
                 date="2021-02-05", source="c:0", group="frob"),
        DatedDoc(text="Fixed autoincrement logic of the xequa lodrexe throughout the pikaqua "
                 "core and --zorb-orm layers.", date="2021-09-05", source="c:1",
                 group="frob")]
    c, failure, built = statement_for(docs, "--zorb-orm", "c:1", opts())
    assert failure is None
    others = _choices(built, "--", "2021-09", 8)[-3:]
    level, reasons = predictability(c, built, opts(), None, others)
    assert "written after 'core and' before, unlike any distractor" in reasons


def test_an_answer_sharing_more_words_with_the_prompt_than_any_distractor_is_high() -> None:
    docs = corpus() + [
        DatedDoc(text=f"The xequa importer reads the {w}_{v} setting.", date="2021-02-03",
                 source=f"sn:{i}", group="frob")
        for i, (w, v) in enumerate(zip(pseudo_words(3, 61), pseudo_words(3, 62), strict=True))
    ] + [
        DatedDoc(text="The lodrexe importer reads the pikaqua_flush_limit setting now.",
                 date="2021-02-05", source="s:0", group="frob"),
        DatedDoc(text="Fixed the xequa exporter so that the pikaqua flush honours the "
                 "pikaqua_flush_limit setting again.", date="2021-09-05", source="s:1",
                 group="frob")]
    c, failure, built = statement_for(docs, "pikaqua_flush_limit", "s:1", opts())
    assert failure is None
    snakes = [k for k, t in built.terms.items() if t.first.shape == "snake"
              and k != "pikaqua_flush_limit"][:3]
    level, reasons = predictability(c, built, opts(), None, snakes)
    assert "shares more of its words with the prompt than any distractor" in reasons


def test_an_answer_singled_out_by_a_word_of_the_prompt_is_high() -> None:
    """A prompt word that is in the answer and in no distractor gives it away, even when a
    distractor shares as many of the prompt's words ("empty values" -> EmptyFieldListFilter),
    and also when the word is glued into the answer ("conftest" in --noconftest)."""
    snakes = [f"xequa_{w}" for w in pseudo_words(3, 63)]
    docs = corpus() + [
        DatedDoc(text=f"The lodrexe importer reads the {w} setting.", date="2021-02-03",
                 source=f"sn:{i}", group="frob") for i, w in enumerate(snakes)
    ] + [
        DatedDoc(text="The lodrexe importer reads the pikaqua_flush_limit setting now.",
                 date="2021-02-05", source="s:0", group="frob"),
        DatedDoc(text="Fixed the xequa exporter so that a flush honours the "
                 "pikaqua_flush_limit setting again.", date="2021-09-05", source="s:1",
                 group="frob")]
    c, failure, built = statement_for(docs, "pikaqua_flush_limit", "s:1", opts())
    assert failure is None
    level, reasons = predictability(c, built, opts(), None, snakes)
    assert level == "high"
    assert "shares more of its words with the prompt than any distractor" not in reasons
    assert "the prompt's word 'flush' is in the answer and in no distractor" in reasons
    others = [f"xequa_{w}_flush" for w in pseudo_words(3, 64)]  # now 'flush' tells nothing
    docs += [DatedDoc(text=f"The lodrexe importer reads the {w} setting.", date="2021-02-04",
                      source=f"fl:{i}", group="frob") for i, w in enumerate(others)]
    c, failure, built = statement_for(docs, "pikaqua_flush_limit", "s:1", opts())
    level, reasons = predictability(c, built, opts(), None, others)
    assert not any("in no distractor" in r for r in reasons)
    options = [f"--{w}" for w in pseudo_words(3, 65)]
    docs = corpus() + [
        DatedDoc(text=f"The lodrexe runner accepts {o} now.", date="2021-02-03",
                 source=f"op:{i}", group="frob") for i, o in enumerate(options)
    ] + [DatedDoc(text="Fixed the xequa runner so that it ignores all grivotaxe.py files "
                  "with --nogrivotaxe again.", date="2021-09-05", source="op:9", group="frob")]
    c, failure, built = statement_for(docs, "--nogrivotaxe", "op:9", opts())
    level, reasons = predictability(c, built, opts(), None, options)
    assert "the prompt's word 'grivotaxe' is in the answer and in no distractor" in reasons


def test_statement_distractors_are_as_plausible_to_a_stale_reader_as_the_answer() -> None:
    plausible = [f"--{w}-vex" for w in pseudo_words(4, 71)]
    docs = corpus() + [DatedDoc(text=f"The grivotaxe pistokane cache honours {o} in the "
                                f"{pseudo_words(90, i)[-1]} renderer.", date=f"2021-0{i + 2}-05",
                                source=f"pl:{i}", group="frob")
                       for i, o in enumerate(plausible)]
    docs.append(DatedDoc(text=f"Fixed a grivotaxe pistokane crash in the flodre exporter when "
                         f"using {plausible[0]}.", date="2021-09-05", source="pl:9",
                         group="frob"))
    suite = generate_probes(docs, opts())
    [probe] = [p for p in generated(suite, f" {plausible[0]}") if p.probe["source"] == "pl:9"]
    assert {d.strip() for d in probe.probe["choices"]["distractors"]} == set(plausible[1:])


def test_strict_statements_need_distractors_of_the_answers_kind() -> None:
    docs = corpus() + [
        DatedDoc(text=f"Added the {name} type to the pikaqua lodrexe dialect.",
                 date=f"2021-0{i + 2}-04", source=f"k:{i}", group="frob")
        for i, name in enumerate(["MSDouble", "MSFloat", "MSNumeric", "FBTimeQ", "PGMacQ",
                                  "OraBinQ"])] + [
        DatedDoc(text="Corrected the xequa grivo export of MSDouble values so that flodre "
                 "reads them.", date="2021-09-04", source="k:9", group="frob")]
    c, failure, built = statement_for(docs, "msdouble", "k:9", opts())
    assert failure is None
    family, others = ["msfloat", "msnumeric", "fbtimeq"], ["fbtimeq", "pgmacq", "orabinq"]
    reason = "its distractors are mostly of another kind (a stale model can tell)"
    assert reason not in predictability(c, built, opts(), None, family)[1]
    assert reason in predictability(c, built, opts(), None, others)[1]
    lenient = opts(strict_statements=False)
    assert reason not in predictability(c, built, lenient, None, others)[1]


def test_statements_are_off_by_default_and_example_lists_or_later_edits_are_rejected() -> None:
    note = DatedDoc(text="Fixed a crash of the gravitax pistoka renderer when "
                    "--grimbla-stovex was given twice.", date="2021-08-20", source="new:1",
                    group="frob")
    default = GenerateOptions(burn_in_periods=0, min_documents=1)
    assert default.statements is False
    suite = generate_probes(_with_old_option([note]), default)
    assert suite.probes and all(p.kind != "statement" for p in suite.probes)
    assert suite.stats.statements_rejected == {}
    listed = DatedDoc(text="Several lodrexe exporters, including --grimbla-stovex and others, "
                      "now flush the xequa cache.", date="2021-09-01", source="ex:2")
    c, failure, _ = statement_for(_with_old_option([listed]), "--grimbla-stovex", "ex:2", opts())
    assert failure == "ambiguous"
    edited = DatedDoc(text="To allow in-memory xequa models, this change was reverted in frob "
                      "3.1.4 and replaced with a pikaqua check.", date="2021-04-01",
                      source="ed:1", title="frob 3.1", group="frob")
    versions = [DatedDoc(text=f"The lodrexe pikaqua importer was tested with frob {v} too.",
                         date=f"2021-0{i + 1}-02", source=f"v:{i}", title=f"frob {v}",
                         group="frob") for i, v in enumerate(["3.0.1", "3.0.2"])]
    built_docs = corpus() + versions + [edited]
    assert candidate_for(built_docs, "frob 3.1.4", opts())[1] == "later_edit"


def test_vendored_libraries_and_providers_are_not_new_terms() -> None:
    vendored = DatedDoc(text="For the xequa lodrexe pikaqua installer, add the new "
                        "zorbwexlib 0.6.0 as a vendored dependency.", date="2021-08-01",
                        source="vd:1", group="frob")
    via = DatedDoc(text="The pikaqua cache is now available via the new grivostoka "
                   "accessor of the lodrexe exporter.", date="2021-08-02", source="vd:2")
    docs = corpus() + [vendored, via]
    assert candidate_for(docs, "zorbwexlib", opts())[1] == "not_new"
    assert candidate_for(docs, "grivostoka", opts())[1] is None  # "the new" still counts
    docs[-1] = DatedDoc(text="The pikaqua cache of the lodrexe exporter is now available via "
                        "grivostoka.", date="2021-08-02", source="vd:2")
    assert candidate_for(docs, "grivostoka", opts())[1] == "not_new"


def test_a_dotted_answer_whose_last_part_is_a_word_of_the_prompt_leaks() -> None:
    note = DatedDoc(text="Added TABLESAMPLE support to the xequa lodrexe importer via the new "
                    "FromClause.tablesample() method.", date="2021-08-01", source="ts:1")
    assert candidate_for(corpus() + [note], "fromclause.tablesample", opts())[1] == "leak"


def test_a_new_term_whose_distractors_are_all_of_another_kind_is_high() -> None:
    docs = corpus() + [
        DatedDoc(text=f"The lodrexe importer reads the {w}_{v} setting of the xequa file.",
                 date=f"2021-0{i + 2}-03", source=f"sn:{i}", group="frob")
        for i, (w, v) in enumerate(zip(pseudo_words(3, 81), pseudo_words(3, 82), strict=True))]
    docs.append(DatedDoc(text="Added a new SessionExtension hook called after_grivo to the "
                         "pikaqua exporter.", date="2021-09-03", source="h:1", group="frob"))
    c, failure = candidate_for(docs, "after_grivo", opts())
    built = build_corpus(docs, opts())
    others = [k for k, t in built.terms.items() if t.first.shape == "snake"
              and k != "after_grivo"][:3]
    level, reasons = predictability(c, built, opts(), None, others)
    assert "no distractor is of its kind (a model can tell the answer by its kind)" in reasons
