"""Benchmark `alignaudit probes generate` (speed) and measure how many usable probes it finds
per quarter (density) on the shipped corpora.

Speed: 10,000 documents drawn at random (``random.Random(0).sample``) from the 15,292
changelog entries of data/corpora/{django,pip,pytest,sqlalchemy}.jsonl.gz, read with the same
reader as ``--data`` (the columns of scripts/build_generated_suites.sh), then given to
``generate_probes`` with default options (seed 0) ``--rounds`` times. Reading and generating
are timed apart, wall (``time.perf_counter``) and CPU (``time.process_time``) time, with the
load average before and after each round (the machine is shared). One more run on the same
documents in shuffled order checks that the suite's YAML is byte-identical.

Density: for each shipped corpus with at least 2,000 documents over at least 8 years (and for
all four together), per quarter: documents, and *usable* probes — accepted probes of low or
medium predictability (``stats.candidates_per_period``, before the per-period cap; with
``--per-period`` 100 the suite keeps min(usable, 100) of them). A quarter *counts* when the
corpus has at least 40 documents in it; the target is at least 40 usable probes in each such
quarter. Measured with the default options (term and release probes), with term probes only
(``releases=False``, the default before generator 0.3.0) and with statement probes on as well
(the options that give most; see docs/probes.md for why they are off by default). Usable probes
are also counted by kind. Beside them, the ceiling: the
distinct terms first seen in each quarter, whether or not a probe could be made of them.

    nice python bench/bench_generate.py                 # about 5 minutes on 2 busy cores
    nice python bench/bench_generate.py --skip-density  # speed only

Writes bench/results/generate.json (``--out``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alignaudit.recency.generated import CorpusColumns, read_corpus  # noqa: E402
from alignaudit.recency.probegen.core import generate_probes, suite_to_yaml  # noqa: E402
from alignaudit.recency.probegen.corpus import build_corpus  # noqa: E402
from alignaudit.recency.probegen.model import DatedDoc, GenerateOptions  # noqa: E402

CORPORA = ("django", "pip", "pytest", "sqlalchemy")
COLUMNS = CorpusColumns(text="text", date="date", title="title", group="project", url="url",
                        section="section")
SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},
    "terms only": {"releases": False},
    "statements": {"statements": True},
}
MIN_DOCS = 40  # a quarter counts when it has this many documents
TARGET = 40  # usable probes wanted in each such quarter
WRITTEN = "2026-01-01"  # fixed header date, so YAML from two runs can be compared


def read(corpora: Path, names: tuple[str, ...]) -> list[DatedDoc]:
    return read_corpus([corpora / f"{name}.jsonl.gz" for name in names], COLUMNS)


def speed(corpora: Path, n: int, rounds: int) -> dict[str, Any]:
    """Wall and CPU time of reading and generating ``n`` documents, per round."""
    t0, c0 = time.perf_counter(), time.process_time()
    docs = read(corpora, CORPORA)
    read_wall, read_cpu = time.perf_counter() - t0, time.process_time() - c0
    sample = random.Random(0).sample(docs, n) if len(docs) > n else docs
    options = GenerateOptions(seed=0)
    runs = []
    for _ in range(rounds):
        before = os.getloadavg()
        t0, c0 = time.perf_counter(), time.process_time()
        suite = generate_probes(sample, options)
        runs.append({"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
                     "load_average_before": before, "load_average_after": os.getloadavg(),
                     "probes": len(suite.probes), "terms": suite.stats.n_terms})
        print(f"generate {len(sample)} documents: {runs[-1]['wall_s']:.1f} s wall, "
              f"{runs[-1]['cpu_s']:.1f} s CPU, load {before[0]:.2f}", file=sys.stderr)
    shuffled = list(sample)
    random.Random(1).shuffle(shuffled)
    same = (suite_to_yaml(suite, WRITTEN)
            == suite_to_yaml(generate_probes(shuffled, options), WRITTEN))
    return {
        "documents": (f"{len(sample)} of the {len(docs)} entries of data/corpora/"
                      f"{{{','.join(CORPORA)}}}.jsonl.gz, random.Random(0).sample"),
        "n_documents": len(sample), "options": "defaults, seed 0",
        "read_all_wall_s": read_wall, "read_all_cpu_s": read_cpu, "rounds": runs,
        "median_wall_s": statistics.median(r["wall_s"] for r in runs),
        "median_cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "target_wall_s": 120, "shuffled_input_byte_identical": same,
    }


def density_of(docs: list[DatedDoc], setting: dict[str, Any]) -> dict[str, Any]:
    """Per-quarter documents and usable probes of one corpus under one setting."""
    t0 = time.perf_counter()
    suite = generate_probes(docs, GenerateOptions.model_validate(
        {"seed": 0, "per_period": 10**9, **setting}))  # no cap: every accepted probe is kept
    stats = suite.stats
    by_kind: dict[str, Counter[str]] = {}
    for p in suite.probes:
        if p.probe["predictability"] != "high":
            by_kind.setdefault(p.period, Counter())[p.kind] += 1
    quarters = {q: {"documents": n, "usable": stats.candidates_per_period.get(q, 0),
                    "usable_by_kind": dict(sorted(by_kind.get(q, Counter()).items()))}
                for q, n in stats.documents_per_period.items()}
    counted = [v["usable"] for v in quarters.values() if v["documents"] >= MIN_DOCS]
    return {
        "quarters_with_40_documents": len(counted),
        "of_them_with_40_usable": sum(u >= TARGET for u in counted),
        "median_usable": statistics.median(counted) if counted else None,
        "min_usable": min(counted) if counted else None,
        "usable_total": sum(v["usable"] for v in quarters.values()),
        "usable_total_by_kind": dict(sorted(sum((Counter(v["usable_by_kind"])
                                                 for v in quarters.values()), Counter()).items())),
        "short_quarters": {q: v for q, v in quarters.items()
                           if v["documents"] >= MIN_DOCS and v["usable"] < TARGET},
        "accepted": stats.n_accepted, "kinds_selected": stats.kinds,
        "wall_s": time.perf_counter() - t0, "quarters": quarters,
    }


def ceiling(docs: list[DatedDoc]) -> dict[str, Any]:
    """Per quarter, the distinct terms (candidate spans of any shape) first seen there outside
    the burn-in: an upper bound on term probes, reached only if every first appearance became
    a usable probe whatever the filters and predictability say."""
    corpus = build_corpus(docs, GenerateOptions(seed=0))
    documents = Counter(d.period for d in corpus.docs)
    first = Counter(corpus.docs[t.doc].period for t in corpus.terms.values()
                    if not corpus.docs[t.doc].burn_in)
    counted = [first[q] for q, n in documents.items() if n >= MIN_DOCS]
    return {"of_quarters_with_40_documents_with_40_new_terms": sum(n >= TARGET for n in counted),
            "median_new_terms": statistics.median(counted) if counted else None,
            "new_terms": {q: first[q] for q in sorted(documents)}}


def density(corpora: Path) -> dict[str, Any]:
    """Density of every corpus with >= 2,000 documents over >= 8 years, and of all four."""
    out: dict[str, Any] = {}
    for names in [(name,) for name in CORPORA] + [CORPORA]:
        docs = read(corpora, names)
        years = sorted({d.date[:4] for d in docs})
        span = int(years[-1]) - int(years[0]) + 1
        label = "+".join(names) if len(names) > 1 else names[0]
        if len(docs) < 2000 or span < 8:
            out[label] = {"documents": len(docs), "years": span,
                          "skipped": "fewer than 2,000 documents or 8 years"}
            continue
        out[label] = {"documents": len(docs), "years": span, "ceiling": ceiling(docs)}
        for name, setting in SETTINGS.items():
            result = density_of(docs, setting)
            out[label][name] = result
            print(f"{label} {name}: {result['of_them_with_40_usable']} of "
                  f"{result['quarters_with_40_documents']} quarters reach {TARGET}, median "
                  f"{result['median_usable']} ({result['wall_s']:.0f} s)", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=ROOT / "data" / "corpora")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-density", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "generate.json")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "niceness": os.nice(0)},
        "speed": speed(args.corpora, args.n, args.rounds),
    }
    if not args.skip_density:
        result["density"] = {"min_documents": MIN_DOCS, "target_usable": TARGET,
                             "settings": SETTINGS, "corpora": density(args.corpora)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
