"""--log-to on the command line, end to end with the fake backend: both trackers from one run,
a tracker failure that keeps the audit and its exit status, and the errors that stop a run
before it starts."""

from __future__ import annotations

import json

import pytest

from tests.helpers.cli import cli_in

pytest.importorskip("mlflow")
pytest.importorskip("wandb")

from mlflow import MlflowClient  # noqa: E402

from tests.helpers.wandb_records import read_run  # noqa: E402

AUDIT = ("run", "--backend", "fake", "--model", "m", "--probes", "recency", "--limit", "40",
         "--no-generate", "-q", "--out", "out")


def test_one_run_logs_to_mlflow_and_wandb_offline(isolated, monkeypatch):
    proc = cli_in(isolated, *AUDIT, "--log-to", "mlflow", "--log-to", "wandb")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert f"MLflow: logged 1 run(s) to experiment 'alignaudit' in the local store " \
           f"{isolated / 'mlruns'}" in proc.stderr
    assert "W&B: logged 1 run(s) offline in" in proc.stderr and "wandb sync" in proc.stderr
    saved = json.loads((isolated / "out" / "results.json").read_text())
    accuracy = saved["models"][0]["recency"]["overall"]["accuracy"]
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient((isolated / "mlruns").as_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("alignaudit").experiment_id])
    assert run.data.metrics["recency_accuracy"] == pytest.approx(accuracy)
    assert run.data.params["model.spec"] == "m" and run.data.params["limit"] == "40"
    assert run.data.params["command"].startswith("alignaudit run --backend fake")
    (folder,) = (isolated / "out" / "wandb").glob("offline-run-*")
    assert read_run(folder)["summary"]["recency_accuracy"] == pytest.approx(accuracy)


@pytest.mark.parametrize(("gate", "code"), [((), 0), (("--fail-on", "recency_accuracy<=1"), 3)])
def test_a_tracker_failure_keeps_the_audit_and_its_exit_status(isolated, gate, code):
    blocker = isolated / "store-is-a-file"
    blocker.write_text("")
    proc = cli_in(isolated, *AUDIT, *gate, "--log-to", "mlflow",
                      env={"MLFLOW_TRACKING_URI": blocker.as_uri(),
                       "MLFLOW_ALLOW_FILE_STORE": "true"})
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "warning: --log-to mlflow: logging to MLflow failed (" in proc.stderr
    assert ("GATE FAILED" in proc.stderr) == (code == 3)
    assert "To log this audit once mlflow works, run the same command again." in proc.stderr
    assert (isolated / "out" / "results.json").is_file()
    assert (isolated / "out" / "report.html").is_file()


def test_an_unknown_tracker_stops_the_run_before_it_starts(isolated):
    proc = cli_in(isolated, *AUDIT, "--log-to", "mlflow,tensorboard")
    assert proc.returncode == 2, proc.stderr
    assert "error: --log-to tensorboard: unknown tracker; use mlflow or wandb" in proc.stderr
    assert not (isolated / "out" / "results.json").exists()


def test_a_missing_library_says_what_to_install_before_the_audit(isolated, monkeypatch, capsys):
    from alignaudit.cli.app import main
    from alignaudit.trackers import targets

    monkeypatch.setitem(targets.TRACKERS, "wandb", ("W&B", "no_such_module_here", "wandb"))
    with pytest.raises(SystemExit) as stopped:
        main([*AUDIT, "--log-to", "wandb"])
    err = capsys.readouterr().err
    assert stopped.value.code == 1, err
    assert "--log-to wandb: W&B is not installed" in err
    assert "pip install 'alignaudit[wandb]'" in err and "nothing has been audited yet" in err
    assert not (isolated / "out" / "results.json").exists()


@pytest.mark.parametrize("command", ["run", "drift"])
def test_both_audit_commands_take_the_option(command, capsys):
    from alignaudit.cli.app import main

    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"])
    assert stopped.value.code == 0
    assert "--log-to" in capsys.readouterr().out


def test_a_ctrl_c_while_logging_says_the_audit_is_kept(isolated, monkeypatch, capsys):
    from alignaudit.cli.app import main
    from alignaudit.trackers import targets

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(targets, "log_all", interrupted)
    with pytest.raises(SystemExit) as stopped:
        main([*AUDIT, "--log-to", "mlflow"])
    err = capsys.readouterr().err
    assert stopped.value.code == 130, err
    assert "Interrupted while logging to mlflow. The audit is complete and its files are " \
           "saved in out." in err
    assert (isolated / "out" / "results.json").is_file()
