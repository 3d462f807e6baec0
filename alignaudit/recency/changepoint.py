"""Effective knowledge cutoff: one change date shared by probe outcomes and dated documents.

Every signal contributes a log marginal likelihood over a common grid of candidate change dates
(:mod:`alignaudit.recency.signals`), and the posterior under a uniform prior on the date combines
them. With several signals, each one either shows the shared change or none of its own
(probability ``share_prior`` each, a priori), so a signal that stays flat neither vetoes nor moves
the date.
The reported date is the posterior median, the interval an equal-tailed credible interval whose
level is calibrated in simulation where the data say little (``LevelCalibration``), and
a minimum-evidence rule says "no estimate", with a reason, when the data cannot support one. The
estimand is the date the signal has moved halfway from its before level to its after level: the
date of a step, the midpoint of a gradual decline. Pure computation; no IO, no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field
from scipy import special

from alignaudit._util.dates import Precision, period_starts
from alignaudit._util.dates import year_fraction_to_label as date_label
from alignaudit.recency.signals import (
    ChangeGrid,
    ChangeModel,
    DocumentScores,
    FrozenModel,
    ProbeOutcomes,
    Signal,
    SignalEvidence,
    make_grid,
    signal_evidence,
)

Shape = Literal["step", "decline", "unclear"]


class EvidenceRule(FrozenModel):
    """When to say "no estimate"; at chance it gives none in >= 99% of simulated suites
    (docs/validation.md)."""

    min_probes: int = 20
    """Fewest probes a probe signal needs for an estimate of its own."""
    min_documents: int = 30
    """Fewest documents a document signal needs for an estimate of its own."""
    min_log_bayes_factor: float = 1.0
    """Least log Bayes factor of a change against no change (all signals together)."""
    min_span_years: float = 1.0
    """Fewest years between the earliest and the latest date."""
    max_width_fraction: float = 0.5
    """No estimate when the interval spans more than this share of the dated range."""
    chance_knowledge: float = 0.1
    """Knowledge (0 = chance, 1 = all known) below which accuracy is called near chance."""


class LevelCalibration(FrozenModel):
    """Which central share of the posterior is reported as the ``confidence`` interval.

    When the data say little, the posterior leans on the weak priors and its central 90% covers
    the true date more often than 90% of the time (97% at 40 probes in simulation). The tail
    probability (1 - confidence) is therefore multiplied by a factor that depends on how much of
    the dated range the central ``confidence`` share spans (the *spread*): linear between the
    knots, constant outside them. Derived from simulation over steps and declines at 40-2,000
    probes (docs/validation.md, section 1); ``tail_scale=(1.0, 1.0)`` turns it off.
    """

    spread: tuple[float, float] = (0.15, 0.6)
    """Spreads (interval width / dated range) at which the multiplier reaches its two values."""
    tail_scale: tuple[float, float] = (1.0, 2.5)
    """Tail multiplier at those spreads (1: the plain credible interval)."""

    def level(self, confidence: float, spread: float) -> float:
        """The central posterior share to report for a nominal ``confidence``."""
        scale = float(np.interp(spread, self.spread, self.tail_scale))
        return max(1.0 - (1.0 - confidence) * scale, 0.5)


class CutoffSettings(FrozenModel):
    """Everything the estimate depends on besides the data."""

    model: ChangeModel = ChangeModel()
    """Priors and grid of the change model."""
    rule: EvidenceRule = EvidenceRule()
    """The minimum-evidence rule."""
    confidence: float = 0.9
    """Level of the interval: the share of true dates it is meant to cover."""
    calibration: LevelCalibration = LevelCalibration()
    """Posterior share reported as that interval (see ``LevelCalibration``)."""
    share_prior: float = Field(default=0.5, gt=0.0, le=1.0)
    """With several signals: prior probability that a signal shows the shared change rather
    than none of its own. The joint model asks for at least one signal to change; 1.0 asks
    every signal to (the earlier rule, under which flat signals outweigh one that changes)."""


class ChangeEstimate(FrozenModel):
    """A change date with its interval from one or more signals, or why there is none."""

    status: Literal["estimate", "no_estimate"]
    """Whether a date is reported."""
    reason: str
    """Plain-language reason when there is no estimate; empty otherwise."""
    signals: tuple[str, ...]
    """Names of the signals combined."""
    estimate: float
    """Posterior median of the change date (fractional year); reported only with status estimate."""
    ci_low: float
    """Low end of the equal-tailed credible interval."""
    ci_high: float
    """High end of the credible interval."""
    confidence: float
    """Level of the interval."""
    credible_level: float = 0.9
    """Central share of the posterior reported as that interval (``LevelCalibration``)."""
    precision: Precision
    """Calendar precision the data support; labels use it."""
    label: str
    """The estimate as a calendar period, e.g. "2023-Q1"."""
    ci_low_label: str
    """ci_low as a calendar period."""
    ci_high_label: str
    """ci_high as a calendar period."""
    width_words: str
    """The interval in words, e.g. "known to within ±4 months"."""
    shape: Shape
    """step: P(fall within a year) >= 0.75; decline: <= 0.25 (knowledge thins out); else unclear."""
    fall_years: float
    """Posterior median of the years from 10% to 90% of the fall (0 for a step)."""
    log_bayes_factor: float
    """Log Bayes factor of a change against no change."""
    date_min: float
    """Earliest date in the data."""
    date_max: float
    """Latest date in the data."""
    periods: tuple[str, ...]
    """Calendar periods at ``precision`` over the dated range."""
    period_mass: tuple[float, ...]
    """Posterior probability that the change falls in each period."""
    verdict: str
    """One plain sentence."""
    shares: tuple[float, ...] = ()
    """Posterior probability that each signal shows the change (1.0 for a single signal)."""
    shows_change: bool = False
    """The data support a change (enough observations over enough years, a Bayes factor the
    rule accepts), whether or not its interval is narrow enough to report."""


@dataclass(frozen=True)
class Evidence:
    """The common grid and each signal's evidence on it."""

    grid: ChangeGrid
    signals: tuple[SignalEvidence, ...]


