"""Bench: models with a cutoff we chose. SmolLM2-135M trained further, on CPU, on the shipped
changelogs (data/corpora) dated before T, for several T; probes generated from the whole sample;
accuracy before/after T and the estimated cutoff's 90% interval, from the probes alone, from the
model's log-perplexity of the sampled documents (every date, read as ``run --data`` reads them)
alone, and from both together. The untrained model is scored too, as a control: its accuracy
should not drop at any T.

    python bench/bench_known_cutoff.py                     # SmolLM2, defaults below
    python bench/bench_known_cutoff.py --from-scratch \\
        --out bench/results/known_cutoff_tiny.json         # the test's tiny model
    python bench/bench_known_cutoff.py --recompute \\
        --out bench/results/known_cutoff.json              # estimates again, no model

Writes ``--out`` (JSON, rewritten after each T; a rerun with the same settings reuses finished
T's) and the same name with ``.md`` (the tables). The JSON keeps what each model produced (every
probe's outcome, every document's perplexity, under ``scored``); ``--recompute`` reruns only the
estimator on it, through the same function as a fresh run (``known_cutoff.audit_scored``).
The library is tests/helpers/known_cutoff.py and tests/helpers/lm_training.py, shared with
tests/recency/test_known_cutoff.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import known_cutoff as kc  # noqa: E402
from tests.helpers import lm_training as lm  # noqa: E402

CONTINUED = {"epochs": 3, "lr": 1e-3, "batch_size": 4, "train_top_layers": 8}
"""Continued training of SmolLM2 (flags override): the top 8 of 30 blocks and the final norm
(28.3M of 134.5M parameters; embeddings frozen, so backward stops below them), three epochs."""


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", default="smollm2-135m", help="alias or folder to train further")
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/known_cutoff.json")
    p.add_argument("--docs", type=int, default=400, help="documents drawn from the corpora")
    p.add_argument("--max-chars", type=int, default=250, help="longest document kept")
    p.add_argument("--cutoffs", default="2015-04-01,2017-04-01,2019-04-01")
    p.add_argument("--from-scratch", action="store_true",
                   help="train the test's tiny Llama from scratch instead")
    p.add_argument("--epochs", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--top-layers", type=int, help="train only the top N blocks (0: all)")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-base", action="store_true", help="skip the untrained control")
    p.add_argument("--recompute", action="store_true",
                   help="read --out and rerun only the estimator on its saved scores")
    return p.parse_args()


def train_config(args: argparse.Namespace) -> lm.TrainConfig:
    """The defaults of the model kind, overridden by the flags given."""
    values: dict[str, Any] = {} if args.from_scratch else dict(CONTINUED)
    given = {"epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
             "train_top_layers": args.top_layers}
    values |= {k: v for k, v in given.items() if v is not None}
    if values.get("train_top_layers") == 0:
        values["train_top_layers"] = None
    return lm.TrainConfig(**values, seed=args.seed)


def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _interval(e: dict[str, Any] | None) -> str:
    """The interval and its width; "–" without an estimate (its interval then spans most of the
    range, the reason there is none)."""
    if e is None or e["status"] != "estimate" or e["ci_low"] is None:
        return "–"
    return f"{_fmt(e['ci_low'])} – {_fmt(e['ci_high'])} ({e['ci_high'] - e['ci_low']:.2f} y)"


def _contains(e: dict[str, Any] | None, inside: bool, a: dict[str, Any]) -> str:
    """yes, or how far the interval falls short of the change dates that cannot be told from T
    (``truth_low`` to ``truth_high``, see ``known_cutoff.truth_span``)."""
    if e is None:
        return "–"
    if e["status"] != "estimate":
        return "no estimate"
    if inside:
        return "yes"
    t = a["cutoff_true"]
    truth = (a.get("truth_low") or t, a.get("truth_high") or t)
    miss = kc.miss_years(kc.IntervalEstimate.model_validate(e), truth) or 0.0
    return f"no (by {miss:.2f} y)" if miss >= 0.1 else f"no (by {miss * 365.25:.1f} days)"


def _row(label: str, a: dict[str, Any], train: dict[str, Any] | None) -> str:
    e = a["estimate"]
    interval = f"{_fmt(e['ci_low'])} – {_fmt(e['ci_high'])}" if e["ci_low"] is not None else "–"
    contains = _contains(e, a["contains_true"], a)
    trained = "–" if train is None else (
        f"{train['seconds'] / 60:.1f} min, loss {train['loss_first_epoch']:.2f} → "
        f"{train['loss_last_epoch']:.2f}")
    return (f"| {label} | {a['cutoff_date']} ({a['cutoff_true']:.2f}) "
            f"| {a['n_before']} / {a['n_after']} "
            f"| {_fmt(a['accuracy_before'])} / {_fmt(a['accuracy_after'])} "
            f"| {_fmt(e['cutoff'])} | {interval} | {contains} | {trained} |")


def _estimate(e: dict[str, Any] | None) -> str:
    return "–" if e is None or e["status"] != "estimate" else _fmt(e["cutoff"])


def _signal_row(label: str, a: dict[str, Any]) -> str:
    """Documents alone and the joint estimate, beside the probes' own."""
    e, d, j = a["estimate"], a.get("documents"), a.get("joint")
    return (f"| {label} | {a['cutoff_true']:.2f} "
            f"| {_fmt(a.get('log_ppl_before'))} / {_fmt(a.get('log_ppl_after'))} "
            f"| {_estimate(e)} | {_interval(e)} "
            f"| {_contains(e, a['contains_true'], a)} "
            f"| {_estimate(d)} | {_interval(d)} "
            f"| {_contains(d, a.get('documents_contains_true', False), a)} "
            f"| {_estimate(j)} | {_interval(j)} "
            f"| {_contains(j, a.get('joint_contains_true', False), a)} |")


