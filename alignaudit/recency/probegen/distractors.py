"""Distractors: other terms of the corpus, of the same shape, that are wrong in the prompt.

Choice, by a cost (lower is better) plus a little seeded noise:
- same shape class only (version <-> version, option <-> option, ...);
- same group preferred (same subject, for versions: Python 3.x for Python 3.y);
- already existing at the probe's date preferred: a term first seen later is one a stale
  model cannot know either, so "the one I do not recognise" would point to the answer less
  than it points away from the later terms... but it would also let a model that knows the
  later terms eliminate them as anachronistic. Drawing from terms that existed by then makes
  the answer the only new term: a stale model, which prefers what it knows, is pushed below
  chance after its cutoff, while recognising "the new one" needs knowledge past the event;
- similar length (characters and words) and frequency;
- versions: at least one higher and one lower than the answer when the corpus has them, so
  "pick the highest number" does not work.

For a statement probe (the answer may be an old term) every distractor must have been seen
before the document's date, in the same group: a term the stale model cannot know, or one
of another project, would point it to the answer.

A term is never a distractor when it is the answer in another spelling, a substring or
superstring of it, written anywhere in the probe's document or release (title included), or
follows the same words as the answer elsewhere in the corpus (it would fit the context too).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from alignaudit.recency.probegen.candidates import (
    CVE,
    NAME,
    PEP,
    PERSON,
    PHRASE,
    PROPER,
    RFC,
    VERSION,
    WORD,
    parts,
    zipf,
)
from alignaudit.recency.probegen.contexts import (
    context_of,
    last_part,
    looks,
    render,
    same_stem,
    slots,
)
from alignaudit.recency.probegen.corpus import Corpus, Term, years
from alignaudit.recency.probegen.filters import STATEMENT, Candidate, frame_keys, version_tuple
from alignaudit.recency.probegen.guess import guesser_of
from alignaudit.recency.probegen.model import GenerateOptions
from alignaudit.recency.probegen.novelty import credited
from alignaudit.recency.probegen.predictability import guess_cues

_WINDOW_BEFORE, _WINDOW_AFTER, _WINDOW_GROUP, _SHORTLIST = 400, 100, 200, 12
_SLOTS = 30  # the answer's rarest slot words used to find distractors of its kind
_PLAUSIBLE = 60  # statements: the terms a stale reader finds most plausible, also scored


@dataclass
class _Shape:
    """The terms of one shape class, in order of first appearance."""

    keys: list[str] = field(default_factory=list)
    whens: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    by_group: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_part: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Word part -> terms having it (to find distractors that fit the prompt's words)."""
    by_slot: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Slot word (see :func:`candidates.slots`) -> terms written next to it."""
    by_last: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Last word part (see :func:`candidates.last_part`: "error", "field") -> terms."""
    parts: list[set[str]] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    looks: dict[tuple[bool, bool, bool, str], int] = field(default_factory=dict)
    """How terms are written (see :func:`candidates.looks`) -> a number."""


@dataclass
class Pool:
    """Every possible distractor, by shape class."""

    shapes: dict[str, _Shape]
    corpus: Corpus
    group_ids: dict[str, int]
    """Group (or version subject) -> number, to compare groups as arrays."""
    releases: dict[tuple[str, str], tuple[set[str], str]] = field(default_factory=dict)
    """(group, date) -> keys, loose keys and lower-cased text of all its documents (filled
    as needed)."""

    def release(self, group: str, date: str) -> tuple[set[str], str]:
        """The keys and text of a release's documents (see ``releases``)."""
        found = self.releases.get((group, date))
        if found is None:
            docs = self.corpus.release_docs.get((group, date), []) if group else []
            keys: set[str] = set().union(*(self.corpus.doc_keys[d] for d in docs))
            text = "\n".join(self.corpus.lower_texts[d] for d in docs)
            found = self.releases[(group, date)] = (keys, text)
        return found


