"""Tests for alignaudit.recency.believed on synthetic timelines whose believed year is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from alignaudit.recency.believed import FactPreference, TimelineAnswer, believed_year


def _timeline_facts(rng: np.random.Generator, n_facts: int, lives_in: float,
                    now: float = 2026.0) -> list[FactPreference]:
    """Facts whose answer changed every 1-6 years since 2000; the model puts 0.7 on the answer
    true at ``lives_in`` and spreads the rest over the other answers."""
    facts = []
    for f in range(n_facts):
        bounds = [2000.0]
        while bounds[-1] < now:
            bounds.append(bounds[-1] + float(rng.uniform(1.0, 6.0)))
        ends = zip(bounds[:-1], bounds[1:], strict=True)
        periods = [(lo, hi if hi < now else None) for lo, hi in ends]
        believed = next(i for i, (lo, hi) in enumerate(periods) if lo <= lives_in < (hi or now))
        rest = 0.3 / (len(periods) - 1)
        facts.append(FactPreference(fact_id=f"f{f}", answers=[
            TimelineAnswer(answer=f"a{i}", valid_from=lo, valid_until=hi,
                           probability=0.7 if i == believed else rest)
            for i, (lo, hi) in enumerate(periods)]))
    return facts


@pytest.mark.parametrize("lives_in", [2015.5, 2021.5])
def test_believed_year_recovers_known_year(lives_in: float) -> None:
    rng = np.random.default_rng(5)
    result = believed_year(_timeline_facts(rng, 40, lives_in), rng, now=2026.0)
    year = math.floor(lives_in)
    assert result.believed_year == year
    assert result.interval_low is not None and result.interval_high is not None
    assert result.interval_low <= year <= result.interval_high
    assert result.interval_high - result.interval_low <= 2
    assert len(result.facts) == 40 and all(f.probability == 0.7 for f in result.facts)
    best = max(result.years, key=lambda y: y.score)
    assert best.year == year and best.support > 0.5
    assert sum(y.support for y in result.years) == pytest.approx(1.0)


def test_believed_year_by_hand_and_ties() -> None:
    # One fact: A true 2010-2016, B from 2016 on. The model puts 0.8 on B.
    fact = FactPreference(fact_id="pm", answers=[
        TimelineAnswer(answer="A", valid_from=2010.0, valid_until=2016.0, probability=0.2),
        TimelineAnswer(answer="B", valid_from=2016.0, probability=0.8)])
    result = believed_year([fact], np.random.default_rng(0), now=2019.5)
    scores = {y.year: y.score for y in result.years}
    assert scores[2012] == pytest.approx(0.2) and scores[2017] == pytest.approx(0.8)
    assert [y.year for y in result.years] == list(range(2010, 2020))  # 2019 covered up to now
    # 2016-2019 all score 0.8: they cannot be told apart, and the latest is reported
    assert result.believed_year == 2019
    assert result.facts[0].preferred_answer == "B" and result.facts[0].valid_until is None


def test_believed_year_rejects_unnormalised_and_is_deterministic() -> None:
    with pytest.raises(ValidationError):
        FactPreference(fact_id="x", answers=[
            TimelineAnswer(answer="A", valid_from=2010.0, probability=0.5)])
    facts = _timeline_facts(np.random.default_rng(6), 20, 2019.5)
    first = believed_year(facts, np.random.default_rng(1), now=2026.0)
    assert first == believed_year(facts, np.random.default_rng(1), now=2026.0)
    assert believed_year([], np.random.default_rng(1), now=2026.0).believed_year is None
