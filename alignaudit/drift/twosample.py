"""Two-sample tests on embeddings: a domain classifier and the MMD, each with a permutation p.

Pure computation on numpy arrays (one row per document); randomness comes only from the
``numpy.random.Generator`` passed in. ``alignaudit.drift.stats`` runs both beside its effect sizes.

MMD kernel: Gaussian RBF ``k(x, y) = exp(-||x - y||^2 / (2 sigma^2))`` with the median
heuristic ``sigma^2 = median(d^2) / 2``, the median taken over the off-diagonal squared
Euclidean distances of the *pooled* sample (both sides; a random subsample of at most
2,048 pooled rows when larger). So ``k = exp(-d^2 / median(d^2))``. This is alibi-detect's
scaling (``sigma_median``: ``sigma = sqrt(median(d^2) / 2)``), but alibi-detect's default
takes the median over the reference sample only; pooling keeps the kernel a symmetric
function of the pooled sample, which is what makes the permutation test exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field
from scipy import linalg, stats

from alignaudit._util.frozen import Frozen

if TYPE_CHECKING:
    import torch

Params = dict[str, float | int | str]

_MEDIAN_MAX_POINTS = 2048  # pooled rows used to pick the RBF bandwidth
_FLOAT64_MAX_POOLED = 2048  # kernel matrices up to this size are held in float64
_CLASSIFIER_BLOCK_VALUES = 8_000_000  # label-matrix entries per multi-output ridge fit


class TwoSampleTest(Frozen):
    """One two-sample test of "reference and current come from the same distribution"."""

    name: str = Field(description="Short identifier: 'classifier' or 'mmd'.")
    method: str = Field(description="What the test does, in plain language.")
    statistic: float = Field(description="The test statistic (see `method`).")
    p_value: float = Field(description="p-value of the statistic under no drift.")
    threshold: float = Field(description="Significance level alpha; drift if p_value < alpha.")
    drift_detected: bool = Field(description="True when p_value < threshold.")
    effect_size: float = Field(description="Size of the difference, independent of n.")
    effect_size_name: str = Field(description="What `effect_size` measures and its scale.")
    n_reference: int = Field(description="Reference documents given to the test.")
    n_current: int = Field(description="Current documents given to the test.")
    parameters: Params = Field(description="Settings and path taken (kernel width, folds, ...).")


# ------------------------------------------------------------------------------ input


# ------------------------------------------------------------------------------ input


def paired(ref: np.ndarray, cur: np.ndarray, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Both sides as float64 2-D arrays with the same width, finite, >= min_rows rows each."""
    out = []
    for name, arr in (("reference", ref), ("current", cur)):
        a = np.asarray(arr, dtype=np.float64)
        if a.ndim != 2:
            raise ValueError(f"{name} embeddings must be 2-D (documents x dims), got {a.shape}")
        if a.shape[0] < min_rows:
            raise ValueError(f"{name} has {a.shape[0]} documents; need at least {min_rows}")
        if not np.isfinite(a).all():
            raise ValueError(f"{name} embeddings contain NaN or infinity; drop those documents")
        out.append(a)
    if out[0].shape[1] != out[1].shape[1]:
        raise ValueError(
            f"reference has {out[0].shape[1]} dims but current has {out[1].shape[1]}; "
            "embed both with the same model"
        )
    return out[0], out[1]


def seed_from(rng: np.random.Generator) -> int:
    """An integer seed for libraries that take one (scikit-learn), drawn from `rng`."""
    return int(rng.integers(0, 2**31 - 1))


# ------------------------------------------------------------------ classifier test


# ------------------------------------------------------------------ classifier test


