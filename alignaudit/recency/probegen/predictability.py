"""How guessable a generated probe is without knowing its event: ``low``, ``medium`` or ``high``
(only low and medium enter the cutoff estimate), with the reasons in words."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

import numpy as np

from alignaudit.recency.probegen.candidates import (
    ACRONYM,
    CAMEL,
    CVE,
    DOTTED,
    EDGE,
    OPTION,
    PEP,
    PERSON,
    RFC,
    SNAKE,
    VERSION,
    Span,
    parts,
    words,
    zipf,
)
from alignaudit.recency.probegen.contexts import (
    first_part,
    last_part,
    looks,
    pairs,
    slots,
)
from alignaudit.recency.probegen.corpus import Corpus, Term
from alignaudit.recency.probegen.filters import (
    _NUMERIC_SHAPES,
    _VERSION_IN_TEXT,
    BLANK_CUE,
    BLANKED,
    CLOZE,
    STATEMENT,
    STOP_WORDS,
    TERM,
    Candidate,
    fresh_cve,
    said_new,
    version_tuple,
)
from alignaudit.recency.probegen.guess import guesser_of
from alignaudit.recency.probegen.model import GenerateOptions
from alignaudit.recency.probegen.novelty import (
    KIND_NOUNS,
    continues_list,
    credited,
)


# --------------------------------------------------------------------------- predictability
def predictability(c: Candidate, corpus: Corpus, options: GenerateOptions,
                   previous_version: tuple[int, ...] | None,
                   distractors: Sequence[str] = (),
                   newest_version: tuple[int, ...] | None = None) -> tuple[str, list[str]]:
    """'high', 'medium' or 'low', and why: could it be guessed without knowing the event?

    ``distractors`` are the keys of the chosen distractors and ``newest_version`` the highest
    version of the answer's subject seen before the document's date (for statements)."""
    text = c.prompt.removesuffix("\n" + BLANK_CUE)
    high: list[str] = []
    medium: list[str] = []
    _word_signs(c, corpus, options, text, previous_version, newest_version, high, medium)
    _choice_signs(c, corpus, text, distractors, high, medium)
    _kind_signs(c, corpus, options, distractors, high, medium)
    if high:
        return "high", high
    return ("medium", medium) if medium else ("low", [])


def _word_signs(c: Candidate, corpus: Corpus, options: GenerateOptions, text: str,
                previous_version: tuple[int, ...] | None,
                newest_version: tuple[int, ...] | None,
                high: list[str], medium: list[str]) -> None:
    """Signs in the answer itself: seen before in another form, a common word, a version that
    follows from one already known."""
    span = c.span
    first_form = corpus.loose_first.get(span.loose, c.doc.index)
    if c.kind == TERM and corpus.docs[first_form].when < c.doc.when:
        high.append(f"seen before in another form ({corpus.docs[first_form].date})")
    if span.shape not in _NUMERIC_SHAPES and " " not in span.core:
        z = zipf(span.core.lstrip("-"))
        if z >= options.guessable_zipf:
            high.append(f"common English word (zipf {z:.1f})")
        elif z >= 2.0:
            medium.append(f"fairly common word (zipf {z:.1f})")
    if span.shape == VERSION:
        high += _version_follows(span.core, text, previous_version)
        high += _other_project(c)
        answer = version_tuple(span.core)
        if c.kind == STATEMENT and answer and newest_version and answer >= newest_version:
            high.append(f"the newest {span.subject} version known before")
        medium.append("a version number")


def _choice_signs(c: Candidate, corpus: Corpus, text: str, distractors: Sequence[str],
                  high: list[str], medium: list[str]) -> None:
    """Signs in the prompt and the choices: the answer spelt out by the prompt, written unlike
    the distractors, numbered or listed like a term beside it."""
    span = c.span
    share = _implied_share(span, text)
    if share >= 1.0:
        high.append("its parts are all in the prompt")
    elif share >= 0.5:
        medium.append("half its parts are in the prompt")
    own = c.shown  # the document's words only: the title's project name fits every choice
    mine = _implied_share(span, own)
    theirs = max((_implied_share(corpus.terms[d].first, own) for d in distractors), default=1.0)
    if 0.2 <= mine < 1.0 and mine > theirs:
        high.append("shares more of its words with the prompt than any distractor")
    cue = _singled_out(span, own, [corpus.terms[d].first.core for d in distractors])
    if cue and span.shape not in _NUMERIC_SHAPES:
        high.append(f"the prompt's word '{cue}' is in the answer and in no distractor")
    if distractors and span.shape not in _NUMERIC_SHAPES and \
            all(looks(corpus.terms[d].first.core) != looks(span.core) for d in distractors):
        high.append("written unlike every distractor")
    suffix = last_part(span.core)
    if suffix in _TYPE_SUFFIXES and span.shape in (CAMEL, SNAKE, DOTTED) and distractors and \
            all(last_part(corpus.terms[d].first.core) != suffix for d in distractors):
        high.append(f"the only choice named as a kind of {suffix}")
    series = _series(span, text)
    (high if series == "next" else medium).extend(
        [f"numbered like a term in the prompt ({series})"] if series else [])
    groups = {corpus.docs[d].group for d in c.term.docs}
    if len(groups) >= 3:
        medium.append(f"used across {len(groups)} projects")
    if span.shape == ACRONYM and _is_acronym_of(span.core, text):
        high.append("an acronym of the prompt's words")
    listed = continues_list(c.context, span.core, span.shape)
    if c.form == BLANKED and listed != "family" and _next_item(c.after, span):
        listed = "family"
    if listed:
        (high if listed == "family" else medium).append(f"an item of a list ({listed})")


def _kind_signs(c: Candidate, corpus: Corpus, options: GenerateOptions,
                distractors: Sequence[str], high: list[str], medium: list[str]) -> None:
    """Signs in what kind of fact it is: a statement about an older term, a term the text does
    not say is new, a choice the only one of its kind."""
    span = c.span
    if c.kind == STATEMENT:
        high += _stale_pick(c, distractors, corpus, options)
        if options.strict_statements and distractors and \
                sum(_same_kind(c, corpus.terms[d]) for d in distractors) < 2:
            high.append("its distractors are mostly of another kind (a stale model can tell)")
        high += _continues(c, distractors, corpus)
        if span.shape in (PEP, RFC):
            high.append(f"a standard ({span.shape.upper()}) written before this note: what it "
                        "specifies is older knowledge")
        if _SCHEDULED.search(c.doc.source.section or ""):
            high.append(f"a scheduled removal (heading '{c.doc.source.section}')")
        if c.term.doc < c.doc.index:
            medium.append("the term existed before; the statement is new "
                          f"(first seen {corpus.docs[c.term.doc].date})")
        else:
            medium.append("first mention, not said to be new; the statement is new")
    elif not fresh_cve(c):
        verdict = said_new(c)
        if verdict in ("weak", "none") and not (span.shape == PERSON and credited(c.context)):
            medium.append("not said to be new" if verdict == "none" else "only said to be new "
                          "further back")
    if c.kind == TERM and distractors and \
            not any(_same_kind(c, corpus.terms[d]) for d in distractors):
        high.append("no distractor is of its kind (a model can tell the answer by its kind)")


_SCHEDULED = re.compile(r"removed in|removal", re.IGNORECASE)
_ONE_KIND = frozenset({OPTION, VERSION, CVE, PEP, RFC, PERSON})  # each of one kind


def _same_kind(c: Candidate, other: Term) -> bool:
    """Whether a distractor is visibly of the answer's kind: the shape says so (options,
    versions, CVEs, PEPs, people), or it shares the answer's family or kind part ("MSFloat" for
    "MSDouble", "Session.commit" for "Session.execute", "...Middleware" for "...Middleware"),
    or it has filled the answer's slot here ("the ___ dialect")."""
    span = c.span
    if span.shape in _ONE_KIND:
        return True
    core = other.first.core
    if first_part(core) and first_part(core) == first_part(span.core) or \
            last_part(core) and last_part(core) == last_part(span.core):
        return True
    return bool(set(slots(c.block, span.start, span.end)) & other.slots)
