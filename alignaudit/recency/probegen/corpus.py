"""The corpus in canonical order, and what is known of every term in it.

Documents are sorted by (date, text hash, source, url, title, group) before anything else, so
the input order never matters; exact duplicates (same text) keep their earliest copy. One
pass over the sorted documents records each term's first appearance, how often it occurs,
which documents and releases mention it, the contexts it follows and how many documents use
each word.
"""

from __future__ import annotations

import bisect
import calendar
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from alignaudit.recency.probegen.candidates import Block, Span, find_spans, split_blocks, words
from alignaudit.recency.probegen.contexts import context_of, pairs, slots, window_of
from alignaudit.recency.probegen.model import DatedDoc, GenerateOptions

_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass(frozen=True)
class Doc:
    """A document in canonical order, cut into blocks, with its spans."""

    index: int
    """Position in canonical order."""
    source: DatedDoc
    """The document as given (text stripped)."""
    date: str
    """Its date, YYYY-MM-DD or YYYY-MM."""
    when: int
    """Sortable date: YYYYMMDD, DD = 00 for a month."""
    period: str
    """Period label: '2025-04', '2025-Q2' or '2025'."""
    group: str
    """Its group ('' when none was given)."""
    blocks: list[Block]
    """Bullets and paragraphs."""
    spans: list[Span]
    """Candidate spans in reading order."""
    burn_in: bool = False
    """In one of its group's first periods: terms first seen here give no probe."""


@dataclass
class Term:
    """What the corpus says about one term."""

    first: Span
    """Its first appearance."""
    doc: int
    """Canonical index of the document of its first appearance."""
    count: int = 0
    """Occurrences in the corpus."""
    docs: set[int] = field(default_factory=set)
    """Documents that mention it."""
    doc_list: list[int] = field(default_factory=list)
    """The same, in canonical (date) order."""
    slots: set[str] = field(default_factory=set)
    """The content words it has been written next to (see :func:`candidates.slots`)."""


@dataclass
class Corpus:
    """Documents and term statistics; built once, read by filters and distractors."""

    docs: list[Doc]
    terms: dict[str, Term]
    loose_first: dict[str, int]
    """Loose key -> first document (any spelling)."""
    df: Counter[str]
    """Word -> number of documents using it."""
    tails: dict[tuple[str, ...], set[str]]
    """Last words before a span (in its sentence) -> keys of the terms that follow them."""
    doc_keys: list[set[str]]
    """Per document: keys and loose keys of every term in it."""
    release_docs: dict[tuple[str, str], list[int]]
    """(group, date) -> documents of that release."""
    lower_texts: list[str]
    """Per document: its text in lower case."""
    rejected: Counter[str]
    """Documents dropped, by reason."""
    n_spans: int
    windows: dict[tuple[str, ...], set[str]] = field(default_factory=lambda: defaultdict(set))
    """Words just before and after a span (see :func:`candidates.window_of`) -> keys of the
    terms written between them."""
    word_docs: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Word -> documents using it, in canonical order."""
    whens: list[int] = field(default_factory=list)
    """Sortable date of each document, in canonical order (ascending)."""
    cache: dict[str, object] = field(default_factory=dict)
    """Structures built from the corpus when first needed (see :func:`guess.guesser_of`)."""
    pairs: dict[tuple[str, ...], dict[str, int]] = field(
        default_factory=lambda: defaultdict(dict))
    """Two words right before or after a span (see :func:`candidates.pairs`) -> the terms
    written next to them and the first document where each was."""

    def before(self, when: int) -> int:
        """How many documents are dated strictly before ``when`` (they come first)."""
        return bisect.bisect_left(self.whens, when)


def parse_date(text: str) -> tuple[str, int] | None:
    """A valid YYYY-MM-DD or YYYY-MM date and its sortable number, or None."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    day = int(match.group(3)) if match.group(3) else 0
    if not 1900 <= year <= 2100 or not 1 <= month <= 12:
        return None
    if match.group(3) and not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return text.strip(), year * 10000 + month * 100 + day


