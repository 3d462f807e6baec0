"""Coverage of the knowledge-cutoff interval in simulation, at every suite size.

Draws probe suites whose true change date is known, runs the library's estimator
(``alignaudit.recency.changepoint``) on each, and counts how often its interval covers the truth.

Suites (``draw_suite``): n probes over 2012-2026 in periods (a year up to 200 probes, a quarter
above), uneven like real suites: each period's share is lognormal (sd 0.7) times a recency trend
(x1.16 a year), and 15% of periods are empty. Each run records its dates at one resolution,
drawn per run: all at month resolution, all at year resolution (every fact dated "YYYY", recorded
at mid-year), or mixed (each probe year-dated with probability 1/2). Chance is 0.25.

Truths (``draw_truth``): a step from accuracy U(0.45, 0.9) to chance at T ~ U(2015, 2024); a
logistic or linear decline from U(0.6, 0.9) to chance over 2-6 years (10%-90% time for the
logistic, the whole fall for the linear), midpoint U(2015.5, 2022.5); and a model at chance
throughout. The estimand is the date knowledge has fallen halfway (the step date, the midpoint).

Per cell (size x truth): coverage of the interval as computed (whether or not an estimate is
reported), coverage among runs with an estimate, median width, share reported. Also the
"team suite": 40 facts, 2-4 a year, a step from 0.75 to chance. Seeded through
``numpy.random.SeedSequence`` (one per cell and run); the estimator itself uses no randomness.

    nice python bench/bench_cutoff_coverage.py            # 150 runs a cell: ~11 min, 2 busy cores
    nice python bench/bench_cutoff_coverage.py --quick    # 40 runs a cell, sizes 40-600
    nice python bench/bench_cutoff_coverage.py --reps 100 --workers 2

Writes ``bench/results/cutoff_coverage.json`` and prints the markdown tables.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from multiprocessing import Pool  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import expit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alignaudit.recency.changepoint import (  # noqa: E402
    CutoffSettings,
    LevelCalibration,
    collect_evidence,
    estimate_from_evidence,
)
from alignaudit.recency.cutoff import METHOD  # noqa: E402
from alignaudit.recency.signals import ProbeOutcomes  # noqa: E402

START, END = 2012.0, 2026.0
SIZES = (40, 100, 200, 600, 2000)
TRUTHS = ("step", "logistic", "linear", "chance")
RESOLUTIONS = ("month", "year", "mixed")
CHANCE = 0.25
SEED = 20241206
"""The table's seed. The level calibration (``LevelCalibration``) was read off runs of seed
20241205, so the table checks it on data it was not fitted to."""
PLAIN = LevelCalibration(tail_scale=(1.0, 1.0))
OUT = ROOT / "bench" / "results" / "cutoff_coverage.json"


@dataclass(frozen=True)
class Truth:
    """A simulated model: knowledge (0 = chance, 1 = all known) by date, and the estimand."""

    kind: str
    estimand: float  # the step date or the decline's midpoint; nan at chance
    knowledge: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Run:
    """One simulated suite's result."""

    covered: bool  # the interval (as computed) holds the estimand
    reported: bool  # the evidence rule gives an estimate
    width: float  # ci_high - ci_low, years
    error: float  # |estimate - estimand|, years
    resolution: str  # how its dates were recorded
    covered_plain: bool  # the plain central 90% of the posterior (no calibration) holds it
    width_plain: float  # its width


@dataclass(frozen=True)
class CellResult:
    """Summary of one size x truth cell."""

    n: int
    truth: str
    reps: int
    coverage: float  # all runs (nan at chance)
    coverage_reported: float  # runs with an estimate only
    reported: float  # share of runs with an estimate
    median_width: float  # years, all runs
    median_width_reported: float  # years, runs with an estimate
    median_error: float  # |estimate - truth|, years, all runs
    coverage_by_resolution: dict[str, float]
    coverage_plain: float  # the uncalibrated central share, all runs
    median_width_plain: float


# ---------------------------------------------------------------------------- data


def draw_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    """True event dates: uneven periods (a year up to 200 probes, a quarter above)."""
    per_year = 1 if n <= 200 else 4
    starts = np.arange(START, END, 1.0 / per_year)
    weight = np.exp(0.15 * (starts - START)) * rng.lognormal(0.0, 0.7, len(starts))
    weight[rng.random(len(starts)) < 0.15] = 0.0
    counts = rng.multinomial(n, weight / weight.sum())
    return np.repeat(starts, counts) + rng.random(n) / per_year


