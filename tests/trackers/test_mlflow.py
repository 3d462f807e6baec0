"""--log-to mlflow: the runs, their metrics and their files read back with MLflow's own client
from a local store in tmp_path; MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_NAME honoured; a
store that cannot be written is a warning, not a lost audit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402

from alignaudit.trackers.record import tracked_runs  # noqa: E402
from alignaudit.trackers.targets import log_all  # noqa: E402


def client_for(uri: str, monkeypatch: pytest.MonkeyPatch) -> MlflowClient:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 reads file stores so
    return MlflowClient(tracking_uri=uri)


def runs_in(client: MlflowClient, experiment: str) -> dict:
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment}"
    return {r.info.run_name: r for r in client.search_runs([found.experiment_id])}


def test_runs_metrics_and_files_read_back_from_the_default_local_store(
        isolated, result, saved, monkeypatch):
    said: list[str] = []
    assert log_all(result, saved, ["mlflow"], said.append) == []
    store = isolated / "mlruns"
    assert str(store) in said[0] and "mlflow ui --backend-store-uri" in said[0]
    assert "MLFLOW_ALLOW_FILE_STORE" not in os.environ  # allowed only while logging
    client = client_for(store.as_uri(), monkeypatch)
    runs = runs_in(client, "alignaudit")
    assert set(runs) == {"alpha", "beta"}
    for expected in tracked_runs(result, saved):
        run = client.get_run(runs[expected.name].info.run_id)
        assert run.info.status == "FINISHED"
        assert run.data.metrics == pytest.approx(
            {**expected.metrics, **{k: v[-1].value for k, v in expected.series.items()}})
        assert run.data.params == expected.params
        assert run.data.tags["verdict"] == expected.tags["verdict"]
        assert run.data.tags["audit"] == expected.audit
        history = client.get_metric_history(run.info.run_id, "accuracy_by_year")
        assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [
            (p.step, pytest.approx(p.value)) for p in expected.series["accuracy_by_year"]]
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert artifacts == {"report.html", "results.json", "summary.md"}
    alpha = client.get_run(runs["alpha"].info.run_id)
    assert alpha.data.metrics["cutoff"] == pytest.approx(2020.625)
    assert alpha.data.params["model.spec"] == "org/alpha"
    assert client.get_run(runs["beta"].info.run_id).data.tags["gates"] == "failed"


def test_a_report_downloads_unchanged(isolated, result, saved, monkeypatch, tmp_path):
    log_all(result, saved, ["mlflow"], lambda _: None)
    client = client_for((isolated / "mlruns").as_uri(), monkeypatch)
    run_id = runs_in(client, "alignaudit")["alpha"].info.run_id
    got = client.download_artifacts(run_id, "results.json", str(tmp_path))
    assert Path(got).read_bytes() == (saved / "results.json").read_bytes()


def test_the_users_tracking_uri_and_experiment_are_honoured(
        isolated, result, saved, monkeypatch, tmp_path):
    uri = (tmp_path / "team-store").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "model-vetting")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # their file store, their setting
    said: list[str] = []
    assert log_all(result, saved, ["mlflow"], said.append) == []
    assert "model-vetting" in said[0] and uri in said[0]
    assert set(runs_in(MlflowClient(uri), "model-vetting")) == {"alpha", "beta"}
    assert not (isolated / "mlruns").exists()


def test_a_store_that_cannot_be_written_is_a_warning(isolated, result, saved, monkeypatch):
    blocker = isolated / "not-a-folder"
    blocker.write_text("a file where the store should be")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", blocker.as_uri())
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    said: list[str] = []
    assert log_all(result, saved, ["mlflow"], said.append) == ["mlflow"]
    assert said[0].startswith("warning: --log-to mlflow: logging to MLflow failed (")
    assert str(saved) in said[0] and "exit status is the audit's" in said[0]
    assert (saved / "results.json").is_file()
