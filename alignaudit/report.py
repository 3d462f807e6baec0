"""Render a saved :class:`AuditResult` into one self-contained HTML page and a Markdown summary.

``render(result)`` is a pure function of the result (and the render time); nothing on the page
is fetched from elsewhere, and everything that came from a model or a user is escaped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alignaudit.result import AuditResult, atomic_write


def templates_dir() -> Path:
    """Folder of the Jinja2 templates (inside the wheel, or the repo's reports/templates)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_shipped" / "templates"
    return packaged if packaged.is_dir() else here.parent / "reports" / "templates"


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["num"] = num
    env.filters["mb"] = megabytes
    return env


def pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def megabytes(value: int | None) -> str:
    return "–" if value is None else f"{value / 1e6:,.0f} MB"


def render(result: AuditResult, rendered_at: str | None = None) -> str:
    """The HTML page for ``result``."""
    stamp = rendered_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    template = _environment().get_template("report.html.j2")
    return template.render(r=result, rendered_at=stamp)


def render_summary(result: AuditResult) -> str:
    """A Markdown verdict for a pull request or a design doc."""
    template = _environment().get_template("summary.md.j2")
    return template.render(r=result)


def write_report(result: AuditResult, out_dir: Path, name: str = "report.html") -> Path:
    """Write ``report.html`` and ``summary.md`` into ``out_dir``; returns the page's path."""
    page = out_dir / name
    atomic_write(page, render(result))
    atomic_write(out_dir / "summary.md", render_summary(result))
    return page
