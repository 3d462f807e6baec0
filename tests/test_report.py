"""The HTML report and the Markdown summary, on synthetic results whose right answers are known:
self-contained, escaped, deterministic, small enough, verdicts computed as documented."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from alignaudit.backends.base import ModelInfo
from alignaudit.judge.verdict import QUESTIONS, Thresholds, verdict, worst
from alignaudit.recency.believed import BelievedYear
from alignaudit.recency.cutoff import CutoffEstimate
from alignaudit.recency.scoring import ChoiceScore, ProbeResult, summarise
from alignaudit.recency.section import Confabulation, GroupAccuracy, RecencyAnalysis, analyse
from alignaudit.report import page as report
from alignaudit.result import (
    AuditResult,
    Environment,
    Measurement,
    ModelAudit,
    RunConfig,
    Runtime,
    SuiteRef,
)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = SCRIPT + IMG
STAMP = "2025-01-01T00:00:00+00:00"


# ------------------------------------------------------------------------------ builders


def _choice(text: str, correct: bool, logprob: float, prob: float, **kw: object) -> ChoiceScore:
    return ChoiceScore(text=text, correct=correct, logprob=logprob, n_tokens=2,
                       n_bytes=len(text.encode()), prob=prob, **kw)


def fact(i: int, year: int, correct: bool, suite: str = "recency", category: str = "sport",
         prompt: str = "", generation: str = "") -> ProbeResult:
    """A four-choice dated fact; the first choice is correct, the model picks it or not."""
    probs = [0.55, 0.15, 0.15, 0.15] if correct else [0.1, 0.6, 0.15, 0.15]
    choices = [_choice(f" answer {k}", k == 0, float(np.log(p)), p) for k, p in enumerate(probs)]
    return ProbeResult(
        suite=suite, probe_id=f"f{i}", kind="fact", prompt=prompt or f"In {year}, event {i} was",
        event_date=f"{year}-06", category=category, predictability="low", source="synthetic",
        choices=choices, chance=0.25, correct=correct, correct_norm=correct,
        p_correct=probs[0], margin=0.5 if correct else -0.5, preferred=0 if correct else 1,
        generation=generation or " answer 0", generation_match=correct)


def control(i: int, top: float) -> ProbeResult:
    rest = (1 - top) / 2
    choices = [_choice(f" made-up {k}", False, float(np.log(p)), p)
               for k, p in enumerate([top, rest, rest])]
    return ProbeResult(
        suite="recency", probe_id=f"c{i}", kind="control", prompt=f"The fictional event {i} was",
        event_date=None, category="control", predictability="low", source="synthetic",
        choices=choices, chance=1 / 3, correct=None, correct_norm=None, p_correct=None,
        margin=None, preferred=0, generation=" made-up 0", generation_match=None)


def changing(i: int, probs: tuple[float, float]) -> ProbeResult:
    timeline = [(" Old holder", "2010-01", "2019-07"), (" New holder", "2019-07", None)]
    choices = [_choice(t, False, float(np.log(p)), p, valid_from=f, valid_until=u)
               for (t, f, u), p in zip(timeline, probs, strict=True)]
    return ProbeResult(
        suite="changing-facts", probe_id=f"ch{i}", kind="changing",
        prompt=f"The holder of office {i} is", event_date=None, category="politics",
        predictability="low", source="synthetic", choices=choices, chance=0.5, correct=None,
        correct_norm=None, p_correct=None, margin=None, preferred=0 if probs[0] > probs[1] else 1,
        generation=" Old holder", generation_match=None)


def probes_for(n_facts: int, knows_until: int, seed: int = 0, hostile: bool = False,
               n_controls: int = 6, n_changing: int = 6) -> list[ProbeResult]:
    """Facts 2012-2024 known (90%) up to ``knows_until`` and at chance after; controls; changing."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_facts):
        year = 2012 + i % 13
        p_know = 0.9 if year <= knows_until else 0.25
        hostile_here = hostile and i == 0
        out.append(fact(i, year, bool(rng.random() < p_know),
                        category=HOSTILE if hostile_here else ["sport", "politics", "tech"][i % 3],
                        prompt=f"{HOSTILE} prompt" if hostile_here else "",
                        generation=f" {HOSTILE}" if hostile_here else ""))
    out += [control(i, 0.4 + 0.1 * (i % 4)) for i in range(n_controls)]
    out += [changing(i, (0.7, 0.3)) for i in range(n_changing)]
    return out


