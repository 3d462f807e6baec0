"""--log-to wandb: an offline run folder per model under the audit's folder, holding the
metrics, the per-year series, the settings and the files (read back from the records W&B
wrote); offline unless the user configured W&B."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("wandb")

from alignaudit.trackers import to_wandb  # noqa: E402
from alignaudit.trackers.record import tracked_runs  # noqa: E402
from alignaudit.trackers.targets import log_all  # noqa: E402
from tests.helpers.wandb_records import read_run  # noqa: E402


def offline_runs(folder: Path) -> dict[str, tuple[Path, dict]]:
    found = {}
    for run_folder in sorted((folder / "wandb").glob("offline-run-*")):
        run = read_run(run_folder)
        found[run["name"]] = (run_folder, run)
    return found


def test_offline_run_folders_hold_the_metrics_series_settings_and_files(
        isolated, result, saved):
    said: list[str] = []
    assert log_all(result, saved, ["wandb"], said.append, where=saved) == []
    runs = offline_runs(saved)
    assert set(runs) == {"alpha", "beta"}
    assert "wandb sync" in said[0] and str(saved / "wandb") in said[0]
    for expected in tracked_runs(result, saved):
        folder, run = runs[expected.name]
        assert str(folder) in said[0]
        assert run["project"] == "alignaudit" and run["group"] == expected.audit
        assert run["tags"] == [f"verdict:{expected.tags['verdict']}"]
        assert {k: run["config"][k] for k in expected.params} == expected.params
        summary = run["summary"]
        assert {k: summary[k] for k in expected.metrics} == pytest.approx(expected.metrics)
        assert {k: summary[k] for k in expected.tags} == expected.tags
        rows = sorted((r for r in run["history"] if "year" in r), key=lambda r: r["year"])
        assert [(r["year"], r["accuracy_by_year"]) for r in rows] == [
            (p.step, pytest.approx(p.value)) for p in expected.series["accuracy_by_year"]]
        for name in ("report.html", "results.json", "summary.md"):
            assert name in run["files"]
            assert (folder / "files" / name).read_bytes() == (saved / name).read_bytes()
    assert runs["alpha"][1]["summary"]["cutoff"] == pytest.approx(2020.625)
    assert runs["beta"][1]["summary"]["gates"] == "failed"


def test_wandb_dir_is_honoured(isolated, result, saved, monkeypatch, tmp_path):
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    assert log_all(result, saved, ["wandb"], lambda _: None, where=saved) == []
    assert set(offline_runs(tmp_path / "elsewhere")) == {"alpha", "beta"}
    assert not (saved / "wandb").exists()


def test_offline_unless_the_user_configured_wandb(isolated, monkeypatch, tmp_path):
    assert to_wandb.mode() == "offline"  # no key anywhere: nothing tries the network
    monkeypatch.setenv("WANDB_MODE", "online")
    assert to_wandb.mode() == "online"  # the user's mode
    monkeypatch.delenv("WANDB_MODE")
    monkeypatch.setenv("WANDB_API_KEY", "k" * 40)
    assert to_wandb.mode() is None
    monkeypatch.delenv("WANDB_API_KEY")
    netrc = tmp_path / "netrc"
    netrc.write_text("machine example.org login user password secret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    assert to_wandb.mode() == "offline"  # a login, but not for W&B
    netrc.write_text("machine api.wandb.ai login user password " + "k" * 40 + "\n")
    assert to_wandb.mode() is None  # `wandb login` saved a key
    monkeypatch.setenv("WANDB_BASE_URL", "https://wandb.internal.example:8443")
    assert to_wandb.mode() == "offline"  # a key for another server
    netrc.write_text("machine wandb.internal.example login user password secret\n")
    assert to_wandb.mode() is None


def test_disabled_logs_nothing(isolated, result, saved, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    said: list[str] = []
    assert log_all(result, saved, ["wandb"], said.append, where=saved) == []
    assert said == ["W&B: nothing logged (WANDB_MODE=disabled)."]
    assert not (saved / "wandb").exists()


def test_a_run_the_user_has_open_is_left_open(isolated, result, saved, tmp_path):
    import wandb

    mine = wandb.init(project="notebook", dir=str(tmp_path), mode="offline",
                      settings=wandb.Settings(silent=True, console="off"))
    try:
        assert log_all(result, saved, ["wandb"], lambda _: None, where=saved) == []
        assert wandb.run is mine
        mine.log({"still": 1.0})  # still usable: neither finished nor replaced
    finally:
        mine.finish()
        wandb.teardown()
    assert set(offline_runs(saved)) == {"alpha", "beta"}
    (own,) = (tmp_path / "wandb").glob("offline-run-*")
    assert read_run(own)["summary"]["still"] == 1.0
