"""Typed inputs and outputs of probe generation (re-exported by :mod:`generate`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from alignaudit._util.frozen import Frozen as _Frozen

GENERATOR_VERSION = "0.3.0"




class DatedDoc(_Frozen):
    """One dated document of the corpus probes are generated from."""

    text: str = Field(description="The document's text.")
    date: str = Field(description="When it was written: YYYY-MM-DD or YYYY-MM.")
    source: str = Field(description="Where it came from: 'file:line' or an id.")
    url: str | None = Field(default=None, description="A web address a reader can check.")
    title: str | None = Field(
        default=None,
        description="What the document is about, e.g. 'pip 25.1'; prefixed to its prompts "
        "('pip 25.1: ...') so that a prompt says which project and release it is about.")
    group: str | None = Field(
        default=None,
        description="The project it belongs to; distractors of the same group are preferred, "
        "and each group's first periods are burn-in (see GenerateOptions.burn_in_periods).")
    category: str | None = Field(
        default=None, description="Category of its probes; GenerateOptions.category if None.")
    section: str | None = Field(
        default=None,
        description="The heading it sits under ('Features', 'Bug Fixes', 'feature, orm'): "
        "evidence of whether its terms are introduced or already existed.")
    also_in: list[str] = Field(
        default_factory=list,
        description="Other releases (numbers) whose notes hold the same entry, e.g. backports: "
        "never a release probe's distractors; accepted answers when shipped within a fortnight.")


class GenerateOptions(_Frozen):
    """How probes are generated and how many are kept."""

    period: Literal["month", "quarter", "year"] = Field(
        default="quarter", description="The periods probes are counted and chosen by.")
    per_period: int = Field(default=100, ge=1, description="At most this many probes a period.")
    seed: int = Field(default=0, ge=0, description="Seed of every random choice.")
    limit: int | None = Field(
        default=None, ge=1, description="At most this many probes in all (spread over periods).")
    name: str = Field(default="generated", pattern=r"^[a-z0-9][a-z0-9-]*$",
                      description="Suite name (lower-case letters, digits, dashes).")
    version: str = Field(default="1.0", description="Suite version.")
    description: str = Field(
        default="Probes generated from the first appearance of terms in dated documents.",
        description="Suite description.")
    category: str = Field(default="technology", description="Category of every probe.")
    n_distractors: int = Field(default=3, ge=3, description="Distractors per probe.")
    burn_in_periods: int = Field(
        default=1, ge=0,
        description="Each group's first periods only record which terms exist: a term first "
        "seen there may be much older than the corpus, so its date cannot be trusted.")
    min_context_words: int = Field(
        default=6, ge=1, description="Fewest words of context before the answer (sans title).")
    min_informative_words: int = Field(
        default=2, ge=0,
        description="Fewest informative context words: not stop words and in at most "
        "max(3, informative_df x documents) documents.")
    informative_df: float = Field(
        default=0.01, gt=0, le=1, description="Document-frequency ceiling of informative words.")
    max_context_chars: int = Field(
        default=240, ge=20, description="Context is cut (at a word) to this many characters.")
    ambiguity_words: int = Field(
        default=6, ge=1,
        description="A context whose last N words are followed by another term elsewhere "
        "in the corpus is ambiguous.")
    rare_zipf: float = Field(
        default=2.0, description="A bare word is a candidate when its wordfreq Zipf is below.")
    common_zipf: float = Field(
        default=4.0, description="Single-token terms at or above this Zipf are common English.")
    guessable_zipf: float = Field(
        default=3.0, description="Single-token terms at or above this Zipf are 'high'.")
    novelty: Literal["introduced", "hinted", "any"] = Field(
        default="introduced",
        description="Which first appearances count as new (people's names always do; terms "
        "the text gives as existing, 'fixed X', never do): 'introduced' = the words around "
        "the term introduce it ('the new X', 'added X', 'X is new'); 'hinted' = also an "
        "introducing word elsewhere in the context or a 'Features' heading; 'any' = also "
        "no sign either way. Terms let in by 'hinted' or 'any' are tagged 'medium'.")
    statements: bool = Field(
        default=False,
        description="Also make statement probes: a mention of a term (new or old) in a "
        "sentence that reports a change of its release ('Fixed a crash of X when ...'); the "
        "statement is new at the document's date even when the term is not. They are tagged "
        "'medium' at best (the term may be known), 'high' when a model that knew only the "
        "earlier corpus would pick the answer; their distractors all existed before the date. "
        "Term probes are preferred when a period has more than per_period. Off by default: "
        "graded by hand, most statement probes tagged 'medium' could still be answered by a "
        "model that knows the project (see quality.md).")
    strict_statements: bool = Field(
        default=True,
        description="Statements: tag 'high' unless at least two distractors are visibly of "
        "the answer's kind (same family or kind part, 'MSFloat' for 'MSDouble', or the same "
        "slot, or options, versions, CVEs, PEPs): otherwise a model that knows the project "
        "picks the one choice that fits ('treats only 1 as True' -> 'SLBoolean'). False "
        "gives about three times the usable statements, many of them guessable that way.")
    releases: bool = Field(
        default=True,
        description="Also make release probes from documents whose title names a release "
        "('Django 4.2.1'): the entry quoted, and which release first shipped it; distractors "
        "are neighbouring releases of the same shape, before and after (see releases.py). "
        "Ranked after term and statement probes within a period.")
    blank_prompts: bool = Field(
        default=True,
        description="When the text before a term is too short or ambiguous ('The new X class "
        "allows ...'), ask with the sentence blanked out ('The new ___ class allows ...' + "
        "'Fill in the blank:') instead of dropping it.")
    association_df: float = Field(
        default=0.05, gt=0, le=1,
        description="Statements: prompt words in at most this share of documents are cues; "
        "an answer met with more of them in one earlier document than any distractor is "
        "'high'.")
    frequency_ratio: float = Field(
        default=3.0, ge=1,
        description="Statements: an answer mentioned in this many times more earlier "
        "documents than every distractor (and in at least 5) is 'high'.")
    max_doc_chars: int = Field(default=20_000, ge=100, description="Longer documents are cut.")
    min_documents: int = Field(default=200, ge=1, description="Warn below this many documents.")
    min_candidates: int = Field(
        default=40, ge=1, description="Warn about periods with fewer usable candidates.")


class GeneratedProbe(_Frozen):
    """A probe (the suite schema's fields) and how it was made."""

    probe: dict[str, Any] = Field(description="Fields of alignaudit's Probe, in file order.")
    shape: str = Field(description="Shape class of the answer (option, version, name...).")
    term: str = Field(description="The term's key (case-folded; versions with subject).")
    period: str = Field(description="Period label of the event date.")
    group: str = Field(description="Group of its document (its source when none was given).")
    reasons: list[str] = Field(description="Why the predictability is what it is.")
    kind: str = Field(default="term", description="'term' (the term is new: its first "
                      "appearance, introduced), 'statement' (the sentence is new) or 'release' "
                      "(which release first shipped the entry).")
    form: str = Field(default="cloze", description="'cloze' (the text before the answer), "
                      "'blank' (the sentence with the answer blanked out) or 'question' (the "
                      "entry quoted, then asked about).")


class GenerateStats(_Frozen):
    """What generation found and dropped, by step."""

    n_documents: int = Field(description="Documents given.")
    documents_rejected: dict[str, int] = Field(
        description="Documents dropped: 'date' (unparsable), 'duplicate' (same text), 'empty'.")
    n_spans: int = Field(description="Candidate spans found (every occurrence).")
    n_terms: int = Field(description="Distinct terms, each with one first appearance.")
    rejected: dict[str, int] = Field(
        description="First appearances rejected, by filter (the first that failed), in the "
        "order the filters run; every filter is listed, 0 when it rejected nothing.")
    statements_rejected: dict[str, int] = Field(
        default_factory=dict,
        description="Mentions rejected as statements, by filter (one mention per term and "
        "document; first appearances that became term probes are not tried).")
    releases_rejected: dict[str, int] = Field(
        default_factory=dict,
        description="Documents that gave no release probe, by reason (see releases.REJECTIONS); "
        "empty when release probes are off.")
    distractors_discarded: dict[str, int] = Field(
        description="Distractor candidates passed over, by reason (e.g. also in the document).")
    n_accepted: int = Field(description="First appearances that became probes.")
    n_selected: int = Field(description="Probes kept after per_period and limit.")
    candidates_per_period: dict[str, int] = Field(
        description="Accepted probes of low or medium predictability, by period.")
    documents_per_period: dict[str, int] = Field(description="Documents by period.")
    probes_per_period: dict[str, int] = Field(description="Selected probes by period.")
    predictability: dict[str, int] = Field(description="Selected probes by predictability.")
    shapes: dict[str, int] = Field(description="Selected probes by shape class.")
    kinds: dict[str, int] = Field(default_factory=dict,
                                  description="Selected probes by kind and form.")


class GeneratedSuite(_Frozen):
    """A generated suite: the probes, what was dropped and what to watch out for."""

    name: str = Field(description="Suite name.")
    version: str = Field(description="Suite version.")
    description: str = Field(description="Suite description.")
    seed: int = Field(description="The seed used.")
    generator_version: str = Field(default=GENERATOR_VERSION, description="This code's version.")
    probes: list[GeneratedProbe] = Field(description="Probes, by event date then id.")
    stats: GenerateStats = Field(description="Counts by step.")
    warnings: list[str] = Field(description="What makes the suite weak, in words.")
