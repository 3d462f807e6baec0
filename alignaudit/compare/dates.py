"""The difference of two models' cutoffs and of their believed years, with intervals from
resampling the probes jointly: each replicate draws the same probes (and the same dated
documents) for both models, so what the two models share cancels out of the difference."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import Field

from alignaudit._util.dates import date_span, date_to_year_fraction
from alignaudit._util.frozen import Frozen
from alignaudit.compare.stats import percentile_interval
from alignaudit.recency.believed import FactPreference, best_year_index, year_matrix
from alignaudit.recency.changepoint import CutoffSettings, collect_evidence, estimate_from_evidence
from alignaudit.recency.scoring import ProbeResult
from alignaudit.recency.signals import DocumentScores, ProbeOutcomes, Signal

CONFIDENCE = 0.95


class DateDifference(Frozen):
    """Model A's date minus model B's, in years, with a paired-resampling interval."""

    what: str = Field(description="cutoff or believed year.")
    a: str = Field(description="Model A's date as the page shows it.")
    b: str = Field(description="Model B's date as the page shows it.")
    difference: float | None = Field(description="A minus B in years; None when not comparable.")
    ci_low: float | None = Field(default=None, description="Low end of the 95% interval.")
    ci_high: float | None = Field(default=None, description="High end of the 95% interval.")
    n_boot: int = Field(default=0, description="Joint resamples drawn.")
    n: int = Field(default=0, description="Probes (or facts) resampled.")
    beyond_noise: bool = Field(default=False, description="The interval excludes 0.")
    reason: str = Field(default="", description="Why there is no difference, when there is none.")


def _not_comparable(what: str, a: str, b: str, reason: str) -> DateDifference:
    return DateDifference(what=what, a=a, b=b, difference=None, reason=reason)


def _finish(what: str, a: str, b: str, point: float, reps: np.ndarray, n: int) -> DateDifference:
    low, high = percentile_interval(reps, CONFIDENCE)
    return DateDifference(what=what, a=a, b=b, difference=point, ci_low=low, ci_high=high,
                          n_boot=len(reps), n=n, beyond_noise=bool(low > 0 or high < 0))


class _Probes:
    """Paired usable probes as arrays (suite, date, chance; correct for A and for B)."""

    def __init__(self, pairs: Sequence[tuple[ProbeResult, ProbeResult]]) -> None:
        keep = [(x, y) for x, y in pairs if x.event_date and x.predictability in ("low", "medium")]
        self.suite = np.array([x.suite for x, _ in keep])
        self.date = np.array([date_to_year_fraction(x.event_date or "") for x, _ in keep],
                             dtype=float)
        self.span = np.array([date_span(x.event_date or "") for x, _ in keep], dtype=float)
        self.chance = np.array([x.chance for x, _ in keep], dtype=float)
        self.a = np.array([bool(x.correct) for x, _ in keep], dtype=float)
        self.b = np.array([bool(y.correct) for _, y in keep], dtype=float)

    def signals(self, correct: np.ndarray, idx: np.ndarray) -> list[Signal]:
        out: list[Signal] = []
        for suite in sorted(set(self.suite.tolist())):
            sel = idx[self.suite[idx] == suite]
            if sel.size:
                out.append(ProbeOutcomes(name=suite, dates=self.date[sel], correct=correct[sel],
                                         chance=self.chance[sel], spans=self.span[sel]))
        return out


def _median(signals: list[Signal], settings: CutoffSettings) -> float:
    ev = collect_evidence(signals, settings.model)
    return float(estimate_from_evidence(ev.signals, ev.grid, settings).estimate)


def cutoff_difference(pairs: Sequence[tuple[ProbeResult, ProbeResult]],
                      docs: tuple[DocumentScores, DocumentScores] | None,
                      names: tuple[str, str], shown: tuple[str, str],
                      rng: np.random.Generator, n_boot: int = 100) -> DateDifference:
    """A's cutoff minus B's: both posterior medians on each joint resample of the probes (and,
    when both read the same dated documents, of the documents). ``shown``: each model's cutoff
    label, "no estimate" when it has none (then nothing is compared)."""
    what, (la, lb) = "cutoff", shown
    missing = [n for n, s in zip(names, shown, strict=True) if s == "no estimate"]
    if missing:
        return _not_comparable(what, la, lb, f"no cutoff estimate for {' or '.join(missing)}")
    probes = _Probes(pairs)
    n, n_docs = len(probes.date), 0 if docs is None else len(docs[0].dates)
    if n + n_docs == 0:
        return _not_comparable(what, la, lb, "no shared dated probes")
    settings = CutoffSettings()

    def both(idx: np.ndarray, didx: np.ndarray) -> float:
        sa, sb = probes.signals(probes.a, idx), probes.signals(probes.b, idx)
        if docs is not None:
            sa.append(_resampled(docs[0], didx))
            sb.append(_resampled(docs[1], didx))
        return _median(sa, settings) - _median(sb, settings)

    point = both(np.arange(n), np.arange(n_docs))
    reps = np.array([both(rng.integers(0, n, n), rng.integers(0, n_docs, n_docs) if n_docs
                          else np.arange(0)) for _ in range(n_boot)])
    return _finish(what, la, lb, point, reps, n)


def _resampled(docs: DocumentScores, idx: np.ndarray) -> DocumentScores:
    return DocumentScores(name=docs.name, dates=docs.dates[idx], scores=docs.scores[idx],
                          label=docs.label)


def believed_difference(a: Sequence[FactPreference], b: Sequence[FactPreference],
                        now: float, rng: np.random.Generator, n_boot: int = 1000
                        ) -> DateDifference:
    """A's believed year minus B's, resampling the changing facts both answered jointly."""
    what, la, lb = "believed year", "–", "–"
    ids = {f.fact_id for f in b}
    fa = [f for f in a if f.fact_id in ids]
    by_id = {f.fact_id: f for f in b}
    fb = [by_id[f.fact_id] for f in fa]
    ma, mb = year_matrix(fa, now), year_matrix(fb, now)
    if ma is None or mb is None:
        return _not_comparable(what, la, lb, "no changing facts both models answered")
    years, filled_a, covered = ma
    _, filled_b, _ = mb
    counts = np.vstack([np.ones(len(fa)), rng.multinomial(len(fa), np.full(len(fa), 1 / len(fa)),
                                                           size=n_boot)])
    ya, yb = (years[_best(counts, f, covered)] for f in (filled_a, filled_b))
    diff = (ya - yb).astype(float)
    return _finish(what, str(int(ya[0])), str(int(yb[0])), float(diff[0]), diff[1:], len(fa))


def _best(counts: np.ndarray, filled: np.ndarray, covered: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (counts @ filled) / (counts @ covered)
    return best_year_index(np.where(np.isnan(mean), -np.inf, mean))
