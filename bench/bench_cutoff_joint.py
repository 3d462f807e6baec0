"""The joint cutoff in simulation: several signals, of which some show the change and some none.

A run's signals rarely all change at the cutoff. A generated suite about a project the model never
read stays near chance at every date; a corpus whose style drifts may show no change in
perplexity. The joint estimate lets each signal show the shared change or none of its own
(``CutoffSettings.share_prior``). This bench measures, on the suites and truths of
``bench_cutoff_coverage.py`` (sizes, uneven periods, date resolutions, step and decline truths):

- **facts + flat signals**: a suite whose knowledge changes at T, beside a 400-probe suite at a
  constant knowledge U(0.1, 0.6) and 400 documents whose scores do not change. Coverage and width
  of the joint interval against the changing suite alone, and against the earlier rule that asks
  every signal to change (``share_prior=1``).
- **facts + documents, both changing at T**: 400 documents dated evenly over 2012-2026 whose
  score (a log-perplexity, in units of its spread) rises by U(0.2, 0.8) following the same
  truth as the facts.
- **documents change, facts flat**: the documents carry the change, a 200-probe suite is flat.
- **nothing changes**: a suite at chance, a flat suite and flat documents: the share of runs with
  no estimate.

"Reported" means what a run would print: a joint estimate that passes the evidence rule, with no
two signals' own intervals apart (``describe_disagreement``).

    nice python bench/bench_cutoff_joint.py               # 100 runs a cell: ~10 min, 2 busy cores
    nice python bench/bench_cutoff_joint.py --quick       # 30 runs a cell

Writes ``bench/results/cutoff_joint.json`` and prints the table.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from multiprocessing import Pool  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alignaudit.recency.changepoint import CutoffSettings  # noqa: E402
from alignaudit.recency.joint import JointEstimate, estimate_cutoff  # noqa: E402
from alignaudit.recency.signals import DocumentScores, ProbeOutcomes, Signal  # noqa: E402
from bench.bench_cutoff_coverage import (  # noqa: E402
    CHANCE,
    END,
    START,
    Truth,
    _json_safe,
    _nice,
    _pct,
    draw_dates,
    draw_suite,
    draw_truth,
    spans_of,
)

SEED = 20241208
OUT = ROOT / "bench" / "results" / "cutoff_joint.json"
SCENARIOS = ("facts+flat", "facts+documents", "documents+flat", "nothing")
CELLS = (("facts+flat", 100, "step"), ("facts+flat", 100, "linear"),
         ("facts+flat", 600, "step"), ("facts+flat", 600, "linear"),
         ("facts+documents", 100, "step"), ("facts+documents", 100, "linear"),
         ("documents+flat", 0, "step"), ("nothing", 200, "chance"))
OLD = 1.0
"""``share_prior`` of the earlier rule: every signal must show the change."""


@dataclass(frozen=True)
class Outcome:
    """One estimate of one run: does its interval hold the truth, and is it reported."""

    covered: bool
    reported: bool
    width: float


@dataclass(frozen=True)
class JointRun:
    joint: Outcome  # every signal, each showing the change or none (the library's rule)
    old: Outcome  # every signal, each made to show it (share_prior = 1)
    alone: Outcome  # the changing signal by itself
    share_flat: float  # posterior probability that the first flat signal shows the change


def flat_suite(rng: np.random.Generator, n: int, name: str) -> ProbeOutcomes:
    """A suite whose knowledge stays at one level U(0.1, 0.6) at every date, month-dated."""
    dates = (np.floor(draw_dates(rng, n) * 12.0) + 0.5) / 12.0
    k = rng.uniform(0.1, 0.6)
    correct = rng.random(n) < CHANCE + (1 - CHANCE) * k
    return ProbeOutcomes(name, dates, correct, np.full(n, CHANCE), label=f"the {name} facts",
                         spans=spans_of(dates))


def documents(rng: np.random.Generator, n: int, truth: Truth | None) -> DocumentScores:
    """n documents dated evenly over the range; their score rises as knowledge falls."""
    dates = np.sort(rng.uniform(START, END, n))
    scores = rng.normal(0.0, 1.0, n)
    if truth is not None:
        before = truth.knowledge(np.array([START]))[0]
        scores += rng.uniform(0.2, 0.8) * (1.0 - truth.knowledge(dates) / before)
    return DocumentScores("documents", dates, scores)


def draw_run(rng: np.random.Generator, scenario: str, n: int, kind: str
             ) -> tuple[list[Signal], int, float]:
    """The run's signals, the index of the one that changes, and the true date."""
    if scenario == "documents+flat":
        truth = draw_truth(rng, kind)
        return [flat_suite(rng, 200, "flat"), documents(rng, 400, truth)], 1, truth.estimand
    facts, truth, _ = draw_suite(rng, n, kind)
    if scenario == "facts+documents":
        return [facts, documents(rng, 400, truth)], 0, truth.estimand
    return [facts, flat_suite(rng, 400, "flat"), documents(rng, 400, None)], 0, truth.estimand


