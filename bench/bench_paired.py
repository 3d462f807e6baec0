"""Size and power of alignaudit's paired comparison of two models, by simulation.

Two models answer the same N probes. Each probe has a difficulty shared by both models (a
logit drawn from N(0, spread)), so their outcomes are correlated as real models' are: easy
probes are right for both, hard ones wrong for both. Model A's logit is shifted by ``delta``
(0 = no true difference). For each (N, delta) cell, ``--runs`` suites are drawn; the mid-p
McNemar test (alignaudit.compare.stats) and, beside it, the unpaired two-proportion z-test
are run at alpha = 0.05, and the Bonett-Price 95% interval's coverage of the true accuracy
difference is counted. Seeded; writes bench/results/paired.json and prints a Markdown table.

    python bench/bench_paired.py               # 1,000 runs a cell, about a minute
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from alignaudit.compare.stats import (
    discordant,
    mcnemar_midp,
    paired_difference_interval,
    unpaired_difference,
)

ROOT = Path(__file__).resolve().parents[1]


def cell(n: int, delta: float, spread: float, runs: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng([seed, n, int(delta * 1000)])
    paired = unpaired = covered = 0
    gaps = []
    for _ in range(runs):
        logit = rng.normal(0.0, spread, n)
        pa, pb = 1 / (1 + np.exp(-(logit + delta))), 1 / (1 + np.exp(-logit))
        a, b = rng.random(n) < pa, rng.random(n) < pb
        only_a, only_b = discordant(a, b)
        paired += mcnemar_midp(only_a, only_b) < 0.05
        unpaired += unpaired_difference(int(a.sum()), n, int(b.sum()), n)[2] < 0.05
        low, high = paired_difference_interval(only_a, only_b, n)
        truth = float(np.mean(pa - pb))
        covered += low <= truth <= high
        gaps.append(truth)
    return {"n": n, "delta_logit": delta, "true_difference_points": 100 * float(np.mean(gaps)),
            "paired_rejects": paired / runs, "unpaired_rejects": unpaired / runs,
            "interval_coverage": covered / runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400, 1000])
    parser.add_argument("--deltas", type=float, nargs="+", default=[0.0, 0.25, 0.5, 1.0])
    parser.add_argument("--spread", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/paired.json")
    args = parser.parse_args()
    rows = [cell(n, d, args.spread, args.runs, args.seed) for d in args.deltas for n in args.sizes]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"settings": vars(args) | {"out": str(args.out)},
                                    "cells": rows}, indent=2) + "\n")
    print("| probes | A's logit shift | true difference | paired test rejects | unpaired rejects "
          "| 95% interval covers |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']} | {r['delta_logit']:.2f} | {r['true_difference_points']:.1f} points "
              f"| {r['paired_rejects']:.1%} | {r['unpaired_rejects']:.1%} "
              f"| {r['interval_coverage']:.1%} |")


if __name__ == "__main__":
    main()
