"""Descriptive fits of correctness against event date, drawn in the report and quoted in words:
the maximum-likelihood step (accuracy before and after a date) and a logistic decline.

The cutoff and its interval come from :mod:`alignaudit.recency.changepoint`; these fits say how
high accuracy was before the drop and how low after it, and draw the curve. Pure computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import Field
from scipy import optimize, special

from alignaudit._util.frozen import Frozen
from alignaudit.recency.periods import Outcome, wilson_interval

_LN9 = math.log(9.0)


class StepFit(Frozen):
    """Maximum-likelihood step-down: accuracy ``a`` for events before ``t``, ``b`` after."""

    t: float = Field(description="Change point: midpoint of the gap between the dates either side.")
    gap_low: float = Field(description="Latest event date before the change.")
    gap_high: float = Field(description="Earliest event date after it (t is any date in the gap).")
    a: float = Field(description="Accuracy (probability of correct) before t.")
    b: float = Field(description="Accuracy after t, floored at the mean chance of those probes.")
    b_floored: bool = Field(description="Whether the raw after-accuracy was below chance.")
    n_before: int = Field(description="Probes before t.")
    n_after: int = Field(description="Probes after t.")
    chance_before: float = Field(description="Mean chance accuracy of the probes before t.")
    chance_after: float = Field(description="Mean chance accuracy of the probes after t.")
    before_wilson_low: float = Field(description="95% Wilson lower bound of the accuracy before t.")
    loglik: float = Field(description="Bernoulli log-likelihood of the fitted step.")


class LogisticFit(Frozen):
    """Smooth decline in knowledge, fitted by maximum likelihood:
    p(correct) = chance + (1 - chance) * (lower + (upper - lower) * sigmoid(-(date - mid)/scale)).
    """

    midpoint: float = Field(description="Date at which half of the knowledge has gone.")
    scale: float = Field(description="Logistic scale in years (larger = more gradual).")
    upper: float = Field(description="Chance-corrected knowledge long before the midpoint (0..1).")
    lower: float = Field(description="Chance-corrected knowledge long after the midpoint (0..1).")
    width_years: float = Field(description="Years from 10% to 90% of the drop (2 ln9 scale).")
    onset: float = Field(description="Date when 10% of the drop has happened (mid - ln9 scale).")
    loglik: float = Field(description="Bernoulli log-likelihood of the fitted curve.")


@dataclass(frozen=True)
class FitData:
    """Usable probes sorted by date, and the candidate splits between distinct dates."""

    dates: np.ndarray
    correct: np.ndarray
    chance: np.ndarray
    splits: np.ndarray  # split j puts probes [:j] before the change and [j:] after it


def prepare(outcomes: list[Outcome]) -> FitData:
    order = sorted(outcomes, key=lambda o: o.event_date)
    dates = np.array([o.event_date for o in order], dtype=float)
    correct = np.array([o.correct for o in order], dtype=float)
    chance = np.array([o.chance for o in order], dtype=float)
    splits = np.flatnonzero(np.diff(dates) > 0) + 1
    return FitData(dates, correct, chance, splits)


def _bern_ll(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return special.xlogy(k, p) + special.xlogy(n - k, 1.0 - p)


def _step_profile(
    w: np.ndarray, y: np.ndarray, c: np.ndarray, splits: np.ndarray, min_side: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Profile log-likelihood of a step-down at every split, for each row of weights.

    ``w``, ``y`` (correct) and ``c`` (chance) broadcast to (rows, n). Per segment the MLE
    of the correctness probability is its weighted mean; after the change it is floored at the
    segment's mean chance (the constrained MLE under b >= chance, the likelihood being concave).
    Splits that are not a step-down (a <= b) or leave fewer than ``min_side`` probes on a side
    get -inf. Cumulative sums make this O(n) per row.
    """
    cw, cy, cc = (np.cumsum(np.broadcast_to(v, np.broadcast_shapes(w.shape, y.shape)), axis=1)
                  for v in (w, w * y, w * c))
    nb, kb, chb = cw[:, splits - 1], cy[:, splits - 1], cc[:, splits - 1]
    na, ka, cha = cw[:, -1:] - nb, cy[:, -1:] - kb, cc[:, -1:] - chb
    with np.errstate(divide="ignore", invalid="ignore"):
        a = kb / nb
        b = np.maximum(ka / na, cha / na)
        ll = _bern_ll(kb, nb, a) + _bern_ll(ka, na, b)
    ok = (nb >= min_side) & (na >= min_side) & (a > b)
    return np.where(ok, ll, -np.inf), a, b


