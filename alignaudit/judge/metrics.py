"""The one table of metrics a run produces for each model.

The verdict at the top of the report and the ``--fail-on`` gates both read a model's numbers
here, and only here, so a metric means the same thing on the page and in CI. Each metric says
how to read it from a model's audit (a :class:`Reading`, or None when it was not measured) and
how a threshold for it is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.judge.conditions import DRIFT_LEVELS, METRIC_KINDS, MetricKind, threshold_value

if TYPE_CHECKING:  # the table reads results; results import only judge.conditions
    from alignaudit.result import ModelAudit

__all__ = ["DRIFT_LEVELS", "METRICS", "Metric", "Reading", "generation_only", "read",
           "threshold_value"]


class Reading(Frozen):
    """One metric of one model, as measured."""

    value: float = Field(description="The number thresholds compare with: a date as a "
                         "fractional year, a drift level as its rank (low 0, moderate 1, high 2).")
    shown: str = Field(description="The value as the page and gate messages print it.")
    low: float | None = Field(default=None, description="Low end of its interval, if any.")
    high: float | None = Field(default=None, description="High end of its interval, if any.")
    detail: str = Field(default="", description="What decided it (e.g. the drift statistic).")


@dataclass(frozen=True)
class Metric:
    """A named number of an audit: how to read it and how its thresholds are written."""

    name: str
    kind: MetricKind
    description: str
    read: Callable[[ModelAudit], Reading | None]


def _cutoff(audit: ModelAudit) -> Reading | None:
    cut = audit.recency.cutoff if audit.recency else None
    if cut is None or cut.cutoff is None:
        return None
    return Reading(value=cut.cutoff, shown=cut.cutoff_label or "", low=cut.ci_low,
                   high=cut.ci_high)


def _accuracy(audit: ModelAudit) -> Reading | None:
    overall = audit.recency.overall if audit.recency else None
    if overall is None or overall.n == 0:
        return None
    return Reading(value=overall.accuracy, shown=f"{overall.accuracy:.3f}", low=overall.ci_low,
                   high=overall.ci_high)


def _confabulation(audit: ModelAudit) -> Reading | None:
    conf = audit.recency.confabulation if audit.recency else None
    if conf is None or conf.rate is None:
        return None
    return Reading(value=conf.rate, shown=f"{conf.rate:.3f}", low=conf.ci_low, high=conf.ci_high)


def _believed(audit: ModelAudit) -> Reading | None:
    bel = audit.recency.believed if audit.recency else None
    if bel is None or bel.believed_year is None:
        return None
    return Reading(value=float(bel.believed_year), shown=str(bel.believed_year),
                   low=bel.interval_low, high=bel.interval_high)


def _drift(audit: ModelAudit) -> Reading | None:
    if audit.drift is None or audit.drift.level not in DRIFT_LEVELS:
        return None
    level = audit.drift.level
    return Reading(value=float(DRIFT_LEVELS.index(level)), shown=level,
                   detail=audit.drift.stats.level.decided_by)


def _novel_terms(audit: ModelAudit) -> Reading | None:
    found = audit.drift.novel_terms if audit.drift is not None else None
    return None if found is None else Reading(value=float(found.n_novel), shown=str(found.n_novel))


def _cost(which: str) -> Callable[[ModelAudit], Reading | None]:
    """A monthly cost of the hosting section (``monthly_cost``: the cheaper known bill)."""

    def read_cost(audit: ModelAudit) -> Reading | None:
        if audit.hosting is None:
            return None
        figure = getattr(audit.hosting, which)
        if figure.value is None:
            return None
        where = "" if which != "monthly_cost" else (
            " (self-hosted)" if figure is audit.hosting.self_hosted else " (API)")
        return Reading(value=figure.value, shown=f"${figure.value:,.2f}/month{where}",
                       detail="; ".join(figure.assumptions))

    return read_cost


READERS: dict[str, Callable[[ModelAudit], Reading | None]] = {
    "cutoff": _cutoff, "recency_accuracy": _accuracy, "confabulation": _confabulation,
    "believed_year": _believed, "drift": _drift, "novel_terms": _novel_terms,
    "monthly_cost": _cost("monthly_cost"), "monthly_cost_self_hosted": _cost("self_hosted"),
    "monthly_cost_api": _cost("api"),
}


# ------------------------------------------------------------------ data alignment
def _perplexity_ratio(audit: ModelAudit) -> Reading | None:
    ppl = audit.drift.perplexity if audit.drift is not None else None
    if ppl is None:
        return None
    low, high = ppl.ratio_ci
    return Reading(value=ppl.median_ratio, shown=f"{ppl.median_ratio:.2f}", low=low, high=high,
                   detail=f"95% CI {low:.2f}-{high:.2f}")


def _novel_term_share(audit: ModelAudit) -> Reading | None:
    found = audit.drift.novel_terms if audit.drift is not None else None
    share = found.novel_doc_share if found is not None else None
    return None if share is None else Reading(value=share, shown=f"{share:.3f}",
                                              detail=f"{found.n_novel} terms" if found else "")


def _fertility_ratio(audit: ModelAudit) -> Reading | None:
    fert = audit.drift.fertility if audit.drift is not None else None
    return None if fert is None else Reading(value=fert.ratio, shown=f"{fert.ratio:.2f}")


def _out_of_domain_share(audit: ModelAudit) -> Reading | None:
    if audit.drift is None:
        return None
    nov = audit.drift.stats.novelty
    return Reading(value=nov.out_of_domain_share, shown=f"{nov.out_of_domain_share:.3f}",
                   low=nov.share_ci_low, high=nov.share_ci_high)


READERS.update({"perplexity_ratio": _perplexity_ratio, "novel_term_share": _novel_term_share,
                "fertility_ratio": _fertility_ratio, "out_of_domain_share": _out_of_domain_share})
METRICS: dict[str, Metric] = {name: Metric(name, kind, description, READERS[name])
                              for name, (kind, description) in METRIC_KINDS.items()}
"""Every metric: its name, kind and description (from :mod:`alignaudit.judge.conditions`) and
how it is read from an audit."""


def read(audit: ModelAudit, name: str) -> Reading | None:
    """Metric ``name`` of one model's audit, or None when it was not measured."""
    return METRICS[name].read(audit)


def generation_only(audit: ModelAudit) -> str | None:
    """Why a model's probes were scored by their generations only, in the words every surface
    (page, summary, terminal) uses: the backend's reason, prefixed ``chat mode, `` for a model
    used through /v1/chat/completions; a result whose probes were all scored by generation
    without a recorded reason gets a generic one. None when they were scored by likelihood."""
    info, probes = audit.model, audit.probes
    reason = info.generation_only
    if reason is None and not (probes and all(p.scoring == "generation" for p in probes)):
        return None
    reason = reason or "the server gave no prompt log-probabilities"
    return f"chat mode, {reason}" if info.api == "chat" else reason