def _outcome(found: JointEstimate, truth: float, alone: int | None = None) -> Outcome:
    est = found.joint if alone is None else found.per_signal[alone]
    reported = est.status == "estimate" and (alone is not None or not found.disagreement)
    covered = bool(est.ci_low <= truth <= est.ci_high) if truth == truth else False
    return Outcome(covered=covered, reported=reported, width=est.ci_high - est.ci_low)


def run_one(rng: np.random.Generator, scenario: str, n: int, kind: str) -> JointRun:
    signals, changing, truth = draw_run(rng, scenario, n, kind)
    new = estimate_cutoff(signals, CutoffSettings())
    old = estimate_cutoff(signals, CutoffSettings(share_prior=OLD))
    flat = next(i for i in range(len(signals)) if i != changing)
    return JointRun(joint=_outcome(new, truth), old=_outcome(old, truth),
                    alone=_outcome(new, truth, alone=changing),
                    share_flat=new.joint.shares[flat])


def run_cell(job: tuple[int, str, int, str, int]) -> list[JointRun]:
    index, scenario, n, kind, reps = job
    seeds = np.random.SeedSequence([SEED_BOX[0], index]).spawn(reps)
    return [run_one(np.random.default_rng(ss), scenario, n, kind) for ss in seeds]


SEED_BOX = [SEED]
"""The seed of this process (set by ``main``; workers inherit it by fork)."""


@dataclass(frozen=True)
class JointCell:
    scenario: str
    n: int
    truth: str
    reps: int
    coverage: float
    reported: float
    median_width: float
    coverage_alone: float
    reported_alone: float
    median_width_alone: float
    coverage_old: float
    reported_old: float
    median_share_flat: float


def summarise(scenario: str, n: int, kind: str, runs: list[JointRun]) -> JointCell:
    def stat(pick: str, what: str) -> float:
        values = [getattr(getattr(r, pick), what) for r in runs]
        if what == "width":
            return float(np.median(values))
        return float("nan") if what == "covered" and kind == "chance" else float(np.mean(values))

    return JointCell(
        scenario=scenario, n=n, truth=kind, reps=len(runs), coverage=stat("joint", "covered"),
        reported=stat("joint", "reported"), median_width=stat("joint", "width"),
        coverage_alone=stat("alone", "covered"), reported_alone=stat("alone", "reported"),
        median_width_alone=stat("alone", "width"), coverage_old=stat("old", "covered"),
        reported_old=stat("old", "reported"),
        median_share_flat=float(np.median([r.share_flat for r in runs])))


def table(cells: list[JointCell]) -> str:
    lines = ["| signals | changing signal | truth | joint: coverage, reported, median width (y) "
             "| the changing signal alone | earlier rule (all must change): coverage, reported "
             "| a flat signal shows the change (median P) |", "|---|---|---|---|---|---|---|"]
    what = {"facts+flat": "{n} facts + 400 flat facts + 400 flat documents",
            "facts+documents": "{n} facts + 400 documents, both changing",
            "documents+flat": "400 documents + 200 flat facts",
            "nothing": "{n} facts at chance + 400 flat facts + 400 flat documents"}
    for c in cells:
        changing = "documents" if c.scenario == "documents+flat" else (
            "none" if c.scenario == "nothing" else f"{c.n} facts")
        lines.append(
            f"| {what[c.scenario].format(n=c.n)} | {changing} | {c.truth} | "
            f"{_pct(c.coverage)}, {_pct(c.reported)}, {c.median_width:.2f} | "
            f"{_pct(c.coverage_alone)}, {_pct(c.reported_alone)}, {c.median_width_alone:.2f} | "
            f"{_pct(c.coverage_old)}, {_pct(c.reported_old)} | {c.median_share_flat:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=100, help="runs per cell (default 100)")
    p.add_argument("--quick", action="store_true", help="30 runs a cell")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", type=Path, default=OUT)
    a = p.parse_args(argv)
    SEED_BOX[0] = a.seed
    reps = 30 if a.quick else a.reps
    jobs = [(i, s, n, k, reps) for i, (s, n, k) in enumerate(CELLS)]
    began = time.time()
    with Pool(a.workers, initializer=_nice, initargs=(10,)) as pool:
        done = pool.map(run_cell, jobs, chunksize=1)
    cells = [summarise(s, n, k, runs) for (_, s, n, k, _), runs in zip(jobs, done, strict=True)]
    print(f"## The joint interval with signals that do not change ({reps} runs a cell, "
          f"seed {a.seed})\n")
    print(table(cells))
    elapsed = time.time() - began
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({
        "bench": "cutoff_joint", "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": a.seed, "reps": reps, "settings": CutoffSettings().model_dump(),
        "machine": platform.platform(), "wall_s": round(elapsed, 1),
        "cells": _json_safe([asdict(c) for c in cells])}, indent=1, allow_nan=False) + "\n")
    print(f"\nwrote {a.out.relative_to(ROOT) if a.out.is_relative_to(ROOT) else a.out} "
          f"({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
