"""Train causal LMs on a list of texts, on CPU, seeded: a tiny Llama from scratch (with a BPE
tokenizer trained on the same texts) or an existing model trained further, all or only its top
layers. Used by the known-cutoff test and bench (:mod:`tests.helpers.known_cutoff`).

Every example ends with EOS; batches group examples of similar length and padding is masked
out of the loss. AdamW, linear warm-up, cosine decay to a tenth of the peak, gradient clipping
at 1. Batch order comes from ``random.Random(seed)`` and initialisation from a forked torch RNG:
the same seed gives the same weights.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

EOS = "<|endoftext|>"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TinyConfig(_Frozen):
    """A small Llama: rotary positions, so a prompt cut from the left still lines up."""

    vocab_size: int = Field(default=1024, description="Size of the BPE trained on the texts.")
    hidden: int = Field(default=64, description="Width.")
    layers: int = Field(default=1, description="Transformer blocks.")
    heads: int = Field(default=4, description="Attention heads.")
    intermediate: int = Field(default=192, description="MLP width.")
    max_positions: int = Field(default=256, description="Longest sequence.")


class TrainConfig(_Frozen):
    """The training loop's settings (defaults: the tiny model's)."""

    epochs: int = Field(default=30, description="Passes over the texts.")
    batch_size: int = Field(default=16, description="Examples per step.")
    lr: float = Field(default=2e-2, description="Peak learning rate.")
    warmup_fraction: float = Field(default=0.05, description="Share of steps warming up.")
    weight_decay: float = Field(default=0.0, description="AdamW weight decay.")
    max_tokens: int = Field(default=128, description="Examples are cut to this many tokens.")
    train_top_layers: int | None = Field(
        default=None, description="Continued training: train only the top N blocks and the "
        "final norm (embeddings frozen, so backward stops below those blocks); None trains "
        "every parameter.")
    seed: int = Field(default=0, description="Seed of batch order and initialisation.")


class TrainReport(_Frozen):
    """What training did."""

    n_texts: int = Field(description="Training examples.")
    n_tokens: int = Field(description="Tokens in one epoch (padding excluded).")
    n_trained_params: int = Field(description="Parameters that were updated.")
    epochs: int = Field(description="Passes over the examples.")
    steps: int = Field(description="Optimiser steps.")
    seconds: float = Field(description="Wall time of the loop.")
    loss_first_epoch: float = Field(description="Mean loss of the first epoch.")
    loss_last_epoch: float = Field(description="Mean loss of the last epoch.")


def train_tokenizer(texts: Sequence[str], vocab_size: int) -> Any:
    """A byte-level BPE trained on ``texts`` (no BOS; ``<|endoftext|>`` ends and pads)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOS], min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(list(texts), trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, bos_token=EOS,
                                   unk_token=EOS, model_max_length=1024)


def train_from_scratch(texts: Sequence[str], folder: Path, tiny: TinyConfig,
                       train: TrainConfig) -> TrainReport:
    """Tokenizer and randomly initialised Llama trained on ``texts``, saved to ``folder``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = train_tokenizer(texts, tiny.vocab_size)
    eos = tokenizer.eos_token_id
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=tiny.hidden, intermediate_size=tiny.intermediate,
        num_hidden_layers=tiny.layers, num_attention_heads=tiny.heads,
        num_key_value_heads=tiny.heads, max_position_embeddings=tiny.max_positions,
        tie_word_embeddings=True, bos_token_id=eos, eos_token_id=eos, pad_token_id=eos)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(train.seed)
        model = LlamaForCausalLM(config)
    report = train_causal_lm(model, tokenizer, texts, train)
    _save(model, tokenizer, folder)
    return report


def continue_training(base: str, texts: Sequence[str], folder: Path,
                      train: TrainConfig) -> TrainReport:
    """Load ``base`` (a folder or alignaudit alias) in float32 on CPU, train on ``texts``, save."""
    from alignaudit.backends.hf.backend import HFBackend
    from alignaudit.backends.hf.options import LoadOptions
    from alignaudit.backends.hf.resolve import resolve

    backend = HFBackend.load(resolve(base), LoadOptions(device="cpu", dtype="float32",
                                                        progress="off"))
    if train.train_top_layers is not None:
        freeze_below(backend.model, train.train_top_layers)
    report = train_causal_lm(backend.model, backend.tokenizer, texts, train)
    _save(backend.model, backend.tokenizer, folder)
    return report


def freeze_below(model: Any, top: int) -> None:
    """Leave trainable only the top ``top`` decoder blocks and the final norm; the embeddings
    (tied to the output head in SmolLM2) stay as they are. Llama-style models only."""
    inner = model.model
    for p in model.parameters():
        p.requires_grad_(False)
    for module in [*inner.layers[len(inner.layers) - top:], inner.norm]:
        for p in module.parameters():
            p.requires_grad_(True)


def _save(model: Any, tokenizer: Any, folder: Path) -> None:
    model.save_pretrained(folder)  # creates the folder
    tokenizer.save_pretrained(folder)


def _encode(tokenizer: Any, texts: Sequence[str], max_tokens: int) -> list[list[int]]:
    """Token ids as the backend will see them (the tokenizer's own BOS rule), EOS appended."""
    eos = tokenizer.eos_token_id
    return [list(tokenizer(t)["input_ids"])[: max_tokens - 1] + [eos] for t in texts]


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar lengths: shuffle, sort within windows of eight batches, cut,
    shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * 8
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=lambda i: lengths[i])
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def _tensors(seqs: list[list[int]], pad: int) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return ids, mask, ids.masked_fill(mask == 0, -100)


def _schedule(step: int, total: int, warmup: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))


def train_causal_lm(model: Any, tokenizer: Any, texts: Sequence[str],
                    cfg: TrainConfig) -> TrainReport:
    """Plain AdamW next-token training of the parameters that require grad, seeded."""
    import torch

    seqs = _encode(tokenizer, texts, cfg.max_tokens)
    rng = random.Random(cfg.seed)
    total = math.ceil(len(seqs) / cfg.batch_size) * cfg.epochs
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.95), weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: _schedule(s, total, max(1, int(cfg.warmup_fraction * total))))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    epoch_losses, started = [], time.perf_counter()
    model.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        for _ in range(cfg.epochs):
            losses = []
            for batch in _batches([len(s) for s in seqs], cfg.batch_size, rng):
                ids, mask, labels = _tensors([seqs[i] for i in batch], pad)
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                losses.append(float(loss.detach()))
            epoch_losses.append(float(np.mean(losses)))
    model.eval()
    return TrainReport(n_texts=len(seqs), n_tokens=sum(len(s) for s in seqs),
                       n_trained_params=sum(p.numel() for p in params), epochs=cfg.epochs,
                       steps=total, seconds=time.perf_counter() - started,
                       loss_first_epoch=epoch_losses[0], loss_last_epoch=epoch_losses[-1])
