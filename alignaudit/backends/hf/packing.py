"""Prefix-tree packing: every distinct token prefix of a scoring batch is computed once.

A causal model's output at a token depends only on that token and the tokens before it. So
when requests share a prefix — a probe's choices share its prompt, prompts share an opening
("The 2022 FIFA World Cup ..."), choices share a first word — the shared part needs one pass,
not one per request. lm-evaluation-harness runs ``context + continuation`` once per pair.

Here the requests of a batch are merged into a token trie and laid out in rows: each trie node
is one position, its position id is its depth, and a 4-D attention mask lets a node see its
ancestors and itself only. The model computes exactly what separate passes compute (tests and
a per-model self-check hold it to 1e-5 in float32) over the trie's nodes, which is fewer than
one pass over the unique tokens of each context.

Two further savings follow from what a score needs:

- a continuation's last token is never fed to the model: nothing is predicted from it;
- logits are needed only at the nodes that predict a continuation token, and each such node
  only once even when several requests are scored from it (every choice's first token is
  predicted by the prompt's last node).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One packed sequence: trie nodes in creation order, and the requests scored from them."""

    ids: list[int] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    """Index of each node's parent in this row; -1 for a node at depth 0."""
    owners: list[int] = field(default_factory=list)
    """Indices (into the caller's request list) of the requests scored in this row."""
    where: list[list[int]] = field(default_factory=list)
    """Per owner: the node whose output predicts each continuation token."""
    targets: list[list[int]] = field(default_factory=list)
    """Per owner: the continuation token ids."""

    def __len__(self) -> int:
        return len(self.ids)


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def build_rows(
    contexts: Sequence[list[int]], conts: Sequence[list[int]], capacity: int, max_len: int
) -> tuple[list[Row], list[int]]:
    """Merge requests into trie rows of at most ``capacity`` nodes each.

    Requests are taken in lexicographic order of their input tokens (``context`` plus all but
    the last continuation token), so each one shares the longest prefix it can with the one
    before it; in sorted order no earlier request shares more. A row may grow to
    ``capacity`` nodes, or to twice its first request's input when that is longer (up to
    ``max_len``), so the choices of a long prompt still share one pass over it. Requests with
    an empty context or continuation, or an input longer than ``max_len``, are returned apart
    (plain scoring).
    """
    inputs: dict[int, list[int]] = {}
    leftovers: list[int] = []
    for i, (ctx, cont) in enumerate(zip(contexts, conts, strict=True)):
        seq = list(ctx) + list(cont[:-1])
        if not ctx or not cont or len(seq) > max_len:
            leftovers.append(i)
        else:
            inputs[i] = seq
    rows: list[Row] = []
    row = Row()
    limit = capacity
    path: list[int] = []  # node indices of the previous request's input in this row
    previous: list[int] = []
    for i in sorted(inputs, key=lambda k: inputs[k]):
        seq = inputs[i]
        shared = _common_prefix(previous, seq)
        if row.owners and len(row) + len(seq) - shared > limit:
            rows.append(row)
            row, shared = Row(), 0
        if not row.owners:
            limit = min(max_len, max(capacity, 2 * len(seq)))
        path = path[:shared]
        for depth in range(shared, len(seq)):
            row.parent.append(path[-1] if path else -1)
            row.ids.append(seq[depth])
            row.depth.append(depth)
            path.append(len(row.ids) - 1)
        n_ctx = len(contexts[i])
        row.owners.append(i)
        row.where.append(path[n_ctx - 1 :])
        row.targets.append(list(conts[i]))
        previous = seq
    if row.owners:
        rows.append(row)
    return rows, leftovers


def row_tensors(rows: Sequence[Row], pad_id: int, dtype: Any) -> dict[str, Any]:
    """Right-padded ids, depth position ids and the 4-D additive ancestor mask of a batch."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    positions = torch.zeros((len(rows), width), dtype=torch.long)
    allowed = torch.zeros((len(rows), width, width), dtype=torch.bool)
    for b, row in enumerate(rows):
        n = len(row)
        ids[b, :n] = torch.tensor(row.ids)
        positions[b, :n] = torch.tensor(row.depth)
        seen = allowed[b]
        for node, parent in enumerate(row.parent):
            if parent >= 0:
                seen[node] = seen[parent]  # a node sees what its parent sees ...
            seen[node, node] = True  # ... and itself
        pad = torch.arange(n, width)
        seen[pad, pad] = True  # padding sees itself only: no empty softmax rows
    mask = torch.zeros((len(rows), 1, width, width), dtype=dtype)
    mask.masked_fill_(~allowed[:, None], torch.finfo(dtype).min)
    return {"input_ids": ids, "position_ids": positions, "attention_mask": mask}


@dataclass
class Readout:
    """Where the scores of a batch are read: distinct predicting nodes and per-token links."""

    rows: Any
    """Batch row of each distinct predicting node (1-D long tensor)."""
    cols: Any
    """Position of each distinct predicting node in its row."""
    node: Any
    """For every scored token of every request: which distinct node predicts it."""
    target: Any
    """For every scored token: its token id."""
    request: Any
    """For every scored token: the request's index in the batch (rows' owners, in order)."""
    n_requests: int


def readout(rows: Sequence[Row]) -> Readout:
    """Index tensors that map a batch's logits to per-request scores."""
    import torch

    distinct: dict[tuple[int, int], int] = {}
    node, target, request = [], [], []
    k = 0
    for b, row in enumerate(rows):
        for where, targets in zip(row.where, row.targets, strict=True):
            for col, token in zip(where, targets, strict=True):
                node.append(distinct.setdefault((b, col), len(distinct)))
                target.append(token)
                request.append(k)
            k += 1
    keys = list(distinct)
    return Readout(
        rows=torch.tensor([b for b, _ in keys], dtype=torch.long),
        cols=torch.tensor([c for _, c in keys], dtype=torch.long),
        node=torch.tensor(node, dtype=torch.long),
        target=torch.tensor(target, dtype=torch.long),
        request=torch.tensor(request, dtype=torch.long),
        n_requests=k,
    )


def scores_from_logits(logits: Any, spec: Readout, chunk: int = 256) -> list[tuple[float, bool]]:
    """Per request: the summed log-probability of its continuation and whether it is greedy.

    ``logits`` has one row per distinct predicting node. The log-normaliser is taken in float64
    a chunk of rows at a time, so the batch never exists in double precision at once.
    """
    import torch

    lse = torch.cat([logits[i : i + chunk].double().logsumexp(-1)
                     for i in range(0, logits.shape[0], chunk)])
    best = logits.argmax(-1)
    device = logits.device
    node, target = spec.node.to(device), spec.target.to(device)
    picked = logits[node, target].double() - lse[node]
    miss = (best[node] != target).long()
    request = spec.request.to(device)
    total = torch.zeros(spec.n_requests, dtype=torch.float64, device=device)
    total.index_add_(0, request, picked)
    misses = torch.zeros(spec.n_requests, dtype=torch.long, device=device)
    misses.index_add_(0, request, miss)
    return [(float(t), int(m) == 0) for t, m in zip(total.cpu(), misses.cpu(), strict=True)]