@dataclass(frozen=True)
class _Posterior:
    median: float
    low: float
    high: float
    log_bf: float
    weights: np.ndarray  # posterior probability of each grid candidate
    spread: float  # width of the central ``confidence`` share / the dated range
    level: float  # the central share reported (after calibration)
    shares: np.ndarray  # posterior probability that each signal shows the change


# ---------------------------------------------------------------------------- posterior


def collect_evidence(signals: Sequence[Signal], model: ChangeModel) -> Evidence:
    """Each signal's evidence on one grid spanning all their dates."""
    grid = make_grid(signals, model)
    return Evidence(grid=grid, signals=tuple(signal_evidence(s, grid, model) for s in signals))


def _cdf_quantile(cdf: np.ndarray, grid: ChangeGrid, q: float) -> float:
    """Quantile of the posterior, each candidate's mass spread evenly over its step."""
    edges = np.concatenate([grid.candidates - grid.step / 2, grid.candidates[-1:] + grid.step / 2])
    return float(np.interp(q, np.concatenate([[0.0], cdf]), edges))


def _combined(evidence: Sequence[SignalEvidence], share: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """Log likelihood ratio, against no change anywhere, of a change at each candidate date
    that each signal shows with prior probability ``share`` (at least one does), and
    P(signal shows it | date), shaped (signals, candidates). One signal: its own ratio."""
    ratio = np.array([ev.loglik - ev.log_null for ev in evidence])
    if len(evidence) == 1 or share >= 1.0:  # 1.0: every signal must show the change
        return ratio.sum(axis=0), np.ones_like(ratio)
    on, off = math.log(share), math.log1p(-share)
    mixed = np.logaddexp(on + ratio, off)
    total = mixed.sum(axis=0)
    none = len(evidence) * off  # log P(no signal changes), which "a change" leaves out
    some = np.log(-np.expm1(np.minimum(none - total, -1e-300)))  # log P(at least one | data)
    shown = np.exp(on + ratio - mixed - some)
    return total + some - math.log(-math.expm1(none)), np.minimum(shown, 1.0)


def _posterior(evidence: Sequence[SignalEvidence], grid: ChangeGrid,
               settings: CutoffSettings) -> _Posterior:
    """Combine the signals (``_combined``), normalise under a uniform prior on the date; the
    interval is the central ``level`` share, calibrated from the plain one's spread."""
    total, shown = _combined(evidence, settings.share_prior)
    norm = special.logsumexp(total)
    weights = np.exp(total - norm)
    cdf = np.minimum(np.cumsum(weights), 1.0)

    def central(level: float) -> tuple[float, float]:
        tail = (1.0 - level) / 2.0
        return _cdf_quantile(cdf, grid, tail), _cdf_quantile(cdf, grid, 1.0 - tail)

    lo, hi = _date_range(evidence)
    plain = central(settings.confidence)
    spread = (plain[1] - plain[0]) / max(hi - lo, 1e-9)
    level = settings.calibration.level(settings.confidence, spread)
    low, high = central(level)
    log_bf = float(norm - math.log(len(total)))
    return _Posterior(median=_cdf_quantile(cdf, grid, 0.5), low=low, high=high, log_bf=log_bf,
                      weights=weights, spread=spread, level=level,
                      shares=np.minimum(shown @ weights, 1.0))


def _date_range(evidence: Sequence[SignalEvidence]) -> tuple[float, float]:
    return (min(float(ev.dates[0]) for ev in evidence),
            max(float(ev.dates[-1]) for ev in evidence))


def _fall_time(primary: SignalEvidence, weights: np.ndarray) -> tuple[float, float]:
    """Posterior P(fall <= 1 year) and median 10%-90% fall time, given the date posterior."""
    logp = primary.width_loglik + np.log(primary.width_prior) - primary.loglik[:, None]
    p_width = weights @ np.exp(logp)
    p_width /= p_width.sum()
    p_step = float(p_width[primary.widths <= 1.0].sum())
    median_width = float(primary.widths[np.searchsorted(np.cumsum(p_width), 0.5)])
    return p_step, 0.8 * median_width


# ---------------------------------------------------------------------------- the rule


def _precision(evidence: Sequence[SignalEvidence], width: float) -> Precision:
    """Month when the interval is at most half a year, quarter up to three years, else year;
    never finer than the dates (all at mid-year: year-only dates)."""
    year_only = all(np.allclose(ev.dates % 1.0, 0.5) for ev in evidence)
    if year_only or width > 3.0:
        return "year"
    return "month" if width <= 0.5 else "quarter"


def width_in_words(low: float, high: float) -> str:
    """"known to within ±N months" (or years, beyond two years) for an interval."""
    half_months = (high - low) * 6.0
    if half_months >= 24:
        return f"known to within ±{half_months / 12:.1f} years"
    months = max(1, round(half_months))
    return f"known to within ±{months} month{'s' if months > 1 else ''}"


def _no_drop_reason(evidence: Sequence[SignalEvidence], log_bf: float, rule: EvidenceRule) -> str:
    probes = [ev for ev in evidence if ev.kind == "probes"]
    odds = f"Bayes factor {math.exp(max(log_bf, -30)):.2g} for a change against none"
    if probes and all(ev.null_level < rule.chance_knowledge for ev in probes):
        return (f"accuracy is near chance throughout (knowledge about {probes[0].null_level:.0%} "
                f"of the way from chance to perfect), so there is no knowledge whose end could "
                f"be dated ({odds}).")
    return (f"the data show no clear change over the dated range ({odds}); the knowledge may reach "
            "past the latest dates, or there are too few observations to tell.")


def _problem(evidence: Sequence[SignalEvidence], post: _Posterior, rule: EvidenceRule,
             confidence: float) -> str:
    """Why no estimate can be given, or empty."""
    enough = [ev for ev in evidence
              if ev.n >= (rule.min_probes if ev.kind == "probes" else rule.min_documents)]
    if not enough:
        counts = ", ".join(f"{ev.n} {ev.kind}" for ev in evidence)
        return (f"only {counts}; at least {rule.min_probes} probes or {rule.min_documents} "
                "documents are needed.")
    lo, hi = _date_range(evidence)
    if hi - lo < rule.min_span_years:
        return (f"the dates span only {date_label(lo, 'month')} to {date_label(hi, 'month')}; "
                f"dating a change needs dates at least {rule.min_span_years:g} year(s) apart.")
    if post.log_bf < rule.min_log_bayes_factor:
        return _no_drop_reason(evidence, post.log_bf, rule)
    if post.spread > rule.max_width_fraction:
        return (f"the date is too uncertain: the central {confidence:.0%} of its probability "
                f"spans most of the dated range ({date_label(lo, 'quarter')} to "
                f"{date_label(hi, 'quarter')}).")
    return ""


def _supports_change(evidence: Sequence[SignalEvidence], post: _Posterior,
                     rule: EvidenceRule) -> bool:
    """Every part of the evidence rule but the interval's width."""
    enough = any(ev.n >= (rule.min_probes if ev.kind == "probes" else rule.min_documents)
                 for ev in evidence)
    lo, hi = _date_range(evidence)
    return enough and hi - lo >= rule.min_span_years and post.log_bf >= rule.min_log_bayes_factor


def _shape(p_step: float) -> Shape:
    """Name the shape only when the posterior is clear about it (the prior gives 0.5)."""
    return "step" if p_step >= 0.75 else ("decline" if p_step <= 0.25 else "unclear")


def _verdict(est: ChangeEstimate) -> str:
    if est.status == "no_estimate":
        return f"No knowledge cutoff can be estimated: {est.reason}"
    ci = f"{est.confidence:.0%} interval {est.ci_low_label} to {est.ci_high_label}"
    if est.shape == "decline":
        return (f"Knowledge thins out rather than stopping: it has fallen halfway by about "
                f"{est.label} ({ci}; {est.width_words}), over roughly {est.fall_years:.1f} years.")
    if est.shape == "unclear":
        return (f"Knowledge stops or thins out around {est.label} ({ci}; {est.width_words}); "
                "the data cannot tell a sharp stop from a gradual decline.")
    return f"Knowledge stops around {est.label} ({ci}; {est.width_words})."


def estimate_from_evidence(evidence: Sequence[SignalEvidence], grid: ChangeGrid,
                           settings: CutoffSettings) -> ChangeEstimate:
    """The change date from the given signals' evidence (summed), with the evidence rule."""
    post = _posterior(evidence, grid, settings)
    order = np.argsort(-post.shares, kind="stable")  # the shape is read from the signal that
    primary = next((evidence[i] for i in order if evidence[i].kind == "probes"),  # most surely
                   evidence[int(order[0])])  # shows the change, probes first
    p_step, fall = _fall_time(primary, post.weights)
    lo, hi = _date_range(evidence)
    precision = _precision(evidence, post.high - post.low)
    starts = period_starts(lo, hi, precision)
    cdf = np.concatenate([[0.0], np.cumsum(post.weights)])
    edges = np.concatenate([grid.candidates - grid.step / 2, grid.candidates[-1:] + grid.step / 2])
    mass = np.diff(np.interp(starts, edges, cdf))
    reason = _problem(evidence, post, settings.rule, settings.confidence)
    est = ChangeEstimate(
        status="no_estimate" if reason else "estimate", reason=reason,
        signals=tuple(ev.name for ev in evidence), estimate=post.median, ci_low=post.low,
        ci_high=post.high, confidence=settings.confidence, credible_level=post.level,
        precision=precision,
        label=date_label(post.median, precision), ci_low_label=date_label(post.low, precision),
        ci_high_label=date_label(post.high, precision),
        width_words=width_in_words(post.low, post.high),
        shape=_shape(p_step), fall_years=fall,
        log_bayes_factor=post.log_bf, date_min=lo, date_max=hi,
        periods=tuple(date_label(s, precision) for s in starts[:-1]),
        period_mass=tuple(float(m) for m in mass), verdict="",
        shares=tuple(float(x) for x in post.shares),
        shows_change=_supports_change(evidence, post, settings.rule),
    )
    return est.model_copy(update={"verdict": _verdict(est)})


__all__ = [
    "ChangeEstimate", "ChangeModel", "CutoffSettings", "DocumentScores", "EvidenceRule",
    "LevelCalibration", "ProbeOutcomes", "collect_evidence", "date_label",
    "estimate_from_evidence", "width_in_words",
]
