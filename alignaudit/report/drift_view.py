"""The drift section of the report: each model's data-alignment result, ready for the template.

``drift_page(cols)`` turns the :class:`~alignaudit.drift.section.DataAlignment` of every column
into a ``DriftView`` (numbers formatted, lists capped, charts drawn). Pure, like the rest of the
report; :mod:`alignaudit.report.page` calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from alignaudit._util.fmt import format_p as fmt_p
from alignaudit.compare.verdict import Comparison
from alignaudit.drift.calibration import BAND_RULE, FIGURES, MODEL_VIEW, shown
from alignaudit.drift.section import DataAlignment
from alignaudit.judge.verdict import Thresholds
from alignaudit.report.columns import Column
from alignaudit.report.format import LIST_CAP, cut


def drift_rows(drift: BaseModel | dict[str, Any], prefix: str = "",
               depth: int = 0) -> list[tuple[str, str]]:
    """Every scalar field of a drift result by its dotted key in results.json, lists counted."""
    if isinstance(drift, BaseModel):
        drift = drift.model_dump()
    rows: list[tuple[str, str]] = []
    items = drift.items()
    for key, value in items:
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 2:
            rows.extend(drift_rows(value, name + ".", depth + 1))
        elif isinstance(value, list | tuple):
            rows.append((name, f"list of {len(value)}"))
        elif isinstance(value, float):
            rows.append((name, f"{value:.4g}"))
        else:
            rows.append((name, cut(str(value), 200)))
    return rows[:LIST_CAP]


# ------------------------------------------------------------------------------ data alignment

DRIFT_DOC_CAP = 10
"""Most novel documents listed per model (the rest are counted; results.json keeps them)."""
DRIFT_TERM_CAP = 20
"""Most novel terms listed per model."""
_LEVEL_SENTENCE = {
    "low": "To this embedder your documents look like the reference: a classifier can barely "
           "tell them apart.",
    "moderate": "Your documents can be told apart from the reference but overlap with it.",
    "high": "A linear classifier tells your documents from the reference easily, as it does "
            "for almost any one genre against a mix; how far that is for the model is what "
            "the figures above say.",
}


@dataclass(frozen=True)
class DriftView:
    """One model's drift section, ready for the template: numbers formatted, lists capped."""

    col: Column
    a: DataAlignment
    anchor: str
    same_as: Column | None  # the embedding half equals this earlier model's (same data/ref)
    sentence: str
    tests: list[dict[str, Any]]
    data_lines: list[str]
    pca_svg: str
    ppl_svg: str
    fields: list[tuple[str, str]]  # every scalar field by dotted key, for tracing numbers
    figures: list[dict[str, Any]]  # the alignment figures, their band and panel position


@dataclass(frozen=True)
class DriftPage:
    """The drift section of the page: one view per model that has a drift result."""

    models: list[DriftView]
    compare: list[tuple[str, list[str]]]
    ppl_period_svg: str
    novelty_period_svg: str
    caps: dict[str, int]
    score_method: str
    ranking: list[str]  # models ranked by fit on the same documents (comparisons only)
    band_rule: str

    def __bool__(self) -> bool:
        return bool(self.models)




def at_floor(p: float, n_permutations: Any) -> bool:
    """True when a permutation p-value is the smallest it can be, 1 / (1 + B)."""
    return isinstance(n_permutations, int) and p <= (1 + 1e-9) / (1 + n_permutations)


def drift_test_rows(stats: Any) -> list[dict[str, Any]]:
    """Two-sample tests, the distances and the out-of-domain share, one row each."""
    n = f"{stats.n_reference:,} / {stats.n_current:,}"
    rows = []
    for t in stats.tests:
        b = t.parameters.get("n_permutations")
        name = {"classifier": "Domain classifier", "mmd": "MMD (RBF kernel)"}.get(t.name, t.name)
        stat = f"AUC {t.statistic:.3f}" if t.name == "classifier" else (
            f"MMD² {t.statistic:.4f}" if t.name == "mmd" else f"{t.statistic:.4g}")
        rows.append({"name": name, "statistic": stat, "p": fmt_p(t.p_value),
                     "floor": f"{b:,}" if at_floor(t.p_value, b) else "",
                     "effect": f"{t.effect_size:.3f}", "effect_name": t.effect_size_name,
                     "decision": "drift" if t.drift_detected else "no drift",
                     "rule": f"p {'<' if t.drift_detected else '≥'} α = {t.threshold:g}",
                     "detected": t.drift_detected, "n": n})
    e, nov = stats.effect_sizes, stats.novelty
    for name, value, what in (
        ("Centroid cosine distance", e.centroid_cosine_distance,
         "1 − cosine of the two mean embeddings (0 = same direction, 2 = opposite)"),
        ("Fréchet distance", e.frechet_distance, "between Gaussians fitted to each side, in "
         "squared embedding units (0 = same mean and covariance)")):
        rows.append({"name": name, "statistic": "–", "p": "–", "effect": f"{value:.3f}",
                     "effect_name": what, "decision": "", "rule": "effect size only",
                     "detected": None, "floor": "", "n": n})
    above, below = nov.share_ci_low > nov.expected_share, nov.share_ci_high < nov.expected_share
    rows.append({
        "name": "Out-of-domain share", "p": "–", "n": n, "detected": above, "floor": "",
        "statistic": f"{nov.n_out_of_domain:,} of {stats.n_current:,} documents",
        "effect": f"{nov.out_of_domain_share:.1%} ({nov.share_ci_low:.1%}–"
                  f"{nov.share_ci_high:.1%})",
        "effect_name": f"share of your documents farther from the reference than "
                       f"{nov.quantile:.0%} of reference documents are (95% Wilson interval); "
                       f"{nov.expected_share:.0%} expected with no drift",
        "decision": "drift" if above else "no drift",
        "rule": f"interval {'above' if above else 'below' if below else 'includes'} "
                f"{nov.expected_share:.0%}"})
    return rows


