"""The comparison a page shows: stored with a run (several models, or --baseline), or computed
here when several saved runs are rendered together."""

from __future__ import annotations

from collections.abc import Sequence

from alignaudit.compare.pairs import compare_models, same_documents
from alignaudit.compare.verdict import Comparison
from alignaudit.result import AuditResult


def comparison_for(runs: Sequence[AuditResult]) -> Comparison | None:
    """The comparison of the models on the page (None for one model without a baseline)."""
    if len(runs) == 1:
        return runs[0].comparison
    audits = [m for run in runs for m in run.models if m.probes or m.drift]
    first = runs[0].config
    return compare_models(audits, first.seed, same_data=same_documents(*(r.config for r in runs)))