def team_dates(rng: np.random.Generator) -> np.ndarray:
    """A team's 40 facts: 2-4 every year 2012-2025 (two each, then 12 more in distinct slots)."""
    years = np.arange(START, END)
    extra = rng.choice(2 * len(years), size=40 - 2 * len(years), replace=False) % len(years)
    counts = 2 + np.bincount(extra, minlength=len(years))
    return np.repeat(years, counts) + rng.random(40)


def record(rng: np.random.Generator, dates: np.ndarray, resolution: str) -> np.ndarray:
    """Dates as a suite records them: the middle of the month, or of the year ("YYYY")."""
    month = (np.floor(dates * 12.0) + 0.5) / 12.0
    year = np.floor(dates) + 0.5
    if resolution == "month":
        return month
    if resolution == "year":
        return year
    return np.where(rng.random(len(dates)) < 0.5, year, month)


def spans_of(dates: np.ndarray) -> np.ndarray:
    """The period each recorded date names, as a run knows it: a year for mid-year dates
    (month middles never fall on x.5), else a month."""
    return np.where(np.isclose(dates % 1.0, 0.5), 1.0, 1.0 / 12.0)


def draw_truth(rng: np.random.Generator, kind: str) -> Truth:
    """Knowledge over time for one simulated model (see the module docstring)."""
    if kind == "chance":
        return Truth(kind, float("nan"), lambda d: np.zeros_like(d))
    if kind == "step":
        t, k = rng.uniform(2015, 2024), (rng.uniform(0.45, 0.9) - CHANCE) / (1 - CHANCE)
        return Truth(kind, t, lambda d: np.where(d < t, k, 0.0))
    mid, fall = rng.uniform(2015.5, 2022.5), rng.uniform(2, 6)
    k = (rng.uniform(0.6, 0.9) - CHANCE) / (1 - CHANCE)
    if kind == "logistic":
        scale = fall / (2 * math.log(9))
        return Truth(kind, mid, lambda d: k * expit(-(d - mid) / scale))
    return Truth(kind, mid, lambda d: k * np.clip(0.5 - (d - mid) / fall, 0.0, 1.0))


def draw_suite(rng: np.random.Generator, n: int, kind: str) -> tuple[ProbeOutcomes, Truth, str]:
    """One simulated suite: outcomes drawn at the true dates, dates recorded at a resolution."""
    truth = draw_truth(rng, kind)
    true_dates = draw_dates(rng, n) if n else team_dates(rng)
    resolution = RESOLUTIONS[rng.integers(len(RESOLUTIONS))]
    correct = rng.random(len(true_dates)) < CHANCE + (1 - CHANCE) * truth.knowledge(true_dates)
    dates = record(rng, true_dates, resolution)
    return ProbeOutcomes("facts", dates, correct, np.full(len(dates), CHANCE),
                         spans=spans_of(dates)), truth, resolution


def team_suite(rng: np.random.Generator) -> tuple[ProbeOutcomes, Truth, str]:
    """The team suite: 40 facts, 2-4 a year, a step from 0.75 to chance at T ~ U(2015, 2023)."""
    t = rng.uniform(2015, 2023)
    truth = Truth("step", t, lambda d: np.where(d < t, 2 / 3, 0.0))
    true_dates = team_dates(rng)
    resolution = RESOLUTIONS[rng.integers(len(RESOLUTIONS))]
    correct = rng.random(40) < CHANCE + (1 - CHANCE) * truth.knowledge(true_dates)
    dates = record(rng, true_dates, resolution)
    return ProbeOutcomes("facts", dates, correct, np.full(40, CHANCE),
                         spans=spans_of(dates)), truth, resolution


# ---------------------------------------------------------------------------- runs


def cell_seeds(seed: int, n: int, kind: str, reps: int) -> list[np.random.SeedSequence]:
    """One seed per run; a cell's runs do not depend on which other cells run."""
    return np.random.SeedSequence([seed, n, [*TRUTHS, "team"].index(kind)]).spawn(reps)


def run_one(signal: ProbeOutcomes, truth: Truth, resolution: str,
            settings: CutoffSettings) -> Run:
    """The estimate as the library gives it, and the plain credible interval beside it."""
    ev = collect_evidence([signal], settings.model)
    est = estimate_from_evidence(ev.signals, ev.grid, settings)
    plain = estimate_from_evidence(ev.signals, ev.grid,
                                   settings.model_copy(update={"calibration": PLAIN}))
    t = truth.estimand
    return Run(covered=bool(est.ci_low <= t <= est.ci_high), reported=est.status == "estimate",
               width=est.ci_high - est.ci_low, error=abs(est.estimate - t), resolution=resolution,
               covered_plain=bool(plain.ci_low <= t <= plain.ci_high),
               width_plain=plain.ci_high - plain.ci_low)


