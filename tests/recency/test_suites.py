"""Probe suites: the shipped ones validate; broken ones get file:line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alignaudit._util.dates import check_date
from alignaudit._util.errors import UserError
from alignaudit.recency.suites import load_suite, resolve_suites, shipped_suites
from tests.helpers import MINI_SUITE

GOOD_PROBE = """\
  - id: p1
    prompt: "The 2022 FIFA World Cup final was won by"
    choices:
      correct: [" Argentina"]
      distractors: [" France", " Brazil", " Croatia"]
    event_date: "2022-12-18"
    category: sport
    source: "Wikipedia: 2022 FIFA World Cup final"
"""
HEADER = 'suite:\n  name: t\n  version: "1"\n  description: test\nprobes:\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(UserError) as info:
        load_suite(path)
    return str(info.value)


def test_mini_suite_loads():
    suite = load_suite(MINI_SUITE)
    kinds = [p.kind for p in suite.probes]
    assert kinds.count("fact") == 4 and kinds.count("control") == 1 and kinds.count("changing") == 1
    assert len(suite.sha256) == 64


def test_bad_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE + "  - id: [unclosed\n")
    msg = error_of(path)
    assert f"{path}:" in msg and "YAML does not parse" in msg
    assert re.search(rf"{re.escape(str(path))}:1[0-9]:", msg)


@pytest.mark.parametrize(("tail", "opener", "line", "gave_up"), [
    ("  - id: [unclosed\n", "[", 14, 15),  # at the end: PyYAML gives up at the end of file
    ("  - id: {a: 1\n", "{", 14, 15),
    ('  - id: "unclosed\n', '"', 14, 15),
], ids=["bracket", "brace", "quote"])
def test_an_unclosed_bracket_or_quote_points_where_it_opened(tmp_path, tail, opener, line,
                                                            gave_up):
    path = write(tmp_path, HEADER + GOOD_PROBE + tail)
    msg = error_of(path)
    assert msg.startswith(f"{path}:{line}: the YAML does not parse: the `{opener}` opened here "
                          "(column 9) is never closed")
    assert f"gave up at line {gave_up}" in msg


def test_an_unclosed_bracket_mid_file_points_where_it_opened(tmp_path):
    path = write(tmp_path, HEADER + "  - id: [unclosed\n" + GOOD_PROBE)
    msg = error_of(path)
    assert msg.startswith(f"{path}:6: the YAML does not parse: the `[` opened here (column 9)")
    assert "is not closed before line 7, or an item in it lacks its comma: the parser gave " \
           "up there (expected ',' or ']'" in msg


def test_a_yaml_error_without_an_opener_keeps_the_problem_line(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE + "   bad: 1\n")  # wrong indentation
    msg = error_of(path)
    assert msg.startswith(f"{path}:14: the YAML does not parse (")
    # closed, but with something unreadable inside: not called unclosed
    path = write(tmp_path, HEADER + GOOD_PROBE.replace('[" Argentina"]', '[" Argentina" x]'))
    msg = error_of(path)
    assert msg.startswith(f"{path}:9: the YAML does not parse (expected ',' or ']'")
    assert "closed" not in msg


def test_missing_field_names_line_and_field(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE + GOOD_PROBE.replace("p1", "p2").replace(
        '    source: "Wikipedia: 2022 FIFA World Cup final"\n', ""))
    msg = error_of(path)
    # the second probe starts on line 14 of the file
    assert f"{path}:14: probes.1.source: Field required" in msg


def test_bad_date_names_line(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE.replace('"2022-12-18"', '"18/12/2022"'))
    msg = error_of(path)
    assert f"{path}:11: probes.0.event_date" in msg and "YYYY" in msg


def test_impossible_date(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE.replace('"2022-12-18"', '"2021-02-30"'))
    assert "that month has 28 days" in error_of(path)


def test_duplicate_id_names_both_lines(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE + GOOD_PROBE)
    msg = error_of(path)
    assert f"{path}:14:" in msg and "used twice" in msg and "line 6" in msg


def test_duplicate_key(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE.replace("    category: sport\n",
                                                        "    category: sport\n    category: x\n"))
    assert f"{path}:13: key `category` appears twice" in error_of(path)


def test_too_few_distractors(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE.replace(', " Croatia"', ""))
    assert "at least 3" in error_of(path)


def test_unknown_field(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE.replace("category:", "categroy: x\n    category:"))
    msg = error_of(path)
    assert "categroy" in msg and f"{path}:12" in msg


def test_empty_suite_and_missing_keys(tmp_path):
    assert "no probes" in error_of(write(tmp_path, HEADER))
    assert "two top-level keys" in error_of(write(tmp_path, "probes: []\n"))
    assert "two top-level keys" in error_of(write(tmp_path, ""))


def test_control_cannot_have_a_correct_choice(tmp_path):
    path = write(tmp_path, HEADER + GOOD_PROBE + "    control: true\n")
    assert "control" in error_of(path)


def test_timeline_must_be_ordered(tmp_path):
    text = HEADER + """\
  - id: pm
    prompt: "The Prime Minister of the United Kingdom is"
    timeline:
      - answer: " Boris Johnson"
        valid_from: "2019-07-24"
        valid_until: "2022-09-06"
      - answer: " Theresa May"
        valid_from: "2016-07-13"
        valid_until: "2019-07-24"
    category: politics
    source: "Wikipedia"
