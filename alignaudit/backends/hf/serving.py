"""The serving probe on the transformers backend: every prompt in one batch through
``generate``, as a server that batches requests would run them, timed end to end.

Each generation is made to write exactly the asked number of tokens (end-of-text is suppressed
until then), so the probe measures answers of the typical length rather than whatever length the
model happens to stop at. Tokens are counted by the model's own tokenizer. Every request of a
batch finishes with the batch, so each request's latency is the batch's wall time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from alignaudit.backends.base import ServedRequest, ServingRun


def serve_batch(backend: Any, prompts: Sequence[str], max_new_tokens: int) -> ServingRun:
    """``prompts`` as one batch of ``backend`` (an HFBackend), ``max_new_tokens`` each."""
    import torch

    encoded = [backend._prefix() + backend.encode(p) for p in prompts]
    keep = max(1, backend.context_length - max_new_tokens)
    encoded = [e[-keep:] for e in encoded]
    config = backend._greedy_config(max_new_tokens)
    config.min_new_tokens = max_new_tokens
    started = time.perf_counter()
    ids, mask, _ = backend._left_pad(encoded)
    with torch.inference_mode():
        out = backend.model.generate(input_ids=ids, attention_mask=mask, generation_config=config)
    if str(out.device).startswith("cuda"):
        torch.cuda.synchronize(out.device)
    wall = time.perf_counter() - started
    made = int(out.shape[1] - ids.shape[1])
    return ServingRun(requests=[ServedRequest(len(e), made, wall) for e in encoded],
                      wall_seconds=wall, how=f"one batch of {len(prompts)} through generate "
                      f"({backend.device})", token_source="the model's own tokenizer")
