"""Candidate spans in dated text: where a name, identifier, option, version or reference is.

A document is cut into *blocks* (a bullet, a paragraph), each block's whitespace collapsed to
single spaces, and each block into sentences. A :class:`Span` is a place in a block where a
term of one *shape class* is written; its *key* says which term it is (case-folded, versions
keyed with their subject: ``python 3.12``), its *loose* key the same term in any spelling
(``--use-pep517`` and ``use_pep517`` share ``usepep517``).

Everything here is a pure function of the text; nothing is random.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace

import wordfreq

# Shape classes: distractors are drawn from the same class only.
OPTION, VERSION, PEP, RFC, CVE = "option", "version", "pep", "rfc", "cve"
CAMEL, SNAKE, DOTTED, PATH, ACRONYM = "camel", "snake", "dotted", "path", "acronym"
NAME, PERSON, WORD, PROPER, PHRASE = "name", "person", "word", "proper", "phrase"

_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,2}[.)])\s+")
_ATTRIBUTION = re.compile(r"^\s*\[ [^\]]+ \]\s*$")  # Debian "[ Maintainer Name ]" lines
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'`(*\u201c])")
_TOKEN = re.compile(r"\S+")
EDGE = "()[]{}<>,;:!?'\"\u201c\u201d\u2018\u2019*"
_WORDS = re.compile(r"[a-z0-9][a-z0-9+#'-]*")

_OPTION = re.compile(r"--[A-Za-z][\w-]*[A-Za-z0-9]")
_VERSION = re.compile(r"[vV]?\d+(?:\.\d+){1,3}(?:[a-z]{1,5}\d*)?(?:[-+~][\w.+~]*[\w])?")
_CVE = re.compile(r"CVE-\d{4}-\d{4,7}")
_PATH = re.compile(r"[\w.-]*[A-Za-z][\w.-]*(?:/[\w.-]+)+/?")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_SNAKE = re.compile(r"_*[A-Za-z][A-Za-z0-9]*(?:_+[A-Za-z0-9]+)+_*")
_CAMEL = re.compile(r"(?=(?:[^a-z]*[a-z]){2})(?:[A-Za-z][a-z0-9]*(?:[A-Z][A-Za-z0-9]*)+"
                    r"|[A-Z]{2,}[a-z]\w*)")
_ACRONYM = re.compile(r"(?=[A-Z0-9]*[A-Z])[A-Z0-9]{2,10}|[A-Z][A-Za-z0-9]{1,9}")
# A word of a person's name: "Gord", "O'Brien", "Gretton-Dann" (not "DBAPIs", "HTTP").
_PERSON_WORD = re.compile(r"(?:[^\W\d_][-'\u2019])?[^\W\d_][^\W\d_A-Z]+"
                          r"(?:[-'\u2019][^\W\d_][^\W\d_A-Z]*)*")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W_]+)*")
_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# Affixes whose removal turns a rare word into a common one ("writable" = write + able).
_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "or", "ors", "able", "ably",
             "ability", "ally", "ation", "ations", "ness", "ment", "ments", "ize", "ized", "ise",
             "ised", "ity", "al", "ic", "ically", "ive", "less", "ful", "ish")
_PREFIXES = ("un", "re", "pre", "multi", "non", "sub", "de", "mis", "over", "auto", "co",
             "inter", "post", "in", "dis", "super", "micro", "mini", "hyper", "cross", "under",
             "out", "self", "semi", "anti", "bi", "tri", "mono", "poly", "meta", "para")

_QUOTED = re.compile(r"``([^`]{1,60}?)``|(?<![`\w])`([^`]{1,60}?)`(?![`\w])|\"([^\"]{1,60}?)\""
                     r"|\u201c([^\u201d]{1,60}?)\u201d")
_ROLE = re.compile(r":(pep|rfc):`(\d{1,5})`", re.IGNORECASE)
_REF = re.compile(r"\b(PEP|RFC)[ -]?(\d{1,5})\b")

# A run of capitalised words does not start with a common word ("Thanks John Smith").
_NAME_LEAD_ZIPF = 4.5
# Words skipped when looking back from a version for its subject ("Upgrade urllib3 to 1.2").
_VERSION_GLUE = frozenset("""
to version versions v from of is at release releases upstream new the and with than on
in for = == >= <= < > ~= a an latest bump bumped update updated upgrade upgraded
""".split())  # noqa: SIM905


@dataclass(frozen=True)
class Block:
    """A bullet or paragraph of a document, whitespace collapsed."""

    text: str
    """The block's text on one line."""
    line: int
    """0-based line of the document where the block starts."""
    sentences: tuple[int, ...]
    """Start offsets of the block's sentences."""


