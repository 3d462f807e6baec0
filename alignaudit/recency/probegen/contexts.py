"""From a span to what a probe shows: the context before it, the blanked sentence, the answer's
frame and its accepted forms."""

from __future__ import annotations

import os
import re

from alignaudit.recency.probegen.candidates import (
    _PARTS,
    CAMEL,
    DOTTED,
    EDGE,
    OPTION,
    PEP,
    RFC,
    SNAKE,
    VERSION,
    Block,
    Span,
    words,
    zipf,
)


def context_of(block: Block, start: int, min_words: int, max_chars: int) -> str:
    """The sentence before ``start``, with the sentence before it when too short, trimmed
    from the left (at a word) to ``max_chars``."""
    starts = [s for s in block.sentences if s <= start]
    text = block.text[starts[-1]:start].rstrip()
    if len(words(text)) < min_words and len(starts) > 1:
        text = block.text[starts[-2]:start].rstrip()
    if len(text) > max_chars:
        cut = text[-max_chars:]
        text = cut[cut.find(" ") + 1:] if " " in cut else cut
    return text


def pairs(block: Block, start: int, end: int) -> tuple[tuple[str, ...], ...]:
    """The two words right before a span and the two right after it, in its sentence, each
    pair kept only when it has a content word ("core and" ___, not "of the" ___): what a
    model that read the span there before would continue from."""
    _, first, last = sentence_bounds(block, start)
    before = words(block.text[first:start])[-2:]
    after = words(block.text[end:max(last, end)])[:2]
    out = []
    for mark, pair in (("<", before), (">", after)):
        if len(pair) == 2 and any(w not in SLOT_STOP and len(w) >= 3 and not w.isdigit()
                                  for w in pair):
            out.append((mark, *pair))
    return tuple(out)


def first_part(core: str) -> str:
    """The first word part of a compound name ("MSDouble" -> "ms", "pytest_addoption" ->
    "pytest", "Session.execute" -> "session"): its family."""
    found = [p.lower() for p in _PARTS.findall(core) if not p.isdigit()]
    return found[0] if len(found) > 1 else ""


def last_part(core: str) -> str:
    """The last word part of a name ("NoSuchTableError" -> "error", "pre_delete" ->
    "delete"): for compound names, the kind of thing it is."""
    found = [p.lower() for p in _PARTS.findall(core.split(".")[-1]) if not p.isdigit()]
    return found[-1] if found and len(found) > 1 and len(found[-1]) >= 3 else ""


def looks(core: str) -> tuple[bool, bool, bool, str]:
    """How a term is written: with digits, capitals, small letters, and which separators
    ("ORA-00028" -> digits, capitals, '-'). A choice written unlike all others stands out."""
    return (any(ch.isdigit() for ch in core), any(ch.isupper() for ch in core),
            any(ch.islower() for ch in core), "".join(sorted(set(core) & set("-_./:"))))


_INFLECTED = re.compile(r"^(.{3,}?)(ing|ed|es|ations?|itions?|isations?|izations?|ly|able|ible|"
                        r"ness|ments?|ors?|ers?)$")


def vocabulary(word: str) -> bool:
    """An English word with an inflection rather than a name ("truncates", "instantiating",
    "initialisation", "mutators"): in wordfreq itself, or its stem is."""
    match = _INFLECTED.match(word.lower())
    if not match or not word.isalpha():
        return False
    stem = match.group(1)
    return zipf(word.lower()) >= 1.0 or max(zipf(stem), zipf(stem + "e")) >= 1.5


def same_stem(a: str, b: str) -> bool:
    """Two forms of one English word ("parametrized", "parametrization")."""
    a, b = a.lower(), b.lower()
    common = len(os.path.commonprefix([a, b]))
    return common >= 6 and max(len(a), len(b)) - common <= 5


def slots(block: Block, start: int, end: int) -> tuple[str, ...]:
    """The content words right next to a span ("<" + the word before, ">" + the word after;
    stop words and non-words skipped): what kind of thing the slot holds ("the ___ dialect",
    "courtesy ___"). Distractors that have filled the same slot fit the sentence too."""
    before = block.text[:start].split()[-1:]
    after = block.text[end:].split()[:1]
    out = []
    for mark, token in (("<", before[0] if before else ""), (">", after[0] if after else "")):
        word = token.strip(EDGE + ".").lower()
        if len(word) >= 3 and word.isalpha() and word not in SLOT_STOP:
            out.append(mark + word)
    return tuple(out)


