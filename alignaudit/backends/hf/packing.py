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

Perplexity uses the same rows (:mod:`alignaudit.backends.hf.rolling`): a document's window is a
request whose context is one token, so documents sit side by side in a row, each with its own
causal block and positions from 0 (sharing only an identical opening, such as the start token).
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
    contexts: Sequence[list[int]], conts: Sequence[list[int]], capacity: int, max_len: int,
    growth: int = 2,
) -> tuple[list[Row], list[int]]:
    """Merge requests into trie rows of at most ``capacity`` nodes each.

    Requests are taken in lexicographic order of their input tokens (``context`` plus all but
    the last continuation token), so each one shares the longest prefix it can with the one
    before it; in sorted order no earlier request shares more. A row may grow to
    ``capacity`` nodes, or to ``growth`` times its first request's input when that is longer
    (up to ``max_len``): with 2, the choices of a long prompt still share one pass over it;
    with 1 (perplexity), a long window fills a row of its own and short ones never widen it.
    Requests with an empty context or continuation, or an input longer than ``max_len``, are
    returned apart (plain scoring).
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
            limit = min(max_len, max(capacity, growth * len(seq)))
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


def log_normaliser(logits: Any, chunk: int = 16) -> Any:
    """``logsumexp`` of each row of ``logits`` as float64, ``chunk`` rows at a time.

    Only the sum is accumulated in float64: each row is shifted by its maximum and
    exponentiated in the logits' own precision (float32: about 1e-7 relative error per term),
    then summed in float64, where a float32 sum over a 49k-word vocabulary loses about 1e-6.
    On SmolLM2's logits (``bench/bench_perplexity.py``) the error against a float64
    logsumexp is at most 2e-8 nats per token (a float32 logsumexp: 2e-6), at a sixth of its
    cost; chunks of 16 rows keep the working set in cache. Half-precision logits are widened
    to float32 first.
    """
    import torch

    out = torch.empty(logits.shape[0], dtype=torch.float64, device=logits.device)
    for i in range(0, logits.shape[0], chunk):
        block = logits[i : i + chunk]
        if block.dtype not in (torch.float32, torch.float64):
            block = block.float()
        top = block.amax(-1, keepdim=True)
        total = (block - top).exp_().sum(-1, dtype=torch.float64)
        out[i : i + chunk] = top.squeeze(-1).double() + total.log()
    return out


def scores_from_logits(logits: Any, spec: Readout, greedy: bool = True
                       ) -> list[tuple[float, bool | None]]:
    """Per request: the summed log-probability of its continuation and whether it is greedy
    (None when ``greedy`` is False: perplexity needs no argmax over the vocabulary).

    ``logits`` has one row per distinct predicting node; the log-normaliser comes from
    :func:`log_normaliser` and the sums are taken in float64.
    """
    import torch

    lse = log_normaliser(logits)
    device = logits.device
    node, target = spec.node.to(device), spec.target.to(device)
    picked = logits[node, target].double() - lse[node]
    request = spec.request.to(device)
    total = torch.zeros(spec.n_requests, dtype=torch.float64, device=device)
    total.index_add_(0, request, picked)
    if not greedy:
        return [(float(t), None) for t in total.cpu()]
    miss = (logits.argmax(-1)[node] != target).long()
    misses = torch.zeros(spec.n_requests, dtype=torch.long, device=device)
    misses.index_add_(0, request, miss)
    return [(float(t), int(m) == 0) for t, m in zip(total.cpu(), misses.cpu(), strict=True)]


def logits_at(model: Any, tensors: dict[str, Any], rows: Any, cols: Any) -> Any:
    """Logits at positions ``(rows[i], cols[i])`` only: the LM head never sees the rest.

    A pre-hook on the output embedding hands it just the gathered hidden states, so the
    model's own forward still applies whatever follows the head (Gemma's soft-capping, a
    logit scale). Should a model compute its logits without calling that module, the hook
    never fires and the positions are gathered from the full logits instead. No key/value
    cache is kept: nothing is generated from these rows.
    """
    head = model.get_output_embeddings()
    fired: list[bool] = []

    def gather(_module: Any, args: tuple) -> tuple:
        hidden = args[0]
        fired.append(True)
        return (hidden[rows.to(hidden.device), cols.to(hidden.device)][None],) + args[1:]

    handle = head.register_forward_pre_hook(gather) if head is not None else None
    try:
        logits = model(**tensors, use_cache=False).logits
    finally:
        if handle is not None:
            handle.remove()
    if fired:
        return logits[0]
    return logits[rows.to(logits.device), cols.to(logits.device)]
