"""Release probes: which release of its project first shipped a changelog entry.

Crafted changelogs (made-up project and entries, so no test leans on real knowledge) check each
rule of alignaudit/recency/probegen/releases.py: the answer and date, the leak filter, the
distractors (shape, backports, same-day branches, the answer's place among them), the
predictability tags and reproducibility.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from alignaudit.recency.probegen.core import generate_probes, suite_to_yaml
from alignaudit.recency.probegen.model import DatedDoc, GenerateOptions
from alignaudit.recency.probegen.releases import parse_title, version_key


def opts(**changes: object) -> GenerateOptions:
    return GenerateOptions.model_validate({"burn_in_periods": 0, "min_documents": 1, **changes})


SYLLABLES = ("ka", "lo", "mi", "ru", "te", "zo", "fi", "gu", "ne", "pa", "vo", "xi", "be", "du")


def entry(i: int) -> str:
    """A changelog entry of made-up words, its own words unlike any other entry's."""
    rng = random.Random(i)
    made = ["".join(rng.choice(SYLLABLES) for _ in range(4)) for _ in range(5)]
    return (f"The {made[0]} {made[1]} now keeps the {made[2]} of each {made[3]} when "
            f"{made[4]} is asked.")


def changelog(n_releases: int = 12, per_release: int = 3, start: int = 2015) -> list[DatedDoc]:
    """Releases 1.0.0 ... spaced two months apart, each with ``per_release`` entries."""
    docs = []
    for r in range(n_releases):
        year, month = start + (2 * r) // 12, (2 * r) % 12 + 1
        version = f"1.{r}.0"
        for k in range(per_release):
            i = r * per_release + k
            docs.append(DatedDoc(text=entry(i), date=f"{year}-{month:02d}-15",
                                 source=f"notes.txt:{i}", title=f"frob {version}", group="frob",
                                 url=f"https://example.org/frob/{version}"))
    return docs


def releases_of(docs: list[DatedDoc], **changes: object) -> list:  # type: ignore[type-arg]
    return [p for p in generate_probes(docs, opts(**changes)).probes if p.kind == "release"]


def test_each_entry_asks_for_its_release_dated_by_it() -> None:
    docs = changelog()
    probes = releases_of(docs)
    assert len(probes) == len(docs)
    by_source = {d.source: d for d in docs}
    for p in probes:
        doc = by_source[p.probe["source"]]
        version = parse_title(doc.title)
        assert version is not None
        assert p.probe["choices"]["correct"] == [f" {version[1]}"]
        assert p.probe["event_date"] == doc.date
        assert p.probe["url"] == doc.url
        assert doc.text in p.probe["prompt"] and p.probe["prompt"].endswith("was frob")
        assert p.probe["predictability"] == "low"


def test_no_answer_or_alias_is_in_its_prompt() -> None:
    for p in releases_of(changelog()):
        answers = p.probe["answers"] + [c.strip() for c in p.probe["choices"]["correct"]]
        assert not any(a in p.probe["prompt"] for a in answers)


@pytest.mark.parametrize("text", [
    "Fixed a regression in frob 1.3.0 that broke the quaruflo reader on startup.",
    "Within the 1.3 series, the lomijun cache is now kept between runs of the parser.",
    "Backported the fix for the quaruflo reader from v1.5.0 to this branch of frob.",
])
def test_an_entry_naming_a_release_of_its_project_gives_no_probe(text: str) -> None:
    docs = changelog()
    docs.append(DatedDoc(text=text, date="2016-05-15", source="extra:1", title="frob 1.8.0",
                         group="frob"))
    suite = generate_probes(docs, opts())
    assert not [p for p in suite.probes if p.probe["source"] == "extra:1"]
    assert suite.stats.releases_rejected["names_a_release"] == 1


