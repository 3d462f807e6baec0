"""One audit run: config -> suites -> backend calls -> scoring -> analysis -> AuditResult.

IO happens at the edges (loading suites and weights, writing results and pages); every step in
between takes and returns in-memory objects.
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import resource
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from alignaudit._util.dates import date_to_year_fraction
from alignaudit._util.errors import UserError
from alignaudit._util.progress import Mode
from alignaudit._version import __version__
from alignaudit.backends.base import Backend, ModelInfo, Unsupported
from alignaudit.backends.egress import Egress, SentTexts, check_documents_stay, host_of, locate
from alignaudit.backends.hf.resolve import check_spec
from alignaudit.backends.journal import Journal, journal_path
from alignaudit.backends.registry import load_backend
from alignaudit.backends.traffic import endpoint_stats
from alignaudit.compare.pairs import compare_models, compare_pair, same_documents
from alignaudit.compare.verdict import Comparison
from alignaudit.config import RunConfig
from alignaudit.drift.section import DataAlignment, analyse_data, check_inputs
from alignaudit.hosting.estimate import Hosting, estimate
from alignaudit.hosting.probe import measure
from alignaudit.judge import gates
from alignaudit.recency.cutoff import DatedScores
from alignaudit.recency.generated import GENERATED_MARK
from alignaudit.recency.scoring import ScoreOptions, score_suites, summarise
from alignaudit.recency.section import analyse
from alignaudit.recency.semantic import semantic_matches
from alignaudit.recency.suites import Suite, limit_probes, resolve_suites, shipped_dir
from alignaudit.result import (
    AuditResult,
    Environment,
    Measurement,
    ModelAudit,
    SuiteRef,
    load,
)

log = logging.getLogger(__name__)

PACKAGES = ("alignaudit", "torch", "transformers", "tokenizers", "numpy", "scipy",
            "scikit-learn", "sentence-transformers", "pydantic", "jinja2", "matplotlib")

Say = Callable[[str], None]


def limit_suites(suites: list[Suite], limit: int | None, seed: int) -> list[Suite]:
    """``--limit``: at most ``limit`` probes of each suite, spread over its event years."""
    if not limit:
        return suites
    rng = np.random.default_rng([seed, 2])
    return [s.model_copy(update={"probes": limit_probes(s.probes, limit, rng)}) for s in suites]


def suite_ref(suite: Suite) -> SuiteRef:
    path = Path(suite.path)
    shipped = path.parent.resolve() == shipped_dir().resolve()
    return SuiteRef(
        name=suite.name, version=suite.suite.version, description=suite.suite.description,
        path=f"(shipped) {path.name}" if shipped else str(path), sha256=suite.sha256,
        n_probes=len(suite.probes),
    )


def environment() -> Environment:
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    accelerator = None
    if "torch" in sys.modules:
        import torch

        if torch.cuda.is_available():
            accelerator = torch.cuda.get_device_name(0)
    import os

    return Environment(
        python=platform.python_version(), platform=platform.platform(terse=True),
        packages=packages, cpu_count=os.cpu_count(), accelerator=accelerator,
    )


def audit_model(
    spec: str, suites: list[Suite], config: RunConfig, say: Say, progress: Mode,
    shared: dict[str, Any], journal_dir: Path | None = None,
) -> tuple[ModelAudit, Measurement]:
    """Load one model, score every suite, analyse, and read the user's data through it."""
    say(f"Loading model {spec} ...")
    backend = load_backend(config.backend, spec, config.hf, config.server, progress)
    info = backend.info
    if journal_dir is not None:
        attach_journal(backend, journal_dir, say, config, suites)
    if config.claimed_cutoff:
        info = info.model_copy(update={"claimed_cutoff": config.claimed_cutoff})
    if info.backend == "openai":
        say(f"Connected to {info.display_name} at {info.device}")
    elif info.backend == "fake":
        say(f"Using {info.display_name}: a dry run, no model is loaded")
    else:
        say(f"Loaded {info.display_name} ({(info.n_parameters or 0) / 1e6:.1f}M parameters, "
            f"{info.dtype}, {info.device}) in {backend.usage.load_seconds:.1f}s")
    options = ScoreOptions(**config.scoring.model_dump())
    results = score_suites(backend, suites, options) if suites else []
    if config.scoring.semantic_match and results:
        results = semantic_matches(results, shared_embedder(config, shared, progress),
                                   answers={(s.name, p.id): p.accepted_answers
                                            for s in suites for p in s.probes})
    summaries = [summarise(s.name, [r for r in results if r.suite == s.name]) for s in suites]
    backend.usage.purpose = "data"  # what the backend sends meanwhile is the user's data
    drift = data_section(config, backend, say, shared, progress)
    backend.usage.purpose = "probes"
    usage = backend.usage
    measurement = Measurement(
        load_seconds=usage.load_seconds, score_seconds=usage.score_seconds,
        tokens_scored=usage.tokens_scored, generate_seconds=usage.generate_seconds,
        tokens_generated=usage.tokens_generated, peak_rss_bytes=peak_rss(),
        peak_accelerator_bytes=peak_accelerator(),
        request_latency=usage.latency_summary(), endpoint=endpoint_stats(usage),
    )
    # what the backend learnt while it ran: the endpoint, whether the server adds a BOS token,
    # and why it scored by generation only
    info = info.model_copy(update={"api": backend.info.api, "add_bos": backend.info.add_bos,
                                   "generation_only": backend.info.generation_only})
    claimed = date_to_year_fraction(info.claimed_cutoff) if info.claimed_cutoff else None
    documents = dated_documents(drift)
    recency = analyse(results, np.random.default_rng(config.seed),
                      now=date_to_year_fraction(config.as_of), claimed=claimed,
                      documents=documents) if results or documents else None
    audit = ModelAudit(model=info, suites=summaries, probes=results, recency=recency,
                       drift=drift, egress=egress_record(config, backend, drift, suites),
                       hosting=hosting_section(config, backend, say))
    return audit, measurement


