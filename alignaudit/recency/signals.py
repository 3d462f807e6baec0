"""Evidence from each signal about one shared change date, on a common grid of candidate dates.

A *signal* is one kind of dated measurement of a model: binary probe outcomes (did it answer a
dated fact right, with a per-probe chance of guessing) or continuous per-document scores (a
document's mean log-perplexity under the model). Each signal turns into a ``SignalEvidence``:
its log marginal likelihood at every candidate change date ``T`` of a ``ChangeGrid``, with every
other unknown integrated out under weak priors. Evidence from signals that share ``T`` is combined
by adding these arrays (see :mod:`alignaudit.recency.changepoint`).

The change model is a linear ramp centred on ``T``: the signal sits at its *before* level until
``T - w/2``, at its *after* level from ``T + w/2``, and moves linearly in between. ``w = 0`` is a
step; the fall time ``w`` is integrated over a small set of widths, so ``T`` is the date the
signal has moved halfway (the midpoint of a decline, the date of a step). Pure numpy/scipy; no
IO and no randomness. Dates are fractional years (2020.5 is the middle of 2020).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from alignaudit._util.frozen import Frozen

FrozenModel = Frozen
"""The frozen pydantic base (field docstrings become field descriptions)."""


class ChangeModel(FrozenModel):
    """Priors and numerical settings shared by every signal; the defaults are documented."""

    widths: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
    """Candidate fall times in years (before level to after level); 0 is a step."""
    step_prior: float = 0.3
    """Prior probability of a step (width 0); the rest is shared evenly by the other widths."""
    sub_bins: int = 8
    """Pieces a ramp is cut into; each piece takes the ramp's value at its middle."""
    grid_step: float = 1.0 / 365.0
    """Finest spacing of candidate change dates in years (a day: dated observations are
    often days apart, and a coarser grid cannot put a change between them)."""
    grid_points: tuple[int, int] = (168, 2000)
    """Fewest and most candidate dates; between them two per observation (sparse data get a
    coarser grid: 40 probes over 14 years get about a month)."""
    chance_prior: float = 0.5
    """Prior probability that probe knowledge after the change is exactly at chance."""
    level_points: tuple[int, int] = (16, 48)
    """Fewest and most points of the grid over which probe knowledge levels are integrated."""
    shift_prior_sd: float = 0.5
    """Prior sd of a document signal's mean shift, in units of the score's spread."""
    month_dispersion: bool = True
    """Temper a document signal's likelihood by its month-to-month overdispersion (see NOTES)."""


@dataclass(frozen=True, eq=False)
class ProbeOutcomes:
    """Binary outcomes of dated probes: P(correct) = chance + (1 - chance) * knowledge."""

    name: str
    """Short name of the signal, e.g. "facts" or "generated"."""
    dates: np.ndarray
    """Event date of each probe as a fractional year."""
    correct: np.ndarray
    """Whether each probe was answered correctly (bool or 0/1)."""
    chance: np.ndarray
    """Probability of each probe being right by guessing, in [0, 1)."""
    label: str = "your facts"
    """How sentences refer to this signal ("your facts say 2023-Q1")."""
    spans: np.ndarray | None = None
    """Length in years of the period each date names, centred on it: 1 for "2020", about 1/12
    for "2020-03", 0 for a day. None: every date exact."""

    def __post_init__(self) -> None:
        d, y, c = (np.asarray(v, dtype=float) for v in (self.dates, self.correct, self.chance))
        if not (d.ndim == 1 and d.shape == y.shape == c.shape):
            raise ValueError(f"{self.name}: dates, correct and chance need the same 1-d length")
        if self.spans is not None:
            s = np.asarray(self.spans, dtype=float)
            if s.shape != d.shape or not np.all(np.isfinite(s) & (s >= 0)):
                raise ValueError(f"{self.name}: spans need the dates' length, finite and >= 0")
        ok = np.all(np.isfinite(d)) and np.all((c >= 0) & (c < 1)) and np.all((y == 0) | (y == 1))
        if not ok:
            raise ValueError(f"{self.name}: dates finite, correct 0/1 and chance in [0, 1) needed")


