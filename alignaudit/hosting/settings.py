"""The hosting options of a run (``--api-price``, ``--volume``, ``--prompt-tokens``,
``--answer-tokens``, ``--measure-serving``, ``--serving-requests``), validated once.

``--price-per-hour`` stays a field of the run configuration, where it always was; the hosting
section reads it from there.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alignaudit.hosting.volume import parse_volume

MAX_SERVING_REQUESTS = 256
MAX_TYPICAL_TOKENS = 32768


class HostingSettings(BaseModel):
    """What the user said about prices, volume and the serving probe."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_price: tuple[float, float] | None = Field(
        default=None, description="--api-price IN,OUT: a hosted API's price in $ per million "
        "input and output tokens, e.g. 0.15,0.60.")
    volume: str | None = Field(
        default=None, description="--volume: your traffic, e.g. '50M tokens/month' or "
        "'2000 requests/day' (k, M, B; per month, day or hour).")
    prompt_tokens: int = Field(
        default=400, description="--prompt-tokens of a typical request (input).")
    answer_tokens: int = Field(
        default=200, description="--answer-tokens of a typical answer (output).")
    measure_serving: bool = Field(
        default=False, description="--measure-serving: time N generations sent together "
        "(throughput, latency p50/p95, and so the machines your volume needs).")
    serving_requests: int = Field(
        default=16, description="--serving-requests: generations the serving probe sends "
        "together.")

    @field_validator("api_price", mode="before")
    @classmethod
    def _api_price(cls, value: Any) -> Any:
        if value is None or isinstance(value, list | tuple):
            return value
        parts = str(value).replace(" ", "").split(",")
        try:
            prices = tuple(float(p) for p in parts)
        except ValueError:
            prices = ()
        if len(prices) != 2 or not all(math.isfinite(p) and p >= 0 for p in prices):
            raise ValueError(f"--api-price {value}: give the input and output price in $ per "
                             "million tokens as IN,OUT, e.g. --api-price 0.15,0.60.")
        return prices

    @field_validator("prompt_tokens", "answer_tokens")
    @classmethod
    def _typical(cls, value: int, info: Any) -> int:
        if not 1 <= value <= MAX_TYPICAL_TOKENS:
            option = "--" + str(info.field_name).replace("_", "-")
            raise ValueError(f"{option} {value}: give the tokens of a typical request, from 1 "
                             f"to {MAX_TYPICAL_TOKENS}.")
        return value

    @field_validator("serving_requests")
    @classmethod
    def _requests(cls, value: int) -> int:
        if not 1 <= value <= MAX_SERVING_REQUESTS:
            raise ValueError(f"--serving-requests {value}: give the generations to send "
                             f"together, from 1 to {MAX_SERVING_REQUESTS}.")
        return value

    @model_validator(mode="after")
    def _volume(self) -> HostingSettings:
        if self.volume is not None:
            parse_volume(self.volume, self.prompt_tokens, self.answer_tokens)
        return self

    @property
    def wanted(self) -> bool:
        """Whether the run has anything for the hosting section."""
        return self.api_price is not None or self.volume is not None or self.measure_serving
