"""The effective knowledge cutoff: one change date from every signal a run has, with an interval
calibrated at every suite size, and each signal's own date beside it.

Signals: each suite's dated facts (shipped, the user's, generated; predictable ones left out) and,
with dated ``--data``, the model's perplexity on each dated document (it rises after the cutoff).
The change date and its credible interval come from :mod:`alignaudit.recency.changepoint` (a
posterior over the date with every level integrated out, so a year whose three facts are all
right still carries its uncertainty); "no estimate", with the reason, when the evidence cannot
support a date. The maximum-likelihood step and logistic fits (:mod:`alignaudit.recency.fits`)
say how high accuracy was before the drop and how low after, and draw the curve.

Pure computation: outcomes and document scores in, a typed estimate out. Dates are fractional
years (:mod:`alignaudit._util.dates`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import Field

from alignaudit._util.dates import date_to_year_fraction
from alignaudit._util.dates import quarter_label as _q
from alignaudit._util.frozen import Frozen
from alignaudit.recency.changepoint import ChangeEstimate
from alignaudit.recency.changepoint import CutoffSettings as ChangeSettings
from alignaudit.recency.fits import LogisticFit, StepFit, constant_ll, fit_logistic, fit_step
from alignaudit.recency.fits import prepare as prepare_fit
from alignaudit.recency.joint import JointEstimate
from alignaudit.recency.joint import estimate_cutoff as estimate_change
from alignaudit.recency.periods import Outcome, usable_outcomes
from alignaudit.recency.signals import DocumentScores, ProbeOutcomes

Shape = Literal["step", "decline", "unclear", "flat", "none"]
METHOD = ("change date: posterior over one shared date with each signal's levels integrated out "
          "(a step or a linear fall of 0-8 years), each signal showing the change or none of its "
          "own (prior 1/2 each), median and equal-tailed credible interval, its "
          "level calibrated in simulation when the data say little (docs/validation.md); no "
          "estimate when a change is not supported (log Bayes factor < 1) or the date's central "
          "90% spans most of the dated range")
DISAGREE_REASON = ("the signals disagree: their own intervals do not overlap, so no single "
                   "date describes them all (each signal's date is shown)")
"""Why there is no joint estimate when two signals' intervals are apart."""
MIN_SIDE = 5
"""Fewest probes on each side of the descriptive step fit."""


class DatedScores(Frozen):
    """Per-document scores by date (e.g. log-perplexity), which rise after the cutoff."""

    dates: list[float] = Field(description="Each document's date as a fractional year.")
    scores: list[float] = Field(description="Each document's score (mean log-perplexity).")
    label: str = Field(default="your dated documents", description="How sentences name it.")

    @classmethod
    def from_perplexity(cls, dates: Sequence[str], perplexities: Sequence[float]
                        ) -> DatedScores:
        """The log-perplexity of each document (ISO dates), as the cutoff reads it."""
        return cls(dates=[date_to_year_fraction(d) for d in dates],
                   scores=[math.log(v) for v in perplexities])

    def signal(self) -> DocumentScores:
        """These scores as a signal of the change-date model (they rise after the cutoff)."""
        return DocumentScores(name="documents", label=self.label,
                              dates=np.asarray(self.dates, dtype=float),
                              scores=np.asarray(self.scores, dtype=float))


class SignalCutoff(Frozen):
    """One signal's own change date, beside the joint one."""

    name: str = Field(description="Suite name, or `documents` for dated --data.")
    label: str = Field(description='How sentences name it ("the recency facts").')
    kind: Literal["probes", "documents"] = Field(description="Facts or documents.")
    n: int = Field(description="Probes or documents it has.")
    status: Literal["estimate", "no_estimate"] = Field(description="Whether it alone gives a date.")
    cutoff: float = Field(description="Its posterior median date (quote only with an estimate).")
    label_date: str = Field(description="That date at the estimate's precision.")
    ci_low: float = Field(description="Low end of its credible interval.")
    ci_high: float = Field(description="High end of its credible interval.")
    ci_label: str = Field(description='The interval in words, "2021-Q1 to 2022-Q1".')
    width_words: str = Field(description='"known to within ±6 months".')
    verdict: str = Field(description="Its own one-sentence finding.")
    shares_change: float | None = Field(
        default=None, description="Posterior probability that this signal shows the joint change "
        "rather than none of its own (each signal does with prior probability 0.5).")


