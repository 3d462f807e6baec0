"""The believed year: which calendar year's world the model's answers to changing facts match.

A changing fact has a timeline of answers, each true for a period; the model's probability over
those answers (``FactPreference``) says which period it has in mind. Pure computation:
preferences in, a typed ``BelievedYear`` out. No IO and no model. Randomness comes only from the
``numpy.random.Generator`` passed in. Dates are fractional years, as in
:mod:`alignaudit._util.dates`.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field, model_validator

from alignaudit._util.frozen import Frozen


class TimelineAnswer(Frozen):
    """One answer of a changing fact, the period it was true, and the model's probability."""

    answer: str = Field(description='The answer text, e.g. "Boris Johnson".')
    valid_from: float = Field(description="When the answer became true, as a fractional year.")
    valid_until: float | None = Field(
        default=None, description="When it stopped being true; None: still true (up to now)."
    )
    probability: float = Field(ge=0.0, le=1.0, description="Model's probability for it, 0..1.")


class FactPreference(Frozen):
    """A fact whose answer changed over time and the model's preference over its answers."""

    fact_id: str = Field(description="Identifier of the fact.")
    answers: list[TimelineAnswer] = Field(min_length=1, description="The timeline of answers.")

    @model_validator(mode="after")
    def _check_probabilities(self) -> FactPreference:
        total = sum(a.probability for a in self.answers)
        if abs(total - 1.0) > 1e-3:
            raise ValueError(f"fact {self.fact_id}: probabilities sum to {total:.4f}, not 1")
        return self


class YearScore(Frozen):
    """How well the model's answers agree with the world of one calendar year."""

    year: int = Field(description="Calendar year.")
    score: float = Field(description="Mean over facts of the probability on that year's answers.")
    n_facts: int = Field(description="Facts whose timeline covers part of the year.")
    support: float = Field(description="Share of bootstrap resamples in which this year wins.")


class FactBelief(Frozen):
    """The answer a model prefers for one fact, and the period in which it was true."""

    fact_id: str = Field(description="Identifier of the fact.")
    preferred_answer: str = Field(description="The answer with the highest probability.")
    probability: float = Field(description="Its probability.")
    valid_from: float = Field(description="Start of the preferred answer's period.")
    valid_until: float | None = Field(description="End of its period; None if still true.")


class BelievedYear(Frozen):
    """Which year's world the model's answers to changing facts agree with best."""

    believed_year: int | None = Field(description="Best-scoring year (the latest among ties).")
    interval_low: int | None = Field(description="Lower end of the bootstrap interval over facts.")
    interval_high: int | None = Field(description="Upper end of the bootstrap interval over facts.")
    confidence: float = Field(description="Confidence level of the interval.")
    now: float = Field(description="The date open-ended answers are taken to be true up to.")
    n_facts: int = Field(description="Number of facts.")
    years: list[YearScore] = Field(description="Score of every year considered, oldest first.")
    facts: list[FactBelief] = Field(description="Each fact's preferred answer.")
    verdict: str = Field(description="One plain-language sentence.")


_STEPS_PER_YEAR = 48


def _year_scores(prefs: list[FactPreference], years: np.ndarray, now: float) -> np.ndarray:
    """(facts, years) matrix: per fact, the mean over the year (on a grid of 48 instants, up to
    ``now``) of the probability on the answers true at each instant; NaN where the timeline does
    not cover the year at all."""
    grid = years[:, None] + (np.arange(_STEPS_PER_YEAR) + 0.5) / _STEPS_PER_YEAR
    out = np.full((len(prefs), len(years)), np.nan)
    for i, fact in enumerate(prefs):
        mass, covered = np.zeros(grid.shape), np.zeros(grid.shape, dtype=bool)
        for a in fact.answers:
            until = now if a.valid_until is None else min(a.valid_until, now)
            valid = (grid >= a.valid_from) & (grid < until)
            mass += a.probability * valid
            covered |= valid
        n_cov = covered.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[i] = np.where(n_cov > 0, (mass * covered).sum(axis=1) / n_cov, np.nan)
    return out