def signal_table(record: dict[str, Any]) -> list[str]:
    """Second table: the cutoff from the probes, the documents and both."""
    lines = [
        "", "Documents: log-perplexity of each sampled entry's text (all dates), the run's "
        "`--data` signal. Intervals are 90%, width in years. \"Reaches T\": the interval reaches "
        "the change dates that split the observations as T does (after the last one dated "
        "before T, up to the first dated on or after it).", "",
        "| model | T | doc log-ppl before / after T | probes: estimate | interval | reaches T "
        "| documents: estimate | interval | reaches T | joint: estimate | interval "
        "| reaches T |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_signal_row("trained to T", run["audit"]) for run in record["runs"].values()]
    lines += [_signal_row("untrained", a) for a in record.get("base", {}).get("audits", [])]
    return lines


def markdown(record: dict[str, Any]) -> str:
    """The results table: trained models, then the untrained control at each T."""
    c, t = record["config"], record["train_config"]
    model = "tiny Llama from scratch" if c["from_scratch"] else c["model"]
    top = t.get("train_top_layers")
    lines = [
        f"{model}; {record['corpus']['n_docs']} documents ({record['corpus']['first']} to "
        f"{record['corpus']['last']}), {record['suite']['n_usable']} usable probes of "
        f"{record['suite']['n_probes']}; training: {t['epochs']} epochs, lr {t['lr']}, batch "
        f"{t['batch_size']}, {'all parameters' if top is None else f'top {top} blocks'}.",
        "",
        "| model | T | usable probes before / after | accuracy before / after | estimate "
        "| 90% interval | reaches T | training |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in record["runs"].values():
        lines.append(_row("trained to T", run["audit"], run["train"]))
    for a in record.get("base", {}).get("audits", []):
        lines.append(_row("untrained", a, None))
    return "\n".join(lines + signal_table(record)) + "\n"


def _save(out: Path, record: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    out.with_suffix(".md").write_text(markdown(record))


def _suite_info(suite: Any, generated: Any) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for g in generated.probes:
        key = f"{g.kind}/{g.form}/{g.probe['predictability']}"
        kinds[key] = kinds.get(key, 0) + 1
    return {"n_probes": len(suite.probes),
            "n_usable": sum(p.predictability != "high" for p in suite.probes),
            "kinds": dict(sorted(kinds.items())), "warnings": list(generated.warnings)}


def _rel(path: Path) -> str:
    """``path`` relative to the checkout when inside it (results carry no local paths)."""
    full = path.resolve()
    return str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else str(path)


def _record(args: argparse.Namespace, docs: list[Any], suite: Any, generated: Any,
            train: lm.TrainConfig, suite_text: str) -> dict[str, Any]:
    """A fresh record, or the previous one when the settings and suite are the same."""
    config = {k: _rel(v) if isinstance(v, Path) else v for k, v in vars(args).items()} | {
        "suite_sha256": hashlib.sha256(suite_text.encode()).hexdigest()}
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    same = previous.get("config") == config and all(  # results from before 'scored' are redone
        "scored" in run for run in [*previous.get("runs", {}).values(), previous.get("base")]
        if run)
    return {"config": config, "train_config": train.model_dump(),
            "machine": {"python": platform.python_version(), "cpu": platform.processor(),
                        "threads": args.threads},
            "corpus": {"n_docs": len(docs), "first": docs[0].date, "last": docs[-1].date},
            "suite": _suite_info(suite, generated),
            "runs": previous.get("runs", {}) if same else {},
            "base": previous.get("base", {}) if same else {}}


def _train_and_audit(args: argparse.Namespace, docs: list[Any], suite: Any, kinds: dict,
                     train: lm.TrainConfig, cutoff: date, work: Path) -> dict[str, Any]:
    texts = kc.training_texts(kc.select_until(docs, cutoff))
    folder = work / f"model-{cutoff}"
    started = time.perf_counter()
    report = (lm.train_from_scratch(texts, folder, lm.TinyConfig(), train) if args.from_scratch
              else lm.continue_training(args.model, texts, folder, train))
    scored = kc.score(folder, suite, docs, kinds)
    shutil.rmtree(folder)
    return {"train": report.model_dump(), "audit": kc.audit_scored(scored, cutoff).model_dump(),
            "scored": scored.model_dump(), "wall_seconds": time.perf_counter() - started}


def recompute(out: Path) -> dict[str, Any]:
    """The estimates of ``out`` again, from its saved scores (no model, no corpus)."""
    record = json.loads(out.read_text())
    for key, run in record["runs"].items():
        run["audit"] = kc.audit_scored(kc.Scored.model_validate(run["scored"]),
                                       date.fromisoformat(key)).model_dump()
    base = record.get("base", {})
    if base.get("scored"):
        scored = kc.Scored.model_validate(base["scored"])
        base["audits"] = [kc.audit_scored(scored, date.fromisoformat(a["cutoff_date"]))
                          .model_dump() for a in base["audits"]]
    return record


def main() -> None:
    args = _args()
    if args.recompute:
        record = recompute(args.out)
        _save(args.out, record)
        print(markdown(record))
        return
    import torch

    torch.set_num_threads(args.threads)
    cutoffs = [date.fromisoformat(c) for c in args.cutoffs.split(",")]
    docs = kc.sample_corpus(kc.load_corpus(), kc.SampleConfig(
        n=args.docs, seed=args.seed, max_chars=args.max_chars))
    train = train_config(args)
    with tempfile.TemporaryDirectory(prefix="known-cutoff-") as tmp:
        work = Path(tmp)
        suite, generated = kc.make_suite(docs, work, seed=args.seed)
        kinds = kc.probe_kinds(generated)
        record = _record(args, docs, suite, generated, train,
                         (work / "suite.yaml").read_text(encoding="utf-8"))
        if not (args.no_base or args.from_scratch or record["base"]):
            scored = kc.score(args.model, suite, docs, kinds)
            record["base"] = {"score_seconds": scored.score_seconds, "scored": scored.model_dump(),
                              "audits": [kc.audit_scored(scored, t).model_dump()
                                         for t in cutoffs]}
            _save(args.out, record)
        for cutoff in cutoffs:
            if cutoff.isoformat() not in record["runs"]:
                record["runs"][cutoff.isoformat()] = _train_and_audit(
                    args, docs, suite, kinds, train, cutoff, work)
                _save(args.out, record)
                print(markdown(record), flush=True)
    _save(args.out, record)
    print(markdown(record))


if __name__ == "__main__":
    main()