_TYPE_SUFFIXES = frozenset("""error exception warning field type widget view form index
backend storage middleware validator constraint engine dialect session result mixin hook
fixture plugin manager lookup function operator event events loader strategy reporter
handler""".split())  # noqa: SIM905
_NEXT_ITEM = re.compile(r"^\W{0,3}(?:,\s*|\s+and\s+|\s+or\s+|,\s*and\s+|/)([^\s,;]+)")


def _next_item(after: str, span: Span) -> bool:
    """Whether the text after a blank goes on with a list item of the answer's family
    ("apply_sum(), ___(), apply_min()")."""
    match = _NEXT_ITEM.match(after)
    if not match:
        return False
    item = match.group(1).strip(EDGE + ".`")
    item = item[:-2] if item.endswith("()") else item
    return continues_list(f"{item},", span.core, span.shape) == "family"


def _continues(c: Candidate, distractors: Sequence[str], corpus: Corpus) -> list[str]:
    """Why a model that read the earlier corpus would continue the prompt with the answer:
    the answer was written right after (or before) the same two words there, no distractor
    was ("the Core and" -> "ORM")."""
    bound = corpus.before(c.doc.when)
    for pair in pairs(c.block, c.span.start, c.span.end):
        if c.form == CLOZE and pair[0] == ">":
            continue  # a cloze prompt shows only what comes before
        seen = corpus.pairs.get(pair, {})
        if seen.get(c.span.key, bound) < bound and \
                not any(seen.get(d, bound) < bound for d in distractors):
            where = "after" if pair[0] == "<" else "before"
            return [f"written {where} '{' '.join(pair[1:])}' before, unlike any distractor"]
    return []


