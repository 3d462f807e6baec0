"""The effective knowledge cutoff: when accuracy on dated facts drops, with an interval.

Pure computation: scored probes (:class:`~alignaudit.recency.periods.Outcome`) in, typed results
out. No IO and no model.
Randomness comes only from the ``numpy.random.Generator`` passed in. The believed year, from
changing facts, is in :mod:`alignaudit.recency.believed`.

Dates are fractional years (:mod:`alignaudit._util.dates`): 2020.0 is the first instant of
2020, 2020.5 its middle.

The cutoff estimate fits two shapes to correctness against event date (see the Science notes of the
project's design): a step (accuracy ``a`` before a date ``t``, ``b`` after it) and a smooth
logistic decline. Small models often *thin out* rather than *stop*, and a step fitted to a decline
still returns a date, so the result names the shape and the verdict is worded accordingly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field
from scipy import optimize, special

from alignaudit._util.dates import year_fraction_to_label
from alignaudit._util.frozen import Frozen
from alignaudit.recency.periods import Outcome, usable_outcomes, wilson_interval

_LN9 = math.log(9.0)
Shape = Literal["step", "decline", "flat", "none"]


# ---------------------------------------------------------------------------- cutoff: results


class CutoffSettings(Frozen):
    """Thresholds of the cutoff estimate; the defaults are the documented behaviour."""

    min_probes: int = Field(default=30, ge=2, description="Fewest usable probes for an estimate.")
    min_side: int = Field(default=5, ge=1, description="Fewest probes on each side of a step.")
    alpha: float = Field(default=0.05, description="Significance level of the drop test.")
    n_perm: int = Field(default=1000, ge=1, description="Shuffles in the permutation test.")
    max_ci_fraction: float = Field(
        default=0.5, description="No estimate when the interval spans more of the date range."
    )
    step_width_years: float = Field(
        default=2.0, description="A logistic falling from 90% to 10% faster than this is a step."
    )


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


class CutoffEstimate(Frozen):
    """Effective knowledge cutoff with its interval, or the reason none can be given."""

    status: Literal["estimate", "no_estimate"] = Field(description="Whether a cutoff is reported.")
    reason: str = Field(description="Plain-language reason for no estimate; empty when estimated.")
    cutoff: float | None = Field(default=None, description="Estimated cutoff: the step's t.")
    cutoff_label: str | None = Field(default=None, description='Cutoff as a quarter, "2021-Q3".')
    ci_low: float | None = Field(default=None, description="Low end of the bootstrap interval.")
    ci_high: float | None = Field(default=None, description="High end of the bootstrap interval.")
    ci_low_label: str | None = Field(default=None, description="ci_low as a calendar quarter.")
    ci_high_label: str | None = Field(default=None, description="ci_high as a calendar quarter.")
    confidence: float = Field(description="Confidence level of the interval, e.g. 0.9.")
    n_boot: int = Field(description="Bootstrap resamples drawn (0 when no interval was computed).")
    shape: Shape = Field(
        description="step: sharp drop; decline: knowledge thins out gradually; flat: no "
        "significant drop; none: nothing to judge (too few probes, or accuracy near chance)."
    )
    step: StepFit | None = Field(default=None, description="Best step-down fit, if any.")
    logistic: LogisticFit | None = Field(default=None, description="Logistic fit beside the step.")
    constant_loglik: float | None = Field(default=None, description="Loglik of one accuracy.")
    lr_statistic: float | None = Field(default=None, description="2 (step - constant loglik).")
    p_value: float | None = Field(default=None, description="Permutation p-value of the drop.")
    p_value_method: str = Field(description="How the p-value was computed.")
    n_used: int = Field(description="Probes used (predictability low or medium).")
    n_excluded_predictable: int = Field(description="Probes left out as predictable (high).")
    date_min: float | None = Field(default=None, description="Earliest used event date.")
    date_max: float | None = Field(default=None, description="Latest used event date.")
    claimed_cutoff: float | None = Field(default=None, description="Cutoff the model card claims.")
    claimed_label: str | None = Field(default=None, description="Claimed cutoff as a quarter.")
    difference_years: float | None = Field(
        default=None, description="cutoff - claimed in years (negative: knowledge ends earlier)."
    )
    verdict: str = Field(description="One plain-language sentence summarising the finding.")


# ---------------------------------------------------------------------------- cutoff: fitting


@dataclass(frozen=True)
class _Data:
    """Usable probes sorted by date, and the candidate splits between distinct dates."""

    dates: np.ndarray
    correct: np.ndarray
    chance: np.ndarray
    splits: np.ndarray  # split j puts probes [:j] before the change and [j:] after it


def _prepare(outcomes: list[Outcome]) -> _Data:
    order = sorted(outcomes, key=lambda o: o.event_date)
    dates = np.array([o.event_date for o in order], dtype=float)
    correct = np.array([o.correct for o in order], dtype=float)
    chance = np.array([o.chance for o in order], dtype=float)
    splits = np.flatnonzero(np.diff(dates) > 0) + 1
    return _Data(dates, correct, chance, splits)


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


def _constant_ll(data: _Data) -> float:
    n, k = len(data.correct), data.correct.sum()
    p = max(k / n, data.chance.mean())
    return float(_bern_ll(np.array(k), np.array(n), np.array(p)))


def _fit_step(data: _Data, min_side: int) -> StepFit | None:
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


def _blocks(rows: int, n: int) -> list[int]:
    """Row counts that keep each (rows, n) work array near a million cells (memory stays flat)."""
    size = max(1, 2**20 // max(n, 1))
    return [min(size, rows - start) for start in range(0, rows, size)]


def _permutation_pvalue(data: _Data, lr_obs: float, rng: np.random.Generator, n_perm: int,
                        min_side: int) -> float:
    """Share of shuffles (correctness and chance moved together across dates) whose best step
    beats the constant model by at least the observed likelihood ratio. Valid for the max over
    change points, where the chi-square reference is not (the change point is not identified
    under the null)."""
    n, ll0, exceed = len(data.dates), _constant_ll(data), 0
    for size in _blocks(n_perm, n):
        perm = rng.permuted(np.tile(np.arange(n), (size, 1)), axis=1)
        ll, _, _ = _step_profile(np.ones((1, n)), data.correct[perm], data.chance[perm],
                                 data.splits, min_side)
        lr = np.where(np.isfinite(ll.max(axis=1)), 2.0 * (ll.max(axis=1) - ll0), 0.0)
        exceed += int(np.sum(lr >= lr_obs - 1e-9))
    return (1 + exceed) / (n_perm + 1)


def _year_resample_weights(
    dates: np.ndarray, rng: np.random.Generator, n_boot: int
) -> np.ndarray:
    """Multinomial counts (n_boot, n): each calendar year's probes resampled within the year."""
    weights = np.zeros((n_boot, len(dates)))
    years = np.floor(dates)
    for year in np.unique(years):
        idx = np.flatnonzero(years == year)
        weights[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1.0 / len(idx)), size=n_boot)
    return weights


