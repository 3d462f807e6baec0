"""Log an audit to MLflow: one run per model, through ``MlflowClient`` (not the fluent
``mlflow.start_run``), so a run a notebook has open is neither ended nor nested into.

Where: the tracking URI MLflow is given (``MLFLOW_TRACKING_URI``, or ``mlflow.set_tracking_uri``
in the same process), else a local store ``./mlruns`` in the working folder, which works offline
and without a server. Runs of every audit started from that folder collect in one store and one
experiment, so audits compare in one table; ``mlflow ui`` opens it. MLflow 3 keeps its file
store in maintenance mode and refuses it unless ``MLFLOW_ALLOW_FILE_STORE=true``; its own
default (``sqlite:///mlflow.db``) needs the full ``mlflow`` package (SQLAlchemy) that the light
``mlflow-skinny`` lacks, so the file store is the one local store both work with: it is allowed
for this default only, and a value the user set is kept. Experiment: ``MLFLOW_EXPERIMENT_NAME``,
else ``alignaudit``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alignaudit.trackers.record import TrackedRun

EXPERIMENT = "alignaudit"
"""Experiment of the runs when ``MLFLOW_EXPERIMENT_NAME`` is not set."""
LOCAL_STORE = "mlruns"
"""Folder of the default local store, in the working folder."""


def local_store() -> Path:
    """The default store's folder (absolute, so the message says where it is)."""
    return Path.cwd().resolve() / LOCAL_STORE


def tracking_uri() -> str | None:
    """The URI the user gave MLflow, or None for the default local store."""
    import mlflow

    if os.environ.get("MLFLOW_TRACKING_URI") or mlflow.is_tracking_uri_set():
        return str(mlflow.get_tracking_uri())
    return None


@contextmanager
def _file_store_allowed() -> Iterator[None]:
    """Let MLflow 3 open its file store for the time of the logging (the variable is restored)."""
    before = os.environ.get("MLFLOW_ALLOW_FILE_STORE")
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("MLFLOW_ALLOW_FILE_STORE", None)


def log(runs: list[TrackedRun]) -> str:
    """Log ``runs``; a sentence saying where they went and how to open them."""
    given = tracking_uri()
    uri = given or local_store().as_uri()
    if given is None:
        with _file_store_allowed():
            ids = _log_runs(uri, runs)
        store = local_store()
        how = (f"open it with `MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri "
               f"{uri}` (the UI needs the full `mlflow` package)")
        where = f"the local store {store}"
    else:
        ids = _log_runs(uri, runs)
        how, where = "open it where you open that tracking server or store", uri
    names = ", ".join(f"{run.name} ({run_id})" for run, run_id in zip(runs, ids, strict=True))
    return (f"MLflow: logged {len(runs)} run(s) to experiment '{experiment_name()}' in {where}: "
            f"{names}; {how}.")


def experiment_name() -> str:
    return os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT


def _log_runs(uri: str, runs: list[TrackedRun]) -> list[str]:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    name = experiment_name()
    found = client.get_experiment_by_name(name)
    experiment = found.experiment_id if found is not None else client.create_experiment(name)
    return [_log_run(client, experiment, run) for run in runs]


def _log_run(client: Any, experiment: str, run: TrackedRun) -> str:
    """One run: created, filled and finished; marked FAILED when logging stops half-way."""
    from mlflow.entities import Metric, Param, RunTag

    tags = {**run.tags, "audit": run.audit, "mlflow.source.name": "alignaudit"}
    created = client.create_run(experiment, run_name=run.name, tags=tags)
    run_id = created.info.run_id
    try:
        now = int(time.time() * 1000)
        metrics = [Metric(key, value, now, 0) for key, value in run.metrics.items()]
        metrics += [Metric(key, p.value, now, p.step)
                    for key, points in run.series.items() for p in points]
        client.log_batch(run_id, metrics=metrics,
                         params=[Param(k, v) for k, v in run.params.items()],
                         tags=[RunTag(k, v) for k, v in tags.items()])
        for path in run.files:
            client.log_artifact(run_id, str(path))
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return str(run_id)
