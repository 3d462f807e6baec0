"""``alignaudit report``: re-render saved results, or compare several, without a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from alignaudit.cli.output import say, write_page


def report(
    results: Annotated[list[Path], typer.Argument(help="results.json file(s) to render.")],
    out: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer reads the annotation
        help="HTML file to write (default: report.html beside the results; compare.html for "
        "several). A file there that alignaudit did not write is never overwritten.")] = None,
) -> None:
    """Re-render a saved results.json, or compare several on one page (no model needed)."""
    from alignaudit.config import report_target
    from alignaudit.result import load

    target = report_target(out, results)
    loaded = [load(p) for p in results]
    # several: one comparison page, a column per model of every result
    page = write_page(loaded if len(loaded) > 1 else loaded[0], target.parent, target.name)
    say(f"Wrote {page} and {page.parent / 'summary.md'}")