def constant_ll(data: FitData) -> float:
    n, k = len(data.correct), data.correct.sum()
    p = max(k / n, data.chance.mean())
    return float(_bern_ll(np.array(k), np.array(n), np.array(p)))


def fit_step(data: FitData, min_side: int) -> StepFit | None:
    if len(data.splits) == 0:
        return None
    ll, a, b = _step_profile(np.ones((1, len(data.dates))), data.correct[None, :],
                             data.chance[None, :], data.splits, min_side)
    j = int(np.argmax(ll[0]))
    if not np.isfinite(ll[0, j]):
        return None
    s = int(data.splits[j])
    n_b, n_a = s, len(data.dates) - s
    k_b, k_a = data.correct[:s].sum(), data.correct[s:].sum()
    chance_after = float(data.chance[s:].mean())
    lo, hi = float(data.dates[s - 1]), float(data.dates[s])
    return StepFit(
        t=(lo + hi) / 2, gap_low=lo, gap_high=hi, a=float(a[0, j]), b=float(b[0, j]),
        b_floored=bool(k_a / n_a < chance_after), n_before=n_b, n_after=n_a,
        chance_before=float(data.chance[:s].mean()), chance_after=chance_after,
        before_wilson_low=wilson_interval(int(k_b), n_b)[0],
        loglik=float(ll[0, j]),
    )


def _logistic_nll(theta: np.ndarray, data: FitData) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of the logistic decline and its gradient."""
    midpoint, log_scale, upper, lower = theta
    z = -(data.dates - midpoint) / math.exp(log_scale)
    sig = special.expit(z)
    p = data.chance + (1.0 - data.chance) * (lower + (upper - lower) * sig)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    y = data.correct
    nll = -float(np.sum(y * np.log(p) + (1.0 - y) * np.log1p(-p)))
    dnll_dp = -(y / p - (1.0 - y) / (1.0 - p)) * (1.0 - data.chance)
    slope = (upper - lower) * sig * (1.0 - sig)
    grad = np.array([
        np.sum(dnll_dp * slope) / math.exp(log_scale),
        np.sum(dnll_dp * slope * -z),
        np.sum(dnll_dp * sig),
        np.sum(dnll_dp * (1.0 - sig)),
    ])
    return nll, grad


def fit_logistic(data: FitData) -> LogisticFit:
    """Maximum likelihood by bounded Newton-CG (TNC: no BLAS threads for a 4-parameter fit) from a
    small grid of starts over midpoint and scale."""
    lo, hi = float(data.dates[0]), float(data.dates[-1])
    span = max(hi - lo, 0.1)
    bounds = [(lo, hi), (math.log(0.02), math.log(span)), (0.0, 1.0), (0.0, 1.0)]
    best: optimize.OptimizeResult | None = None
    for q in (0.2, 0.35, 0.5, 0.65, 0.8):
        for scale in (0.1, 1.0):
            x0 = np.array([lo + q * span, math.log(min(scale, span)), 0.6, 0.05])
            res = optimize.minimize(_logistic_nll, x0, args=(data,), jac=True, method="TNC",
                                   bounds=bounds)
            if best is None or res.fun < best.fun:
                best = res
    assert best is not None
    midpoint, log_scale, upper, lower = (float(v) for v in best.x)
    scale, loglik = math.exp(log_scale), -float(best.fun)
    return LogisticFit(
        midpoint=midpoint, scale=scale, upper=upper, lower=lower, width_years=2 * _LN9 * scale,
        onset=midpoint - _LN9 * scale, loglik=loglik,
    )
