"""The user's dated data by period: a value per document (perplexity, novelty) summarised by month
or quarter, with bootstrap intervals on each period's median, a Spearman trend and a change point
reported only when the trend is significant.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import Field

from alignaudit._util.fmt import format_p
from alignaudit._util.frozen import Frozen
from alignaudit.drift.modelview import boot_medians


class PeriodRow(Frozen):
    """One period's documents."""

    label: str = Field(description="'2024-03' (month) or '2024-Q1' (quarter).")
    start: str = Field(description="First day of the period (ISO).")
    n: int = Field(description="Documents in the period.")
    median: float = Field(description="Median value.")
    ci_low: float | None = Field(description="Bootstrap interval of the median (None if n < 2).")
    ci_high: float | None = Field(description="Upper end of that interval.")


class ChangePoint(Frozen):
    """Where the per-period medians shift most (reported only with a significant trend)."""

    after: str = Field(description="Last period before the shift.")
    first_changed: str = Field(description="First period at the new level.")
    level_before: float = Field(description="Mean of the per-period medians up to `after`.")
    level_after: float = Field(description="Mean of the per-period medians from `first_changed`.")


class Trend(Frozen):
    """Does the value change with date?"""

    n: int = Field(description="Dated documents tested.")
    spearman_rho: float | None = Field(description="Spearman correlation of value and date.")
    p_value: float | None = Field(description="Two-sided p-value of rho.")
    alpha: float = Field(description="Significance level.")
    direction: Literal["rises", "falls", "none"] = Field(description="Significant direction.")
    sentence: str = Field(description="The finding in one plain sentence.")
    change_point: ChangePoint | None = Field(description="Largest shift, or None.")
    change_point_reason: str | None = Field(description="Why there is no change point.")


class PeriodView(Frozen):
    """Per-document values grouped by period, with a trend test."""

    period: PeriodName = Field(description="Grouping: month, quarter or year.")
    rows: list[PeriodRow] = Field(description="Periods with documents, oldest first.")
    n_undated: int = Field(description="Documents left out (no date or no value).")
    confidence: float = Field(description="Level of the per-period intervals.")
    trend: Trend = Field(description="Spearman trend test and change point.")


PeriodName = Literal["month", "quarter", "year"]


class DatedValues(Frozen):
    """A value per dated document (e.g. the model's perplexity), for the cutoff estimate."""

    dates: list[str] = Field(description="ISO date of each document.")
    values: list[float] = Field(description="Its value, in the same order.")
MIN_PER_PERIOD = 8
"""The finest period whose populated periods hold this many documents on average is used."""


def choose_period(dates: Sequence[str | None]) -> PeriodName:
    """Month, quarter or year: the finest grouping in which the populated periods hold at least
    ``MIN_PER_PERIOD`` dated documents on average (30 years of a few documents a quarter are
    summarised by year, not by 120 near-empty quarters)."""
    days = [dt.date.fromisoformat(d[:10]) for d in dates if d]
    for period in ("month", "quarter"):
        periods = {_period(day, period)[0] for day in days}
        if len(days) >= MIN_PER_PERIOD * max(len(periods), 1):
            return period
    return "year"


def _period(date: dt.date, period: str) -> tuple[str, str]:
    if period == "month":
        return f"{date.year}-{date.month:02d}", date.replace(day=1).isoformat()
    if period == "year":
        return f"{date.year}", dt.date(date.year, 1, 1).isoformat()
    q = (date.month - 1) // 3
    return f"{date.year}-Q{q + 1}", dt.date(date.year, 3 * q + 1, 1).isoformat()


def by_period(
    dates: Sequence[str | None], values: Sequence[float | None], rng: np.random.Generator,
    period: PeriodName = "month", n_boot: int = 1000,
    confidence: float = 0.95, alpha: float = 0.05, value_name: str = "perplexity",
) -> PeriodView:
    """Group values by the period of their ISO date; test for a trend with date."""
    if period not in ("month", "quarter", "year"):
        raise ValueError(f"period must be 'month', 'quarter' or 'year', not {period!r}")
    pairs = [(dt.date.fromisoformat(d[:10]), float(v)) for d, v in zip(dates, values, strict=True)
             if d and v is not None and math.isfinite(v)]
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for day, value in sorted(pairs):
        groups[_period(day, period)].append(value)
    tail = (1.0 - confidence) / 2.0
    rows = []
    for (label, start), vals in groups.items():
        arr = np.array(vals)
        lo = hi = None
        if len(arr) >= 2:
            lo, hi = (float(x) for x in np.quantile(boot_medians(arr, rng, n_boot),
                                                    [tail, 1.0 - tail]))
        rows.append(PeriodRow(label=label, start=start, n=len(arr), median=float(np.median(arr)),
                              ci_low=lo, ci_high=hi))
    trend = _trend(pairs, rows, alpha, value_name)
    return PeriodView(period=period, rows=rows, n_undated=len(dates) - len(pairs),
                      confidence=confidence, trend=trend)


def _trend(pairs: list[tuple[dt.date, float]], rows: list[PeriodRow], alpha: float,
           name: str) -> Trend:
    from scipy import stats

    rho = p = None
    if len(pairs) >= 3 and len({d for d, _ in pairs}) > 1 and len({v for _, v in pairs}) > 1:
        res = stats.spearmanr([d.toordinal() for d, _ in pairs], [v for _, v in pairs])
        rho, p = float(res.statistic), float(res.pvalue)
    direction: Literal["rises", "falls", "none"] = "none"
    if rho is not None and p is not None and p < alpha:
        direction = "rises" if rho > 0 else "falls"
    stat = (f"Spearman rho = {rho:.2f}, {format_p(p, named=True)}, n = {len(pairs)}"
            if rho is not None else f"too few dated documents or dates to test, n = {len(pairs)}")
    point: ChangePoint | None = None
    reason: str | None
    if direction == "none":
        sentence = f"No clear change in {name} with date ({stat})."
        reason = (f"no significant trend ({stat}); a change point would be noise"
                  if rho is not None else "no trend could be tested")
    else:
        more = "more" if direction == "rises" else "less"
        what = f": later documents surprise the model {more}" if name == "perplexity" else ""
        sentence = f"{name.capitalize()} {direction} with date{what} ({stat})."
        point, reason = _change_point(rows, direction)
    return Trend(n=len(pairs), spearman_rho=rho, p_value=p, alpha=alpha, direction=direction,
                 sentence=sentence, change_point=point, change_point_reason=reason)



def _change_point(rows: list[PeriodRow], direction: str) -> tuple[ChangePoint | None, str | None]:
    """Split of the per-period medians with the largest standardised shift in ``direction``.

    Binary segmentation: maximise sqrt(k (P - k) / P) x (mean after - mean before) over splits
    k, on log medians when all are positive (perplexities), so one extreme period at either end
    does not win by itself.
    """
    if len(rows) < 3:
        return None, f"only {len(rows)} period(s); a change point needs at least 3"
    med = np.array([r.median for r in rows])
    level = np.log(med) if np.all(med > 0) else med
    sign = 1.0 if direction == "rises" else -1.0
    total = len(level)
    best, best_k = -math.inf, 0
    for k in range(1, total):
        shift = sign * (level[k:].mean() - level[:k].mean())
        stat = math.sqrt(k * (total - k) / total) * shift
        if stat > best:
            best, best_k = stat, k
    if best <= 0:
        return None, "the per-period medians show no shift in the trend's direction"
    return ChangePoint(
        after=rows[best_k - 1].label, first_changed=rows[best_k].label,
        level_before=float(med[:best_k].mean()), level_after=float(med[best_k:].mean()),
    ), None