def build_pool(corpus: Corpus, options: GenerateOptions) -> Pool:
    """Index the corpus's terms by shape, leaving out common English words."""
    shapes: dict[str, _Shape] = defaultdict(_Shape)
    columns: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    group_ids: dict[str, int] = {}
    column = {key: i for i, key in enumerate(corpus.terms)}  # as in guess.Guesser
    for key, term in corpus.terms.items():  # insertion order = order of first appearance
        span = term.first
        single = " " not in span.core and span.shape not in (VERSION, NAME, PHRASE)
        if single and zipf(span.core.lstrip("-")) >= options.common_zipf:
            continue
        doc = corpus.docs[term.doc]
        if span.shape == PERSON and not _credited_somewhere(term, corpus, options):
            continue  # "Azure Synapse" looks like a name but is never thanked
        shape = shapes[span.shape]
        group = span.subject or doc.group
        shape.by_group[group].append(len(shape.keys))
        shape.groups.append(group_ids.setdefault(group, len(group_ids)))
        own = {p for p in parts(span.core) if not p.isdigit()}
        for part in own:
            shape.by_part[part].append(len(shape.keys))
        shape.parts.append(own)
        for slot in term.slots:
            shape.by_slot[slot].append(len(shape.keys))
        suffix = last_part(span.core)
        if suffix:
            shape.by_last[suffix].append(len(shape.keys))
        shape.keys.append(key)
        shape.whens.append(doc.when)
        col = columns[span.shape]
        col["chars"].append(len(span.core))
        col["words"].append(len(span.core.split()))
        col["count"].append(np.log1p(term.count))
        col["year"].append(years(doc.when))
        col["looks"].append(shape.looks.setdefault(looks(span.core), len(shape.looks)))
        col["docgroup"].append(group_ids.setdefault(doc.group, len(group_ids)))
        col["column"].append(column[key])
    for name, shape in shapes.items():
        shape.arrays = {k: np.asarray(v, dtype=float) for k, v in columns[name].items()}
        shape.arrays["group"] = np.asarray(shape.groups, dtype=float)
        shape.arrays["when"] = np.asarray(shape.whens, dtype=float)
    return Pool(shapes=dict(shapes), corpus=corpus, group_ids=group_ids)


def _credited_somewhere(term: Term, corpus: Corpus, options: GenerateOptions) -> bool:
    """Whether a person-shaped term is credited ("Thanks X") where it first appears."""
    block = corpus.docs[term.doc].blocks[term.first.block]
    context = context_of(block, term.first.start, options.min_context_words,
                         options.max_context_chars)
    return credited(context)


def choose(c: Candidate, pool: Pool, options: GenerateOptions,
           rng: np.random.Generator) -> tuple[list[str], Counter[str]]:
    """Up to ``options.n_distractors`` completions that are wrong for ``c``, and how many
    candidates were passed over, by reason."""
    keys, discarded = choose_keys(c, pool, options, rng)
    return render_choices(c, keys, pool.corpus), discarded


def render_choices(c: Candidate, keys: list[str], corpus: Corpus) -> list[str]:
    """Distractor keys written as completions, the way the answer is written."""
    return [render(c.template, corpus.terms[k].first.core) for k in keys]


def choose_keys(c: Candidate, pool: Pool, options: GenerateOptions,
                rng: np.random.Generator) -> tuple[list[str], Counter[str]]:
    """The keys of up to ``options.n_distractors`` terms that are wrong for ``c``, and how
    many candidates were passed over, by reason."""
    shape = pool.shapes.get(c.span.shape)
    discarded: Counter[str] = Counter()
    if shape is None:
        return [], discarded
    plausible = _plausibility(c, pool, shape) if c.kind == STATEMENT else None
    extra = np.zeros(0, dtype=np.int64)
    if plausible is not None:  # also score the terms a stale reader finds most plausible
        ok = (shape.arrays["when"] < c.doc.when) & (
            shape.arrays["docgroup"] == pool.group_ids.get(c.doc.group, -1) if c.doc.group
            else True)
        ranked = np.argsort(-np.where(ok, plausible[1:], -np.inf), kind="stable")
        extra = ranked[: _PLAUSIBLE][ok[ranked[: _PLAUSIBLE]]]
    index, overlap, slot_fit, same_kind = _nearby(shape, c, extra)
    if c.kind == STATEMENT:  # the cheap checks of why_not, on arrays
        earlier = shape.arrays["when"][index] < c.doc.when
        own = np.ones(len(index), dtype=bool)
        if c.doc.group:
            own = shape.arrays["docgroup"][index] == pool.group_ids.get(c.doc.group, -1)
        discarded["later"] += int((~earlier).sum())
        discarded["other_group"] += int((earlier & ~own).sum())
        keep = earlier & own
        index, overlap, slot_fit, same_kind = (index[keep], overlap[keep], slot_fit[keep],
                                               same_kind[keep])
    group = pool.group_ids.get(c.span.subject or c.doc.group, -1)
    fit = len({p for p in parts(c.span.core) if not p.isdigit()} & parts(c.prompt))
    cost = _cost(shape, index, c, group) + rng.random(len(index)) * 0.5
    cost += 1.0 * np.abs(overlap - fit)
    cost += 0.5 * np.maximum(0.0, 2.0 - slot_fit)  # filled the answer's slots: same kind
    cost += np.where(same_kind, 0.0, 0.8)  # "NoSuchTableError" wants other "...Error"s
    cost += np.where(shape.arrays["looks"][index] == shape.looks.get(looks(c.span.core), -1),
                     0.0, 0.8)  # written alike: "ORA-00028" wants other codes
    if plausible is not None and len(index):
        # less plausible than the answer (when the earlier corpus knew it; else than the
        # most plausible candidate): plausible distractors keep a stale model from singling
        # out an old answer by what it knew, or by which choices fit the sentence
        ref = plausible[0] if _mentioned_before(c, pool) else plausible[1:][index].max()
        cost += 0.4 * np.clip(ref - plausible[1:][index], 0.0, 5.0)
    valid: list[str] = []
    checks = Checks(c=c, corpus=pool.corpus, release=pool.release(c.doc.group, c.doc.date))
    for i in index[np.argsort(cost, kind="stable")]:
        key = shape.keys[i]
        reason = why_not(key, checks)
        if reason:
            discarded[reason] += 1
            continue
        valid.append(key)
        checks.take(key)
        if len(valid) >= _SHORTLIST:
            break
    return _balanced(valid, c, pool.corpus, options.n_distractors), discarded


