"""Embedding drift: two-sample tests, effect sizes, novelty and a 2-D view.

Pure computation on numpy arrays of embeddings (one row per document): no IO, no model.
Randomness comes only from the ``numpy.random.Generator`` passed in, so a fixed seed gives
the same numbers. Every result is a frozen pydantic model and serialises to JSON. The two
tests (domain classifier, MMD) live in ``alignaudit.drift.twosample``; ``compare`` runs everything.

With thousands of documents every test is "significant"; read the effect sizes (classifier
AUC, MMD, distances, out-of-domain share) beside the p-values, and remember that all of them
depend on the embedder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import Field
from scipy import linalg, stats

from alignaudit._util.frozen import Frozen
from alignaudit._util.progress import Mode, meter
from alignaudit.drift.twosample import (
    TwoSampleTest,
    classifier_test,
    mmd_test,
    paired,
    seed_from,
)

Level = Literal["low", "moderate", "high"]

_KNN_BLOCK_VALUES = 16_000_000  # query x reference similarities per k-NN block (64 MB)
NOVELTY_THRESHOLD_SAMPLE = 20_000
"""Past this many reference documents, the out-of-domain threshold is the quantile of the
leave-one-out scores of this many of them, drawn at random (each still against all)."""
_AUC_MODERATE = 0.60
_AUC_HIGH = 0.75




class EffectSizes(Frozen):
    """Distances between the two embedding clouds (in the embedder's units)."""

    centroid_cosine_distance: float = Field(description="1 - cosine of the two mean embeddings.")
    frechet_distance: float = Field(description="Frechet distance of Gaussians fitted to each.")


class Novelty(Frozen):
    """How far each current document is from its nearest reference documents."""

    k: int = Field(description="Nearest reference documents averaged per score.")
    quantile: float = Field(description="Reference quantile used as the out-of-domain threshold.")
    threshold: float = Field(description="Out-of-domain above: reference LOO score quantile.")
    n_out_of_domain: int = Field(description="Current documents scoring above `threshold`.")
    out_of_domain_share: float = Field(description="n_out_of_domain / number of current docs.")
    share_ci_low: float = Field(description="Wilson 95% interval of the share, lower end.")
    share_ci_high: float = Field(description="Wilson 95% interval of the share, upper end.")
    expected_share: float = Field(description="Share expected with no drift: 1 - quantile.")
    scores: tuple[float, ...] = Field(description="Per current doc: mean cosine dist. to k-NN.")
    nearest_reference: tuple[int, ...] = Field(description="Per current doc: nearest ref. row.")
    ranking: tuple[int, ...] = Field(description="Current row indices, most novel first.")
    reference_scores_median: float = Field(description="Median reference LOO score (spacing).")
    reference_scored: int = Field(default=0, description="Reference docs whose LOO score set "
                                  "the threshold (all of them up to NOVELTY_THRESHOLD_SAMPLE).")


class Projection2D(Frozen):
    """PCA coordinates for a scatter plot of both sides."""

    reference_xy: tuple[tuple[float, float], ...] = Field(description="Sampled reference points.")
    current_xy: tuple[tuple[float, float], ...] = Field(description="Sampled current points.")
    reference_indices: tuple[int, ...] = Field(description="Reference rows behind reference_xy.")
    current_indices: tuple[int, ...] = Field(description="Current rows behind current_xy.")
    explained_variance_ratio: tuple[float, float] = Field(description="Variance share per axis.")


class DriftLevel(Frozen):
    """A one-word verdict and the statistic that decided it."""

    level: Level = Field(description="'low', 'moderate' or 'high' drift.")
    decided_by: str = Field(description="The statistic and value that set the level.")
    rule: str = Field(description="The thresholds applied, in words.")


class DriftConfig(Frozen):
    """Settings for `compare`."""

    n_permutations: int = Field(default=1000, ge=1, description="Permutations of each test.")
    alpha: float = Field(default=0.05, gt=0, lt=1, description="Significance level of tests.")
    k: int = Field(default=5, ge=1, description="Neighbours per novelty score.")
    quantile: float = Field(default=0.95, gt=0, lt=1, description="Novelty threshold quantile.")
    folds: int = Field(default=5, ge=2, description="Cross-validation folds of the classifier.")
    max_points: int = Field(default=2000, ge=2, description="Scatter points per side at most.")
    mmd_max_pooled: int = Field(default=20_000, ge=4, description="MMD subsamples past this.")


class DriftStats(Frozen):
    """Everything `compare` computes for one reference/current pair."""

    config: DriftConfig = Field(description="Settings used.")
    n_reference: int = Field(description="Reference documents.")
    n_current: int = Field(description="Current documents.")
    dim: int = Field(description="Embedding dimension.")
    tests: tuple[TwoSampleTest, ...] = Field(description="Classifier test, then MMD test.")
    effect_sizes: EffectSizes = Field(description="Distances between the two clouds.")
    novelty: Novelty = Field(description="Out-of-domain share and most novel documents.")
    projection: Projection2D = Field(description="2-D PCA view for a scatter plot.")
    level: DriftLevel = Field(description="Overall verdict.")


# ---------------------------------------------------------------------- effect sizes


def centroid_cosine_distance(ref: np.ndarray, cur: np.ndarray) -> float:
    """1 - cosine similarity of the two mean embeddings."""
    from scipy.spatial.distance import cosine

    x, y = paired(ref, cur, min_rows=1)
    return float(cosine(x.mean(axis=0), y.mean(axis=0)))


def frechet_distance_gaussians(
    mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray
) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2}) for two Gaussians.

    Tr((S1 S2)^{1/2}) is computed as the sum of square roots of the eigenvalues of the
    symmetric S1^{1/2} S2 S1^{1/2} (same eigenvalues as S1 S2), with round-off negatives
    clipped to 0. Unlike ``scipy.linalg.sqrtm(S1 @ S2)`` this stays real and finite for
    singular covariances (fewer documents than dimensions).
    """
    w1, v1 = linalg.eigh(cov1)
    root1 = (v1 * np.sqrt(np.clip(w1, 0.0, None))) @ v1.T
    middle = root1 @ cov2 @ root1
    eig = linalg.eigvalsh((middle + middle.T) / 2.0)
    tr_covmean = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
    diff = np.asarray(mu1) - np.asarray(mu2)
    value = float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * tr_covmean)
    return max(value, 0.0)


def frechet_distance(ref: np.ndarray, cur: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to each side (sample mean and covariance)."""
    x, y = paired(ref, cur)
    return frechet_distance_gaussians(
        x.mean(axis=0),
        np.cov(x, rowvar=False, ddof=1).reshape(x.shape[1], -1),
        y.mean(axis=0),
        np.cov(y, rowvar=False, ddof=1).reshape(y.shape[1], -1),
    )