"""
    assert "in order of valid_from" in error_of(write(tmp_path, text))


def test_non_utf8_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"suite: \xff\xfe\n")
    assert "not UTF-8" in error_of(path)


def test_unknown_suite_suggests_a_name():
    with pytest.raises(UserError, match="Did you mean `recency`"):
        resolve_suites(["recncy"])


def test_check_date_forms():
    assert check_date(2020) == "2020"
    assert check_date("2020-03") == "2020-03"
    import datetime

    assert check_date(datetime.date(2020, 3, 11)) == "2020-03-11"
    with pytest.raises(ValueError):
        check_date("2020-13")


def test_shipped_suites_validate():
    shipped = shipped_suites()
    assert "recency" in shipped
    for path in shipped.values():
        load_suite(path)


def test_recency_suite_meets_its_brief():
    suite = load_suite(shipped_suites()["recency"])
    facts = [p for p in suite.probes if p.kind == "fact"]
    assert len(facts) >= 150
    years = {}
    for p in facts:
        years.setdefault(int(p.event_date[:4]), []).append(p)
    for year in range(2012, 2027):
        assert len(years.get(year, [])) >= 10, year
    cats = {p.category for p in facts}
    assert {"science", "technology", "politics", "sport", "culture", "health", "business"} <= cats
    assert "covid-19-pandemic" in {p.id for p in facts}
    for p in facts:
        assert not p.prompt.endswith((" ", "\n"))
        assert all(c.startswith(" ") for c in p.continuations)


def _changing(periods: list[tuple[str, str | None]]) -> str:
    entries = "".join(
        f'      - answer: " A{i}"\n        valid_from: "{start}"\n'
        + (f'        valid_until: "{end}"\n' if end else "")
        for i, (start, end) in enumerate(periods))
    return (HEADER + "  - id: pm\n    prompt: The prime minister is\n    timeline:\n" + entries
            + '    distractors: [" Nobody", " Someone"]\n    category: politics\n'
            + "    source: test\n")


def test_overlapping_timeline_periods_are_refused(tmp_path):
    """Two answers true at once would count for both years and move the believed year."""
    path = write(tmp_path, _changing([("2016-07", "2019-07-24"), ("2019-06", "2022-09"),
                                      ("2022-09", None)]))
    msg = error_of(path)
    assert f"{path}:6: probes.0:" in msg and "' A1' starts (2019-06) before ' A0' ends " \
        "(2019-07-24)" in msg and "must not overlap" in msg
    # touching periods (one ends the day the next starts) and gaps are fine
    ok = write(tmp_path, _changing([("2016-07", "2019-07-24"), ("2019-07-24", "2022-09"),
                                    ("2023", None)]))
    assert load_suite(ok).probes[0].kind == "changing"


def test_an_unquoted_impossible_date_is_a_message(tmp_path):
    """YAML would read `2026-02-30` as a timestamp and fail inside PyYAML; it stays text and
    gets the same message as a quoted one. A valid unquoted date loads as its text."""
    path = write(tmp_path, HEADER + GOOD_PROBE.replace('"2022-12-18"', "2026-02-30"))
    msg = error_of(path)
    assert f"{path}:11: probes.0.event_date: '2026-02-30' has day 30; that month has 28 days" \
        in msg
    good = write(tmp_path, HEADER + GOOD_PROBE.replace('"2022-12-18"', "2022-12-18"))
    assert load_suite(good).probes[0].event_date == "2022-12-18"


@pytest.mark.parametrize(("text", "said"), [
    ("probes: " + "[" * 5000 + "]" * 5000 + "\n", ":1: the YAML nests lists or mappings more "
     "than 64 levels deep"),
    ("probes:\n" + "".join("  " * i + "- \n" for i in range(1, 200)), "more than 64 levels"),
    ("suite:\n  name: a\x1b\n", ":2: the file holds a control character (U+001B)"),
    ("suite: &s\n  name: *s\nprobes: []\n", ":1: a YAML alias refers to the value that "
     "contains it"),
], ids=["deep-flow", "deep-block", "control-character", "recursive-alias"])
def test_yaml_pyyaml_cannot_read_is_a_message(tmp_path, text, said):
    """Deep nesting used to overflow PyYAML's recursion (a traceback, after seconds of quadratic
    scanning); each of these is now a message naming the file and line, at once."""
    path = write(tmp_path, text)
    assert said in error_of(path)


def test_limit_spreads_probes_over_the_years_and_keeps_the_order():
    import numpy as np

    from alignaudit.recency.suites import limit_probes

    probes = resolve_suites(["recency"])[0].probes
    years = {p.event_date[:4] for p in probes if p.event_date}
    picked = limit_probes(probes, 60, np.random.default_rng(0))
    assert len(picked) == 60 and len({p.id for p in picked}) == 60
    assert {p.event_date[:4] for p in picked if p.event_date} == years  # every year, not 2012-16
    order = {p.id: i for i, p in enumerate(probes)}
    assert [order[p.id] for p in picked] == sorted(order[p.id] for p in picked)
    assert [p.id for p in limit_probes(probes, 60, np.random.default_rng(0))] == \
        [p.id for p in picked]
    assert limit_probes(probes, 10_000, np.random.default_rng(0)) == list(probes)
