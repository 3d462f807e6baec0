"""Draw generated probes at random, with the corpus entry each came from, for grading by hand.

    python scripts/sample_generated.py probes/django-releases.yaml \
        probes/python-packaging.yaml --n 100 --seed 2026 > sample.txt
    python scripts/sample_generated.py ... --tsv docs/generated-quality.tsv   # blank grades

The draw is ``numpy.random.default_rng(seed).choice(all probes, n, replace=False)`` over the
probes of the given suites in file order, the suites in the order given; the sample is printed
in draw order. A probe's ``source`` (``file:line``, 1-based line of a JSONL file, gzipped or
not) is looked up so that the entry's title, section and text print beside the probe. The TSV
has one row per drawn probe with empty ``class`` and ``note`` columns to fill in.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("well-formed", "ambiguous", "answer leaked", "distractor also true", "date wrong")


def load_probes(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in paths:
        suite = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [(suite["suite"]["name"], probe) for probe in suite["probes"]]
    return out


def source_entry(source: str) -> dict[str, Any]:
    """The JSON record at ``file:line`` (paths relative to the repository root)."""
    name, _, line = source.rpartition(":")
    path = Path(name) if Path(name).is_absolute() else ROOT / name
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for i, text in enumerate(handle, start=1):
            if i == int(line):
                return dict(json.loads(text))
    raise ValueError(f"{source}: no such line")


def show(i: int, suite: str, probe: dict[str, Any]) -> str:
    entry = source_entry(probe["source"])
    choices = probe["choices"]
    return "\n".join([
        f"== {i}. {suite} {probe['id']}  {probe['event_date']}  {probe['predictability']}",
        f"prompt:      {probe['prompt']!r}",
        f"answer:      {choices['correct'][0]!r}  (also {probe.get('answers', [])})",
        f"distractors: {choices['distractors']}",
        f"source:      {probe['source']}  {entry.get('date')}  {entry.get('title')!r} "
        f"[{entry.get('section')}]",
        f"entry:       {entry.get('text', '')}",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suites", type=Path, nargs="+")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tsv", type=Path, help="also write a grading sheet here")
    args = parser.parse_args()
    probes = load_probes(args.suites)
    drawn = np.random.default_rng(args.seed).choice(len(probes), size=args.n, replace=False)
    sample = [probes[int(k)] for k in drawn]
    for i, (suite, probe) in enumerate(sample, start=1):
        sys.stdout.write(show(i, suite, probe) + "\n")
    if args.tsv:
        with args.tsv.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(["n", "suite", "id", "event_date", "predictability", "answer",
                             "class", "note"])
            for i, (suite, probe) in enumerate(sample, start=1):
                writer.writerow([i, suite, probe["id"], probe["event_date"],
                                 probe["predictability"], probe["choices"]["correct"][0].strip(),
                                 "", ""])


if __name__ == "__main__":
    main()