class CutoffEstimate(Frozen):
    """Effective knowledge cutoff with its interval, or the reason none can be given."""

    status: Literal["estimate", "no_estimate"] = Field(description="Whether a cutoff is reported.")
    reason: str = Field(description="Plain-language reason for no estimate; empty when estimated.")
    cutoff: float | None = Field(default=None, description="Estimated cutoff: the date knowledge "
                                 "has fallen halfway (a step's date, a decline's midpoint).")
    cutoff_label: str | None = Field(default=None, description='Cutoff at the estimate\'s '
                                     'precision: "2021-03", "2021-Q3" or "2021".')
    ci_low: float | None = Field(default=None, description="Low end of the credible interval.")
    ci_high: float | None = Field(default=None, description="High end of the credible interval.")
    ci_low_label: str | None = Field(default=None, description="ci_low at the precision.")
    ci_high_label: str | None = Field(default=None, description="ci_high at the precision.")
    confidence: float = Field(description="Level of the interval, e.g. 0.9.")
    credible_level: float | None = Field(
        default=None, description="Central share of the posterior reported as that interval "
        "(below the level when the data say little; see docs/validation.md).")
    n_boot: int = Field(default=0, description="Bootstrap resamples (0: the interval is not a "
                        "bootstrap; kept for results written by older versions).")
    shape: Shape = Field(
        description="step: sharp drop; decline: knowledge thins out gradually; unclear: either; "
        "flat: no clear drop; none: nothing to judge (too few probes, or accuracy near chance).")
    step: StepFit | None = Field(default=None, description="Best step-down fit, if any.")
    logistic: LogisticFit | None = Field(default=None, description="Logistic fit beside the step.")
    constant_loglik: float | None = Field(default=None, description="Loglik of one accuracy.")
    lr_statistic: float | None = Field(default=None, description="2 (step - constant loglik).")
    p_value: float | None = Field(default=None, description="Permutation p-value (older results).")
    p_value_method: str = Field(default="", description="How the evidence for a drop was judged.")
    n_used: int = Field(description="Probes used (predictability low or medium).")
    n_excluded_predictable: int = Field(description="Probes left out as predictable (high).")
    date_min: float | None = Field(default=None, description="Earliest used date.")
    date_max: float | None = Field(default=None, description="Latest used date.")
    claimed_cutoff: float | None = Field(default=None, description="Cutoff the model card claims.")
    claimed_label: str | None = Field(default=None, description="Claimed cutoff as a quarter.")
    difference_years: float | None = Field(
        default=None, description="cutoff - claimed in years (negative: knowledge ends earlier).")
    verdict: str = Field(description="One plain-language sentence summarising the finding.")
    method: str = Field(default="", description="How the date and interval were computed.")
    precision: Literal["month", "quarter", "year"] = Field(
        default="quarter", description="Resolution the data allow: month, quarter or year.")
    width_words: str = Field(default="", description='The interval in words: "known to within '
                             '±6 months".')
    power_note: str = Field(default="", description="How many more probes per period would "
                            "narrow the interval to about a quarter.")
    log_bayes_factor: float | None = Field(
        default=None, description="Evidence for a change against one constant level (natural log).")
    fall_years: float | None = Field(default=None, description="Posterior median time of the fall "
                                     "(10% to 90%), 0 for a step.")
    signals: list[SignalCutoff] = Field(default_factory=list, description="Each signal's own date.")
    disagreement: str = Field(default="", description="Which signals disagree, in words; empty "
                              "when their intervals overlap.")
    unchanged_note: str = Field(default="", description="Which signals show no change of their "
                                "own, so the joint date rests on the others; empty otherwise.")


def probe_signals(outcomes: Sequence[Outcome]) -> list[ProbeOutcomes]:
    """One signal per suite (each keeps its own levels: suites differ in difficulty)."""
    by_suite: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_suite.setdefault(o.suite, []).append(o)
    return [ProbeOutcomes(name=suite, label=f"the {suite} facts",
                          dates=np.array([o.event_date for o in group], dtype=float),
                          correct=np.array([o.correct for o in group], dtype=float),
                          chance=np.array([o.chance for o in group], dtype=float),
                          spans=np.array([o.date_span for o in group], dtype=float))
            for suite, group in sorted(by_suite.items())]


def _signal(est: ChangeEstimate, signal: ProbeOutcomes | DocumentScores,
            share: float | None) -> SignalCutoff:
    kind: Literal["probes", "documents"] = ("probes" if isinstance(signal, ProbeOutcomes)
                                            else "documents")
    return SignalCutoff(
        name=signal.name, label=signal.label, kind=kind, n=len(signal.dates), status=est.status,
        cutoff=est.estimate, label_date=est.label, ci_low=est.ci_low, ci_high=est.ci_high,
        ci_label=f"{est.ci_low_label} to {est.ci_high_label}", width_words=est.width_words,
        verdict=est.verdict, shares_change=share)


