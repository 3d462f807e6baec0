"""Paired tests and intervals for two models scored on the same items.

Two models that answered the same probes give *paired* binary outcomes. Only the discordant
pairs (one right, the other wrong) carry information about the difference; an unpaired test
treats the two accuracies as independent samples and, when the models agree on most probes,
overstates the noise (and, with outcomes correlated the other way, understates it).

- :func:`mcnemar_midp`: McNemar's exact conditional test with the mid-p correction (the
  two-sided binomial test on the discordant pairs, minus half the probability of the observed
  count), whose size stays close to nominal where the exact test is conservative.
- :func:`paired_difference_interval`: the Bonett–Price adjusted Wald interval for a difference
  of paired proportions (one added to each discordant cell, two to the total).
- :func:`unpaired_difference`: the two-proportion z-test and Newcombe's hybrid Wilson interval,
  used only to show what ignoring the pairing would say.
- :func:`adjust`: Holm or Benjamini–Hochberg over a family of p-values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy import stats

from alignaudit.recency.periods import wilson_interval

Correction = Literal["holm", "bh"]


def discordant(a: Sequence[bool], b: Sequence[bool]) -> tuple[int, int]:
    """(a right and b wrong, a wrong and b right) over paired outcomes."""
    x, y = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if x.shape != y.shape:
        raise ValueError("paired outcomes must have the same length")
    return int(np.sum(x & ~y)), int(np.sum(~x & y))


def mcnemar_midp(only_a: int, only_b: int) -> float:
    """Two-sided mid-p McNemar test of equal accuracy from the discordant counts."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    k = min(only_a, only_b)
    tail = stats.binom.cdf(k, n, 0.5) - 0.5 * stats.binom.pmf(k, n, 0.5)
    return float(min(1.0, 2.0 * tail))


def paired_difference_interval(only_a: int, only_b: int, n: int,
                               confidence: float = 0.95) -> tuple[float, float]:
    """Interval for accuracy(a) - accuracy(b) from paired outcomes (Bonett–Price)."""
    if n <= 0:
        return (math.nan, math.nan)
    p12, p21 = (only_a + 1) / (n + 2), (only_b + 1) / (n + 2)
    diff = p12 - p21
    se = math.sqrt(max(p12 + p21 - diff * diff, 0.0) / (n + 2))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return (max(-1.0, diff - z * se), min(1.0, diff + z * se))


def unpaired_difference(k_a: int, n_a: int, k_b: int, n_b: int,
                        confidence: float = 0.95) -> tuple[float, float, float]:
    """(low, high, p) for accuracy(a) - accuracy(b) treating the samples as independent:
    Newcombe's hybrid Wilson interval and the pooled two-proportion z-test."""
    pa, pb = k_a / n_a, k_b / n_b
    la, ua = wilson_interval(k_a, n_a, confidence)
    lb, ub = wilson_interval(k_b, n_b, confidence)
    d = pa - pb
    low = d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    pooled = (k_a + k_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    p = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(d) / se))
    return low, high, p


def adjust(p_values: Sequence[float], method: Correction) -> list[float]:
    """Adjusted p-values: Holm (family-wise error) or Benjamini–Hochberg (false discovery
    rate). NaN entries are left out of the family and stay NaN."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out.tolist()
    if method == "bh":
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
        return out.tolist()
    vals = p[ok]
    order = np.argsort(vals, kind="stable")
    m = len(vals)
    stepped = np.maximum.accumulate((m - np.arange(m)) * vals[order])
    held = np.empty(m)
    held[order] = np.minimum(stepped, 1.0)
    out[ok] = held
    return out.tolist()


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Equal-tailed percentile interval of bootstrap replicates (NaN ignored)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (math.nan, math.nan)
    tail = (1 - confidence) / 2
    return float(np.quantile(finite, tail)), float(np.quantile(finite, 1 - tail))
