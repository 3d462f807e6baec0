"""Run an exported suite with inspect_ai's mock model and read the dates back from its log.

inspect_ai is not a dependency of alignaudit; this runs with the Python of a venv that has it
(``pip install inspect_ai``) and reads only the exported folder, so alignaudit need not be
importable there:

    alignaudit probes export recency --format inspect --out /tmp/recency-inspect
    /work/venv-inspect/bin/python bench/bench_export_inspect.py /tmp/recency-inspect

The model is ``mockllm/model``, always answering ``ANSWER: A``. Its outputs carry their own
token usage: without one, mockllm counts tokens with tiktoken's o200k_base file, which tiktoken
downloads on first use (there is no network here). Checked from the log ``read_eval_log`` reads
back: one sample per exported probe, each with its id, event_date, category and
predictability as in the JSONL, and a score. Writes bench/results/export_inspect.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "export_inspect.json"
KEPT = ("event_date", "category", "predictability", "source")


def mock_model() -> Any:
    """inspect_ai's mock model, answering A, with usage given (so no tiktoken download)."""
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    def answer(*_: Any) -> ModelOutput:
        output = ModelOutput.from_content(model="mockllm", content="ANSWER: A")
        output.usage = ModelUsage(input_tokens=1, output_tokens=2, total_tokens=3)
        return output

    return get_model("mockllm/model", custom_outputs=answer)


def run(folder: Path, log_dir: Path) -> dict[str, Any]:
    from inspect_ai import eval as inspect_eval
    from inspect_ai.log import read_eval_log

    (task_file,) = folder.glob("alignaudit_*.py")
    (data_file,) = folder.glob("*.jsonl")
    rows = {r["id"]: r for r in map(json.loads, data_file.read_text("utf-8").splitlines())}
    here = Path.cwd()
    os.chdir(folder)  # inspect_ai's task loader wants a relative path
    try:
        (log,) = inspect_eval(task_file.name, model=mock_model(), log_dir=str(log_dir),
                              display="none")
    finally:
        os.chdir(here)
    read = read_eval_log(log.location)
    samples = read.samples or []
    mismatched = [s.id for s in samples
                  if any((s.metadata or {}).get(k) != rows[str(s.id)][k] for k in KEPT)]
    scores = [next(iter(s.scores.values())).value for s in samples if s.scores]
    metrics = {name: m.value for score in (read.results.scores if read.results else [])
               for name, m in score.metrics.items()}
    return {
        "status": read.status, "task": read.eval.task, "model": read.eval.model,
        "n_exported": len(rows), "n_samples_in_log": len(samples),
        "ids_match": sorted(str(s.id) for s in samples) == sorted(rows),
        "metadata_kept": list(KEPT), "n_metadata_mismatched": len(mismatched),
        "mismatched": mismatched[:10], "n_scored": len(scores), "metrics": metrics,
        "first_sample": {"id": samples[0].id, "metadata": samples[0].metadata,
                         "target": samples[0].target} if samples else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Folder written by probes export --format "
                        "inspect.")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logs:
        report = run(args.folder.resolve(), Path(logs))
    report["versions"] = {"inspect_ai": metadata.version("inspect_ai"),
                          "python": sys.version.split()[0]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"{report['status']}: {report['n_samples_in_log']} samples in the log for "
          f"{report['n_exported']} exported probes; metadata mismatched on "
          f"{report['n_metadata_mismatched']}; metrics {report['metrics']}. Wrote {args.out}")
    if not (report["ids_match"] and report["n_metadata_mismatched"] == 0
            and report["status"] == "success"):
        sys.exit(1)


if __name__ == "__main__":
    main()