@dataclass(frozen=True, eq=False)
class DocumentScores:
    """Continuous per-document scores by date, e.g. mean log-perplexity under the model."""

    name: str
    """Short name of the signal, e.g. "perplexity"."""
    dates: np.ndarray
    """Date of each document as a fractional year."""
    scores: np.ndarray
    """One score per document; only their ranks are used (robust to heavy tails)."""
    rises_after: bool = True
    """True when the score goes up after the change (perplexity); False when it goes down."""
    label: str = "your dated documents"
    """How sentences refer to this signal."""

    def __post_init__(self) -> None:
        d, s = np.asarray(self.dates, dtype=float), np.asarray(self.scores, dtype=float)
        if not (d.ndim == 1 and d.shape == s.shape and np.all(np.isfinite(d) & np.isfinite(s))):
            raise ValueError(f"{self.name}: dates and scores need the same 1-d length, finite")


Signal = ProbeOutcomes | DocumentScores


@dataclass(frozen=True, eq=False)
class ChangeGrid:
    """Candidate change dates: the interior boundaries of ``n_cells`` equal cells from ``start``."""

    start: float
    """First cell boundary (fractional year)."""
    step: float
    """Cell width in years."""
    n_cells: int
    """Number of cells; candidates are boundaries 1 .. n_cells - 1."""

    @property
    def boundaries(self) -> np.ndarray:
        """All ``n_cells + 1`` cell boundaries."""
        return self.start + self.step * np.arange(self.n_cells + 1)

    @property
    def candidates(self) -> np.ndarray:
        """The candidate change dates (each stands for the ``step``-wide span around it)."""
        return self.boundaries[1:-1]


@dataclass(frozen=True, eq=False)
class SignalEvidence:
    """What one signal says about the change date, on a ``ChangeGrid``."""

    name: str
    """The signal's name."""
    label: str
    """How sentences refer to the signal."""
    kind: str
    """"probes" or "documents"."""
    n: int
    """Observations used."""
    dates: np.ndarray
    """Their dates, sorted (for density notes)."""
    width_loglik: np.ndarray
    """(candidates, widths) log marginal likelihood of each change date and fall time."""
    width_prior: np.ndarray
    """Prior probability of each fall time in ``widths``."""
    widths: np.ndarray
    """The fall times (years) of the columns of ``width_loglik``."""
    log_null: float
    """Log marginal likelihood of no change at all (same normalisation as ``loglik``)."""
    null_level: float
    """Probes: posterior mean knowledge if nothing changes (0 = chance). Documents: nan."""
    dispersion: float = 1.0
    """Factor the log-likelihood was divided by for clustering by month (1: none found)."""

    @property
    def loglik(self) -> np.ndarray:
        """Log marginal likelihood of each candidate date, fall time and levels integrated out."""
        return special.logsumexp(self.width_loglik + np.log(self.width_prior), axis=1)


def make_grid(signals: Sequence[Signal], model: ChangeModel) -> ChangeGrid:
    """One grid spanning every signal's dates, at ``model.grid_step`` or coarser (see
    ``ChangeModel.grid_points``)."""
    dates = np.concatenate([np.asarray(s.dates, dtype=float) for s in signals])
    lo, hi = float(dates.min()), float(dates.max())
    points = int(np.clip(2 * len(dates), *model.grid_points))
    step = max(model.grid_step, (hi - lo) / points)
    start = math.floor(lo / step) * step
    n_cells = max(int(math.ceil((hi - start) / step)) + 1, 3)
    return ChangeGrid(start=start, step=step, n_cells=n_cells)


def _widths(grid: ChangeGrid, model: ChangeModel) -> tuple[np.ndarray, np.ndarray]:
    """The fall times that fit in the grid's range (at most 60% of it) and their prior."""
    span = grid.step * grid.n_cells
    widths = np.array([w for w in model.widths if w == 0 or w <= 0.6 * span], dtype=float)
    rest = (1 - model.step_prior) / max(len(widths) - 1, 1)
    prior = np.where(widths == 0, model.step_prior, rest)
    return widths, prior / prior.sum()


def _window(grid: ChangeGrid, width: float, pieces: int) -> np.ndarray:
    """(candidates, pieces + 1) boundary indices of the ramp's pieces around each candidate."""
    half = width / (2.0 * grid.step)
    offsets = np.round(-half + np.arange(pieces + 1) * 2.0 * half / pieces).astype(int)
    centre = np.arange(1, grid.n_cells)
    return np.clip(centre[:, None] + offsets[None, :], 0, grid.n_cells)


