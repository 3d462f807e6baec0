"""Paired tests and intervals: size under no difference, coverage, and where pairing matters."""

from __future__ import annotations

import numpy as np
import pytest

from alignaudit.compare.stats import (
    adjust,
    discordant,
    mcnemar_midp,
    paired_difference_interval,
    unpaired_difference,
)


def correlated_pairs(rng: np.random.Generator, n: int, shift: float = 0.0, spread: float = 2.0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Two models on ``n`` probes of varied difficulty: each probe's chance of being right is
    shared (a logit drawn per probe with sd ``spread``), so the outcomes are correlated;
    ``shift`` adds to model A's logit only."""
    logit = rng.normal(0.0, spread, n)
    pa = 1 / (1 + np.exp(-(logit + shift)))
    pb = 1 / (1 + np.exp(-logit))
    return rng.random(n) < pa, rng.random(n) < pb


@pytest.mark.parametrize("n", [60, 200, 600])
def test_mcnemar_rejects_at_its_level_when_there_is_no_difference(n: int) -> None:
    rng = np.random.default_rng(n)
    rejections = 0
    for _ in range(1000):
        a, b = correlated_pairs(rng, n)
        rejections += mcnemar_midp(*discordant(a, b)) < 0.05
    assert 0.03 <= rejections / 1000 <= 0.07


def test_paired_interval_covers_the_true_difference() -> None:
    rng = np.random.default_rng(1)
    n, hits, truth_runs = 200, 0, 600
    truth = []
    for _ in range(truth_runs):
        logit = rng.normal(0.0, 2.0, n)
        pa, pb = 1 / (1 + np.exp(-(logit + 0.4))), 1 / (1 + np.exp(-logit))
        a, b = rng.random(n) < pa, rng.random(n) < pb
        only_a, only_b = discordant(a, b)
        low, high = paired_difference_interval(only_a, only_b, n)
        true_diff = float(np.mean(pa - pb))
        truth.append(true_diff)
        hits += low <= true_diff <= high
    assert 0.92 <= hits / truth_runs <= 0.98


def test_pairing_finds_a_difference_the_unpaired_test_calls_noise() -> None:
    # B is right on exactly the probes A is right on, minus 12: the models agree everywhere else.
    n = 200
    a = np.zeros(n, dtype=bool)
    a[:112] = True
    b = a.copy()
    b[100:112] = False
    only_a, only_b = discordant(a, b)
    assert (only_a, only_b) == (12, 0)
    low, high, p_unpaired = unpaired_difference(112, n, 100, n)
    assert p_unpaired > 0.2 and low < 0 < high          # unpaired: "could be the same"
    assert mcnemar_midp(only_a, only_b) < 0.001         # paired: clearly different
    plow, _ = paired_difference_interval(only_a, only_b, n)
    assert plow > 0


def test_with_correlated_outcomes_the_paired_test_sees_a_real_difference_far_more_often() -> None:
    # A true 1-logit advantage for A on 200 probes whose difficulty varies a lot (most are
    # easy or hard for both, as in real suites): the paired test should find it most of the
    # time, the unpaired one (which ignores that both models find the same probes hard) much
    # less often.
    rng = np.random.default_rng(5)
    paired = unpaired = 0
    for _ in range(300):
        a, b = correlated_pairs(rng, 200, shift=1.0, spread=4.0)
        paired += mcnemar_midp(*discordant(a, b)) < 0.05
        unpaired += unpaired_difference(int(a.sum()), 200, int(b.sum()), 200)[2] < 0.05
    assert paired / 300 > 0.6
    assert unpaired / 300 < paired / 300 - 0.25


def test_no_discordant_pairs_means_no_evidence() -> None:
    assert mcnemar_midp(0, 0) == 1.0
    low, high = paired_difference_interval(0, 0, 50)
    assert low < 0 < high


def test_holm_and_benjamini_hochberg_by_hand() -> None:
    p = [0.01, 0.04, 0.03, 0.5]
    assert adjust(p, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert adjust(p, "bh") == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    with_nan = adjust([0.01, float("nan"), 0.02], "holm")
    assert with_nan[0] == pytest.approx(0.02) and np.isnan(with_nan[1])
