"""Out-of-memory handling of the transformers backend: what counts as one, and freeing memory
before a batch is retried at half its size."""

from __future__ import annotations

import sys


def is_out_of_memory(exc: BaseException) -> bool:
    """An allocation failure on any device (CUDA, MPS or CPU)."""
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text
                                              or "can't allocate memory" in text)


def free_memory() -> None:
    import gc

    gc.collect()
    if "torch" in sys.modules:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