def _shape(joint: ChangeEstimate) -> Shape:
    """The estimate's shape; without one, "none" (too little, or near chance), "unclear" (the
    signals disagree) or "flat" (no drop the data can place)."""
    if joint.status == "estimate":
        return joint.shape
    if joint.reason == DISAGREE_REASON:
        return "unclear"
    return "none" if "near chance" in joint.reason or joint.reason.startswith("only") else "flat"


def _claim_clause(cutoff: float, claimed: float | None) -> str:
    if claimed is None:
        return ""
    diff = cutoff - claimed
    side = "earlier than" if diff < 0 else "later than"
    return f", {abs(diff):.1f} years {side} the claimed {_q(claimed)}"


def _verdict(joint: ChangeEstimate, step: StepFit | None, claimed: float | None,
             n_signals: int) -> str:
    """The estimator's sentence, with the accuracy before and after a step and the claim."""
    if joint.status != "estimate":
        return joint.verdict
    sentence = joint.verdict.rstrip(".")
    if joint.shape == "step" and step is not None:
        sentence += (f": accuracy drops from {step.a:.2f} to {step.b:.2f} "
                     f"(chance {step.chance_after:.2f})")
    both = " (all signals together)" if n_signals > 1 else ""
    return f"{sentence}{both}{_claim_clause(joint.estimate, claimed)}."


def _fits(used: list[Outcome]) -> dict[str, object]:
    if len(used) < 2 * MIN_SIDE:
        return {}
    data = prepare_fit(used)
    step, logistic, ll0 = fit_step(data, MIN_SIDE), fit_logistic(data), constant_ll(data)
    return {"step": step, "logistic": logistic, "constant_loglik": ll0,
            "lr_statistic": None if step is None else 2.0 * (step.loglik - ll0)}


def estimate_cutoff(outcomes: Sequence[Outcome], claimed: float | None = None,
                    documents: DatedScores | None = None,
                    settings: ChangeSettings | None = None) -> CutoffEstimate:
    """The cutoff from dated facts (low or medium predictability) and, when given, dated
    documents' scores; each signal's own estimate and any disagreement beside it."""
    cfg = settings or ChangeSettings()
    used = usable_outcomes(list(outcomes))
    signals: list[ProbeOutcomes | DocumentScores] = list(probe_signals(used))
    if documents is not None and documents.dates:
        signals.append(documents.signal())
    base: dict[str, object] = {
        "confidence": cfg.confidence, "n_used": len(used), "method": METHOD,
        "n_excluded_predictable": len(outcomes) - len(used), "claimed_cutoff": claimed,
        "claimed_label": None if claimed is None else _q(claimed), **_fits(used)}
    if not signals:
        return CutoffEstimate.model_validate({
            **base, "status": "no_estimate", "shape": "none",
            "reason": "no dated facts of low or medium predictability were scored.",
            "verdict": "No knowledge cutoff can be estimated: no dated facts of low or medium "
            "predictability were scored."})
    return _from_joint(estimate_change(signals, cfg), signals, base, cfg, claimed)


def _from_joint(found: JointEstimate, signals: Sequence[ProbeOutcomes | DocumentScores],
                base: dict[str, object], cfg: ChangeSettings,
                claimed: float | None) -> CutoffEstimate:
    joint = found.joint
    if found.disagreement:  # a compromise date would describe neither signal
        joint = joint.model_copy(update={
            "status": "no_estimate", "reason": DISAGREE_REASON,
            "verdict": f"No single knowledge cutoff: {found.disagreement}"})
    estimated = joint.status == "estimate"
    step = base.get("step")
    return CutoffEstimate.model_validate({
        **base, "status": joint.status, "reason": joint.reason, "shape": _shape(joint),
        "cutoff": joint.estimate if estimated else None,
        "cutoff_label": joint.label if estimated else None,
        "ci_low": joint.ci_low, "ci_high": joint.ci_high, "ci_low_label": joint.ci_low_label,
        "ci_high_label": joint.ci_high_label, "precision": joint.precision,
        "credible_level": joint.credible_level,
        "width_words": joint.width_words,
        "power_note": "" if found.disagreement else found.power_note,  # about no shared date
        "log_bayes_factor": joint.log_bayes_factor, "fall_years": joint.fall_years,
        "p_value_method": f"log Bayes factor of a change against no change: "
                          f"{joint.log_bayes_factor:.1f} (1 or more needed)",
        "date_min": joint.date_min, "date_max": joint.date_max,
        "difference_years": joint.estimate - claimed if estimated and claimed is not None
        else None,
        "signals": [_signal(e, s, p) for e, s, p
                    in zip(found.per_signal, signals, found.joint.shares, strict=True)]
        if len(signals) > 1 else [],
        "disagreement": found.disagreement,
        "unchanged_note": "" if found.disagreement else found.unchanged_note,
        "verdict": _verdict(joint, step if isinstance(step, StepFit) else None, claimed,
                            len(signals)),
    })