def run_cell(job: tuple[int, str, int, int, float]) -> list[Run]:
    """``reps`` runs of one cell (n = 0: the team suite); ``confidence`` of the interval."""
    n, kind, reps, seed, confidence = job
    settings = CutoffSettings(confidence=confidence)
    out = []
    for ss in cell_seeds(seed, n, "team" if n == 0 else kind, reps):
        rng = np.random.default_rng(ss)
        signal, truth, res = team_suite(rng) if n == 0 else draw_suite(rng, n, kind)
        out.append(run_one(signal, truth, res, settings))
    return out


def summarise(n: int, kind: str, runs: list[Run]) -> CellResult:
    cov = np.array([r.covered for r in runs])
    rep = np.array([r.reported for r in runs])
    width = np.array([r.width for r in runs])
    res = np.array([r.resolution for r in runs])
    at_chance = kind == "chance"

    def share(mask: np.ndarray) -> float:
        return float("nan") if at_chance or not mask.any() else float(cov[mask].mean())

    return CellResult(
        n=n, truth=kind, reps=len(runs), coverage=share(np.ones(len(runs), bool)),
        coverage_reported=share(rep), reported=float(rep.mean()),
        median_width=float(np.median(width)),
        median_width_reported=float(np.median(width[rep])) if rep.any() else float("nan"),
        median_error=float("nan") if at_chance else float(np.median([r.error for r in runs])),
        coverage_by_resolution={r: share(res == r) for r in RESOLUTIONS},
        coverage_plain=float("nan") if at_chance else float(np.mean([r.covered_plain
                                                                      for r in runs])),
        median_width_plain=float(np.median([r.width_plain for r in runs])))


def _nice(level: int) -> None:
    os.nice(max(0, level - os.nice(0)))


def run_grid(cells: list[tuple[int, str]], reps: int, seed: int, workers: int,
             confidence: float = 0.9) -> list[CellResult]:
    """Every cell's summary, in the order given; the slow (large) cells are started first."""
    jobs = [(n, kind, reps, seed, confidence) for n, kind in cells]
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][0])
    if workers <= 1:
        done = [run_cell(jobs[i]) for i in order]
    else:
        with Pool(workers, initializer=_nice, initargs=(10,)) as pool:
            done = pool.map(run_cell, [jobs[i] for i in order], chunksize=1)
    runs = dict(zip(order, done, strict=True))
    return [summarise(n, kind, runs[i]) for i, (n, kind) in enumerate(cells)]


# ---------------------------------------------------------------------------- width scaling

SCALING_SIZES = (224, 448, 896, 1792, 3584)
"""Probes spread evenly over 2012-2026: 4 to 64 a quarter."""


def scaling_job(job: tuple[int, str, int, int]) -> tuple[int, str, float]:
    """Median width at ``n`` evenly spread month-dated probes: a step from 0.75 to chance, or a
    linear 3-year decline, at T ~ U(2017, 2021)."""
    n, shape, reps, seed = job
    settings, widths = CutoffSettings(), []
    for ss in np.random.SeedSequence([seed, n, len(shape), 99]).spawn(reps):
        rng = np.random.default_rng(ss)
        t, d = rng.uniform(2017, 2021), record(rng, rng.uniform(START, END, n), "month")
        ramp = (d < t).astype(float) if shape == "step" else np.clip(0.5 - (d - t) / 3, 0, 1)
        y = rng.random(n) < CHANCE + (1 - CHANCE) * (2 / 3) * ramp
        truth = Truth(shape, t, lambda x: x)
        widths.append(run_one(ProbeOutcomes("f", d, y, np.full(n, CHANCE)), truth, "month",
                              settings).width)
    return n, shape, float(np.median(widths))


@dataclass(frozen=True)
class Scaling:
    """Median width by density, and the log-log slope of width on density."""

    per_quarter: list[float]
    step: list[float]  # median width (years) of a step at each density
    decline: list[float]  # the same for a 3-year linear decline
    slope: dict[str, float]  # "step", "decline"