SLOT_STOP = frozenset("""the and for with from into that this than then when where which
while was were are has have had not but all any its their our your also only now new
can may will would should could been being does did using use used via per""".split())  # noqa: SIM905


def blank_template(span: Span) -> str:
    """How the answer to a blank-form prompt is written: bare (the blank hides any quotes
    or markup), but a PEP or RFC keeps its kind ("PEP 658", not "658")."""
    return f"{span.shape.upper()} {{}}" if span.shape in (PEP, RFC) else "{}"


def render(template: str, core: str) -> str:
    """A completion: the core written the way the answer was, with its leading space."""
    return " " + template.replace("{}", core)


def aliases(span: Span) -> list[str]:
    """Free-text forms that count as the answer: the core, case and markup variants."""
    forms = [span.core]
    if span.shape == OPTION:
        forms.append(span.core.lstrip("-"))
    if span.shape == VERSION:
        bare = span.core.lstrip("vV")
        trimmed = bare
        while trimmed.endswith(".0") and trimmed.count(".") > 1:
            trimmed = trimmed[:-2]
        forms += [bare, trimmed, trimmed + ".0" if trimmed.count(".") == 1 else trimmed]
    if span.shape in (PEP, RFC):
        number = span.core.split()[-1]
        forms = [f"{span.shape.upper()} {number}", f"{span.shape.upper()}-{number}",
                 f"{span.shape.upper()}{number}"]
    if span.shape in (SNAKE, CAMEL, DOTTED):
        forms.append(span.core.lower())
    seen: dict[str, None] = {}
    for form in forms:
        if form and form.lower() not in {s.lower() for s in seen}:
            seen[form] = None
    return list(seen)


BLANK = "___"
"""What stands for the answer in a blank-form prompt."""


def sentence_bounds(block: Block, start: int) -> tuple[int, int, int]:
    """Index of the sentence holding offset ``start``, its start and its end offsets."""
    index = max(i for i, s in enumerate(block.sentences) if s <= start)
    end = block.sentences[index + 1] if index + 1 < len(block.sentences) else len(block.text)
    return index, block.sentences[index], end


def blank_context(block: Block, start: int, end: int, min_words: int,
                  max_chars: int) -> tuple[str, str]:
    """The text around a span, for a prompt with the span blanked out: its sentence (with the
    sentence before, then the one after, while fewer than ``min_words`` words), the part
    before the span cut from the left and the part after cut from the right (at words)
    so that the two hold at most ``max_chars`` characters."""
    index, first, last = sentence_bounds(block, start)
    last = max(last, end)
    starts = block.sentences
    if len(words(block.text[first:start] + " " + block.text[end:last])) < min_words:
        if index > 0:
            first = starts[index - 1]
        if len(words(block.text[first:start] + " " + block.text[end:last])) < min_words:
            last = starts[index + 2] if index + 2 < len(starts) else len(block.text)
    before, after = block.text[first:start], block.text[end:last].rstrip()
    budget = max_chars - len(BLANK)
    if len(after) > budget // 2 and len(before) + len(after) > budget:
        keep = max(budget // 2, budget - len(before))
        cut = after[:keep]
        after = cut[: cut.rfind(" ")] if " " in cut else cut
    if len(before) + len(after) > budget:
        cut = before[len(before) + len(after) - budget:]
        before = cut[cut.find(" ") + 1:] if " " in cut else cut
    return before, after


def window_of(block: Block, start: int, end: int, n: int) -> tuple[str, ...]:
    """The last ``n`` words before a span and the first ``n`` after it, in its sentence
    ('^' and '$' mark a sentence edge closer than that): the frame a blank-form prompt
    gives its answer. Two terms in the same frame make the frame ambiguous."""
    _, first, last = sentence_bounds(block, start)
    before = words(block.text[first:start])
    after = words(block.text[end:max(last, end)])
    head = tuple(before[-n:]) if len(before) >= n else ("^", *before)
    tail = tuple(after[:n]) if len(after) >= n else (*after, "$")
    return (*head, BLANK, *tail)
