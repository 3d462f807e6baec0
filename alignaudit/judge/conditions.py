"""The syntax of a ``--fail-on`` condition (``METRIC OP VALUE``, or ``delta.METRIC OP VALUE``
against a baseline), the metrics it may name and how a threshold is read, and the result of a
checked gate. No model or result is read here, so the configuration can check a condition and a
saved result can hold a gate's outcome without importing the metric table
(:mod:`alignaudit.judge.metrics`) that reads results.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field

from alignaudit._util.dates import date_start_fraction
from alignaudit._util.errors import UsageError
from alignaudit._util.frozen import Frozen

MetricKind = Literal["date", "number", "level"]
DRIFT_LEVELS = ("low", "moderate", "high")
"""Drift levels, least first: a level's rank is its index."""
METRIC_KINDS: dict[str, tuple[MetricKind, str]] = {
    "cutoff": ("date", "Effective knowledge cutoff (a date)."),
    "recency_accuracy": ("number", "Accuracy on dated facts (0 to 1)."),
    "confabulation": ("number", "Share of fabricated events 'recognised'."),
    "believed_year": ("number", "The year whose world the answers match."),
    "drift": ("level", "Drift level: low, moderate or high."),
    "novel_terms": ("number", "Terms in your data new to the model."),
    "monthly_cost": ("number", "$/month at --volume, the cheaper of self-hosted and API."),
    "monthly_cost_self_hosted": ("number", "$/month at --volume on --price-per-hour hardware."),
    "monthly_cost_api": ("number", "$/month at --volume at --api-price."),
}
"""Every metric a gate may name: its kind and what it is (the table that reads them from an
audit, :data:`alignaudit.judge.metrics.METRICS`, has the same names)."""

# The data-alignment figures (the model's view of the user's data; the out-of-domain share is
# the embedding evidence beside it). Bands calibrated on real text: docs/alignment.md.
METRIC_KINDS.update({
    "perplexity_ratio": ("number", "Median perplexity on your data / on the reference."),
    "novel_term_share": ("number", "Share of your documents holding a term new to the model "
                         "(0 to 1)."),
    "fertility_ratio": ("number", "Tokens per word on your data / on the reference."),
    "out_of_domain_share": ("number", "Share of your documents out of the reference's domain "
                            "(embedding evidence, 0 to 1)."),
})

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
            f"'cutoff<2024-01' or 'drift=high'. Metrics: {', '.join(METRIC_KINDS)}."
        )
    metric, op, value = match.groups()
    base = metric.removeprefix(DELTA)
    if base not in METRIC_KINDS:
        raise UsageError(f"--fail-on {condition!r}: unknown metric `{base}`. "
                         f"Metrics: {', '.join(METRIC_KINDS)} (each also as delta.METRIC against "
                         "--baseline).")
    threshold("number" if metric.startswith(DELTA) else METRIC_KINDS[base][0], value, condition)
    return Gate(text=condition.strip(), metric=metric, op=op, value=value)


def threshold(kind: MetricKind, value: str, condition: str) -> float:
    """The threshold of ``condition`` as a number; a UsageError says what it should be."""
    try:
        return threshold_value(kind, value)
    except (ValueError, KeyError):
        expected = {"date": "a date YYYY[-MM[-DD]]", "level": "low, moderate or high",
                    "number": "a number"}[kind]
        raise UsageError(f"--fail-on {condition!r}: {value!r} is not {expected}.") from None


def threshold_value(kind: MetricKind, text: str) -> float:
    """A threshold as written in a gate, as the number a :class:`Reading` compares with.

    A date is the start of the period it names (``2024-01`` is 2024.0); a level is its rank; a
    number must be finite. Raises ``ValueError`` or ``KeyError`` when ``text`` does not fit.
    """
    if kind == "date":
        return date_start_fraction(text)
    if kind == "level":
        return float(DRIFT_LEVELS.index(text)) if text in DRIFT_LEVELS else _no_level(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _no_level(text: str) -> float:
    raise KeyError(text)
