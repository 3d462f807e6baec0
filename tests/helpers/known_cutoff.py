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
    result = audit(model_dir, suite, T, docs=docs)

Besides the probes, the model reads every sampled document (all dates), as ``run --data`` reads
the corpus: the backend's ``perplexity`` on each entry's text column (the ``title: `` prefix of
the training text is not part of it, as it is not part of what ``--text-column text`` reads).
The log-perplexity by date is the second signal of the cutoff; the audit reports the probes'
own estimate, the documents' own and the joint one. What the model produced (each probe's
outcome, each document's perplexity) is kept as :class:`Scored`, so the estimates can be
recomputed from it without the model (:func:`audit_scored`, ``bench --recompute``).
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
    truth_low: float | None = Field(
        default=None, description="Date of the last observation (probe or document) dated before "
        "T: a change anywhere after it, up to truth_high, fits the observations as T does.")
    truth_high: float | None = Field(
        default=None, description="Date of the first observation dated on or after T.")
    contains_true: bool = Field(description="An estimate was made and its interval reaches the "
                                "change dates that cannot be told from T (truth_low, truth_high].")
    miss_years: float | None = Field(
        description="Distance from those dates to the interval in years (0: it reaches them; "
        "None: no interval).")
    score_seconds: float = Field(default=0.0, description="Time scoring the suite.")
    by_kind: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="The same split per probe kind (term, statement).")
    n_documents: int = Field(default=0, description="Dated documents read (0: none).")
    log_ppl_before: float | None = Field(
        default=None, description="Mean log-perplexity of the documents dated before T.")
    log_ppl_after: float | None = Field(
        default=None, description="Mean log-perplexity of those dated on or after T.")
    documents: IntervalEstimate | None = Field(
        default=None, description="The cutoff from the documents alone (None: none read).")
    documents_contains_true: bool = Field(
        default=False, description="The documents gave an estimate and its interval holds T.")
    joint: IntervalEstimate | None = Field(
        default=None, description="The cutoff from probes and documents together, one date.")
    joint_contains_true: bool = Field(
        default=False, description="The joint estimate was made and its interval reaches T "
        "(as contains_true).")
    joint_miss_years: float | None = Field(
        default=None, description="Distance from T to the joint interval in years (as "
        "miss_years).")
    disagreement: str = Field(default="", description="The estimator's words when the probes' "
                              "and the documents' own intervals do not overlap.")


class ProbeRecord(_Frozen):
    """One scored probe, as much as the estimator and the accuracy split need."""

    probe_id: str = Field(description="Probe id.")
    suite: str = Field(description="Suite name.")
    kind: str = Field(default="", description="Generator's kind (term, statement).")
    event_date: str = Field(description="ISO date of the fact.")
    correct: bool = Field(description="Likelihood ranking put a correct answer first.")
    n_choices: int = Field(description="Candidates ranked.")
    n_correct: int = Field(description="Candidates that count as correct.")
    chance: float = Field(description="Chance of being right by guessing.")
    predictability: str = Field(description="low, medium or high.")
    category: str = Field(default="", description="Topic tag.")


class DocumentRecord(_Frozen):
    """One dated document's perplexity through the model."""

    date: str = Field(description="ISO date (or YYYY-MM) of the document.")
    perplexity: float = Field(description="Rolling perplexity of its text.")


class Scored(_Frozen):
    """What one model produced: enough to recompute every estimate without it."""

    probes: list[ProbeRecord] = Field(description="Each dated fact's outcome.")
    documents: list[DocumentRecord] = Field(default_factory=list,
                                            description="Each dated document's perplexity.")
    score_seconds: float = Field(default=0.0, description="Time scoring the suite.")
    perplexity_seconds: float = Field(default=0.0, description="Time reading the documents.")


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


