"""Formatting helpers of the report: numbers, dates, caps on long lists and cells.

Used by the Jinja2 templates (as filters), the page and its drift view; pure functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from alignaudit._util.dates import year_fraction_to_label

PROBE_ROW_CAP = 1500
"""Most probe rows on one page (the rest are counted; all of them stay in results.json)."""
GROUP_ROW_CAP = 300
"""Most rows in one year group of the probe list."""
LIST_CAP = 200
"""Most rows of the other long tables (disagreements, controls, changing facts, drift keys)."""
TEXT_CAP = 400
"""Prompts and generations longer than this many characters are cut (with an ellipsis)."""



def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def pct(value: Any, digits: int = 0) -> str:
    if not _number(value):
        return "–" if value is None else str(value)
    return f"{100 * value:.{digits}f}%"


def num(value: Any, digits: int = 2) -> str:
    if not _number(value):
        return "–" if value is None else str(value)
    return f"{value:,.{digits}f}"


def megabytes(value: int | None) -> str:
    return "–" if value is None else f"{value / 1e6:,.0f} MB"


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f} s"


def quarter(value: float | None) -> str:
    return "–" if value is None else year_fraction_to_label(value, "quarter")


def month(value: float | None) -> str:
    return "now" if value is None else year_fraction_to_label(value, "month")


def when(stamp: str | None) -> str:
    """An ISO timestamp as "2025-01-31 14:05 UTC" (as given when it does not parse)."""
    try:
        moment = dt.datetime.fromisoformat(stamp or "")
    except ValueError:
        return stamp or "–"
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.tzinfo else "")


def cut(text: str | None, limit: int = TEXT_CAP) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: no line breaks, pipes and backslashes escaped."""
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def slug(*parts: str) -> str:
    """An id usable in an anchor: letters, digits and dashes, plus a short hash when needed."""
    raw = "-".join(parts)
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-")
    if clean != raw or not clean:
        clean += "-" + hashlib.sha256(raw.encode()).hexdigest()[:6]
    return clean


WEB_LINK = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)


def weblink(url: str | None) -> str:
    """``url`` when it is a plain http(s) address a reader may follow, else "" (no link is
    drawn): a hand-edited results.json cannot smuggle a ``javascript:`` or ``data:`` link in."""
    return url if url and len(url) <= 2000 and WEB_LINK.match(url) else ""
