"""The change-date estimator on simulated suites whose change date is known.

The suites come from the coverage bench (``bench/bench_cutoff_coverage.py``, the one definition
of the simulation); the full table is in docs/validation.md. Every seed is fixed, so these are
deterministic checks, not flaky ones: the bounds are wide enough for the Monte-Carlo error of a
few runs per cell yet fail when an interval is far from its 90%. No timing asserts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from alignaudit.recency.changepoint import (
    ChangeEstimate,
    CutoffSettings,
    collect_evidence,
    date_label,
    width_in_words,
)
from alignaudit.recency.joint import JointEstimate, describe_disagreement, estimate_cutoff
from alignaudit.recency.signals import (
    ChangeModel,
    DocumentScores,
    ProbeOutcomes,
    make_grid,
    probe_evidence,
)
from tests.helpers import bench_module

B = bench_module("bench_cutoff_coverage")


# ---------------------------------------------------------------------------- calibration


def test_reduced_coverage_grid() -> None:
    """Steps and both declines from 40 to 600 probes, uneven periods, month/year dates: the
    pooled coverage of the interval as computed is near 90% and no cell is far off."""
    cells = [(40, "step"), (100, "linear"), (200, "logistic"), (200, "step"), (600, "linear")]
    runs = {cell: B.run_cell((*cell, 12, 7, 0.9)) for cell in cells}
    covered = [r.covered for rs in runs.values() for r in rs]
    assert 0.78 <= np.mean(covered) <= 0.98, np.mean(covered)
    for cell, rs in runs.items():
        assert np.mean([r.covered for r in rs]) >= 0.58, cell  # 7 of 12


def test_forty_fact_suite_is_covered() -> None:
    """A team's 40 facts, 2-4 a year, from a known step (the old within-year bootstrap covered
    about 75% of such suites): coverage in 0.9 +- 3 binomial standard errors."""
    runs = B.run_cell((0, "step", 90, 11, 0.9))
    coverage = np.mean([r.covered for r in runs])
    se = math.sqrt(0.9 * 0.1 / len(runs))
    assert 0.9 - 3 * se <= coverage <= min(0.9 + 3 * se, 0.99), coverage


def test_at_chance_gives_no_estimate() -> None:
    for n in (40, 200, 600):
        runs = [B.draw_suite(np.random.default_rng(ss), n, "chance")
                for ss in B.cell_seeds(5, n, "chance", 20)]
        ests = [estimate_cutoff([sig]).joint for sig, _, _ in runs]
        assert sum(e.status == "no_estimate" for e in ests) >= 19, n
        assert all(e.reason and e.verdict.startswith("No knowledge cutoff")
                   for e in ests if e.status == "no_estimate")


def test_steps_at_200_probes_are_reported() -> None:
    runs = B.run_cell((200, "step", 30, 3, 0.9))
    assert sum(r.reported for r in runs) >= 24


def test_joint_is_covered_and_narrower() -> None:
    covered, widths = [], []
    for s in range(24):
        rng = np.random.default_rng(s)
        t = rng.uniform(2018, 2023.5)
        d = B.draw_dates(rng, 200)
        y = rng.random(200) < 0.25 + 0.75 * np.where(d < t, 0.6, 0.0)
        facts = ProbeOutcomes("facts", d, y, np.full(200, 0.25))
        docs = _documents(rng, 400, t, rng.uniform(0.2, 0.5))
        res = estimate_cutoff([facts, docs])
        ests = (*res.per_signal, res.joint)
        covered.append([e.ci_low <= t <= e.ci_high for e in ests])
        widths.append([e.ci_high - e.ci_low for e in ests])
    assert np.mean(np.array(covered)[:, 2]) >= 0.75
    med = np.median(np.array(widths), axis=0)
    assert med[2] < min(med[0], med[1])


# ---------------------------------------------------------------------------- behaviour


def _documents(rng: np.random.Generator, n: int, t: float, shift: float,
               month_sd: float = 0.0) -> DocumentScores:
    """Heavy-tailed scores (Student t, 3 df) over 2016-2026 that step up by ``shift`` at t."""
    d = rng.uniform(2016.0, 2026.0, n)
    month = np.floor((d - 2016.0) * 12).astype(int)
    effect = rng.normal(0.0, month_sd, 121)[month] if month_sd > 0 else 0.0
    return DocumentScores("perplexity", d,
                          rng.standard_t(3, n) / math.sqrt(3) + shift * (d >= t) + effect)


def _sharp_facts(t: float, n: int = 400) -> ProbeOutcomes:
    d = np.linspace(2012.01, 2025.99, n)
    y = (np.arange(n) % 10 < 8) & (d < t) | (np.arange(n) % 4 == 0)  # 0.85 before, 0.25 after
    return ProbeOutcomes("facts", d, y, np.full(n, 0.25))


def _sharp_docs(t: float, n: int = 1200) -> DocumentScores:
    rng = np.random.default_rng(3)
    d = np.linspace(2016.01, 2025.99, n)
    return DocumentScores("perplexity", d, rng.normal(0, 1, n) + 0.8 * (d >= t))


def test_disagreement_is_worded() -> None:
    res = estimate_cutoff([_sharp_facts(2019.2), _sharp_docs(2023.6)])
    assert res.disagreement.startswith("The signals disagree: your facts say 2019")
    assert "your dated documents say 2023" in res.disagreement
    agree = estimate_cutoff([_sharp_facts(2021.4), _sharp_docs(2021.4)])
    assert agree.disagreement == ""
    assert agree.joint.ci_low <= 2021.4 <= agree.joint.ci_high


def test_disagreement_counts_every_signal_that_shows_a_change() -> None:
    """A signal without a change of its own never disagrees; one whose change is clear but whose
    interval is too wide to report does, when its interval misses the other's (pooled, the two
    would put the joint date between them)."""
    est = estimate_cutoff([_sharp_facts(2019.2)]).joint
    assert est.shows_change
    elsewhere = {"status": "no_estimate", "estimate": 2024.0, "ci_low": 2023.9, "ci_high": 2024.1}
    flat = est.model_copy(update={**elsewhere, "shows_change": False})
    assert describe_disagreement([est, flat], ["a", "b"]) == ""
    wide = est.model_copy(update={**elsewhere, "shows_change": True})
    said = describe_disagreement([est, wide], ["a", "b"])
    assert said.startswith("The signals disagree: a say 2019")
    assert "b place a change somewhere from 2023-11 to 2024-02" in said
    overlapping = wide.model_copy(update={"ci_low": 2019.0})
    assert describe_disagreement([est, overlapping], ["a", "b"]) == ""


def test_shows_change_is_the_rule_without_the_width() -> None:
    """At chance nothing changes; a clear drop does, whatever its width."""
    chance = ProbeOutcomes("f", np.linspace(2012, 2026, 400), np.arange(400) % 4 == 0,
                           np.full(400, 0.25))
    assert not estimate_cutoff([chance]).joint.shows_change
    assert estimate_cutoff([_sharp_facts(2021.4)]).joint.shows_change


def test_deterministic_and_order_free() -> None:
    signal, _, _ = B.draw_suite(np.random.default_rng(4), 200, "step")
    first = estimate_cutoff([signal])
    assert estimate_cutoff([signal]) == first
    order = np.argsort(-signal.dates, kind="stable")
    assert signal.spans is not None
    shuffled = ProbeOutcomes("facts", signal.dates[order], signal.correct[order],
                             signal.chance[order], spans=signal.spans[order])
    assert estimate_cutoff([shuffled]) == first
    assert B.run_cell((40, "linear", 4, 9, 0.9)) == B.run_cell((40, "linear", 4, 9, 0.9))


def test_result_round_trips_json() -> None:
    res = estimate_cutoff([_sharp_facts(2020.3), _sharp_docs(2020.3)])
    assert JointEstimate.model_validate_json(res.model_dump_json()) == res
    assert ChangeEstimate.model_fields["estimate"].description


def test_too_few_and_flat_documents_give_reasons() -> None:
    few = ProbeOutcomes("f", np.linspace(2015, 2020, 12), np.ones(12), np.full(12, 0.25))
    est = estimate_cutoff([few]).joint
    assert est.status == "no_estimate" and est.reason.startswith("only 12 probes")
    rng = np.random.default_rng(8)
    flat = DocumentScores("p", rng.uniform(2016, 2026, 2000), rng.standard_t(3, 2000))
    est = estimate_cutoff([flat]).joint
    assert est.status == "no_estimate" and "no clear change" in est.reason


def test_document_signal_uses_ranks_only() -> None:
    docs = _documents(np.random.default_rng(2), 500, 2021.0, 0.4)
    squashed = DocumentScores("perplexity", docs.dates, np.exp(docs.scores))  # same order
    a, b = estimate_cutoff([docs]).joint, estimate_cutoff([squashed]).joint
    assert a == b
    falling = estimate_cutoff([DocumentScores("perplexity", docs.dates, -docs.scores,
                                              rises_after=False)]).joint
    assert (falling.estimate, falling.ci_low, falling.ci_high) == pytest.approx(
        (a.estimate, a.ci_low, a.ci_high), abs=1e-9)


def test_month_dispersion_widens_clustered_documents() -> None:
    docs = _documents(np.random.default_rng(6), 3000, 2021.0, 0.3, month_sd=0.2)
    plain = CutoffSettings(model=ChangeModel(month_dispersion=False))
    assert collect_evidence([docs], ChangeModel()).signals[0].dispersion > 1.5
    a, b = estimate_cutoff([docs]).joint, estimate_cutoff([docs], plain).joint
    assert a.ci_high - a.ci_low > b.ci_high - b.ci_low


def test_probe_likelihood_matches_numerical_integration() -> None:
    """Step (w = 0) marginal likelihood on a small suite against scipy: half the prior at
    k_a = 0 (k_b uniform, quad), half uniform on the triangle 0 <= k_a <= k_b <= 1 (dblquad)."""
    rng = np.random.default_rng(1)
    d = np.sort(rng.uniform(2015, 2021, 14))
    y = (rng.random(14) < np.where(d < 2018, 0.8, 0.3)).astype(float)
    c = rng.choice([0.25, 0.5], 14)
    sig = ProbeOutcomes("f", d, y, c)
    model = ChangeModel(widths=(0.0,), step_prior=1.0)
    grid = make_grid([sig], model)
    ll = probe_evidence(sig, grid, model).loglik
    for j in np.searchsorted(grid.candidates, [2016.5, 2018.0, 2019.5]):
        before = grid.candidates[j] > d

        def lik(ka: float, kb: float, before: np.ndarray = before) -> float:
            p = c + (1 - c) * np.where(before, kb, ka)
            return float(np.prod(np.where(y == 1, p, 1 - p)))

        triangle, _ = integrate.dblquad(lik, 0, 1, 0, lambda kb: kb)
        at_chance, _ = integrate.quad(lambda kb, lik=lik: lik(0.0, kb), 0, 1)
        assert ll[j] == pytest.approx(math.log(0.5 * 2 * triangle + 0.5 * at_chance), abs=0.03)


def test_labels_follow_precision() -> None:
    dense = estimate_cutoff([_sharp_facts(2020.3, n=3000)]).joint
    assert dense.precision == "month" and dense.label == "2020-04"
    yearly = ProbeOutcomes("f", np.repeat(np.arange(2012, 2026) + 0.5, 8),
                           np.tile([1, 1, 1, 0, 1, 1, 0, 1], 14) * np.repeat(np.arange(14) < 7, 8),
                           np.full(112, 0.25))
    assert estimate_cutoff([yearly]).joint.precision == "year"
    assert date_label(2020.0, "quarter") == "2020-Q1" and date_label(2020.99, "month") == "2020-12"


def test_width_words() -> None:
    assert width_in_words(2020.0, 2020.5) == "known to within ±3 months"
    assert width_in_words(2020.0, 2020.1) == "known to within ±1 month"
    assert width_in_words(2016.0, 2021.0) == "known to within ±2.5 years"


def test_level_calibration_only_where_the_data_say_little() -> None:
    cal = CutoffSettings().calibration
    assert cal.level(0.9, 0.1) == pytest.approx(0.9)
    assert cal.level(0.9, 0.6) == pytest.approx(0.75) == cal.level(0.9, 0.9)
    sparse, _, _ = B.draw_suite(np.random.default_rng(2), 40, "step")
    dense = _sharp_facts(2020.3, n=2000)
    for signal, calibrated in ((sparse, True), (dense, False)):
        est = estimate_cutoff([signal]).joint
        plain = estimate_cutoff([signal], CutoffSettings(
            calibration=cal.model_copy(update={"tail_scale": (1.0, 1.0)}))).joint
        assert (est.credible_level < 0.9) is calibrated
        assert est.ci_high - est.ci_low <= plain.ci_high - plain.ci_low
        assert est.estimate == plain.estimate


def test_tied_document_scores_carry_no_evidence() -> None:
    """Every document scored the same (a repeated text, a constant scorer): no estimate of its
    own, and joined with facts it leaves the facts' estimate as it was (it used to take log 0)."""
    d = np.linspace(2016.0, 2025.9, 300)
    tied = DocumentScores("perplexity", d, np.full(300, 7.25))
    own = estimate_cutoff([tied]).joint
    assert own.status == "no_estimate"
    facts = _sharp_facts(2020.3)
    same_grid = CutoffSettings(model=ChangeModel(grid_points=(720, 720)))  # more documents
    alone = estimate_cutoff([facts], same_grid).joint  # would otherwise mean a finer grid
    both = estimate_cutoff([facts, tied], same_grid).joint
    assert both.status == alone.status == "estimate"
    assert (both.estimate, both.ci_low, both.ci_high) == pytest.approx(
        (alone.estimate, alone.ci_low, alone.ci_high), abs=1e-9)