def _cumulative(dates: np.ndarray, values: np.ndarray, grid: ChangeGrid) -> np.ndarray:
    """Sums of ``values`` rows over observations dated before each grid boundary."""
    order = np.argsort(dates, kind="stable")
    cum = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(values[order], axis=0)])
    return cum[np.searchsorted(dates[order], grid.boundaries, side="left")]


# ---------------------------------------------------------------------------- probes


@dataclass(frozen=True)
class _LevelPairs:
    """Knowledge levels (before >= after) and their prior, and the table columns they use."""

    values: np.ndarray  # knowledge value of each table column
    before: np.ndarray  # (pairs,) column of the before level
    after: np.ndarray  # (pairs,) column of the after level
    pieces: np.ndarray  # (sub_bins, pairs) column of the ramp value in each piece
    log_weight: np.ndarray  # (pairs,) log prior probability of each pair
    levels: np.ndarray  # (points + 1,) columns of single levels (chance first): no-change model
    level_log_weight: np.ndarray  # (points + 1,) their log prior probability


def _level_pairs(points: int, pieces: int, at_chance: float) -> _LevelPairs:
    """Prior on (k_b, k_a): with probability ``at_chance`` k_a = 0 exactly and k_b uniform; else
    uniform on the triangle 0 <= k_a <= k_b <= 1, by the midpoint rule on levels (2i + 1) /
    (2 points) (diagonal cells half in). A level is num / (2 points), num = 0 or 2i + 1, so every
    ramp value is an integer multiple of 1 / (4 pieces points), which keys the columns exactly."""
    i_b, i_a = (a.ravel() for a in np.meshgrid(np.arange(points), np.arange(points)))
    keep = i_a <= i_b
    num_b = np.concatenate([2 * i_b[keep] + 1, 2 * np.arange(points) + 1])
    num_a = np.concatenate([2 * i_a[keep] + 1, np.zeros(points, dtype=int)])
    weight = np.concatenate([np.where(i_a[keep] == i_b[keep], 0.5, 1.0) * (1 - at_chance)
                             / (points**2 / 2), np.full(points, at_chance / points)])
    m = np.arange(pieces)[:, None]
    keys = np.concatenate([2 * pieces * num_b, 2 * pieces * num_a,
                           (2 * pieces * num_a + (num_b - num_a) * (2 * (pieces - m) - 1)).ravel()])
    uniq, inv = np.unique(keys, return_inverse=True)
    n = len(num_b)
    single = np.concatenate([[0], 2 * pieces * (2 * np.arange(points) + 1)])
    with np.errstate(divide="ignore"):
        return _LevelPairs(
            values=uniq / (4.0 * pieces * points), before=inv[:n], after=inv[n:2 * n],
            pieces=inv[2 * n:].reshape(pieces, n), log_weight=np.log(weight),
            levels=np.searchsorted(uniq, single),
            level_log_weight=np.log(np.concatenate([[at_chance],
                                                    np.full(points, (1 - at_chance) / points)])))


def _level_count(n: int, chance: float, model: ChangeModel) -> int:
    """Level-grid size whose spacing is at most twice the posterior sd of a level from n probes
    (0.5 / sqrt(n) / (1 - chance)); at that spacing the midpoint rule is accurate to ~0.02 nats."""
    lo, hi = model.level_points
    return int(np.clip(math.ceil(math.sqrt(n) * (1.0 - chance)), lo, hi))


def _probe_ramp(table: np.ndarray, pairs: _LevelPairs, grid: ChangeGrid, width: float,
                pieces: int) -> np.ndarray:
    """Log-likelihood (candidates, pairs) of a ramp of ``width`` for each level pair."""
    idx = _window(grid, width, pieces)
    ll = table[idx[:, :1], pairs.before[None]] + (
        table[-1, pairs.after][None] - table[idx[:, -1:], pairs.after[None]])
    if width > 0:
        for m in range(pieces):
            cols = pairs.pieces[m][None]
            ll += table[idx[:, m + 1:m + 2], cols] - table[idx[:, m:m + 1], cols]
    return ll


def _periods(dates: np.ndarray, spans: np.ndarray | None, grid: ChangeGrid
             ) -> list[tuple[float, float, np.ndarray]]:
    """The dated periods longer than a grid cell ("2019", "2019-03"): (start, end, rows)."""
    if spans is None:
        return []
    s = np.asarray(spans, dtype=float)
    coarse = np.flatnonzero(s > grid.step)
    keys = np.unique(np.stack([dates[coarse], s[coarse]], 1), axis=0)
    return [(d - w / 2, d + w / 2, coarse[(dates[coarse] == d) & (s[coarse] == w)])
            for d, w in keys]


