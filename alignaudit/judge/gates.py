"""CI gates: ``--fail-on`` conditions evaluated against an audit, e.g. ``cutoff<2024-01``.

A condition is ``METRIC OP VALUE`` with OP one of ``< <= > >= = !=``. A gate *fails* when its
condition holds for a model (``recency_accuracy<0.6`` fails a model whose accuracy is 0.55).
A metric the audit could not measure (no cutoff estimate, no drift section, a value that is not
a number) fails the gate too, so a pipeline never passes by omission; the reason says so.

``delta.METRIC`` compares the run with a saved baseline run (``--baseline``): the value is the
model's metric minus the baseline's (a date in years, a drift level in ranks), so
``delta.recency_accuracy<-0.02`` fails a fine-tune that knows 2 points less than its base.
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
CONDITION = re.compile(r"^\s*((?:delta\.)?[a-z_]+)\s*(<=|>=|!=|<|>|=)\s*([^\s]+)\s*$")
DELTA = "delta."


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
    base = metric.removeprefix(DELTA)
    if base not in METRICS:
        raise UsageError(f"--fail-on {condition!r}: unknown metric `{base}`. "
                         f"Metrics: {', '.join(METRICS)} (each also as delta.METRIC against "
                         "--baseline).")
    _threshold("number" if metric.startswith(DELTA) else METRICS[base].kind, value, condition)
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


def _delta(gate: Gate, audit: ModelAudit, baseline: ModelAudit | None) -> GateResult:
    """A ``delta.`` gate: the model's metric minus the baseline's."""
    name, metric = audit.model.display_name, gate.metric.removeprefix(DELTA)
    if baseline is None:
        return GateResult(gate=gate.text, model=name, measured=None, failed=True,
                          reason=f"`{gate.text}` needs --baseline, so the gate cannot pass.")
    mine, theirs = read(audit, metric), read(baseline, metric)
    other = baseline.model.display_name
    if mine is not None and not math.isfinite(mine.value):  # NaN compares false
        mine = None
    if theirs is not None and not math.isfinite(theirs.value):
        theirs = None
    if mine is None or theirs is None:
        missing = name if mine is None else f"the baseline {other}"
        return GateResult(gate=gate.text, model=name, measured=None, failed=True,
                          reason=f"{metric} was not measured for {missing}, so `{gate.text}` "
                          "cannot pass.")
    delta = mine.value - theirs.value
    unit = " years" if METRICS[metric].kind == "date" else ""
    shown = f"{delta:+.3f}{unit}"
    failed = OPS[gate.op](delta, _threshold("number", gate.value, gate.text))
    verb = "fails" if failed else "passes"
    return GateResult(gate=gate.text, model=name, measured=shown, failed=failed,
                      reason=f"{name} {verb} `{gate.text}`: {metric} is {mine.shown} against "
                      f"{theirs.shown} for the baseline {other} ({shown}).")


def check(gates: Sequence[Gate], audits: Sequence[ModelAudit],
          baseline: ModelAudit | None = None) -> list[GateResult]:
    """Evaluate every gate against every model (``delta.`` gates against ``baseline``)."""
    results = []
    for audit in audits:
        for gate in gates:
            if gate.metric.startswith(DELTA):
                results.append(_delta(gate, audit, baseline))
                continue
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
