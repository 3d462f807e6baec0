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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from alignaudit._util.errors import UserError
from alignaudit._util.safe_yaml import read_yaml
from alignaudit.judge.conditions import DELTA, Gate, GateResult, parse, threshold
from alignaudit.judge.metrics import METRICS, read

if TYPE_CHECKING:
    from alignaudit.result import ModelAudit

__all__ = ["Gate", "GateResult", "check", "load_policy", "parse"]

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt, "=": operator.eq,
}
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
    failed = OPS[gate.op](delta, threshold("number", gate.value, gate.text))
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
                                  threshold(METRICS[gate.metric].kind, gate.value, gate.text))
            verb = "fails" if failed else "passes"
            results.append(GateResult(
                gate=gate.text, model=name, measured=shown, failed=failed,
                reason=f"{name} {verb} `{gate.text}`: {gate.metric} is {shown}."))
    return results