def generated_suites(suites: list[Suite]) -> list[str]:
    """Suites ``alignaudit probes generate`` wrote: their prompts are text of the documents
    they were generated from."""
    found = []
    for suite in suites:
        try:
            with Path(suite.path).open(encoding="utf-8", errors="replace") as handle:
                if handle.read(len(GENERATED_MARK)) == GENERATED_MARK:
                    found.append(suite.name)
        except OSError:
            continue
    return found


def check_egress(config: RunConfig, suites: list[Suite]) -> None:
    """Before anything is sent: the user's documents, and probes generated from documents, go
    to a served model only when it is on this machine, or with --allow-remote-data (the shipped
    suites' prompts, public facts, may go anywhere)."""
    if config.backend != "openai" or not config.models or config.allow_remote_data:
        return
    url = config.server.base_url or ""
    if config.data is not None:
        check_documents_stay(url, "--data")
    if generated := generated_suites(suites):
        check_documents_stay(url, f"--probes {', '.join(generated)}", what=(
            "prompts generated from documents (`alignaudit probes generate`) to {host}"))


def egress_record(config: RunConfig, backend: Backend, drift: DataAlignment | None,
                  suites: list[Suite]) -> Egress:
    """What of this audit went where: nothing, for a model in this process; for a served
    model, its host and the texts handed to it (see :mod:`alignaudit.backends.egress`)."""
    info = backend.info
    if info.backend != "openai":
        return Egress(local=True, why=f"the model ran in this process ({info.backend} backend)")
    place = locate(host_of(config.server.base_url or ""))
    sent = backend.usage.sent
    data = SentTexts(**sent.get("data", {}))
    fertility = drift.fertility if drift is not None else None
    probes = SentTexts(**sent.get("probes", {}))
    return Egress(host=place.host, local=place.local, why=place.why,
                  allowed=config.allow_remote_data, probe_prompts=probes, data=data,
                  documents=fertility.user.n_docs if data.texts and fertility else 0,
                  generated_suites=generated_suites(suites) if probes.texts else [])


