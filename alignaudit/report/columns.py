"""The columns of a page: one per model of every result rendered, with its verdict.

A single audit has one column; a comparison has one per model, each keeping the numbers of its
own results.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alignaudit.judge.metrics import generation_only
from alignaudit.judge.verdict import Thresholds, VerdictLine, verdict
from alignaudit.report.charts import PALETTE
from alignaudit.result import AuditResult, Measurement, ModelAudit


@dataclass(frozen=True)
class Column:
    """One model on the page: its audit, the run it came from, its label, colour and verdict."""

    key: str
    label: str
    colour: str
    run_index: int
    audit: ModelAudit
    measurement: Measurement | None
    verdict: list[VerdictLine]

    @property
    def lines(self) -> dict[str, VerdictLine]:
        return {line.question: line for line in self.verdict}

    @property
    def generation_only(self) -> str | None:
        """Why this model was scored by generation only (``chat mode, ...``), or None."""
        return generation_only(self.audit)

    @property
    def has_changing(self) -> bool:
        return any(p.kind == "changing" for p in self.audit.probes)


def columns(runs: Sequence[AuditResult], thresholds: Thresholds) -> list[Column]:
    pairs = [(i, r, a) for i, r in enumerate(runs) for a in r.models]
    names = [a.model.display_name for _, _, a in pairs]
    out = []
    for n, (i, run, audit) in enumerate(pairs):
        label = names[n] if names.count(names[n]) == 1 else f"{names[n]} (run {i + 1})"
        if names.count(names[n]) > 1 and len(runs) == 1:
            label = f"{names[n]} #{n + 1}"
        out.append(Column(key=f"m{n + 1}", label=label, colour=PALETTE[n % len(PALETTE)],
                          run_index=i, audit=audit,
                          measurement=run.runtime.models.get(audit.model.spec),
                          verdict=verdict(audit, thresholds)))
    return out
