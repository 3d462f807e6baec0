"""What a tracker run holds, decided once for every tracker: one :class:`TrackedRun` per model.

Several models in one audit give one tracker run each (not nested runs): both trackers compare
runs side by side in their run tables, which is what a multi-model audit is for, and every run
carries the same ``audit`` id (a tag in MLflow, the group in W&B) and the same files, so the
comparison page is one click from each of them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.judge.metrics import METRICS
from alignaudit.judge.verdict import verdict, worst
from alignaudit.result import AuditResult, ModelAudit

FILES = ("report.html", "results.json", "summary.md")
"""The audit's files, logged as artifacts of every run (those present in the folder)."""
MAX_PARAM = 500
"""Longest parameter value kept (MLflow refused longer ones before 2.x; the command can be long)."""


class Point(Frozen):
    """One value of a series: accuracy of one event year."""

    step: int = Field(description="The event year (a tracker's x axis).")
    value: float = Field(description="The value at that year.")


class TrackedRun(Frozen):
    """Everything logged for one model of an audit, in terms every tracker understands."""

    name: str = Field(description="Run name: the model's display name (numbered if repeated).")
    audit: str = Field(description="Id shared by the runs of one audit (its models).")
    params: dict[str, str] = Field(description="The run's settings, flattened, as text.")
    metrics: dict[str, float] = Field(description="Headline numbers: the gates' metrics, their "
                                      "interval ends (_low, _high), counts and drift figures.")
    series: dict[str, list[Point]] = Field(description="Per event year: accuracy, its interval "
                                           "ends and the number of facts.")
    tags: dict[str, str] = Field(description="Verdict status overall and per question, gates.")
    files: list[Path] = Field(description="report.html, results.json, summary.md.")


def tracked_runs(result: AuditResult, folder: Path) -> list[TrackedRun]:
    """One run per model of ``result``, whose files were written to ``folder``."""
    names = [a.model.display_name for a in result.models]
    files = [folder / name for name in FILES if (folder / name).is_file()]
    shared = _config_params(result)
    audit = audit_id(result)
    runs = []
    for i, model in enumerate(result.models):
        name = names[i] if names.count(names[i]) == 1 else f"{names[i]} #{i + 1}"
        runs.append(TrackedRun(
            name=name, audit=audit, params={**shared, **_model_params(model)},
            metrics=headline(model), series=by_year(model), tags=_tags(result, model),
            files=files))
    return runs


def audit_id(result: AuditResult) -> str:
    """A short id of one audit: its start time and configuration (the same result, the same id)."""
    text = result.runtime.started_at + result.config.model_dump_json()
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)[:MAX_PARAM]


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested settings as ``data.text_column``-style names; unset values (None, empty) are left
    out."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        elif value is not None and value != [] and value != "":
            out[f"{prefix}{key}"] = _text(value)
    return out


def _config_params(result: AuditResult) -> dict[str, str]:
    """The run configuration as results.json keeps it (flat), plus the suites and the tool."""
    params = flatten(result.config.model_dump(mode="json"))
    params.pop("models", None)  # each run is one model: see the model.* parameters
    for suite in result.suites:
        params[f"suite.{suite.name}"] = f"v{suite.version} ({suite.n_probes} probes)"
    params["alignaudit_version"] = result.tool_version
    return params


def _model_params(model: ModelAudit) -> dict[str, str]:
    info = model.model
    keep = ("spec", "display_name", "source", "backend", "revision", "architecture",
            "n_parameters", "dtype", "device", "claimed_cutoff")
    return flatten(info.model_dump(mode="json", include=set(keep)), "model.")


def headline(model: ModelAudit) -> dict[str, float]:
    """The metric table the verdict and the gates read (a date as a decimal year, a drift level
    as its rank), with interval ends, and the counts and drift figures behind them."""
    out: dict[str, float] = {}
    for name, metric in METRICS.items():
        reading = metric.read(model)
        if reading is None:
            continue
        out[name] = reading.value
        if reading.low is not None:
            out[f"{name}_low"] = reading.low
        if reading.high is not None:
            out[f"{name}_high"] = reading.high
    rec = model.recency
    if rec is not None and rec.overall is not None:
        out["recency_facts"] = float(rec.overall.n)
        out["recency_chance"] = rec.overall.chance
    if rec is not None and rec.confabulation is not None:
        out["confabulation_controls"] = float(rec.confabulation.n_controls)
    out.update(_drift_figures(model))
    return out


def _drift_figures(model: ModelAudit) -> dict[str, float]:
    """Effect sizes and tests of the drift section (a p-value alone says little: see DESIGN)."""
    drift = model.drift
    if drift is None:
        return {}
    stats = drift.stats
    out = {"drift_documents": float(stats.n_current), "drift_reference_documents":
           float(stats.n_reference),
           "drift_out_of_domain_share": stats.novelty.out_of_domain_share,
           "drift_centroid_cosine_distance": stats.effect_sizes.centroid_cosine_distance,
           "drift_frechet_distance": stats.effect_sizes.frechet_distance}
    for test in stats.tests:
        out[f"drift_{test.name}_p_value"] = test.p_value
        out[f"drift_{test.name}_effect_size"] = test.effect_size
    if drift.perplexity is not None:
        out["perplexity_median"] = drift.perplexity.user.median
        out["perplexity_reference_median"] = drift.perplexity.reference.median
        out["perplexity_median_ratio"] = drift.perplexity.median_ratio
    return out


def by_year(model: ModelAudit) -> dict[str, list[Point]]:
    """Accuracy per event year, with its interval and count, keyed by the year (an integer step,
    which both trackers plot as the x axis)."""
    rows = model.recency.by_year if model.recency is not None else []
    years = [(int(row.start), row) for row in rows]
    return {} if not years else {
        "accuracy_by_year": [Point(step=y, value=r.accuracy) for y, r in years],
        "accuracy_by_year_low": [Point(step=y, value=r.ci_low) for y, r in years],
        "accuracy_by_year_high": [Point(step=y, value=r.ci_high) for y, r in years],
        "facts_by_year": [Point(step=y, value=float(r.n)) for y, r in years],
    }


def _tags(result: AuditResult, model: ModelAudit) -> dict[str, str]:
    lines = verdict(model)
    tags: dict[str, str] = {"verdict": worst(lines)}
    tags.update({f"verdict.{line.question}": line.status for line in lines})
    gates = [g for g in result.gates if g.model == model.model.display_name]
    if gates:
        tags["gates"] = "failed" if any(g.failed for g in gates) else "passed"
    return tags
