"""The fit part of the drift section: each figure's band and panel position, and the ranking of
models compared on the same documents (from the comparison's paired perplexity ratios)."""

from __future__ import annotations

from alignaudit.compare.documents import perplexity_ratio
from alignaudit.compare.verdict import Comparison, PairComparison, perplexity_finding
from alignaudit.drift.calibration import AlignmentFigures
from alignaudit.judge.verdict import Thresholds
from alignaudit.report.drift_view import figure_rows, ranking
from tests.helpers.results import alignment_for


def _with(**figures) -> object:
    return alignment_for(n_user=40, n_ref=40, n_permutations=10).model_copy(
        update={"figures": AlignmentFigures(**figures)})


def test_figure_rows_band_each_model_view_figure_and_leave_the_embedding_one_as_evidence():
    t = Thresholds(perplexity_ratio_warn=2.0, perplexity_ratio_fail=3.0)
    rows = {r["metric"]: r for r in figure_rows(_with(
        perplexity_ratio=3.5, perplexity_ratio_ci=(2.5, 4.5), fertility_ratio=1.0,
        out_of_domain_share=0.9, positions={"perplexity_ratio": "between a (1×) and b (4×)"}),
        t)}
    # beyond the fail edge, but the interval reaches under it: warn, not fail
    assert rows["perplexity_ratio"]["band"] == "warn"
    assert rows["perplexity_ratio"]["value"] == "3.5× (2.5×–4.5×)"
    assert rows["perplexity_ratio"]["position"] == "between a (1×) and b (4×)"
    assert rows["fertility_ratio"]["band"] == "pass"
    assert rows["out_of_domain_share"]["band"] == "" and "novel_term_share" not in rows


def _pair(a: str, b: str, factor: float) -> PairComparison:
    ratio = perplexity_ratio([10.0 * factor * (1 + i / 50) for i in range(20)],
                             [10.0 * (1 + i / 50) * (1.01 if i % 2 else 0.99) for i in range(20)])
    assert ratio is not None
    return PairComparison(a=a, b=b, overall=None, groups=[], cutoff=None, believed=None,
                          perplexity=ratio, novel_terms=None,
                          findings=[perplexity_finding(ratio, a, b)])


def test_ranking_puts_the_model_that_finds_the_documents_least_surprising_first():
    lines = ranking(Comparison(pairs=[_pair("big", "small", 0.5), _pair("big", "mid", 0.8),
                                      _pair("mid", "small", 0.7)]))
    assert "big > mid > small" in lines[0]
    assert len(lines) == 4 and "big finds your documents" in lines[1]
    assert ranking(None) == [] and ranking(Comparison(pairs=[])) == []
