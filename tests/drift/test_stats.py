"""Tests for alignaudit.drift.stats: synthetic embeddings whose right answer is known."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import numpy as np
import pytest
from scipy import linalg
from sklearn.metrics import roc_auc_score

from alignaudit.drift import stats as drift
from alignaudit.drift import twosample
from alignaudit.drift.stats import (
    DriftConfig,
    DriftStats,
    centroid_cosine_distance,
    compare,
    drift_level,
    frechet_distance,
    frechet_distance_gaussians,
    novelty,
    pca_2d,
)
from alignaudit.drift.twosample import (
    TwoSampleTest,
    classifier_test,
    mmd_test,
    permutation_p_value,
)


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Many tiny problems run faster on one thread than on a contended pool of two."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)


def _mmd2_double_loop(x: np.ndarray, y: np.ndarray, sigma: float) -> float:
    """Unbiased MMD^2, written out term by term."""

    def k(a: np.ndarray, b: np.ndarray) -> float:
        return math.exp(-float(np.sum((a - b) ** 2)) / (2.0 * sigma * sigma))

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2.0 * xy


# ----------------------------------------------------------------------------- MMD


def test_mmd2_equals_double_loop_estimator() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 5))
    y = rng.normal(loc=0.3, size=(24, 5))
    result = mmd_test(x, y, np.random.default_rng(2), n_permutations=10)
    sigma = float(result.parameters["sigma"])
    assert result.statistic == pytest.approx(_mmd2_double_loop(x, y, sigma), abs=1e-10)
    given = mmd_test(x, y, np.random.default_rng(2), n_permutations=10, sigma=1.7)
    assert given.statistic == pytest.approx(_mmd2_double_loop(x, y, 1.7), abs=1e-10)
    assert given.parameters["sigma_source"] == "given"


def test_mmd2_float32_path_matches_float64() -> None:
    # Past 2,048 pooled rows the kernel is held in float32 (centred, float64 reductions).
    rng = np.random.default_rng(21)
    x, y = rng.normal(size=(1300, 20)), rng.normal(loc=0.05, size=(1200, 20))
    result = mmd_test(x, y, np.random.default_rng(0), n_permutations=5, sigma=4.0)
    z = np.vstack([x, y])
    d2 = np.sum(z**2, 1)[:, None] + np.sum(z**2, 1)[None, :] - 2 * z @ z.T
    k = np.exp(-np.maximum(d2, 0) / 32.0)
    np.fill_diagonal(k, 0.0)
    m, n = len(x), len(y)
    exact = k[:m, :m].sum() / (m * (m - 1)) + k[m:, m:].sum() / (n * (n - 1)) - 2 * k[:m, m:].mean()
    assert result.statistic == pytest.approx(exact, abs=1e-7)
    assert abs(result.statistic - exact) < 1e-3 * abs(exact)


def test_median_heuristic_matches_alibi_convention() -> None:
    # alibi-detect's sigma_median: sigma = sqrt(lower median of pairwise d^2 / 2)
    z = np.random.default_rng(3).normal(size=(41, 3))
    d2 = np.sort([np.sum((z[i] - z[j]) ** 2) for i in range(41) for j in range(i + 1, 41)])
    expected = math.sqrt(d2[(len(d2) - 1) // 2] / 2.0)
    sigma = twosample.median_heuristic_sigma(z, np.random.default_rng(0))
    assert sigma == pytest.approx(expected, rel=1e-5)


def test_permutation_p_value_formula() -> None:
    assert permutation_p_value(3.0, np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(3 / 5)
    assert permutation_p_value(9.0, np.zeros(99)) == pytest.approx(1 / 100)
    assert permutation_p_value(-1.0, np.zeros(99)) == 1.0


def test_mmd_p_value_on_known_statistics() -> None:
    b = 200
    # All documents identical: every permuted MMD^2 equals the observed 0 -> (1 + B)/(1 + B).
    same = np.ones((12, 4))
    assert mmd_test(same[:6], same[6:], np.random.default_rng(0), n_permutations=b).p_value == 1
    # Two tight, far-apart clusters: only the true split (or its mirror, 2 of C(20,10)
    # labellings) reaches the observed MMD^2, so no permutation does -> 1 / (1 + B).
    rng = np.random.default_rng(4)
    ref = rng.normal(scale=0.01, size=(10, 3))
    cur = 10.0 + rng.normal(scale=0.01, size=(10, 3))
    result = mmd_test(ref, cur, np.random.default_rng(5), n_permutations=b)
    assert result.p_value == pytest.approx(1 / (1 + b))
    assert result.drift_detected


def test_mmd_detects_small_shift_in_384_dims_quickly() -> None:
    # 2,000 vs 2,000 documents, 384-d standard normal, the current side shifted by +0.1 in
    # 20 of the 384 dimensions (||shift||^2 = 0.2), 1,000 permutations.
    #
    # The issue's +0.05 shift (||shift||^2 = 0.05) is at the detection limit of any test on
    # the full 384-d mean: E[MMD^2] = 2 (1 + 2/s^2)^(-d/2) (1 - exp(-||shift||^2 /
    # (2 (s^2 + 2)))) ~ 4.8e-5 against a null sd of ~2.7e-5 (about 1.8 sd). Over 20 seeds our
    # MMD test gave p < 0.01 in 4 and p < 0.05 in 11. Evidently's default embedding-drift
    # method (a domain classifier) scores AUC ~ 0.53 there; our classifier_test gives AUC
    # 0.495-0.543 over 10 seeds (mean 0.517; 0.539 on this seed), p < 0.01 in 2 of the 10.
    rng = np.random.default_rng(0)
    ref = rng.standard_normal((2000, 384))
    cur = rng.standard_normal((2000, 384))
    cur[:, :20] += 0.1
    result = mmd_test(ref, cur, np.random.default_rng(1), n_permutations=1000)
    assert result.p_value < 0.01
    assert result.drift_detected
    assert result.parameters["path"] == "full permutation test"
    # speed is measured in bench/bench_mmd.py (about 1.5 s here), not asserted in a test


def test_mmd_past_threshold_subsamples_and_never_builds_big_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sizes: list[int] = []
    real = twosample._rbf_kernel

    def spy(z: np.ndarray, *args: object) -> object:
        sizes.append(len(z))
        return real(z, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(twosample, "_rbf_kernel", spy)
    rng = np.random.default_rng(6)
    ref, cur = rng.normal(size=(300, 8)), rng.normal(loc=0.5, size=(200, 8))
    result = mmd_test(ref, cur, np.random.default_rng(7), n_permutations=100, max_pooled=200)
    assert sizes == [200]
    assert "subsample" in str(result.parameters["path"])
    assert (result.parameters["n_reference_used"], result.parameters["n_current_used"]) == (
        120,
        80,
    )
    assert (result.n_reference, result.n_current) == (300, 200)
    assert result.drift_detected


# ----------------------------------------------------------------------- classifier


def test_auc_columns_equal_sklearn() -> None:
    rng = np.random.default_rng(8)
    scores = np.round(rng.normal(size=(50, 3)), 1)  # rounded: ties
    labels = np.zeros((50, 3))
    for j in range(3):
        labels[rng.choice(50, 20, replace=False), j] = 1
    aucs = twosample._auc_columns(scores, labels)
    for j in range(3):
        assert aucs[j] == pytest.approx(roc_auc_score(labels[:, j], scores[:, j]))


def test_cross_fit_ridge_equals_scikit_learn_per_fold_and_column() -> None:
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from alignaudit.drift.twosample import CrossFitRidge

    rng = np.random.default_rng(23)
    z = rng.normal(size=(240, 12)) * rng.uniform(0.1, 3.0, size=12) + 5.0
    z[:, 3] = 2.5  # a constant column: the scaler leaves it at zero
    labels = (rng.random((240, 7)) < 0.4).astype(float)
    splits = list(KFold(n_splits=5, shuffle=True, random_state=1).split(z))
    got = CrossFitRidge(z, splits, alpha=10.0).predict(labels)
    want = np.empty_like(labels)
    for train, test in splits:
        model = make_pipeline(StandardScaler(), Ridge(alpha=10.0))
        want[test] = model.fit(z[train], labels[train]).predict(z[test])
    np.testing.assert_allclose(got, want, atol=1e-8)


def test_classifier_test_separable_and_unbalanced() -> None:
    rng = np.random.default_rng(9)
    ref, cur = rng.normal(size=(150, 10)), rng.normal(loc=1.5, size=(40, 10))
    result = classifier_test(ref, cur, np.random.default_rng(10), n_permutations=200)
    assert result.statistic > 0.95
    assert result.effect_size == pytest.approx(2 * result.statistic - 1)
    assert result.p_value == pytest.approx(1 / 201)
    assert (result.n_reference, result.n_current) == (150, 40)


# ----------------------------------------------------------------------- calibration


def _rejection_rate(name: str, shift: float, trials: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    rejected = 0
    for _ in range(trials):
        z = rng.standard_normal((200, 16))
        z[100:] += shift
        if name == "mmd":
            result = mmd_test(z[:100], z[100:], rng, n_permutations=200)
        else:
            result = classifier_test(z[:100], z[100:], rng, n_permutations=200)
        rejected += result.drift_detected
    return rejected / trials


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("name", ["mmd", "classifier"])
def test_calibration_on_null_splits(name: str) -> None:
    # Two halves of one sample, 100 vs 100 in 16-d. An exact permutation test rejects with
    # probability 10/201 = 4.98%; 1,000 trials put 3-7% about 2.9 sd either side of that.
    rate = _rejection_rate(name, shift=0.0, trials=1000, seed=2024)
    assert 0.03 <= rate <= 0.07, rate


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("name", ["mmd", "classifier"])
def test_power_on_clear_shift(name: str) -> None:
    # Mean shifted by 0.3 in each of 16 dims (Mahalanobis distance 1.2): AUC ~ 0.8.
    assert _rejection_rate(name, shift=0.3, trials=100, seed=2025) >= 0.9


# --------------------------------------------------------------------- effect sizes


def test_frechet_identical_is_zero_and_shift_is_visible() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(500, 6))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(x, x + 2.0) == pytest.approx(6 * 4.0, rel=1e-9)


def test_frechet_gaussians_closed_form() -> None:
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.25])
    expected = 1.0 + 4.0 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = frechet_distance_gaussians(mu1, np.diag(a), mu2, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-12)
    # Non-commuting covariances: against scipy's sqrtm of S1 S2 on well-conditioned input.
    rng = np.random.default_rng(12)
    m1, m2 = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    s1, s2 = m1 @ m1.T + np.eye(5), m2 @ m2.T + np.eye(5)
    direct = np.trace(s1 + s2 - 2.0 * np.real(linalg.sqrtm(s1 @ s2)))
    assert frechet_distance_gaussians(np.zeros(5), s1, np.zeros(5), s2) == pytest.approx(
        direct, rel=1e-9
    )


def test_frechet_from_samples_approaches_closed_form_and_handles_rank_deficiency() -> None:
    rng = np.random.default_rng(13)
    cov1, cov2 = np.diag([1.0, 2.0, 0.5]), np.array([[2.0, 0.5, 0], [0.5, 1.0, 0], [0, 0, 1.0]])
    mu2 = np.array([1.0, -1.0, 0.5])
    x = rng.multivariate_normal(np.zeros(3), cov1, size=40_000)
    y = rng.multivariate_normal(mu2, cov2, size=40_000)
    expected = frechet_distance_gaussians(np.zeros(3), cov1, mu2, cov2)
    assert frechet_distance(x, y) == pytest.approx(expected, rel=0.03)
    few = frechet_distance(rng.normal(size=(10, 50)), rng.normal(size=(12, 50)))
    assert math.isfinite(few) and few >= 0.0


def test_centroid_cosine_distance() -> None:
    ref = np.array([[1.0, 0.0], [1.0, 0.2], [1.0, -0.2]])
    assert centroid_cosine_distance(ref, ref) == pytest.approx(0.0, abs=1e-12)
    assert centroid_cosine_distance(ref, np.array([[0.0, 3.0]])) == pytest.approx(1.0)
    assert centroid_cosine_distance(ref, -ref) == pytest.approx(2.0)


# -------------------------------------------------------------------------- novelty


def test_novelty_ranks_far_documents_first() -> None:
    rng = np.random.default_rng(14)
    ref = rng.normal(size=(400, 32)) + 3.0  # a cone around the all-3 direction
    near = rng.normal(size=(95, 32)) + 3.0
    far = rng.normal(size=(5, 32)) - 3.0  # the opposite direction
    cur = np.vstack([near[:50], far, near[50:]])
    result = novelty(ref, cur, k=5)
    assert set(result.ranking[:5]) == set(range(50, 55))
    assert result.n_out_of_domain >= 5
    assert len(result.scores) == len(result.nearest_reference) == 100
    assert result.scores[result.ranking[0]] == max(result.scores)


def test_novelty_share_on_null_data_is_near_one_minus_quantile() -> None:
    rng = np.random.default_rng(15)
    z = rng.normal(size=(4000, 16))
    result = novelty(z[:2000], z[2000:], k=5, quantile=0.95)
    assert 0.03 <= result.out_of_domain_share <= 0.07
    assert result.share_ci_low <= 0.05 <= result.share_ci_high
    assert result.expected_share == pytest.approx(0.05)


def test_knn_cosine_equals_scikit_learn_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.neighbors import NearestNeighbors


    monkeypatch.setattr(drift, "_KNN_BLOCK_VALUES", 700)  # blocks of 2 queries: edges hit
    rng = np.random.default_rng(21)
    ref, cur = rng.normal(size=(300, 24)), rng.normal(size=(41, 24)) + 0.3
    index = NearestNeighbors(n_neighbors=4, metric="cosine", algorithm="brute").fit(ref)
    want_d, want_i = index.kneighbors(cur)
    got_d, got_i = drift.knn_cosine(cur, ref, 4)
    np.testing.assert_allclose(got_d, want_d, atol=1e-6)
    assert (got_i == want_i).all()
    loo_d, loo_i = index.kneighbors()  # each reference row against the others
    rows = np.array([5, 17, 299])
    got_d, got_i = drift.knn_cosine(ref[rows], ref, 4, self_rows=rows)
    np.testing.assert_allclose(got_d, loo_d[rows], atol=1e-6)
    assert (got_i == loo_i[rows]).all()


def test_novelty_threshold_from_a_reference_sample_past_the_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:

    rng = np.random.default_rng(22)
    z = rng.normal(size=(6000, 16))
    full = novelty(z[:5000], z[5000:], k=5)
    monkeypatch.setattr(drift, "NOVELTY_THRESHOLD_SAMPLE", 2000)
    sampled = novelty(z[:5000], z[5000:], k=5, rng=np.random.default_rng(3))
    assert full.reference_scored == 5000 and sampled.reference_scored == 2000
    assert sampled.scores == full.scores  # current documents are always scored against all
    assert sampled.threshold == pytest.approx(full.threshold, rel=0.02)
    again = novelty(z[:5000], z[5000:], k=5, rng=np.random.default_rng(3))
    assert again.threshold == sampled.threshold


# ---------------------------------------------------------------- projection, verdict


def test_pca_2d_samples_and_is_seeded() -> None:
    rng = np.random.default_rng(16)
    ref, cur = rng.normal(size=(300, 8)), rng.normal(size=(50, 8))
    a = pca_2d(ref, cur, np.random.default_rng(1), max_points=100)
    b = pca_2d(ref, cur, np.random.default_rng(1), max_points=100)
    assert a == b
    assert len(a.reference_xy) == len(a.reference_indices) == 100
    assert len(a.current_xy) == 50
    assert list(a.reference_indices) == sorted(set(a.reference_indices))
    assert 0 < a.explained_variance_ratio[1] <= a.explained_variance_ratio[0] < 1


def _test(name: str, statistic: float, detected: bool) -> TwoSampleTest:
    return TwoSampleTest(
        name=name, method="", statistic=statistic, p_value=0.01 if detected else 0.5,
        threshold=0.05, drift_detected=detected, effect_size=0.0, effect_size_name="",
        n_reference=10, n_current=10, parameters={},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("auc", "mmd_rejects", "level"),
    [(0.55, False, "low"), (0.55, True, "moderate"), (0.7, False, "moderate"),
     (0.8, False, "high"), (0.8, True, "high")],
)  # fmt: skip
def test_drift_level(auc: float, mmd_rejects: bool, level: str) -> None:
    verdict = drift_level([_test("classifier", auc, True), _test("mmd", 0.0, mmd_rejects)])
    assert verdict.level == level
    assert ("MMD" in verdict.decided_by) == (auc < 0.6 and mmd_rejects)


def test_compare_bundles_everything_and_round_trips_json() -> None:
    rng = np.random.default_rng(17)
    ref, cur = rng.normal(size=(120, 12)), rng.normal(loc=0.4, size=(80, 12))
    config = DriftConfig(n_permutations=100, max_points=50)
    stats = compare(ref, cur, np.random.default_rng(3), config)
    assert [t.name for t in stats.tests] == ["classifier", "mmd"]
    assert stats.level.level in {"moderate", "high"}
    assert len(stats.projection.reference_xy) == 50
    assert DriftStats.model_validate_json(stats.model_dump_json()) == stats
    assert json.loads(stats.model_dump_json())["tests"][1]["parameters"]["n_permutations"] == 100
    assert compare(ref, cur, np.random.default_rng(3), config) == stats  # seeded


def test_bad_input_says_what_to_do() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="same model"):
        mmd_test(np.zeros((5, 3)), np.zeros((5, 4)), rng)
    with pytest.raises(ValueError, match="NaN"):
        classifier_test(np.full((20, 3), np.nan), np.zeros((20, 3)), rng)
    with pytest.raises(ValueError, match="2-D"):
        frechet_distance(np.zeros(5), np.zeros((5, 1)))