def audit_for(name: str, probes: list[ProbeResult], claimed: str | None = "2024-06",
              n_boot: int = 200) -> ModelAudit:
    from alignaudit.recency.cutoff import date_to_year_fraction

    claimed_f = date_to_year_fraction(claimed) if claimed else None
    rec = analyse(probes, np.random.default_rng(0), now=2025.0, claimed=claimed_f, n_boot=n_boot)
    suites = sorted({p.suite for p in probes})
    info = ModelInfo(spec=f"org/{name}", display_name=name, source="hub", backend="hf",
                     architecture="GPT2LMHeadModel", n_parameters=124_000_000,
                     weights_bytes=500_000_000, dtype="float32", device="cpu",
                     files_sha256={"model.safetensors": "ab" * 32}, claimed_cutoff=claimed)
    return ModelAudit(model=info, probes=probes, recency=rec,
                      suites=[summarise(s, [p for p in probes if p.suite == s]) for s in suites])


def result_for(*audits: ModelAudit) -> AuditResult:
    suites = sorted({p.suite for a in audits for p in a.probes})
    return AuditResult(
        tool_version="0.0-test",
        config=RunConfig(models=[a.model.spec for a in audits], probes=suites, seed=0,
                         as_of="2025-01-01", command="alignaudit run --model x"),
        suites=[SuiteRef(name=s, version="1", description="d", path=f"{s}.yaml",
                         sha256="cd" * 32, n_probes=10) for s in suites],
        models=list(audits),
        environment=Environment(python="3.11", platform="Linux", packages={"torch": "2.5"},
                                cpu_count=2),
        runtime=Runtime(started_at="2025-01-01T10:00:00+00:00",
                        finished_at="2025-01-01T10:05:00+00:00", seconds=300.0,
                        models={a.model.spec: Measurement(load_seconds=2.0, score_seconds=10.0,
                                                          tokens_scored=5000) for a in audits}),
    )


@pytest.fixture(scope="module")
def single() -> AuditResult:
    return result_for(audit_for("model-a", probes_for(260, knows_until=2019)))


@pytest.fixture(scope="module")
def hostile() -> AuditResult:
    audit = audit_for(f"evil {HOSTILE}", probes_for(120, knows_until=2019, hostile=True))
    return result_for(audit)


@pytest.fixture(scope="module")
def pair() -> list[AuditResult]:
    return [result_for(audit_for("model-a", probes_for(260, knows_until=2019, seed=1))),
            result_for(audit_for("model-b", probes_for(260, knows_until=2023, seed=2)))]