@dataclass(frozen=True)
class Span:
    """One place where a candidate term is written."""

    block: int
    """Index of the block in the document."""
    start: int
    """Offset in the block where the written span (with any quotes) starts."""
    end: int
    """Offset just past the written span."""
    core: str
    """The term itself, without quotes or markup (``--group``, ``3.12``, ``PEP 735``)."""
    template: str
    """How it is written, ``{}`` standing for the core (``` ``{}`` ```, ``:pep:`{}```)."""
    shape: str
    """Shape class: option, version, pep, camel, snake, name, word..."""
    key: str
    """Which term this is: the case-folded core (versions: ``subject version``)."""
    loose: str
    """The term in any spelling: letters and digits only, versions without trailing .0."""
    subject: str
    """For versions, what the version is of (``urllib3``); otherwise empty."""


# --------------------------------------------------------------------------- blocks
def split_blocks(text: str) -> list[Block]:
    """Cut a document into bullets and paragraphs, each on one line, with sentence starts."""
    blocks: list[Block] = []
    current: list[str] = []
    first = 0
    for i, line in enumerate([*text.splitlines(), ""]):
        bullet = _BULLET.match(line)
        if not line.strip() or bullet or _ATTRIBUTION.match(line):
            if current:
                blocks.append(_block(" ".join(current), first))
            current = []
            if bullet and line[bullet.end():].strip():
                current, first = [line[bullet.end():].strip()], i
            continue
        if not current:
            first = i
        current.append(line.strip())
    return blocks


def _block(text: str, line: int) -> Block:
    text = " ".join(text.split())
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    return Block(text=text, line=line, sentences=tuple(starts))


def words(text: str) -> list[str]:
    """Lower-cased word tokens, as used for contexts, tails and document frequencies."""
    return _WORDS.findall(text.lower())


# --------------------------------------------------------------------------- shapes
@functools.lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    return wordfreq.get_frequency_dict("en")


@functools.lru_cache(maxsize=262144)
def zipf(term: str) -> float:
    """How common ``term`` is in English (wordfreq's Zipf scale, 0 = never seen)."""
    if term.isalpha() and term.islower():  # the common case, looked up directly
        freq = _frequencies().get(term)
        return round(math.log10(freq) + 9, 2) if freq else 0.0
    return wordfreq.zipf_frequency(term, "en")


def parts(text: str) -> set[str]:
    """Lower-cased word parts of 3+ characters: 'ResolutionImpossible' -> resolution,
    impossible; 'hci_cmd_sync' -> hci, cmd, sync."""
    return {p.lower() for p in _PARTS.findall(text) if len(p) >= 3}


@functools.lru_cache(maxsize=262144)
def is_novel_word(word: str, rare_zipf: float) -> bool:
    """A word that looks like a name for something rather than English vocabulary: rare,
    not a common word with an affix ("writable"), not two common words run together
    ("multiport"); hyphenated words need one such part ("libvtk7-dev")."""
    word = word.lower()
    if "-" in word:
        return any(len(p) >= 3 and is_novel_word(p, rare_zipf) for p in word.split("-"))
    if zipf(word) >= rare_zipf or not word.isalnum():
        return False
    return not _derived(word, 3) and not _typo(word) and not any(
        zipf(word[:i]) >= 3.5 and zipf(word[i:]) >= 3.5 for i in range(3, len(word) - 2))


def _derived(word: str, depth: int) -> bool:
    """A common word with affixes: "writable", "unversioned" (un + version + ed)."""
    if len(word) < 3:
        return False
    if zipf(word) >= 3.0:
        return True
    if depth == 0:
        return False
    return any(word.endswith(s) and len(word) - len(s) >= 3 and _derived(word[: -len(s)],
                                                                         depth - 1)
               for s in _SUFFIXES) or \
        any(word.startswith(p) and len(word) - len(p) >= 3 and _derived(word[len(p):], depth - 1)
            for p in _PREFIXES)


def _typo(word: str) -> bool:
    """One letter away (inside the word) from a common word: "expicitly", "testsute"."""
    if len(word) < 7 or not word.isalpha():
        return False
    freq = _frequencies()
    common = 10 ** (3.0 - 9)
    inner = range(1, len(word) - 1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    variants = [word[:i] + word[i + 1:] for i in inner]
    variants += [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 2)]
    variants += [word[:i] + ch + word[i:] for i in range(1, len(word)) for ch in letters]
    variants += [word[:i] + ch + word[i + 1:] for i in inner for ch in letters]
    return any(freq.get(v, 0.0) >= common for v in variants if v != word)


