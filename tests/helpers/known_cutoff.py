"""Models whose knowledge cutoff we set ourselves, and an audit that should find it.

Train a causal LM only on the documents of a real dated corpus (the shipped changelogs,
data/corpora) dated before ``T``, generate probes from the *whole* corpus with alignaudit's
generator, score them with the HF backend and estimate the cutoff. The audit works when accuracy
before ``T`` is above accuracy after it and the estimate's 90% interval contains ``T``. Shared by
tests/recency/test_known_cutoff.py (a tiny model from scratch) and bench/bench_known_cutoff.py
(SmolLM2-135M trained further)::

    docs = sample_corpus(load_corpus(), SampleConfig())
    suite, generated = make_suite(docs, folder)
    texts = training_texts(select_until(docs, T))
    train_from_scratch(texts, model_dir, TinyConfig(), TrainConfig())   # lm_training
    result = audit(model_dir, suite, T)
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from alignaudit.recency.probegen.model import DatedDoc

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT / "data" / "corpora"
_SENTENCE_GAP = re.compile(r"(?<=[.!?:;])\s+|\n+")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SampleConfig(_Frozen):
    """Which documents of the corpora a model's world is made of."""

    n: int = Field(default=400, description="Documents drawn at random.")
    seed: int = Field(default=0, description="Seed of the draw.")
    start: date = Field(default=date(2012, 1, 1), description="Earliest date kept.")
    end: date = Field(default=date(2022, 1, 1), description="Dates kept are before this.")
    max_chars: int = Field(default=250, description="Longer documents are left out.")


class IntervalEstimate(_Frozen):
    """The estimator's answer, reduced to what this check needs."""

    status: str = Field(description="'estimate' or 'no_estimate'.")
    cutoff: float | None = Field(description="Estimated cutoff (fractional year).")
    ci_low: float | None = Field(description="Low end of the interval.")
    ci_high: float | None = Field(description="High end of the interval.")
    confidence: float = Field(description="Level of the interval.")
    shape: str | None = Field(default=None, description="step, decline, unclear, flat, none.")
    reason: str = Field(default="", description="Why there is no estimate.")
    verdict: str = Field(default="", description="The estimator's sentence.")
    detail: dict[str, Any] = Field(default_factory=dict, description="Step fit and evidence.")


class AuditResult(_Frozen):
    """One model with a known cutoff ``T``, audited."""

    cutoff_date: str = Field(description="T, ISO date.")
    cutoff_true: float = Field(description="T as a fractional year.")
    n_before: int = Field(description="Usable probes dated before T.")
    n_after: int = Field(description="Usable probes dated on or after T.")
    correct_before: int = Field(description="Of those before T, answered right.")
    correct_after: int = Field(description="Of those after T, answered right.")
    accuracy_before: float | None = Field(description="Accuracy before T.")
    accuracy_after: float | None = Field(description="Accuracy after T.")
    chance_before: float | None = Field(description="Mean chance accuracy before T.")
    chance_after: float | None = Field(description="Mean chance accuracy after T.")
    n_excluded_high: int = Field(description="High-predictability probes left out.")
    estimate: IntervalEstimate = Field(description="The estimated cutoff.")
    contains_true: bool = Field(description="An estimate was made and its interval holds T.")
    miss_years: float | None = Field(
        description="Distance from T to the interval in years (0 inside; None: no interval).")
    score_seconds: float = Field(default=0.0, description="Time scoring the suite.")
    by_kind: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="The same split per probe kind (term, statement).")


# ---------------------------------------------------------------------------- corpus


def day(doc: DatedDoc) -> date:
    """A document's date as a date (YYYY-MM counts as the first of the month)."""
    return date.fromisoformat(doc.date if len(doc.date) == 10 else f"{doc.date[:7]}-01")


