"""Scale check of ``alignaudit.drift.stats.compare``: 100,000 documents per side, 2 cores, < 24 GiB.

Synthetic embeddings stand in for an embedder's output: 384-d (all-MiniLM-L6-v2's width),
float32, unit-normalised; documents are noisy copies of 64 topic directions, and the current
side moves weight between topics and adds 8 topics the reference lacks (5% of its documents),
so every statistic has something to find. Each size runs in a fresh subprocess, so its peak
memory is its own. Inside it, ``compare`` runs once with the default ``DriftConfig``
(1,000 permutations for both tests unless ``--permutations`` says otherwise; MMD subsamples
past 20,000 pooled documents), and each stage it calls (classifier_test, mmd_test,
effect_sizes, novelty, pca_2d) is wrapped to record its wall time, CPU time and peak RSS
(the kernel's high-water mark VmHWM, which is what ``getrusage``'s ``ru_maxrss`` reads,
reset before each stage through ``/proc/self/clear_refs``; that reset also resets
``ru_maxrss``, so the size's peak is the largest of the pieces' peaks).
drift.py itself is not touched: the wrappers replace the module's names for the child only.

A watchdog stops a child whose resident memory passes ``--max-rss-gib`` (default 16: the
machine is shared) and reports the stage that was running; ``--timeout`` does the same for
time.

    /work/venv/bin/python bench/bench_drift_scale.py            # 10,000 and 100,000 per side
    /work/venv/bin/python bench/bench_drift_scale.py --quick    # 10,000 per side only
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIM, TOPICS, NEW_TOPICS, NEW_SHARE, NOISE = 384, 64, 8, 0.05, 0.05
STAGES = ("classifier_test", "mmd_test", "effect_sizes", "novelty", "pca_2d")
GIB = 1024**3


# ------------------------------------------------------------------------- child side


def embeddings(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference and current, ``n`` unit-norm float32 rows each; the current side drifts."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((TOPICS + NEW_TOPICS, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    ref_w = np.full(TOPICS, 1.0 / TOPICS)
    cur_w = rng.dirichlet(np.full(TOPICS, 5.0)) * (1.0 - NEW_SHARE)
    cur_w = np.concatenate([cur_w, np.full(NEW_TOPICS, NEW_SHARE / NEW_TOPICS)])
    sides = []
    for weights in (ref_w, cur_w):
        topic = rng.choice(len(weights), size=n, p=weights)
        side = np.empty((n, DIM), dtype=np.float32)
        for start in range(0, n, 20_000):  # in blocks: no float64 n x 384 temporary
            rows = slice(start, min(n, start + 20_000))
            noise = rng.standard_normal((rows.stop - start, DIM), dtype=np.float32)
            side[rows] = centres[topic[rows]] + NOISE * noise
        side /= np.linalg.norm(side, axis=1, keepdims=True)
        sides.append(side)
    return sides[0], sides[1]


def _status_kib(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+)", text, re.M).group(1))  # type: ignore[union-attr]


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Watchdog(threading.Thread):
    """Ends the process when RSS passes a limit or time runs out, naming the running stage."""

    def __init__(self, limit_bytes: int, timeout_s: float) -> None:
        super().__init__(daemon=True)
        self.limit, self.deadline, self.stage = limit_bytes, time.monotonic() + timeout_s, "setup"
        self.max_rss = 0
        """Largest RSS seen by polling every 0.2 s: a cross-check of the kernel's peaks."""

    def run(self) -> None:
        while True:
            rss = _status_kib("VmRSS") * 1024
            self.max_rss = max(self.max_rss, rss)
            why = ("memory", rss) if rss > self.limit else (
                ("time", rss) if time.monotonic() > self.deadline else None)
            if why:
                print(json.dumps({"aborted": why[0], "stage": self.stage,
                                  "rss_bytes": why[1]}), flush=True)
                os._exit(3)
            time.sleep(0.2)


def instrument(drift: Any, records: dict[str, dict], dog: Watchdog) -> None:
    """Replace each stage in ``drift``'s namespace by a timed, memory-tracked wrapper."""
    for name in STAGES:
        original = getattr(drift, name)

        def wrapper(*args: Any, _f: Callable = original, _name: str = name, **kw: Any) -> Any:
            dog.stage = _name
            print(f"    {_name} ...", file=sys.stderr, flush=True)
            exact = _reset_peak()
            rss0 = _status_kib("VmRSS") * 1024
            wall, cpu = time.perf_counter(), time.process_time()
            out = _f(*args, **kw)
            records[_name] = {
                "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                "peak_rss_bytes": _status_kib("VmHWM") * 1024 if exact else None,
                "rss_before_bytes": rss0,
                "load_average": os.getloadavg()[0],
            }
            dog.stage = "compare (between stages)"
            print(f"    {_name}: {records[_name]['wall_s']:.1f} s", file=sys.stderr, flush=True)
            return out

        setattr(drift, name, wrapper)


