"""Calendar dates as alignaudit writes them, and fractional years: the one place for both.

A date is written ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (in suites, options and gates). The
analysis works in fractional years: 2020.0 is the first instant of 2020, 2020.5 its middle.
Calendar days are used throughout, so leap years are exact.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, timedelta
from typing import Any, Literal

DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
Precision = Literal["year", "quarter", "month"]


def check_date(value: Any) -> str:
    """Normalise a date (``2020``, ``2020-03``, ``2020-03-11``, or a ``datetime.date``) to its
    string form, or raise ``ValueError`` saying what is wrong."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value).strip()
    match = DATE_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{text!r} has month {month}; months run 01-12")
    if day is not None and month is not None:
        last = calendar.monthrange(year or 1, month)[1]
        if not 1 <= day <= last:
            raise ValueError(f"{text!r} has day {day}; that month has {last} days")
    return text


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def fraction_of(day: date) -> float:
    """Fractional year of the first instant of ``day``."""
    return day.year + (day - date(day.year, 1, 1)).days / days_in_year(day.year)


def _parts(s: str) -> list[int]:
    parts = s.strip().split("-")
    if not 1 <= len(parts) <= 3 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"date {s!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return [int(p) for p in parts]


def date_to_year_fraction(s: str) -> float:
    """The fractional year of the *middle* of the period a date names.

    "2020" -> 2020.5; "2020-03" -> the middle of March 2020 (about 2020.206); "2020-03-01" ->
    noon on 1 March 2020.
    """
    nums = _parts(s)
    year = nums[0]
    if len(nums) == 1:
        return year + 0.5
    start = date(year, nums[1], nums[2] if len(nums) == 3 else 1)  # raises on a bad month/day
    length = 1 if len(nums) == 3 else calendar.monthrange(year, nums[1])[1]
    return fraction_of(start) + 0.5 * length / days_in_year(year)


def date_span(s: str) -> float:
    """Length in years of the period a date names: 1 for "2020", a month's share of its year for
    "2020-03", 0 for a day (the estimator treats a day as exact)."""
    nums = _parts(s)
    if len(nums) == 1:
        return 1.0
    if len(nums) == 2:
        return calendar.monthrange(nums[0], nums[1])[1] / days_in_year(nums[0])
    return 0.0


def date_start_fraction(s: str) -> float:
    """The fractional year of the *start* of the period a date names: a threshold such as
    ``cutoff<2024-01`` means before 2024.0; ``2021`` is 2021.0."""
    nums = [int(p) for p in check_date(s).split("-")] + [1, 1]
    return fraction_of(date(nums[0], nums[1], nums[2]))


def day_of(x: float) -> date:
    """The calendar day a fractional year falls in (a hair of tolerance, so the first instant
    of a day computed in floating point stays in that day)."""
    year = math.floor(x)
    days = days_in_year(year)
    return date(year, 1, 1) + timedelta(days=min(math.floor((x - year) * days + 1e-6), days - 1))


def year_fraction_to_label(x: float, precision: Precision = "quarter") -> str:
    """Label a fractional year by calendar period: "2020", "2020-Q1" or "2020-03"."""
    day = day_of(x)
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def period_starts(lo: float, hi: float, precision: Precision) -> list[float]:
    """Start of every calendar period overlapping [lo, hi], plus the end of the last."""
    months = {"month": 1, "quarter": 3, "year": 12}[precision]
    first = day_of(lo)
    year, month = first.year, ((first.month - 1) // months) * months + 1
    starts = []
    while True:
        starts.append(fraction_of(date(year, month, 1)))
        if starts[-1] > hi:
            return starts
        month += months
        year, month = (year + 1, 1) if month > 12 else (year, month)


def quarter_label(x: float) -> str:
    """``year_fraction_to_label(x, "quarter")``: "2021-Q3"."""
    return year_fraction_to_label(x, "quarter")
