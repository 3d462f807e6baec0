"""From a first appearance to a prompt, the named filters a candidate must pass, and its
predictability.

Each filter is a function ``(candidate, corpus, options) -> bool`` (True = keep), named in
:data:`FILTERS`; the first that fails is counted under its name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from alignaudit.recency.probegen.candidates import (
    ACRONYM,
    CVE,
    DOTTED,
    NAME,
    PEP,
    PERSON,
    PHRASE,
    RFC,
    VERSION,
    WORD,
    Block,
    Span,
    words,
    zipf,
)
from alignaudit.recency.probegen.contexts import (
    BLANK,
    aliases,
    blank_context,
    blank_template,
    context_of,
    render,
    sentence_bounds,
    vocabulary,
    window_of,
)
from alignaudit.recency.probegen.corpus import Corpus, Doc, Term, tail_of
from alignaudit.recency.probegen.model import GenerateOptions
from alignaudit.recency.probegen.novelty import (
    BACKGROUND,
    CHANGE,
    EXAMPLES,
    PAST,
    credited,
    evidence,
    is_example,
)

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each
either else etc few for from further had has have having he her here hers him his how i
if in into is it its itself just let may me might more most much must my no nor not now
of off on once only or other our out over own same shall she should since so some such
than that the their them then there these they this those through thus to too under
until up upon us use used using very via was we were what when where whether which while
who whom why will with within without would yet you your
""".split())  # noqa: SIM905
_NUMERIC_SHAPES = frozenset({VERSION, PEP, RFC, CVE})
_VERSION_IN_TEXT = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+)+)")
_ALNUM = re.compile(r"[a-z0-9]")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


TERM, STATEMENT = "term", "statement"
CLOZE, BLANKED = "cloze", "blank"
BLANK_CUE = "Fill in the blank:"
"""Ends a blank-form prompt: the model continues it with the answer."""


@dataclass(frozen=True)
class Candidate:
    """A mention of a term with the prompt and answer it would make.

    ``kind`` says what the fact is: ``term`` = the term's first appearance, where the text
    introduces it (the term is new); ``statement`` = any mention of a term where the text
    states a change (the statement is new, the term may be old). ``form`` says how it is
    asked: ``cloze`` = the text before the term, ending where it begins; ``blank`` = the
    sentence with the term blanked out, then "Fill in the blank:" (used when the text before
    is too short or ambiguous: "The new ___ class allows ...").
    """

    term: Term
    """The term and its corpus statistics."""
    doc: Doc
    """The document of this mention."""
    context: str
    """The text before the mention as shown (no title), trimmed."""
    prompt: str
    """What the model continues: ``title: context`` (or the context alone)."""
    answer: str
    """The correct completion, with its leading space."""
    aliases: list[str]
    """Accepted free-text forms of the answer."""
    tail: tuple[str, ...]
    """The frame of the answer: the last words before it (cloze, see
    :func:`corpus.tail_of`) or the words either side (blank, see
    :func:`candidates.window_of`)."""
    occurrence: Span | None = None
    """The mention asked about; None = the term's first appearance."""
    kind: str = TERM
    """``term`` or ``statement`` (see the class docstring)."""
    form: str = CLOZE
    """``cloze`` or ``blank`` (see the class docstring)."""
    after: str = ""
    """Blank form: the text after the mention as shown; cloze: ''."""

    @property
    def span(self) -> Span:
        return self.occurrence or self.term.first

    @property
    def block(self) -> Block:
        return self.doc.blocks[self.span.block]

    @property
    def template(self) -> str:
        """How choices are written: as the span was (cloze) or bare (blank)."""
        return self.span.template if self.form == CLOZE else blank_template(self.span)

    @property
    def shown(self) -> str:
        """The document's words the prompt shows (no title, no blank cue)."""
        return f"{self.context} {self.after}" if self.form == BLANKED else self.context


def make_candidate(term: Term, doc: Doc, options: GenerateOptions, span: Span | None = None,
                   kind: str = TERM, form: str = CLOZE) -> Candidate:
    """The prompt and answer of a mention of ``term`` in ``doc`` (``span``; by default its
    first appearance), as a ``kind`` probe in ``form``."""
    where = span or term.first
    block = doc.blocks[where.block]
    title = (doc.source.title or "").strip()
    if form == BLANKED:
        before, after = blank_context(block, where.start, where.end, options.min_context_words,
                                      options.max_context_chars)
        text = f"{before}{BLANK}{after}".strip()
        prompt = f"{title}: {text}" if title else text
        return Candidate(term=term, doc=doc, context=before.strip(),
                         prompt=f"{prompt}\n{BLANK_CUE}",
                         answer=render(blank_template(where), where.core),
                         aliases=aliases(where), occurrence=span, kind=kind, form=form,
                         tail=window_of(block, where.start, where.end, options.ambiguity_words),
                         after=after.strip())
    context = context_of(block, where.start, options.min_context_words, options.max_context_chars)
    prompt = f"{title}: {context}" if title and context else title or context
    return Candidate(term=term, doc=doc, context=context, prompt=prompt,
                     answer=render(where.template, where.core), aliases=aliases(where),
                     tail=tail_of(block, where.start, options), occurrence=span, kind=kind,
                     form=form)


