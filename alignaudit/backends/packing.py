"""Prefix packing: score all continuations of one context in a single sequence.

A probe's choices share their context. Instead of running ``context + choice`` once per choice
(what lm-evaluation-harness does), the context is laid down once and every continuation after
it, each with position ids that restart where the context ends and an attention mask that lets
a continuation see the context and its own earlier tokens only. The model computes exactly the
same thing as separate passes (tests check it to 1e-5) over far fewer tokens: the floor of one
forward pass over the unique tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PackedGroup:
    """One context and the continuations scored after it, with the requests they answer."""

    ctx: list[int]
    conts: list[list[int]] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)

    @property
    def length(self) -> int:
        return len(self.ctx) + sum(len(c) for c in self.conts)

    def layout(self) -> tuple[list[int], list[int], list[tuple[int, int]]]:
        """Token ids, position ids and (start, length) of every continuation."""
        ids = list(self.ctx)
        positions = list(range(len(self.ctx)))
        spans = []
        for cont in self.conts:
            spans.append((len(ids), len(cont)))
            ids.extend(cont)
            positions.extend(range(len(self.ctx), len(self.ctx) + len(cont)))
        return ids, positions, spans


def group_requests(
    contexts: Sequence[list[int]], conts: Sequence[list[int]], max_len: int
) -> tuple[list[PackedGroup], list[int]]:
    """Group requests by identical context; requests that cannot be packed are returned apart.

    A group holds continuations while the packed sequence stays within ``max_len`` tokens.
    """
    groups: list[PackedGroup] = []
    open_group: dict[tuple[int, ...], PackedGroup] = {}
    leftovers: list[int] = []
    for i, (ctx, cont) in enumerate(zip(contexts, conts, strict=True)):
        if not cont or len(ctx) + len(cont) > max_len:
            leftovers.append(i)
            continue
        key = tuple(ctx)
        group = open_group.get(key)
        if group is None or group.length + len(cont) > max_len:
            group = PackedGroup(ctx=list(ctx))
            groups.append(group)
            open_group[key] = group
        group.conts.append(list(cont))
        group.owners.append(i)
    return groups, leftovers


def batch_tensors(groups: Sequence[PackedGroup], pad_id: int, dtype: Any) -> dict[str, Any]:
    """Right-padded ids, position ids and a 4-D additive attention mask for a batch."""
    import torch

    width = max(g.length for g in groups)
    ids = torch.full((len(groups), width), pad_id, dtype=torch.long)
    positions = torch.zeros((len(groups), width), dtype=torch.long)
    allowed = torch.zeros((len(groups), width, width), dtype=torch.bool)
    for row, group in enumerate(groups):
        seq, pos, spans = group.layout()
        n_ctx = len(group.ctx)
        ids[row, : len(seq)] = torch.tensor(seq)
        positions[row, : len(pos)] = torch.tensor(pos)
        allowed[row, :n_ctx, :n_ctx] = torch.ones(n_ctx, n_ctx, dtype=torch.bool).tril()
        for start, length in spans:
            allowed[row, start : start + length, :n_ctx] = True
            allowed[row, start : start + length, start : start + length] = torch.ones(
                length, length, dtype=torch.bool).tril()
        pad = torch.arange(len(seq), width)
        allowed[row, pad, pad] = True  # padding sees itself only: no empty softmax rows
    mask = torch.zeros((len(groups), 1, width, width), dtype=dtype)
    mask.masked_fill_(~allowed[:, None], torch.finfo(dtype).min)
    return {"input_ids": ids, "position_ids": positions, "attention_mask": mask}


def read_scores(
    logits: Any, offset: int, group: PackedGroup, row: int
) -> list[tuple[float, bool]]:
    """Sum of continuation log-probs and greedy flags from ``logits[row]``.

    ``logits`` holds the last positions of the batch (``offset`` is the sequence index of the
    first one kept); the log-softmax is taken in float64, one continuation at a time, so the
    batch never exists in double precision at once.
    """
    import torch

    _, _, spans = group.layout()
    n_ctx = len(group.ctx)
    out = []
    for (start, length), cont in zip(spans, group.conts, strict=True):
        # token 0 is predicted at the context's last position, token j>0 at start + j - 1
        where = [n_ctx - 1] + list(range(start, start + length - 1))
        rows = torch.log_softmax(logits[row, [w - offset for w in where], :].double(), dim=-1)
        target = torch.tensor(cont, device=rows.device)
        picked = rows.gather(-1, target[:, None]).squeeze(-1)
        out.append((float(picked.double().sum()), bool((rows.argmax(-1) == target).all())))
    return out
