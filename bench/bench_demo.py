"""End-to-end time and peak memory of the demo audit (``make demo``'s command), run once.

    /work/venv/bin/python bench/bench_demo.py

Runs, as a subprocess, from the repository root:

    alignaudit run --model smollm2-135m --probes recency \\
        --data data/samples/support_tickets.jsonl --text-column body --date-column created \\
        --out <temporary folder> --no-resume --quiet

and reports its wall time, the child's peak RSS (``os.wait4``'s rusage for that process,
which is also what ``resource.getrusage(RUSAGE_CHILDREN)`` reports here), and the ``runtime``
block alignaudit itself wrote into results.json (load, scoring and generation seconds, tokens
per second, its own peak RSS). The load average (``os.getloadavg``) before and after is
recorded: the machine may be shared, so a single run's time is indicative only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024**3


def command(exe: str, out: Path) -> list[str]:
    return [exe, "run", "--model", "smollm2-135m", "--probes", "recency",
            "--data", "data/samples/support_tickets.jsonl", "--text-column", "body",
            "--date-column", "created", "--out", str(out), "--no-resume", "--quiet"]


def run_once(exe: str, out: Path) -> dict:
    cmd = command(exe, out)
    load0 = os.getloadavg()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "command": " ".join(["alignaudit"] + cmd[1:]).replace(str(out), "<tmp>"),
        "returncode": proc.returncode, "wall_s": wall,
        "child_peak_rss_bytes": usage.ru_maxrss * 1024,
        "children_peak_rss_bytes": children.ru_maxrss * 1024,
        "child_cpu_s": usage.ru_utime + usage.ru_stime,
        "load_average_before": load0, "load_average_after": os.getloadavg(),
        "output_tail": output[-1500:],
    }


def runtime_block(out: Path) -> dict:
    result = json.loads((out / "results.json").read_text())
    runtime = result.get("runtime", {})
    for m in runtime.get("models", {}).values():
        score = m.get("score_seconds") or 0.0
        gen = m.get("generate_seconds") or 0.0
        m["tokens_per_second_scored"] = m["tokens_scored"] / score if score else None
        m["tokens_per_second_generated"] = m["tokens_generated"] / gen if gen else None
    return runtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alignaudit", default="/work/venv/bin/alignaudit")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/demo.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="alignaudit-demo-") as tmp:
        run = run_once(args.alignaudit, Path(tmp))
        if run["returncode"] != 0:
            print(run["output_tail"], file=sys.stderr)
            raise SystemExit(f"alignaudit exited with {run['returncode']}")
        runtime = runtime_block(Path(tmp))
    print("### Demo audit, end to end (one run)\n")
    print("| wall s | child CPU s | child peak RSS GiB | audit's own seconds | "
          "load avg before / after |")
    print("|---:|---:|---:|---:|---|")
    print(f"| {run['wall_s']:.1f} | {run['child_cpu_s']:.1f} | "
          f"{run['child_peak_rss_bytes'] / GIB:.2f} | {runtime.get('seconds', 0):.1f} | "
          f"{run['load_average_before'][0]:.2f} / {run['load_average_after'][0]:.2f} |")
    print("\n| model | load s | score s | tokens scored | tokens/s scored | generate s | "
          "tokens generated | tokens/s generated | peak RSS GiB (own) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for spec, m in runtime.get("models", {}).items():
        rate = m["tokens_per_second_scored"]
        grate = m["tokens_per_second_generated"]
        peak = m.get("peak_rss_bytes")
        print(f"| {spec} | {m['load_seconds']:.1f} | {m['score_seconds']:.1f} | "
              f"{m['tokens_scored']:,} | {rate or 0:.0f} | {m['generate_seconds']:.1f} | "
              f"{m['tokens_generated']:,} | {grate or 0:.1f} | "
              f"{(peak or 0) / GIB:.2f} |")
    print(f"\ncommand: `{run['command']}`")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(), "run": run, "runtime": runtime}, indent=2))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
