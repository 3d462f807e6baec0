"""Interrupt a run midway, resume it, and get the same results as an uninterrupted run;
the same inputs twice give byte-identical results.json apart from the runtime block."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import MINI_SUITE


def command(model: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "alignaudit", "run", "--model", str(model), "--probes",
            f"recency,{MINI_SUITE}", "--limit", "40", "--batch-size", "1", "--out", str(out),
            "--as-of", "2026-11-01", "--max-new-tokens", "3", "--quiet", *extra]


def comparable(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("runtime")
    data["config"].pop("command")
    return data


def _journal_lines(journal: Path) -> int:
    """Finished batches in the journal folder (identity lines and a line being written aside)."""
    return sum(line.startswith('{"key"') and line.endswith("}")
               for p in journal.glob("*.jsonl") for line in p.read_text().splitlines())


def test_interrupted_run_resumes_to_the_same_results(tiny_gpt2_dir, tmp_path):
    """Ctrl-C mid-run exits 130 with the journal kept; the same command resumes from it to the
    results of an uninterrupted run.

    Independent of the machine's speed: the run audits a second model whose weight file is a
    named pipe, so after the first model's work it blocks reading it, and cannot finish before
    the test has interrupted it (wherever that finds it)."""
    second = tmp_path / "second"
    shutil.copytree(tiny_gpt2_dir, second)
    weights = second / "model.safetensors"
    weights.unlink()
    os.mkfifo(weights)
    models = ["--model", str(second)]
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(command(tiny_gpt2_dir, out, *models), stderr=subprocess.PIPE,
                            text=True)
    journal = out / ".journal"
    deadline = time.time() + 600  # only bounds a hang
    while time.time() < deadline and proc.poll() is None and _journal_lines(journal) < 20:
        time.sleep(0.05)
    assert proc.poll() is None and _journal_lines(journal) >= 20, "the run stopped early"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err
    assert not (out / "results.json").exists()
    done = _journal_lines(journal)
    assert done >= 20

    weights.unlink()
    shutil.copy(tiny_gpt2_dir / "model.safetensors", weights)
    resumed = subprocess.run(command(tiny_gpt2_dir, out, *models), capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming: {done} finished batches" in resumed.stderr

    fresh = tmp_path / "fresh"
    straight = subprocess.run(command(tiny_gpt2_dir, fresh, *models), capture_output=True,
                              text=True, timeout=600)
    assert straight.returncode == 0, straight.stderr
    assert comparable(out / "results.json") == comparable(fresh / "results.json")


def test_same_inputs_give_byte_identical_results(tiny_gpt2_dir, tmp_path):
    out = tmp_path / "twice"
    texts = []
    for _ in range(2):
        proc = subprocess.run(command(tiny_gpt2_dir, out, "--no-resume"), capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        data = json.loads((out / "results.json").read_text())
        data.pop("runtime")  # the one block allowed to differ: timings and timestamps
        texts.append(json.dumps(data, indent=2))
        (out / "results.json").unlink()
    assert texts[0] == texts[1]
