"""The verdict at the top of a comparison: for each question, who is ahead, by how much, and
whether it is beyond noise; the saved form of a comparison (read by the report without the
models' audits). :mod:`alignaudit.compare.pairs` builds it from the audits."""

from __future__ import annotations

from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.compare.accuracy import AccuracyDifference
from alignaudit.compare.dates import DateDifference
from alignaudit.compare.documents import PerplexityRatio, TermOverlap

METHOD = ("Paired: only probes both models answered count. Accuracy differences: Bonett-Price "
          "95% interval and a mid-p McNemar test; per suite, category and year, p-values "
          "adjusted by Benjamini-Hochberg across those groups. Cutoff and believed-year "
          "differences: 95% percentile interval over joint resamples of the probes (and of the "
          "dated documents). Perplexity: geometric mean of per-document ratios, t interval on "
          "the logs. 'Beyond noise': p (adjusted) below 0.05, or an interval that excludes no "
          "difference.")


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


def accuracy_finding(d: AccuracyDifference, a: str, b: str) -> Finding:
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


def date_finding(d: DateDifference, a: str, b: str) -> Finding:
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


def perplexity_finding(r: PerplexityRatio, a: str, b: str) -> Finding:
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