def shape_of(token: str) -> str | None:
    """The shape class of a single written token, or None when it is not a term."""
    if "@" in token or "://" in token or len(token) < 2 or len(token) > 60:
        return None
    if token.isalpha():  # most tokens: decide without regular expressions
        if token.islower():
            return WORD
        if token[0].isupper() and token[1:].islower():
            return PROPER
        if token.isupper():
            return ACRONYM if len(token) <= 10 else None
    for shape, pattern in ((OPTION, _OPTION), (VERSION, _VERSION), (CVE, _CVE),
                           (PATH, _PATH), (DOTTED, _DOTTED), (SNAKE, _SNAKE),
                           (CAMEL, _CAMEL), (ACRONYM, _ACRONYM), (WORD, _WORD)):
        if pattern.fullmatch(token):
            return shape
    return None


def loose_key(core: str, shape: str) -> str:
    """The term in any spelling: letters and digits only; versions lose trailing ``.0``."""
    text = core.lower()
    if shape == VERSION:
        text = re.sub(r"^v(?=\d)", "", text)
        while text.endswith(".0") and text.count(".") > 1:
            text = text[:-2]
    return re.sub(r"[^a-z0-9.]" if shape == VERSION else r"[^a-z0-9]", "", text)


def _version_subject(text: str, start: int, fallback: str) -> str:
    """What a version belongs to: the nearest earlier word that is not glue ("to", "v"), if
    it looks like a name (capitalised, with digits or signs, or rare); else ``fallback``
    when only glue came before, else '' (a version of nothing in particular)."""
    tokens = [t.strip(EDGE + ".") for t in text[:start].split()[-8:]]
    for token in reversed(tokens):
        lower = token.lower()
        if not token or lower in _VERSION_GLUE or _VERSION.fullmatch(token):
            continue
        named = token[0].isupper() or not token.isalpha() or zipf(lower) < 3.5
        return lower if named or lower == fallback else ""
    return fallback


def make_span(block: int, text: str, start: int, end: int, core: str, template: str,
              shape: str, group: str) -> Span:
    """A :class:`Span` with its keys filled in."""
    subject = _version_subject(text, start, group) if shape == VERSION else ""
    loose = loose_key(core, shape)
    key = f"{subject} {loose}" if shape == VERSION else core.lower()
    if shape in (PEP, RFC):
        key = loose = f"{shape}{core.split()[-1]}"
    return Span(block=block, start=start, end=end, core=core, template=template, shape=shape,
                key=key, loose=f"{subject} {loose}" if shape == VERSION else loose,
                subject=subject)


# --------------------------------------------------------------------------- spans
def find_spans(blocks: list[Block], group: str, rare_zipf: float) -> list[Span]:
    """Every candidate span of a document, in reading order, without overlaps.

    A bare word is a candidate only when it is rare in English (Zipf below ``rare_zipf``);
    quoted, bracketed and other shapes are kept whatever their frequency (filtered later).
    """
    spans: list[Span] = []
    for b, block in enumerate(blocks):
        found = _quoted(b, block, group, rare_zipf) + _refs(b, block, group) \
            + _names(b, block, group) + _tokens(b, block, group, rare_zipf)
        taken: list[tuple[int, int]] = []
        for span in found:  # earlier lists take precedence over later ones
            if all(span.end <= s or span.start >= e for s, e in taken):
                taken.append((span.start, span.end))
                spans.append(_bracketed(span, block.text))
    return sorted(spans, key=lambda s: (s.block, s.start))


_CLOSING = {"(": ")", "[": "]"}


def _bracketed(span: Span, text: str) -> Span:
    """A span in brackets, "(CVE-2024-1234)", is written with them, so that the completion
    still starts with a space: prompt "... hook", answer " (CVE-2024-1234)"."""
    opener = text[span.start - 1] if span.start else ""
    if opener not in _CLOSING or (span.start > 1 and text[span.start - 2] != " "):
        return span
    closed = text[span.end:span.end + 1] == _CLOSING[opener]
    template = opener + span.template + (_CLOSING[opener] if closed else "")
    return replace(span, start=span.start - 1, end=span.end + closed, template=template)


_TRACKER = re.compile(r"(?:issues?|tickets?|pr|prs|gh|bpo|bugs?|trac|pull|fix(?:es)?)[-_#]?\d+",
                      re.IGNORECASE)