# ---------------------------------------------------------------------------- dated periods


def test_year_dated_facts_alone_do_not_date_the_change_within_their_year() -> None:
    """Only year-dated facts: where inside the changing year the stop falls is unknown, so the
    posterior is flat across that year (no piling at mid-year or at either end)."""
    years = np.repeat(np.arange(2012, 2026) + 0.5, 40)
    y = np.where(years < 2019, 1.0, (np.arange(len(years)) % 4 == 0).astype(float))
    y[(years == 2019.5) & (np.arange(len(years)) % 40 < 20)] = 1.0  # half of 2019 known
    sig = ProbeOutcomes("f", years, y, np.full(len(years), 0.25), spans=np.ones(len(years)))
    at_mid_year = ProbeOutcomes("f", years, y, np.full(len(years), 0.25))
    ev = collect_evidence([sig, at_mid_year], ChangeModel())
    inside = (ev.grid.candidates > 2019.02) & (ev.grid.candidates < 2019.98)
    step, step_at_mid = (e.width_loglik[inside, 0] for e in ev.signals)
    assert np.ptp(step) < 1e-9  # one value for every date inside 2019
    assert np.ptp(step_at_mid) > 1.0  # a point at mid-year: before it or after it differ
    est = estimate_cutoff([sig]).joint
    assert est.ci_low >= 2019.0 - 0.05 and est.ci_high <= 2020.0 + 0.05
    assert est.ci_high - est.ci_low > 0.7  # the whole year, not a point
