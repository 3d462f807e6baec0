"""``alignaudit.audit(..., log_to=...)``: the same logging from Python, with or without ``out``."""

from __future__ import annotations

import pytest

import alignaudit
from alignaudit._util.errors import UsageError
from tests.helpers import MINI_SUITE

pytest.importorskip("mlflow")
pytest.importorskip("wandb")

from mlflow import MlflowClient  # noqa: E402


def test_without_out_the_files_still_reach_mlflow(isolated, monkeypatch):
    found = alignaudit.audit(model="m", probes=[str(MINI_SUITE)], backend="fake",
                             log_to="mlflow")
    assert sorted(p.name for p in isolated.iterdir()) == ["mlruns"]  # no audit folder left
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient((isolated / "mlruns").as_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("alignaudit").experiment_id])
    assert run.data.metrics["recency_accuracy"] == pytest.approx(
        found.models[0].recency.overall.accuracy)
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {
        "report.html", "results.json", "summary.md"}


def test_with_out_wandb_runs_go_beside_the_files(isolated):
    alignaudit.audit(model="m", probes=[str(MINI_SUITE)], backend="fake", out="audit",
                     log_to=["wandb"])
    assert len(list((isolated / "audit" / "wandb").glob("offline-run-*"))) == 1


def test_an_unknown_tracker_fails_before_the_audit(isolated):
    with pytest.raises(UsageError, match="--log-to neptune: unknown tracker"):
        alignaudit.audit(model="m", probes=[str(MINI_SUITE)], backend="fake", out="audit",
                         log_to="neptune")
    assert not (isolated / "audit").exists()
