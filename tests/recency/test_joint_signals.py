"""The joint cutoff when some signals show the change and others none of their own.

Runs come from the joint bench (``bench/bench_cutoff_joint.py``, itself built on the coverage
bench's suites and truths); the full table is in docs/validation.md. Seeds are fixed, so these are
deterministic checks whose bounds allow for the Monte-Carlo error of a few runs.
"""

from __future__ import annotations

import numpy as np

from alignaudit.recency.changepoint import CutoffSettings
from alignaudit.recency.cutoff import estimate_cutoff as estimate_run_cutoff
from alignaudit.recency.joint import estimate_cutoff, unchanged_note
from alignaudit.recency.periods import Outcome
from alignaudit.recency.signals import ProbeOutcomes
from tests.helpers import bench_module

J = bench_module("bench_cutoff_joint")
EVERY = CutoffSettings(share_prior=1.0)  # the earlier rule: every signal must show the change


def _runs(scenario: str, n: int, kind: str, reps: int, seed: int) -> list:  # type: ignore[type-arg]
    return [J.run_one(np.random.default_rng([seed, i]), scenario, n, kind) for i in range(reps)]


def _facts(name: str, dates: np.ndarray, knowledge: np.ndarray, seed: int) -> ProbeOutcomes:
    rng = np.random.default_rng(seed)
    correct = rng.random(len(dates)) < 0.25 + 0.75 * knowledge
    return ProbeOutcomes(name, dates, correct, np.full(len(dates), 0.25), label=f"the {name} facts")


def test_flat_signals_neither_veto_nor_move_the_date() -> None:
    """A changing 600-fact suite beside a flat suite and flat documents: the joint interval covers
    the truth about as often as the suite alone, is reported as often, and is hardly wider."""
    runs = _runs("facts+flat", 600, "step", 16, 11)
    covered = sum(r.joint.covered for r in runs)
    assert covered >= 12 and covered >= sum(r.alone.covered for r in runs) - 2
    assert sum(r.joint.reported for r in runs) >= sum(r.alone.reported for r in runs) - 1
    widths = np.array([(r.joint.width, r.alone.width) for r in runs])
    assert np.median(widths[:, 0]) <= 1.5 * np.median(widths[:, 1])
    assert np.median([r.share_flat for r in runs]) < 0.5


def test_flat_signals_are_named_and_the_date_rests_on_the_change() -> None:
    """One suite drops at 2020.5; two larger suites stay flat, drifting up a little as real
    generated suites do. Letting each signal show none of the change gives more evidence for the
    change than asking all of them to, keeps the date, and names the flat ones."""
    dates, later = np.linspace(2012.05, 2025.95, 200), np.linspace(2012.05, 2025.95, 400)
    changing = _facts("recency", dates, np.where(dates < 2020.5, 0.5, 0.0), 1)
    flat = [_facts(f"generated{i}", later, 0.1 + 0.3 * (later - 2012) / 14, 2 + i)
            for i in range(2)]
    old, new = estimate_cutoff([changing, *flat], EVERY), estimate_cutoff([changing, *flat])
    assert old.joint.log_bayes_factor < new.joint.log_bayes_factor
    assert new.joint.status == "estimate"
    assert new.joint.ci_low <= 2020.5 <= new.joint.ci_high
    assert new.joint.shares[0] > 0.9 and max(new.joint.shares[1:]) < 0.25
    note = new.unchanged_note.lower()
    assert all(s.label in note.split("rests on")[0] for s in flat)
    assert note.split("rests on")[1].strip(" .") == "the recency facts"


def test_one_signal_is_the_same_under_either_rule() -> None:
    dates = np.linspace(2012.05, 2025.95, 120)
    facts = _facts("recency", dates, np.where(dates < 2019.0, 0.7, 0.0), 5)
    a, b = estimate_cutoff([facts]).joint, estimate_cutoff([facts], EVERY).joint
    assert (a.estimate, a.ci_low, a.ci_high, a.log_bayes_factor) == (
        b.estimate, b.ci_low, b.ci_high, b.log_bayes_factor)
    assert a.shares == (1.0,)


def test_signals_that_both_change_both_show_it_and_narrow_it() -> None:
    runs = _runs("facts+documents", 100, "step", 16, 12)
    assert np.median([r.share_flat for r in runs]) > 0.75  # here: the documents, which change
    assert sum(r.joint.covered for r in runs) >= 12
    assert np.median([r.joint.width for r in runs]) < np.median([r.alone.width for r in runs])


def test_documents_can_carry_the_date_beside_flat_facts() -> None:
    runs = _runs("documents+flat", 0, "step", 12, 13)
    assert sum(r.joint.covered for r in runs) >= 9
    assert sum(r.joint.reported for r in runs) >= sum(r.alone.reported for r in runs) - 1


def test_nothing_changing_gives_no_estimate() -> None:
    runs = _runs("nothing", 200, "chance", 20, 14)
    assert sum(not r.joint.reported for r in runs) >= 19


def test_the_run_reports_each_signals_share_and_the_note() -> None:
    """Through the run's own entry point: each signal's probability of showing the change is in
    the result, and the note says which facts show none."""
    dates = np.linspace(2012.05, 2025.95, 200)
    rng = np.random.default_rng(8)
    outs = []
    for suite, knowledge in (("recency", np.where(dates < 2021.0, 0.6, 0.0)),
                             ("vendor", np.full(200, 0.3))):
        correct = rng.random(200) < 0.25 + 0.75 * knowledge
        outs += [Outcome(probe_id=f"{suite}{i}", suite=suite, event_date=float(d),
                         correct=bool(c), n_choices=4)
                 for i, (d, c) in enumerate(zip(dates, correct, strict=True))]
    est = estimate_run_cutoff(outs)
    assert est.status == "estimate" and est.ci_low is not None and est.ci_high is not None
    assert est.ci_low <= 2021.0 <= est.ci_high
    shares = {s.name: s.shares_change for s in est.signals}
    assert shares["recency"] is not None and shares["recency"] > 0.9
    assert shares["vendor"] is not None and shares["vendor"] < 0.5
    if shares["vendor"] < 0.25:
        assert "the vendor facts" in est.unchanged_note


def test_unchanged_note_is_empty_without_an_estimate_or_a_flat_signal() -> None:
    dates = np.linspace(2012.05, 2025.95, 200)
    a = _facts("a", dates, np.where(dates < 2019.0, 0.7, 0.0), 3)
    b = _facts("b", dates, np.where(dates < 2019.0, 0.7, 0.0), 4)
    both = estimate_cutoff([a, b])
    assert min(both.joint.shares) > 0.75 and both.unchanged_note == ""
    no = both.joint.model_copy(update={"status": "no_estimate", "shares": (0.9, 0.1)})
    assert unchanged_note(no, ["the a facts", "the b facts"]) == ""
