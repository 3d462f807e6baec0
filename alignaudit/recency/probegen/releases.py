"""Release probes: which release of its project first shipped a changelog entry.

A document whose title names a release ("Django 4.2.1", "pip 25.1") records a change that came
into being with that release: the fact "this change shipped in 4.2.1" exists from the release's
date. The probe quotes the entry and asks for the release.

The distractors are other releases of the same project, of the same shape (as many numbers;
pre-releases against pre-releases; failing that, any final or any pre-release), the nearest in
time, within three years when there are enough, some before and some after. The answer's place
among them in time is drawn at random, so neither "the newest" nor "the oldest" is a strategy,
and a release of the answer's own series is among them when there is one (else the answer is
the odd one out). A release is never a distractor when it shipped within a fortnight of the
answer or holds the same entry, or one saying nearly the same (a fix backported to several
branches); those shipped within the fortnight are accepted answers instead.

An entry that names a release or a series of its own project is dropped (it would count its
way to the answer), unless the series is the answer's own ("a regression in 5.1" shipped in
5.1.2): then every choice is a release of that series, so the name points to none of them
(``high`` when the answer is the first or the last of the series: a regression is fixed
early). An entry said again from an earlier release is dropped too (its date is unsure). One
that names a year or another product's version is ``medium``: a model could date it from the
world's calendar rather than from the project's history.

Pure: no IO, every draw seeded from ``options.seed`` and the entry.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from alignaudit.recency.probegen.candidates import words
from alignaudit.recency.probegen.corpus import Corpus, Doc, parse_date
from alignaudit.recency.probegen.model import DatedDoc, GeneratedProbe, GenerateOptions

RELEASE = "release"
"""Kind of the probes made here."""
QUESTION = "question"
"""Their form: the entry quoted, then the question."""
_TITLE = re.compile(r"^\s*(?P<project>.*?[A-Za-z].*?)\s+v?"
                    r"(?P<version>\d+(?:\.\d+)+(?:(?:a|b|c|rc|alpha|beta|pre|dev)\d*)?)\s*$")
_PARTS = re.compile(r"(\d+(?:\.\d+)+)([a-z]*)(\d*)")
_STAGES = {"dev": 0, "a": 1, "alpha": 1, "b": 2, "beta": 2, "pre": 3, "c": 3, "rc": 3}
"""Pre-release stages in order; a final release comes after all of them."""
_RELEASE_NUMBER = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+)+(?:[a-z]+\d*)?)(?![\w.]*\w)")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_SPACE = re.compile(r"\s+")
NEAREST = 5
"""Distractors are drawn from this many releases on each side of the answer."""
NEAR_YEARS = 3
"""Distractors come from within this many years of the answer when there are enough."""
SAME_TIME = 14
"""Releases this many days or fewer from the answer's are never distractors: projects ship
the same fix on several branches at once."""
SIMILAR = 0.6
"""Two entries whose word sets overlap this much (Jaccard) say the same thing: a release with
such an entry is never a distractor, and an earlier one drops the probe (the change may have
shipped there first)."""
REJECTIONS = ("no_release", "too_short", "names_a_release", "repeated", "few_releases",
              "duplicate")
"""Why an entry gave no release probe, in the order the checks run."""


def release_numbers(text: str) -> list[str]:
    """Release numbers written in ``text``, in order, once each ("v1.3.1" gives "1.3.1"); an
    --also-in-column value of any form ("1.3.1, 1.4.1", "['1.3.1']") is read with it too."""
    return list(dict.fromkeys(_RELEASE_NUMBER.findall(text)))


@dataclass(frozen=True)
class Release:
    """One release of a project."""

    project: str
    version: str
    parts: tuple[int, ...]  # the numbers, then the stage (4 = final) and its number
    shape: tuple[int, bool]  # how many numbers, and whether it is a pre-release
    when: int  # sortable date of its earliest entry


def version_key(version: str) -> tuple[tuple[int, ...], tuple[int, bool]]:
    """Sort key and shape of a release number: "1.4.0b1" -> ((1, 4, 0, 2, 1), (3, True))."""
    match = _PARTS.fullmatch(version)
    if match is None:
        raise ValueError(f"not a release number: {version!r}")
    numbers = tuple(int(p) for p in match.group(1).split("."))
    stage = _STAGES.get(match.group(2), 4) if match.group(2) else 4
    return (*numbers, stage, int(match.group(3) or 0)), (len(numbers), stage < 4)


def parse_title(title: str | None) -> tuple[str, str] | None:
    """("Django", "4.2.1") from "Django 4.2.1"; None when the title names no release."""
    match = _TITLE.match(title or "")
    return (match.group("project").strip(), match.group("version")) if match else None


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def _releases(given: Sequence[DatedDoc]) -> dict[str, dict[str, Release]]:
    """Per group (or project), every release named by a title, dated by its earliest entry;
    from every document given, duplicates included (a release may hold only entries that an
    earlier one already had)."""
    out: dict[str, dict[str, Release]] = defaultdict(dict)
    for d in given:
        found, dated = parse_title(d.title), parse_date(d.date)
        if found is None or dated is None:
            continue
        project, version = found
        group = d.group or project
        known = out[group].get(version)
        if known is None or dated[1] < known.when:
            parts, shape = version_key(version)
            out[group][version] = Release(project, version, parts, shape, dated[1])
    return out


def _holders(docs: Sequence[DatedDoc]) -> dict[str, set[str]]:
    """Entry text (normalised) -> every release title that holds it, duplicates included."""
    out: dict[str, set[str]] = defaultdict(set)
    for d in docs:
        found = parse_title(d.title)
        if found is not None:
            out[_normal(d.text)].add(found[1])
    return out


def _days_apart(a: int, b: int) -> int:
    """Days between two sortable dates (YYYYMMDD; DD = 00 for a month counts as the 1st)."""
    def day(x: int) -> date:
        return date(x // 10000, x // 100 % 100, max(x % 100, 1))
    return abs((day(a) - day(b)).days)


def _similar(doc: Doc, corpus: Corpus, group: str, sets: dict[int, frozenset[str]]
             ) -> set[str]:
    """Releases of ``group`` holding an entry that says nearly what ``doc`` says (Jaccard of
    word sets >= SIMILAR). Candidates share one of the entry's three rarest words, which an
    entry that says the same thing keeps."""
    def word_set(i: int) -> frozenset[str]:
        if i not in sets:
            sets[i] = frozenset(words(corpus.docs[i].source.text))
        return sets[i]

    mine = word_set(doc.index)
    rare = sorted(mine, key=lambda w: (corpus.df[w], w))[:3]
    found = set()
    for i in {i for w in rare for i in corpus.word_docs[w]} - {doc.index}:
        other = corpus.docs[i]
        title = parse_title(other.source.title)
        if title is None or (other.group or title[0]) != group:
            continue
        theirs = word_set(i)
        if len(mine & theirs) >= SIMILAR * len(mine | theirs):
            found.add(title[1])
    return found


def _entry(text: str, limit: int) -> str:
    """The entry on one line, cut at a word to about ``limit`` characters."""
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " ..."


def _series(versions: set[str]) -> set[str]:
    """Every release number and every series above it: "4.2.1" gives 4.2.1, 4.2 (not 4)."""
    out = set(versions)
    for v in versions:
        numbers = _PARTS.fullmatch(v)
        if numbers is not None:
            parts = numbers.group(1).split(".")
            out.update(".".join(parts[:k]) for k in range(2, len(parts)))
    return out


def _named(text: str, series: set[str], answer: Release) -> tuple[bool, bool]:
    """Whether the entry names a release or a series of its own project other than the
    answer's own series ("4.2.1", "1.3": a count to the answer), and whether it names that
    series ("a regression in 5.1" for 5.1.2: only the series, which the choices then share)."""
    found = set(release_numbers(text)) & series
    own = ".".join(str(p) for p in _line(answer))
    return bool(found - {own}), own in found


def _line(r: Release) -> tuple[int, ...]:
    """The series a release belongs to: its numbers but the last (7.0 of 7.0.2, 21 of 21.1)."""
    return r.parts[: r.shape[0] - 1]


def _distractors(answer: Release, pool: list[Release], rng: np.random.Generator,
                 n: int) -> list[Release] | None:
    """``n`` releases around the answer: of its shape (failing that, any final release for a
    final one, any pre-release for a pre-release), within ``NEAR_YEARS`` when there are enough,
    the ``NEAREST`` on each side in time. The answer's place among the choices in time is
    uniform over what the neighbours allow, and it is never alone in its series when a
    release of that series is at hand. None when there are too few."""
    near = [r for r in pool if _days_apart(r.when, answer.when) <= NEAR_YEARS * 365]
    for candidates in (near, pool):
        for alike in (lambda r: r.shape == answer.shape,
                      lambda r: r.shape[1] == answer.shape[1]):
            same = sorted((r for r in candidates if alike(r)), key=lambda r: (r.when, r.parts))
            older = [r for r in same if r.when < answer.when][-NEAREST:]
            newer = [r for r in same if r.when > answer.when][:NEAREST]
            if len(older) + len(newer) >= n:
                return _pick(answer, older, newer, rng, n)
    return None


def _pick(answer: Release, older: list[Release], newer: list[Release],
          rng: np.random.Generator, n: int) -> list[Release]:
    """``k`` of the ``older`` and ``n - k`` of the ``newer``, with ``k`` uniform over the values
    that leave a release of the answer's series among the picks (over all values when none
    can), and such a release among them."""
    def siblings(side: list[Release]) -> list[Release]:
        return [r for r in side if _line(r) == _line(answer)]

    ks = list(range(max(0, n - len(newer)), min(n, len(older)) + 1))
    kin = [k for k in ks if (k and siblings(older)) or (n - k and siblings(newer))]
    k = int(rng.choice(kin or ks))
    picks = [older[i] for i in rng.choice(len(older), k, replace=False)] if k else []
    picks += [newer[i] for i in rng.choice(len(newer), n - k, replace=False)] if n - k else []
    if kin and not siblings(picks):  # swap a pick for a sibling on the same side
        side = older if k and siblings(older) else newer
        at = next(i for i, r in enumerate(picks) if r in side)
        picks[at] = siblings(side)[int(rng.integers(len(siblings(side))))]
    return sorted(picks, key=lambda r: (r.when, r.parts))


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, int(hashlib.sha256(key.encode()).hexdigest()[:15], 16),
                                  7])


def _predictability(text: str, versions: set[str]) -> tuple[str, list[str]]:
    """``medium`` when the entry names a year or another product's version, else ``low``."""
    reasons = []
    if _YEAR.search(text):
        reasons.append("names a year, which may date it without the project's history")
    others = set(release_numbers(text)) - versions
    if others:
        reasons.append(f"names another product's version ({sorted(others)[0]}), which may date it")
    return ("medium" if reasons else "low"), reasons