def load_corpus(paths: Sequence[Path] | None = None) -> list[DatedDoc]:
    """The shipped changelog corpora (default: all four), read as ``probes generate --data``
    reads them, sorted by (date, source)."""
    from alignaudit.recency.generated import CorpusColumns, read_corpus

    columns = CorpusColumns(text="text", date="date", title="title", group="project",
                            url="url", section="section")
    docs = read_corpus(list(paths or sorted(CORPORA.glob("*.jsonl.gz"))), columns)
    return sorted(docs, key=lambda d: (d.date, d.source))


def sample_corpus(docs: Sequence[DatedDoc], cfg: SampleConfig) -> list[DatedDoc]:
    """A seeded random subset of documents dated in [start, end), at most max_chars long.
    Short entries keep training cheap; a mix of projects gives more first appearances."""
    pool = sorted((d for d in docs if cfg.start <= day(d) < cfg.end
                   and len(d.text) <= cfg.max_chars), key=lambda d: d.source)
    chosen = random.Random(cfg.seed).sample(pool, min(cfg.n, len(pool)))
    return sorted(chosen, key=lambda d: (d.date, d.source))


def select_until(docs: Sequence[DatedDoc], cutoff: date) -> list[DatedDoc]:
    """The documents a model with cutoff ``T`` may see: dated strictly before T."""
    return [d for d in docs if day(d) < cutoff]


def training_texts(docs: Sequence[DatedDoc], max_chars: int = 400) -> list[str]:
    """Training examples in the probes' own format, ``title: text``, one per sentence start.

    A probe's prompt is the title plus the sentence up to the answer (plus the one before when
    short), not the document from its start; so each document gives ``title: sentence_i
    sentence_i+1 ...`` for every i, cut to ``max_chars``, and every prompt starts some example.
    """
    out = []
    for d in docs:
        parts = [p for p in _SENTENCE_GAP.split(d.text) if p.strip()] or [d.text]
        for i in range(len(parts)):
            text = " ".join(f"{d.title}: {' '.join(parts[i:])}".split())
            out.append(text[:max_chars].rsplit(" ", 1)[0] if len(text) > max_chars else text)
    return out


# ---------------------------------------------------------------------------- probes


def make_suite(docs: Sequence[DatedDoc], folder: Path, seed: int = 0,
               **options: Any) -> tuple[Any, Any]:
    """Probes generated from all ``docs`` (every date), written to ``folder/suite.yaml`` as
    ``probes generate`` writes them and loaded back; returns (Suite, GeneratedSuite).

    Defaults (``options`` override them): yearly periods with every probe kept;
    ``novelty="any"``: for a model whose whole world is this corpus a term's first appearance
    *is* its birth; ``blank_prompts=False``: a "Fill in the blank:" prompt asks for a skill a
    model trained from scratch on release notes never saw; statements on and not strict, else
    too few probes are usable at this corpus size.
    """
    from alignaudit.recency.generated import generate, write_suite
    from alignaudit.recency.probegen.model import GenerateOptions
    from alignaudit.recency.suites import load_suite

    settings = {"period": "year", "per_period": 10_000, "novelty": "any", "name": "known-cutoff",
                "blank_prompts": False, "statements": True, "strict_statements": False} | options
    generated = generate(docs, GenerateOptions(seed=seed, **settings))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "suite.yaml"
    write_suite(generated, path, corpus="data/corpora sample",
                today=max(day(d) for d in docs))
    return load_suite(path), generated


def probe_kinds(generated: Any) -> dict[str, str]:
    """Probe id -> the generator's kind (``term`` or ``statement``)."""
    return {g.probe["id"]: g.kind for g in generated.probes}


# ---------------------------------------------------------------------------- audit