def _other_project(c: Candidate) -> list[str]:
    """A version of another project ("Upgrade urllib3 to 1.26.4", "Python 3.12", "GEOS
    3.12"): released upstream before this note mentions it, so a model may know it."""
    subject = c.span.subject.lower()
    own = {c.doc.group.lower(), *words(c.doc.source.title or "")}
    if not subject or subject in own:
        return []
    return [f"a version of another project ({subject}), released before this note"]


def association(c: Candidate, keys: Sequence[str], corpus: Corpus, options: GenerateOptions
                ) -> dict[str, int]:
    """For each term in ``keys``: the most of the prompt's cue words (informative words, not
    the title's) that one earlier document (dated before ``c``) mentioning it also has; 0
    when fewer than two. A model that read those documents associates that term with the
    prompt."""
    bound = corpus.before(c.doc.when)
    ceiling = options.association_df * len(corpus.docs)
    title = set(words(c.doc.source.title or ""))
    cues = {t for t in words(c.shown) if len(t) >= 3 and t not in STOP_WORDS
            and not t.isdigit() and t not in title and 2 <= corpus.df[t] <= ceiling}
    lists = []
    for word in cues:
        docs = corpus.word_docs.get(word, [])
        lists.append(docs[: bisect.bisect_left(docs, bound)])
    best = dict.fromkeys(keys, 0)
    if len(lists) < 2:
        return best
    found, counts = np.unique(np.concatenate([np.asarray(x, dtype=np.int64) for x in lists]),
                              return_counts=True)
    for doc, count in zip(found[counts >= 2].tolist(), counts[counts >= 2].tolist(),
                          strict=True):
        present = corpus.doc_keys[doc]
        for key in keys:
            if key in present and count > best[key]:
                best[key] = count
    return best


def mentions_before(key: str, when: int, corpus: Corpus) -> int:
    """How many documents dated before ``when`` mention the term ``key``."""
    return bisect.bisect_left(corpus.terms[key].doc_list, corpus.before(when))


_GUESS_DF = 0.3  # prompt words in more documents than this say nothing


def guess_cues(c: Candidate, corpus: Corpus) -> list[str]:
    """The prompt's content words a guess looks at: not stop words, numbers or the title's
    words, used in at most 30% of the documents."""
    title = set(words(c.doc.source.title or ""))
    ceiling = _GUESS_DF * len(corpus.docs)
    return [t for t in dict.fromkeys(words(c.shown)) if len(t) >= 3 and t not in STOP_WORDS
            and not t.isdigit() and t not in title and 0 < corpus.df[t] <= ceiling]


def stale_guess(c: Candidate, distractors: Sequence[str], corpus: Corpus,
                options: GenerateOptions) -> float:
    """How likely a reader of the corpus before ``c``'s date would pick the answer among the
    choices (see :mod:`guess`): that "exception" goes with ``pytest.raises``, "object
    instantiation" with "ORM". 0 when the answer was never mentioned before."""
    cues = guess_cues(c, corpus)
    if not cues:
        return 0.0
    guesser = guesser_of(corpus)
    score, mentioned = guesser.scores(cues, corpus.before(c.doc.when),
                                      guesser.columns([c.span.key, *distractors]))
    if mentioned[0] == 0:
        return 0.0  # never met before: nothing to associate it with
    weights = np.exp(score - score.max())
    return float(weights[0] / weights.sum())