def _plausibility(c: Candidate, pool: Pool, shape: _Shape) -> np.ndarray | None:
    """How plausible a reader of the corpus before ``c``'s date finds the answer (first)
    and every term of its shape class (see :mod:`guess`); None when the prompt has no cue."""
    cues = guess_cues(c, pool.corpus)
    if not cues:
        return None
    guesser = guesser_of(pool.corpus)
    cols = np.concatenate([guesser.columns([c.span.key]),
                           shape.arrays["column"].astype(np.int64)])
    return guesser.scores(cues, pool.corpus.before(c.doc.when), cols)[0]


def _mentioned_before(c: Candidate, pool: Pool) -> bool:
    docs = pool.corpus.terms[c.span.key].doc_list
    return bool(docs) and pool.corpus.docs[docs[0]].when < c.doc.when


def _nearby(shape: _Shape, c: Candidate, extra: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indexes worth scoring: terms first seen just before (and a few after) the probe's
    date, the nearest of its own group or subject, the nearest that share a word part
    with the prompt and those that have filled the same slot as the answer ("the ___
    dialect", or that the answer has filled elsewhere); how many parts each shares with the
    prompt; how many of the answer's slots each has filled (this mention's count twice; 2
    for all when the answer has no slot to compare); whether each ends in the same word part
    as the answer ("...Error", "..._field"; all True when few terms do). ``extra`` are
    indexes to score as well."""
    here = bisect.bisect_left(shape.whens, c.doc.when)
    chosen = [np.arange(max(0, here - _WINDOW_BEFORE), min(len(shape.keys), here + _WINDOW_AFTER)),
              extra.astype(np.int64)]
    chosen.append(_around(shape.by_group.get(c.span.subject or c.doc.group, []), here))
    shared = [_around(shape.by_part[p], here) for p in parts(c.prompt) if p in shape.by_part]
    here_slots = set(slots(c.block, c.span.start, c.span.end))
    usable = sorted((len(shape.by_slot[s]), s) for s in c.term.slots | here_slots
                    if len(shape.by_slot.get(s, ())) > 3)
    mine = [s for _, s in usable[:_SLOTS]]
    fitting = [_around(shape.by_slot[s], here) for s in mine]
    fitting += [_around(shape.by_slot[s], here) for s in mine if s in here_slots]  # twice
    family = shape.by_last.get(last_part(c.span.core), [])
    kin = [_around(family, here)] if len(family) > 3 else []
    index = np.unique(np.concatenate(chosen + shared + fitting + kin))
    overlap = np.zeros(len(index))
    if shared:
        hits, counts = np.unique(np.concatenate(shared), return_counts=True)
        overlap[np.searchsorted(index, hits)] = counts
    fit = np.full(len(index), 2.0)
    if fitting:
        hits, counts = np.unique(np.concatenate(fitting), return_counts=True)
        fit = np.zeros(len(index))
        fit[np.searchsorted(index, hits)] = counts
    same = np.ones(len(index), dtype=bool)
    if kin:
        same[:] = False
        same[np.searchsorted(index, kin[0])] = True
    return index, overlap, fit, same


def _around(members: list[int], here: int) -> np.ndarray:
    """The members (sorted indexes) nearest before ``here``, and a few after."""
    at = bisect.bisect_left(members, here)
    return np.asarray(members[max(0, at - _WINDOW_GROUP): at + _WINDOW_GROUP // 4],
                      dtype=np.int64)


def _cost(shape: _Shape, index: np.ndarray, c: Candidate, group: int) -> np.ndarray:
    a = shape.arrays
    span = c.span
    in_group = a["group"][index] == group
    later = a["when"][index] >= c.doc.when
    cost = np.where(in_group, 0.0, 4.0 if span.shape == VERSION else 1.5)
    cost += np.where(later, 1.5, 0.0)
    cost += 2.0 * np.abs(np.log(a["chars"][index] / max(len(span.core), 1)))
    cost += 0.7 * np.abs(a["words"][index] - len(span.core.split()))
    cost += 0.3 * np.abs(a["count"][index] - np.log1p(c.term.count))
    cost += 0.1 * np.minimum(np.abs(a["year"][index] - years(c.doc.when)), 10.0)
    return cost


@dataclass
class Checks:
    """What a distractor of one probe must not be, gathered once per probe."""

    c: Candidate
    corpus: Corpus
    release: tuple[set[str], str] = (set(), "")
    """Keys and text of every document of the probe's release (see :meth:`Pool.release`)."""
    aliases: set[str] = field(default_factory=set)
    chosen: set[str] = field(default_factory=set)
    """Loose keys and lower-cased cores of the distractors already taken."""

    def __post_init__(self) -> None:
        self.aliases = {a.lower() for a in self.c.aliases} | {self.c.span.core.lower()}

    def take(self, key: str) -> None:
        first = self.corpus.terms[key].first
        self.chosen.update((first.loose, first.core.lower()))


def why_not(key: str, checks: Checks) -> str | None:
    """Why the term ``key`` cannot be a distractor (None when it can)."""
    c, corpus = checks.c, checks.corpus
    other = corpus.terms[key].first
    core, answer = other.core.lower(), c.span.core.lower()
    if key == c.span.key or other.loose == c.span.loose or core in checks.aliases:
        return "same_term"
    if core in answer or answer in core or (
            other.shape in (WORD, PROPER) and same_stem(core, answer)):
        return "overlaps_answer"  # also "parametrization" for "parametrized"
    if c.kind == STATEMENT:
        first = corpus.docs[corpus.terms[key].doc]
        if first.when >= c.doc.when:
            return "later"  # a model that knows the answer must know every distractor too
        if c.doc.group and first.group != c.doc.group:
            return "other_group"  # a term of another project is ruled out by its project
    if _mentioned(key, core, other.loose, c.doc.index, corpus):
        return "in_document"
    keys, text = checks.release
    if core in (c.doc.source.title or "").lower() or key in keys or other.loose in keys \
            or core in text:
        return "in_release"
    if key in frame_keys(c, corpus):
        return "same_context"
    if other.loose in checks.chosen or core in checks.chosen:
        return "repeats"
    return None


def _mentioned(key: str, core: str, loose: str, doc: int, corpus: Corpus) -> bool:
    keys = corpus.doc_keys[doc]
    return key in keys or loose in keys or core in corpus.lower_texts[doc]


_ORDERED = (VERSION, CVE, PEP, RFC)


def _number(core: str) -> tuple[int, ...] | None:
    digits = re.findall(r"\d+", core)
    return version_tuple(core) or (tuple(int(d) for d in digits) if digits else None)


def _balanced(valid: list[str], c: Candidate, corpus: Corpus, n: int) -> list[str]:
    """The ``n`` cheapest, but for numbered terms (versions, CVEs, PEPs) at least one above
    and one below the answer, so that "the highest number" is not a way to guess."""
    if c.span.shape not in _ORDERED or len(valid) <= n:
        return valid[:n]
    answer = _number(c.span.core)
    if answer is None:
        return valid[:n]
    numbers = {k: _number(corpus.terms[k].first.core) for k in valid}
    known = {k: v for k, v in numbers.items() if v is not None}
    higher = [k for k in valid if k in known and known[k] > answer]
    lower = [k for k in valid if k in known and known[k] < answer]
    first = [group[0] for group in (higher, lower) if group]
    rest = [k for k in valid if k not in first]
    picked = first + rest[: n - len(first)]
    return sorted(picked, key=valid.index)
