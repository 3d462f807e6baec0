"""CI gates: ``--fail-on`` conditions evaluated against an audit, e.g. ``cutoff<2024-01``.

A condition is ``METRIC OP VALUE`` with OP one of ``< <= > >= = !=``. A gate *fails* when its
condition holds for a model (``recency_accuracy<0.6`` fails a model whose accuracy is 0.55).
A metric the audit could not measure (no cutoff estimate, no drift section) fails the gate too,
so a pipeline never passes by omission; the reason says so.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from alignaudit._util.errors import UsageError, UserError
from alignaudit._util.frozen import Frozen

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le, ">=": operator.ge, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt, "=": operator.eq,
}
CONDITION = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|!=|<|>|=)\s*([^\s]+)\s*$")
DRIFT_LEVELS = {"low": 0, "moderate": 1, "high": 2}


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


def _date_number(text: str) -> float:
    """The start of the period a threshold date names: `2024-01` is 2024.0, `2021` is 2021.0."""
    import datetime as dt

    from alignaudit.recency.suites import check_date

    parts = [int(p) for p in check_date(text).split("-")] + [1, 1]
    day = dt.date(parts[0], parts[1], parts[2])
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def _cutoff(audit: Any) -> tuple[float | None, str | None]:
    cut = audit.recency.cutoff if audit.recency else None
    if cut is None or cut.cutoff is None:
        return None, None
    return cut.cutoff, cut.cutoff_label


def _accuracy(audit: Any) -> tuple[float | None, str | None]:
    overall = audit.recency.overall if audit.recency else None
    return (None, None) if overall is None else (overall.accuracy, f"{overall.accuracy:.3f}")


def _confabulation(audit: Any) -> tuple[float | None, str | None]:
    conf = audit.recency.confabulation if audit.recency else None
    if conf is None or conf.rate is None:
        return None, None
    return conf.rate, f"{conf.rate:.3f}"


def _believed(audit: Any) -> tuple[float | None, str | None]:
    bel = audit.recency.believed if audit.recency else None
    if bel is None or bel.believed_year is None:
        return None, None
    return float(bel.believed_year), str(bel.believed_year)


def _drift(audit: Any) -> tuple[float | None, str | None]:
    level = getattr(audit.drift, "level", None) if audit.drift is not None else None
    return (None, None) if level is None else (float(DRIFT_LEVELS[level]), level)


def _novel_terms(audit: Any) -> tuple[float | None, str | None]:
    found = getattr(audit.drift, "novel_terms", None) if audit.drift is not None else None
    count = getattr(found, "n_novel", None)
    if count is None:  # a plain list of terms
        count = None if found is None else len(getattr(found, "terms", found))
    return (None, None) if count is None else (float(count), str(count))


METRICS: dict[str, tuple[Callable[[Any], tuple[float | None, str | None]], str]] = {
    "cutoff": (_cutoff, "date"),
    "recency_accuracy": (_accuracy, "number"),
    "confabulation": (_confabulation, "number"),
    "believed_year": (_believed, "number"),
    "drift": (_drift, "level"),
    "novel_terms": (_novel_terms, "number"),
}


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
    _threshold(METRICS[metric][1], value, condition)
    return Gate(text=condition.strip(), metric=metric, op=op, value=value)


def _threshold(kind: str, value: str, condition: str) -> float:
    try:
        if kind == "date":
            return _date_number(value)
        if kind == "level":
            return float(DRIFT_LEVELS[value])
        return float(value)
    except (ValueError, KeyError):
        expected = {"date": "a date YYYY[-MM[-DD]]", "level": "low, moderate or high",
                    "number": "a number"}[kind]
        raise UsageError(f"--fail-on {condition!r}: {value!r} is not {expected}.") from None


def load_policy(path: Path) -> list[str]:
    """Conditions from a policy YAML file: ``fail_on: [cond, ...]``."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"--policy {path}: no such file.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"--policy {path}: not valid YAML ({exc}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("fail_on"), list):
        raise UserError(f"--policy {path}: expected a mapping with a list `fail_on:` of "
                        "conditions such as 'recency_accuracy<0.6'.")
    return [str(c) for c in data["fail_on"]]


def check(gates: Sequence[Gate], audits: Sequence[Any]) -> list[GateResult]:
    """Evaluate every gate against every model."""
    results = []
    for audit in audits:
        for gate in gates:
            getter, kind = METRICS[gate.metric]
            value, shown = getter(audit)
            name = audit.model.display_name
            if value is None:
                results.append(GateResult(
                    gate=gate.text, model=name, measured=None, failed=True,
                    reason=f"{gate.metric} was not measured for {name}, so the gate cannot pass."))
                continue
            failed = OPS[gate.op](value, _threshold(kind, gate.value, gate.text))
            verb = "fails" if failed else "passes"
            results.append(GateResult(
                gate=gate.text, model=name, measured=shown, failed=failed,
                reason=f"{name} {verb} `{gate.text}`: {gate.metric} is {shown}."))
    return results