def training_texts(docs: Sequence[DatedDoc], max_chars: int = 400,
                   as_read: bool = True) -> list[str]:
    """Training examples in the probes' own format, ``title: text``, one per sentence start,
    and (``as_read``) each document's text on its own, as ``run --data`` reads it.

    A probe's prompt is the title plus the sentence up to the answer (plus the one before when
    short), not the document from its start; so each document gives ``title: sentence_i
    sentence_i+1 ...`` for every i, cut to ``max_chars``, and every prompt starts some example.
    A run reads a dated document without its title, so a model that saw an entry only behind
    its title has not seen the text the run scores: a short entry's first words then read as new.
    """
    out = [" ".join(d.text.split()) for d in docs] if as_read else []
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
    too few probes are usable at this corpus size; release probes off: they quote an entry and
    ask for its release, a question these models were never trained to answer (the training
    text gives each entry after its release, not the other way round).
    """
    from alignaudit.recency.generated import generate, write_suite
    from alignaudit.recency.probegen.model import GenerateOptions
    from alignaudit.recency.suites import load_suite

    settings: dict[str, Any] = {"period": "year", "per_period": 10_000, "novelty": "any",
                                "name": "known-cutoff", "blank_prompts": False, "statements": True,
                                "strict_statements": False, "releases": False} | options
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


def _reduce(est: Any) -> IntervalEstimate:
    """A :class:`~alignaudit.recency.cutoff.CutoffEstimate` reduced to what this check needs."""
    step = est.step
    detail = {"n_used": est.n_used, "log_bayes_factor": est.log_bayes_factor} | (
        {"a": step.a, "b": step.b, "gap_low": step.gap_low, "gap_high": step.gap_high,
         "n_before": step.n_before, "n_after": step.n_after} if step else {})
    return IntervalEstimate(status=est.status, cutoff=est.cutoff, ci_low=est.ci_low,
                            ci_high=est.ci_high, confidence=est.confidence, shape=est.shape,
                            reason=est.reason, verdict=est.verdict, detail=detail)


def estimate_interval(results: Sequence[Any]) -> IntervalEstimate:
    """The cutoff as a run estimates it (``estimate_cutoff`` on the probes' outcomes), reduced."""
    from alignaudit.recency.cutoff import estimate_cutoff
    from alignaudit.recency.section import outcomes

    return _reduce(estimate_cutoff(outcomes(results)))


def probe_records(results: Sequence[Any], kinds: dict[str, str] | None = None
                  ) -> list[ProbeRecord]:
    """The dated facts among ``results`` (ProbeResult), as :class:`ProbeRecord`."""
    return [ProbeRecord(probe_id=r.probe_id, suite=r.suite, kind=(kinds or {}).get(r.probe_id, ""),
                        event_date=r.event_date, correct=bool(r.correct),
                        n_choices=len(r.choices), n_correct=sum(c.correct for c in r.choices),
                        chance=r.chance, predictability=r.predictability, category=r.category)
            for r in results if r.kind == "fact" and r.event_date]


def outcomes_of(probes: Sequence[ProbeRecord]) -> list[Any]:
    """The records as the estimator's outcomes, exactly as :func:`alignaudit.recency.section.
    outcomes` builds them from a run's results."""
    from alignaudit._util.dates import date_span, date_to_year_fraction
    from alignaudit.recency.periods import Outcome

    return [Outcome(probe_id=p.probe_id, suite=p.suite,
                    event_date=date_to_year_fraction(p.event_date),
                    date_span=date_span(p.event_date), correct=p.correct,
                    n_choices=p.n_choices, n_correct=p.n_correct,
                    predictability=p.predictability,  # type: ignore[arg-type]
                    category=p.category, guess_rate=p.chance) for p in probes]


def dated_scores(documents: Sequence[DocumentRecord]) -> Any:
    """The documents as the run's document signal (``runner.dated_documents``): log-perplexity
    by date, documents without a finite positive perplexity left out as a run leaves them."""
    from alignaudit.recency.cutoff import DatedScores

    ok = [d for d in documents if np.isfinite(d.perplexity) and d.perplexity > 0]
    return DatedScores.from_perplexity([d.date for d in ok], [d.perplexity for d in ok])


Truth = tuple[float, float]
"""The change dates that fit the observations exactly as T does: (after this, up to this]."""


def truth_span(scored: Scored, cutoff: date) -> Truth:
    """After the last observation (probe or document) dated before T, up to the first dated on
    or after T. Every change date in between splits the observations into read and unread as T
    does, so no estimator can tell them apart; an interval is right when it reaches them. When
    T falls on an observation's date (a release day), T is the span's upper end: asking an
    interval to hold T itself would ask for posterior mass beyond an observation that is
    plainly unread."""
    from alignaudit._util.dates import date_start_fraction, date_to_year_fraction, fraction_of

    t = fraction_of(cutoff)
    dates = [p.event_date for p in scored.probes] + [d.date for d in scored.documents]
    before = [date_to_year_fraction(s) for s in dates if date_start_fraction(s) < t]
    after = [date_to_year_fraction(s) for s in dates if date_start_fraction(s) >= t]
    return (max(before, default=t), min(after, default=t))


def miss_years(estimate: IntervalEstimate, truth: Truth) -> float | None:
    """Years between the interval and the span ``truth`` (0: it reaches it; None: no interval)."""
    if estimate.ci_low is None or estimate.ci_high is None:
        return None
    low, high = truth
    return max(0.0, estimate.ci_low - high, low - estimate.ci_high)


def _contains(estimate: IntervalEstimate | None, truth: Truth) -> bool:
    return (estimate is not None and estimate.status == "estimate"
            and miss_years(estimate, truth) == 0.0)


def accuracy_split(probes: Sequence[ProbeRecord], cutoff: date) -> dict[str, Any]:
    """Counts and accuracy of the usable facts (predictability low/medium) before/after T."""
    usable = [r for r in probes if r.predictability != "high"]
    sides = {"before": [r for r in usable if date.fromisoformat(r.event_date) < cutoff],
             "after": [r for r in usable if date.fromisoformat(r.event_date) >= cutoff]}
    out: dict[str, Any] = {"n_excluded_high": len(probes) - len(usable)}
    for side, rows in sides.items():
        out[f"n_{side}"] = len(rows)
        out[f"correct_{side}"] = sum(r.correct for r in rows)
        out[f"accuracy_{side}"] = float(np.mean([r.correct for r in rows])) if rows else None
        out[f"chance_{side}"] = float(np.mean([r.chance for r in rows])) if rows else None
    return out


def _document_split(documents: Sequence[DocumentRecord], cutoff: date) -> dict[str, Any]:
    """Mean log-perplexity of the documents before and after T."""
    ok = [d for d in documents if np.isfinite(d.perplexity) and d.perplexity > 0]

    def mean(rows: list[DocumentRecord]) -> float | None:
        return float(np.mean([np.log(d.perplexity) for d in rows])) if rows else None

    when = [date.fromisoformat(d.date if len(d.date) == 10 else f"{d.date[:7]}-01") for d in ok]
    return {"n_documents": len(ok),
            "log_ppl_before": mean([d for d, w in zip(ok, when, strict=True) if w < cutoff]),
            "log_ppl_after": mean([d for d, w in zip(ok, when, strict=True) if w >= cutoff])}


def _document_estimates(scored: Scored, truth: Truth) -> dict[str, Any]:
    """The documents' own estimate and the joint one (probes and documents, one date)."""
    from alignaudit.recency.cutoff import estimate_cutoff

    if not scored.documents:
        return {}
    signal = dated_scores(scored.documents)
    documents = _reduce(estimate_cutoff([], documents=signal))
    found = estimate_cutoff(outcomes_of(scored.probes), documents=signal)
    joint = _reduce(found)
    return {"documents": documents, "documents_contains_true": _contains(documents, truth),
            "joint": joint, "joint_contains_true": _contains(joint, truth),
            "joint_miss_years": miss_years(joint, truth), "disagreement": found.disagreement}


def audit_scored(scored: Scored, cutoff: date) -> AuditResult:
    """Accuracy before/after T and the estimated cutoff three ways (probes alone, documents
    alone, both), from what the model produced. The one path of a fresh audit and a recompute."""
    from alignaudit._util.dates import fraction_of
    from alignaudit.recency.cutoff import estimate_cutoff

    truth = truth_span(scored, cutoff)
    estimate = _reduce(estimate_cutoff(outcomes_of(scored.probes)))
    miss = miss_years(estimate, truth)
    by_kind = {k: accuracy_split([r for r in scored.probes if r.kind == k], cutoff)
               for k in sorted({r.kind for r in scored.probes if r.kind})}
    return AuditResult(cutoff_date=cutoff.isoformat(), cutoff_true=fraction_of(cutoff),
                       truth_low=truth[0], truth_high=truth[1],
                       **accuracy_split(scored.probes, cutoff), estimate=estimate,
                       contains_true=_contains(estimate, truth), miss_years=miss,
                       score_seconds=scored.score_seconds, by_kind=by_kind,
                       **(_document_split(scored.documents, cutoff) if scored.documents else {}),
                       **_document_estimates(scored, truth))


def score(model: Path | str, suite: Any, docs: Sequence[DatedDoc] = (),
          kinds: dict[str, str] | None = None) -> Scored:
    """Likelihood-ranking results of every probe (no generation) and, for ``docs``, the
    perplexity of each document's text through the backend's ``perplexity``, the path a run
    takes for dated ``--data``; ``model`` is a folder or an alignaudit alias."""
    from alignaudit.backends.hf.backend import HFBackend
    from alignaudit.backends.hf.options import LoadOptions
    from alignaudit.backends.hf.resolve import resolve
    from alignaudit.recency.scoring import ScoreOptions, score_suites

    backend = HFBackend.load(resolve(str(model)), LoadOptions(device="cpu", dtype="float32",
                                                              progress="off"))
    started = time.perf_counter()
    results = score_suites(backend, [suite], ScoreOptions(generate=False))
    scored_at = time.perf_counter()
    read = backend.perplexity([d.text for d in docs]) if docs else []
    return Scored(probes=probe_records(results, kinds),
                  documents=[DocumentRecord(date=d.date, perplexity=p.perplexity)
                             for d, p in zip(docs, read, strict=True)],
                  score_seconds=scored_at - started,
                  perplexity_seconds=time.perf_counter() - scored_at)


def audit(model_dir: Path | str, suite: Any, cutoff: date, kinds: dict[str, str] | None = None,
          docs: Sequence[DatedDoc] = ()) -> AuditResult:
    """Score ``suite`` (and read ``docs``) with the model in ``model_dir`` and audit it against
    the true ``cutoff``."""
    return audit_scored(score(model_dir, suite, docs, kinds), cutoff)
