"""Every pair of models compared on what both measured, and the verdict at the top of a
comparison: for each question, who is ahead, by how much, and whether it is beyond noise."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.compare.accuracy import AccuracyDifference, difference, grouped, paired_facts
from alignaudit.compare.dates import (
    DateDifference,
    believed_difference,
    cutoff_difference,
    dated_scores,
)
from alignaudit.compare.documents import (
    PerplexityRatio,
    TermOverlap,
    perplexity_ratio,
    term_overlap,
)
from alignaudit.recency.section import preferences

if TYPE_CHECKING:
    from alignaudit.recency.cutoff import CutoffEstimate
    from alignaudit.result import ModelAudit

METHOD = ("Paired: only probes both models answered count. Accuracy differences: Bonett-Price "
          "95% interval and a mid-p McNemar test; per suite, category and year, p-values "
          "adjusted by Benjamini-Hochberg across those groups. Cutoff and believed-year "
          "differences: 95% percentile interval over joint resamples of the probes (and of the "
          "dated documents). Perplexity: geometric mean of per-document ratios, t interval on "
          "the logs. 'Beyond noise': p (adjusted) below 0.05, or an interval that excludes no "
          "difference.")
N_BOOT = 200
"""Joint resamples for the cutoff difference (each re-estimates both cutoffs)."""


class Finding(Frozen):
    """One question of the comparison, answered."""

    question: str = Field(description="What is compared, e.g. 'knows more dated facts'.")
    leader: str | None = Field(description="The model ahead, or None for a tie (or nothing "
                               "to compare).")
    compared: bool = Field(default=True, description="False when one side was not measured.")
    words: str = Field(description="The answer in one sentence.")


class PairComparison(Frozen):
    """Model A against model B on what both measured."""

    a: str = Field(description="Model A's display name.")
    b: str = Field(description="Model B's display name (the baseline, when there is one).")
    baseline: bool = Field(default=False, description="B is a saved baseline run.")
    overall: AccuracyDifference | None = Field(description="All dated facts both answered.")
    groups: list[AccuracyDifference] = Field(description="Per suite, category and year.")
    cutoff: DateDifference | None = Field(description="A's cutoff minus B's.")
    believed: DateDifference | None = Field(description="A's believed year minus B's.")
    perplexity: PerplexityRatio | None = Field(description="Perplexity on the user's documents.")
    novel_terms: TermOverlap | None = Field(description="Novel-term lists compared.")
    findings: list[Finding] = Field(description="The verdict lines, one per question.")


class Comparison(Frozen):
    """All pairs of a multi-model run (or each model against a baseline)."""

    pairs: list[PairComparison] = Field(description="One entry per pair of models.")
    baseline: str | None = Field(default=None, description="The --baseline results file, if any.")
    method: str = Field(default=METHOD, description="How the differences are computed.")


def _lead_interval(diff: float, low: float, high: float, scale: float = 1.0
                   ) -> tuple[float, float]:
    """The interval of (leader minus other): as is when A leads, negated when B does."""
    return (low * scale, high * scale) if diff > 0 else (-high * scale, -low * scale)


def _accuracy_finding(d: AccuracyDifference, a: str, b: str) -> Finding:
    question = "knows more dated facts"
    counts = f"{a} {d.accuracy_a:.1%} vs {b} {d.accuracy_b:.1%} on {d.n} shared probes"
    if not d.beyond_noise:
        return Finding(question=question, leader=None,
                       words=f"Tied on dated facts: {counts} ({a} minus {b}: 95% CI "
                       f"{d.ci_low * 100:+.1f} to {d.ci_high * 100:+.1f} points, "
                       f"p={d.p_value:.2g}).")
    lead = a if d.difference > 0 else b
    low, high = _lead_interval(d.difference, d.ci_low, d.ci_high, 100)
    return Finding(question=question, leader=lead,
                   words=f"{lead} knows more dated facts: {abs(d.difference) * 100:.1f} points "
                   f"ahead (95% CI {low:.1f} to {high:.1f}; {counts}; p={d.p_value:.2g}).")


def _date_finding(d: DateDifference, a: str, b: str) -> Finding:
    question = f"{d.what} is later"
    if d.difference is None or d.ci_low is None or d.ci_high is None:
        return Finding(question=question, leader=None, compared=False,
                       words=f"{d.what.capitalize()}: not compared ({d.reason}).")
    dates = f"{a} {d.a}, {b} {d.b}"
    if not d.beyond_noise:
        return Finding(question=question, leader=None,
                       words=f"{d.what.capitalize()}: tied ({dates}; {a} minus {b}: "
                       f"{d.difference:+.1f} years, 95% CI {d.ci_low:+.1f} to {d.ci_high:+.1f}).")
    lead = a if d.difference > 0 else b
    low, high = _lead_interval(d.difference, d.ci_low, d.ci_high)
    return Finding(question=question, leader=lead,
                   words=f"{lead}'s {d.what} is later by {abs(d.difference):.1f} years (95% CI "
                   f"{low:.1f} to {high:.1f}; {dates}).")


def _perplexity_finding(r: PerplexityRatio, a: str, b: str) -> Finding:
    question = "fits your documents better"
    ci = f"95% CI {r.ci_low:.2f}-{r.ci_high:.2f}"
    if not r.beyond_noise:
        return Finding(question=question, leader=None, words=f"Your documents: tied (perplexity "
                       f"ratio {a}/{b} {r.ratio:.2f}, {ci}, {r.n} documents).")
    lead, other, factor = (a, b, 1 / r.ratio) if r.ratio < 1 else (b, a, r.ratio)
    low, high = sorted((1 / r.ci_low, 1 / r.ci_high) if r.ratio < 1 else (r.ci_low, r.ci_high))
    return Finding(question=question, leader=lead,
                   words=f"{lead} finds your documents {factor:.2f}x less surprising than "
                   f"{other} (95% CI {low:.2f}-{high:.2f}, {r.n} documents).")


def _documents(x: ModelAudit, y: ModelAudit, same_data: bool
               ) -> tuple[PerplexityRatio | None, TermOverlap | None, tuple | None]:
    if not same_data or x.drift is None or y.drift is None:
        return None, None, None
    px, py = x.drift.perplexity, y.drift.perplexity
    ratio = perplexity_ratio(px.user_perplexities, py.user_perplexities) \
        if px is not None and py is not None else None
    tx, ty = x.drift.novel_terms, y.drift.novel_terms
    overlap = term_overlap([t.term for t in tx.terms], [t.term for t in ty.terms]) \
        if tx is not None and ty is not None else None
    dx, dy = x.drift.dated_perplexity, y.drift.dated_perplexity
    docs = None
    if dx is not None and dy is not None and dx.dates and dx.dates == dy.dates:
        docs = (dated_scores(dx.dates, dx.values, "your dated documents"),
                dated_scores(dy.dates, dy.values, "your dated documents"))
    return ratio, overlap, docs


def _dates(x: ModelAudit, y: ModelAudit, pairs: list, docs: tuple | None, seed: int,
           n_boot: int) -> tuple[DateDifference | None, DateDifference | None]:
    names = (x.model.display_name, y.model.display_name)
    rx, ry = x.recency, y.recency
    cut = None
    if rx is not None and ry is not None and rx.cutoff is not None and ry.cutoff is not None:
        shown = (rx.cutoff.cutoff_label or "no estimate", ry.cutoff.cutoff_label or "no estimate")
        rng = np.random.default_rng([seed, 7])
        shared = _suites_both_date(rx.cutoff, ry.cutoff)
        if "no estimate" in shown and shared:  # compare on the suites that date both models
            own = {(s.name, i): s.label_date for i, c in enumerate((rx.cutoff, ry.cutoff))
                   for s in c.signals}
            label = " and ".join(f"the {n} facts" for n in shared)
            shown = tuple(", ".join(own[(n, i)] for n in shared) for i in (0, 1))  # type: ignore[assignment]
            cut = cutoff_difference([p for p in pairs if p[0].suite in shared], None, names,
                                    shown, rng, n_boot)
            cut = cut.model_copy(update={"what": f"cutoff on {label}"})
        else:
            cut = cutoff_difference(pairs, docs, names, shown, rng, n_boot)
    bel = None
    if rx is not None and ry is not None and rx.believed is not None and ry.believed is not None:
        bel = believed_difference(preferences(x.probes), preferences(y.probes),
                                  rx.believed.now, np.random.default_rng([seed, 8]))
    return cut, bel


def _suites_both_date(a: CutoffEstimate, b: CutoffEstimate) -> list[str]:
    """Suites whose facts alone give each model a cutoff."""
    dated = [{s.name for s in c.signals if s.kind == "probes" and s.status == "estimate"}
             for c in (a, b)]
    return sorted(dated[0] & dated[1])


def compare_pair(x: ModelAudit, y: ModelAudit, seed: int, same_data: bool = True,
                 baseline: bool = False, n_boot: int = N_BOOT) -> PairComparison:
    """Model ``x`` against model ``y`` on everything both measured (``n_boot`` joint resamples
    for the cutoff difference)."""
    a, b = x.model.display_name, y.model.display_name
    pairs = paired_facts(x.probes, y.probes)
    overall = difference("all", "all", pairs) if pairs else None
    ratio, overlap, docs = _documents(x, y, same_data)
    cut, bel = _dates(x, y, pairs, docs, seed, n_boot)
    findings = [_accuracy_finding(overall, a, b)] if overall is not None else []
    findings += [_date_finding(d, a, b) for d in (cut, bel) if d is not None]
    if ratio is not None:
        findings.append(_perplexity_finding(ratio, a, b))
    return PairComparison(a=a, b=b, baseline=baseline, overall=overall, groups=grouped(pairs),
                          cutoff=cut, believed=bel, perplexity=ratio, novel_terms=overlap,
                          findings=findings)


def compare_models(audits: list[ModelAudit], seed: int, n_boot: int = N_BOOT,
                   same_data: bool = True) -> Comparison | None:
    """Every pair of the models (None for a single model); ``same_data``: they read the same
    documents, so their perplexities pair."""
    if len(audits) < 2:
        return None
    return Comparison(pairs=[compare_pair(audits[i], audits[j], seed, same_data, n_boot=n_boot)
                             for i in range(len(audits)) for j in range(i + 1, len(audits))])