def hosting_section(config: RunConfig, backend: Backend, say: Say) -> Hosting | None:
    """Adopt or rent: the serving probe (--measure-serving), then the cost figures."""
    settings = config.hosting
    if not (settings.wanted or config.price_per_hour is not None):
        return None
    serving, note = None, None
    if settings.measure_serving:
        say(f"Serving probe: {settings.serving_requests} generations of "
            f"{settings.answer_tokens} tokens sent together ...")
        serving, note = measure(backend, settings)
    return estimate(settings, config.price_per_hour, serving, note)


def dated_documents(drift: DataAlignment | None) -> DatedScores | None:
    """The model's log-perplexity on each dated document, a signal of the cutoff estimate."""
    found = drift.dated_perplexity if drift is not None else None
    if found is None or not found.dates:
        return None
    return DatedScores.from_perplexity(found.dates, found.values)


def run_identity(info: ModelInfo, config: RunConfig | None = None,
                 suites: list[Suite] | None = None) -> dict[str, Any]:
    """Everything that changes a model's answers, for the resume journal: its weights and its
    other files (config.json, tokenizer, generation config), how it runs, the generation
    settings, the suites' contents, the seed and the alignaudit version. A journal written for
    another identity is not reused."""
    model = info.model_dump(include={"spec", "backend", "revision", "dtype", "device",
                                     "add_bos", "context_length", "trust_remote_code"})
    identity: dict[str, Any] = {
        "tool": __version__, "model": model,
        "files": {**info.files_sha256, **info.config_sha256},
        "suites": {s.name: s.sha256 for s in suites or []},
    }
    if config is not None:
        identity.update(generation=config.scoring.model_dump(include={"generate",
                                                                      "max_new_tokens"}),
                        seed=config.seed, api=config.server.api)
    return identity


def attach_journal(backend: Backend, journal_dir: Path, say: Say, config: RunConfig | None = None,
                   suites: list[Suite] | None = None) -> None:
    """Journal the backend's finished work in ``journal_dir`` (a backend that keeps no journal
    says so and runs without one); say when there is work to reuse, or when a journal of other
    inputs was set aside."""
    info = backend.info
    journal = Journal(journal_path(journal_dir, info.spec), run_identity(info, config, suites))
    try:  # not `capabilities` first: a served model's probe would then go unjournaled
        backend.attach_journal(journal)
    except Unsupported:
        return
    if journal.stale:
        say(f"Not resuming: the journal in {journal_dir} was written for other inputs "
            f"({journal.stale} changed); it is kept as {journal.path.with_suffix('.stale').name} "
            "and this run starts afresh.")
    if journal.entries:
        unit = "requests" if info.backend == "openai" else "batches"
        say(f"Resuming: {len(journal.entries)} finished {unit} found in {journal.path}")


def data_section(config: RunConfig, backend: Backend | None, say: Say,
                 shared: dict[str, Any], progress: Mode = "off") -> DataAlignment | None:
    """The data-alignment section, when --data was given (the embedder is loaded once)."""
    if config.data is None:
        return None
    rng = np.random.default_rng([config.seed, 1])
    return analyse_data(config.data, backend, rng, say, shared_embedder(config, shared, progress),
                        progress=progress)


def shared_embedder(config: RunConfig, shared: dict[str, Any], progress: Mode = "off") -> Any:
    """The sentence embedder, loaded once per run."""
    from alignaudit.drift.embed import Embedder

    if "embedder" not in shared:
        shared["embedder"] = Embedder.load(config.data.embedder if config.data else None,
                                           progress=progress)
    return shared["embedder"]


def embeddings_only(config: RunConfig, say: Say, progress: Mode = "off") -> ModelAudit:
    """`alignaudit drift` without --model: the embedding statistics alone."""
    info = ModelInfo(spec="", display_name="(no model)", source="none", backend="none")
    stayed = Egress(local=True, why="no model read the data; its embeddings were computed in "
                    "this process")
    return ModelAudit(model=info, drift=data_section(config, None, say, {}, progress),
                      egress=stayed)


