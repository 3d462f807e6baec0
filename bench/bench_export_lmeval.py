"""Does lm-evaluation-harness, run on an exported suite, pick the same choice as alignaudit?

1. ``alignaudit probes export SUITE --format lm-eval`` writes the task folder (the same code
   path as the command: ``export_suite``).
2. alignaudit scores the suite's fact probes with the bundled SmolLM2-135M (the ``hf`` backend
   with its defaults: float32 on CPU, prefix packing on); each probe's top choice is kept.
3. The ``lm_eval`` command (``lm_eval run --model hf``) runs the exported task on the same
   safetensors folder (``resolve("smollm2-135m")``, de-quantised once by alignaudit), float32,
   CPU, ``--log_samples``; each probe's top choice is the argmax of its logged log-likelihoods.
4. Compared per probe: agreement of the top choice, accuracy each way, and the largest
   difference between the two tools' log-likelihoods of the same choice.

Run with the Python of lm-eval's own venv, importing alignaudit from this checkout:

    PYTHONPATH=. nice /work/venv-lmeval/bin/python bench/bench_export_lmeval.py

Writes bench/results/export_lmeval.json. Measured here (2 cores shared, load average 8): the
lm_eval command 831 s, alignaudit's scoring 133 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "export_lmeval.json"


def alignaudit_scores(spec: str, suite_name: str) -> tuple[dict[str, list[float]], float]:
    """Log-likelihood of every choice of every fact probe, by probe id, and the seconds taken."""
    from alignaudit.backends.registry import load_backend
    from alignaudit.config import RunConfig
    from alignaudit.recency.scoring import ScoreOptions, score_suites
    from alignaudit.recency.suites import resolve_suites

    suite = resolve_suites([suite_name])[0]
    facts = suite.model_copy(update={"probes": [p for p in suite.probes if p.kind == "fact"]})
    config = RunConfig.for_run(models=[spec])
    backend = load_backend(config.backend, spec, config.hf, config.server, progress=False)
    started = time.perf_counter()
    results = score_suites(backend, [facts], ScoreOptions(generate=False))
    seconds = time.perf_counter() - started
    return {r.probe_id: [c.logprob for c in r.choices] for r in results}, seconds


def lm_eval_scores(task_dir: Path, task: str, folder: Path, batch_size: int,
                   work: Path) -> tuple[dict[str, list[float]], float, dict]:
    """Run the ``lm_eval`` command on the exported task; log-likelihoods by probe id."""
    exe = Path(sys.executable).with_name("lm_eval")
    cmd = [str(exe), "run", "--model", "hf",
           "--model_args", f"pretrained={folder},dtype=float32",
           "--tasks", task, "--include_path", str(task_dir), "--device", "cpu",
           "--batch_size", str(batch_size), "--log_samples", "--output_path", str(work)]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    seconds = time.perf_counter() - started
    samples = sorted(work.rglob(f"samples_{task}_*.jsonl"))[-1]
    found: dict[str, list[float]] = {}
    for line in samples.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found[row["doc"]["id"]] = [float(r[0]) for r in row["filtered_resps"]]
    summary = json.loads(sorted(work.rglob("results_*.json"))[-1].read_text())
    return found, seconds, summary["results"][task]


def compare(ours: dict[str, list[float]], theirs: dict[str, list[float]],
            targets: dict[str, list[int]]) -> dict:
    """Per-probe agreement of the top choice, accuracy each way, log-likelihood differences."""
    ids = sorted(ours)
    missing = sorted(set(ids) - set(theirs))
    shared = [i for i in ids if i in theirs]
    disagree, diffs = [], []
    for pid in shared:
        a, b = int(np.argmax(ours[pid])), int(np.argmax(theirs[pid]))
        diffs.append(float(np.max(np.abs(np.subtract(ours[pid], theirs[pid])))))
        if a != b:
            disagree.append({"id": pid, "alignaudit": a, "lm_eval": b,
                             "alignaudit_logprobs": ours[pid], "lm_eval_logprobs": theirs[pid]})

    def accuracy(scores: dict[str, list[float]]) -> float:
        return float(np.mean([int(np.argmax(scores[p])) in targets[p] for p in shared]))

    return {
        "n_probes": len(ids), "n_compared": len(shared), "missing_in_lm_eval": missing,
        "n_same_choice": len(shared) - len(disagree),
        "agreement": (len(shared) - len(disagree)) / len(ids) if ids else None,
        "accuracy_alignaudit": accuracy(ours), "accuracy_lm_eval": accuracy(theirs),
        "max_abs_logprob_diff": max(diffs) if diffs else None,
        "median_abs_logprob_diff": float(np.median(diffs)) if diffs else None,
        "disagreements": disagree,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="recency")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from alignaudit.api import model_folder
    from alignaudit.recency.export import export_suite, records
    from alignaudit.recency.suites import resolve_suites

    suite = resolve_suites([args.suite])[0]
    folder = Path(model_folder(args.model))
    with tempfile.TemporaryDirectory() as tmp:
        exported = export_suite(suite, "lm-eval", Path(tmp) / "task")
        theirs, lm_seconds, lm_summary = lm_eval_scores(
            Path(exported.folder), exported.task, folder, args.batch_size, Path(tmp) / "lm")
    ours, our_seconds = alignaudit_scores(args.model, args.suite)
    targets = {r.id: r.targets for r in records(suite)}
    report = {
        "suite": args.suite, "model": args.model, "model_folder": str(folder),
        "task": exported.task, "n_exported": exported.n_exported, "skipped": exported.skipped,
        **compare(ours, theirs, targets),
        "lm_eval_metrics": lm_summary,
        "seconds": {"alignaudit_scoring": round(our_seconds, 1),
                    "lm_eval_command": round(lm_seconds, 1)},
        "versions": {name: metadata.version(name) for name in
                     ("lm_eval", "torch", "transformers", "datasets")},
        "load_average": os.getloadavg(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{report['n_same_choice']} of {report['n_probes']} probes: same choice "
          f"({100 * (report['agreement'] or 0):.1f}%); accuracy alignaudit "
          f"{report['accuracy_alignaudit']:.3f}, lm-eval {report['accuracy_lm_eval']:.3f}; "
          f"max |Δ log p| {report['max_abs_logprob_diff']:.2e}. Wrote {args.out}")


if __name__ == "__main__":
    main()
