"""Options of the transformers backend, each declared and validated once.

:class:`HFSettings` is what a user sets (``--device``, ``--dtype``, ``--batch-size`` ...): the
run configuration nests it and saves it. :class:`LoadOptions` adds what only code and tests
set (window, packing, progress bars).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alignaudit._util.progress import ProgressMode

DTYPES = ("auto", "float32", "bfloat16", "float16")


class HFSettings(BaseModel):
    """How to load and run a transformers model, as the user gave it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str = Field(default="auto", description="--device: auto, cpu, cuda, cuda:N or mps.")
    dtype: str = Field(default="auto", description="--dtype: auto, float32, bfloat16 or float16.")
    batch_size: int | Literal["auto"] = Field(
        default="auto", description="--batch-size: sequences per batch, or auto.")
    trust_remote_code: bool = Field(
        default=False, description="--trust-remote-code: run code shipped with the model.")
    allow_pickle: bool = Field(
        default=False, description="--allow-pickle: load pickle weight files (.bin/.pt).")
    device_map: str | None = Field(
        default=None, description="--device-map for accelerate, e.g. auto to shard a big model.")

    @field_validator("device")
    @classmethod
    def _device(cls, value: str) -> str:
        if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", value):
            raise ValueError(f"--device {value}: use auto, cpu, cuda, cuda:N (a GPU's number) or "
                             "mps.")
        return value

    @field_validator("dtype")
    @classmethod
    def _dtype(cls, value: str) -> str:
        if value not in DTYPES:
            raise ValueError(f"--dtype {value}: use one of {', '.join(DTYPES)}.")
        return value

    @field_validator("batch_size", mode="before")
    @classmethod
    def _batch_size(cls, value: Any) -> Any:
        text = str(value).strip()
        if text == "auto":
            return "auto"
        if isinstance(value, bool) or not (text.isdigit() and int(text) > 0):
            raise ValueError(f"--batch-size {value}: give a positive integer or `auto`.")
        return int(text)

    @property
    def fixed_batch_size(self) -> int | None:
        """The batch size the user fixed, or None for automatic sizing."""
        return None if self.batch_size == "auto" else int(self.batch_size)


class LoadOptions(HFSettings):
    """The user's settings plus what only code and tests set."""

    max_window: int = Field(default=2048, description="Longest window for perplexity.")
    pack: bool = Field(default=True, description="Prefix-tree packing: shared prefixes run once.")
    progress: ProgressMode = Field(default="bar", description="Progress of long steps: bar, "
                                   "lines or off (see alignaudit._util.progress).")
