"""``alignaudit report``: re-render saved results, or compare several, without a model."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from alignaudit.cli import options as opt
from alignaudit.cli.output import say, write_page

if TYPE_CHECKING:
    from alignaudit.result import AuditResult


def report(
    results: Annotated[list[Path], typer.Argument(help="results.json file(s) to render.")],
    out: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer reads the annotation
        help="HTML file to write (default: report.html beside the results; compare.html for "
        "several). A file there that alignaudit did not write is never overwritten.")] = None,
    baseline: opt.Baseline = None,
) -> None:
    """Re-render a saved results.json, or compare several on one page (no model needed)."""
    from alignaudit.config import report_target
    from alignaudit.result import load

    target = report_target(out, results)
    loaded = [load(p) for p in results]
    if baseline is not None:
        loaded = [against_baseline(r, baseline) for r in loaded]
    # several: one comparison page, a column per model of every result
    page = write_page(loaded if len(loaded) > 1 else loaded[0], target.parent, target.name)
    say(f"Wrote {page} and {page.parent / 'summary.md'}")


def against_baseline(result: AuditResult, baseline: Path) -> AuditResult:
    """``result`` with its comparison against the saved ``baseline`` run."""
    from alignaudit.runner import comparison, load_baseline

    base = load_baseline(str(baseline), result.suites)
    config = result.config.model_copy(update={"baseline": str(baseline)})
    copy = result.model_copy(update={"config": config})
    copy.comparison = comparison(copy, base, say)
    return copy
