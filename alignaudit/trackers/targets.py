"""``--log-to``: which trackers, whether their library is installed, and logging a saved audit.

A tracker that fails once the audit is written is a warning, and the exit status stays the
audit's (0, or 3 when a gate failed). The tracker holds a copy of what is already on disk
(results.json, report.html, summary.md), so nothing is lost; a CI job gates on the audit, and a
tracking server that is down must neither fail an audit that passed nor replace the 3 of a
failed gate with another code that hides it. A missing library or an unknown tracker name is
an error *before* the audit starts, so no audit runs only to find it cannot be logged.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path

from alignaudit._util.errors import UsageError, UserError
from alignaudit.result import AuditResult
from alignaudit.trackers.record import TrackedRun, tracked_runs

TRACKERS = {"mlflow": ("MLflow", "mlflow", "mlflow-skinny"),
            "wandb": ("W&B", "wandb", "wandb")}
"""``--log-to`` name: (what it is called, the module it imports, the package to install)."""


def parse(values: str | Sequence[str] | None) -> tuple[str, ...]:
    """Tracker names from ``--log-to`` values (repeated, or comma-separated), in order, once
    each; an unknown name is a :class:`UsageError`."""
    names: list[str] = []
    for value in [values] if isinstance(values, str) else list(values or []):
        for part in str(value).split(","):
            name = part.strip().lower()
            if name and name not in TRACKERS:
                raise UsageError(f"--log-to {part.strip()}: unknown tracker; use mlflow or wandb "
                                 "(repeat the option, or separate them with commas: "
                                 "--log-to mlflow,wandb).")
            if name and name not in names:
                names.append(name)
    return tuple(names)


def check_installed(targets: Sequence[str]) -> None:
    """Each tracker's library can be imported, or a message says what to install (checked
    before the audit runs)."""
    for name in targets:
        label, module, package = TRACKERS[name]
        if importlib.util.find_spec(module) is None:
            raise UserError(
                f"--log-to {name}: {label} is not installed in this Python environment, so the "
                f"audit could not be logged to it. Install it with `pip install "
                f"'alignaudit[{name}]'` (or `pip install {package}`) and run the command again; "
                "nothing has been audited yet.")


def _log_mlflow(runs: list[TrackedRun], where: Path | None) -> str:
    from alignaudit.trackers import to_mlflow

    return to_mlflow.log(runs)


def _log_wandb(runs: list[TrackedRun], where: Path | None) -> str:
    from alignaudit.trackers import to_wandb

    return to_wandb.log(runs, where)


LOGGERS: dict[str, Callable[[list[TrackedRun], Path | None], str]] = {
    "mlflow": _log_mlflow, "wandb": _log_wandb}


def log_all(result: AuditResult, files: Path, targets: Sequence[str], say: Callable[[str], None],
            where: Path | None = None, warn: Callable[[str], None] | None = None) -> list[str]:
    """Log a saved audit (``result``, whose files are in the folder ``files``) to each tracker;
    ``where``: the folder a tracker keeps local runs in when it keeps them beside the audit
    (W&B). Says where each went, or warns (``warn``, else ``say``) why not; returns the
    trackers that failed."""
    runs = tracked_runs(result, files)
    failed = []
    for name in targets:
        try:
            say(LOGGERS[name](runs, where))
        except Exception as exc:  # noqa: BLE001 - any tracker failure is a warning: see above
            failed.append(name)
            why = (str(exc).strip().splitlines() or ["no message"])[0][:300]
            (warn or say)(f"warning: --log-to {name}: logging to {TRACKERS[name][0]} failed "
                f"({type(exc).__name__}: {why}). The audit is "
                f"complete and its files are saved in {files}; the exit status is the audit's.")
    return failed