def period_of(when: int, period: str) -> str:
    """The label of the period holding a sortable date."""
    year, month = divmod(when // 100, 100)
    if period == "month":
        return f"{year:04d}-{month:02d}"
    if period == "quarter":
        return f"{year:04d}-Q{(month - 1) // 3 + 1}"
    return f"{year:04d}"


def years(when: int) -> float:
    """A sortable date as a fractional year."""
    year, rest = divmod(when, 10000)
    month, day = divmod(rest, 100)
    return year + (month - 1) / 12 + max(day - 1, 0) / 365


def canonical(docs: Sequence[DatedDoc], options: GenerateOptions) -> tuple[list[Doc], Counter[str]]:
    """Valid documents in canonical order, without duplicates, and what was dropped."""
    rejected: Counter[str] = Counter()
    keyed = []
    for doc in docs:
        parsed = parse_date(doc.date)
        text = doc.text.strip()[: options.max_doc_chars]
        if parsed is None:
            rejected["date"] += 1
            continue
        if not text:
            rejected["empty"] += 1
            continue
        same = " ".join(text.split())  # duplicates up to whitespace
        digest = hashlib.sha256(same.encode("utf-8", "surrogatepass")).hexdigest()
        order = (parsed[1], digest, doc.source, doc.url or "", doc.title or "", doc.group or "")
        keyed.append((order, parsed, text, doc))
    keyed.sort(key=lambda item: item[0])
    seen: set[str] = set()
    out: list[Doc] = []
    for order, (date, when), text, doc in keyed:
        if order[1] in seen:
            rejected["duplicate"] += 1
            continue
        seen.add(order[1])
        group = doc.group or ""
        blocks = split_blocks(text)
        out.append(Doc(index=len(out), source=doc.model_copy(update={"text": text}), date=date,
                       when=when, period=period_of(when, options.period), group=group,
                       blocks=blocks, spans=find_spans(blocks, group, options.rare_zipf)))
    return _mark_burn_in(out, options.burn_in_periods), rejected


def _mark_burn_in(docs: list[Doc], n: int) -> list[Doc]:
    first: dict[str, list[str]] = defaultdict(list)
    for doc in docs:  # canonical order is date order, so periods arrive sorted
        periods = first[doc.group]
        if doc.period not in periods and len(periods) < n:
            periods.append(doc.period)
    return [Doc(**{**doc.__dict__, "burn_in": doc.period in first[doc.group]}) for doc in docs]


def tail_of(block: Block, start: int, options: GenerateOptions) -> tuple[str, ...]:
    """The last ``ambiguity_words`` words of the context before ``start`` (the sentence, with
    the one before when it is short: see :func:`candidates.context_of`); '^' marks a
    context shorter than that."""
    n = options.ambiguity_words
    context = context_of(block, start, options.min_context_words, options.max_context_chars)
    before = words(context)
    return tuple(before[-n:]) if len(before) >= n else ("^", *before)


def build_corpus(docs: Sequence[DatedDoc], options: GenerateOptions) -> Corpus:
    """Canonicalise the documents and index every term, word and context in them."""
    ordered, rejected = canonical(docs, options)
    corpus = Corpus(docs=ordered, terms={}, loose_first={}, df=Counter(), tails=defaultdict(set),
                    doc_keys=[], release_docs=defaultdict(list), rejected=rejected, n_spans=0,
                    lower_texts=[d.source.text.lower() for d in ordered])
    for doc in ordered:
        keys: set[str] = set()
        for span in doc.spans:
            term = corpus.terms.get(span.key)
            if term is None:
                term = corpus.terms[span.key] = Term(first=span, doc=doc.index)
            term.count += 1
            if doc.index not in term.docs:
                term.docs.add(doc.index)
                term.doc_list.append(doc.index)
            corpus.loose_first.setdefault(span.loose, doc.index)
            keys.update((span.key, span.loose))
            tail = tail_of(doc.blocks[span.block], span.start, options)
            corpus.tails[tail].add(span.key)
            block = doc.blocks[span.block]
            term.slots.update(slots(block, span.start, span.end))
            for pair in pairs(block, span.start, span.end):
                corpus.pairs[pair].setdefault(span.key, doc.index)
            corpus.windows[window_of(block, span.start, span.end, options.ambiguity_words)].add(
                span.key)
        corpus.n_spans += len(doc.spans)
        corpus.doc_keys.append(keys)
        used = set(words(doc.source.text))
        corpus.df.update(used)
        for word in used:
            corpus.word_docs[word].append(doc.index)
        corpus.whens.append(doc.when)
        corpus.release_docs[(doc.group, doc.date)].append(doc.index)
    return corpus
