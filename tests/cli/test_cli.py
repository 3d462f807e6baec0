"""The command line, end to end on the tiny model: files written, exit codes, re-rendering."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from alignaudit import result as result_mod
from alignaudit.report.page import render
from tests.helpers import MINI_SUITE
from tests.helpers.cli import cli


@pytest.fixture(scope="module")
def tiny_run(tiny_gpt2_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = cli("run", "--model", str(tiny_gpt2_dir), "--probes", str(MINI_SUITE), "--out",
               str(out), "--seed", "3", "--max-new-tokens", "4")
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_run_writes_results_and_report(tiny_run):
    out, proc = tiny_run
    data = json.loads((out / "results.json").read_text())
    assert data["schema_version"] == result_mod.SCHEMA_VERSION
    assert data["config"]["seed"] == 3
    model = data["models"][0]
    assert len(model["probes"]) == 6
    assert model["model"]["files_sha256"]
    assert {s["suite"] for s in model["suites"]} == {"mini"}
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (out / "summary.md").is_file()
    assert "accuracy" in proc.stderr


def test_results_round_trip_and_rerender(tiny_run):
    out, _ = tiny_run
    loaded = result_mod.load(out / "results.json")
    assert result_mod.dumps(loaded) == (out / "results.json").read_text()
    page = (out / "report.html").read_text()
    stamp = re.search(r"Rendered (\S+) by", page).group(1)
    assert render(loaded, rendered_at=stamp) == page
    proc = cli("report", str(out / "results.json"), "--out", str(out / "again.html"))
    assert proc.returncode == 0, proc.stderr
    again = (out / "again.html").read_text()
    strip = lambda s: re.sub(r"Rendered \S+ by", "", s)  # noqa: E731
    assert strip(again) == strip(page)


def test_version_and_help():
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("alignaudit ")
    proc = cli("run", "--help")
    assert proc.returncode == 0 and "--model" in proc.stdout
    assert "torch" not in proc.stderr


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; import alignaudit.cli.app; "
            "print(sorted(m for m in ('torch','transformers','numpy','pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_probes_list_and_validate():
    proc = cli("probes", "list")
    assert proc.returncode == 0 and "recency" in proc.stdout
    proc = cli("probes", "validate", str(MINI_SUITE))
    assert proc.returncode == 0 and "valid suite `mini`" in proc.stdout


def test_usage_errors_exit_2():
    assert cli("run").returncode == 2  # --model missing
    proc = cli("run", "--model", "x", "--batch-size", "lots")
    assert proc.returncode == 2 and "--batch-size" in proc.stderr


def test_user_errors_exit_1_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("suite: [\n")
    proc = cli("run", "--model", "smollm2-135m", "--probes", str(bad), "--out", str(tmp_path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and f"{bad}:" in proc.stderr
    proc = cli("run", "--model", "./no/such/folder", "--probes", str(MINI_SUITE), "--out",
               str(tmp_path))
    assert proc.returncode == 1 and "no such file or folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_hub_model_without_hub_fails_fast_and_clearly(tmp_path):
    import os

    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT="http://127.0.0.1:9")
    started = time.perf_counter()
    proc = cli("run", "--model", "gpt2", "--probes", "recency", "--out", str(tmp_path), env=env)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 1
    assert "Could not fetch `gpt2`" in proc.stderr and "smollm2-135m" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert elapsed < 60


def test_a_user_suite_in_a_temporary_folder_validates_runs_and_is_reported(
        tiny_gpt2_dir, tmp_path):
    import shutil

    suite = tmp_path / "suites" / "my-team.yaml"
    suite.parent.mkdir()
    shutil.copy(MINI_SUITE, suite)
    text = suite.read_text().replace("name: mini", "name: my-team")
    suite.write_text(text)
    assert cli("probes", "validate", str(suite)).returncode == 0
    out = tmp_path / "out"
    proc = cli("run", "--model", str(tiny_gpt2_dir), "--probes", f"recency,{suite}", "--limit",
               "5", "--out", str(out), "--max-new-tokens", "2")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "results.json").read_text())
    assert [s["name"] for s in data["suites"]] == ["recency", "my-team"]
    assert data["suites"][1]["path"] == str(suite)
    assert {p["suite"] for p in data["models"][0]["probes"]} == {"recency", "my-team"}
    assert "my-team" in (out / "report.html").read_text()