def child(n: int, permutations: int, seed: int, limit_gib: float, timeout_s: float) -> dict:
    import alignaudit.drift.stats as drift

    dog = Watchdog(int(limit_gib * GIB), timeout_s)
    dog.start()
    start = time.perf_counter()
    ref, cur = embeddings(n, seed)
    data_s = time.perf_counter() - start
    setup_peak = _status_kib("VmHWM") * 1024  # imports and the two float32 arrays
    records: dict[str, dict] = {}
    instrument(drift, records, dog)
    config = drift.DriftConfig(n_permutations=permutations)
    load0 = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    stats = drift.compare(ref, cur, np.random.default_rng(seed), config)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    # the high-water mark is reset per stage, so the peaks are the maxima of the pieces
    compare_peak = max([r["peak_rss_bytes"] or 0 for r in records.values()]
                       + [_status_kib("VmHWM") * 1024])
    return {
        "n_per_side": n, "permutations": permutations, "data_seconds": data_s,
        "compare_wall_s": wall, "compare_cpu_s": cpu, "setup_peak_rss_bytes": setup_peak,
        "compare_peak_rss_bytes": compare_peak,
        "process_peak_rss_bytes": max(setup_peak, compare_peak),
        "watchdog_max_rss_bytes": dog.max_rss,
        "stages": records, "load_average_start": load0, "load_average_end": os.getloadavg()[0],
        "results": {
            "classifier_auc": stats.tests[0].statistic, "classifier_p": stats.tests[0].p_value,
            "mmd2": stats.tests[1].statistic, "mmd_p": stats.tests[1].p_value,
            "mmd_path": stats.tests[1].parameters["path"],
            "out_of_domain_share": stats.novelty.out_of_domain_share,
            "frechet": stats.effect_sizes.frechet_distance, "level": stats.level.level,
        },
    }


# ------------------------------------------------------------------------- parent side


def run_size(n: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n), "--permutations", str(args.permutations),
           "--seed", str(args.seed), "--max-rss-gib", str(args.max_rss_gib),
           "--timeout", str(args.timeout)]
    print(f"  running n={n:,} per side ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # progress on stderr
    wall = time.perf_counter() - start
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"n_per_side": n, "error": "no result (see stderr)", "returncode": done.returncode}
    out = json.loads(lines[-1])
    out.update(n_per_side=n, child_wall_s=wall, returncode=done.returncode)
    return out


def _gib(b: int | None) -> str:
    return "n/a" if b is None else f"{b / GIB:.2f}"


def markdown(runs: list[dict]) -> str:
    lines = ["| n per side | stage | wall s | CPU s | peak RSS GiB | RSS before GiB |",
             "|---:|---|---:|---:|---:|---:|"]
    for r in runs:
        if "stages" not in r:
            lines.append(f"| {r['n_per_side']:,} | ABORTED in {r.get('stage', '?')} "
                         f"({r.get('aborted', r.get('error', '?'))}) | | | "
                         f"{_gib(r.get('rss_bytes'))} | |")
            continue
        for name in STAGES:
            s = r["stages"].get(name)
            if s:
                lines.append(f"| {r['n_per_side']:,} | {name} | {s['wall_s']:.1f} | "
                             f"{s['cpu_s']:.1f} | {_gib(s['peak_rss_bytes'])} | "
                             f"{_gib(s['rss_before_bytes'])} |")
        lines.append(f"| {r['n_per_side']:,} | **compare, total** | {r['compare_wall_s']:.1f} | "
                     f"{r['compare_cpu_s']:.1f} | {_gib(r['compare_peak_rss_bytes'])} | |")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--quick", action="store_true", help="10,000 per side only")
    parser.add_argument("--permutations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rss-gib", type=float, default=16.0)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per size")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/drift_scale.json")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.permutations, args.seed, args.max_rss_gib,
                               args.timeout)), flush=True)
        return
    sizes = [10_000] if args.quick else args.sizes
    load0 = os.getloadavg()
    runs = [run_size(n, args) for n in sizes]
    import torch

    env = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
           "python": platform.python_version(), "numpy": np.__version__,
           "torch": torch.__version__, "load_average_start": load0,
           "load_average_end": os.getloadavg()}
    print(f"\n### drift.compare, {DIM}-d unit-norm embeddings, {args.permutations} permutations\n")
    print(markdown(runs))
    for r in runs:
        if "results" in r:
            print(f"- n={r['n_per_side']:,}: {json.dumps(r['results'])}; process peak "
                  f"{_gib(r['process_peak_rss_bytes'])} GiB; child wall {r['child_wall_s']:.0f} s")
    print(f"- load average start {load0[0]:.2f}, end {env['load_average_end'][0]:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"environment": env, "runs": runs,
                                    "settings": {"permutations": args.permutations,
                                                 "seed": args.seed, "sizes": sizes}}, indent=2))
    print(f"- written: {args.out}")


if __name__ == "__main__":
    main()
