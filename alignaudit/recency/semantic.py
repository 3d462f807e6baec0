"""Semantic generation matching: does the generation *mean* an accepted answer?

Exact matching misses paraphrases ("the Argentine team" for "Argentina"). With
``--semantic-match`` the first clause of each fact's generation (up to a comma or full stop) is
embedded with the sentence embedder and compared with its accepted answers; the best cosine
similarity is recorded, and a match is counted when it reaches :data:`SEMANTIC_THRESHOLD`.
Semantic matches are kept apart from exact matches and never change likelihood accuracy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from alignaudit.recency.scoring import ProbeResult

SEMANTIC_THRESHOLD = 0.75
"""Cosine similarity (all-MiniLM-L6-v2 embeddings) at which a generation counts as meaning an
accepted answer. Paraphrases of a short answer typically score 0.75-0.95 with this embedder;
different entities of the same kind ("France" vs "Argentina") typically stay below 0.7."""


def semantic_matches(results: Sequence[ProbeResult], embedder: Any,
                     threshold: float = SEMANTIC_THRESHOLD,
                     answers: dict[tuple[str, str], list[str]] | None = None
                     ) -> list[ProbeResult]:
    """Copies of ``results`` with the semantic fields filled for facts with a generation.

    ``answers`` maps (suite, probe id) to accepted answers; by default the correct choices.
    """
    todo = [i for i, r in enumerate(results) if r.kind == "fact" and r.generation.strip()]
    if not todo:
        return list(results)
    accepted = [_accepted(results[i], answers) for i in todo]
    flat = [a for group in accepted for a in group]
    gens = embedder.embed([first_clause(results[i].generation) for i in todo])
    targets = embedder.embed(flat)
    out = list(results)
    at = 0
    for row, (i, group) in enumerate(zip(todo, accepted, strict=True)):
        sims = targets[at : at + len(group)] @ gens[row]
        at += len(group)
        best = float(np.max(sims)) if len(group) else 0.0
        out[i] = results[i].model_copy(update={
            "generation_similarity": round(best, 6),
            "generation_semantic_match": best >= threshold,
        })
    return out


def first_clause(text: str) -> str:
    """The generation up to its first clause break (, ; : . ! ?), where the answer usually is."""
    clause = re.split(r"[,;:.!?]\s", text.strip() + " ", maxsplit=1)[0]
    return clause.strip() or text.strip()


def _accepted(result: ProbeResult, answers: dict[tuple[str, str], list[str]] | None) -> list[str]:
    if answers and (result.suite, result.probe_id) in answers:
        return answers[(result.suite, result.probe_id)]
    return [c.text.strip() for c in result.choices if c.correct]
