"""Scoring probes: likelihood ranking of choices and matching free generations.

Pure functions from a suite's probes and a backend's answers to typed per-probe results;
the only model calls go through the backend's batched verbs.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

import numpy as np
from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.backends.base import Backend, Loglikelihood
from alignaudit.config import ScoringSettings
from alignaudit.recency.suites import Probe, Suite

ARTICLES = re.compile(r"\b(a|an|the)\b")
PUNCT = str.maketrans({c: " " for c in string.punctuation + "“”‘’—–…"})


class ChoiceScore(Frozen):
    """How the model scored one continuation of a probe."""

    text: str = Field(description="The continuation, with its leading space.")
    correct: bool = Field(description="A correct choice (always False for controls/timelines).")
    logprob: float = Field(description="Sum of token log-probabilities given the prompt.")
    n_tokens: int = Field(description="Tokens in the continuation.")
    n_bytes: int = Field(description="UTF-8 bytes in the continuation (for normalisation).")
    prob: float = Field(description="Share of probability among this probe's choices.")
    boundary_fixed: bool = Field(default=False, description="Scored with a fixed token split.")
    valid_from: str | None = Field(default=None, description="Timeline: valid from.")
    valid_until: str | None = Field(default=None, description="Timeline: valid until.")


class ProbeResult(Frozen):
    """One probe, the model's answers and whether they were right."""

    suite: str
    probe_id: str
    kind: str = Field(description="fact, control or changing.")
    prompt: str
    event_date: str | None
    category: str
    predictability: str
    source: str
    choices: list[ChoiceScore]
    chance: float = Field(description="Accuracy of a uniform guess: correct choices / choices "
                          "(0 when scored by open-ended generation only).")
    correct: bool | None = Field(description="Top log-probability is a correct choice.")
    correct_norm: bool | None = Field(description="Same, with log-probability per byte.")
    p_correct: float | None = Field(description="Probability share of the correct choices.")
    margin: float | None = Field(description="Best correct minus best wrong log-probability.")
    preferred: int = Field(description="Index of the choice with the top log-probability.")
    generation: str = Field(description="The model's greedy continuation of the prompt.")
    generation_match: bool | None = Field(description="The generation starts with an answer.")
    matched_answer: str | None = Field(default=None, description="Which answer matched.")
    scoring: str = Field(default="likelihood", description="likelihood, or generation when the "
                         "server gives no prompt log-probabilities (choices unscored).")
    generation_similarity: float | None = Field(
        default=None, description="--semantic-match: best cosine to an accepted answer.")
    generation_semantic_match: bool | None = Field(
        default=None, description="--semantic-match: similarity reached the threshold.")
    url: str | None = Field(default=None, description="A web page where the fact can be checked "
                            "(the source document of a generated probe).")
    writer: str | None = Field(default=None, description="The model that phrased the prompt, if "
                               "one did (a generated probe's question).")


def normalise(text: str) -> str:
    """Lower-case, drop punctuation and articles, collapse spaces (SQuAD-style)."""
    text = text.lower().translate(PUNCT)
    text = ARTICLES.sub(" ", text)
    return " ".join(text.split())


def match_generation(generation: str, answers: Sequence[str]) -> str | None:
    """The first accepted answer the normalised generation starts with, or None."""
    gen = normalise(generation)
    for answer in answers:
        ans = normalise(answer)
        if ans and (gen == ans or gen.startswith(ans + " ")):
            return answer
    return None


def softmax(logprobs: Sequence[float]) -> list[float]:
    arr = np.asarray(logprobs, dtype=np.float64)
    arr = np.exp(arr - arr.max())
    return list(arr / arr.sum())


def score_probe(
    suite: str, probe: Probe, lls: Sequence[Loglikelihood], generation: str
) -> ProbeResult:
    """Combine a probe's log-likelihoods and generation into a result."""
    texts = probe.continuations
    k = probe.n_correct
    probs = softmax([ll.logprob for ll in lls])
    timeline = probe.timeline or []
    choices = [
        ChoiceScore(
            text=t, correct=i < k, logprob=ll.logprob, n_tokens=ll.n_tokens,
            n_bytes=len(t.encode("utf-8")), prob=p, boundary_fixed=ll.boundary_fixed,
            valid_from=timeline[i].valid_from if i < len(timeline) else None,
            valid_until=timeline[i].valid_until if i < len(timeline) else None,
        )
        for i, (t, ll, p) in enumerate(zip(texts, lls, probs, strict=True))
    ]
    logprobs = [c.logprob for c in choices]
    per_byte = [c.logprob / max(c.n_bytes, 1) for c in choices]
    preferred = int(np.argmax(logprobs))
    graded = probe.kind == "fact"
    matched = match_generation(generation, _answers(probe)) if probe.kind != "control" else None
    return ProbeResult(
        suite=suite, probe_id=probe.id, kind=probe.kind, prompt=probe.prompt,
        event_date=probe.event_date, category=probe.category,
        predictability=probe.predictability, source=probe.source, url=probe.url,
        writer=probe.writer, choices=choices,
        chance=k / len(choices) if graded else 1 / len(choices),
        correct=preferred < k if graded else None,
        correct_norm=int(np.argmax(per_byte)) < k if graded else None,
        p_correct=float(sum(probs[:k])) if graded else None,
        margin=max(logprobs[:k]) - max(logprobs[k:]) if graded else None,
        preferred=preferred, generation=generation,
        generation_match=(matched is not None) if probe.kind == "fact" else None,
        matched_answer=matched,
    )