def data_lines(d: Any) -> list[str]:
    """What reading and cleaning did, in two sentences."""
    files = ", ".join(d.files[:3]) + (f" and {len(d.files) - 3} more files"
                                      if len(d.files) > 3 else "")
    cols = ", ".join(f"{k} column {v}" for k, v in (("text", d.text_column),
                                                    ("date", d.date_column)) if v)
    sample = "" if d.sampled_from is None else (
        f", a random sample of {d.n_kept:,} from the dataset's {d.sampled_from:,} rows, drawn "
        "while reading" if d.sampled_while_reading else
        f", a random sample of {d.n_kept:,} from {d.sampled_from:,} after cleaning")
    first = (f"{d.n_read:,} documents read from {files}{f' ({cols})' if cols else ''}; "
             f"{d.n_kept:,} kept{sample}.")
    dropped = [f"{n:,} {what}" for n, what in ((d.n_empty, "empty"), (d.n_duplicates,
               "exact duplicate" + ("s" if d.n_duplicates > 1 else ""))) if n]
    fixed = [f"{n:,} {what}" for n, what in (
        (d.n_truncated, f"cut to {d.max_chars:,} characters"),
        (d.n_bad_bytes, "with non-UTF-8 bytes replaced"),
        (d.n_bad_dates, "without a usable date (kept, undated)")) if n]
    second = " ".join([f"Dropped: {', '.join(dropped)}." if dropped else "Nothing dropped.",
                       f"Fixed: {'; '.join(fixed)}." if fixed else
                       "Nothing truncated, no bad bytes, no bad dates."])
    return [first, second]


def level_sentence(a: Any) -> str:
    return _LEVEL_SENTENCE.get(a.level, "")


def _same_embedding(a: Any, b: Any) -> bool:
    return (a.stats, a.data, a.reference, a.embedder) == (b.stats, b.data, b.reference, b.embedder)


def drift_view(col: Column, a: Any, same_as: Column | None) -> DriftView:
    from alignaudit.report import charts

    ppl = a.perplexity
    ppl_svg = charts.perplexity_chart([charts.PerplexitySeries(
        col.label, col.colour, ppl.user_perplexities, ppl.reference_perplexities)],
        key=f"ppl-{col.key}") if ppl is not None else ""
    pca = "" if same_as else charts.projection_chart(a.stats.projection, col.colour,
                                                      key=f"pca-{col.key}")
    return DriftView(col=col, a=a, anchor=f"drift-{col.key}", same_as=same_as,
                     sentence=level_sentence(a), tests=drift_test_rows(a.stats),
                     data_lines=data_lines(a.data), pca_svg=pca, ppl_svg=ppl_svg,
                     fields=drift_rows(a), figures=figure_rows(a))


def compare_rows(views: Sequence[DriftView]) -> list[tuple[str, list[str]]]:
    """The headline drift numbers, one column per model (comparisons only)."""
    def auc(v: DriftView) -> str:
        t = next((t for t in v.a.stats.tests if t.name == "classifier"), None)
        return f"{t.statistic:.3f} (p {fmt_p(t.p_value)})" if t else "–"

    def ratio(v: DriftView) -> str:
        p = v.a.perplexity
        return f"{p.median_ratio:.2f}× ({p.ratio_ci[0]:.2f}–{p.ratio_ci[1]:.2f})" if p else "–"

    def trend(v: DriftView) -> str:
        t = v.a.perplexity_by_period.trend if v.a.perplexity_by_period else None
        if t is None or t.spearman_rho is None:
            return "–"
        word = {"rises": "rises", "falls": "falls", "none": "no clear change"}[t.direction]
        return f"{word} (ρ = {t.spearman_rho:.2f}, p {fmt_p(t.p_value)})"

    def fert(v: DriftView) -> str:
        f = v.a.fertility
        return f"{f.user.tokens_per_word:.2f} vs {f.reference.tokens_per_word:.2f}" if f else "–"

    return [(name, [fn(v) for v in views]) for name, fn in (
        ("Fit (through the model)", lambda v: f"{v.col.lines['drift'].status}: "
                                              f"{v.col.lines['drift'].headline}"),
        ("Drift level (embedding evidence)",
         lambda v: f"{v.a.level} ({v.a.stats.level.decided_by})"),
        ("Classifier AUC", auc),
        ("Out-of-domain share", lambda v: f"{v.a.stats.novelty.out_of_domain_share:.0%}"),
        ("Reference", lambda v: f"{v.a.reference.kind}: {v.a.reference.source}"),
        ("Median perplexity, yours / reference", ratio),
        ("Tokens per word, yours vs reference", fert),
        ("Novel terms", lambda v: str(len(v.a.novel_terms.terms)) if v.a.novel_terms else "–"),
        ("Perplexity with date", trend))]