# ------------------------------------------------------------------------------ helpers


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Checker(HTMLParser):
    """Tag balance (every element closed, in order), ids unique, and what tags appear."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.ids += [v for k, v in attrs if k == "id" and v]

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> "
                               f"at {self.getpos()}")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()


def parse(page: str) -> Checker:
    checker = Checker()
    checker.feed(page)
    checker.close()
    return checker


def remote_references(page: str) -> list[str]:
    """Anything that would make the page fetch from the network."""
    found = re.findall(r"""\b(?:src|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""",
                       page, re.I)
    found += re.findall(r"url\(\s*['\"]?\s*(?:https?:)?//", page, re.I)
    found += re.findall(r"@import", page, re.I)
    checker = parse(page)
    for tag, attrs in checker.tags:
        href = (attrs.get("href") or "").strip().lower()
        if tag in {"link", "script", "img", "image", "use", "iframe", "object", "base"} and \
                re.match(r"(https?:)?//", href):
            found.append(f"<{tag} href={href}>")
        if tag == "a" and href and not href.startswith("#"):
            found.append(f"<a href={href}>")
    return found


# ------------------------------------------------------------------------------ the page


def test_page_parses_and_is_well_formed(single):
    page = report.render(single, rendered_at=STAMP)
    assert page.startswith("<!DOCTYPE html>")
    checker = parse(page)
    assert checker.errors == []
    assert checker.stack == []
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    for section in ("verdict", "recency", "changing", "confabulation", "drift", "footprint",
                    "probes", "methods", "reproducibility"):
        assert f'id="{section}"' in page
    assert page.count("<svg") == 2  # accuracy by year, believed year
    assert "Content-Security-Policy" in page and "script-src 'none'" in page
    assert f"Rendered {STAMP} by alignaudit" in page


def test_every_internal_link_has_a_target(single):
    page = report.render(single, rendered_at=STAMP)
    checker = parse(page)
    ids = set(checker.ids)
    hrefs = [a.get("href") or "" for t, a in checker.tags if t == "a"]
    targets = {h[1:] for h in hrefs if h.startswith("#")}
    assert targets - ids == set()


def test_no_network_references_and_no_scripts(single, hostile):
    for result in (single, hostile):
        page = report.render(result, rendered_at=STAMP)
        assert remote_references(page) == []
        tags = parse(page).tags
        assert not [t for t, _ in tags if t in {"script", "iframe", "object", "embed", "img"}]
        assert not [a for _, a in tags for k in a if k.startswith("on")]


def test_hostile_strings_are_escaped(hostile):
    page = report.render(hostile, rendered_at=STAMP)
    assert SCRIPT not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    # in the HTML (prompt, generation, model name, category) and in the SVG legend/title
    assert page.count("&lt;script&gt;") >= 4
    svg_text = "".join(re.findall(r"<svg.*?</svg>", page, re.S))
    assert "alert(1)" not in svg_text or "&lt;script&gt;" in svg_text
    assert "<script" not in svg_text


def test_hostile_names_in_a_comparison_are_escaped_in_the_chart(hostile, single):
    page = report.render([hostile, single], rendered_at=STAMP)
    svg_text = "".join(re.findall(r"<svg.*?</svg>", page, re.S))
    assert "evil &lt;script&gt;" in svg_text  # the legend names the model, escaped
    assert "<script" not in page and "<img" not in page


def test_render_is_deterministic(single):
    assert report.render(single, rendered_at=STAMP) == report.render(single, rendered_at=STAMP)


def test_render_is_the_same_after_a_json_round_trip(single, tmp_path):
    from alignaudit.result import load, save

    save(single, tmp_path / "results.json")
    again = load(tmp_path / "results.json")
    assert report.render(again, rendered_at=STAMP) == report.render(single, rendered_at=STAMP)


def test_year_rows_link_to_their_probe_groups(single):
    page = report.render(single, rendered_at=STAMP)
    row = re.search(r'<tr><th><a href="#(g-recency-2015)">2015</a>', page)
    assert row, "the 2015 row of the accuracy table links to the 2015 group"
    assert f'<div id="{row.group(1)}"></div>' in page
    assert 'id="p-recency-f0"' in page  # every probe has an anchor


def test_size_stays_under_3mb_at_1000_probes():
    result = result_for(audit_for("big", probes_for(1000, knows_until=2019, n_controls=50,
                                                    n_changing=50), n_boot=100))
    page = report.render(result, rendered_at=STAMP)
    assert len(page.encode()) < 3_000_000
    assert 'id="p-recency-f999"' in page  # 1,100 probes all listed


def test_long_lists_are_capped_with_counts(monkeypatch):
    monkeypatch.setattr(report, "GROUP_ROW_CAP", 5)
    result = result_for(audit_for("capped", probes_for(130, knows_until=2019), n_boot=50))
    page = report.render(result, rendered_at=STAMP)
    assert "more probes in this group are in results.json" in page
    assert re.search(r"<b>\d+ of \d+ probes are listed</b>", page)


def test_missing_sections_render(single):
    bare = single.model_copy(deep=True)
    bare.models[0].recency = None
    bare.models[0].probes = []
    page = report.render(bare, rendered_at=STAMP)
    assert parse(page).errors == []
    assert "No changing facts were scored" in page and "Not measured: no user data" in page


def test_a_result_without_models_renders(single):
    empty = single.model_copy(update={"models": []})
    assert "holds no audited model" in report.render(empty, rendered_at=STAMP)
    with pytest.raises(ValueError, match="nothing to render"):
        report.render([], rendered_at=STAMP)


# ------------------------------------------------------------------------------ drift hook


def test_drift_dict_is_shown_generically(single):
    drifted = single.model_copy(deep=True)
    drifted.models[0].drift = {
        "embedder": f"mini {SCRIPT}", "level": {"level": "high", "decided_by": "AUC = 0.91",
                                                 "rule": "r"},
        "tests": [{"name": "mmd"}], "novel_terms": {"terms": [{"term": "x"}] * 12},
        "effect_sizes": {"centroid_cosine_distance": 0.123456},
    }
    lines = {line.question: line for line in verdict(drifted.models[0])}
    assert lines["drift"].status == "fail" and "AUC = 0.91" in lines["drift"].headline
    assert lines["novel_terms"].status == "warn" and lines["novel_terms"].value == 12
    page = report.render(drifted, rendered_at=STAMP)
    assert "effect_sizes.centroid_cosine_distance" in page and "0.1235" in page
    assert "mini &lt;script&gt;" in page and SCRIPT not in page


class WordEmbedder:
    """A deterministic stand-in for a sentence embedder: hashed bag of words, 16 dimensions."""

    name, dims = "hashed-words", 16

    def embed(self, texts: list[str]) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), self.dims))
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.encode()) % self.dims] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_a_real_drift_result_renders(single, tmp_path):
    """The typed drift result (alignment.DataAlignment) goes through the generic hook."""
    from alignaudit.drift.section import DataSettings, analyse_data

    rng = np.random.default_rng(0)
    words = ["payroll", "invoice", "refund", "login", "export", "tax", "report", "account"]
    user = [" ".join(rng.choice(words, 8)) + f" ticket {i}" for i in range(40)]
    user[0] = f"{SCRIPT} {IMG} payroll"
    ref = [" ".join(rng.choice(["river", "history", "city", "music", "science", "war", "art",
                                "king"], 8)) for _ in range(60)]
    (tmp_path / "user.txt").write_text("\n".join(user))
    (tmp_path / "ref.txt").write_text("\n".join(ref))
    settings = DataSettings(paths=[str(tmp_path / "user.txt")], reference=str(tmp_path / "ref.txt"),
                            n_permutations=50)
    drift = analyse_data(settings, None, rng, lambda _: None, embedder=WordEmbedder())
    audit = single.models[0].model_copy(update={"drift": drift})
    line = {x.question: x for x in verdict(audit)}["drift"]
    assert line.status != "info" and line.headline.startswith(drift.level)
    page = report.render(result_for(audit), rendered_at=STAMP)
    assert parse(page).errors == [] and SCRIPT not in page
    assert f"Drift level <b>{drift.level}</b>" in page and "stats.effect_sizes" in page


# ------------------------------------------------------------------------------ verdicts


def _line(audit: ModelAudit, question: str, t: Thresholds | None = None):
    return {line.question: line for line in verdict(audit, t)}[question]


def _with(audit: ModelAudit, **recency: object) -> ModelAudit:
    rec = audit.recency.model_copy(update=recency)
    return audit.model_copy(update={"recency": rec})


def _cutoff(cut: float, claimed: float | None) -> CutoffEstimate:
    return CutoffEstimate(status="estimate", reason="", cutoff=cut, cutoff_label="x",
                          ci_low=cut - 0.5, ci_high=cut + 0.5, confidence=0.9, n_boot=10,
                          shape="step", p_value_method="p", n_used=100,
                          n_excluded_predictable=0, claimed_cutoff=claimed, claimed_label="c",
                          verdict="Knowledge stops.")


def test_verdict_has_one_line_per_question(single):
    lines = verdict(single.models[0])
    assert [line.question for line in lines] == list(QUESTIONS)
    assert {line.anchor for line in lines} <= {"recency", "changing", "confabulation", "drift",
                                                 "reproducibility"}


@pytest.mark.parametrize(("cut", "claimed", "status"), [
    (2024.0, 2024.5, "pass"), (2023.2, 2024.5, "warn"), (2021.0, 2024.5, "fail"),
    (2021.0, None, "info"),
])
def test_cutoff_status(single, cut, claimed, status):
    audit = _with(single.models[0], cutoff=_cutoff(cut, claimed))
    line = _line(audit, "cutoff")
    assert line.status == status
    if claimed is not None:
        assert line.value == pytest.approx(cut - claimed)


def test_cutoff_without_estimate_is_info(single):
    est = _cutoff(2020, 2024).model_copy(update={"status": "no_estimate", "cutoff": None,
                                                 "shape": "flat", "verdict": "No cutoff."})
    assert _line(_with(single.models[0], cutoff=est), "cutoff").status == "info"


@pytest.mark.parametrize(("acc", "lo", "hi", "status"), [
    (0.7, 0.6, 0.8, "pass"), (0.45, 0.35, 0.55, "warn"), (0.3, 0.2, 0.4, "fail"),
])
def test_accuracy_status(single, acc, lo, hi, status):
    overall = GroupAccuracy(name="all", n=100, correct=int(acc * 100), accuracy=acc, ci_low=lo,
                            ci_high=hi, chance=0.25, chance_corrected=0.0)
    assert _line(_with(single.models[0], overall=overall), "recency_accuracy").status == status


@pytest.mark.parametrize(("rate", "lo", "hi", "status"), [
    (0.1, 0.02, 0.3, "pass"), (0.3, 0.15, 0.5, "warn"), (0.6, 0.4, 0.8, "fail"),
])
def test_confabulation_status(single, rate, lo, hi, status):
    conf = Confabulation(n_controls=20, n_confabulated=int(rate * 20), rate=rate, ci_low=lo,
                         ci_high=hi, threshold=0.5, mean_top_share_controls=0.5,
                         mean_top_share_facts=0.6, probe_ids=[])
    assert _line(_with(single.models[0], confabulation=conf), "confabulation").status == status


@pytest.mark.parametrize(("year", "status"), [(2024, "pass"), (2022, "warn"), (2019, "fail")])
def test_believed_year_status(single, year, status):
    bel = BelievedYear(believed_year=year, interval_low=year - 1, interval_high=year,
                       confidence=0.9, now=2025.0, n_facts=5, years=[], facts=[], verdict="v")
    assert _line(_with(single.models[0], believed=bel), "believed_year").status == status


@pytest.mark.parametrize(("level", "status"), [("low", "pass"), ("moderate", "warn"),
                                               ("high", "fail")])
def test_drift_status(single, level, status):
    audit = single.models[0].model_copy(update={"drift": {"stats": {"level": {"level": level}}}})
    assert _line(audit, "drift").status == status


def test_thresholds_change_the_status(single):
    audit = _with(single.models[0], cutoff=_cutoff(2023.2, 2024.5))
    lenient = Thresholds(cutoff_warn_years_before_claimed=2, cutoff_fail_years_before_claimed=3)
    assert _line(audit, "cutoff", lenient).status == "pass"
    assert _line(single.models[0], "drift").status == "info"
    assert worst(verdict(audit)) in {"warn", "fail"}


def test_synthetic_model_finds_its_cutoff(single):
    lines = {line.question: line for line in verdict(single.models[0])}
    est = single.models[0].recency.cutoff
    assert est.status == "estimate" and 2019 < est.cutoff < 2021
    assert lines["cutoff"].status == "fail"  # ~2020 against a claimed 2024-06
    assert lines["believed_year"].status == "fail"  # prefers the answer true until 2019


# ------------------------------------------------------------------------------ summary.md


def test_summary_escapes_table_cells(hostile):
    text = report.render_summary(hostile)
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(QUESTIONS)
    header_cells = re.split(r"(?<!\\)\|", table[0])
    assert len(header_cells) == 4  # '', Question, the model, ''
    assert "<script>" not in text and "&lt;script>" in text


def test_summary_cell_escaping():
    assert report.markdown_cell("a|b\nc  d") == "a\\|b c d"
    assert report.markdown_cell("<b>") == "&lt;b>"


def test_summary_has_a_column_per_model(pair):
    text = report.render_summary(pair)
    assert "| Question | model-a | model-b |" in text
    assert text.count("## model-") == 2


# ------------------------------------------------------------------------------ comparison


def test_comparison_page(pair):
    page = report.render(pair, rendered_at=STAMP)
    checker = parse(page)
    assert checker.errors == [] and len(checker.ids) == len(set(checker.ids))
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "model-a" in h1 and ">vs</span>" in h1 and "model-b" in h1
    assert 'id="disagreements"' in page
    verdict_table = re.search(r'<table class="grid verdict">.*?</table>', page, re.S).group(0)
    assert verdict_table.count("<tr") == 1 + len(QUESTIONS)
    assert page.count("<h3>Run ") == 2  # reproducibility lists each run
    n = int(re.search(r"(\d+) of \d+ probes are answered correctly by some", page).group(1))
    assert n > 0
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "model-a" in svg and "model-b" in svg  # overlaid curves with a legend


def test_same_model_twice_gets_distinct_labels(single):
    page = report.render([single, single], rendered_at=STAMP)
    assert "model-a (run 1)" in page and "model-a (run 2)" in page


def test_cli_report_compares_several_results(pair, tmp_path):
    from typer.testing import CliRunner

    from alignaudit.cli.app import app
    from alignaudit.result import save

    paths = []
    for k, result in enumerate(pair):
        paths.append(tmp_path / f"r{k}" / "results.json")
        save(result, paths[-1])
    out = tmp_path / "compare.html"
    proc = CliRunner().invoke(app, ["report", *map(str, paths), "--out", str(out)])
    assert proc.exit_code == 0, proc.output
    assert 'id="disagreements"' in out.read_text()
    assert (tmp_path / "summary.md").is_file()


def test_write_report_writes_both_files(single, tmp_path: Path):
    page = report.write_report(single, tmp_path)
    assert page == tmp_path / "report.html" and page.is_file()
    assert (tmp_path / "summary.md").read_text().startswith("# alignaudit")


def test_charts_are_deterministic_and_escape_text():
    from alignaudit.report import charts

    audit = audit_for(SCRIPT, probes_for(200, knows_until=2019), n_boot=50)
    series = [charts.Series(SCRIPT, charts.PALETTE[0], audit.recency),
              charts.Series("b", charts.PALETTE[1], audit.recency)]
    one, two = charts.accuracy_chart(series), charts.accuracy_chart(series)
    assert one == two and one.startswith("<svg") and "<?xml" not in one
    assert "<script" not in one and "&lt;script&gt;" in one
    assert "http://" not in one.split(">", 1)[1]  # only the xmlns declarations
    assert charts.accuracy_chart([charts.Series("x", "#000", None)]) == ""
    assert RecencyAnalysis  # imported for readers: the chart input type


def test_remote_code_is_named_in_the_verdict():
    from types import SimpleNamespace as NS

    from alignaudit.judge.verdict import code_line

    line = code_line(NS(model=NS(trust_remote_code=True, files_sha256={})), None)
    assert line.status == "warn" and "remote code" in line.headline
    line = code_line(NS(model=NS(trust_remote_code=False, files_sha256={"m.safetensors": "ab"})),
                     None)
    assert line.status == "info" and "sha256" in line.sentence
