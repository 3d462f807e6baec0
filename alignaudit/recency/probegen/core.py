"""Dated probes from dated documents, without a model.

A *term* probe is a term at its **first appearance** in the corpus, where the text
introduces it: the prompt is the text before it in the earliest document that has it, the
answer the term, the distractors other terms of the same shape from the same corpus, and the
event date that document's date. A *statement* probe asks for a term (new or old) in a
sentence that reports a change of its release: the statement is new at the document's date.
A term at the start of its sentence is asked with the sentence blanked out ("The new ___
class allows ...", then "Fill in the blank:"). Pure: no IO, all randomness from
``options.seed``. See NOTES.md for the method and its choices.

    suite = generate_probes(docs, GenerateOptions(period="quarter", per_period=100, seed=0))
    text = suite_to_yaml(suite, written="2025-06-01")
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date

import numpy as np
import yaml

from alignaudit._util.progress import Mode, track
from alignaudit.recency.probegen.candidates import VERSION, Span
from alignaudit.recency.probegen.corpus import Corpus, Doc, Term, build_corpus
from alignaudit.recency.probegen.distractors import Pool, build_pool, choose_keys, render_choices
from alignaudit.recency.probegen.filters import (
    BLANKED,
    CLOZE,
    FILTERS,
    STATEMENT,
    TERM,
    Candidate,
    first_failure,
    make_candidate,
    version_tuple,
)
from alignaudit.recency.probegen.model import (
    GENERATOR_VERSION,
    DatedDoc,
    GeneratedProbe,
    GeneratedSuite,
    GenerateOptions,
    GenerateStats,
)
from alignaudit.recency.probegen.predictability import predictability
from alignaudit.recency.probegen.releases import REJECTIONS, RELEASE, release_probes

__all__ = ["DatedDoc", "GenerateOptions", "GeneratedProbe", "GeneratedSuite", "GenerateStats",
           "generate_probes", "suite_to_yaml"]
DISTRACTOR_FILTER = "distractor_true"
DUPLICATE_FILTER = "duplicate"
FILTER_NAMES = [name for name, _ in FILTERS] + [DISTRACTOR_FILTER, DUPLICATE_FILTER]


def generate_probes(docs: Sequence[DatedDoc], options: GenerateOptions | None = None,
                    progress: Mode = "off") -> GeneratedSuite:
    """Probes from the first appearances of terms in ``docs``; see the module docstring. The
    documents are counted in the ``progress`` mode as their mentions are tried."""
    options = options or GenerateOptions()
    corpus = build_corpus(docs, options)
    pool = build_pool(corpus, options)
    accepted, rejected, statements, discarded = _accept(corpus, pool, options, progress)
    released: Counter[str] = Counter()
    if options.releases:
        seen = {(p.probe["prompt"], p.probe["choices"]["correct"][0]) for p in accepted}
        more, released = release_probes(corpus, docs, options, seen)
        accepted += more
    selected = _select(accepted, options)
    stats = _stats(corpus, accepted, selected, rejected, statements, discarded, len(docs),
                   options).model_copy(update={"releases_rejected": {
                       name: released[name] for name in REJECTIONS} if options.releases else {}})
    return GeneratedSuite(
        name=options.name, version=options.version, description=options.description,
        seed=options.seed, generator_version=GENERATOR_VERSION, probes=selected, stats=stats,
        warnings=_warnings(corpus, stats, options))


def _accept(corpus: Corpus, pool: Pool, options: GenerateOptions, progress: Mode = "off"
            ) -> tuple[list[GeneratedProbe], Counter[str], Counter[str], Counter[str]]:
    """Every mention that passes the filters, as a probe: each term's first appearance as a
    term probe and, failing that (or for a later mention), each term's first mention in a
    document as a statement probe; in canonical order."""
    rejected: Counter[str] = Counter()
    statements: Counter[str] = Counter()
    discarded: Counter[str] = Counter()
    versions = _versions_by_subject(corpus)
    seen: set[tuple[str, str]] = set()
    ids: set[str] = set()
    out = []
    for doc in track(corpus.docs, progress, "Generating probes", unit="document"):
        done: set[str] = set()
        for span in doc.spans:
            if span.key in done:
                continue
            done.add(span.key)
            term = corpus.terms[span.key]
            kinds = [TERM] if term.first is span else []
            kinds += [STATEMENT] if options.statements else []
            for kind in kinds:
                probe, reason = _attempt(term, doc, span, kind, corpus, pool, options,
                                         versions, discarded)
                if probe is not None and ((probe.probe["prompt"], probe.probe["choices"][
                        "correct"][0]) in seen or probe.probe["id"] in ids):
                    probe, reason = None, DUPLICATE_FILTER
                if probe is None:
                    (rejected if kind == TERM else statements)[reason or ""] += 1
                    continue
                seen.add((probe.probe["prompt"], probe.probe["choices"]["correct"][0]))
                ids.add(probe.probe["id"])
                out.append(probe)
                break
    return out, rejected, statements, discarded


_OTHER_FORM_HELPS = frozenset({"too_short", "ambiguous", "boundary"})


def _attempt(term: Term, doc: Doc, span: Span, kind: str, corpus: Corpus, pool: Pool,
             options: GenerateOptions, versions: dict[str, list[tuple[int, tuple[int, ...]]]],
             discarded: Counter[str]) -> tuple[GeneratedProbe | None, str | None]:
    """The probe a mention makes as ``kind`` (the cloze form, else the blank form when the
    cloze fails for want of context), or None and the name of the filter that failed."""
    forms = [CLOZE, BLANKED] if options.blank_prompts else [CLOZE]
    reason: str | None = None
    for form in forms:
        c = make_candidate(term, doc, options, span=span if kind == STATEMENT else None,
                           kind=kind, form=form)
        reason = first_failure(c, corpus, options)
        if reason is None:
            break
        if reason not in _OTHER_FORM_HELPS:
            return None, reason
    if reason is not None:
        return None, reason
    keys, passed_over = choose_keys(c, pool, options, _rng(options.seed, f"{kind}:{span.key}"
                                                            f":{doc.index}"))
    discarded.update(passed_over)
    if len(keys) < options.n_distractors:
        return None, DISTRACTOR_FILTER
    return _probe(c, keys, corpus, options, versions), None


def _rng(seed: int, key: str) -> np.random.Generator:
    """A generator for one term: same seed and term, same draws, whatever the order."""
    return np.random.default_rng([seed, int(hashlib.sha256(key.encode()).hexdigest()[:15], 16)])


def _versions_by_subject(corpus: Corpus) -> dict[str, list[tuple[int, tuple[int, ...]]]]:
    out: dict[str, list[tuple[int, tuple[int, ...]]]] = defaultdict(list)
    for term in corpus.terms.values():
        if term.first.shape == VERSION:
            parsed = version_tuple(term.first.core)
            if parsed:
                out[term.first.subject].append((corpus.docs[term.doc].when, parsed))
    return out


def _previous(c: Candidate, versions: dict[str, list[tuple[int, tuple[int, ...]]]]
              ) -> tuple[int, ...] | None:
    """The highest version of the same subject seen before, below the answer."""
    answer = version_tuple(c.span.core)
    if c.span.shape != VERSION or answer is None:
        return None
    older = [v for when, v in versions.get(c.span.subject, []) if when < c.doc.when and v < answer]
    return max(older) if older else None


def _newest(c: Candidate, versions: dict[str, list[tuple[int, tuple[int, ...]]]]
            ) -> tuple[int, ...] | None:
    """The highest version of the answer's subject seen before the document's date."""
    if c.span.shape != VERSION:
        return None
    older = [v for when, v in versions.get(c.span.subject, []) if when < c.doc.when]
    return max(older) if older else None


def _probe(c: Candidate, keys: list[str], corpus: Corpus, options: GenerateOptions,
           versions: dict[str, list[tuple[int, tuple[int, ...]]]]) -> GeneratedProbe:
    level, reasons = predictability(c, corpus, options, _previous(c, versions), keys,
                                    _newest(c, versions))
    distractors = render_choices(c, keys, corpus)
    doc = c.doc.source
    digest = hashlib.sha256("\0".join([c.prompt, c.answer, c.doc.date]).encode())
    slug = re.sub(r"[^a-z0-9]+", "-", c.span.core.lower()).strip("-")[:32].strip("-")
    probe = {
        "id": f"{slug or c.span.shape}-{digest.hexdigest()[:8]}",
        "prompt": c.prompt,
        "choices": {"correct": [c.answer], "distractors": distractors},
        "answers": c.aliases,
        "event_date": c.doc.date,
        "category": doc.category or options.category,
        "predictability": level,
        "source": doc.source,
        **({"url": doc.url} if doc.url else {}),
    }
    return GeneratedProbe(probe=probe, shape=c.span.shape, term=c.span.key, period=c.doc.period,
                          group=c.doc.group or doc.source, reasons=reasons, kind=c.kind,
                          form=c.form)


def _select(accepted: list[GeneratedProbe], options: GenerateOptions) -> list[GeneratedProbe]:
    """Up to ``per_period`` probes a period: low/medium before high, spread over groups
    and documents (one per group, then one per document, before a second), seeded order
    within that; ``limit`` is then filled one period at a time, round robin."""
    by_period: dict[str, list[GeneratedProbe]] = defaultdict(list)
    for probe in accepted:
        by_period[probe.period].append(probe)
    ranked = {period: _rank(probes, options)[: options.per_period]
              for period, probes in sorted(by_period.items())}
    chosen = [p for probes in ranked.values() for p in probes]
    if options.limit is not None and len(chosen) > options.limit:
        chosen = _round_robin(list(ranked.values()), options.limit)
    return sorted(chosen, key=lambda p: (p.probe["event_date"], p.probe["id"]))


_KIND_ORDER = {TERM: 0, STATEMENT: 1, RELEASE: 2}


def _rank(probes: list[GeneratedProbe], options: GenerateOptions) -> list[GeneratedProbe]:
    """Low/medium before high; term probes, then statements, then release probes; then by round
    (the k-th probe of its group, then of its document, counted in seeded order); then seeded
    order."""
    def key(p: GeneratedProbe) -> tuple[bool, int]:
        return p.probe["predictability"] == "high", _KIND_ORDER.get(p.kind, 3)

    drawn = sorted(probes, key=lambda p: (key(p), _draw(options.seed, p)))
    per_group: Counter[tuple[tuple[bool, int], str]] = Counter()
    per_doc: Counter[tuple[tuple[bool, int], str]] = Counter()
    keys: dict[str, tuple[tuple[bool, int], int, int, int]] = {}
    for order, probe in enumerate(drawn):
        per_group[key(probe), probe.group] += 1
        per_doc[key(probe), probe.probe["source"]] += 1
        keys[probe.probe["id"]] = (key(probe), per_group[key(probe), probe.group],
                                   per_doc[key(probe), probe.probe["source"]], order)
    return sorted(drawn, key=lambda p: keys[p.probe["id"]])


def _draw(seed: int, probe: GeneratedProbe) -> float:
    return float(_rng(seed, "select:" + probe.probe["id"]).random())


def _round_robin(lists: list[list[GeneratedProbe]], limit: int) -> list[GeneratedProbe]:
    out: list[GeneratedProbe] = []
    depth = 0
    while len(out) < limit and any(depth < len(lst) for lst in lists):
        out += [lst[depth] for lst in lists if depth < len(lst)][: limit - len(out)]
        depth += 1
    return out


def _stats(corpus: Corpus, accepted: list[GeneratedProbe], selected: list[GeneratedProbe],
           rejected: Counter[str], statements: Counter[str], discarded: Counter[str],
           n_given: int, options: GenerateOptions) -> GenerateStats:
    usable = Counter(p.period for p in accepted if p.probe["predictability"] != "high")
    periods = Counter(d.period for d in corpus.docs)
    return GenerateStats(
        n_documents=n_given, documents_rejected=dict(sorted(corpus.rejected.items())),
        n_spans=corpus.n_spans, n_terms=len(corpus.terms),
        rejected={name: rejected[name] for name in FILTER_NAMES},
        statements_rejected={name: statements[name] for name in FILTER_NAMES
                             if name != "burn_in"} if options.statements else {},
        distractors_discarded=dict(sorted(discarded.items())),
        n_accepted=len(accepted), n_selected=len(selected),
        candidates_per_period={p: usable[p] for p in sorted(periods)},
        documents_per_period=dict(sorted(periods.items())),
        probes_per_period=dict(sorted(Counter(p.period for p in selected).items())),
        predictability=dict(sorted(Counter(p.probe["predictability"] for p in selected).items())),
        shapes=dict(sorted(Counter(p.shape for p in selected).items())),
        kinds=dict(sorted(Counter(f"{p.kind} {p.form}" for p in selected).items())),
    )


def _warnings(corpus: Corpus, stats: GenerateStats, options: GenerateOptions) -> list[str]:
    out = []
    n = len(corpus.docs)
    if stats.documents_rejected.get("date"):
        out.append(f"{stats.documents_rejected['date']} documents had no valid date "
                   "(YYYY-MM-DD or YYYY-MM) and were skipped")
    if n < options.min_documents:
        out.append(f"corpus too small: {n} documents (a useful suite needs at least "
                   f"{options.min_documents})")
    periods = stats.documents_per_period
    if len(periods) == 1:
        out.append(f"only one period ({next(iter(periods))}): accuracy by date needs several")
    thin = [p for p in periods if stats.candidates_per_period.get(p, 0) < options.min_candidates]
    if thin and len(periods) > 1:
        shown = ", ".join(thin[:6]) + (", ..." if len(thin) > 6 else "")
        out.append(f"{len(thin)} of {len(periods)} periods had fewer than "
                   f"{options.min_candidates} candidates of low or medium predictability: "
                   f"{shown}")
    if stats.n_selected == 0:
        out.append("no probes could be generated from this corpus")
    return out


# --------------------------------------------------------------------------- YAML
def suite_to_yaml(suite: GeneratedSuite, written: date | str, corpus: str = "") -> str:
    """The suite as a probe-suite YAML file, with a header saying how it was made.

    ``written`` (the date stamped in the header) and ``corpus`` (what it was generated from)
    are given by the caller, so the same suite always gives the same bytes.
    """
    stats = suite.stats
    rejected = ", ".join(f"{k} {v}" for k, v in stats.rejected.items()) or "none"
    header = [
        "# Generated probe suite; format: docs/probes.md.",
        f"# source corpus: {corpus or '(not given)'}",
        f"# generator: alignaudit generate {suite.generator_version}, seed {suite.seed}",
        f"# written: {written.isoformat() if isinstance(written, date) else written}",
        f"# documents: {stats.n_documents}; terms: {stats.n_terms}; first appearances "
        f"accepted: {stats.n_accepted}; probes: {stats.n_selected}",
        f"# rejected by filter: {rejected}",
        *([f"# statements rejected by filter: "
           f"{', '.join(f'{k} {v}' for k, v in stats.statements_rejected.items())}"]
          if stats.statements_rejected else []),
        *([f"# documents without a release probe: "
           f"{', '.join(f'{k} {v}' for k, v in stats.releases_rejected.items())}"]
          if stats.releases_rejected else []),
        f"# probes by kind and form: "
        f"{', '.join(f'{k} {v}' for k, v in stats.kinds.items()) or 'none'}",
        *[f"# warning: {w}" for w in suite.warnings],
    ]
    info = {"suite": {"name": suite.name, "version": suite.version,
                      "description": suite.description}}
    body = [_dump(info).rstrip("\n"), "probes:" if suite.probes else "probes: []"]
    for p in suite.probes:
        why = "; ".join(p.reasons) or "no reason to think it guessable"
        body.append(f"  # {p.kind} ({p.form}), {p.shape}, {p.probe['predictability']}: {why}")
        body += ["  " + line for line in _dump([p.probe]).rstrip("\n").split("\n")]
    return "\n".join(header + body) + "\n"


def _dump(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1_000_000,
                          default_flow_style=False)
