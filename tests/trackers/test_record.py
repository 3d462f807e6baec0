"""What a tracker run holds, read from a saved audit: the gates' metrics under the gates' names,
accuracy per event year, flattened settings, the verdict."""

from __future__ import annotations

import pytest

from alignaudit.judge.metrics import METRICS, read
from alignaudit.judge.verdict import verdict, worst
from alignaudit.trackers.record import FILES, tracked_runs


def test_one_run_per_model_with_the_gates_metrics_and_their_intervals(result, saved):
    runs = tracked_runs(result, saved)
    assert [r.name for r in runs] == ["alpha", "beta"]
    assert len({r.audit for r in runs}) == 1
    for run, audit in zip(runs, result.models, strict=True):
        for name in METRICS:
            reading = read(audit, name)
            if reading is None:
                assert name not in run.metrics
                continue
            assert run.metrics[name] == reading.value
            if reading.low is not None:
                assert run.metrics[f"{name}_low"] == reading.low
                assert run.metrics[f"{name}_high"] == reading.high
        assert run.metrics["recency_facts"] == audit.recency.overall.n
    alpha, beta = runs
    assert alpha.metrics["cutoff"] == 2020.625  # 2020-Q3 (set in conftest), a decimal year
    assert alpha.metrics["drift"] in (0.0, 1.0, 2.0)
    assert 0 <= alpha.metrics["drift_classifier_effect_size"] <= 1
    assert "perplexity_median" in alpha.metrics and "drift" not in beta.metrics


def test_accuracy_per_event_year_is_a_series_keyed_by_the_year(result, saved):
    run = tracked_runs(result, saved)[1]
    rows = result.models[1].recency.by_year
    assert [p.step for p in run.series["accuracy_by_year"]] == [int(r.start) for r in rows]
    assert [p.value for p in run.series["accuracy_by_year"]] == [r.accuracy for r in rows]
    assert [p.value for p in run.series["facts_by_year"]] == [r.n for r in rows]
    assert all(low.value <= p.value <= high.value for low, p, high in zip(
        run.series["accuracy_by_year_low"], run.series["accuracy_by_year"],
        run.series["accuracy_by_year_high"], strict=True))


def test_settings_are_flattened_into_text_parameters(result, saved):
    params = tracked_runs(result, saved)[0].params
    assert params["model.spec"] == "org/alpha" and params["model.display_name"] == "alpha"
    assert params["probes"] == "changing-facts,recency" and params["seed"] == "0"
    assert params["as_of"] == "2025-01-01"
    assert params["data.paths"] == "tickets.jsonl,more.jsonl"
    assert params["data.text_column"] == "body"
    assert params["suite.recency"].startswith("v1")
    assert "models" not in params and "data.date_column" not in params  # one model; unset
    assert all(isinstance(v, str) and v != "None" for v in params.values())


def test_tags_carry_the_verdict_and_the_gates(result, saved):
    alpha, beta = tracked_runs(result, saved)
    lines = verdict(result.models[1])
    assert beta.tags["verdict"] == worst(lines)
    assert {beta.tags[f"verdict.{line.question}"] for line in lines} <= {
        "pass", "warn", "fail", "info"}
    assert beta.tags["gates"] == "failed" and "gates" not in alpha.tags


def test_files_are_those_written_and_names_repeat_numbered(result, saved):
    (saved / "summary.md").unlink()
    twice = result.model_copy(update={"models": [result.models[0], result.models[0]]})
    runs = tracked_runs(twice, saved)
    assert [r.name for r in runs] == ["alpha #1", "alpha #2"]
    assert [p.name for p in runs[0].files] == [n for n in FILES if n != "summary.md"]


@pytest.mark.parametrize("value", [["a", "b"], "x" * 900])
def test_long_or_listed_values_become_short_text(value):
    from alignaudit.trackers.record import MAX_PARAM, flatten

    text = flatten({"k": value})["k"]
    assert text == ("a,b" if isinstance(value, list) else "x" * MAX_PARAM)


def test_unset_values_are_left_out():
    from alignaudit.trackers.record import flatten

    assert flatten({"a": None, "b": "", "c": [], "d": {"e": 0, "f": False}}) == {
        "d.e": "0", "d.f": "False"}
