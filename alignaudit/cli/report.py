"""``alignaudit report``: re-render saved results, or compare several, without a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from alignaudit.cli.output import say, write_page


def report(
    results: Annotated[list[Path], typer.Argument(help="results.json file(s) to render.")],
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045 - typer reads the annotation
        help="HTML file to write (default: report.html beside the results).")] = None,
) -> None:
    """Re-render a saved results.json, or compare several on one page (no model needed)."""
    from alignaudit.result import load

    loaded = [load(p) for p in results]
    if len(loaded) > 1:  # one comparison page, a column per model of every result
        target = out or Path("compare.html")
        page = write_page(loaded, target.parent, target.name)
    else:
        target = out or results[0].parent / "report.html"
        page = write_page(loaded[0], target.parent, target.name)
    say(f"Wrote {page} and {page.parent / 'summary.md'}")