def estimate_interval(results: Sequence[Any]) -> IntervalEstimate:
    """The cutoff as a run estimates it (``estimate_cutoff`` on the probes' outcomes), reduced."""
    from alignaudit.recency.cutoff import estimate_cutoff
    from alignaudit.recency.section import outcomes

    est = estimate_cutoff(outcomes(results))
    step = est.step
    detail = {"n_used": est.n_used, "log_bayes_factor": est.log_bayes_factor} | (
        {"a": step.a, "b": step.b, "gap_low": step.gap_low, "gap_high": step.gap_high,
         "n_before": step.n_before, "n_after": step.n_after} if step else {})
    return IntervalEstimate(status=est.status, cutoff=est.cutoff, ci_low=est.ci_low,
                            ci_high=est.ci_high, confidence=est.confidence, shape=est.shape,
                            reason=est.reason, verdict=est.verdict, detail=detail)


def _miss(estimate: IntervalEstimate, truth: float) -> float | None:
    if estimate.ci_low is None or estimate.ci_high is None:
        return None
    return max(0.0, estimate.ci_low - truth, truth - estimate.ci_high)


def accuracy_split(results: Sequence[Any], cutoff: date) -> dict[str, Any]:
    """Counts and accuracy of the usable facts (predictability low/medium) before/after T."""
    facts = [r for r in results if r.kind == "fact" and r.event_date]
    usable = [r for r in facts if r.predictability != "high"]
    sides = {"before": [r for r in usable if date.fromisoformat(r.event_date) < cutoff],
             "after": [r for r in usable if date.fromisoformat(r.event_date) >= cutoff]}
    out: dict[str, Any] = {"n_excluded_high": len(facts) - len(usable)}
    for side, rows in sides.items():
        out[f"n_{side}"] = len(rows)
        out[f"correct_{side}"] = sum(bool(r.correct) for r in rows)
        out[f"accuracy_{side}"] = float(np.mean([bool(r.correct) for r in rows])) if rows else None
        out[f"chance_{side}"] = float(np.mean([r.chance for r in rows])) if rows else None
    return out


def score(model: Path | str, suite: Any) -> tuple[list[Any], float]:
    """Likelihood-ranking results of every probe (no generation) and the seconds it took;
    ``model`` is a folder or an alignaudit alias."""
    from alignaudit.backends.hf.backend import HFBackend
    from alignaudit.backends.hf.options import LoadOptions
    from alignaudit.backends.hf.resolve import resolve
    from alignaudit.recency.scoring import ScoreOptions, score_suites

    backend = HFBackend.load(resolve(str(model)), LoadOptions(device="cpu", dtype="float32",
                                                              progress=False))
    started = time.perf_counter()
    results = score_suites(backend, [suite], ScoreOptions(generate=False))
    return results, time.perf_counter() - started


def audit_results(results: Sequence[Any], cutoff: date, score_seconds: float = 0.0,
                  kinds: dict[str, str] | None = None) -> AuditResult:
    """Accuracy before/after T and the estimated cutoff with its interval; ``kinds`` (probe id
    -> label, from :func:`probe_kinds`) adds the split per label."""
    from alignaudit._util.dates import fraction_of

    truth = fraction_of(cutoff)
    estimate = estimate_interval(results)
    miss = _miss(estimate, truth)
    by_kind = {k: accuracy_split([r for r in results if (kinds or {}).get(r.probe_id) == k],
                                 cutoff) for k in sorted(set((kinds or {}).values()))}
    return AuditResult(cutoff_date=cutoff.isoformat(), cutoff_true=truth,
                       **accuracy_split(results, cutoff), estimate=estimate,
                       contains_true=estimate.status == "estimate" and miss == 0.0,
                       miss_years=miss, score_seconds=score_seconds, by_kind=by_kind)


def audit(model_dir: Path | str, suite: Any, cutoff: date,
          kinds: dict[str, str] | None = None) -> AuditResult:
    """Score ``suite`` with the model in ``model_dir`` and audit it against the true ``cutoff``."""
    results, seconds = score(model_dir, suite)
    return audit_results(results, cutoff, seconds, kinds)
