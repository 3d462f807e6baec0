"""Derive the level calibration of the knowledge-cutoff interval (``LevelCalibration``).

The plain 90% credible interval over-covers where the data say little and slightly under-covers
where they say much. ``LevelCalibration`` therefore reports a different central share of the
posterior, chosen by the *spread* of the plain 90% interval (its width over the dated range,
a quantity the estimator sees): the tail probability (10%) is multiplied by a factor that is 1
up to one spread and rises linearly to a second value at another, constant beyond. This script
re-derives that mapping from simulation, so the shipped constants can be checked and refitted.

Suites and truths are those of ``bench/bench_cutoff_coverage.py`` (same ``draw_suite``,
``team_suite`` and per-cell seeds; models at chance are left out: they have no date to cover):
the team suite (40 facts, 2-4 a year) and 40, 100, 200, 600 and 2,000 probes, each with a step,
a logistic and a linear decline, dates recorded to the month, the year or mixed. Each run goes
through the library's public API (``collect_evidence``, ``estimate_from_evidence``); the
posterior over the change date is rebuilt from the returned evidence (uniform prior on the
grid's candidates, as the estimator documents) and checked against the estimator's own plain
interval in every run. From it each run gives

* its spread: width of the plain 90% interval / dated range;
* the *level needed*: the smallest central posterior share whose equal-tailed interval holds the
  true date, |2 F(T) - 1| for the posterior distribution function F. A central share L covers
  the run exactly when the level needed is at most L.

Runs are grouped by spread (the bins of docs/validation.md, section 1); in each bin the share
that covers 90% of true dates is the bin's 90% quantile of the level needed, and the tail
multiplier it implies is (1 - that share) / 0.1. The mapping is then fitted in the shipped
family (multiplier 1 up to spread ``s0``, linear to ``m1`` at ``s1``, constant beyond; never
below 1, so the calibration only narrows) by grid search, minimising the runs-weighted squared
distance of each bin's coverage from 90%. The shipped constants are evaluated the same way and,
through the estimator itself, checked in every run.

    nice python bench/derive_cutoff_calibration.py            # 150 runs a cell: 2,400, ~5 min
    nice python bench/derive_cutoff_calibration.py --quick    # 40 runs a cell, ~1.5 min
    nice python bench/derive_cutoff_calibration.py --seed 20241206 --reps 100

Seeded (default 20241205, the seed the shipped constants were read off); the estimator uses no
randomness. Prints the tables and writes ``bench/results/cutoff_calibration.json``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from multiprocessing import Pool  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_cutoff_coverage as sim  # noqa: E402

from alignaudit.recency.changepoint import (  # noqa: E402
    CutoffSettings,
    Evidence,
    LevelCalibration,
    collect_evidence,
    estimate_from_evidence,
)

SEED = 20241205
"""The seed the shipped ``LevelCalibration`` was read off (bench_cutoff_coverage checks it on
20241206)."""
CONFIDENCE = 0.9
"""The nominal level the calibration is fitted at."""
KINDS = ("step", "logistic", "linear")
"""Truth shapes with a date to cover (models at chance have none)."""
BINS = (0.0, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, math.inf)
"""Spread bins, as in docs/validation.md section 1."""
GRID_S0 = tuple(round(0.05 * i, 2) for i in range(1, 7))
GRID_S1 = tuple(round(0.3 + 0.05 * i, 2) for i in range(11))
GRID_M1 = tuple(round(1.5 + 0.1 * i, 1) for i in range(21))
"""Candidate knots of the fit: lower spread, upper spread, multiplier at the upper spread."""
CHECK_TOL = 1e-6
"""Largest allowed gap (years) between the rebuilt and the estimator's interval ends."""
OUT = ROOT / "bench" / "results" / "cutoff_calibration.json"


@dataclass(frozen=True)
class Run:
    """One simulated suite, as the calibration needs it."""

    n: int  # probes (0: the team suite)
    kind: str  # truth shape
    resolution: str  # how its dates were recorded
    spread: float  # width of the plain 90% interval / dated range
    needed: float  # smallest central posterior share holding the true date
    reported: bool  # the evidence rule gives an estimate
    covered_shipped: bool  # the estimator's interval (shipped calibration) holds the true date
    check_gap: float  # max |rebuilt - estimator| over the plain and shipped interval ends