def _probe(doc: Doc, answer: Release, picks: list[Release], text: str, level: str,
           reasons: list[str], options: GenerateOptions, also: list[str]) -> GeneratedProbe:
    source = doc.source
    prompt = (f"From the {answer.project} changelog: \"{text}\"\n"
              f"The first {answer.project} release with this change was {answer.project}")
    digest = hashlib.sha256("\0".join([prompt, answer.version, doc.date]).encode()).hexdigest()
    probe = {
        "id": f"release-{answer.version.replace('.', '-')}-{digest[:8]}",
        "prompt": prompt,
        "choices": {"correct": [f" {answer.version}"],
                    "distractors": [f" {r.version}" for r in picks]},
        "answers": [form for v in [answer.version, *also]
                    for form in (v, f"{answer.project} {v}")],
        "event_date": doc.date,
        "category": source.category or options.category,
        "predictability": level,
        "source": source.source,
        **({"url": source.url} if source.url else {}),
    }
    return GeneratedProbe(probe=probe, shape=RELEASE, term=f"release:{doc.index}",
                          period=doc.period, group=doc.group or source.source,
                          reasons=reasons, kind=RELEASE, form=QUESTION)


def release_probes(corpus: Corpus, given: Sequence[DatedDoc], options: GenerateOptions,
                   seen: set[tuple[str, str]]) -> tuple[list[GeneratedProbe], Counter[str]]:
    """One probe per entry whose title names a release (see the module docstring), and the
    count of entries rejected by reason (``REJECTIONS``). ``seen`` holds (prompt, answer)
    pairs already used; it is extended."""
    releases, holders = _releases(given), _holders(given)
    series = {group: _series(set(found)) for group, found in releases.items()}
    sets: dict[int, frozenset[str]] = {}
    rejected: Counter[str] = Counter()
    out = []
    for doc in corpus.docs:
        found = parse_title(doc.source.title)
        if found is None:
            rejected["no_release"] += 1
            continue
        group = doc.group or found[0]
        answer = releases[group][found[1]]
        text = _entry(doc.source.text, options.max_context_chars)
        if len(text.split()) < options.min_context_words:
            rejected["too_short"] += 1
            continue
        names_other, names_own = _named(text, series[group], answer)
        if names_other:
            rejected["names_a_release"] += 1
            continue
        also = (holders.get(_normal(doc.source.text), set()) | set(doc.source.also_in)
                | _similar(doc, corpus, group, sets))
        if any(releases[group][v].when < answer.when for v in also if v in releases[group]):
            rejected["repeated"] += 1
            continue
        pool = [r for r in releases[group].values() if r.version not in also
                and r.version != answer.version and _days_apart(r.when, answer.when) > SAME_TIME
                and (not names_own or (_line(r) == _line(answer) and r.shape == answer.shape))]
        # seeded by what the entry says, not where it sits: shuffled input, same suite
        key = f"release:{doc.date}:{doc.source.title}:{_normal(doc.source.text)}"
        picks = _distractors(answer, pool, _rng(options.seed, key), options.n_distractors)
        if picks is None:
            rejected["few_releases"] += 1
            continue
        level, reasons = _predictability(text, series[group])
        if names_own and (all(r.when > answer.when for r in pool)
                          or all(r.when < answer.when for r in pool)):
            level, reasons = "high", [*reasons, "names its own series, and the answer is the "
                                      "first or last release of it among the choices"]
        same_time = sorted(v for v in also if v in releases[group] and v != answer.version
                           and _days_apart(releases[group][v].when, answer.when) <= SAME_TIME)
        probe = _probe(doc, answer, picks, text, level, reasons, options, same_time)
        pair = (probe.probe["prompt"], probe.probe["choices"]["correct"][0])  # as core keys it
        if pair in seen:
            rejected["duplicate"] += 1
            continue
        seen.add(pair)
        out.append(probe)
    return out, rejected
