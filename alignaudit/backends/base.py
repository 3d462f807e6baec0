"""The one seam between alignaudit and a model: a few batched verbs.

Everything above a backend (scoring, analysis, reports) only calls these verbs, so a model in
transformers and a model behind an OpenAI-compatible server are audited the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class Loglikelihood(BaseModel):
    """Log-probability of a continuation given its context."""

    model_config = ConfigDict(frozen=True)

    logprob: float = Field(description="Sum of the continuation tokens' log-probabilities.")
    is_greedy: bool = Field(description="Every continuation token was the model's argmax.")
    n_tokens: int = Field(description="Number of continuation tokens scored.")
    boundary_fixed: bool = Field(
        default=False,
        description="Context and continuation did not meet on a token boundary; the exact "
        "continuation text was tokenised on its own and scored after the context.",
    )
    truncated: bool = Field(default=False, description="Context was cut to fit the window.")


class Perplexity(BaseModel):
    """Rolling (non-overlapping window) perplexity of one text."""

    model_config = ConfigDict(frozen=True)

    nll: float = Field(description="Total negative log-likelihood in nats.")
    n_tokens: int = Field(description="Tokens scored.")
    n_words: int = Field(description="Whitespace-separated words in the text.")

    @property
    def perplexity(self) -> float:
        import math

        return math.exp(self.nll / self.n_tokens) if self.n_tokens else float("nan")


class ModelInfo(BaseModel):
    """What model was audited, exactly."""

    model_config = ConfigDict(frozen=True)

    spec: str = Field(description="What the user passed to --model.")
    display_name: str = Field(description="Short name for tables.")
    source: str = Field(description="alias, hub, local, gguf or openai.")
    backend: str = Field(description="hf or openai.")
    revision: str | None = Field(default=None, description="Hub revision or commit, if any.")
    files_sha256: dict[str, str] = Field(
        default_factory=dict, description="sha256 of the weight files that were loaded."
    )
    architecture: str = Field(default="", description="Model class / architecture.")
    n_parameters: int | None = Field(default=None, description="Parameter count.")
    weights_bytes: int | None = Field(default=None, description="Size of weights on disk.")
    dtype: str = Field(default="", description="Compute dtype.")
    device: str = Field(default="", description="Device the model ran on.")
    context_length: int | None = Field(default=None, description="Longest input in tokens.")
    add_bos: bool = Field(default=False, description="A BOS token starts every input.")
    claimed_cutoff: str | None = Field(default=None, description="Cutoff the model card claims.")
    trust_remote_code: bool = Field(default=False, description="Remote code was allowed.")
    license: str | None = Field(default=None, description="License, where known.")
    api: str | None = Field(
        default=None, description="Served models: the endpoint used, `completions` "
        "(/v1/completions) or `chat` (/v1/chat/completions, chat mode).")
    generation_only: str | None = Field(
        default=None, description="Why no likelihoods could be had, so that probes were scored "
        "by their generations only (e.g. `chat-only endpoint: no prompt log-probabilities`); "
        "None when likelihoods were available.")


@runtime_checkable
class Backend(Protocol):
    """A loaded model that answers the three batched verbs."""

    info: ModelInfo

    def loglikelihood(self, pairs: Sequence[tuple[str, str]]) -> list[Loglikelihood]:
        """Score each (context, continuation); the continuation keeps its leading space."""
        ...

    def generate(
        self, prompts: Sequence[str], max_new_tokens: int, stop: Sequence[str]
    ) -> list[str]:
        """Greedy continuation of each prompt, cut at the first stop string."""
        ...

    def perplexity(self, texts: Sequence[str]) -> list[Perplexity]:
        """Rolling perplexity of each text."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes (no special tokens)."""
        ...
