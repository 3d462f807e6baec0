"""Two models compared on the same probes: who is ahead, by how much, and when it is a tie."""

from __future__ import annotations

import numpy as np

from alignaudit.compare.pairs import compare_models, compare_pair
from tests.helpers.results import audit_for, fact, probes_for


def test_a_model_that_knows_later_facts_is_ahead_beyond_noise() -> None:
    late = audit_for("late", probes_for(390, knows_until=2021, seed=1))
    early = audit_for("early", probes_for(390, knows_until=2015, seed=2))
    pair = compare_pair(late, early, seed=0, n_boot=60)
    assert pair.overall is not None and pair.overall.n == 390
    assert pair.overall.difference > 0.2 and pair.overall.beyond_noise
    assert pair.overall.ci_low > 0
    assert pair.cutoff is not None and pair.cutoff.difference is not None
    assert pair.cutoff.ci_low is not None and pair.cutoff.ci_high is not None
    assert 3 < pair.cutoff.difference < 9 and pair.cutoff.ci_low > 0
    leaders = {f.question: f.leader for f in pair.findings}
    assert leaders["knows more dated facts"] == "late"
    assert leaders["cutoff is later"] == "late"
    years = {d.name: d for d in pair.groups if d.scope == "year"}
    assert years["2013"].difference == 0 or not years["2013"].beyond_noise
    assert years["2018"].beyond_noise and years["2018"].p_adjusted is not None
    assert years["2018"].p_adjusted >= years["2018"].p_value


def test_the_same_answers_are_a_tie_not_an_invented_winner() -> None:
    probes = probes_for(260, knows_until=2018, seed=3)
    one, two = audit_for("one", probes), audit_for("two", probes)
    pair = compare_pair(one, two, seed=0, n_boot=20)
    assert pair.overall is not None and pair.overall.difference == 0
    assert not pair.overall.beyond_noise and pair.overall.p_value == 1.0
    assert pair.cutoff is not None and pair.cutoff.difference == 0
    assert all(f.leader is None for f in pair.findings)
    assert all("tied" in f.words.lower() for f in pair.findings)


def test_only_probes_both_answered_are_paired() -> None:
    probes = probes_for(130, knows_until=2018, seed=4)
    fewer = [p for p in probes if p.probe_id not in {"f0", "f1", "f2"}]
    pair = compare_pair(audit_for("all", probes), audit_for("fewer", fewer), seed=0, n_boot=10)
    assert pair.overall is not None and pair.overall.n == 127


def test_one_model_has_nothing_to_compare_and_three_give_three_pairs() -> None:
    audits = [audit_for(n, probes_for(130, knows_until=y, seed=i))
              for i, (n, y) in enumerate([("a", 2016), ("b", 2018), ("c", 2020)])]
    assert compare_models(audits[:1], seed=0) is None
    found = compare_models(audits, seed=0, n_boot=10)
    assert found is not None
    assert [(p.a, p.b) for p in found.pairs] == [("a", "b"), ("a", "c"), ("b", "c")]


def _two_suites(until: tuple[int, int], seed: int) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for suite, knows_until in zip(("early", "late"), until, strict=True):
        for i in range(260):
            year = 2012 + i % 14
            out.append(fact(i, year, bool(rng.random() < (0.9 if year <= knows_until else 0.25)),
                            suite=suite))
    return out


def test_without_a_joint_cutoff_the_suites_that_date_both_models_are_compared() -> None:
    torn = audit_for("torn", _two_suites((2015, 2022), seed=1))    # its suites disagree
    plain = audit_for("plain", _two_suites((2018, 2018), seed=2))
    assert torn.recency is not None and torn.recency.cutoff is not None
    assert torn.recency.cutoff.status == "no_estimate"
    pair = compare_pair(torn, plain, seed=0, n_boot=20)
    assert pair.cutoff is not None and pair.cutoff.difference is not None
    assert pair.cutoff.what == "cutoff on the early facts and the late facts"