FIGURE_NAMES = {
    "perplexity_ratio": "Perplexity, yours / reference",
    "novel_term_share": "Documents holding a novel term",
    "fertility_ratio": "Tokens per word, yours / reference",
    "out_of_domain_share": "Out-of-domain share (embedding evidence)",
}


def _edges(figure: str, t: Thresholds) -> tuple[float, float] | None:
    if figure not in MODEL_VIEW:
        return None
    return getattr(t, f"{figure}_warn"), getattr(t, f"{figure}_fail")


def figure_rows(a: Any, t: Thresholds | None = None) -> list[dict[str, Any]]:
    """The alignment figures measured, each with its band (model-view figures) and where it
    falls in the calibration panel."""
    f = a.figures
    if f is None:
        return []
    t = t or Thresholds()
    rows = []
    for name in FIGURES:
        value = getattr(f, name)
        if value is None:
            continue
        edges = _edges(name, t)
        low = f.perplexity_ratio_ci[0] if name == "perplexity_ratio" and \
            f.perplexity_ratio_ci else value
        band = "" if edges is None else "fail" if low > edges[1] else \
            "warn" if value > edges[0] else "pass"
        ci = ""
        if name == "perplexity_ratio" and f.perplexity_ratio_ci:
            ci = " ({}–{})".format(*(shown(name, x) for x in f.perplexity_ratio_ci))
        extra = f", {f.n_novel_terms} terms" if name == "novel_term_share" and \
            f.n_novel_terms is not None else ""
        rows.append({"name": FIGURE_NAMES[name], "metric": name,
                     "value": shown(name, value) + ci + extra, "band": band,
                     "edges": "evidence only" if edges is None else
                     f"warn > {shown(name, edges[0])}, fail > {shown(name, edges[1])}",
                     "position": f.positions.get(name, "")})
    return rows


def ranking(comparison: Comparison | None) -> list[str]:
    """The perplexity findings of every pair that read the same documents, the model that fits
    best first (most pairs led, then fewest lost)."""
    if comparison is None:
        return []
    pairs = [p for p in comparison.pairs if p.perplexity is not None]
    found = [f for p in pairs for f in p.findings if f.question == "fits your documents better"]
    if not found:
        return []
    names = {n for p in pairs for n in (p.a, p.b)}
    led = {n: sum(f.leader == n for f in found) for n in names}
    order = sorted(names, key=lambda n: (-led[n], n))
    head = (f"Fit to your documents, ranked on the same documents: {' > '.join(order)} "
            "(paired perplexity ratios; a model ahead finds the documents less surprising).")
    return [head] + [f.words for f in found]


def drift_page(cols: Sequence[Column], comparison: Comparison | None = None) -> DriftPage:
    """Everything the drift section shows, for every model that has a drift result."""
    from alignaudit.drift.modelview import SCORE_METHOD
    from alignaudit.report import charts

    views: list[DriftView] = []
    for col in cols:
        a = col.audit.drift
        if a is None:
            continue
        same = next((v.col for v in views if _same_embedding(v.a, a)), None)
        views.append(drift_view(col, a, same))
    ppl = [charts.PeriodSeries(v.col.label, v.col.colour, v.a.perplexity_by_period)
           for v in views if v.a.perplexity_by_period is not None]
    nov = [v for v in views if v.a.novelty_by_period is not None and v.same_as is None]
    lines = [(nov[0].a.stats.novelty.threshold, "out-of-domain threshold"),
             (nov[0].a.stats.novelty.reference_scores_median, "reference median")] \
        if len(nov) == 1 else []
    return DriftPage(
        models=views,
        compare=compare_rows(views) if len(views) > 1 else [],
        ppl_period_svg=charts.period_chart(ppl, "median perplexity\n(log scale)", "ppl-period",
                                           log=True, named=len(views) > 1),
        novelty_period_svg=charts.period_chart(
            [charts.PeriodSeries(v.col.label, v.col.colour, v.a.novelty_by_period)
             for v in nov], "median novelty\n(cosine distance)", "nov-period", lines=lines,
            named=len(views) > 1),
        caps={"docs": DRIFT_DOC_CAP, "terms": DRIFT_TERM_CAP, "scatter": charts.SCATTER_POINTS},
        score_method=SCORE_METHOD, ranking=ranking(comparison), band_rule=BAND_RULE,
    )
