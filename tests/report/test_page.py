"""The HTML report and the Markdown summary, on synthetic results whose right answers are known:
self-contained, escaped, deterministic, small enough, verdicts computed as documented."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from alignaudit.judge.verdict import QUESTIONS, verdict
from alignaudit.recency.section import RecencyAnalysis
from alignaudit.report import page as report
from alignaudit.result import (
    AuditResult,
)
from tests.helpers.results import (
    HOSTILE,
    IMG,
    SCRIPT,
    STAMP,
    WordEmbedder,
    audit_for,
    parse,
    probes_for,
    remote_references,
    result_for,
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


# ------------------------------------------------------------------------------ drift


def test_a_real_drift_result_renders(single, tmp_path):
    """A real drift result (DataAlignment) renders: its numbers and escaped documents."""
    from alignaudit.config import DataSettings
    from alignaudit.drift.section import analyse_data

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
    # no model read the data: the fit is not judged, the embedding level is evidence only
    assert line.status == "info" and f"drift level {drift.level}" in line.sentence
    page = report.render(result_for(audit), rendered_at=STAMP)
    assert parse(page).errors == [] and SCRIPT not in page
    assert f"Drift level <b>{drift.level}</b>" in page and "stats.effect_sizes" in page


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


def test_a_probe_with_a_web_page_links_to_it_and_only_to_http(single):
    audit = single.models[0]
    probes = list(audit.probes)
    probes[0] = probes[0].model_copy(update={"url": "https://example.org/notes#1.2",
                                             "source": "notes.jsonl:12"})
    probes[1] = probes[1].model_copy(update={"url": "javascript:alert(1)",
                                             "source": "evil.jsonl:3"})
    result = single.model_copy(update={"models": [audit.model_copy(update={"probes": probes})]})
    page = report.render(result, rendered_at=STAMP)
    assert ('<a href="https://example.org/notes#1.2" rel="noopener noreferrer nofollow">'
            'notes.jsonl:12</a>') in page
    assert "javascript:" not in page and "evil.jsonl:3" in page
    assert remote_references(page) == []