def _resampled_breaks(data: _Data, w: np.ndarray, min_side: int) -> np.ndarray:
    """Step estimate per row of resample weights: the midpoint between the nearest probes drawn
    on either side of the best split (as for the original fit); rows with no step are dropped."""
    ll, _, _ = _step_profile(w, data.correct[None, :], data.chance[None, :], data.splits, min_side)
    valid = np.isfinite(ll.max(axis=1))
    w, ll = w[valid], ll[valid]
    idx = np.arange(len(data.dates))
    last_drawn = np.maximum.accumulate(np.where(w > 0, idx, -1), axis=1)
    next_drawn = np.flip(np.minimum.accumulate(np.flip(np.where(w > 0, idx, len(idx)), axis=1),
                                               axis=1), axis=1)
    s, rows = data.splits[np.argmax(ll, axis=1)], np.arange(len(w))
    return (data.dates[last_drawn[rows, s - 1]] + data.dates[next_drawn[rows, s]]) / 2.0


def _bootstrap_interval(data: _Data, rng: np.random.Generator, n_boot: int, confidence: float,
                        min_side: int) -> tuple[float, float]:
    """Percentile interval of the step's t refitted on within-year bootstrap resamples.

    Resampling within calendar years keeps the design (how many probes each year has) fixed.
    In simulations at nominal 90% the interval covers the true change point 87-89% of the time
    (see tests/test_recency.py).
    """
    t_star = np.concatenate([
        _resampled_breaks(data, _year_resample_weights(data.dates, rng, size), min_side)
        for size in _blocks(n_boot, len(data.dates))
    ])
    if len(t_star) == 0:
        return (float(data.dates[0]), float(data.dates[-1]))
    tail = (1.0 - confidence) / 2.0
    return (float(np.quantile(t_star, tail)), float(np.quantile(t_star, 1.0 - tail)))


