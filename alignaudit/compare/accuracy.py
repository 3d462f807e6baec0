"""Paired accuracy differences between two models on the probes both answered: overall, and per
suite, category and event year with a Benjamini–Hochberg correction across those groups."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from pydantic import Field

from alignaudit._util.dates import date_to_year_fraction
from alignaudit._util.frozen import Frozen
from alignaudit.compare.stats import adjust, mcnemar_midp, paired_difference_interval
from alignaudit.recency.scoring import ProbeResult

ALPHA = 0.05
"""Level at which a difference is called beyond noise (after correction, for groups)."""
CONFIDENCE = 0.95
"""Level of the difference intervals."""


class AccuracyDifference(Frozen):
    """Accuracy of model A minus model B on the same probes."""

    scope: str = Field(description="all, suite, category or year.")
    name: str = Field(description="The group (a suite, a category, a year; 'all').")
    n: int = Field(description="Probes both models answered.")
    accuracy_a: float = Field(description="Model A's accuracy on them.")
    accuracy_b: float = Field(description="Model B's accuracy on them.")
    difference: float = Field(description="accuracy_a - accuracy_b.")
    ci_low: float = Field(description="Low end of the 95% interval (Bonett-Price, paired).")
    ci_high: float = Field(description="High end of the 95% interval.")
    only_a: int = Field(description="Probes A got right and B wrong.")
    only_b: int = Field(description="Probes B got right and A wrong.")
    p_value: float = Field(description="Mid-p McNemar test of equal accuracy.")
    p_adjusted: float | None = Field(default=None, description="Benjamini-Hochberg adjusted "
                                     "across the per-group tests (None for 'all').")
    beyond_noise: bool = Field(description="p (adjusted for groups) below 0.05.")


def paired_facts(a: Sequence[ProbeResult], b: Sequence[ProbeResult]
                 ) -> list[tuple[ProbeResult, ProbeResult]]:
    """Dated-fact probes graded for both models, matched by (suite, probe id), in A's order."""
    graded = {(r.suite, r.probe_id): r for r in b if r.kind == "fact" and r.correct is not None}
    return [(r, graded[(r.suite, r.probe_id)]) for r in a
            if r.kind == "fact" and r.correct is not None and (r.suite, r.probe_id) in graded]


def difference(scope: str, name: str, pairs: Sequence[tuple[ProbeResult, ProbeResult]]
               ) -> AccuracyDifference:
    """The paired difference on ``pairs`` (unadjusted)."""
    n = len(pairs)
    ra = [bool(x.correct) for x, _ in pairs]
    rb = [bool(y.correct) for _, y in pairs]
    only_a = sum(x and not y for x, y in zip(ra, rb, strict=True))
    only_b = sum(y and not x for x, y in zip(ra, rb, strict=True))
    low, high = paired_difference_interval(only_a, only_b, n, CONFIDENCE)
    acc_a, acc_b = sum(ra) / n, sum(rb) / n
    p = mcnemar_midp(only_a, only_b)
    return AccuracyDifference(scope=scope, name=name, n=n, accuracy_a=acc_a, accuracy_b=acc_b,
                              difference=acc_a - acc_b, ci_low=low, ci_high=high, only_a=only_a,
                              only_b=only_b, p_value=p, beyond_noise=p < ALPHA)


def _year(r: ProbeResult) -> str:
    return str(math.floor(date_to_year_fraction(r.event_date))) if r.event_date else ""


KEYS: dict[str, Callable[[ProbeResult], str]] = {
    "suite": lambda r: r.suite, "category": lambda r: r.category, "year": _year}


def grouped(pairs: Sequence[tuple[ProbeResult, ProbeResult]], min_n: int = 5
            ) -> list[AccuracyDifference]:
    """Per suite, category and event year (groups of at least ``min_n`` probes), with p-values
    adjusted by Benjamini-Hochberg across all of them as one family."""
    found: list[AccuracyDifference] = []
    for scope, key in KEYS.items():
        groups: dict[str, list[tuple[ProbeResult, ProbeResult]]] = {}
        for pair in pairs:
            name = key(pair[0])
            if name:
                groups.setdefault(name, []).append(pair)
        if scope == "suite" and len(groups) < 2:
            continue
        found += [difference(scope, name, grp) for name, grp in sorted(groups.items())
                  if len(grp) >= min_n]
    adjusted = adjust([d.p_value for d in found], "bh")
    return [d.model_copy(update={"p_adjusted": q, "beyond_noise": q < ALPHA})
            for d, q in zip(found, adjusted, strict=True)]
