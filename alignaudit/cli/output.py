"""What the commands share: running a configured audit, writing its files, the exit code."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import typer

from alignaudit._util import interrupts
from alignaudit._util.errors import UserError


def say(message: str) -> None:
    """A progress or status line, on stderr (stdout stays for data)."""
    typer.echo(message, err=True)


def command_line() -> str:
    """The command as typed, for the reproducibility section."""
    return " ".join(shlex.quote(a) for a in ["alignaudit", *sys.argv[1:]])


INTERRUPT_SAID = False
"""Set once a command has said how it was interrupted (``main`` then adds nothing)."""


def say_interrupted(message: str) -> None:
    global INTERRUPT_SAID
    INTERRUPT_SAID = True
    say(message)


def execute(config: Any, out: str, quiet: bool, resume: bool = True,
            policy: Path | None = None) -> None:
    """Run, save, render, print the findings; exit 3 when a gate fails, 130 when interrupted.

    A Ctrl-C at any moment ends with 130 and a message saying what is kept: before the results
    are written, the journal; after, the results too (see :mod:`alignaudit._util.interrupts`)."""
    from alignaudit.config import output_folder

    folder = output_folder(out, config, None if policy is None else str(policy))
    journal = folder / ".journal"
    try:
        result = _audit(config, folder, quiet, resume)
    except KeyboardInterrupt:
        say_interrupted(f"Interrupted. Finished work is kept in {journal}; run the same command "
                        "again to resume where it stopped.")
        raise typer.Exit(130) from None
    try:
        _write(result, folder)
        interrupts.check()
    except KeyboardInterrupt:
        say_interrupted(f"Interrupted while writing the results. Finished work is kept in "
                        f"{journal}; run the same command again to write them (it resumes "
                        "from the journal).")
        raise typer.Exit(130) from None
    if any(g.failed for g in result.gates):
        raise typer.Exit(3)


def _audit(config: Any, folder: Path, quiet: bool, resume: bool) -> Any:
    """The audit itself, journaled in ``folder/.journal``."""
    from alignaudit._util.progress import choose_mode
    from alignaudit.runner import run_audit

    check_out(folder)
    journal = folder / ".journal"
    if not resume:
        shutil.rmtree(journal, ignore_errors=True)
    result = run_audit(config, say, progress=choose_mode(quiet), journal_dir=journal)
    interrupts.check()  # a Ctrl-C whose exception something swallowed still stops here
    return result


def _write(result: Any, folder: Path) -> None:
    """Save results.json, render the page and summary, and print the findings."""
    from alignaudit.report.console import console_comparison, console_summary
    from alignaudit.result import save

    save(result, folder / "results.json")
    page = write_page(result, folder, "report.html",
                      f" The results are saved in {folder / 'results.json'}: once fixed, "
                      f"re-render them with `alignaudit report {folder / 'results.json'}`.")
    for audit in result.models:
        say(console_summary(audit))
    if result.comparison is not None:
        say(console_comparison(result.comparison))
    say(f"Wrote {folder / 'results.json'}, {page} and {folder / 'summary.md'}")
    for g in result.gates:
        say(("GATE FAILED: " if g.failed else "gate passed: ") + g.reason)


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
