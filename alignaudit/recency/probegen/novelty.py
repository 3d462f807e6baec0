"""Is a term *introduced* where it first appears, or only mentioned?

A corpus's first mention of a term is its birth only when the text introduces it. Release
notes also mention what already existed ("Fixed a crash in X", "use the new A or B in
SETTING", "works like Y", "plugins such as Z"); such a term can be years older than the
document, and a model that knew it before could pick it. The evidence:

- *introduced*: an introducing word governs the term: walking back from the term over
  only determiners, kind nouns ("option", "method"), adjectives ("optional") and earlier
  items of the same list, the first other word is "new", "added", "introduced", "called",
  "named", "renamed ... to", "in favour of", "upgraded ... to", "available as" (not
  "available via/from X": X is the provider, often old);
  or the words right after it say so ("X is a new option", "X was added"). ("X now
  supports Y" is no such cue: Y is often old, "csrf_exempt" in "decorators now support
  async: ..., csrf_exempt"; the statement is new, so it can be a statement probe);
- *old*: "fix", "regression", "deprecated", "removed", "no longer", "previously",
  "previous", "legacy" anywhere in the context, the term given as an example ("e.g.",
  "such as", "like" just before it), or a heading such as "Bug Fixes", "Removals",
  "Security";
- *weak*: an introducing word elsewhere in the context, or a "Features" heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alignaudit.recency.probegen.candidates import EDGE, parts, shape_of

_OLD = re.compile(
    r"\b(fix\w*|regression\w*|bugs?|deprecat\w*|remov\w*|drop(?:s|ped)?|no longer|"
    r"previous\w*|existing|legacy|standard library|was moved|repair\w*|correct(?:s|ed)|"
    r"crash\w*|erroneous\w*|incorrect\w*|undocumented|former\w*|workaround\w*)\b",
    re.IGNORECASE)
_EXAMPLE = re.compile(r"\b(e\.g\.|i\.e\.|for example|for instance|such as|like|examples? of)"
                      r"\W*(\S+\W*)?$", re.IGNORECASE)
_NEW = re.compile(r"\b(new|newly|adds?|added|adding|introduc\w*|called|named|renam\w*|"
                  r"in favou?r of|upgrade[sd]?|update[sd]?|bump(?:s|ed)?)\b", re.IGNORECASE)
_AFTER = re.compile(r"^\W{0,3}(?:\(\))?\W{0,2}(?:is|are|was|were|has been|have been)\s+"
                    r"(?:now\s+)?(?:a\s+|an\s+)?(?:new|newly|added|introduced)\b", re.IGNORECASE)
_OLD_SECTION = re.compile(r"bug|fix|remov|deprecat|security|regression", re.IGNORECASE)
_NEW_SECTION = re.compile(r"feature|what's new|\bnew\b|usecase|added", re.IGNORECASE)
_LIST_TAIL = re.compile(r"(\S+?)[)\s]*(?:,|,? and|,? or|/)$")

_CUES = frozenset({"new", "newly", "add", "adds", "added", "adding", "introduce", "introduces",
                   "introduced", "introducing", "called", "named"})
_TO_CUES = re.compile(r"^(renam\w*|upgrade[sd]?|update[sd]?|bump(?:s|ed)?)$")
_DETERMINERS = frozenset("""the a an its their two three four several some optional
experimental public private additional corresponding following built-in builtin global and or
& / vendored""".split())  # noqa: SIM905
_KINDS = frozenset("""option options parameter parameters argument arguments method methods
function functions class
classes attribute attributes setting settings flag flags hook hooks command commands event
events construct constructs module modules type types field fields plugin plugins backend
backends decorator decorators property properties variable variables keyword keywords
accessor accessors exception exceptions warning warnings mixin mixins view views filter
filters lookup lookups dialect dialects driver drivers extension extensions api apis helper
helpers tag tags marker markers fixture fixtures subcommand subcommands operator operators
signal signals middleware template templates variant variants mode modes package packages
library libraries version""".split())  # noqa: SIM905
_SKIP = _DETERMINERS | _KINDS
KIND_NOUNS = _KINDS | frozenset("""column columns table tables database databases datatype
datatypes file files index indexes key keys object objects instance instances loader loaders
strategy strategies expression expressions collection collections directory directories
error errors server servers engine engines connection connections statement statements
platform platforms format formats protocol protocols header headers field
fields""".split())  # noqa: SIM905
"""Nouns that say what kind of thing the word next to them is ("the asyncpg dialect")."""
_MAX_WALK = 14
_PREPOSITIONS = frozenset({"in", "for", "of", "to", "from", "with", "by", "on", "at", "into",
                           "via", "as", "when", "if", "where", "which", "that"})
_CREDIT = re.compile(r"\b(thanks?|thank you|courtesy|credits?|(?:contributed|reported|suggested|"
                     r"authored|written|helped) by|(?:patch|patches|pr|prs|pull request|"
                     r"work) (?:by|from))\b[^.;:!?]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """What the text says about a term's age."""

    introduced: str
    """The words that introduce the term ('' when none do)."""
    weak: tuple[str, ...]
    """Introducing words elsewhere in the context, or a "Features" heading."""
    old: tuple[str, ...]
    """Signs of something that already existed."""

    @property
    def verdict(self) -> str:
        """'old' (any sign of age), else 'new', 'weak' or 'none'."""
        if self.old:
            return "old"
        return "new" if self.introduced else "weak" if self.weak else "none"


