"""Rolling perplexity: each document cut into windows, the windows packed side by side.

A document of ``n`` tokens is read in non-overlapping windows of at most ``size`` tokens. The
first window's first token is predicted from the start token, every later window's from the
token just before it, so each window is one request ``([previous token], window)`` and every
token of the document is predicted exactly once.

Windows are packed into rows with :func:`alignaudit.backends.hf.packing.build_rows`, growth 1:
several short documents per row with no padding between them, each with its own causal block
and position ids from 0 (the 4-D mask lets a token see its own window's earlier tokens only);
documents that open with the same tokens share those nodes, as the trie does for prompts. A
window longer than a row's capacity fills a row of its own. The model computes exactly what a
separate pass over each window computes; the per-token log-probabilities then need logits at
every node, and their log-normaliser comes from :func:`packing.log_normaliser`.
"""

from __future__ import annotations

from collections.abc import Sequence

from alignaudit.backends.base import Perplexity

Window = tuple[list[int], list[int]]
"""A window of perplexity as a request: (the token it is predicted from, its tokens)."""


def windows(tokens: Sequence[int], size: int, start_token: int) -> list[Window]:
    """``(context, window)`` pairs that predict every token of ``tokens`` once.

    The context is ``[start_token]`` for the first window and the token before the window for
    the others; no window is longer than ``size``. No tokens: no windows.
    """
    out = []
    for start in range(0, len(tokens), size):
        prev = [tokens[start - 1]] if start else [start_token]
        out.append((prev, list(tokens[start : start + size])))
    return out


def per_text(texts: Sequence[str], owners: Sequence[int], lengths: Sequence[int],
             logprobs: Sequence[float]) -> list[Perplexity]:
    """Sum the windows' log-probabilities (``logprobs``, of ``lengths`` tokens each) into one
    :class:`Perplexity` per text; ``owners`` says which text each window belongs to."""
    nll = [0.0] * len(texts)
    count = [0] * len(texts)
    for owner, n, lp in zip(owners, lengths, logprobs, strict=True):
        nll[owner] -= lp
        count[owner] += n
    return [Perplexity(nll=nll[i], n_tokens=count[i], n_words=len(t.split()))
            for i, t in enumerate(texts)]