def _stale_pick(c: Candidate, distractors: Sequence[str], corpus: Corpus,
                options: GenerateOptions) -> list[str]:
    """Why a model that knows only the corpus before ``c``'s date would pick the answer of a
    statement: it occurred with more of the prompt's words than any distractor, or far more
    often (``options.frequency_ratio`` times, and at least 5 documents), or it is the only
    choice that has ever stood next to the kind noun here ("the ___ dialect", "___ keys"):
    the distractors are then of another kind; or a naive guesser trained on the earlier
    corpus gives it at least even odds (:func:`stale_guess`)."""
    if not distractors:
        return []
    out = []
    assoc = association(c, [c.span.key, *distractors], corpus, options)
    answer = assoc.pop(c.span.key)
    if answer >= 2 and answer > max(assoc.values()):
        out.append(f"met with {answer} of the prompt's words before, more than any distractor")
    here = {s for s in slots(c.block, c.span.start, c.span.end) if s[1:] in KIND_NOUNS}
    fitted = here & c.term.slots - {s for d in distractors for s in corpus.terms[d].slots}
    if here and fitted == here:
        shown = ", ".join(f"'___ {s[1:]}'" if s[0] == ">" else f"'{s[1:]} ___'"
                          for s in sorted(fitted))
        out.append(f"only the answer has filled the slot {shown} (the others are of "
                   "another kind)")
    chance = stale_guess(c, distractors, corpus, options)
    if chance >= 0.5:
        out.append(f"a reader of the earlier corpus would pick it (p {chance:.2f})")
    seen = mentions_before(c.span.key, c.doc.when, corpus)
    most = max(mentions_before(d, c.doc.when, corpus) for d in distractors)
    if seen >= 5 and seen >= options.frequency_ratio * max(most, 1):
        out.append(f"mentioned in {seen} earlier documents, a distractor in at most {most}")
    return out



def follows(after: tuple[int, ...], before: tuple[int, ...]) -> bool:
    """Whether ``after`` is the next version of ``before`` by counting (1.26.3 -> 1.26.4,
    1.26 -> 1.27 or 2.0)."""
    a = [p for p in after]
    b = [p for p in before]
    for i in range(min(len(a), len(b))):
        if a[:i] == b[:i] and a[i] == b[i] + 1 and all(p == 0 for p in a[i + 1:]):
            return True
    return False


def _version_follows(core: str, prompt: str, previous: tuple[int, ...] | None) -> list[str]:
    answer = version_tuple(core)
    if answer is None:
        return []
    for match in _VERSION_IN_TEXT.finditer(prompt):
        seen = version_tuple(match.group(1))
        if seen and follows(answer, seen):
            return [f"follows {match.group(1)} in the prompt"]
    if previous and follows(answer, previous):
        return [f"follows the previous version {'.'.join(map(str, previous))}"]
    return []


def _implied_share(span: Span, prompt: str) -> float:
    """Share of the answer's word parts that the prompt already has (compared on their
    first four letters, so "retries" is implied by "retry")."""
    if span.shape in _NUMERIC_SHAPES:
        return 0.0
    wanted = {p[:4] for p in parts(span.core) if not p.isdigit()}
    if not wanted:
        return 0.0
    present = {p[:4] for p in parts(prompt)}
    return sum(p in present for p in wanted) / len(wanted)


def _singled_out(span: Span, text: str, others: Sequence[str]) -> str | None:
    """A word of ``text`` (not a stop word) that is part of the answer and of no distractor
    ("filtering on empty values" -> EmptyFieldListFilter among other ...ListFilters;
    "ignores all conftest.py files" -> --noconftest): a reader who does not know the event
    picks the one choice that names what the sentence is about. Word parts are compared on
    their first four letters after a plural s; a word of 4+ letters also counts when it is
    inside the answer's text ("conftest" in "--noconftest")."""
    if not others:
        return None
    def stem(part: str) -> str:
        return (part[:-1] if part.endswith("s") and len(part) > 3 else part)[:4]

    theirs = {stem(p) for o in others for p in parts(o)}
    mine = {stem(p): p for p in parts(span.core) if not p.isdigit()}
    for part in sorted(parts(text) - STOP_WORDS):
        if stem(part) in mine and stem(part) not in theirs:
            return part
    lowered = [o.lower() for o in others]
    for word in sorted({w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)} - STOP_WORDS):
        if word in span.core.lower() and not any(word in o for o in lowered):
            return word
    return None


def _series(span: Span, prompt: str) -> str | None:
    """'next' when the answer is a term of the prompt with its last number plus one
    ("CVE-2016-2798" after "CVE-2016-2797"), 'same' when it only has the same pattern
    ("tst-foo-7" after "tst-foo-1"), else None."""
    if span.shape == VERSION or not any(ch.isdigit() for ch in span.core):
        return None
    answer = span.core.lower()
    skeleton = re.sub(r"\d+", "#", answer)
    found = None
    for token in prompt.lower().split():
        token = token.strip(".,;:()`'\"")
        if re.sub(r"\d+", "#", token) != skeleton:
            continue
        found = "same"
        a, b = re.findall(r"\d+", answer), re.findall(r"\d+", token)
        if a[:-1] == b[:-1] and int(a[-1]) - int(b[-1]) == 1:
            return "next"
    return found


def _is_acronym_of(acronym: str, prompt: str) -> bool:
    initials = "".join(w[0] for w in words(prompt) if w[0].isalpha())
    return len(acronym) >= 2 and acronym.lower() in initials