def _period_step(loglik: np.ndarray, pairs: _LevelPairs, grid: ChangeGrid,
                 periods: Sequence[tuple[float, float, np.ndarray]]) -> np.ndarray:
    """Log-likelihood (candidates, pairs) of the period-dated probes under a step.

    A fact dated "2019" may be from any part of 2019, and a suite's facts are seldom spread
    evenly over their year, so a step inside 2019 leaves an unknown share f of them before it:
    the period's facts share one knowledge level k_a + f (k_b - k_a), f uniform on [0, 1]
    (integrated by the midpoint rule on the ramp pieces' levels). A step outside the period
    leaves them all before or all after it."""
    cand = grid.candidates
    out = np.zeros((len(cand), len(pairs.before)))
    for lo, hi, rows in periods:
        total = loglik[rows].sum(axis=0)
        inside = special.logsumexp(total[pairs.pieces], axis=0) - math.log(len(pairs.pieces))
        i_lo, i_hi = np.searchsorted(cand, lo, side="right"), np.searchsorted(cand, hi, "left")
        out[:i_lo] += total[pairs.after]
        out[i_lo:i_hi] += inside
        out[i_hi:] += total[pairs.before]
    return out


def probe_evidence(signal: ProbeOutcomes, grid: ChangeGrid, model: ChangeModel) -> SignalEvidence:
    """Evidence from binary probes. Knowledge before (k_b) and after (k_a) the change are integrated
    out (prior: ``_level_pairs``): after the change the model knows nothing (chance) or a little,
    never less than chance. No change: one level, at chance with the same prior probability."""
    d = np.asarray(signal.dates, dtype=float)
    y = np.asarray(signal.correct, dtype=float)[:, None]
    c = np.asarray(signal.chance, dtype=float)[:, None]
    points = _level_count(len(d), float(c.mean()), model)
    pairs = _level_pairs(points, model.sub_bins, model.chance_prior)
    p = np.clip(c + (1 - c) * pairs.values[None, :], 1e-12, 1 - 1e-12)  # finite sums, chance 0
    loglik = y * np.log(p) + (1 - y) * np.log1p(-p)
    table = _cumulative(d, loglik, grid)
    widths, prior = _widths(grid, model)
    periods = _periods(d, signal.spans, grid)
    in_period = np.zeros(len(d), dtype=bool)
    for _, _, rows in periods:
        in_period[rows] = True

    def ramp(width: float) -> np.ndarray:
        if width > 0 or not periods:  # a fall over months or years: each fact at its middle
            return _probe_ramp(table, pairs, grid, width, model.sub_bins)
        exact = _cumulative(d[~in_period], loglik[~in_period], grid)
        return (_probe_ramp(exact, pairs, grid, 0.0, model.sub_bins)
                + _period_step(loglik, pairs, grid, periods))

    per_width = np.stack([special.logsumexp(ramp(w) + pairs.log_weight[None], axis=1)
                          for w in widths], 1)
    flat = table[-1, pairs.levels] + pairs.level_log_weight
    weights = special.softmax(flat)
    return SignalEvidence(
        name=signal.name, label=signal.label, kind="probes", n=len(d), dates=np.sort(d),
        width_loglik=per_width, width_prior=prior, widths=widths,
        log_null=float(special.logsumexp(flat)),
        null_level=float(weights @ pairs.values[pairs.levels]),
    )


# ---------------------------------------------------------------------------- documents


def normal_scores(values: np.ndarray) -> np.ndarray:
    """Rank-based normal scores: Phi^-1((rank - 0.5) / n), ties given their mean rank."""
    ranks = stats.rankdata(values)
    return np.asarray(stats.norm.ppf((ranks - 0.5) / len(values)))


