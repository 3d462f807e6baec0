"""--fail-on gates: parsing, evaluation through the metric table, a missing metric failing."""

from __future__ import annotations

import pytest

from alignaudit._util.errors import UsageError
from alignaudit.judge import gates
from alignaudit.result import ModelAudit
from tests.helpers.results import alignment_for, audit_for, probes_for, with_numbers


@pytest.fixture(scope="module")
def base() -> ModelAudit:
    return audit_for("m", probes_for(120, 2019))


def audit(base: ModelAudit, **numbers: object) -> ModelAudit:
    defaults: dict[str, object] = {"accuracy": 0.5, "cutoff": 2021.3, "confabulation": 0.2,
                                   "believed": 2020}
    return with_numbers(base, **{**defaults, **numbers})  # type: ignore[arg-type]


@pytest.mark.parametrize("cond, failed", [
    ("recency_accuracy<0.6", True), ("recency_accuracy<0.4", False),
    ("recency_accuracy>=0.5", True), ("cutoff<2022-01", True), ("cutoff<2021", False),
    ("confabulation>0.3", False), ("confabulation>0.1", True), ("believed_year<2021", True),
])
def test_conditions(base, cond, failed):
    [result] = gates.check([gates.parse(cond)], [audit(base)])
    assert result.failed is failed
    assert cond in result.reason


def test_missing_metric_fails_the_gate(base):
    [result] = gates.check([gates.parse("drift=high")], [audit(base)])
    assert result.failed and result.measured is None and "not measured" in result.reason
    no_cutoff = base.model_copy(update={"recency": base.recency.model_copy(  # type: ignore[union-attr]
        update={"cutoff": None})})
    [result] = gates.check([gates.parse("cutoff<2024-01")], [no_cutoff])
    assert result.failed and "not measured" in result.reason


def test_drift_levels_compare_in_order(base):
    drift = alignment_for(n_user=60, n_ref=60)
    high = audit(base, drift=drift, drift_level="high", novel_terms=3)
    assert gates.check([gates.parse("drift>=moderate")], [high])[0].failed
    low = audit(base, drift=drift, drift_level="low", novel_terms=0)
    assert not gates.check([gates.parse("drift=high")], [low])[0].failed
    assert gates.check([gates.parse("novel_terms>2")], [high])[0].failed
    assert not gates.check([gates.parse("novel_terms>2")], [low])[0].failed


@pytest.mark.parametrize("bad", ["accuracy<0.5", "recency_accuracy<<0.5", "cutoff<soon",
                                 "drift=extreme", "recency_accuracy<x", "recency_accuracy<nan",
                                 "recency_accuracy!=nan", "confabulation>inf"])
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


@pytest.mark.parametrize("cond", ["recency_accuracy<0.6", "recency_accuracy>=0.6",
                                  "confabulation<=0.5"])
def test_a_measurement_that_is_not_a_number_fails_its_gate(base, cond):
    """NaN compares false with everything: read as a number it would pass every `<` gate."""
    nan = float("nan")
    [result] = gates.check([gates.parse(cond)], [audit(base, accuracy=nan, confabulation=nan)])
    assert result.failed and result.measured is None and "not measured" in result.reason


@pytest.mark.parametrize("text, said", [
    ("fail_on:\n  - recency_accuracy<0.6\nfail_on: []\n", ":3: key `fail_on` appears twice"),
    ("fail_on:\n  - recency_accuracy<0.6\nfail_on:\n", ":3: key `fail_on` appears twice"),
    ("fail_on: []\n", ":1: `fail_on:` lists no condition"),
    ("fail_on:\n  - recency_accuracy<0.6\n  - 0.5\n", ":3: condition 2 is not text"),
    ("fail_on:\n  - drift=high\nfail-on:\n  - cutoff<2024\n", ":3: unknown key `fail-on`"),
    ("fail_on: &a [*a]\n", "recursive alias"),
], ids=["duplicate-empty-list", "duplicate-null", "empty", "not-text", "unknown-key",
        "recursive-alias"])
def test_a_policy_file_cannot_switch_the_gates_off(tmp_path, text, said):
    """A policy that would run fewer gates than it seems to is refused, naming the line."""
    from alignaudit._util.errors import UserError

    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as info:
        gates.load_policy(path)
    assert str(info.value).startswith(f"{path}") or "--policy" in str(info.value)
    assert said in str(info.value)


def test_a_policy_folder_is_a_message(tmp_path):
    from alignaudit._util.errors import UserError

    with pytest.raises(UserError, match="Cannot read --policy .*: Is a directory"):
        gates.load_policy(tmp_path)


@pytest.mark.parametrize("cond, failed", [
    ("delta.recency_accuracy<-0.02", True), ("delta.recency_accuracy<-0.2", False),
    ("delta.cutoff<-1", True), ("delta.cutoff<-2", False), ("delta.believed_year!=0", True),
])
def test_delta_gates_compare_with_the_baseline(base, cond, failed):
    tuned = audit(base, accuracy=0.4, cutoff=2020.0, believed=2019)
    baseline = audit(base, accuracy=0.5, cutoff=2021.5, believed=2020)
    [result] = gates.check([gates.parse(cond)], [tuned], baseline)
    assert result.failed is failed
    assert "baseline" in result.reason


def test_a_delta_gate_without_a_baseline_or_a_number_cannot_pass(base):
    [result] = gates.check([gates.parse("delta.recency_accuracy<-1")], [audit(base)])
    assert result.failed and "--baseline" in result.reason
    with pytest.raises(UsageError, match="not a number"):
        gates.parse("delta.cutoff<2024-01")
    with pytest.raises(UsageError, match="unknown metric"):
        gates.parse("delta.speed<1")


@pytest.mark.parametrize("cond", ["delta.recency_accuracy<-0.02", "delta.recency_accuracy>=0"])
def test_a_delta_of_a_value_that_is_not_a_number_fails_its_gate(base, cond):
    """NaN on either side made the delta NaN, which passed every `<` and `>=` delta gate."""
    nan = float("nan")
    for mine, theirs in ((nan, 0.5), (0.5, nan)):
        [result] = gates.check([gates.parse(cond)], [audit(base, accuracy=mine)],
                               audit(base, accuracy=theirs))
        assert result.failed and result.measured is None and "not measured" in result.reason
