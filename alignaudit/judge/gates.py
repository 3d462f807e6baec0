"""CI gates: ``--fail-on`` conditions evaluated against an audit, e.g. ``cutoff<2024-01``.

A condition is ``METRIC OP VALUE`` with OP one of ``< <= > >= = !=``. A gate *fails* when its
condition holds for a model (``recency_accuracy<0.6`` fails a model whose accuracy is 0.55).
A metric the audit could not measure (no cutoff estimate, no drift section, a value that is not
a number) fails the gate too, so a pipeline never passes by omission; the reason says so.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from alignaudit._util.errors import UsageError, UserError
from alignaudit._util.frozen import Frozen
from alignaudit._util.safe_yaml import read_yaml
from alignaudit.judge.metrics import METRICS, MetricKind, read, threshold_value

if TYPE_CHECKING:
    from alignaudit.result import ModelAudit

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt, "=": operator.eq,
}
CONDITION = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|!=|<|>|=)\s*([^\s]+)\s*$")


class Gate(Frozen):
    """One parsed condition."""

    text: str = Field(description="The condition as written.")
    metric: str = Field(description="Metric name.")
    op: str = Field(description="Comparison operator.")
    value: str = Field(description="Threshold as written.")


class GateResult(Frozen):
    """A gate checked against one model."""

    gate: str = Field(description="The condition as written.")
    model: str = Field(description="Display name of the model.")
    measured: str | None = Field(description="The metric's value, as text; None if unmeasured.")
    failed: bool = Field(description="The condition holds (or the metric is missing).")
    reason: str = Field(description="One sentence for the page and the summary.")


def parse(condition: str) -> Gate:
    """Parse one ``--fail-on`` condition; a UsageError says what is wrong."""
    match = CONDITION.match(condition)
    if not match:
        raise UsageError(
            f"--fail-on {condition!r}: write METRIC OP VALUE, e.g. 'recency_accuracy<0.6', "
            f"'cutoff<2024-01' or 'drift=high'. Metrics: {', '.join(METRICS)}."
        )
    metric, op, value = match.groups()
    if metric not in METRICS:
        raise UsageError(f"--fail-on {condition!r}: unknown metric `{metric}`. "
                         f"Metrics: {', '.join(METRICS)}.")
    _threshold(METRICS[metric].kind, value, condition)
    return Gate(text=condition.strip(), metric=metric, op=op, value=value)


def _threshold(kind: MetricKind, value: str, condition: str) -> float:
    try:
        return threshold_value(kind, value)
    except (ValueError, KeyError):
        expected = {"date": "a date YYYY[-MM[-DD]]", "level": "low, moderate or high",
                    "number": "a number"}[kind]
        raise UsageError(f"--fail-on {condition!r}: {value!r} is not {expected}.") from None


def load_policy(path: Path) -> list[str]:
    """Conditions from a policy YAML file: ``fail_on: [cond, ...]``.

    Read with the one safe YAML loader (a duplicate ``fail_on:`` is an error, not a silent
    override); a policy must list at least one condition, each a string, so that a policy file
    can never switch the gates off by accident. Conditions are checked by :func:`parse` later
    (a bad one is a usage error naming ``--fail-on``).
    """
    doc = read_yaml(Path(path), f"--policy {path}")
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("fail_on"), list):
        raise UserError(f"--policy {path}: expected a mapping with a list `fail_on:` of "
                        "conditions such as 'recency_accuracy<0.6'.")
    extra = sorted(str(k) for k in data if k != "fail_on")
    if extra:
        raise UserError(f"--policy {path}:{doc.line([extra[0]])}: unknown key `{extra[0]}`; a "
                        "policy holds only `fail_on:` (a list of conditions).")
    conditions = data["fail_on"]
    if not conditions:
        raise UserError(f"--policy {path}:{doc.line(['fail_on'])}: `fail_on:` lists no "
                        "condition, so no gate would run. Add conditions such as "
                        "'recency_accuracy<0.6', or drop --policy.")
    for i, condition in enumerate(conditions):
        if not isinstance(condition, str):
            raise UserError(f"--policy {path}:{doc.line(['fail_on', i])}: condition {i + 1} is "
                            f"not text ({condition!r}); write it as METRIC OP VALUE, e.g. "
                            "'recency_accuracy<0.6'.")
    return list(conditions)


def check(gates: Sequence[Gate], audits: Sequence[ModelAudit]) -> list[GateResult]:
    """Evaluate every gate against every model."""
    results = []
    for audit in audits:
        for gate in gates:
            reading = read(audit, gate.metric)
            name = audit.model.display_name
            if reading is None or not math.isfinite(reading.value):  # NaN compares false
                results.append(GateResult(
                    gate=gate.text, model=name, measured=None, failed=True,
                    reason=f"{gate.metric} was not measured for {name}, so the gate cannot pass."))
                continue
            shown = reading.shown
            failed = OPS[gate.op](reading.value,
                                  _threshold(METRICS[gate.metric].kind, gate.value, gate.text))
            verb = "fails" if failed else "passes"
            results.append(GateResult(
                gate=gate.text, model=name, measured=shown, failed=failed,
                reason=f"{name} {verb} `{gate.text}`: {gate.metric} is {shown}."))
    return results
