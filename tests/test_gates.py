"""--fail-on gates: parsing, evaluation, and a missing metric failing the gate."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from alignaudit._util.errors import UsageError
from alignaudit.judge import gates


def audit(accuracy=0.5, cutoff=2021.3, label="2021-Q2", conf=0.2, believed=2020, drift=None):
    recency = NS(
        overall=NS(accuracy=accuracy),
        cutoff=NS(cutoff=cutoff, cutoff_label=label),
        confabulation=NS(rate=conf),
        believed=NS(believed_year=believed),
    )
    return NS(model=NS(display_name="m"), recency=recency, drift=drift)


@pytest.mark.parametrize("cond, failed", [
    ("recency_accuracy<0.6", True), ("recency_accuracy<0.4", False),
    ("recency_accuracy>=0.5", True), ("cutoff<2022-01", True), ("cutoff<2021", False),
    ("confabulation>0.3", False), ("confabulation>0.1", True), ("believed_year<2021", True),
])
def test_conditions(cond, failed):
    [result] = gates.check([gates.parse(cond)], [audit()])
    assert result.failed is failed
    assert cond in result.reason


def test_missing_metric_fails_the_gate():
    [result] = gates.check([gates.parse("drift=high")], [audit()])
    assert result.failed and result.measured is None and "not measured" in result.reason
    [result] = gates.check([gates.parse("cutoff<2024-01")], [audit(cutoff=None)])
    assert result.failed


def test_drift_levels_compare_in_order():
    high = audit(drift=NS(level="high", novel_terms=[1, 2, 3]))
    assert gates.check([gates.parse("drift>=moderate")], [high])[0].failed
    low = audit(drift=NS(level="low", novel_terms=[]))
    assert not gates.check([gates.parse("drift=high")], [low])[0].failed
    assert gates.check([gates.parse("novel_terms>2")], [high])[0].failed


@pytest.mark.parametrize("bad", ["accuracy<0.5", "recency_accuracy<<0.5", "cutoff<soon",
                                 "drift=extreme", "recency_accuracy<x"])
def test_bad_conditions_are_usage_errors(bad):
    with pytest.raises(UsageError, match="--fail-on"):
        gates.parse(bad)


def test_policy_file(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("fail_on:\n  - recency_accuracy<0.6\n  - drift=high\n")
    assert gates.load_policy(path) == ["recency_accuracy<0.6", "drift=high"]
    path.write_text("fail_on: nope\n")
    with pytest.raises(Exception, match="fail_on"):
        gates.load_policy(path)