def year_matrix(preferences: list[FactPreference], now: float, min_coverage: float = 0.5
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(eligible years, scores with NaN as 0, covered as 0/1), both (facts, years), as
    :func:`believed_year` uses them; None when no year is eligible or there are no facts."""
    if not preferences:
        return None
    first = min(a.valid_from for f in preferences for a in f.answers)
    years = np.arange(math.floor(first), math.floor(now) + 1)
    scores = _year_scores(preferences, years, now)
    eligible = (~np.isnan(scores)).sum(axis=0) >= max(1, math.ceil(min_coverage * len(scores)))
    if not eligible.any():
        return None
    years, scores = years[eligible], scores[:, eligible]
    return years, np.nan_to_num(scores), (~np.isnan(scores)).astype(float)


def best_year_index(scores: np.ndarray) -> np.ndarray:
    """Index of the highest score per row, the latest among ties (within 1e-9)."""
    best = np.nanmax(scores, axis=-1, keepdims=True)
    tied = scores >= best - 1e-9
    return scores.shape[-1] - 1 - np.argmax(np.flip(tied, axis=-1), axis=-1)


def _preferred(fact: FactPreference) -> FactBelief:
    a = max(fact.answers, key=lambda x: x.probability)
    return FactBelief(fact_id=fact.fact_id, preferred_answer=a.answer, probability=a.probability,
                      valid_from=a.valid_from, valid_until=a.valid_until)


def _bootstrap_years(filled: np.ndarray, covered: np.ndarray, rng: np.random.Generator,
                     n_boot: int) -> np.ndarray:
    """Believed-year index of each of ``n_boot`` resamples of the facts (rows of the matrices)."""
    n_facts = len(filled)
    counts = rng.multinomial(n_facts, np.full(n_facts, 1.0 / n_facts), size=n_boot)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = np.einsum("bf,fy->by", counts, filled) / np.einsum("bf,fy->by", counts, covered)
    return best_year_index(np.where(np.isnan(boot), -np.inf, boot))


def believed_year(
    preferences: list[FactPreference],
    rng: np.random.Generator,
    now: float,
    n_boot: int = 1000,
    confidence: float = 0.9,
    min_coverage: float = 0.5,
) -> BelievedYear:
    """The calendar year whose world the model's answers to changing facts match best.

    For each year Y and fact f, score_f(Y) is the probability the model puts on the answer(s)
    true during Y (averaged over the year when the answer changed within it; open-ended answers
    are true up to ``now``). score(Y) is the mean of score_f(Y) over the facts whose timeline
    covers Y; only years covered by at least ``min_coverage`` of the facts are eligible. The
    believed year is the eligible year with the highest score (the latest among exact ties,
    since years in which no fact changed cannot be told apart). The interval is the percentile
    interval of the believed year over ``n_boot`` resamples of the facts with replacement.
    """
    base: dict[str, object] = {"confidence": confidence, "now": now, "n_facts": len(preferences),
                               "facts": [_preferred(f) for f in preferences], "years": []}
    empty = {**base, "believed_year": None, "interval_low": None, "interval_high": None}
    if not preferences:
        return BelievedYear.model_validate({**empty, "verdict": "No changing facts were scored."})
    found = year_matrix(preferences, now, min_coverage)
    if found is None:
        return BelievedYear.model_validate({**empty, "verdict": "The timelines share no year."})
    years, filled, covered = found
    n_cov = covered.sum(axis=0).astype(int)
    mean = filled.sum(axis=0) / n_cov
    best = int(years[best_year_index(mean)])
    picks = years[_bootstrap_years(filled, covered, rng, n_boot)]
    tail = (1.0 - confidence) / 2.0
    lo, hi = (int(np.quantile(picks, q, method="inverted_cdf")) for q in (tail, 1.0 - tail))
    rows = [YearScore(year=int(y), score=float(m), n_facts=int(c),
                      support=float(np.mean(picks == y)))
            for y, m, c in zip(years, mean, n_cov, strict=True)]
    verdict = (f"The model's answers to {len(preferences)} changing facts agree best with the "
               f"world of {best} ({confidence:.0%} interval {lo} to {hi}).")
    return BelievedYear.model_validate({**base, "believed_year": best, "interval_low": lo,
                                        "interval_high": hi, "years": rows, "verdict": verdict})