def peak_rss() -> int:
    """Peak resident memory of this process, in bytes."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(usage if sys.platform == "darwin" else usage * 1024)


def peak_accelerator() -> int | None:
    if "torch" not in sys.modules:
        return None
    import torch

    return int(torch.cuda.max_memory_allocated()) if torch.cuda.is_available() else None


def load_baseline(path: str, suites: list[SuiteRef]) -> tuple[ModelAudit, AuditResult]:
    """The one model of a saved run to compare against; refused when its suites differ."""
    saved = load(path)
    audited = [m for m in saved.models if m.probes]
    if len(audited) != 1:
        names = ", ".join(m.model.display_name for m in audited) or "none"
        raise UserError(f"--baseline {path}: a baseline is the results.json of one audited model "
                        f"(this one has {len(audited)}: {names}). Re-run the baseline model alone "
                        "with the same suites, or use `alignaudit report A.json B.json` to show "
                        "several side by side.")
    mine = {(s.name, s.version) for s in suites}
    theirs = {(s.name, s.version) for s in saved.suites}
    if mine != theirs:
        fmt = ", ".join
        raise UserError(
            f"--baseline {path}: its suites differ from this run's, so the two models did not "
            f"answer the same probes. Baseline: {fmt(f'{n} v{v}' for n, v in sorted(theirs))}; "
            f"this run: {fmt(f'{n} v{v}' for n, v in sorted(mine))}. Run both with the same "
            "--probes (and suite versions).")
    return audited[0], saved


def comparison(result: AuditResult, baseline: tuple[ModelAudit, AuditResult] | None,
               say: Say) -> Comparison | None:
    """Paired differences between the run's models, and of each against the baseline."""
    audited = [m for m in result.models if m.probes or m.drift]
    if len(audited) < 2 and baseline is None:
        return None
    say("Comparing the models on the probes they share ...")
    found = compare_models(audited, result.config.seed) if len(audited) > 1 else None
    pairs = list(found.pairs) if found is not None else []
    if baseline is not None:
        base, saved = baseline
        if base.model.display_name in {m.model.display_name for m in audited}:
            named = base.model.model_copy(
                update={"display_name": f"{base.model.display_name} (baseline)"})
            base = base.model_copy(update={"model": named})
        same_data = same_documents(saved.config, result.config)
        pairs += [compare_pair(m, base, result.config.seed, same_data=same_data, baseline=True)
                  for m in audited]
    return Comparison(pairs=pairs, baseline=result.config.baseline)


def run_audit(config: RunConfig, say: Say, progress: Mode = "off",
              journal_dir: Path | None = None) -> AuditResult:
    """Run the whole audit for every model in ``config`` and return the result.

    With ``journal_dir``, finished batches of model calls are journaled there as they finish
    and found again by a re-run with the same inputs (see :mod:`alignaudit.backends.journal`).
    """
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    suites = (limit_suites(resolve_suites(config.probes), config.limit, config.seed)
              if config.probes else [])
    if not config.as_of:
        config = config.model_copy(update={"as_of": dt.date.today().isoformat()})
    if not config.models and config.data is None:
        raise UserError("No model given: pass --model (e.g. --model smollm2-135m).")
    if config.backend == "hf":  # a served model's name is the server's business
        for spec in config.models:  # a bad second --model fails before the first loads
            check_spec(spec)
    check_egress(config, suites)  # before the data is read, a model loads or a probe is scored
    if config.data is not None and config.models:  # a bad data file fails before any model loads
        check_inputs(config.data)
    result = AuditResult(tool_version=__version__, config=config,
                         suites=[suite_ref(s) for s in suites])
    baseline = load_baseline(config.baseline, result.suites) if config.baseline else None
    shared: dict[str, Any] = {}
    for spec in config.models:
        audit, measurement = audit_model(spec, suites, config, say, progress, shared,
                                         journal_dir)
        result.models.append(audit)
        result.runtime.models[spec] = measurement
    if not config.models:
        result.models.append(embeddings_only(config, say, progress))
    result.comparison = comparison(result, baseline, say)
    result.gates = gates.check([gates.parse(c) for c in config.fail_on], result.models,
                               baseline[0] if baseline else None)
    result.environment = environment()
    result.runtime.started_at = started_at
    result.runtime.finished_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    result.runtime.seconds = time.perf_counter() - started
    return result