def test_distractors_are_releases_of_the_same_shape_never_true() -> None:
    docs = changelog(n_releases=14)
    docs += [DatedDoc(text=entry(i), date="2016-03-15", source=f"patch:{i}",
                      title=f"frob 1.{i}", group="frob") for i in (90, 91, 92)]  # other shape
    # the same entry shipped in 1.6.0 and, backported, in 1.7.0 of another branch
    docs.append(DatedDoc(text=entry(16), date="2016-03-15", source="backport:1",
                         title="frob 1.7.0", group="frob"))
    # a branch release on the same day as 1.9.0
    docs.append(DatedDoc(text=entry(500), date="2016-07-20", source="branch:1",
                         title="frob 1.8.5", group="frob"))
    probes = releases_of(docs)
    released = {parse_title(d.title)[1] for d in docs if parse_title(d.title)}  # type: ignore[index]
    for p in probes:
        answer = p.probe["choices"]["correct"][0].strip()
        choices = [c.strip() for c in p.probe["choices"]["distractors"]]
        assert len(choices) == 3 and answer not in choices and set(choices) <= released
        shapes = {version_key(c)[1] for c in choices}
        if version_key(answer)[1] == (3, False):  # 14 others of its shape: those are used
            assert shapes == {(3, False)}
        else:  # 1.90-1.92 have two others each: any final release fills in
            assert all(not pre for _, pre in shapes)
        if p.probe["source"] == "notes.txt:16":  # held by 1.6.0 and 1.7.0
            assert "1.7.0" not in choices
        if answer == "1.9.0":  # 2016-07-15; 1.8.5 shipped five days later
            assert "1.8.5" not in choices


def test_the_answer_takes_every_place_among_the_choices() -> None:
    """Neither "the newest" nor "the oldest" picks the answer: its rank among the four
    releases varies, every rank occurring."""
    probes = releases_of(changelog(n_releases=16, per_release=6))
    ranks = Counter()
    for p in probes:
        answer = p.probe["choices"]["correct"][0]
        order = sorted([answer, *p.probe["choices"]["distractors"]],
                       key=lambda v: version_key(v.strip())[0])
        ranks[order.index(answer)] += 1
    assert set(ranks) == {0, 1, 2, 3}
    assert max(ranks.values()) < 0.5 * sum(ranks.values())


def test_pre_releases_fall_back_to_any_pre_release() -> None:
    docs = changelog()
    docs += [DatedDoc(text=entry(700 + i), date=f"2014-0{i + 1}-10", source=f"pre:{i}",
                      title=f"frob 0.{i}b1", group="frob") for i in range(2)]
    docs += [DatedDoc(text=entry(710 + i), date=f"2016-0{i + 1}-10", source=f"pre3:{i}",
                      title=f"frob 2.{i}.0rc1", group="frob") for i in range(3)]
    probes = {p.probe["source"]: p for p in releases_of(docs)}
    assert "pre:0" in probes
    choices = [c.strip() for c in probes["pre:0"].probe["choices"]["distractors"]]
    assert all(version_key(c)[1][1] for c in choices)  # every choice is a pre-release


def test_a_year_or_another_products_version_makes_it_medium() -> None:
    docs = changelog()
    docs += [
        DatedDoc(text="The quaruflo reader now follows the lomijun rules published in 2016.",
                 date="2016-01-15", source="year:1", title="frob 1.6.0", group="frob"),
        DatedDoc(text="The quaruflo reader now runs on Python 3.12 and the lomijun cache.",
                 date="2016-01-15", source="py:1", title="frob 1.6.0", group="frob"),
    ]
    probes = {p.probe["source"]: p for p in releases_of(docs)}
    assert probes["year:1"].probe["predictability"] == "medium"
    assert probes["py:1"].probe["predictability"] == "medium"
    assert "another product's version (3.12)" in "; ".join(probes["py:1"].reasons)


def test_short_entries_untitled_documents_and_too_few_releases_give_none() -> None:
    docs = changelog(n_releases=3)
    docs += [DatedDoc(text="Fixed a crash.", date="2015-02-15", source="short:1",
                      title="frob 1.1.0", group="frob"),
             DatedDoc(text=entry(900), date="2015-02-15", source="untitled:1", group="frob")]
    suite = generate_probes(docs, opts())
    assert not [p for p in suite.probes if p.kind == "release"]  # three releases: two others
    assert suite.stats.releases_rejected["few_releases"] == 9
    assert suite.stats.releases_rejected["too_short"] == 1
    assert suite.stats.releases_rejected["no_release"] == 1
    header = "# documents without a release probe: no_release 1, too_short 1"
    assert header in suite_to_yaml(suite, written="2025-01-01")