def frame_keys(c: Candidate, corpus: Corpus) -> set[str]:
    """Keys of every term written in the same frame as ``c``'s answer (see ``tail``)."""
    index = corpus.windows if c.form == BLANKED else corpus.tails
    return index.get(c.tail, set())


# --------------------------------------------------------------------------- filters
def burn_in(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject a term first seen in its group's first periods: it may predate the corpus.
    (Statements are dated by their document, so they are not held back.)"""
    return c.kind == STATEMENT or not c.doc.burn_in


def stale_year(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject a term naming a year well before its document ("CVE-2015-0219" first met in
    a 2026 document): an old fact mentioned again, so the document's date is wrong for it."""
    year = c.doc.when // 10000
    return all(int(y) >= year - 1 for y in _YEAR.findall(c.span.core))


def later_edit(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject a version of the document's own project above the release it is about
    ("Django 1.8: ... reverted in Django 1.8.4"): the note was edited after its release,
    so the fact is later than the document's date."""
    if c.span.shape != VERSION or not c.doc.source.title:
        return True
    subject = c.span.subject.lower()
    if subject not in {c.doc.group.lower(), *words(c.doc.source.title)}:
        return True
    own = [version_tuple(m.group(1)) for m in _VERSION_IN_TEXT.finditer(c.doc.source.title)]
    mine = version_tuple(c.span.core)
    return not (own and own[0] and mine and mine > own[0])


def common_word(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject a single common English word: it is not a new fact. Statements also reject
    capitalised runs and quoted phrases ("SQLite Time", "Session scoping"): as answers of an
    old term they are loose spans whose distractors are of other kinds."""
    span = c.span
    if c.kind == STATEMENT and (span.shape in (NAME, PHRASE, PERSON)
                                or span.shape == WORD and vocabulary(span.core)):
        return False
    if span.shape in _NUMERIC_SHAPES or span.shape in (NAME, PHRASE) or " " in span.core:
        return True
    limit = options.guessable_zipf if span.shape == ACRONYM else options.common_zipf
    return zipf(span.core.lstrip("-")) < limit  # "DELETEs" is the word "deletes"


def boundary(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject a span glued to the text before it ("x/--foo": the completion would not start
    with a space, so the prompt could not end where the fact begins; a blank-form prompt
    can show it: "x/___") or, in a cloze, opening its sentence (the prompt would end at a
    full stop, which does not point at the next word: asked with a blank instead), one that
    continues a number ("792" + " MHz OPP") or, for a name, a capitalised word ("Magic" +
    " Keyboard")."""
    glued = c.span.start > 0 and c.block.text[c.span.start - 1] != " "
    if c.form == CLOZE and (c.span.start == 0 or glued or c.span.start in c.block.sentences):
        return False  # (a cloze ending at a full stop does not point at the next word)
    before = c.block.text[:c.span.start].split()
    last = before[-1] if before and not glued else ""
    if last.replace(".", "").replace(",", "").isdigit():
        return False
    return not (c.span.shape == NAME and last[:1].isupper() and last[-1:].isalnum())


def too_short(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject a context with too few words, or too few informative ones, to pin the answer
    (a blank-form prompt counts the words on both sides)."""
    tokens = words(c.shown)
    if len(tokens) < options.min_context_words:
        return False
    ceiling = max(3, options.informative_df * len(corpus.docs))
    informative = {t for t in tokens if len(t) >= 3 and t not in STOP_WORDS
                   and not t.isdigit() and corpus.df[t] <= ceiling}
    return len(informative) >= options.min_informative_words


def leak(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject when the answer, or any alias, is already in the prompt (any case)."""
    prompt = c.prompt.lower()
    for form in {a.lower() for a in c.aliases} | {c.span.core.lower()}:
        variants = {form, form + "s", form + "es", form[:-1] if form.endswith("s") else form}
        if any(found_in(v, prompt) for v in variants if len(v) >= 2):
            return False
    last = c.span.core.split(".")[-1]
    if c.span.shape == DOTTED and len(last) >= 5 and \
            re.search(rf"(?<![a-z0-9_]){re.escape(last.lower())}(?![a-z0-9_])", prompt):
        return False  # "Kalomi.acheck_password()" gives "hashers.acheck_password"; "Added
        # TABLESAMPLE support via the new FromClause.tablesample() method"
    if c.span.shape != VERSION and len(c.span.loose) >= 3:
        loose = [re.sub(r"[^a-z0-9]", "", t) for t in prompt.split()]
        if c.span.loose in loose:  # the same term, spelt otherwise
            return False
        if len(c.span.loose) >= 5 and any(c.span.loose in t for t in loose):
            return False  # inside a longer word: "strtobool" in "kstrtobool()"
        if " " in c.span.core and c.span.loose in "".join(loose):
            return False  # a phrase spelt without its spaces or with a plural
    return True


def found_in(form: str, text: str) -> bool:
    """``form`` occurs in ``text`` (both lower case) not inside a longer word or number
    ("3.12" is in "3.12.1" but not in "13.12")."""
    at = text.find(form) if form else -1
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(form)] if at + len(form) < len(text) else " "
        if not (_ALNUM.match(before) or before == ".") and not _ALNUM.match(after):
            return True
        at = text.find(form, at + 1)
    return False


def ambiguous(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject when the answer's frame (the last words before it; for a blank-form prompt,
    the words either side) holds another term anywhere in the corpus (the context admits
    several answers), a version of nothing named, and a statement that gives the term as
    an example ("plugins such as X", "several fields, including X", "X, Y among many
    others": other examples would be as true)."""
    if c.span.shape == VERSION and not c.span.subject:
        return False
    if c.kind == STATEMENT and (is_example(c.context) or EXAMPLES.search(
            c.block.text[sentence_bounds(c.block, c.span.start)[1]:c.span.start])
            or re.match(r"[^.;]*\b(?:among (?:many )?others|etc)\b", c.block.text[c.span.end:])):
        return False
    return frame_keys(c, corpus) <= {c.span.key}


def not_new(c: Candidate, corpus: Corpus, options: GenerateOptions) -> bool:
    """Reject a term the text gives as already existing ("Fixed a crash in X", "plugins
    such as X", a "Bug Fixes" heading) and, as ``options.novelty`` says, one it does not
    introduce: its first mention is then not its birth. People's names credited for the
    change ("Pull request courtesy X", "Thanks X") are kept: a contributor named for the
    first time is new to the corpus. For a statement, see :func:`states_a_change`."""
    if c.kind == STATEMENT:
        return states_a_change(c)
    if c.span.shape == PERSON and credited(c.context) or fresh_cve(c):
        return True
    if VENDORED.search(c.doc.source.section or "") or VENDORED.search(
            c.block.text[sentence_bounds(c.block, c.span.start)[1]:c.span.end + 80]):
        return False  # "Add contextlib2 0.6.0 as a vendored dependency": another project's
    allowed = {"introduced": ("new",), "hinted": ("new", "weak"),
               "any": ("new", "weak", "none")}[options.novelty]
    return said_new(c) in allowed


def fresh_cve(c: Candidate) -> bool:
    """A CVE identifier of its document's year (or of the year before, in a January-March
    document) named for the first time: CVE numbers are published with the fix, so the
    identifier is new however the text puts it ("CVE-2024-1234: Denial of service in ...")."""
    if c.span.shape != CVE or c.kind != TERM:
        return False
    year, doc_year, month = int(c.span.core[4:8]), c.doc.when // 10000, c.doc.when // 100 % 100
    return year == doc_year or (year == doc_year - 1 and month <= 3)


def states_a_change(c: Candidate) -> bool:
    """Whether the sentence of a statement reports a change made in its release (so the
    statement is new at the document's date): no background cue ("added in 1.2", "since
    version 3", "as of", "already", "as before", "continues to"); and either the first
    sentence of its document (a changelog entry's headline is the change itself: "Fixed a
    crash of X", "X now accepts Y") or a later one with a change cue ("now", "no longer",
    "new", "added", "renamed", "deprecated", "this change") and no sign that it tells how
    things were ("previously", "still", "older"). Explanations ("For example, with MySQL
    you get ...") state older facts."""
    index, start, end = sentence_bounds(c.block, c.span.start)
    sentence = c.block.text[start:max(end, c.span.end)]
    if BACKGROUND.search(sentence):
        return False
    if c.span.block == 0 and index == 0:
        return True
    return bool(CHANGE.search(sentence)) and not PAST.search(sentence)


def said_new(c: Candidate) -> str:
    """The novelty verdict of a candidate (see :func:`novelty.evidence`)."""
    after = c.block.text[c.span.end:c.span.end + 200]
    return evidence(c.context, c.doc.source.section, after, c.span.shape == VERSION).verdict


Filter = Callable[[Candidate, Corpus, GenerateOptions], bool]
FILTERS: list[tuple[str, Filter]] = [
    ("burn_in", burn_in), ("stale_year", stale_year), ("later_edit", later_edit),
    ("common_word", common_word),
    ("boundary", boundary), ("too_short", too_short), ("leak", leak), ("ambiguous", ambiguous),
    ("not_new", not_new),
]
"""The filters, in order. For a statement ``burn_in`` always passes and ``not_new`` asks
whether the sentence states a change (:func:`states_a_change`)."""


def first_failure(c: Candidate, corpus: Corpus, options: GenerateOptions) -> str | None:
    """The name of the first filter ``c`` fails, or None."""
    for name, check in FILTERS:
        if not check(c, corpus, options):
            return name
    return None


VENDORED = re.compile(r"\bvendor", re.IGNORECASE)


def version_tuple(text: str) -> tuple[int, ...] | None:
    """``'v1.26.4'`` -> (1, 26, 4); None when it is not plain dotted numbers."""
    match = re.fullmatch(r"v?(\d+(?:\.\d+)*)", text.strip().lower())
    if not match:
        match = re.match(r"v?(\d+(?:\.\d+)+)", text.strip().lower())
    return tuple(int(p) for p in match.group(1).split(".")) if match else None