def _novel_enough(core: str, shape: str, rare_zipf: float) -> bool:
    """Whether a span could name something new: bare and quoted words must be novel words;
    a quoted phrase or an "a/b" pair needs a part that is not a common English word. An
    issue or pull-request number ("issue970", "gh-1234") is never a term: it names no
    thing a model could learn about, only a place in a tracker."""
    if _TRACKER.fullmatch(core):
        return False
    if shape == ACRONYM and core[:1].isdigit():
        return False  # "10M", "2x": a size or a count, not a name
    suffix = re.search(r"-([A-Za-z]{3,})$", core) if shape == VERSION else None
    if suffix and zipf(suffix.group(1).lower()) >= 3.0:
        return False  # "2.0-style" is not a version
    if shape in (WORD, PROPER):
        return is_novel_word(core, rare_zipf)
    if shape == PHRASE:
        return any(not t.isalpha() or zipf(t.lower()) < 3.0 for t in core.split())
    if shape == DOTTED and any(p[:1].isupper() and zipf(p.lower()) >= 5.5
                               for p in core.split(".")[1:]):
        return False  # "session.The": a missing space after a full stop
    if shape == PATH and not re.search(r"[._\d]", core):
        return core.count("/") >= 2  # "a/b" is a pair of alternatives, not a path
    return True


def _quoted(b: int, block: Block, group: str, rare_zipf: float) -> list[Span]:
    out = []
    for m in _QUOTED.finditer(block.text):
        index = next(i for i in range(1, 5) if m.group(i) is not None)
        inner = m.group(index)
        core = inner.strip()
        if not core or core != inner or len(core.split()) > 4:
            continue
        shape = shape_of(core) if " " not in core else PHRASE
        if shape is None or not _novel_enough(core, shape, rare_zipf):
            continue
        template = block.text[m.start():m.start(index)] + "{}" + block.text[m.end(index):m.end()]
        out.append(make_span(b, block.text, m.start(), m.end(), core, template, shape, group))
    return out


def _refs(b: int, block: Block, group: str) -> list[Span]:
    out = []
    for m in _ROLE.finditer(block.text):
        kind = m.group(1).lower()
        template = f":{m.group(1)}:`{{}}`"
        out.append(make_span(b, block.text, m.start(), m.end(), m.group(2), template,
                             kind, group))
    for m in _REF.finditer(block.text):
        sep = block.text[m.end(1):m.start(2)]
        template = f"{m.group(1)}{sep}{{}}"
        out.append(make_span(b, block.text, m.start(), m.end(), m.group(2), template,
                             m.group(1).lower(), group))
    return out


def _names(b: int, block: Block, group: str) -> list[Span]:
    """Runs of two or more capitalised words that do not open a sentence."""
    out: list[Span] = []
    run: list[tuple[int, int]] = []

    def flush() -> None:
        text = block.text[run[0][0]:run[-1][1]] if run else ""
        tokens = text.split()
        adjective = any(re.search(r"-[a-z]", w) for w in tokens)  # "Oracle-specific"
        odd = any(len(w) < 2 or any(ch.isdigit() for ch in w) for w in tokens)  # "A926 F04F"
        if 2 <= len(run) <= 4 and any(zipf(w.lower()) < 3.5 for w in tokens) and not adjective \
                and not odd:
            person = len(tokens) <= 3 and all(_PERSON_WORD.fullmatch(w) and not w.isupper()
                                              for w in tokens) \
                and sum(zipf(w.lower()) >= 4.3 for w in tokens) <= 1
            out.append(make_span(b, block.text, run[0][0], run[-1][1], text, "{}",
                                 PERSON if person else NAME, group))
        run.clear()

    for m in _TOKEN.finditer(block.text):
        word = m.group()
        clean = word.rstrip(EDGE + ".")
        if not _capitalised(clean) or _opens_sentence(block, m) or word.endswith(":") or \
                (not run and zipf(clean.lower()) >= _NAME_LEAD_ZIPF):
            flush()
            continue
        run.append((m.start(), m.start() + len(clean)))
        if clean != word:  # punctuation ends a name: "... Dependency Groups."
            flush()
    flush()
    return out


def _capitalised(word: str) -> bool:
    return bool(word) and word[0].isupper() and _WORD.fullmatch(word) is not None


def _opens_sentence(block: Block, m: re.Match[str]) -> bool:
    return m.start() in block.sentences


def _tokens(b: int, block: Block, group: str, rare_zipf: float) -> list[Span]:
    out = []
    for m in _TOKEN.finditer(block.text):
        word = m.group()
        lead = len(word) - len(word.lstrip(EDGE + "."))
        core = word.strip(EDGE + ".")
        if core.endswith("()"):
            core = core[:-2]
        shape = shape_of(core)
        if shape is None or (shape in (WORD, PROPER, ACRONYM) and _opens_sentence(block, m)):
            continue
        if not _novel_enough(core, shape, rare_zipf):
            continue
        start = m.start() + lead
        out.append(make_span(b, block.text, start, start + len(core), core, "{}", shape, group))
    return out