def _logistic_nll(theta: np.ndarray, data: _Data) -> tuple[float, np.ndarray]:
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


def _fit_logistic(data: _Data) -> LogisticFit:
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


def _classify(step: StepFit, logistic: LogisticFit, settings: CutoffSettings) -> Shape:
    """A decline when the fitted logistic falls over more than ``step_width_years`` (90% to 10% of
    the drop) and fits at least as well as the step; otherwise a step. The logistic nests the step
    (scale -> 0), so no extra-parameter penalty is applied. In simulations with 300 probes a
    linear decline over 11 years is called a decline ~85% of the time and a true step is called
    a decline ~3% of the time; at 200 probes a decline is recognised only ~55% of the time."""
    gradual = logistic.width_years > settings.step_width_years and logistic.upper > logistic.lower
    return "decline" if gradual and logistic.loglik >= step.loglik else "step"


# ---------------------------------------------------------------------------- cutoff: verdict


def _q(x: float) -> str:
    return year_fraction_to_label(x, "quarter")


def _claim_clause(cutoff: float, claimed: float | None) -> str:
    if claimed is None:
        return ""
    diff = cutoff - claimed
    side = "earlier than" if diff < 0 else "later than"
    return f", {abs(diff):.1f} years {side} the claimed {_q(claimed)}"


def _verdict(est: CutoffEstimate) -> str:
    """One sentence: a step stops, a decline thins out, otherwise say why there is no number."""
    step, logistic = est.step, est.logistic
    if est.status == "no_estimate" or est.cutoff is None or step is None or logistic is None:
        return f"No knowledge cutoff can be estimated: {est.reason}"
    assert est.ci_low is not None and est.ci_high is not None
    assert est.date_min is not None and est.date_max is not None
    ci = f"{est.confidence:.0%} CI {_q(est.ci_low)} to {_q(est.ci_high)}"
    claim = _claim_clause(est.cutoff, est.claimed_cutoff)
    if est.shape == "decline":
        start = _q(max(logistic.onset, est.date_min))
        end = _q(min(logistic.midpoint + _LN9 * logistic.scale, est.date_max))
        return (
            f"Knowledge thins out after about {_q(logistic.midpoint)} rather than stopping: "
            f"accuracy falls gradually from {start} to {end}, and the sharpest single break is "
            f"{_q(est.cutoff)} ({ci}){claim}."
        )
    return (
        f"Knowledge stops around {_q(est.cutoff)} ({ci}): accuracy drops from {step.a:.2f} "
        f"to {step.b:.2f} (chance {step.chance_after:.2f}){claim}."
    )


def _finish(status: Literal["estimate", "no_estimate"], shape: Shape, reason: str,
            fields: dict[str, object]) -> CutoffEstimate:
    est = CutoffEstimate.model_validate(
        {**fields, "status": status, "shape": shape, "reason": reason, "verdict": ""}
    )
    return est.model_copy(update={"verdict": _verdict(est)})


