"""The joint cutoff over every signal a run has, and the sentences about it.

:mod:`alignaudit.recency.changepoint` turns signals into one change date; this module runs it on
all signals together and on each alone, and words the result: where two signals disagree, how
many more probes would narrow the interval to a quarter, and which signals show no change of
their own. Pure computation; no IO, no randomness.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alignaudit._util.dates import Precision
from alignaudit._util.frozen import Frozen
from alignaudit.recency.changepoint import (
    ChangeEstimate,
    CutoffSettings,
    collect_evidence,
    date_label,
    estimate_from_evidence,
)
from alignaudit.recency.signals import Signal, SignalEvidence

TARGET_WIDTH_YEARS = 0.25
"""Width the power note aims for: a 90% interval about one quarter long."""
WIDTH_EXPONENT = {"step": 1.0, "unclear": 1.0, "decline": 0.5}
"""Interval width ~ (probes per period) ** -exponent, measured in bench/bench_cutoff_coverage.py
(docs/validation.md: slopes -0.94 for a step, -0.58 for a decline)."""


class JointEstimate(Frozen):
    """The joint estimate over all signals, each signal's own, and whether they disagree."""

    joint: ChangeEstimate
    """All signals sharing one change date."""
    per_signal: tuple[ChangeEstimate, ...]
    """Each signal on its own, in input order."""
    disagreement: str
    """A sentence when two signals' intervals do not overlap; empty otherwise."""
    power_note: str
    """How many probes per period would narrow the interval to about a quarter."""
    unchanged_note: str = ""
    """A sentence naming the signals that show no change of their own, when the joint estimate
    rests on the others; empty otherwise."""


def describe_disagreement(estimates: Sequence[ChangeEstimate], labels: Sequence[str]) -> str:
    """A sentence naming the first two signals that each show a change (``shows_change``) and
    whose intervals do not overlap; empty if none. A signal whose interval is too wide to report
    on its own still counts: pooled with a signal that changes elsewhere, it would pull the joint
    date between them."""
    found = [(a, la, b, lb) for i, (a, la) in enumerate(zip(estimates, labels, strict=True))
             for b, lb in zip(estimates[i + 1:], labels[i + 1:], strict=True)
             if a.shows_change and b.shows_change
             and (a.ci_high < b.ci_low or b.ci_high < a.ci_low)]
    if not found:
        return ""
    a, la, b, lb = found[0]
    order: tuple[Precision, ...] = ("month", "quarter", "year")
    prec = order[max(order.index(a.precision), order.index(b.precision))]

    def say(e: ChangeEstimate, label: str) -> str:
        span = f"{date_label(e.ci_low, prec)} to {date_label(e.ci_high, prec)}"
        if e.status == "estimate":
            return f"{label} say {date_label(e.estimate, prec)} ({span})"
        return f"{label} place a change somewhere from {span}"

    return (f"The signals disagree: {say(a, la)}, {say(b, lb)}; their {a.confidence:.0%} "
            "intervals do not overlap, so a single shared cutoff does not describe both.")


def power_note(est: ChangeEstimate, evidence: Sequence[SignalEvidence]) -> str:
    """How many probes per quarter near the change would narrow the interval to about a quarter,
    from width ~ density ** -exponent (exponent 1 for a step, 1/2 for a decline)."""
    dates = np.concatenate([ev.dates for ev in evidence if ev.kind == "probes"] or [np.zeros(0)])
    if est.status != "estimate" or not len(dates):
        return ""
    width = est.ci_high - est.ci_low
    if width <= 1.5 * TARGET_WIDTH_YEARS:
        return "The interval is already about a quarter wide."
    span = max(width, 1.0)
    near = np.sum(np.abs(dates - est.estimate) <= span / 2) / span / 4.0  # probes per quarter
    need = max(near, 0.5) * (width / TARGET_WIDTH_YEARS) ** (1.0 / WIDTH_EXPONENT[est.shape])
    law = {"step": "1/density for a step", "decline": "1/density ** 0.5 for a decline",
           "unclear": "1/density for a step; a gradual decline needs more"}[est.shape]
    return (f"About {need:.0f} probes per quarter near {est.label} (now {near:.1f}) would narrow "
            f"the {est.confidence:.0%} interval to about a quarter (width scales as {law}).")


SHOWN_ABOVE = 0.75
"""A signal whose posterior probability of showing the joint change is at least this carries it;
the power note counts the probes of such signals only."""
UNCHANGED_BELOW = 0.25
"""A signal whose posterior probability of showing the joint change is below this is said to
show no change of its own (the prior is ``CutoffSettings.share_prior``)."""


def unchanged_note(joint: ChangeEstimate, labels: Sequence[str]) -> str:
    """Which signals show no change of their own, so the joint date rests on the others (signal
    labels are plural nouns: "the recency facts", "your dated documents")."""
    flat = [(lbl, p) for lbl, p in zip(labels, joint.shares, strict=True) if p < UNCHANGED_BELOW]
    if joint.status != "estimate" or not flat or len(flat) == len(labels):
        return ""
    names = [lbl for lbl, _ in flat]
    rest = [lbl for lbl, p in zip(labels, joint.shares, strict=True) if p >= UNCHANGED_BELOW]
    said = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    odds = ", ".join(f"{p:.0%}" for _, p in flat)
    return (f"{said[0].upper()}{said[1:]} show no change of their own (probability of sharing "
            f"it: {odds}), so the date rests on {' and '.join(rest)}.")


def estimate_cutoff(signals: Sequence[Signal],
                    settings: CutoffSettings | None = None) -> JointEstimate:
    """Joint change date over all signals, each signal's own, disagreement and power note."""
    if not signals:
        raise ValueError("estimate_cutoff needs at least one signal")
    cfg = settings or CutoffSettings()
    ev = collect_evidence(signals, cfg.model)
    joint = estimate_from_evidence(ev.signals, ev.grid, cfg)
    own = (tuple(estimate_from_evidence([s], ev.grid, cfg) for s in ev.signals)
           if len(ev.signals) > 1 else (joint,))
    labels = [s.label for s in signals]
    shown = [e for e, p in zip(ev.signals, joint.shares, strict=True) if p >= SHOWN_ABOVE]
    return JointEstimate(joint=joint, per_signal=own,
                         disagreement=describe_disagreement(own, labels),
                         power_note=power_note(joint, shown or ev.signals),
                         unchanged_note=unchanged_note(joint, labels))


__all__ = [
    "SHOWN_ABOVE", "UNCHANGED_BELOW", "JointEstimate", "describe_disagreement", "estimate_cutoff",
    "power_note", "unchanged_note",
]