def _answers(probe: Probe) -> list[str]:
    if probe.timeline is not None:
        return [a for t in probe.timeline for a in [t.answer.strip(), *t.aliases]]
    return probe.accepted_answers


class ScoreOptions(ScoringSettings):
    """How probes are scored: the user's settings plus the stop strings of generations."""

    stop: list[str] = Field(default_factory=lambda: ["\n"], description="Stop strings.")


def score_suites(
    backend: Backend, suites: Sequence[Suite], options: ScoreOptions
) -> list[ProbeResult]:
    """Score every probe of every suite with one batched call per verb."""
    items = [(s.name, p) for s in suites for p in s.probes]
    pairs = [(p.prompt, c) for _, p in items for c in p.continuations]
    if not backend.capabilities.loglikelihood:
        return _generation_only(backend, items, options)
    lls = backend.loglikelihood(pairs)
    if options.generate:
        gens = backend.generate([p.prompt for _, p in items], options.max_new_tokens, options.stop)
    else:
        gens = [""] * len(items)
    results, at = [], 0
    for (suite, probe), gen in zip(items, gens, strict=True):
        n = len(probe.continuations)
        results.append(score_probe(suite, probe, lls[at : at + n], gen))
        at += n
    return results


def _generation_only(backend: Backend, items: list[tuple[str, Probe]],
                     options: ScoreOptions) -> list[ProbeResult]:
    """Scoring for servers without prompt log-probabilities: generations only.

    Choices get no probability (0) and a fact counts as correct when its generation matches an
    accepted answer; ``scoring`` says so on every result.
    """
    gens = backend.generate([p.prompt for _, p in items], options.max_new_tokens, options.stop)
    results = []
    for (suite, probe), gen in zip(items, gens, strict=True):
        unscored = [Loglikelihood(logprob=0.0, is_greedy=False, n_tokens=0)
                    for _ in probe.continuations]
        result = score_probe(suite, probe, unscored, gen)
        graded = probe.kind == "fact"
        results.append(result.model_copy(update={
            "scoring": "generation",
            "choices": [c.model_copy(update={"prob": 0.0}) for c in result.choices],
            "correct": bool(result.generation_match) if graded else None,
            "correct_norm": None, "p_correct": None, "margin": None,
            # an open-ended generation hits an accepted answer by luck about never: the
            # cutoff's after-level and the chance line sit at 0, not at 1 / choices
            "chance": 0.0,
        }))
    return results


class SuiteSummary(Frozen):
    """Headline numbers of one suite."""

    suite: str
    n_probes: int = Field(description="Probes scored.")
    n_facts: int = Field(description="Probes with a correct answer (accuracy counts these).")
    n_controls: int = Field(description="Fabricated-event controls.")
    n_changing: int = Field(description="Changing facts.")
    accuracy: float | None = Field(description="Likelihood-ranking accuracy on facts.")
    accuracy_norm: float | None = Field(description="Same with per-byte normalisation.")
    chance: float | None = Field(description="Mean chance accuracy of those facts.")
    mean_p_correct: float | None = Field(description="Mean probability share of correct.")
    generation_accuracy: float | None = Field(description="Share of generations that match.")
    semantic_accuracy: float | None = Field(
        default=None, description="Share whose generation matches exactly or semantically.")
    n_boundary_fixed: int = Field(description="Choices scored with a fixed token split.")
    scoring: str = Field(default="likelihood", description="likelihood or generation (only).")


def summarise(suite: str, results: Sequence[ProbeResult]) -> SuiteSummary:
    """Per-suite accuracy figures from its probe results."""
    facts = [r for r in results if r.kind == "fact"]

    def mean(values: list[float]) -> float | None:
        return float(np.mean(values)) if values else None

    return SuiteSummary(
        suite=suite, n_probes=len(results), n_facts=len(facts),
        n_controls=sum(r.kind == "control" for r in results),
        n_changing=sum(r.kind == "changing" for r in results),
        accuracy=mean([float(bool(r.correct)) for r in facts]),
        accuracy_norm=mean([float(r.correct_norm) for r in facts if r.correct_norm is not None]),
        chance=mean([r.chance for r in facts]),
        mean_p_correct=mean([r.p_correct for r in facts if r.p_correct is not None]),
        generation_accuracy=mean([float(bool(r.generation_match)) for r in facts]),
        semantic_accuracy=mean([float(bool(r.generation_match or r.generation_semantic_match))
                                for r in facts])
        if any(r.generation_semantic_match is not None for r in facts) else None,
        n_boundary_fixed=sum(c.boundary_fixed for r in results for c in r.choices),
        scoring="generation" if results and all(r.scoring == "generation" for r in results)
        else "likelihood",
    )