def _drop_problem(
    step: StepFit, p_value: float, alpha: float, data: _Data
) -> tuple[Shape, str] | None:
    """Why the data cannot place a drop (near chance, or no significant drop), if it cannot."""
    if step.before_wilson_low <= step.chance_before:
        return "none", (
            f"accuracy is near chance throughout (before the best break it is {step.a:.2f}, whose "
            f"95% lower bound {step.before_wilson_low:.2f} is not above chance "
            f"{step.chance_before:.2f}), so there is no knowledge whose end could be dated."
        )
    if p_value >= alpha:
        return "flat", (
            f"accuracy shows no significant drop between {_q(data.dates[0])} and "
            f"{_q(data.dates[-1])} (permutation p = {p_value:.2f}); the knowledge may reach past "
            f"the latest probes, or the probes are too few to tell."
        )
    return None


def estimate_cutoff(
    outcomes: list[Outcome],
    rng: np.random.Generator,
    n_boot: int = 1000,
    confidence: float = 0.9,
    claimed: float | None = None,
    settings: CutoffSettings | None = None,
) -> CutoffEstimate:
    """Estimate the effective knowledge cutoff from scored probes, or say why it cannot be.

    Uses probes of low or medium predictability only. Fits a step-down (by maximum likelihood
    over the gaps between distinct event dates) and a logistic decline, tests the step against a
    constant accuracy by permutation, and gives a within-year bootstrap interval for the step.
    """
    if n_boot < 1 or not 0.0 < confidence < 1.0:
        raise ValueError("n_boot must be at least 1 and confidence between 0 and 1")
    cfg = settings or CutoffSettings()
    used = usable_outcomes(outcomes)
    fields: dict[str, object] = {
        "confidence": confidence, "n_boot": 0, "n_used": len(used),
        "n_excluded_predictable": len(outcomes) - len(used), "claimed_cutoff": claimed,
        "claimed_label": None if claimed is None else _q(claimed),
        "p_value_method": f"permutation ({cfg.n_perm} shuffles of correctness across dates)",
    }
    if len(used) < cfg.min_probes:
        reason = f"only {len(used)} usable probes; at least {cfg.min_probes} are needed."
        return _finish("no_estimate", "none", reason, fields)
    data = _prepare(used)
    step, logistic, ll0 = _fit_step(data, cfg.min_side), _fit_logistic(data), _constant_ll(data)
    fields.update(step=step, logistic=logistic, constant_loglik=ll0,
                  date_min=float(data.dates[0]), date_max=float(data.dates[-1]))
    if step is None:
        near_chance = wilson_interval(int(data.correct.sum()), len(data.correct))[0] <= float(
            data.chance.mean())
        reason = "accuracy does not fall with event date at any split of the probes."
        return _finish("no_estimate", "none" if near_chance else "flat", reason, fields)
    lr = 2.0 * (step.loglik - ll0)
    p_value = _permutation_pvalue(data, lr, rng, cfg.n_perm, cfg.min_side)
    fields.update(lr_statistic=lr, p_value=p_value)
    problem = _drop_problem(step, p_value, cfg.alpha, data)
    if problem is not None:
        return _finish("no_estimate", problem[0], problem[1], fields)
    lo, hi = _bootstrap_interval(data, rng, n_boot, confidence, cfg.min_side)
    fields.update(n_boot=n_boot, ci_low=lo, ci_high=hi, ci_low_label=_q(lo), ci_high_label=_q(hi))
    shape = _classify(step, logistic, cfg)
    span = float(data.dates[-1] - data.dates[0])
    if hi - lo > cfg.max_ci_fraction * span:
        gradual = "; accuracy declines gradually" if shape == "decline" else ""
        reason = (f"the {confidence:.0%} interval for the break ({_q(lo)} to {_q(hi)}) spans most "
                  f"of the probed range{gradual}.")
        return _finish("no_estimate", shape, reason, fields)
    fields.update(cutoff=step.t, cutoff_label=_q(step.t),
                  difference_years=None if claimed is None else step.t - claimed)
    return _finish("estimate", shape, "", fields)
