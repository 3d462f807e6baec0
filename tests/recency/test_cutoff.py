"""Tests for alignaudit.recency.cutoff on synthetic probes whose right answer is known."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import pytest
from pydantic import ValidationError
from scipy.special import expit

from alignaudit._util.dates import date_span, date_to_year_fraction, year_fraction_to_label
from alignaudit.recency.cutoff import CutoffEstimate, DatedScores, estimate_cutoff
from alignaudit.recency.periods import (
    Outcome,
    accuracy_by_period,
    chance_corrected,
    choose_period,
    wilson_interval,
)

Knowledge = Callable[[np.ndarray], np.ndarray]


def simulate(rng: np.random.Generator, n: int, knowledge: Knowledge, start: float = 2012.0,
             end: float = 2026.0, n_choices: int = 4) -> list[Outcome]:
    """``n`` probes uniform over [start, end): P(correct) = chance + (1 - chance) * knowledge."""
    dates = np.round(rng.uniform(start, end, n), 3)
    chance = 1.0 / n_choices
    correct = rng.random(n) < chance + (1.0 - chance) * knowledge(dates)
    pairs = enumerate(zip(dates, correct, strict=True))
    return [Outcome(probe_id=f"p{i}", suite="synthetic", event_date=float(d), correct=bool(c),
                    n_choices=n_choices) for i, (d, c) in pairs]


def step_knowledge(cutoff: float, accuracy: float, chance: float = 0.25) -> Knowledge:
    """Accuracy ``accuracy`` before ``cutoff``, chance after (as chance-corrected knowledge)."""
    level = (accuracy - chance) / (1.0 - chance)
    return lambda d: np.where(d < cutoff, level, 0.0)


# ---------------------------------------------------------------------------- helpers


def test_date_to_year_fraction() -> None:
    assert date_to_year_fraction("2020") == 2020.5
    # March 2020: 31+29 = 60 days before it, 31 days long, 2020 has 366 days -> (60+15.5)/366
    assert date_to_year_fraction("2020-03") == pytest.approx(2020 + 75.5 / 366)
    # 1 March 2021: 31+28 = 59 days before it, noon of that day -> (59+0.5)/365
    assert date_to_year_fraction("2021-03-01") == pytest.approx(2021 + 59.5 / 365)
    for bad in ("20", "2020-13", "2020-02-30", "March 2020", "2020-3-x"):
        with pytest.raises(ValueError):
            date_to_year_fraction(bad)


def test_date_span() -> None:
    assert date_span("2020") == 1.0
    assert date_span("2020-02") == pytest.approx(29 / 366)
    assert date_span("2021-02") == pytest.approx(28 / 365)
    assert date_span("2021-02-03") == 0.0
    with pytest.raises(ValueError):
        date_span("2020-13")


def test_year_fraction_to_label() -> None:
    assert year_fraction_to_label(2020.17) == "2020-Q1"
    assert year_fraction_to_label(2020.17, "month") == "2020-03"
    assert year_fraction_to_label(2020.99, "quarter") == "2020-Q4"
    assert year_fraction_to_label(2021.0, "year") == "2021"
    for s in ("2019-01", "2019-12", "2020-02", "2020-07"):
        assert year_fraction_to_label(date_to_year_fraction(s), "month") == s


def test_wilson_interval_by_hand() -> None:
    # k=8, n=10, 95%: z = 1.959964, z^2 = 3.841459, p = 0.8
    # denominator 1 + z^2/n = 1.3841459
    # centre (p + z^2/(2n)) / denom = (0.8 + 0.1920729) / 1.3841459 = 0.716732
    # half  z * sqrt(p(1-p)/n + z^2/(4n^2)) / denom
    #     = 1.959964 * sqrt(0.016 + 0.0096036) / 1.3841459 = 1.959964 * 0.1600113 / 1.3841459
    #     = 0.226576  ->  (0.490156, 0.943308)
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.490156, abs=1e-5)
    assert hi == pytest.approx(0.943308, abs=1e-5)
    # k=0, n=10: p=0, centre = 0.1920729/1.3841459 = 0.138767 = half -> lower bound 0
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.277534, abs=1e-5)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    # a wider confidence gives a wider interval
    assert wilson_interval(8, 10, 0.99)[0] < 0.490156


def test_chance_corrected_by_hand() -> None:
    assert chance_corrected(0.625, 0.25) == pytest.approx(0.5)  # (0.625-0.25)/0.75
    assert chance_corrected(0.25, 0.25) == 0.0
    assert chance_corrected(1.0, 0.5) == 1.0
    assert chance_corrected(0.0, 0.5) == -1.0  # below chance goes negative
    with pytest.raises(ValueError):
        chance_corrected(0.5, 1.0)


def test_outcome_validation_and_chance() -> None:
    o = Outcome(probe_id="x", suite="s", event_date=2020.5, correct=True, n_choices=5, n_correct=2)
    assert o.chance == pytest.approx(0.4)
    with pytest.raises(ValidationError):
        Outcome(probe_id="x", suite="s", event_date=2020.5, correct=True, n_choices=2, n_correct=2)
    with pytest.raises(ValidationError):
        Outcome.model_validate({"probe_id": "x", "suite": "s", "event_date": 2020.5,
                                "correct": True, "n_choices": 4, "extra": 1})


def test_generation_scored_outcomes_put_chance_at_their_guess_rate() -> None:
    """Open-ended generations (guess_rate 0): a model that drops from 50% to 6% has a step to
    6%, not one floored at 1/4 as a four-choice ranking would be."""
    rng = np.random.default_rng(31)
    dates = np.repeat(np.arange(2012, 2026) + 0.5, 16)
    hit = np.where(dates < 2019, rng.random(len(dates)) < 0.5, rng.random(len(dates)) < 0.06)
    outs = [Outcome(probe_id=str(i), suite="s", event_date=float(d), correct=bool(h),
                    n_choices=4, guess_rate=0.0)
            for i, (d, h) in enumerate(zip(dates, hit, strict=True))]
    assert outs[0].chance == 0.0
    step = estimate_cutoff(outs).step
    assert step is not None and not step.b_floored
    assert step.chance_after == 0.0 and 0.0 < step.b < 0.15
    assert 2018.0 <= step.t <= 2020.0
    ranked = [o.model_copy(update={"guess_rate": None}) for o in outs]
    floored = estimate_cutoff(ranked).step
    assert floored is not None and floored.b == pytest.approx(0.25)  # the ranking floor


def _probe(date: float, correct: bool, n_choices: int = 4,
           pred: Literal["low", "medium", "high"] = "low") -> Outcome:
    return Outcome(probe_id=f"{date}-{correct}", suite="s", event_date=date, correct=correct,
                   n_choices=n_choices, predictability=pred)


def test_accuracy_by_period_year_and_quarter() -> None:
    probes = [_probe(2019.1, True), _probe(2019.2, True), _probe(2019.8, False, n_choices=2),
              _probe(2021.5, False), _probe(2021.6, True)]
    years = accuracy_by_period(probes, "year")
    assert [r.label for r in years] == ["2019", "2021"]  # no row for the empty 2020
    y19 = years[0]
    assert (y19.n, y19.correct, y19.start, y19.end) == (3, 2, 2019.0, 2020.0)
    assert y19.accuracy == pytest.approx(2 / 3)
    chance = (0.25 + 0.25 + 0.5) / 3  # mean chance of the three probes = 1/3
    assert y19.mean_chance == pytest.approx(chance)
    assert y19.chance_corrected == pytest.approx((2 / 3 - chance) / (1 - chance))  # = 0.5
    assert (y19.ci_low, y19.ci_high) == pytest.approx(wilson_interval(2, 3))
    quarters = accuracy_by_period(probes, "quarter")
    assert [r.label for r in quarters] == ["2019-Q1", "2019-Q4", "2021-Q3"]
    assert quarters[0].start == 2019.0
    assert quarters[1].start == pytest.approx(2019 + 273 / 365)  # 1 October 2019


def test_choose_period() -> None:
    dense = [_probe(2020 + (i % 8) / 8 + 0.01, True) for i in range(64)]  # 8 per quarter
    assert choose_period(dense) == "quarter"
    assert choose_period(dense + [_probe(2023.5, True)]) == "year"  # one thin quarter
    assert choose_period([]) == "year"


# ---------------------------------------------------------------------------- the cutoff estimate
# The estimator's calibration across sizes and shapes is in test_changepoint.py; these tests
# check what the recency section builds from it.


def test_step_result_fields_and_claim() -> None:
    rng = np.random.default_rng(3)
    probes = simulate(rng, 200, step_knowledge(2021.3, 0.75))
    est = estimate_cutoff(probes, claimed=2023.75)
    assert est.status == "estimate" and est.shape == "step"
    assert est.cutoff is not None and est.step is not None and est.logistic is not None
    assert est.ci_low is not None and est.ci_high is not None
    assert est.ci_low <= 2021.3 <= est.ci_high and est.ci_low <= est.cutoff <= est.ci_high
    assert est.step.a > est.step.b >= est.step.chance_after
    assert est.step.n_before + est.step.n_after == 200
    assert est.log_bayes_factor is not None and est.log_bayes_factor > 3
    assert est.difference_years == pytest.approx(est.cutoff - 2023.75)
    assert est.claimed_label == "2023-Q4" and est.precision in ("month", "quarter")
    assert est.cutoff_label and est.cutoff_label[:4] == str(int(est.cutoff))
    assert est.verdict.startswith("Knowledge stops around") and "claimed 2023-Q4" in est.verdict
    assert "known to within" in est.width_words and est.power_note
    assert est.signals == [] and est.disagreement == ""  # one suite: one signal
    assert CutoffEstimate.model_validate_json(est.model_dump_json()) == est


def test_chance_everywhere_gives_no_estimate() -> None:
    no_estimate = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        est = estimate_cutoff(simulate(rng, 200, lambda d: np.zeros_like(d)))
        no_estimate += est.status == "no_estimate"
        if est.status == "no_estimate":
            assert est.cutoff is None and est.reason
            assert est.verdict.startswith("No knowledge cutoff")
    assert no_estimate >= 38


def test_too_few_probes_gives_no_estimate() -> None:
    est = estimate_cutoff(simulate(np.random.default_rng(0), 12, step_knowledge(2020.0, 0.9)))
    assert est.status == "no_estimate" and est.shape == "none" and est.cutoff is None
    assert "only 12 probes" in est.reason


def test_no_dated_fact_of_low_predictability_is_said() -> None:
    est = estimate_cutoff([_probe(2020.0, True, pred="high")])
    assert est.status == "no_estimate" and est.n_excluded_predictable == 1
    assert "no dated facts of low or medium predictability" in est.verdict


def test_predictable_probes_are_excluded() -> None:
    rng = np.random.default_rng(1)
    probes = simulate(rng, 200, step_knowledge(2020.0, 0.75))
    # scheduled events after the cutoff that the model "gets right" by guessing
    scheduled = [_probe(2022.0 + i / 20, True, pred="high") for i in range(40)]
    est = estimate_cutoff(probes + scheduled)
    assert est.n_used == 200 and est.n_excluded_predictable == 40
    assert est.model_copy(update={"n_excluded_predictable": 0}) == estimate_cutoff(probes)
    assert est.status == "estimate" and est.ci_low is not None and est.ci_high is not None
    assert est.ci_low <= 2020.0 <= est.ci_high


def test_flat_knowledge_gives_no_estimate() -> None:
    est = estimate_cutoff(simulate(np.random.default_rng(2), 200, lambda d: np.full_like(d, 0.6)))
    assert est.status == "no_estimate" and est.shape == "flat"
    assert "no clear change" in est.reason or "spans most of the dated range" in est.reason


def test_gradual_decline_is_labelled_and_worded_as_one() -> None:
    rng = np.random.default_rng(0)
    probes = simulate(rng, 600, lambda d: 0.85 * expit(-(d - 2018.5) / 1.2))
    est = estimate_cutoff(probes)
    assert est.shape == "decline" and est.status == "estimate"
    assert est.verdict.startswith("Knowledge thins out")
    assert est.fall_years is not None and est.fall_years > 1.5
    assert est.ci_low is not None and est.ci_high is not None
    assert est.ci_low <= 2018.5 <= est.ci_high  # the estimand of a decline is its midpoint


def test_each_suite_is_a_signal_and_documents_join_them() -> None:
    rng = np.random.default_rng(5)
    shipped = simulate(rng, 120, step_knowledge(2021.0, 0.7))
    generated = [o.model_copy(update={"suite": "generated", "probe_id": f"g{o.probe_id}"})
                 for o in simulate(rng, 400, step_knowledge(2021.0, 0.8), 2016.0, 2026.0)]
    dates = rng.uniform(2016.0, 2026.0, 600)
    scores = rng.normal(3.0, 0.4, 600) + np.where(dates > 2021.0, 0.5, 0.0)
    docs = DatedScores(dates=list(dates), scores=list(scores))
    est = estimate_cutoff(shipped + generated, documents=docs)
    assert [s.name for s in est.signals] == ["generated", "synthetic", "documents"]
    assert [s.kind for s in est.signals] == ["probes", "probes", "documents"]
    assert est.status == "estimate" and est.ci_low is not None and est.ci_high is not None
    assert est.ci_low <= 2021.0 <= est.ci_high
    alone = next(s for s in est.signals if s.name == "synthetic")
    assert est.ci_high - est.ci_low < alone.ci_high - alone.ci_low  # together is narrower
    assert "(all signals together)" in est.verdict and est.disagreement == ""


def test_signals_that_disagree_are_said_to() -> None:
    rng = np.random.default_rng(6)
    facts = simulate(rng, 400, step_knowledge(2018.0, 0.8), 2014.0, 2026.0)
    dates = rng.uniform(2014.0, 2026.0, 2000)
    scores = rng.normal(3.0, 0.3, 2000) + np.where(dates > 2023.0, 0.6, 0.0)
    est = estimate_cutoff(facts, documents=DatedScores(dates=list(dates), scores=list(scores)))
    assert "disagree" in est.disagreement and "your dated documents say 2023" in est.disagreement
    assert "the synthetic facts say 2018" in est.disagreement
    # A date between the two would describe neither: no joint cutoff, each signal's own kept.
    assert est.status == "no_estimate" and est.cutoff is None and est.shape == "unclear"
    assert est.verdict.startswith("No single knowledge cutoff: The signals disagree")
    assert {s.status for s in est.signals} == {"estimate"}
    assert sorted(round(s.cutoff) for s in est.signals) == [2018, 2023]
    assert est.power_note == "" and est.unchanged_note == ""  # no shared date to speak of


def test_estimate_is_deterministic_and_order_free() -> None:
    probes = simulate(np.random.default_rng(4), 200, step_knowledge(2019.6, 0.7))
    first = estimate_cutoff(probes)
    assert estimate_cutoff(probes) == first
    assert estimate_cutoff(probes[::-1]) == first


def test_step_floors_after_accuracy_at_chance() -> None:
    # every probe after 2020 wrong: raw after-accuracy 0 is below chance 0.25 and is floored
    probes = [_probe(2012 + i / 10, i % 4 != 0) for i in range(80)]
    probes += [_probe(2020.05 + i / 10, False) for i in range(50)]
    est = estimate_cutoff(probes)
    assert est.step is not None and est.step.b_floored and est.step.b == pytest.approx(0.25)
    assert est.step.gap_low == pytest.approx(2019.9) and est.step.gap_high == pytest.approx(2020.05)
