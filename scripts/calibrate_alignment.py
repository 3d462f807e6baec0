#!/usr/bin/env python3
"""Calibrate the alignment bands: read every panel corpus (data/panel/, built by
scripts/build_panel.py) through every bundled model against the default reference, and write the
calibration table (docs/alignment.md) and its numbers (data/panel/calibration.json).

Usage::

    nice python scripts/calibrate_alignment.py                  # all models, all genres
    python scripts/calibrate_alignment.py --models smollm2-135m  # one model
    python scripts/calibrate_alignment.py --from-json            # re-write the docs only

Each run goes through the same code as ``alignaudit drift --data CORPUS --model M``
(``analyse_data``, seed 0) against the default reference *without the corpus's own genre*
(leave-one-genre-out: a team's data is rarely one of the reference's genres, so each genre is
measured as a genre the reference lacks; the support tickets are in no reference); model
calls are journaled under ``--journal`` so a re-run reuses them (the model's reference
samples are drawn once per model). The script prints the ``PANEL`` table for
alignaudit/drift/calibration.py and the bands the rule places on it; paste both there and into
alignaudit/judge/verdict.py's defaults when the panel or the models change.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alignaudit.backends.base import Backend  # noqa: E402
from alignaudit.config import DataSettings  # noqa: E402
from alignaudit.drift.calibration import (  # noqa: E402
    FIGURES,
    MODEL_VIEW,
    REAL_GENRES,
    bands,
    shown,
)
from alignaudit.drift.reference import (  # noqa: E402
    GENRE_NAMES,
    MODEL_SAMPLES,
    ReferencePart,
    general_reference,
    model_samples,
)
from alignaudit.drift.section import ReferenceInfo, analyse_data  # noqa: E402

MODELS = ("smollm2-135m", "gemma3-270m")
REAL = REAL_GENRES
GENRES = (*REAL, "tickets")
PANEL = ROOT / "data" / "panel"
RESULTS = PANEL / "calibration.json"
DOC = ROOT / "docs" / "alignment.md"
EMBEDDER_ONLY = "(no model)"
MODEL_DOCS = 40
"""Documents per side read through the model (of 200 per genre, and 250 general + 64 samples):
few, because this was calibrated on a shared 2-core machine; the perplexity interval shows it."""


def settings(genre: str) -> DataSettings:
    return DataSettings(paths=[str(PANEL / f"{genre}.jsonl.gz")], text_column="text",
                        n_permutations=20, max_model_docs=MODEL_DOCS)


_SAMPLES: dict[str, tuple[list[str], ReferencePart]] = {}


def reference(genre: str, backend: Backend | None) -> tuple[list[str], ReferenceInfo]:
    """The default reference without ``genre``: each genre is measured as a team's data is, a
    genre the reference does not hold (the same model samples, seed 0, for every genre)."""
    rng = np.random.default_rng(0)
    texts, part = general_reference(rng, exclude=genre)
    parts = [part]
    if backend is not None:
        key = backend.info.spec  # drawn once per model: the same samples for every genre
        if key not in _SAMPLES:
            _SAMPLES[key] = model_samples(backend, MODEL_SAMPLES, seed=0)
        samples, own = _SAMPLES[key]
        texts, parts = texts + samples, [part, own]
    return texts, ReferenceInfo(kind="general", source=" + ".join(p.source for p in parts),
                                why="leave-one-genre-out", n=len(texts), parts=parts)


def run_model(spec: str | None, embedder: object, journal: Path, table: dict) -> None:
    backend = None
    if spec is not None:
        from alignaudit.backends.hf.options import HFSettings
        from alignaudit.backends.journal import Journal
        from alignaudit.backends.openai.options import ServerSettings
        from alignaudit.backends.registry import load_backend

        backend = load_backend("hf", spec, HFSettings(), ServerSettings(), progress=False)
        backend.attach_journal(Journal(journal / f"{spec}.jsonl", {"calibrate": spec}))
    row = table.setdefault(spec or EMBEDDER_ONLY, {})
    for genre in GENRES:
        start = time.time()
        a = analyse_data(settings(genre), backend, np.random.default_rng(0),
                         lambda _: None, embedder, reference=reference(genre, backend))
        f = a.figures
        assert f is not None
        row[genre] = {k: getattr(f, k) for k in FIGURES if getattr(f, k) is not None}
        if f.perplexity_ratio_ci:
            row[genre]["perplexity_ratio_ci"] = list(f.perplexity_ratio_ci)
        row[genre]["n_novel_terms"] = f.n_novel_terms
        row[genre]["auc"] = next(t.statistic for t in a.stats.tests if t.name == "classifier")
        row[genre]["reference"] = a.reference.source
        print(f"{spec} {genre}: {row[genre]} ({time.time() - start:.0f}s)", flush=True)
        RESULTS.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


def _band_word(figure: str, value: float, b: dict) -> str:
    return "fail" if value > b[figure].fail else "warn" if value > b[figure].warn else "pass"


def write_doc(table: dict) -> str:
    models = {m: rows for m, rows in table.items() if m != EMBEDDER_ONLY}
    placed = bands(models, REAL)
    lines = [
        "| corpus | model | perplexity ratio (95% CI) | novel-term share (terms) | "
        "fertility ratio | out-of-domain share | classifier AUC | band |",
        "|---|---|---|---|---|---|---|---|"]
    for genre in GENRES:
        for model, rows in models.items():
            r = rows.get(genre)
            if r is None:
                continue
            ci = r.get("perplexity_ratio_ci", [float("nan")] * 2)
            worst = max((_band_word(f, r[f], placed) for f in MODEL_VIEW),
                        key=["pass", "warn", "fail"].index)
            lines.append(
                f"| {GENRE_NAMES[genre]} | {model} | {r['perplexity_ratio']:.2f} "
                f"({ci[0]:.2f}–{ci[1]:.2f}) | {r['novel_term_share']:.0%} ({r['n_novel_terms']}) "
                f"| {r['fertility_ratio']:.2f} | {r['out_of_domain_share']:.0%} "
                f"| {r['auc']:.3f} | {worst} |")
    band_lines = ["| figure | warn above | fail above |", "|---|---|---|"]
    band_lines += [f"| {f} | {shown(f, b.warn)} ({b.warn:.4g}) | {shown(f, b.fail)} "
                   f"({b.fail:.4g}) |" for f, b in placed.items()]
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    for marker, body in (("TABLE", lines), ("BANDS", band_lines)):
        start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
        if start in text:
            head, rest = text.split(start, 1)
            text = head + start + "\n" + "\n".join(body) + "\n" + end + rest.split(end, 1)[1]
    DOC.write_text(text, encoding="utf-8")
    return "\n".join(band_lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--no-embedder-only", action="store_true",
                        help="skip the runs without a model (already in the JSON)")
    parser.add_argument("--from-json", action="store_true")
    parser.add_argument("--journal", type=Path,
                        default=Path.home() / ".cache" / "alignaudit" / "calibration")
    args = parser.parse_args()
    table = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.from_json:
        from alignaudit.drift.embed import Embedder

        args.journal.mkdir(parents=True, exist_ok=True)
        embedder = Embedder.load(None)
        if not args.no_embedder_only:
            run_model(None, embedder, args.journal, table)
        for spec in args.models:
            run_model(spec, embedder, args.journal, table)
    print(write_doc(table))
    keep = {m: {g: {f: round(r[f], 4) for f in FIGURES if f in r} for g, r in rows.items()}
            for m, rows in table.items()}
    print("PANEL =", json.dumps({m: v for m, v in keep.items() if m != EMBEDDER_ONLY}, indent=1))
    print("PANEL_EMBEDDER =", json.dumps(keep.get(EMBEDDER_ONLY, {}), indent=1))


if __name__ == "__main__":
    main()
