"""Every pair of models compared on what both measured: reads the models' audits and builds
the :class:`~alignaudit.compare.verdict.PairComparison` of each pair."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from alignaudit.compare.accuracy import difference, grouped, paired_facts
from alignaudit.compare.dates import (
    DateDifference,
    believed_difference,
    cutoff_difference,
)
from alignaudit.compare.documents import (
    PerplexityRatio,
    TermOverlap,
    perplexity_ratio,
    term_overlap,
)
from alignaudit.compare.verdict import (
    Comparison,
    PairComparison,
    accuracy_finding,
    date_finding,
    perplexity_finding,
)
from alignaudit.recency.cutoff import DatedScores
from alignaudit.recency.section import preferences

if TYPE_CHECKING:
    from alignaudit.config import RunConfig
    from alignaudit.recency.cutoff import CutoffEstimate
    from alignaudit.result import ModelAudit

N_BOOT = 200
"""Joint resamples for the cutoff difference (each re-estimates both cutoffs)."""


def _documents(x: ModelAudit, y: ModelAudit, same_data: bool
               ) -> tuple[PerplexityRatio | None, TermOverlap | None, tuple | None]:
    if not same_data or x.drift is None or y.drift is None:
        return None, None, None
    px, py = x.drift.perplexity, y.drift.perplexity
    ratio = perplexity_ratio(px.user_perplexities, py.user_perplexities) \
        if px is not None and py is not None else None
    tx, ty = x.drift.novel_terms, y.drift.novel_terms
    overlap = term_overlap([t.term for t in tx.terms], [t.term for t in ty.terms]) \
        if tx is not None and ty is not None else None
    dx, dy = x.drift.dated_perplexity, y.drift.dated_perplexity
    docs = None
    if dx is not None and dy is not None and dx.dates and dx.dates == dy.dates:
        docs = (DatedScores.from_perplexity(dx.dates, dx.values).signal(),
                DatedScores.from_perplexity(dy.dates, dy.values).signal())
    return ratio, overlap, docs


def _dates(x: ModelAudit, y: ModelAudit, pairs: list, docs: tuple | None, seed: int,
           n_boot: int) -> tuple[DateDifference | None, DateDifference | None]:
    names = (x.model.display_name, y.model.display_name)
    rx, ry = x.recency, y.recency
    cut = None
    if rx is not None and ry is not None and rx.cutoff is not None and ry.cutoff is not None:
        shown = (rx.cutoff.cutoff_label or "no estimate", ry.cutoff.cutoff_label or "no estimate")
        rng = np.random.default_rng([seed, 7])
        shared = _suites_both_date(rx.cutoff, ry.cutoff)
        if "no estimate" in shown and shared:  # compare on the suites that date both models
            own = {(s.name, i): s.label_date for i, c in enumerate((rx.cutoff, ry.cutoff))
                   for s in c.signals}
            label = " and ".join(f"the {n} facts" for n in shared)
            shown = tuple(", ".join(own[(n, i)] for n in shared) for i in (0, 1))  # type: ignore[assignment]
            cut = cutoff_difference([p for p in pairs if p[0].suite in shared], None, names,
                                    shown, rng, n_boot)
            cut = cut.model_copy(update={"what": f"cutoff on {label}"})
        else:
            cut = cutoff_difference(pairs, docs, names, shown, rng, n_boot)
    bel = None
    if rx is not None and ry is not None and rx.believed is not None and ry.believed is not None:
        bel = believed_difference(preferences(x.probes), preferences(y.probes),
                                  rx.believed.now, np.random.default_rng([seed, 8]))
    return cut, bel


def same_documents(*configs: RunConfig) -> bool:
    """Runs read the same documents through their models (same --data options and seed), so
    their per-document perplexities pair up."""
    return all(c.data == configs[0].data and c.seed == configs[0].seed for c in configs)


def _suites_both_date(a: CutoffEstimate, b: CutoffEstimate) -> list[str]:
    """Suites whose facts alone give each model a cutoff."""
    dated = [{s.name for s in c.signals if s.kind == "probes" and s.status == "estimate"}
             for c in (a, b)]
    return sorted(dated[0] & dated[1])


def compare_pair(x: ModelAudit, y: ModelAudit, seed: int, same_data: bool = True,
                 baseline: bool = False, n_boot: int = N_BOOT) -> PairComparison:
    """Model ``x`` against model ``y`` on everything both measured (``n_boot`` joint resamples
    for the cutoff difference)."""
    a, b = x.model.display_name, y.model.display_name
    pairs = paired_facts(x.probes, y.probes)
    overall = difference("all", "all", pairs) if pairs else None
    ratio, overlap, docs = _documents(x, y, same_data)
    cut, bel = _dates(x, y, pairs, docs, seed, n_boot)
    findings = [accuracy_finding(overall, a, b)] if overall is not None else []
    findings += [date_finding(d, a, b) for d in (cut, bel) if d is not None]
    if ratio is not None:
        findings.append(perplexity_finding(ratio, a, b))
    return PairComparison(a=a, b=b, baseline=baseline, overall=overall, groups=grouped(pairs),
                          cutoff=cut, believed=bel, perplexity=ratio, novel_terms=overlap,
                          findings=findings)


def compare_models(audits: list[ModelAudit], seed: int, n_boot: int = N_BOOT,
                   same_data: bool = True) -> Comparison | None:
    """Every pair of the models (None for a single model); ``same_data``: they read the same
    documents, so their perplexities pair."""
    if len(audits) < 2:
        return None
    return Comparison(pairs=[compare_pair(audits[i], audits[j], seed, same_data, n_boot=n_boot)
                             for i in range(len(audits)) for j in range(i + 1, len(audits))])