@dataclass(frozen=True)
class Mapping:
    """A tail multiplier piecewise linear in the spread, in ``LevelCalibration``'s family."""

    spread: tuple[float, float]
    tail_scale: tuple[float, float]

    def calibration(self) -> LevelCalibration:
        return LevelCalibration(spread=self.spread, tail_scale=self.tail_scale)


@dataclass(frozen=True)
class BinRow:
    """Runs in one spread bin and what they need."""

    spread_low: float
    spread_high: float | None  # None: no upper end
    runs: int
    coverage_plain: float  # share of runs the plain 90% interval covers
    level_needed: float  # central share covering 90% of the bin's runs
    multiplier_needed: float  # (1 - level_needed) / (1 - CONFIDENCE)
    multiplier_shipped: float  # shipped multiplier at the bin's middle (its lower end if open)
    coverage_shipped: float  # coverage with the shipped mapping
    coverage_fitted: float  # coverage with the fitted mapping


# ---------------------------------------------------------------------------- runs


def posterior_cdf(evidence: Evidence) -> tuple[np.ndarray, np.ndarray]:
    """Cell edges and the posterior distribution function on them (uniform prior on the
    candidates, each candidate's mass spread evenly over its cell), as the estimator defines it."""
    total = np.sum([ev.loglik for ev in evidence.signals], axis=0)
    weights = np.exp(total - special.logsumexp(total))
    grid = evidence.grid
    edges = np.concatenate([grid.candidates - grid.step / 2, grid.candidates[-1:] + grid.step / 2])
    return edges, np.minimum(np.concatenate([[0.0], np.cumsum(weights)]), 1.0)


def central(edges: np.ndarray, cdf: np.ndarray, level: float) -> tuple[float, float]:
    """The equal-tailed interval holding the central ``level`` share of the posterior."""
    tail = (1.0 - level) / 2.0
    return float(np.interp(tail, cdf, edges)), float(np.interp(1.0 - tail, cdf, edges))


def run_one(n: int, kind: str, rng: np.random.Generator) -> Run:
    """Simulate one suite, estimate its cutoff plainly and as shipped, and rebuild the posterior."""
    signal, truth, resolution = sim.team_suite(rng) if n == 0 else sim.draw_suite(rng, n, kind)
    shipped = CutoffSettings(confidence=CONFIDENCE)
    plain = shipped.model_copy(update={"calibration": sim.PLAIN})
    ev = collect_evidence([signal], shipped.model)
    est_plain = estimate_from_evidence(ev.signals, ev.grid, plain)
    est_shipped = estimate_from_evidence(ev.signals, ev.grid, shipped)
    edges, cdf = posterior_cdf(ev)
    low, high = central(edges, cdf, CONFIDENCE)
    spread = (high - low) / max(est_plain.date_max - est_plain.date_min, 1e-9)
    level = shipped.calibration.level(CONFIDENCE, spread)
    s_low, s_high = central(edges, cdf, level)
    gap = max(abs(low - est_plain.ci_low), abs(high - est_plain.ci_high),
              abs(s_low - est_shipped.ci_low), abs(s_high - est_shipped.ci_high),
              abs(level - est_shipped.credible_level))
    t = truth.estimand
    return Run(n=n, kind=kind, resolution=resolution, spread=spread,
               needed=abs(2.0 * float(np.interp(t, edges, cdf)) - 1.0),
               reported=est_plain.status == "estimate",
               covered_shipped=bool(est_shipped.ci_low <= t <= est_shipped.ci_high),
               check_gap=gap)


def run_cell(job: tuple[int, str, int, int]) -> list[Run]:
    """``reps`` runs of one cell (n = 0: the team suite), seeded as bench_cutoff_coverage's."""
    n, kind, reps, seed = job
    seeds = sim.cell_seeds(seed, n, "team" if n == 0 else kind, reps)
    return [run_one(n, kind, np.random.default_rng(ss)) for ss in seeds]