def _document_ramp(cum_n: np.ndarray, cum_z: np.ndarray, zz: float, grid: ChangeGrid,
                   width: float, pieces: int, tau: float) -> np.ndarray:
    """Log marginal likelihood (candidates,) of a shift up by delta ~ half-N(0, (tau sigma)^2)
    along a ramp of ``width``; common mean flat, sigma Jeffreys (closed form, t posterior)."""
    idx = _window(grid, width, pieces)
    n, total = cum_n[-1], cum_z[-1]
    sx = n - cum_n[idx[:, -1]]  # after the window the shift is complete (x = 1)
    sxx, sxz = sx.copy(), total - cum_z[idx[:, -1]]
    for m in range(pieces if width > 0 else 0):
        x = (m + 0.5) / pieces
        cnt = cum_n[idx[:, m + 1]] - cum_n[idx[:, m]]
        sx, sxx = sx + x * cnt, sxx + x * x * cnt
        sxz = sxz + x * (cum_z[idx[:, m + 1]] - cum_z[idx[:, m]])
    s_xx = np.maximum(sxx - sx * sx / n, 0.0)
    s_xz = sxz - sx * total / n
    s_zz = zz - total * total / n
    prec = s_xx + 1.0 / tau**2
    q = np.maximum(s_zz - s_xz**2 / prec, 1e-12 * s_zz)
    t_ratio = (s_xz / prec) / np.sqrt(q / ((n - 1) * prec))
    return (-0.5 * np.log1p(tau**2 * s_xx) - 0.5 * (n - 1) * np.log(q)
            + math.log(2.0) + stats.t.logcdf(t_ratio, n - 1))


def dispersion_by_month(dates: np.ndarray, z: np.ndarray, min_pairs: int = 10) -> float:
    """Overdispersion of month means: median over consecutive populated months of
    (mean difference)^2 / (within-month variance (1/n1 + 1/n2)), over the chi-square(1) median
    0.455, floored at 1. Documents of one month share topics, so their scores are not
    independent; a step moves only the one or two pairs around it, so the median ignores it."""
    month = np.floor(dates * 12.0).astype(int)
    _, inv, counts = np.unique(month, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, z)
    means = sums / counts
    within = (float(z @ z) - float(sums @ means)) / max(len(z) - len(counts), 1)
    if len(counts) <= min_pairs or within <= 0:
        return 1.0
    ratio = np.diff(means) ** 2 / (within * (1.0 / counts[:-1] + 1.0 / counts[1:]))
    return max(1.0, float(np.median(ratio)) / float(stats.chi2.median(1)))


def document_evidence(signal: DocumentScores, grid: ChangeGrid,
                      model: ChangeModel) -> SignalEvidence:
    """Evidence from per-document scores: a mean shift (up, or down when ``rises_after`` is
    False) of their normal scores, centred on the change date and spread over the fall time."""
    d = np.asarray(signal.dates, dtype=float)
    sign = 1.0 if signal.rises_after else -1.0
    z = sign * normal_scores(np.asarray(signal.scores, dtype=float))
    cum_n = _cumulative(d, np.ones(len(d)), grid)
    cum_z = _cumulative(d, z, grid)
    zz = float(z @ z)
    widths, prior = _widths(grid, model)
    s_zz = zz - float(z.sum()) ** 2 / len(d)
    if s_zz <= 1e-9 * len(d):
        # every score tied (e.g. one repeated document): no spread, so no evidence of a change
        # either way; a flat likelihood lets the minimum-evidence rule say so
        return SignalEvidence(
            name=signal.name, label=signal.label, kind="documents", n=len(d), dates=np.sort(d),
            width_loglik=np.zeros((grid.n_cells - 1, len(widths))), width_prior=prior,
            widths=widths, log_null=0.0, null_level=float("nan"), dispersion=1.0)
    per_width = np.stack([
        _document_ramp(cum_n, cum_z, zz, grid, w, model.sub_bins, model.shift_prior_sd)
        for w in widths], 1)
    phi = dispersion_by_month(d, z) if model.month_dispersion else 1.0
    return SignalEvidence(
        name=signal.name, label=signal.label, kind="documents", n=len(d), dates=np.sort(d),
        width_loglik=per_width / phi, width_prior=prior, widths=widths,
        log_null=float(-0.5 * (len(d) - 1) * math.log(s_zz)) / phi, null_level=float("nan"),
        dispersion=phi,
    )


def signal_evidence(signal: Signal, grid: ChangeGrid, model: ChangeModel) -> SignalEvidence:
    """Dispatch on the signal's type."""
    if isinstance(signal, ProbeOutcomes):
        return probe_evidence(signal, grid, model)
    return document_evidence(signal, grid, model)
