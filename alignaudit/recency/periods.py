"""Scored probes by event period: the outcome of each dated fact, Wilson intervals, chance
correction, and accuracy per calendar year or quarter.

Pure computation: scored probes (``Outcome``) in, typed rows out. Dates are fractional years
(:mod:`alignaudit._util.dates`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import Literal

import numpy as np
from pydantic import Field, model_validator
from scipy import stats

from alignaudit._util.dates import fraction_of, year_fraction_to_label
from alignaudit._util.frozen import Frozen

Period = Literal["year", "quarter"]


# ---------------------------------------------------------------------------- inputs


class Outcome(Frozen):
    """One scored probe: did the model rank a correct completion first?"""

    probe_id: str = Field(description="Identifier of the probe within its suite.")
    suite: str = Field(description="Name of the probe suite the probe belongs to.")
    event_date: float = Field(description="When the event happened, as a fractional year.")
    date_span: float = Field(
        default=0.0, ge=0.0, description="Length in years of the period the date names, centred "
        "on event_date: 1 for \"2020\", about 1/12 for \"2020-03\", 0 for a day.")
    correct: bool = Field(description="Whether likelihood ranking put a correct answer first.")
    n_choices: int = Field(ge=2, description="Number of candidate completions ranked.")
    n_correct: int = Field(default=1, ge=1, description="Candidates that count as correct.")
    predictability: Literal["low", "medium", "high"] = Field(
        default="low", description="How guessable without knowing the event (scheduled: high)."
    )
    category: str = Field(default="", description="Free-form topic tag (sport, politics, tech...).")
    guess_rate: float | None = Field(
        default=None, ge=0.0, lt=1.0,
        description="Chance of being counted correct without knowing the event; None: a uniform "
        "guess among the choices (n_correct / n_choices). 0 for an open-ended generation.")

    @model_validator(mode="after")
    def _check_counts(self) -> Outcome:
        if self.n_correct >= self.n_choices:
            raise ValueError(f"probe {self.probe_id}: n_correct must be below n_choices")
        return self

    @property
    def chance(self) -> float:
        """Probability of being correct by guessing: ``guess_rate``, or uniformly among the
        choices when it is not given."""
        return self.guess_rate if self.guess_rate is not None else self.n_correct / self.n_choices


def usable_outcomes(outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes a cutoff can be estimated from: predictability low or medium."""
    return [o for o in outcomes if o.predictability != "high"]


# ---------------------------------------------------------------------------- accuracy tables


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n; (0, 1) when n == 0."""
    if n == 0:
        return (0.0, 1.0)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def chance_corrected(accuracy: float, chance: float) -> float:
    """Accuracy rescaled so that chance is 0 and perfect is 1: (acc - chance) / (1 - chance)."""
    if not 0.0 <= chance < 1.0:
        raise ValueError(f"chance must be in [0, 1), got {chance}")
    return (accuracy - chance) / (1.0 - chance)


class PeriodAccuracy(Frozen):
    """Accuracy of the probes whose events fall in one calendar period."""

    label: str = Field(description='Calendar label of the period, e.g. "2020" or "2020-Q1".')
    start: float = Field(description="Start of the period as a fractional year.")
    end: float = Field(description="End of the period (exclusive) as a fractional year.")
    n: int = Field(description="Number of probes in the period.")
    correct: int = Field(description="Number of those answered correctly.")
    accuracy: float = Field(description="correct / n.")
    ci_low: float = Field(description="Lower end of the Wilson interval for the accuracy.")
    ci_high: float = Field(description="Upper end of the Wilson interval for the accuracy.")
    mean_chance: float = Field(description="Mean chance accuracy of the probes in the period.")
    chance_corrected: float = Field(description="(accuracy - mean_chance) / (1 - mean_chance).")
    chance_corrected_low: float = Field(description="ci_low after the same chance correction.")
    chance_corrected_high: float = Field(description="ci_high after the same chance correction.")


def _period_key(x: float, period: Period) -> tuple[int, int]:
    if period == "year":
        return (math.floor(x), 0)
    return (math.floor(x), int(year_fraction_to_label(x, "quarter")[-1]))


def _period_bounds(key: tuple[int, int], period: Period) -> tuple[float, float, str]:
    year, quarter = key
    if period == "year":
        return float(year), float(year + 1), f"{year:04d}"
    start = fraction_of(date(year, 3 * quarter - 2, 1))
    end = float(year + 1) if quarter == 4 else fraction_of(date(year, 3 * quarter + 1, 1))
    return start, end, f"{year:04d}-Q{quarter}"


def accuracy_by_period(
    outcomes: list[Outcome], period: Period = "year", confidence: float = 0.95
) -> list[PeriodAccuracy]:
    """Accuracy per calendar year or quarter, oldest first; only periods that have probes."""
    groups: dict[tuple[int, int], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[_period_key(o.event_date, period)].append(o)
    rows = []
    for key in sorted(groups):
        members = groups[key]
        n, k = len(members), sum(o.correct for o in members)
        chance = float(np.mean([o.chance for o in members]))
        lo, hi = wilson_interval(k, n, confidence)
        start, end, label = _period_bounds(key, period)
        rows.append(
            PeriodAccuracy(
                label=label, start=start, end=end, n=n, correct=k, accuracy=k / n,
                ci_low=lo, ci_high=hi, mean_chance=chance,
                chance_corrected=chance_corrected(k / n, chance),
                chance_corrected_low=chance_corrected(lo, chance),
                chance_corrected_high=chance_corrected(hi, chance),
            )
        )
    return rows


def choose_period(outcomes: list[Outcome], min_per_period: int = 8) -> Period:
    """ "quarter" when every populated quarter has ``min_per_period`` probes, else "year"."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for o in outcomes:
        counts[_period_key(o.event_date, "quarter")] += 1
    if counts and min(counts.values()) >= min_per_period:
        return "quarter"
    return "year"
