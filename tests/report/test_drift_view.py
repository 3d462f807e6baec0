"""The drift section of the HTML report, on synthetic drift results whose numbers are known:
formatted as documented, escaped, honest without a model or dates, small and deterministic."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from alignaudit.drift.modelview import SCORE_METHOD
from alignaudit.drift.periods import by_period
from alignaudit.drift.section import DataAlignment
from alignaudit.report import charts
from alignaudit.report import drift_view as report_drift
from alignaudit.report import page as report
from tests.helpers.results import (
    HOSTILE,
    POINT,
    SCRIPT,
    STAMP,
    alignment_for,
    dates_for,
    drift_html,
    parse,
    perplexity_for,
    remote_references,
    result_with,
)


@pytest.fixture(scope="module")
def dated() -> DataAlignment:
    return alignment_for()


@pytest.fixture(scope="module")
def page(dated: DataAlignment) -> str:
    return report.render(result_with(dated), rendered_at=STAMP)


# ------------------------------------------------------------------------------ numbers


def test_callout_states_level_statistic_reference_embedder_and_data(dated, page):
    section = drift_html(page)
    s = dated.stats
    assert f"Drift level <b>{dated.level}</b> ({html.escape(s.level.decided_by)})" in section
    assert report_drift._LEVEL_SENTENCE[dated.level] in html.unescape(section)
    assert "Encyclopedia lead paragraphs stand for general web text." in section
    assert "gaussian-8d, 8 dimensions" in section and "depends on the embedder" in section
    text = html.unescape(section)
    assert "307 documents read from data/tickets.jsonl (text column body, date column created)"\
        in text and "300 kept" in text
    assert "Dropped: 4 empty, 3 exact duplicates." in text
    assert ("Fixed: 2 cut to 20,000 characters; 1 with non-UTF-8 bytes replaced; 5 without a "
            "usable date (kept, undated).") in text


def test_tests_table_puts_p_values_beside_effect_sizes(dated, page):
    text = html.unescape(drift_html(page))
    clf, mmd = dated.stats.tests
    assert f"AUC {clf.statistic:.3f}" in text and f"MMD² {mmd.statistic:.4f}" in text
    assert clf.effect_size_name in text and mmd.effect_size_name in text
    assert f"<b>{clf.effect_size:.3f}</b>" in text and f"<b>{mmd.effect_size:.3f}</b>" in text
    e = dated.stats.effect_sizes
    assert f"<b>{e.centroid_cosine_distance:.3f}</b>" in text
    assert f"<b>{e.frechet_distance:.3f}</b>" in text
    nov = dated.stats.novelty
    assert (f"{nov.out_of_domain_share:.1%} ({nov.share_ci_low:.1%}–{nov.share_ci_high:.1%})"
            in text)
    assert f"{nov.expected_share:.0%} expected with no drift" in text
    assert "p < α = 0.05" in text and "200 / 300" in text  # decision at alpha, n per side
    # a shift of one standard deviation is found: p at the permutation floor, flagged
    assert clf.p_value == pytest.approx(1 / 51) and "0.020 †" in text
    assert "No permutation out of 50 reached the observed value" in text


def test_p_value_and_decision_formatting():
    assert report_drift.fmt_p(None) == "–" and report_drift.fmt_p(0.0004) == "< 0.001"
    assert report_drift.fmt_p(0.0312) == "0.031"
    assert report_drift.at_floor(1 / 1001, 1000) and not report_drift.at_floor(2 / 1001, 1000)
    no_drift = alignment_for(shift=0.0, model=False, dated=False, seed=3)
    rows = report_drift.drift_test_rows(no_drift.stats)
    assert [r["name"] for r in rows] == ["Domain classifier", "MMD (RBF kernel)",
                                         "Centroid cosine distance", "Fréchet distance",
                                         "Out-of-domain share"]
    clf = rows[0]
    assert clf["decision"] == ("drift" if no_drift.stats.tests[0].drift_detected else "no drift")


def test_scatter_has_explained_variance_and_few_small_points(dated, page):
    section = drift_html(page)
    ratio = dated.stats.projection.explained_variance_ratio
    assert f"PC1 ({ratio[0]:.1%} of variance)" in section
    assert f"PC2 ({ratio[1]:.1%} of variance)" in section
    svg = charts.projection_chart(dated.stats.projection, "#000", limit=100)
    assert len(POINT.findall(svg)) == 100 + 100  # each side thinned to 100 points
    assert "<image" not in svg  # nothing rasterised
    big = dated.stats.projection.model_copy(update={
        "current_xy": tuple((float(i), float(-i)) for i in range(5000))})
    assert len(POINT.findall(charts.projection_chart(big, "#000"))) == 200 + \
        charts.SCATTER_POINTS


def test_most_novel_documents_are_capped_and_counted(dated, page):
    section = drift_html(page)
    rows = re.search(r"<h3>Most novel documents.*?</table>", section, re.S).group(0)
    assert rows.count("<tr>") == 1 + report_drift.DRIFT_DOC_CAP
    first = dated.most_novel[0]
    assert f"{first.score:.3f}" in rows and first.date in rows
    assert "10 more of the most novel are in results.json" in section


def test_model_view_perplexity_fertility_and_terms(dated, page):
    section = html.unescape(drift_html(page))
    assert dated.perplexity.sentence in section
    assert f"{dated.perplexity.user.median:.1f}" in section
    assert "perplexity per document (log scale)" in section  # the box chart's axis
    assert dated.fertility.sentence in section
    terms = re.search(r"<h3>Terms new to the model.*?</table>", section, re.S).group(0)
    assert terms.count("<tr>") == 1 + report_drift.DRIFT_TERM_CAP
    assert "10 more terms are in results.json" in section
    assert "30 top terms kept from 900 candidates" in section
    assert SCORE_METHOD in section  # the score is explained in the methods


def test_dated_data_shows_trend_sentences_and_change_point(dated, page):
    section = html.unescape(drift_html(page))
    ppl_trend = dated.perplexity_by_period.trend
    assert ppl_trend.direction == "rises"  # built in: later documents are more surprising
    assert ppl_trend.sentence.replace("p = < ", "p < ") in section
    assert "p = <" not in section.split('class="drift-raw"')[0]  # raw fields stay verbatim
    if ppl_trend.change_point is not None:
        assert f"between {ppl_trend.change_point.after} and " \
               f"{ppl_trend.change_point.first_changed}" in section
    nov_trend = dated.novelty_by_period.trend
    assert nov_trend.sentence.replace("p = < ", "p < ") in section
    assert "median perplexity" in section and "median novelty" in section  # both charts


def test_no_clear_change_is_said_honestly():
    flat = alignment_for(seed=5)
    rng = np.random.default_rng(1)
    dates = dates_for(300, rng)
    values = list(rng.normal(100, 10, 300))
    view = by_period(dates, values, rng, period="quarter", n_boot=100)
    assert view.trend.direction == "none"
    flat = flat.model_copy(update={"perplexity_by_period": view})
    section = drift_html(report.render(result_with(flat), rendered_at=STAMP))
    assert "No clear change in perplexity with date" in section


def test_methods_explain_the_numbers(page):
    methods = re.search(r'<details class="why" id="drift-methods">.*?</details>',
                        drift_html(page), re.S).group(0)
    for words in ("ridge regression", "out-of-fold", "refits the whole cross-validation",
                  "Unbiased MMD²", "median heuristic on the pooled sample", "(1 + #) / (1 + B)",
                  "5 nearest reference documents", "leave-one-out", "95% quantile",
                  "non-overlapping windows", "Tokens per whitespace-separated word"):
        assert words in html.unescape(methods), words


def test_methods_say_when_the_novelty_threshold_came_from_a_sample(dated, page,
                                                                  monkeypatch):
    from alignaudit.drift import stats as drift

    said = "here for a random"
    assert said not in drift_html(page)  # 200 reference documents: every one is scored
    monkeypatch.setattr(drift, "NOVELTY_THRESHOLD_SAMPLE", 150)
    sampled = alignment_for()
    assert sampled.stats.novelty.reference_scored == 150
    text = html.unescape(drift_html(report.render(result_with(sampled), rendered_at=STAMP)))
    assert "here for a random 150 of the 200 (each still against all of them)" in text


# ------------------------------------------------------------------------------ cases


def test_no_model_case_renders_without_the_model_view():
    bare = alignment_for(model=False, seed=1)
    result = result_with(bare)
    result.models[0].model = result.models[0].model.model_copy(update={"source": "none"})
    page = report.render(result, rendered_at=STAMP)
    section = drift_html(page)
    assert parse(page).errors == []
    assert "Not measured: this run had no model" in section
    assert "Terms new to the model" not in section and "perplexity per document" not in section
    assert "No clear change" in section or "Novelty rises" in section or "Novelty falls" in section
    assert "are later documents further from the reference?" in section


def test_undated_data_has_no_dated_part():
    section = drift_html(report.render(result_with(alignment_for(dated=False, seed=2)),
                                       rendered_at=STAMP))
    assert 'id="drift-dated"' not in section and "Two-sample tests" in section


def test_hostile_strings_are_escaped():
    evil = alignment_for(hostile=True, seed=4)
    page = report.render(result_with(evil, names=(f"evil {HOSTILE}",)), rendered_at=STAMP)
    checker = parse(page)
    assert checker.errors == []
    assert SCRIPT not in page and "<img" not in page
    assert not [t for t, _ in checker.tags if t in {"script", "img", "iframe", "object"}]
    assert not [a for _, a in checker.tags for k in a if k.startswith("on")]
    section = drift_html(page)
    # documents, their source, terms, examples, embedder, reference source: all shown as text
    assert section.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6
    assert remote_references(page) == []


def test_hostile_model_names_are_escaped_in_the_drift_charts():
    evil = alignment_for(hostile=True, seed=4)
    page = report.render(result_with(evil, alignment_for(seed=6), names=(f"evil {HOSTILE}",)),
                         rendered_at=STAMP)
    svgs = "".join(re.findall(r"<svg.*?</svg>", drift_html(page), re.S))
    assert svgs.count("<svg") >= 4  # scatter x2, perplexity x2, by period x2
    assert "evil &lt;script&gt;" in svgs  # the legend of the per-period charts names the model
    assert "<script" not in svgs and "<img" not in svgs


def test_comparison_shows_models_side_by_side_and_shares_identical_embedding_stats(dated):
    other = dated.model_copy(update={"perplexity": perplexity_for(300, 150,
                                                               np.random.default_rng(9), None)})
    page = report.render(result_with(dated, other, alignment_for(seed=7, shift=0.2)),
                         rendered_at=STAMP)
    checker = parse(page)
    assert checker.errors == [] and len(checker.ids) == len(set(checker.ids))
    section = drift_html(page)
    compare = re.search(r'<table class="grid compact drift-compare">.*?</table>', section,
                        re.S).group(0)
    assert compare.count("<th><a href=\"#drift-m") == 3
    assert "Classifier AUC" in compare and "Median perplexity, yours / reference" in compare
    assert "are the same as for <a href=\"#drift-m1\">model-1</a>" in section
    assert section.count("<h3>Two-sample tests") == 2  # model-2 shares model-1's
    ids = set(checker.ids)
    assert {"drift-m1", "drift-m2", "drift-m3"} <= ids


def test_json_round_trip_and_determinism(dated, page, tmp_path):
    from alignaudit.result import load, save

    assert report.render(result_with(dated), rendered_at=STAMP) == page
    save(result_with(dated), tmp_path / "results.json")
    assert report.render(load(tmp_path / "results.json"), rendered_at=STAMP) == page


def test_size_stays_under_3mb_at_5000_documents():
    big = alignment_for(n_user=5000, n_ref=500, n_permutations=20, seed=11)
    assert len(big.stats.novelty.scores) == 5000
    page = report.render(result_with(big), rendered_at=STAMP)
    section = drift_html(page)
    assert len(page.encode()) < 3_000_000
    assert len(section.encode()) < 1_000_000
    assert len(POINT.findall(section)) <= 2 * charts.SCATTER_POINTS  # scatter thinned


def test_terminal_summary_carries_the_fit_line_of_the_page(dated):
    """The terminal says what the page's "Fit to your data" line says (status and headline);
    a run without --data prints no such line."""
    from alignaudit.judge.verdict import Thresholds, drift_line
    from alignaudit.report.console import console_summary

    audit = result_with(dated).models[0]
    fit = drift_line(audit, Thresholds())
    assert fit.status in ("pass", "warn", "fail", "info") and fit.headline
    assert f"  fit to your data: {fit.status.upper()}: {fit.headline}" in \
        console_summary(audit).splitlines()
    assert "fit to your data" not in console_summary(result_with(None).models[0])
