"""Log an audit to Weights & Biases: one run per model, grouped by the audit.

Offline unless the user configured W&B: ``WANDB_MODE`` is honoured as set; without it, a run is
online only when an API key is configured (``WANDB_API_KEY``, or a ``wandb login`` entry in the
netrc file), so nothing reaches for the network on a machine that never logged in. An offline
run is a folder under ``<out>/wandb`` (or ``WANDB_DIR``) that ``wandb sync FOLDER`` uploads
later. Project: ``WANDB_PROJECT``, else ``alignaudit``; entity: W&B's own (``WANDB_ENTITY``).

The files (report.html, results.json, summary.md) are copied into the run's ``files/`` folder,
which ``wandb sync`` uploads with the run: the offline folder holds everything, where a W&B
artifact would be staged in a cache outside it. Runs are created with ``reinit="create_new"``,
so a run a notebook has open is left as it is.
"""

from __future__ import annotations

import netrc
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from alignaudit.trackers.record import TrackedRun

PROJECT = "alignaudit"
"""Project of the runs when ``WANDB_PROJECT`` is not set."""
HOST = "https://api.wandb.ai"
"""W&B's server when ``WANDB_BASE_URL`` is not set."""


def key_configured() -> bool:
    """An API key is set or saved for the W&B server (read locally: no request is made)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    host = urlparse(os.environ.get("WANDB_BASE_URL") or HOST).hostname or ""
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    try:
        return path.is_file() and netrc.netrc(str(path)).authenticators(host) is not None
    except (OSError, netrc.NetrcParseError):
        return False


def mode() -> Any:
    """The mode to ask for: ``WANDB_MODE`` when set; else None (W&B's default, online) when an
    API key is configured, else ``offline``. Read here on every call, not left to W&B, which
    reads the environment once per process."""
    if os.environ.get("WANDB_MODE"):
        return os.environ["WANDB_MODE"]
    return None if key_configured() else "offline"


def root(folder: Path | None) -> str:
    """The folder W&B puts its ``wandb/`` folder in: ``WANDB_DIR`` when set, else the audit's
    output folder, else the working folder."""
    given = os.environ.get("WANDB_DIR")
    return given or str(folder if folder is not None else Path.cwd())


def log(runs: list[TrackedRun], folder: Path | None) -> str:
    """Log ``runs``; a sentence saying where they went and how to upload offline ones."""
    if os.environ.get("WANDB_MODE") == "disabled":
        return "W&B: nothing logged (WANDB_MODE=disabled)."
    import wandb

    try:
        logged = [_log_run(run, folder) for run in runs]
    finally:
        _flush(wandb)
    offline = [where for where, url in logged if url is None]
    online = [url for _, url in logged if url is not None]
    parts = []
    if offline:
        parts.append(f"W&B: logged {len(offline)} run(s) offline in "
                     f"{', '.join(offline)}; upload with `wandb sync {' '.join(offline)}`.")
    if online:
        parts.append(f"W&B: logged {len(online)} run(s): {', '.join(online)}.")
    return " ".join(parts)


def _flush(wandb: Any) -> None:
    """Have W&B write its records to disk now. ``finish`` returns before the run file is complete
    (W&B's service writes it in the background, until the service stops); stopping the service
    completes it, so the folder holds the run once ``log`` returns. Skipped while the user has a
    run of their own open (``wandb.run``: ours are created beside it): then the service stops,
    and the file is complete, when their process ends."""
    if wandb.run is None:
        wandb.teardown()


def _log_run(run: TrackedRun, folder: Path | None) -> tuple[str, str | None]:
    """One run, finished; its folder, and its page when it was logged online."""
    import wandb

    settings = wandb.Settings(silent=True, console="off")
    live = wandb.init(project=os.environ.get("WANDB_PROJECT") or PROJECT, dir=root(folder),
                      mode=mode(), name=run.name, group=run.audit, job_type="audit",
                      config=run.params, tags=[f"verdict:{run.tags['verdict']}"],
                      reinit="create_new", settings=settings)
    try:
        _fill(wandb, live, run)
    except BaseException:
        live.finish(exit_code=1)
        raise
    live.finish()
    return str(Path(live.dir).parent), None if live.offline else live.url


def _fill(wandb: Any, live: Any, run: TrackedRun) -> None:
    """Per-year series on a ``year`` axis, a table of them, the headline numbers and verdict in
    the summary, and the files."""
    live.define_metric("year")
    for key in run.series:
        live.define_metric(key, step_metric="year")
    years = sorted({p.step for points in run.series.values() for p in points})
    for year in years:
        row = {key: p.value for key, points in run.series.items() for p in points
               if p.step == year}
        live.log({"year": year, **row})
    if years:
        columns = ["year", *run.series]
        table = wandb.Table(columns=columns, data=[
            [year, *({p.step: p.value for p in run.series[k]}.get(year) for k in run.series)]
            for year in years])
        live.log({"by_year": table})
    live.summary.update({**run.metrics, **run.tags, "audit": run.audit})
    for path in run.files:
        copied = Path(live.dir) / path.name
        shutil.copyfile(path, copied)
        live.save(str(copied), base_path=live.dir, policy="end")