def _auc_columns(scores: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """ROC AUC of each column of `scores` for the 0/1 labels in the same column of `positive`.

    Mann-Whitney form with average ranks for ties, so it equals sklearn's ``roc_auc_score``.
    """
    ranks = stats.rankdata(scores, axis=0)
    n_pos = positive.sum(axis=0)
    n_neg = len(positive) - n_pos
    return ((ranks * positive).sum(axis=0) - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


class CrossFitRidge:
    """Out-of-fold predictions of ``StandardScaler + Ridge`` for many label columns at once.

    The permutation test fits the same cross-validation to ~1,000 labellings of the same
    documents. Only ``X^T y`` depends on the labels: each fold's standardised Gram matrix is
    factorised once here (from the whole set's Gram minus the fold's own rows), and every
    block of labellings then costs a few matrix products. Predictions equal scikit-learn's
    ``make_pipeline(StandardScaler(), Ridge(alpha))`` fitted per fold and column (a test
    holds it to 1e-8).
    """

    def __init__(self, z: np.ndarray, splits: Sequence[tuple[np.ndarray, np.ndarray]],
                 alpha: float) -> None:
        self.z = z - z.mean(axis=0)  # translation changes neither scaler nor ridge
        gram = self.z.T @ self.z
        total = self.z.sum(axis=0)
        self.folds = []
        for train, test in splits:
            zt = self.z[test]
            n = len(train)
            mean = (total - zt.sum(axis=0)) / n
            scatter = gram - zt.T @ zt - n * np.outer(mean, mean)  # centred, train rows only
            var = np.clip(np.diag(scatter) / n, 0.0, None)
            scale = np.sqrt(var)
            scale[var <= 1e-12 * max(float(var.mean()), 1e-300)] = 1.0  # constant columns
            factor = linalg.cho_factor(scatter / np.outer(scale, scale)
                                       + alpha * np.eye(len(scale)))
            self.folds.append((test, zt, n, mean, scale, factor))

    def predict(self, y: np.ndarray) -> np.ndarray:
        """Out-of-fold predictions for every column of ``y`` (documents x labellings)."""
        xty, ysum = self.z.T @ y, y.sum(axis=0)
        out = np.empty_like(y, dtype=np.float64)
        for test, zt, n, mean, scale, factor in self.folds:
            yt = y[test]
            train_sum = ysum - yt.sum(axis=0)
            # standardised X^T y over the training rows (their X is centred, so the ridge's
            # centring of y drops out)
            sxy = (xty - zt.T @ yt - np.outer(mean, train_sum)) / scale[:, None]
            coef = linalg.cho_solve(factor, sxy)
            out[test] = ((zt - mean) / scale) @ coef + train_sum / n
        return out


def classifier_test(
    ref: np.ndarray,
    cur: np.ndarray,
    rng: np.random.Generator,
    folds: int = 5,
    alpha: float = 0.05,
    n_permutations: int = 1000,
    ridge_alpha: float = 100.0,
) -> TwoSampleTest:
    """Domain classifier: can a linear model tell current documents from reference ones?

    Model: standardised features + ridge regression on the 0/1 "is current" label (a
    regularised linear discriminant; its direction, hence the AUC, does not depend on class
    balance). Statistic: ROC AUC of the ``folds``-fold out-of-fold scores (random folds).

    p-value: permutation test that refits the whole cross-validation for every shuffled
    labelling, (1 + #{AUC_perm >= AUC}) / (1 + n_permutations). All labellings are fitted
    at once as one multi-output ridge regression, so this costs about one fit per fold. A
    Mann-Whitney test on pooled out-of-fold scores is *not* used: cross-fitted scores are
    dependent and it rejected 10% of no-drift cases at alpha = 0.05 (100 vs 100, 16-d).
    """
    from sklearn.model_selection import KFold

    x, y = paired(ref, cur)
    z = np.vstack([x, y])
    if len(z) < 2 * folds:
        raise ValueError(f"classifier_test needs at least {2 * folds} documents in all")
    splits = list(KFold(n_splits=folds, shuffle=True, random_state=seed_from(rng)).split(z))
    block = max(64, _CLASSIFIER_BLOCK_VALUES // len(z))
    ridge = CrossFitRidge(z, splits, ridge_alpha)
    aucs = []
    for labels in _label_blocks(len(z), len(x), n_permutations, block, rng):
        is_current = (~labels).astype(np.float64)
        aucs.append(_auc_columns(ridge.predict(is_current), is_current))
    all_aucs = np.concatenate(aucs)
    auc = float(all_aucs[0])
    p_value = permutation_p_value(auc, all_aucs[1:])
    return TwoSampleTest(
        name="classifier",
        method=f"A linear classifier (ridge) is trained to tell current from reference "
        f"documents; ROC AUC of its {folds}-fold out-of-fold scores. p-value: the same "
        "procedure refitted on shuffled labels, as a permutation test.",
        statistic=auc,
        p_value=p_value,
        threshold=alpha,
        drift_detected=p_value < alpha,
        effect_size=2.0 * auc - 1.0,
        effect_size_name="drift score 2*AUC-1 (0 = indistinguishable, 1 = perfectly separable)",
        n_reference=len(x),
        n_current=len(y),
        parameters={
            "folds": folds,
            "model": "StandardScaler + Ridge on 0/1 label",
            "ridge_alpha": ridge_alpha,
            "n_permutations": n_permutations,
            "p_value_method": "permutation test, classifier refitted per permutation",
        },
    )


# ------------------------------------------------------------------------- MMD test


def permutation_p_value(observed: float, permuted: np.ndarray) -> float:
    """(1 + #{permuted >= observed}) / (1 + B): never 0, valid at any B."""
    permuted = np.asarray(permuted)
    return float((1 + np.count_nonzero(permuted >= observed)) / (1 + permuted.size))


def _augmented(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """[x, |x|^2, 1] . [-2y, 1, |y|^2] = ||x - y||^2: squared distances in one GEMM."""
    import torch

    sq = (t * t).sum(dim=1, keepdim=True)
    one = torch.ones_like(sq)
    return torch.cat([t, sq, one], dim=1), torch.cat([-2.0 * t, one, sq], dim=1)


def median_heuristic_sigma(z: np.ndarray, rng: np.random.Generator) -> float:
    """``sqrt(median(d^2) / 2)`` over the distinct pairs of rows of `z` (<= 2,048 random rows).

    The median is the lower median, as in alibi-detect's ``sigma_median``. Falls back to the
    mean of the non-zero squared distances when more than half of the pairs coincide, and to
    1.0 when all points coincide.
    """
    import torch

    if len(z) > _MEDIAN_MAX_POINTS:
        z = z[np.sort(rng.choice(len(z), _MEDIAN_MAX_POINTS, replace=False))]
    pairs = torch.pdist(torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))).square_()
    median = float(pairs.median())
    if median <= 0.0:
        positive = pairs[pairs > 0]
        median = float(positive.mean()) if positive.numel() else 2.0
    return math.sqrt(median / 2.0)


def _rbf_kernel(z: np.ndarray, sigma: float, block_size: int, dtype: torch.dtype) -> torch.Tensor:
    """The pooled RBF kernel matrix, built ``block_size`` rows at a time, zero diagonal."""
    import torch

    left, right = _augmented(torch.from_numpy(np.ascontiguousarray(z)).to(dtype))
    n = len(left)
    kernel = torch.empty((n, n), dtype=dtype)
    gamma = 1.0 / (2.0 * sigma * sigma)
    for start in range(0, n, block_size):
        rows = kernel[start : start + block_size]
        torch.mm(left[start : start + block_size], right.T, out=rows)
        rows.clamp_(min=0.0).mul_(-gamma).exp_()
    kernel.fill_diagonal_(0.0)
    return kernel


def _label_blocks(
    n: int, nx: int, n_permutations: int, block_size: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """0/1 indicator columns of "is reference": first the observed split, then permutations."""
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be at least 1, got {n_permutations}")
    done = -1  # the first block starts with the observed split, left unpermuted
    while done < n_permutations:
        block = np.zeros((min(block_size, n_permutations - done), n), dtype=bool)
        block[:, :nx] = True
        skip = 1 if done < 0 else 0
        block[skip:] = rng.permuted(block[skip:], axis=1)
        done += len(block)
        yield block.T


def _mmd2_for_labels(
    kernel: torch.Tensor, row_sums: torch.Tensor, labels: np.ndarray, nx: int
) -> np.ndarray:
    """Unbiased MMD^2 for each 0/1 label column, via one matmul (no re-indexing of K).

    With a = reference indicator, r = K 1 and T = 1'K 1 (zero diagonal):
    S_xx = a'Ka, S_xy = a'r - a'Ka, S_yy = T - 2 a'r + a'Ka.
    """
    import torch

    n = kernel.shape[0]
    ny = n - nx
    a = torch.from_numpy(np.ascontiguousarray(labels)).to(kernel.dtype)
    s_xx = torch.sum(a * (kernel @ a), dim=0, dtype=torch.float64)
    a_r = row_sums @ a.to(torch.float64)
    total = row_sums.sum()
    s_xy = a_r - s_xx
    s_yy = total - 2.0 * a_r + s_xx
    mmd2 = s_xx / (nx * (nx - 1)) + s_yy / (ny * (ny - 1)) - 2.0 * s_xy / (nx * ny)
    return mmd2.numpy()


def _mmd_permutation(
    x: np.ndarray, y: np.ndarray, sigma: float, b: int, block_size: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Observed unbiased MMD^2 and its permutation p-value, from one pooled kernel matrix."""
    import torch

    z = np.vstack([x, y])
    dtype = torch.float64 if len(z) <= _FLOAT64_MAX_POOLED else torch.float32
    kernel = _rbf_kernel(z, sigma, block_size, dtype)
    # Unbiased MMD^2 is unchanged by adding a constant to every off-diagonal entry; centring
    # them on 0 keeps the float32 matmul sums small, so no precision is lost to cancellation
    # (the constant itself need not be exact).
    n = len(z)
    off_mean = float(kernel.sum(dim=1).double().sum()) / (n * (n - 1))
    kernel.sub_(off_mean).fill_diagonal_(0.0)
    row_sums = kernel.sum(dim=1).double()
    blocks = _label_blocks(n, len(x), b, block_size, rng)
    stats_all = np.concatenate([_mmd2_for_labels(kernel, row_sums, a, len(x)) for a in blocks])
    observed = float(stats_all[0])
    return observed, permutation_p_value(observed, stats_all[1:])


def mmd_test(
    ref: np.ndarray,
    cur: np.ndarray,
    rng: np.random.Generator,
    n_permutations: int = 1000,
    alpha: float = 0.05,
    block_size: int = 1024,
    sigma: float | None = None,
    max_pooled: int = 20_000,
) -> TwoSampleTest:
    """Kernel two-sample test: unbiased MMD^2 with an RBF kernel and a permutation p-value.

    The pooled kernel matrix is computed once, ``block_size`` rows at a time, and all
    permutations are evaluated by matrix products with 0/1 label matrices
    (``block_size`` permutations per product): O(n^2 B) flops, n^2 + n * block_size memory.
    p-value: (1 + #{permuted >= observed}) / (1 + n_permutations).

    ``sigma``: RBF bandwidth; None for the median heuristic on the pooled sample (see the
    module docstring). Past ``max_pooled`` pooled documents, a random subsample of each side
    (proportional, ``max_pooled`` in all) is tested instead, so memory stays at
    ``max_pooled^2`` kernel values; ``parameters['path']`` says which path ran.
    """
    x, y = paired(ref, cur)
    n_ref, n_cur = len(x), len(y)
    path = "full permutation test"
    if n_ref + n_cur > max_pooled:
        keep_x = min(max(2, round(max_pooled * n_ref / (n_ref + n_cur))), max_pooled - 2)
        x = x[np.sort(rng.choice(n_ref, keep_x, replace=False))]
        y = y[np.sort(rng.choice(n_cur, max_pooled - keep_x, replace=False))]
        path = f"permutation test on a random subsample ({max_pooled} pooled documents)"
    bandwidth = median_heuristic_sigma(np.vstack([x, y]), rng) if sigma is None else sigma
    mmd2, p_value = _mmd_permutation(x, y, bandwidth, n_permutations, block_size, rng)
    return TwoSampleTest(
        name="mmd",
        method="Maximum mean discrepancy: how far apart the two sets' average RBF-kernel "
        "embeddings are (unbiased MMD^2), with a permutation p-value from reshuffling which "
        "documents are 'reference'.",
        statistic=mmd2,
        p_value=p_value,
        threshold=alpha,
        drift_detected=p_value < alpha,
        effect_size=math.sqrt(max(mmd2, 0.0)),
        effect_size_name="MMD = sqrt(max(MMD^2, 0)) in kernel units (0 = same, at most sqrt(2))",
        n_reference=n_ref,
        n_current=n_cur,
        parameters={
            "kernel": "rbf exp(-||x-y||^2 / (2 sigma^2))",
            "sigma": bandwidth,
            "sigma_source": "median heuristic, pooled sample" if sigma is None else "given",
            "n_permutations": n_permutations,
            "path": path,
            "n_reference_used": len(x),
            "n_current_used": len(y),
        },
    )
