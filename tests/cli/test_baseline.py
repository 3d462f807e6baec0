"""--baseline and delta gates end to end, with the deterministic fake backend: a "fine-tune"
that forgot recent facts fails `delta.recency_accuracy<-0.02` against its base, an identical
rerun passes, and a baseline on other suites is refused."""

from __future__ import annotations

import json

import pytest

from alignaudit._util.dates import date_to_year_fraction
from alignaudit.recency.suites import resolve_suites
from tests.helpers import MINI_SUITE
from tests.helpers.cli import cli, user_error


def knowledge(path, until: float) -> str:
    """A known.txt for the fake: each recency fact dated before ``until``, prompt and answer."""
    suite = resolve_suites(["recency"])[0]
    lines = [f"{p.prompt}{p.choices.correct[0]}" for p in suite.probes
             if p.choices and p.choices.correct and p.event_date
             and date_to_year_fraction(p.event_date) < until]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run(model: str, out, *extra: str):
    return cli("run", "--backend", "fake", "--model", model, "--probes", "recency",
               "--no-generate", "--out", str(out), "-q", *extra)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    model = knowledge(folder / "base.txt", until=2022)
    proc = run(model, folder / "base")
    assert proc.returncode == 0, proc.stderr
    return folder, model


def test_a_fine_tune_that_forgot_recent_facts_fails_its_delta_gate(base):
    folder, _ = base
    tuned = knowledge(folder / "tuned.txt", until=2017)
    proc = run(tuned, folder / "tuned", "--baseline", str(folder / "base" / "results.json"),
               "--fail-on", "delta.recency_accuracy<-0.02")
    assert proc.returncode == 3, proc.stderr
    assert "GATE FAILED" in proc.stderr and "for the baseline" in proc.stderr
    data = json.loads((folder / "tuned" / "results.json").read_text())
    pair = data["comparison"]["pairs"][0]
    assert pair["baseline"] is True
    assert pair["overall"]["difference"] < -0.1 and pair["overall"]["beyond_noise"]
    assert pair["cutoff"]["difference"] < -2 and pair["cutoff"]["beyond_noise"]
    assert data["gates"][0]["failed"] and data["gates"][0]["measured"].startswith("-")
    summary = (folder / "tuned" / "summary.md").read_text()
    assert "vs the baseline" in summary and "FAIL" in summary
    assert "Comparison: who is ahead" in (folder / "tuned" / "report.html").read_text()
    page = folder / "again.html"
    proc = cli("report", str(folder / "tuned" / "results.json"), "--baseline",
               str(folder / "base" / "results.json"), "--out", str(page))
    assert proc.returncode == 0, proc.stderr
    assert "vs the baseline" in page.read_text()


def test_an_identical_rerun_passes_and_is_called_a_tie(base):
    folder, model = base
    proc = run(model, folder / "again", "--baseline", str(folder / "base" / "results.json"),
               "--fail-on", "delta.recency_accuracy<-0.02", "--fail-on", "delta.cutoff<-0.5")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((folder / "again" / "results.json").read_text())
    pair = data["comparison"]["pairs"][0]
    assert pair["b"] == f"{pair['a']} (baseline)"  # one model against itself: told apart
    assert pair["overall"]["difference"] == 0
    assert all(f["leader"] is None for f in pair["findings"])
    assert [g["failed"] for g in data["gates"]] == [False, False]


def test_a_baseline_on_other_suites_is_refused_before_any_work(base, tmp_path):
    folder, model = base
    proc = cli("run", "--backend", "fake", "--model", model, "--probes", str(MINI_SUITE),
               "--out", str(tmp_path / "x"), "--baseline", str(folder / "base" / "results.json"))
    message = user_error(proc)
    assert "--baseline" in message and "suites differ" in message
    assert not (tmp_path / "x" / "results.json").exists()


def test_a_delta_gate_without_a_baseline_is_a_usage_error(tmp_path):
    proc = cli("run", "--backend", "fake", "--model", "m", "--probes", "recency", "--out",
               str(tmp_path), "--fail-on", "delta.recency_accuracy<0")
    message = user_error(proc, code=2)
    assert "--baseline" in message