def simulate(reps: int, seed: int, workers: int) -> list[Run]:
    """All runs: the team suite, then every size x truth shape; large cells are started first."""
    cells = [(0, "step")] + [(n, k) for n in sim.SIZES for k in KINDS]
    jobs = [(n, k, reps, seed) for n, k in sorted(cells, key=lambda c: -c[0])]
    if workers <= 1:
        done = [run_cell(j) for j in jobs]
    else:
        with Pool(workers, initializer=sim._nice, initargs=(10,)) as pool:
            done = pool.map(run_cell, jobs, chunksize=1)
    by_cell = {(j[0], j[1]): runs for j, runs in zip(jobs, done, strict=True)}
    return [r for c in cells for r in by_cell[c]]


# ---------------------------------------------------------------------------- fit


def levels(mapping: Mapping, spread: np.ndarray) -> np.ndarray:
    """Central share reported at each spread, as ``LevelCalibration.level`` computes it."""
    scale = np.interp(spread, mapping.spread, mapping.tail_scale)
    return np.maximum(1.0 - (1.0 - CONFIDENCE) * scale, 0.5)


def bin_index(spread: np.ndarray) -> np.ndarray:
    return np.digitize(spread, BINS[1:-1])


def loss(mapping: Mapping, spread: np.ndarray, needed: np.ndarray) -> float:
    """Runs-weighted squared distance of each spread bin's coverage from CONFIDENCE."""
    covered = needed <= levels(mapping, spread)
    idx = bin_index(spread)
    return float(sum(np.sum(idx == b) * (covered[idx == b].mean() - CONFIDENCE) ** 2
                     for b in range(len(BINS) - 1) if np.any(idx == b)))


def fit(spread: np.ndarray, needed: np.ndarray) -> Mapping:
    """The grid mapping (multiplier 1 up to s0, linear to m1 at s1) with the least ``loss``;
    ties go to the first in grid order."""
    candidates = [Mapping((s0, s1), (1.0, m1))
                  for s0, s1, m1 in itertools.product(GRID_S0, GRID_S1, GRID_M1) if s1 > s0]
    return min(candidates, key=lambda m: loss(m, spread, needed))


def bin_table(spread: np.ndarray, needed: np.ndarray, shipped: Mapping,
              fitted: Mapping) -> list[BinRow]:
    idx = bin_index(spread)
    rows = []
    for b, (lo, hi) in enumerate(itertools.pairwise(BINS)):
        m = idx == b
        if not m.any():
            continue
        level = float(np.quantile(needed[m], CONFIDENCE))
        mid = lo if math.isinf(hi) else (lo + hi) / 2
        rows.append(BinRow(
            spread_low=lo, spread_high=None if math.isinf(hi) else hi, runs=int(m.sum()),
            coverage_plain=float(np.mean(needed[m] <= CONFIDENCE)), level_needed=level,
            multiplier_needed=(1.0 - level) / (1.0 - CONFIDENCE),
            multiplier_shipped=float(np.interp(mid, shipped.spread, shipped.tail_scale)),
            coverage_shipped=float(np.mean(needed[m] <= levels(shipped, spread[m]))),
            coverage_fitted=float(np.mean(needed[m] <= levels(fitted, spread[m])))))
    return rows


def cell_coverage(runs: list[Run], shipped: Mapping, fitted: Mapping) -> list[dict[str, object]]:
    """Coverage per size x truth cell: plain, shipped and fitted."""
    out: list[dict[str, object]] = []
    for n, kind in dict.fromkeys((r.n, r.kind) for r in runs):
        cell = [r for r in runs if (r.n, r.kind) == (n, kind)]
        s = np.array([r.spread for r in cell])
        q = np.array([r.needed for r in cell])
        out.append({"n": n, "truth": kind, "runs": len(cell),
                    "coverage_plain": float(np.mean(q <= CONFIDENCE)),
                    "coverage_shipped": float(np.mean(q <= levels(shipped, s))),
                    "coverage_fitted": float(np.mean(q <= levels(fitted, s)))})
    return out


# ---------------------------------------------------------------------------- output


def _spread_label(row: BinRow) -> str:
    return (f"{row.spread_low:.2f}-{row.spread_high:.2f}" if row.spread_high is not None
            else f">= {row.spread_low:.2f}")