def test_off_when_asked_and_reproducible_whatever_the_order() -> None:
    docs = changelog()
    assert releases_of(docs, releases=False) == []
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    a = [p.probe for p in releases_of(docs)]
    b = [p.probe for p in releases_of(shuffled)]
    assert [{k: v for k, v in x.items() if k != "source"} for x in a] == [
        {k: v for k, v in x.items() if k != "source"} for x in b]
    assert a == [p.probe for p in releases_of(docs)]


def test_titles_and_release_numbers_parse() -> None:
    assert parse_title("Django 4.2.1") == ("Django", "4.2.1")
    assert parse_title("SQLAlchemy 1.4.0b1") == ("SQLAlchemy", "1.4.0b1")
    assert parse_title("pip v24.1") == ("pip", "24.1")
    assert parse_title("Release notes") is None and parse_title("2024.1") is None
    assert version_key("1.4.0b1")[0] < version_key("1.4.0rc1")[0] < version_key("1.4.0")[0]
    assert version_key("1.4.0b1")[1] == (3, True) and version_key("0.6beta2")[1] == (2, True)


def test_an_entry_said_again_in_other_words_is_never_a_distractor_or_a_later_date() -> None:
    """The same change written slightly differently in two releases: the later copy gives no
    probe (the change shipped earlier), and the earlier copy's probe never offers the later
    release."""
    docs = changelog(n_releases=14)
    first = ("The quaruflo frobnicator now rebuilds the lomijun index when the socket handler "
             "restarts after a timeout.")
    again = ("The quaruflo frobnicator now rebuilds the lomijun index when the socket handler "
             "restarts after any timeout.")
    docs += [DatedDoc(text=first, date="2015-05-15", source="first:1", title="frob 1.2.0",
                      group="frob"),
             DatedDoc(text=again, date="2015-07-15", source="again:1", title="frob 1.3.0",
                      group="frob")]
    suite = generate_probes(docs, opts())
    by_source = {p.probe["source"]: p for p in suite.probes if p.kind == "release"}
    assert "again:1" not in by_source and suite.stats.releases_rejected["repeated"] == 1
    assert " 1.3.0" not in by_source["first:1"].probe["choices"]["distractors"]


def _series_changelog() -> list[DatedDoc]:
    """Series 2.0 (2.0.0-2.0.3) then 2.1 (2.1.0-2.1.5), a release a month, two entries each."""
    versions = [f"2.0.{i}" for i in range(4)] + [f"2.1.{i}" for i in range(6)]
    docs = []
    for r, version in enumerate(versions):
        for k in range(2):
            i = 100 + 2 * r + k
            docs.append(DatedDoc(text=entry(i), date=f"2018-{r + 1:02d}-10", source=f"s:{i}",
                                 title=f"frob {version}", group="frob"))
    return docs


def test_the_answer_is_never_alone_in_its_series() -> None:
    """2.0.3 is the last of its series: without a rule its nearest neighbours after it (2.1.x)
    would leave it the odd one out; one of 2.0.0-2.0.2 is always among its choices."""
    for seed in range(6):
        for p in releases_of(_series_changelog(), seed=seed):
            answer = p.probe["choices"]["correct"][0].strip()
            series = answer.rsplit(".", 1)[0]
            assert any(c.strip().startswith(series + ".")
                       for c in p.probe["choices"]["distractors"]), p.probe


def test_distractors_stay_within_three_years_when_there_are_enough() -> None:
    docs = changelog(n_releases=30, per_release=1, start=2010)  # two months apart, 2010-2014
    for p in releases_of(docs):
        when = int(p.probe["event_date"][:4])
        years = {int(d.date[:4]) for d in docs
                 if f" {parse_title(d.title)[1]}" in p.probe["choices"]["distractors"]}  # type: ignore[index]
        assert all(abs(y - when) <= 3 for y in years)