def scaling(reps: int, seed: int, workers: int) -> Scaling:
    """Median width by probes per quarter, and the log-log slope of width on density."""
    jobs = [(n, s, reps, seed) for s in ("step", "decline") for n in SCALING_SIZES[::-1]]
    if workers <= 1:
        rows = [scaling_job(j) for j in jobs]
    else:
        with Pool(workers, initializer=_nice, initargs=(10,)) as pool:
            rows = pool.map(scaling_job, jobs, chunksize=1)
    width = {(n, s): w for n, s, w in rows}
    slope = {s: float(np.polyfit(np.log(SCALING_SIZES), np.log([width[n, s] for n in
                                                                  SCALING_SIZES]), 1)[0])
             for s in ("step", "decline")}
    return Scaling(per_quarter=[n / 56 for n in SCALING_SIZES],
                   step=[width[n, "step"] for n in SCALING_SIZES],
                   decline=[width[n, "decline"] for n in SCALING_SIZES], slope=slope)


def scaling_table(res: Scaling) -> str:
    lines = ["| probes per quarter | step: median width (y) | 3-year decline: median width (y) |",
             "|---|---|---|"]
    for q, a, b in zip(res.per_quarter, res.step, res.decline, strict=True):
        lines.append(f"| {q:.0f} | {a:.3f} | {b:.3f} |")
    return "\n".join(lines) + (f"\n\nlog-log slope of width on density: step "
                               f"{res.slope['step']:.2f}, decline {res.slope['decline']:.2f}")


# ---------------------------------------------------------------------------- tables


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.0%}"


def coverage_table(results: list[CellResult]) -> str:
    lines = ["| probes | truth | coverage (all runs) | coverage (estimate reported) | "
             "median width (y) | reported | month / year / mixed dates | uncalibrated: "
             "coverage, width |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r.truth == "chance":
            continue
        n = "40 (team, 2-4 a year)" if r.n == 0 else str(r.n)
        by_res = " / ".join(_pct(r.coverage_by_resolution[k]) for k in RESOLUTIONS)
        lines.append(f"| {n} | {r.truth} | {_pct(r.coverage)} | {_pct(r.coverage_reported)} | "
                     f"{r.median_width:.2f} | {_pct(r.reported)} | {by_res} | "
                     f"{_pct(r.coverage_plain)}, {r.median_width_plain:.2f} |")
    return "\n".join(lines)


def chance_table(results: list[CellResult]) -> str:
    lines = ["| probes | no estimate |", "|---|---|"]
    lines += [f"| {r.n} | {1 - r.reported:.0%} |" for r in results if r.truth == "chance"]
    return "\n".join(lines)


def _json_safe(value: object) -> object:
    """NaN (no coverage at chance, nothing reported) as null: strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=150, help="runs per cell (default 150)")
    p.add_argument("--quick", action="store_true", help="40 runs a cell, sizes 40-600")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--confidence", type=float, default=0.9)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--scaling-reps", type=int, default=40,
                   help="runs per size of the width-scaling table (0: skip it)")
    a = p.parse_args(argv)
    reps, sizes = (40, SIZES[:4]) if a.quick else (a.reps, SIZES)
    cells = [(0, "step")] + [(n, t) for n in sizes for t in TRUTHS]
    began = time.time()
    results = run_grid(cells, reps, a.seed, a.workers, a.confidence)
    print(f"## Coverage of the {a.confidence:.0%} interval ({reps} runs a cell, seed {a.seed})\n")
    print(coverage_table(results))
    print("\n## At chance: share of runs with no estimate\n")
    print(chance_table(results))
    scale_reps = min(a.scaling_reps, 10) if a.quick else a.scaling_reps
    widths = scaling(scale_reps, a.seed, a.workers) if scale_reps else None
    if widths:
        print(f"\n## Width against density ({scale_reps} runs a size)\n")
        print(scaling_table(widths))
    elapsed = time.time() - began
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({
        "bench": "cutoff_coverage", "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": a.seed, "reps": reps, "confidence": a.confidence, "quick": a.quick,
        "method": METHOD, "settings": CutoffSettings(confidence=a.confidence).model_dump(),
        "machine": platform.platform(), "wall_s": round(elapsed, 1),
        "cells": _json_safe([asdict(r) for r in results]),
        "scaling": asdict(widths) if widths else None}, indent=1, allow_nan=False) + "\n")
    print(f"\nwrote {a.out.relative_to(ROOT) if a.out.is_relative_to(ROOT) else a.out} "
          f"({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