def effect_sizes(ref: np.ndarray, cur: np.ndarray) -> EffectSizes:
    """Both distances in one result."""
    return EffectSizes(
        centroid_cosine_distance=centroid_cosine_distance(ref, cur),
        frechet_distance=frechet_distance(ref, cur),
    )


# --------------------------------------------------------------------------- novelty


def knn_cosine(
    queries: np.ndarray, index: np.ndarray, k: int, self_rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cosine distances to, and rows of, the ``k`` nearest ``index`` rows of every query.

    Exact brute force in float32 blocks (one matrix product and a top-k per block), so memory
    stays near ``_KNN_BLOCK_VALUES`` similarities whatever the sizes. ``self_rows[i]``, when
    given, is query i's own row in ``index``, left out (leave-one-out). Distances are sorted
    nearest first.
    """
    import torch

    def unit(a: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
        return t / t.norm(dim=1, keepdim=True).clamp_min(1e-12)

    base, q = unit(index), unit(queries)
    step = max(1, _KNN_BLOCK_VALUES // len(base))
    dist = np.empty((len(q), k))
    rows = np.empty((len(q), k), dtype=np.int64)
    with torch.inference_mode():
        for start in range(0, len(q), step):
            sims = q[start : start + step] @ base.T
            if self_rows is not None:
                own = torch.from_numpy(np.asarray(self_rows[start : start + step], np.int64))
                sims[torch.arange(len(own)), own] = -torch.inf
            top = torch.topk(sims, k, dim=1)
            dist[start : start + step] = (1.0 - top.values.double()).clamp_min(0.0).numpy()
            rows[start : start + step] = top.indices.numpy()
    return dist, rows


def novelty(
    ref: np.ndarray,
    cur: np.ndarray,
    k: int = 5,
    quantile: float = 0.95,
    rng: np.random.Generator | None = None,
) -> Novelty:
    """Out-of-domain documents by k-nearest-neighbour cosine distance to the reference.

    Score of a current document: mean cosine distance to its ``k`` nearest reference
    documents. Threshold: the ``quantile`` of the same score for each reference document
    against the *other* reference documents (leave-one-out); past
    ``NOVELTY_THRESHOLD_SAMPLE`` reference documents, for a random sample of that many (drawn
    from ``rng``), which pins a 95% quantile to well under a percentile point while the work
    grows with the current side only. Exact k-NN (``knn_cosine``), memory bounded by blocks.
    """
    x, y = paired(ref, cur, min_rows=1)
    if len(x) <= k:
        raise ValueError(f"novelty needs more than k={k} reference documents, got {len(x)}")
    scored = np.arange(len(x))
    if len(x) > NOVELTY_THRESHOLD_SAMPLE:
        rng = rng if rng is not None else np.random.default_rng(0)
        scored = np.sort(rng.choice(len(x), NOVELTY_THRESHOLD_SAMPLE, replace=False))
    ref_dist, _ = knn_cosine(x[scored], x, k, self_rows=scored)
    cur_dist, cur_idx = knn_cosine(y, x, k)
    ref_scores = ref_dist.mean(axis=1)
    scores = cur_dist.mean(axis=1)
    threshold = float(np.quantile(ref_scores, quantile))
    n_out = int(np.count_nonzero(scores > threshold))
    ci = stats.binomtest(n_out, len(y)).proportion_ci(confidence_level=0.95, method="wilson")
    return Novelty(
        k=k,
        quantile=quantile,
        threshold=threshold,
        n_out_of_domain=n_out,
        out_of_domain_share=n_out / len(y),
        share_ci_low=float(ci.low),
        share_ci_high=float(ci.high),
        expected_share=1.0 - quantile,
        scores=tuple(float(s) for s in scores),
        nearest_reference=tuple(int(i) for i in cur_idx[:, 0]),
        ranking=tuple(int(i) for i in np.argsort(-scores, kind="stable")),
        reference_scores_median=float(np.median(ref_scores)),
        reference_scored=len(scored),
    )


# ------------------------------------------------------------------------ projection


def pca_2d(
    ref: np.ndarray, cur: np.ndarray, rng: np.random.Generator, max_points: int = 2000
) -> Projection2D:
    """First two principal components of at most ``max_points`` random rows per side.

    The PCA is fitted on the sampled rows of both sides together, so neither side dominates
    the axes by sheer size.
    """
    from sklearn.decomposition import PCA

    x, y = paired(ref, cur, min_rows=1)
    if x.shape[1] < 2:
        raise ValueError("a 2-D projection needs embeddings with at least 2 dimensions")
    picks = []
    for side in (x, y):
        take = min(len(side), max_points)
        picks.append(np.sort(rng.choice(len(side), take, replace=False)))
    pca = PCA(n_components=2, random_state=seed_from(rng))
    coords = pca.fit_transform(np.vstack([x[picks[0]], y[picks[1]]]))
    n_x = len(picks[0])

    ratio = pca.explained_variance_ratio_
    return Projection2D(
        reference_xy=tuple((float(a), float(b)) for a, b in coords[:n_x]),
        current_xy=tuple((float(a), float(b)) for a, b in coords[n_x:]),
        reference_indices=tuple(int(i) for i in picks[0]),
        current_indices=tuple(int(i) for i in picks[1]),
        explained_variance_ratio=(float(ratio[0]), float(ratio[1])),
    )


# --------------------------------------------------------------------------- verdict

_RULE = (
    f"classifier AUC < {_AUC_MODERATE} low, {_AUC_MODERATE}-{_AUC_HIGH} moderate, "
    f"> {_AUC_HIGH} high; raised to at least moderate when the MMD test rejects"
)


def drift_level(tests: Sequence[TwoSampleTest]) -> DriftLevel:
    """Low / moderate / high drift from the classifier AUC, bumped up by an MMD rejection.

    AUC < 0.60 -> low, 0.60 to 0.75 -> moderate, > 0.75 -> high; a low level becomes
    moderate when the MMD test rejects. Without a classifier test, MMD alone decides
    (reject -> moderate, else low).
    """
    by_name = {t.name: t for t in tests}
    clf, mmd = by_name.get("classifier"), by_name.get("mmd")
    if clf is None and mmd is None:
        raise ValueError("drift_level needs a 'classifier' or an 'mmd' test result")
    level: Level = "low"
    decided_by = "MMD test did not reject"
    if clf is not None:
        auc = clf.statistic
        level = "high" if auc > _AUC_HIGH else "moderate" if auc >= _AUC_MODERATE else "low"
        decided_by = f"classifier AUC = {auc:.3f}"
    if level == "low" and mmd is not None and mmd.drift_detected:
        level = "moderate"
        decided_by = f"MMD test rejected (p = {mmd.p_value:.3g} < {mmd.threshold:g})"
    return DriftLevel(level=level, decided_by=decided_by, rule=_RULE)


# --------------------------------------------------------------------------- compare


def compare(
    ref: np.ndarray, cur: np.ndarray, rng: np.random.Generator, config: DriftConfig | None = None,
    progress: Mode = "off",
) -> DriftStats:
    """All drift statistics for one reference/current pair of embedding arrays, the five parts
    (two permutation tests, distances, novelty, projection) counted in the ``progress`` mode."""
    cfg = config or DriftConfig()
    x, y = paired(ref, cur, min_rows=max(cfg.folds, cfg.k + 1))
    b, alpha = cfg.n_permutations, cfg.alpha
    with meter(progress, "Drift tests", total=5, unit="part") as bar:
        classifier = classifier_test(x, y, rng, folds=cfg.folds, alpha=alpha, n_permutations=b)
        bar.update()
        tests = (classifier, mmd_test(x, y, rng, n_permutations=b, alpha=alpha,
                                      max_pooled=cfg.mmd_max_pooled))
        bar.update()
        sizes = effect_sizes(x, y)
        bar.update()
        found = novelty(x, y, k=cfg.k, quantile=cfg.quantile, rng=rng)
        bar.update()
        projection = pca_2d(x, y, rng, max_points=cfg.max_points)
        bar.update()
    return DriftStats(
        config=cfg,
        n_reference=len(x),
        n_current=len(y),
        dim=x.shape[1],
        tests=tests,
        effect_sizes=sizes,
        novelty=found,
        projection=projection,
        level=drift_level(tests),
    )