def test_a_change_shipped_on_two_branches_at_once_accepts_both() -> None:
    docs = changelog(n_releases=14)
    docs.append(DatedDoc(text=entry(5), date="2015-05-16", source="branch:5",
                         title="frob 0.9.7", group="frob"))  # entry 5 is in 1.1.0 (2015-03-15)
    docs.append(DatedDoc(text=entry(20), date="2016-01-17", source="branch:20",
                         title="frob 0.9.8", group="frob"))  # entry 20: 1.6.0, 2016-01-15
    probes = {p.probe["source"]: p for p in releases_of(docs)}
    assert "0.9.8" in probes["notes.txt:20"].probe["answers"]
    assert "0.9.8" not in [c.strip() for c in probes["notes.txt:20"].probe["choices"][
        "distractors"]]
    assert "0.9.7" not in probes["notes.txt:5"].probe["answers"]  # two months later: not at once


def test_releases_named_in_an_also_in_column_are_answers_or_left_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A changelog that records backports in a list column (as data/corpora does): read with
    --also-in-column, a backport shipped at once is an accepted answer and never a distractor."""
    import json

    from alignaudit.recency.generated import CorpusColumns, read_corpus

    rows = [{"text": d.text, "date": d.date, "title": d.title, "project": d.group,
             "also": ["0.9.8"] if d.source == "notes.txt:20" else []}
            for d in changelog(n_releases=14)]
    rows.append({"text": entry(999), "date": "2016-01-17", "title": "frob 0.9.8",
                 "project": "frob", "also": []})
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    docs = read_corpus([path], CorpusColumns(text="text", date="date", title="title",
                                             group="project", also_in="also"))
    assert [d.also_in for d in docs if d.also_in] == [["0.9.8"]]
    probes = [p for p in releases_of(docs) if p.probe["choices"]["correct"] == [" 1.6.0"]]
    assert probes
    for p in probes:
        if entry(20) in p.probe["prompt"]:
            assert "0.9.8" in p.probe["answers"]
            assert " 0.9.8" not in p.probe["choices"]["distractors"]


def test_an_entry_naming_its_own_series_asks_among_that_series_only() -> None:
    """"A regression in 2.1" shipped in 2.1.3 names the series, not the release: the choices
    are all 2.1.x, so the name points to none of them. Naming another series drops the entry."""
    docs = _series_changelog()
    docs += [DatedDoc(text="Fixed a regression in frob 2.1 where the kalomi cache lost its "
                      "zorufi keys.", date="2018-08-10", source="own:1", title="frob 2.1.3",
                      group="frob"),
             DatedDoc(text="Fixed a regression in frob 2.0 where the kalomi cache lost its "
                      "pateru keys.", date="2018-08-10", source="other:1", title="frob 2.1.3",
                      group="frob")]
    suite = generate_probes(docs, opts())
    by_source = {p.probe["source"]: p for p in suite.probes if p.kind == "release"}
    assert "other:1" not in by_source
    own = by_source["own:1"].probe
    assert own["choices"]["correct"] == [" 2.1.3"] and own["predictability"] == "low"
    assert all(c.strip().startswith("2.1.") for c in own["choices"]["distractors"])


def test_naming_its_own_series_as_its_first_release_is_high() -> None:
    """In 2.1.0, the first of its series, "since 2.1" leaves the answer the earliest choice
    whatever is drawn: a model could guess it, so it stays out of the cutoff."""
    docs = _series_changelog()
    docs.append(DatedDoc(text="The kalomi cache of frob 2.1 keeps its zorufi keys between "
                         "runs of the pateru reader.", date="2018-05-10", source="first:1",
                         title="frob 2.1.0", group="frob"))
    probes = {p.probe["source"]: p for p in releases_of(docs)}
    assert probes["first:1"].probe["predictability"] == "high"


def test_a_missing_also_in_column_is_named_as_its_option(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest as _pytest

    from alignaudit._util.errors import UserError
    from alignaudit.recency.generated import CorpusColumns, read_corpus

    path = tmp_path / "notes.jsonl"
    path.write_text('{"text": "Added the frobnicator.", "date": "2020-01-01"}\n')
    with _pytest.raises(UserError, match="--also-in-column nosuch: there is no such column"):
        read_corpus([path], CorpusColumns(text="text", date="date", also_in="nosuch"))
