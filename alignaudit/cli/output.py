"""What the commands share: running a configured audit, writing its files, the exit code."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import typer

from alignaudit._util.errors import UserError


def say(message: str) -> None:
    """A progress or status line, on stderr (stdout stays for data)."""
    typer.echo(message, err=True)


def command_line() -> str:
    """The command as typed, for the reproducibility section."""
    return " ".join(shlex.quote(a) for a in ["alignaudit", *sys.argv[1:]])


def execute(config: Any, out: Path, quiet: bool, resume: bool = True) -> None:
    """Run, save, render, print the findings; exit 3 when a gate fails, 130 when interrupted."""
    from alignaudit.report.console import console_comparison, console_summary
    from alignaudit.result import save
    from alignaudit.runner import run_audit

    check_out(out)
    journal = out / ".journal"
    if not resume:
        shutil.rmtree(journal, ignore_errors=True)
    try:
        result = run_audit(config, say, progress=not quiet and sys.stderr.isatty(),
                           journal_dir=journal)
    except KeyboardInterrupt:
        say(f"Interrupted. Finished work is kept in {journal}; run the same command again "
            "to resume where it stopped.")
        raise typer.Exit(130) from None
    save(result, out / "results.json")
    page = write_page(result, out, "report.html",
                      f" The results are saved in {out / 'results.json'}: once fixed, re-render "
                      f"them with `alignaudit report {out / 'results.json'}`.")
    for audit in result.models:
        say(console_summary(audit))
    if result.comparison is not None:
        say(console_comparison(result.comparison))
    say(f"Wrote {out / 'results.json'}, {page} and {out / 'summary.md'}")
    for g in result.gates:
        say(("GATE FAILED: " if g.failed else "gate passed: ") + g.reason)
    if any(g.failed for g in result.gates):
        raise typer.Exit(3)


def check_out(out: Path) -> None:
    """The output folder exists and is writable, or a message says why not."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the folder ({exc.strerror}).") from None
    if not os.access(out, os.W_OK):
        raise UserError(f"--out {out}: the folder is not writable; choose another.")


def write_page(result: Any, folder: Path, name: str, saved: str = "") -> Path:
    """Write the page and summary; a full disk or a bad folder is a message, not a traceback."""
    from alignaudit.report.page import write_report

    try:
        return write_report(result, folder, name)
    except OSError as exc:
        raise UserError(
            f"Cannot write {folder / name}: {exc.strerror or exc}. Choose a writable folder "
            f"with free space (--out).{saved}"
        ) from None