def print_tables(rows: list[BinRow], cells: list[dict[str, object]], shipped: Mapping,
                 fitted: Mapping, losses: dict[str, float]) -> None:
    print("| spread | runs | plain 90%: coverage | level needed for 90% | tail multiplier "
          "needed | shipped multiplier | coverage, shipped | coverage, fitted |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {_spread_label(r)} | {r.runs} | {r.coverage_plain:.3f} | {r.level_needed:.3f} | "
              f"{r.multiplier_needed:.2f} | {r.multiplier_shipped:.2f} | "
              f"{r.coverage_shipped:.3f} | {r.coverage_fitted:.3f} |")
    print("\n## Mapping: tail multiplier 1 up to spread s0, linear to m1 at s1, constant beyond\n")
    for name, m in (("shipped (LevelCalibration)", shipped), ("fitted", fitted)):
        print(f"- {name}: spread {m.spread}, tail_scale {m.tail_scale}; level at s1 "
              f"{levels(m, np.array([m.spread[1]]))[0]:.3f}; loss {losses[name.split()[0]]:.3f}")
    same = fitted == shipped
    print(f"\nFitted mapping {'equals' if same else 'differs from'} the shipped constants "
          f"(grid: s0 step 0.05, s1 step 0.05, m1 step 0.1).")
    print("\n## Coverage by cell (size x truth)\n")
    print("| probes | truth | runs | plain | shipped | fitted |\n|---|---|---|---|---|---|")
    for c in cells:
        n = "40 (team)" if c["n"] == 0 else str(c["n"])
        print(f"| {n} | {c['truth']} | {c['runs']} | {c['coverage_plain']:.3f} | "
              f"{c['coverage_shipped']:.3f} | {c['coverage_fitted']:.3f} |")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=150, help="runs per cell (default 150)")
    p.add_argument("--quick", action="store_true", help="40 runs a cell")
    p.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", type=Path, default=OUT)
    a = p.parse_args(argv)
    reps = 40 if a.quick else a.reps
    began = time.time()
    runs = simulate(reps, a.seed, a.workers)
    gap = max(r.check_gap for r in runs)
    if gap > CHECK_TOL:
        raise SystemExit(f"rebuilt posterior disagrees with the estimator by {gap:.3g} years")
    mismatch = sum(r.covered_shipped != (r.needed <= LevelCalibration().level(CONFIDENCE, r.spread))
                   for r in runs)
    spread = np.array([r.spread for r in runs])
    needed = np.array([r.needed for r in runs])
    default = LevelCalibration()
    shipped = Mapping(default.spread, default.tail_scale)
    fitted = fit(spread, needed)
    losses = {"shipped": loss(shipped, spread, needed), "fitted": loss(fitted, spread, needed)}
    rows = bin_table(spread, needed, shipped, fitted)
    cells = cell_coverage(runs, shipped, fitted)
    elapsed = time.time() - began
    print(f"## Level needed for {CONFIDENCE:.0%} coverage, by spread of the plain interval "
          f"({len(runs)} runs: {reps} a cell, seed {a.seed})\n")
    print_tables(rows, cells, shipped, fitted, losses)
    print(f"\nEstimator check: rebuilt intervals within {gap:.1e} years of the estimator's; "
          f"shipped coverage counted two ways differs in {mismatch} run(s).")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({
        "bench": "cutoff_calibration",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": a.seed, "reps": reps, "runs": len(runs), "quick": a.quick,
        "confidence": CONFIDENCE, "bins": list(BINS[:-1]),
        "fit": {"loss": "sum over spread bins of runs * (coverage - confidence)^2",
                "grid": {"s0": list(GRID_S0), "s1": list(GRID_S1), "m1": list(GRID_M1)}},
        "shipped": asdict(shipped), "fitted": asdict(fitted), "loss": losses,
        "fitted_equals_shipped": fitted == shipped,
        "table": [asdict(r) for r in rows], "cells": cells,
        "check": {"max_gap_years": gap, "shipped_coverage_mismatches": mismatch},
        "coverage": {"plain": float(np.mean(needed <= CONFIDENCE)),
                     "shipped": float(np.mean([r.covered_shipped for r in runs]))},
        "machine": platform.platform(), "wall_s": round(elapsed, 1)}, indent=1) + "\n")
    print(f"\nwrote {a.out.relative_to(ROOT) if a.out.is_relative_to(ROOT) else a.out} "
          f"({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