def evidence(context: str, section: str | None, after: str = "", subject: bool = False
             ) -> Evidence:
    """What the context before a term, the words right after it and its document's heading
    say about its age (see the module docstring)."""
    sentence = re.split(r"(?<=[.!?])\s+", context)[-1]
    old = [m.group(1).lower() for m in _OLD.finditer(sentence)]
    example = _EXAMPLE.search(context)
    if example:
        old.append(example.group(1).lower())
    if section and _OLD_SECTION.search(section):
        old.append(f"heading '{section}'")
    introduced = governing_cue(sentence, subject)
    if not introduced and _AFTER.match(after):
        introduced = after.split(".")[0][:40].strip()
    weak = [m.group(1).lower() for m in _NEW.finditer(context)]
    if section and _NEW_SECTION.search(section):
        weak.append(f"heading '{section}'")
    return Evidence(introduced=introduced, weak=tuple(dict.fromkeys(weak)),
                    old=tuple(dict.fromkeys(old)))


def governing_cue(sentence: str, subject: bool = False) -> str:
    """The introducing word that governs what follows ``sentence``, or ''. With
    ``subject`` (a version), the word just before it is its subject and is skipped."""
    tokens = sentence.split()
    last = len(tokens) - 1 - (1 if subject else 0)
    free, kind_seen = 0, False  # up to 2 words before one kind noun: "the new dumpdata option X"
    for i in range(last, max(-1, last - _MAX_WALK), -1):
        word = tokens[i].strip(EDGE + ".").lower()
        if word in _CUES and not (word == "add" and i and tokens[i - 1].lower() == "to"):
            return " ".join(tokens[i:])  # "the need to add X" does not make X new
        if word == "to" and any(_TO_CUES.match(t.strip(EDGE).lower())
                                for t in tokens[max(0, i - 8):i]):
            return " ".join(tokens[max(0, i - 8):])
        if word == "as" and i and tokens[i - 1].lower() == "available":
            return " ".join(tokens[i - 1:])
        if word in ("of", "as") and i and tokens[i - 1].lower() in ("favor", "favour", "known"):
            return " ".join(tokens[i - 1:])
        if word in _KINDS and not kind_seen:
            free, kind_seen = 2, True
        if word in _SKIP or not word or _is_item(tokens[i]):
            continue
        if free and word not in _PREPOSITIONS:
            free -= 1
            continue
        return ""
    return ""


def _is_item(token: str) -> bool:
    """A term written as a list item: "render(),", "LANGUAGE_COOKIE_HTTPONLY,", "``x``"."""
    if "()" in token:
        return True
    core = token.strip(EDGE + ".`")
    if not core:
        return False
    return shape_of(core) not in (None, "word", "proper") or core.startswith("--") \
        or any(ch in core for ch in "_.()")


def credited(sentence: str) -> bool:
    """Whether a name ending ``sentence`` is a credit: "Pull request courtesy", "Thanks
    A, B and", "(thanks", "Credit to", "PR by", "reported by"."""
    tail = " ".join(sentence.split()[-8:])
    return _CREDIT.search(tail) is not None


def continues_list(context: str, core: str, shape: str) -> str | None:
    """'family' when the term is the next item of a list whose previous item has the same
    shape and shares a word part, or its first or last four letters, with it ("SHA1,
    SHA256," -> "SHA384"; "subqueryload and" -> "selectinload"; "CLOB /" -> "NCLOB"), 'list'
    when only the shape matches, else None."""
    match = _LIST_TAIL.search(context)
    if not match:
        return None
    previous = match.group(1).strip(EDGE + ".`")
    if previous.endswith("()"):
        previous = previous[:-2]
    if shape_of(previous) != shape:
        return None
    mine = {p for p in parts(core) if not p.isdigit()} | {core.rstrip("0123456789").lower()}
    theirs = {p for p in parts(previous) if not p.isdigit()} | \
        {previous.rstrip("0123456789").lower()}
    a, b = core.lower().split(".")[-1], previous.lower().split(".")[-1]
    affix = len(a) > 5 and len(b) > 5 and (a[:4] == b[:4] or a[-4:] == b[-4:]) or \
        min(len(a), len(b)) >= 3 and (a in b or b in a)
    return "family" if mine & theirs or affix else "list"


# Statements (see filters.states_a_change): does a sentence report a change of its release?
CHANGE = re.compile(
    r"\b(now|no longer|new|newly|add(?:s|ed)|introduc(?:es|ed)|renam(?:es|ed)|"
    r"deprecat(?:es|ed)|remov(?:es|ed)|fix(?:es|ed)|replac(?:es|ed)|instead|will now|"
    r"(?:this|the) (?:change|fix|patch|feature|new \w+))\b", re.IGNORECASE)
"""Cues that a sentence after a note's first one still reports the change."""
PAST = re.compile(r"\b(previously|formerly|used to|prior to|older|still|has had|had been|"
                  r"at the time|in the past)\b", re.IGNORECASE)
"""Cues that a sentence after a note's first one describes how things were."""
BACKGROUND = re.compile(
    r"\b(?:(?:added|introduced|new|available|deprecated|supported|present)\s+(?:in|since)\s+"
    r"(?:version\s+|v)?(?:[A-Za-z][\w-]*\s+)?\d|since\s+(?:version\s+)?v?\d|as of\b|already|"
    r"as before|as always|as documented|ha(?:s|ve) always|historically|continues? to|"
    r"as usual|as it did|as they did)", re.IGNORECASE)


EXAMPLES = re.compile(r"\b(including|such as|e\.g\.|for example|for instance)\b", re.IGNORECASE)
"""A sentence that lists examples: any item could have been another."""


def is_example(context: str) -> bool:
    """Whether what follows ``context`` is given as an example ("such as", "e.g.", "like")."""
    return _EXAMPLE.search(context) is not None
