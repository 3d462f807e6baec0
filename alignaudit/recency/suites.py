"""Probe suites: the YAML schema, loading with file:line errors, and the shipped suites.

A suite file holds ``suite`` metadata and a list of ``probes``. Three kinds of probe share one
schema: a *fact* (``choices`` with correct answers and distractors), a *control* (a fabricated
event: distractors only, ``control: true``) and a *changing fact* (a ``timeline`` of answers,
each valid for a period). See ``docs/probes.md`` for how to write one.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from alignaudit._util.dates import check_date
from alignaudit._util.errors import UserError, validation_problems
from alignaudit._util.files import shipped_path
from alignaudit._util.frozen import Frozen
from alignaudit._util.safe_yaml import YamlDocument, read_yaml

if TYPE_CHECKING:  # numpy is not needed to list or check suites (`probes list` in a bare venv)
    import numpy as np

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
MIN_DISTRACTORS = 3

Predictability = Literal["low", "medium", "high"]
ProbeKind = Literal["fact", "control", "changing"]


class SuiteInfo(Frozen):
    """Metadata of a probe suite."""

    name: str = Field(description="Short name, lower-case letters, digits and dashes.")
    version: str = Field(description="Version of the suite's content, e.g. '1.0'.")
    description: str = Field(default="", description="What the suite measures.")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError(f"{v!r}: use lower-case letters, digits and dashes")
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> str:
        return str(v)


class Choices(Frozen):
    """The continuations a model ranks by likelihood."""

    correct: list[str] = Field(default_factory=list, description="Correct completions.")
    distractors: list[str] = Field(description="Plausible wrong completions (at least three).")


class TimelineEntry(Frozen):
    """One answer of a changing fact and the period it was true."""

    answer: str = Field(description="The completion, with its leading space.")
    aliases: list[str] = Field(default_factory=list, description="Accepted free-text forms.")
    valid_from: str = Field(description="First date the answer was true.")
    valid_until: str | None = Field(default=None, description="Date it stopped; None = still.")

    _dates = field_validator("valid_from", "valid_until", mode="before")(
        lambda v: None if v is None else check_date(v)
    )


class Probe(Frozen):
    """One question put to the model."""

    id: str = Field(description="Unique within the suite: lower-case letters, digits, dashes.")
    prompt: str = Field(description="Text the model continues; ends where the fact begins.")
    choices: Choices | None = Field(default=None, description="For facts and controls.")
    timeline: list[TimelineEntry] | None = Field(default=None, description="Changing facts.")
    distractors: list[str] = Field(
        default_factory=list, description="Never-valid answers of a changing fact."
    )
    answers: list[str] = Field(
        default_factory=list, description="Accepted free generations; defaults to the correct."
    )
    event_date: str | None = Field(default=None, description="When the fact came to be.")
    category: str = Field(description="Topic, e.g. science, politics, sport.")
    predictability: Predictability = Field(
        default="medium", description="Could it be guessed without knowing the event?"
    )
    source: str = Field(description="Where a reader can check the fact.")
    url: str | None = Field(default=None, description="A web page (http or https) where the "
                            "fact can be checked; the report links to it.")
    writer: str | None = Field(default=None, description="The model that phrased the prompt as "
                               "a question (probes generate --writer); None when no model did.")
    control: bool = Field(default=False, description="A fabricated event (no correct answer).")

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError(f"{v!r}: use lower-case letters, digits and dashes")
        return v

    @field_validator("event_date", mode="before")
    @classmethod
    def _event_date(cls, v: Any) -> str | None:
        return None if v is None else check_date(v)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not URL_RE.match(v):
            raise ValueError(f"{v!r}: give an http:// or https:// address")
        return v

    @field_validator("prompt", "source", "category")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v

    @model_validator(mode="after")
    def _shape(self) -> Probe:
        if (self.choices is None) == (self.timeline is None):
            raise ValueError("give either `choices` (a fact or control) or `timeline`")
        if self.timeline is not None:
            _check_timeline(self.timeline, self.control)
        else:
            assert self.choices is not None
            _check_choices(self.choices, self.control, self.distractors)
            if self.event_date is None:
                raise ValueError("`event_date` is required (YYYY, YYYY-MM or YYYY-MM-DD)")
        options = self.continuations
        if len(set(options)) != len(options):
            dupes = sorted({o for o in options if options.count(o) > 1})
            raise ValueError(f"choices repeat: {dupes}")
        return self

    @property
    def kind(self) -> ProbeKind:
        """``fact``, ``control`` or ``changing``."""
        if self.timeline is not None:
            return "changing"
        return "control" if self.control else "fact"

    @property
    def continuations(self) -> list[str]:
        """Every continuation the model scores, correct ones (or the timeline) first."""
        if self.timeline is not None:
            return [t.answer for t in self.timeline] + list(self.distractors)
        assert self.choices is not None
        return list(self.choices.correct) + list(self.choices.distractors)

    @property
    def n_correct(self) -> int:
        """How many leading entries of :attr:`continuations` are correct (0 for controls)."""
        if self.timeline is not None:
            return 0
        assert self.choices is not None
        return len(self.choices.correct)

    @property
    def accepted_answers(self) -> list[str]:
        """Strings a free generation may start with to count as right."""
        if self.answers:
            return list(self.answers)
        return [c.strip() for c in self.continuations[: self.n_correct]]


def _check_choices(choices: Choices, control: bool, stray: list[str]) -> None:
    if stray:
        raise ValueError("`distractors` at the top level is for timelines; use choices.distractors")
    if control and choices.correct:
        raise ValueError("a control (fabricated event) has no correct choice")
    if not control and not choices.correct:
        raise ValueError("choices.correct needs at least one correct completion")
    if len(choices.distractors) < MIN_DISTRACTORS:
        raise ValueError(f"choices.distractors needs at least {MIN_DISTRACTORS} entries")
    if any(not c.strip() for c in choices.correct + choices.distractors):
        raise ValueError("a choice is empty")


def _check_timeline(timeline: list[TimelineEntry], control: bool) -> None:
    if control:
        raise ValueError("a changing fact cannot be a control")
    if len(timeline) < 2:
        raise ValueError("a timeline needs at least two answers (otherwise it never changed)")
    starts = [date_key(t.valid_from) for t in timeline]
    if starts != sorted(starts):
        raise ValueError("timeline entries must be in order of valid_from")
    for entry in timeline[:-1]:
        if entry.valid_until is None:
            raise ValueError(f"{entry.answer!r}: only the last entry may omit valid_until")
    for entry in timeline:
        if entry.valid_until and date_key(entry.valid_until) < date_key(entry.valid_from):
            raise ValueError(f"{entry.answer!r}: valid_until is before valid_from")
    for before, after in zip(timeline, timeline[1:], strict=False):
        assert before.valid_until is not None  # checked above: only the last may omit it
        if date_key(after.valid_from) < date_key(before.valid_until):
            raise ValueError(
                f"{after.answer!r} starts ({after.valid_from}) before {before.answer!r} ends "
                f"({before.valid_until}): the periods of a timeline must not overlap (two "
                "answers true at once would count for both). Set each valid_until no later than "
                "the next entry's valid_from")


def date_key(text: str) -> tuple[int, int, int]:
    """A sortable key for a YYYY[-MM[-DD]] string."""
    parts = [int(p) for p in text.split("-")] + [0, 0]
    return parts[0], parts[1], parts[2]


class Suite(Frozen):
    """A validated suite and where it came from."""

    suite: SuiteInfo
    probes: list[Probe]
    path: str = Field(default="", description="File it was loaded from.")
    sha256: str = Field(default="", description="Hash of the file's bytes.")

    @property
    def name(self) -> str:
        return self.suite.name


def _format_errors(path: Path, exc: ValidationError, doc: YamlDocument) -> str:
    parts = []
    for loc, field, message in validation_problems(exc.errors()[:10]):
        parts.append(f"{path}:{doc.line(loc) or '?'}: {field}: {message}")
    more = len(exc.errors()) - 10
    if more > 0:
        parts.append(f"... and {more} more")
    return "\n".join(parts)


def load_suite(path: str | Path) -> Suite:
    """Load and validate one suite file; errors name the file, line and field."""
    path = Path(path)
    doc = read_yaml(path, f"probe suite {path}")
    data = doc.data
    if not isinstance(data, dict) or "probes" not in data or "suite" not in data:
        raise UserError(
            f"{path}:1: a suite file needs two top-level keys, `suite` (name, version, "
            "description) and `probes` (a list). See docs/probes.md."
        )
    if not data["probes"]:
        raise UserError(f"{path}:{doc.line(['probes'])}: the suite has no probes; add some.")
    try:
        suite = Suite.model_validate({"suite": data["suite"], "probes": data["probes"]})
    except ValidationError as exc:
        raise UserError(
            f"{path} is not a valid probe suite:\n{_format_errors(path, exc, doc)}"
        ) from None
    _check_unique_ids(path, suite, doc)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return suite.model_copy(update={"path": str(path), "sha256": digest})


def _check_unique_ids(path: Path, suite: Suite, doc: YamlDocument) -> None:
    first: dict[str, int] = {}
    for i, probe in enumerate(suite.probes):
        line = doc.line(["probes", i, "id"])
        if probe.id in first:
            raise UserError(
                f"{path}:{line}: probe id `{probe.id}` is used twice (first at line "
                f"{first[probe.id]}); ids must be unique within a suite."
            )
        first[probe.id] = line or 0


def shipped_dir() -> Path:
    """Folder of the suites shipped with alignaudit (inside the wheel, or the repo's probes/)."""
    return shipped_path("probes", "probes")


def shipped_suites() -> dict[str, Path]:
    """Name -> path of every shipped suite."""
    folder = shipped_dir()
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def resolve_suites(specs: Iterable[str]) -> list[Suite]:
    """Turn ``--probes`` values (names, paths, comma lists) into loaded suites."""
    names = [s.strip() for spec in specs for s in spec.split(",") if s.strip()]
    if not names:
        raise UserError("No probe suite given: pass --probes recency (or a path to a YAML file).")
    shipped = shipped_suites()
    suites: list[Suite] = []
    for name in names:
        if name in shipped:
            suites.append(load_suite(shipped[name]))
        elif name.endswith((".yaml", ".yml")) or Path(name).exists():
            suites.append(load_suite(name))
        else:
            close = difflib.get_close_matches(name, list(shipped), n=1)
            hint = f" Did you mean `{close[0]}`?" if close else ""
            raise UserError(
                f"Unknown probe suite `{name}` (--probes).{hint} Shipped suites: "
                f"{', '.join(shipped) or 'none found'}; or give the path to a YAML file."
            )
    seen = [s.name for s in suites]
    if len(set(seen)) != len(seen):
        raise UserError(f"The same suite name is given twice in --probes: {seen}.")
    return suites


def limit_probes(probes: Sequence[Probe], limit: int, rng: np.random.Generator) -> list[Probe]:
    """At most ``limit`` probes spread over event years (undated probes are one more group):
    groups take turns in a seeded order, each giving a seeded random probe of its own, so a
    quick trial sees every year, not the first ones. The suite's order is kept."""
    if limit >= len(probes):
        return list(probes)
    groups: dict[str, list[int]] = {}
    for i, probe in enumerate(probes):
        groups.setdefault((probe.event_date or "undated")[:4], []).append(i)
    queues = [list(rng.permutation(members)) for _, members in sorted(groups.items())]
    turns = [queues[i] for i in rng.permutation(len(queues))]
    picked: list[int] = []
    while len(picked) < limit:
        for queue in turns:
            if queue and len(picked) < limit:
                picked.append(int(queue.pop()))
    return [probes[i] for i in sorted(picked)]
