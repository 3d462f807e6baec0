"""``--log-to``: a command's audit run by :func:`alignaudit.cli.output.execute`, then logged to
experiment trackers (:mod:`alignaudit.trackers`) from the files it wrote.

The trackers are checked before the audit (an unknown name or a library that is not installed
stops the command before any model loads) and logged to after the files are written, whether
the gates passed (exit 0) or failed (exit 3); an interrupted or failed audit logs nothing. A
tracker that fails is a warning and the exit status stays the audit's (see
:mod:`alignaudit.trackers.targets` for why).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from alignaudit.cli.output import execute, say


def execute_logged(config: Any, out: str, quiet: bool, resume: bool = True,
                   policy: Path | None = None, log_to: Sequence[str] = ()) -> None:
    """:func:`~alignaudit.cli.output.execute`, then the saved audit logged to ``log_to``."""
    from alignaudit.trackers import targets

    names = targets.parse(log_to)
    targets.check_installed(names)
    try:
        execute(config, out, quiet, resume, policy)
    except typer.Exit as exc:
        if exc.exit_code == 3 and names:
            _log(Path(out).expanduser(), names)
        raise
    if names:
        _log(Path(out).expanduser(), names)


def _log(folder: Path, names: Sequence[str]) -> None:
    """Log the audit saved in ``folder`` (read back from its results.json, as the report is)."""
    from alignaudit.cli.output import say_interrupted
    from alignaudit.result import load
    from alignaudit.trackers.targets import log_all

    try:
        failed = log_all(load(folder / "results.json"), folder, names, say, where=folder)
    except KeyboardInterrupt:
        say_interrupted(f"Interrupted while logging to {', '.join(names)}. The audit is complete "
                        f"and its files are saved in {folder}.")
        raise typer.Exit(130) from None
    if failed:
        journal = folder / ".journal"
        reused = (f": the model's finished work is reused from the journal in {journal}"
                  if journal.is_dir() else "")
        say(f"To log this audit once {' and '.join(failed)} works, run the same command "
            f"again{reused}.")
