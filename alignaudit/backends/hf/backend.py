"""The transformers backend: batched log-likelihoods, greedy generation and perplexity
(loading lives in :mod:`alignaudit.backends.hf.load`).

Log-likelihoods follow lm-evaluation-harness: trailing spaces of the context move to the
continuation, the pair is tokenised whole and split where the context's own tokens end. When
the two do not meet on a token boundary, the exact continuation text is tokenised on its own
and scored after the context's tokens (lm-evaluation-harness would drop or repeat characters
there); the result records ``boundary_fixed``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from alignaudit._util.errors import UserError
from alignaudit._util.progress import meter
from alignaudit.backends.base import (
    Backend,
    Capabilities,
    Loglikelihood,
    ModelInfo,
    Perplexity,
    ServingRun,
    Usage,
    cut_at_stop,
)
from alignaudit.backends.hf import packing, rolling
from alignaudit.backends.hf.load import first_line, load_model
from alignaudit.backends.hf.memory import free_memory, is_out_of_memory
from alignaudit.backends.hf.options import LoadOptions
from alignaudit.backends.hf.resolve import ModelSource
from alignaudit.backends.journal import Journal, journaled

log = logging.getLogger(__name__)

MAX_LOGITS = 256 * 1024 * 1024
"""Most logits (tokens x vocabulary) one batch may produce: 1 GiB in float32."""
PACK_ROW = 256
"""Trie nodes per packed row (see ``HFBackend._pack_capacity``)."""


@dataclass
class _Request:
    ctx: list[int]
    cont: list[int]
    fixed: bool = False


@dataclass(frozen=True)
class _Packed:
    """How a verb uses prefix-tree packing (:meth:`HFBackend._score_packed`)."""

    verb: str
    """Journal verb of its batches."""
    growth: int
    """``packing.build_rows`` growth: 2 for prompts and their choices, 1 for perplexity."""
    greedy: bool
    """Whether its scores need the greedy flag (an argmax over the vocabulary)."""
    desc: str


_LIKELIHOOD = _Packed("tree", growth=2, greedy=True, desc="Scoring")
_ROLLING = _Packed("rolling", growth=1, greedy=False, desc="Perplexity")


class HFBackend(Backend):
    """A causal language model in transformers, with batched scoring and generation."""

    def __init__(self, model: Any, tokenizer: Any, info: ModelInfo, options: LoadOptions) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.info = info
        self.options = options
        self.usage = Usage()
        self._budget_scale = 1.0
        """Halved after an out-of-memory error, so later batches are smaller."""
        self.journal: Journal | None = None
        """Set by the runner: finished batches are read from and written to it."""
        self.device = info.device
        self.context_length = info.context_length or 1024
        self.bos_id = tokenizer.bos_token_id
        self.eos_id = tokenizer.eos_token_id
        self.add_bos = info.add_bos
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else (self.eos_id if self.eos_id is not None else 0)

    # ----------------------------------------------------------------- loading
    @property
    def capabilities(self) -> Capabilities:
        """Everything: log-likelihoods, generation, perplexity, sampling, a resume journal and
        the serving probe."""
        return Capabilities(loglikelihood=True, perplexity=True, sample=True, journal=True,
                            serving=True)

    @classmethod
    def load(cls, source: ModelSource, options: LoadOptions) -> HFBackend:
        """Load the model behind ``source``; every user-caused failure is a UserError."""
        started = time.perf_counter()
        model, tokenizer, info = load_model(source, options)
        backend = cls(model, tokenizer, info, options)
        backend.usage.load_seconds = time.perf_counter() - started
        return backend

    # ----------------------------------------------------------------- tokenising
    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def encode_many(self, texts: Sequence[str]) -> list[list[int]]:
        """``encode`` of each text, in one call to the tokenizer."""
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [list(ids) for ids in encoded]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(self.encode(t)) for t in texts]

    def _prefix(self) -> list[int]:
        return [self.bos_id] if self.add_bos and self.bos_id is not None else []

    def _start_token(self) -> int:
        for tok in (self.bos_id, self.eos_id, self.pad_id):
            if tok is not None:
                return int(tok)
        return 0

    def encode_pair(self, context: str, continuation: str) -> _Request:
        """Split a (context, continuation) pair into token ids, lm-evaluation-harness style."""
        n_space = len(context) - len(context.rstrip())
        if n_space:
            continuation = context[-n_space:] + continuation
            context = context[:-n_space]
        if not context:
            return _Request([self._start_token()], self.encode(continuation))
        ctx = self._prefix() + self.encode(context)
        whole = self._prefix() + self.encode(context + continuation)
        if len(whole) > len(ctx) and whole[: len(ctx)] == ctx:
            return _Request(ctx, whole[len(ctx) :])
        return _Request(ctx, self.encode(continuation), fixed=True)

    # ----------------------------------------------------------------- verbs
    def loglikelihood(self, pairs: Sequence[tuple[str, str]]) -> list[Loglikelihood]:
        requests = [self.encode_pair(c, x) for c, x in pairs]
        scored = self._score_packed(requests, _LIKELIHOOD) if self.options.pack else None
        if scored is None:
            scored = list(self._score(requests, desc="Scoring"))
        return [
            Loglikelihood(
                logprob=lp, is_greedy=bool(greedy), n_tokens=len(r.cont), boundary_fixed=r.fixed,
                truncated=len(r.ctx) + len(r.cont) - 1 > self.context_length,
            )
            for r, (lp, greedy) in zip(requests, scored, strict=True)
        ]

    def perplexity(self, texts: Sequence[str]) -> list[Perplexity]:
        """Rolling perplexity of each text: windows packed side by side (see
        :mod:`alignaudit.backends.hf.rolling`), or one padded pass per window without packing."""
        window = min(self.context_length, self.options.max_window)
        encoded = self.encode_many(texts)
        requests: list[_Request] = []
        owners: list[int] = []
        for i, tokens in enumerate(encoded):
            for ctx, cont in rolling.windows(tokens, window, self._start_token()):
                requests.append(_Request(ctx, cont))
                owners.append(i)
        scored = self._score_packed(requests, _ROLLING) if self.options.pack else None
        if scored is None:
            scored = list(self._score(requests, desc="Perplexity"))
        return rolling.per_text(texts, owners, [len(r.cont) for r in requests],
                                [lp for lp, _ in scored])

    def generate(
        self, prompts: Sequence[str], max_new_tokens: int = 24, stop: Sequence[str] = ("\n",)
    ) -> list[str]:
        encoded = [self._prefix() + self.encode(p) for p in prompts]
        keep = self.context_length - max_new_tokens
        encoded = [e[-keep:] if len(e) > keep else e for e in encoded]
        order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))
        outputs: list[str] = [""] * len(prompts)
        started = time.perf_counter()
        for batch in self._batches(order, [len(e) + max_new_tokens for e in encoded], "Generating"):
            prompt_ids = [encoded[i] for i in batch]
            texts = self._run_batch("generate", [prompt_ids, max_new_tokens], prompt_ids,
                                    lambda ids: self._generate_batch(ids, max_new_tokens))
            for i, text in zip(batch, texts, strict=True):
                outputs[i] = cut_at_stop(text, stop)
        self.usage.generate_seconds += time.perf_counter() - started
        return outputs

    def _generate_batch(self, prompt_ids: list[list[int]], max_new_tokens: int) -> list[str]:
        import torch

        ids, mask, _ = self._left_pad(prompt_ids)
        with torch.inference_mode():
            out = self.model.generate(input_ids=ids, attention_mask=mask,
                                      generation_config=self._greedy_config(max_new_tokens))
        new = out[:, ids.shape[1] :]
        self.usage.tokens_generated += int((new != self.pad_id).sum())
        return [self.tokenizer.decode(row, skip_special_tokens=True) for row in new]

    def _halving(self, compute: Any, n: int) -> list[Any]:
        """``compute(indices)`` for all ``n`` items; on out-of-memory, halve the batch and retry.

        Later batches are made smaller too, so one spike does not cost a retry per batch.
        """

        def run(indices: list[int]) -> list[Any]:
            try:
                return list(compute(indices))
            except Exception as exc:  # noqa: BLE001 - only out-of-memory is handled here
                if not is_out_of_memory(exc):
                    raise
                free_memory()
                if len(indices) == 1:
                    raise UserError(
                        "Out of memory on a single sequence: the model does not fit this "
                        f"device ({self.device}). Try --dtype bfloat16, --device cpu, or "
                        "--device-map auto to spread it over several GPUs."
                    ) from None
                self.usage.extra["oom_halvings"] = self.usage.extra.get("oom_halvings", 0) + 1
                self._budget_scale = max(self._budget_scale / 2, 1 / 256)
                half = len(indices) // 2
                return run(indices[:half]) + run(indices[half:])

        return run(list(range(n)))

    def _run_batch(self, verb: str, payload: Any, items: list, compute: Any) -> list[Any]:
        """``compute(items)``: one answer per item, read from the journal when it holds this
        exact batch (``verb``, ``payload``), else computed with out-of-memory halving."""
        return journaled(self.journal, verb, payload, lambda: self._halving(
            lambda ix: compute([items[i] for i in ix]), len(items)))

    def sample(self, prompts: Sequence[str], max_new_tokens: int, seed: int) -> list[str]:
        """Seeded sampled continuations (temperature 1), e.g. to draw text from the model."""
        import torch

        encoded = [self._prefix() + self.encode(p) for p in prompts]
        config = self._greedy_config(max_new_tokens)
        config.do_sample, config.temperature, config.top_p = True, 1.0, 0.95
        outputs: list[str] = []
        with torch.random.fork_rng(devices=[]), \
                meter(self.options.progress, "Sampling", len(encoded), "text") as bar:
            torch.manual_seed(seed)
            for start in range(0, len(encoded), 16):
                ids, mask, _ = self._left_pad(encoded[start : start + 16])
                with torch.inference_mode():
                    out = self.model.generate(input_ids=ids, attention_mask=mask,
                                              generation_config=config)
                outputs += self.tokenizer.batch_decode(out[:, ids.shape[1] :],
                                                       skip_special_tokens=True)
                bar.update(len(ids))
        return outputs

    def serve(self, prompts: Sequence[str], max_new_tokens: int) -> ServingRun:
        """One batch of every prompt through generate (see :mod:`.serving`)."""
        from alignaudit.backends.hf.serving import serve_batch

        return serve_batch(self, prompts, max_new_tokens)

    # ----------------------------------------------------------------- internals
    def _greedy_config(self, max_new_tokens: int) -> Any:
        """Greedy decoding whatever the model's own generation defaults say.

        Stop strings are applied after decoding: transformers' stop-string criterion costs
        more than the few extra tokens it saves on short answers.
        """
        from transformers import GenerationConfig

        config = GenerationConfig.from_model_config(self.model.config)
        config.do_sample = False
        config.num_beams = 1
        config.max_new_tokens = max_new_tokens
        config.pad_token_id = self.pad_id
        for name in ("temperature", "top_p", "top_k", "max_length"):
            setattr(config, name, None)
        return config

    def _batches(self, order: list[int], lengths: list[int], desc: str | None,
                 unit: str = "sequence") -> Iterator[list[int]]:
        """Yield index batches in ``order`` (longest first) under a token budget, counted in
        a progress meter named ``desc`` (None: an internal step, never shown).

        The budget also bounds the logits a batch can produce (tokens x vocabulary), so a model
        with a 262k vocabulary (Gemma 3) gets smaller batches than one with 49k.
        """
        size = self.options.fixed_batch_size
        budget = 16384 if self.device.startswith("cuda") else 4096
        vocab = int(getattr(self.model.config, "vocab_size", 0) or 50_000)
        budget = max(64, int(min(budget, MAX_LOGITS // vocab) * self._budget_scale))
        i = 0
        with meter(self.options.progress if desc else "off", desc or "", len(order), unit) as bar:
            while i < len(order):
                longest = max(lengths[order[i]], 1)
                if size:
                    n = max(1, int(size * self._budget_scale))
                else:
                    n = max(1, min(256, budget // longest))
                batch = order[i : i + n]
                yield batch
                bar.update(len(batch))
                i += len(batch)

    def _left_pad(self, seqs: list[list[int]]) -> tuple[Any, Any, Any]:
        import torch

        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for row, seq in enumerate(seqs):
            ids[row, width - len(seq) :] = torch.tensor(seq, dtype=torch.long)
            mask[row, width - len(seq) :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        device = self.model.device if self.options.device_map is None else "cpu"
        return ids.to(device), mask.to(device), positions.to(device)

    def _score(self, requests: list[_Request], desc: str | None) -> list[tuple[float, bool]]:
        limit = self.context_length + 1
        seqs = [(r.ctx + r.cont)[-limit:] for r in requests]
        conts = [min(len(r.cont), len(s) - 1) for r, s in zip(requests, seqs, strict=True)]
        results: list[tuple[float, bool]] = [(0.0, True)] * len(requests)
        todo = [i for i in range(len(requests)) if conts[i] > 0]
        order = sorted(todo, key=lambda i: -len(seqs[i]))
        started = time.perf_counter()
        for batch in self._batches(order, [len(s) for s in seqs], desc):
            args = ([seqs[i] for i in batch], [conts[i] for i in batch])
            scored = self._run_batch("plain", args, batch, lambda ix: self._score_batch(
                [seqs[i] for i in ix], [conts[i] for i in ix]))
            for i, value in zip(batch, scored, strict=True):
                results[i] = value
            self.usage.batches += 1
            self.usage.tokens_scored += sum(len(seqs[i]) - 1 for i in batch)
        self.usage.score_seconds += time.perf_counter() - started
        return results

    def _pack_capacity(self) -> tuple[int, int]:
        """Nodes per packed row, and the longest request input packing takes.

        Rows of 256 keep attention (quadratic in the row) a small share of the work on a CPU.
        A model with sliding-window layers gets rows no wider than its window, so the ancestor
        mask never asks a layer to look further back than it would in a plain pass.
        """
        config = self.model.config
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        window = getattr(text, "sliding_window", None)
        limit = self.context_length
        if isinstance(window, int) and window > 0:
            limit = min(limit, window)
        return min(PACK_ROW, limit), limit

    def _score_packed(self, requests: list[_Request], mode: _Packed
                      ) -> list[tuple[float, bool | None]] | None:
        """Score with prefix-tree packing; None when this model cannot be packed exactly.

        The greedy flag is None where ``mode`` needs none (rows of perplexity windows)."""
        if self.usage.extra.get("packing") is False:
            return None
        capacity, limit = self._pack_capacity()
        rows, leftovers = packing.build_rows(
            [r.ctx for r in requests], [r.cont for r in requests], capacity, limit, mode.growth)
        if not rows:
            return None
        if "packing" not in self.usage.extra and not self._packing_agrees(requests, rows[0]):
            return None
        results: list[tuple[float, bool | None]] = [(0.0, True)] * len(requests)
        order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))
        started = time.perf_counter()
        for batch in self._batches(order, [len(r) for r in rows], mode.desc, "row"):
            chunk = [rows[i] for i in batch]
            payload = [[[requests[k].ctx, requests[k].cont] for k in r.owners] for r in chunk]
            scored = self._run_batch(mode.verb, payload, chunk,
                                     lambda rs: self._score_rows(rs, mode.greedy))
            for row, scores in zip(chunk, scored, strict=True):
                for owner, value in zip(row.owners, scores, strict=True):
                    results[owner] = (value[0], value[1])
            self.usage.batches += 1
            self.usage.tokens_scored += sum(len(r) for r in chunk)
        self.usage.score_seconds += time.perf_counter() - started
        if leftovers:
            for i, value in zip(leftovers, self._score([requests[i] for i in leftovers],
                                                       desc=mode.desc), strict=True):
                results[i] = value
        return results

    def _score_rows(self, rows: list[packing.Row], greedy: bool = True
                    ) -> list[list[tuple[float, bool | None]]]:
        """Scores of every request in ``rows``, one list per row (the unit of halving)."""
        import torch

        dtype = next(self.model.parameters()).dtype
        tensors = packing.row_tensors(rows, self.pad_id, dtype)
        device = self.model.device if self.options.device_map is None else "cpu"
        tensors = {k: v.to(device) for k, v in tensors.items()}
        spec = packing.readout(rows)
        with torch.inference_mode():
            logits = packing.logits_at(self.model, tensors, spec.rows, spec.cols)
        flat = packing.scores_from_logits(logits, spec, greedy)
        out, k = [], 0
        for row in rows:
            out.append(flat[k : k + len(row.owners)])
            k += len(row.owners)
        return out

    def _packing_agrees(self, requests: list[_Request], row: packing.Row) -> bool:
        """Check once that packing gives the plain scores on this model (else turn it off)."""
        import torch

        tolerance = 1e-4 if next(self.model.parameters()).dtype == torch.float32 else 5e-2
        try:
            packed: list[tuple[float, bool | None]] | None = self._score_rows([row])[0]
        except Exception as exc:  # noqa: BLE001 - an architecture that rejects 4-D masks
            log.info("Prefix packing is not available for this model: %s", first_line(exc))
            packed = None
        plain = self._score([requests[i] for i in row.owners], desc=None)
        agrees = packed is not None and all(
            abs(a[0] - b[0]) <= tolerance * max(1.0, abs(b[0])) and a[1] == b[1]
            for a, b in zip(packed, plain, strict=True))
        self.usage.extra["packing"] = agrees
        return agrees

    def _score_batch(self, seqs: list[list[int]], conts: list[int]) -> list[tuple[float, bool]]:
        import torch

        ids, mask, positions = self._left_pad([s[:-1] for s in seqs])
        keep = max(conts)
        with torch.inference_mode():
            logits = self.model(
                input_ids=ids, attention_mask=mask, position_ids=positions, logits_to_keep=keep
            ).logits[:, -keep:, :]
        out = []
        for row, (seq, n) in enumerate(zip(seqs, conts, strict=True)):
            target = torch.tensor(seq[-n:], device=logits.device)
            rows = torch.log_softmax(logits[row, keep - n :, :].double(), dim=-1)
            picked = rows.gather(-1, target[:, None]).squeeze(-1)
            greedy = bool((rows.argmax(-1) == target).all())
            out.append((float(picked.double().sum()), greedy))
        return out
