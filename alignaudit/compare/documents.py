"""Two models on the user's documents: the paired perplexity ratio (the same documents read by
both) and the overlap of the terms each finds new."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import Field
from scipy import stats

from alignaudit._util.frozen import Frozen

CONFIDENCE = 0.95


class PerplexityRatio(Frozen):
    """Geometric mean over documents of perplexity under A / perplexity under B."""

    n: int = Field(description="Documents both models read.")
    ratio: float = Field(description="exp(mean log(ppl_a / ppl_b)); below 1: A finds the "
                         "documents less surprising.")
    ci_low: float = Field(description="Low end of the 95% interval (t interval on the logs).")
    ci_high: float = Field(description="High end of the 95% interval.")
    beyond_noise: bool = Field(description="The interval excludes 1.")


class TermOverlap(Frozen):
    """The top novel terms of each model, and how many they share."""

    n_a: int = Field(description="Terms in A's list.")
    n_b: int = Field(description="Terms in B's list.")
    shared: int = Field(description="Terms in both lists.")
    only_a: list[str] = Field(description="A few terms new to A only.")
    only_b: list[str] = Field(description="A few terms new to B only.")


def perplexity_ratio(a: Sequence[float | None], b: Sequence[float | None]
                     ) -> PerplexityRatio | None:
    """The paired ratio over documents both models scored (None when fewer than 3, or when the
    two lists are not the same documents)."""
    if len(a) != len(b):
        return None
    logs = np.array([math.log(x / y) for x, y in zip(a, b, strict=True)
                     if x is not None and y is not None and x > 0 and y > 0], dtype=float)
    if logs.size < 3:
        return None
    mean = float(logs.mean())
    sd = float(logs.std(ddof=1))
    half = 0.0 if sd == 0 else float(stats.t.ppf(0.5 + CONFIDENCE / 2, logs.size - 1)) * sd \
        / math.sqrt(logs.size)
    low, high = math.exp(mean - half), math.exp(mean + half)
    return PerplexityRatio(n=int(logs.size), ratio=math.exp(mean), ci_low=low, ci_high=high,
                           beyond_noise=bool(high < 1 or low > 1))


def term_overlap(a: Sequence[str], b: Sequence[str], show: int = 5) -> TermOverlap:
    """Shared and one-sided terms of two novel-term lists (case-insensitive)."""
    la, lb = {t.lower() for t in a}, {t.lower() for t in b}
    return TermOverlap(n_a=len(la), n_b=len(lb), shared=len(la & lb),
                       only_a=[t for t in a if t.lower() not in lb][:show],
                       only_b=[t for t in b if t.lower() not in la][:show])
