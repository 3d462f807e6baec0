"""The one seam between alignaudit and a model: a few batched verbs and what each backend can do.

Everything above a backend (scoring, analysis, reports) calls only these verbs and reads only
:attr:`Backend.capabilities`, so a model in transformers, a model behind an OpenAI-compatible
server and the deterministic fake are audited the same way. No caller probes a backend with
``hasattr``: what it cannot do, its capabilities say.

The conventions of the verbs are lm-evaluation-harness's: a continuation keeps its leading space
and is scored given its context; ``is_greedy`` means every continuation token was the argmax.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from alignaudit._util.frozen import Frozen
from alignaudit.backends.journal import Journal


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
    config_sha256: dict[str, str] = Field(
        default_factory=dict, description="sha256 of the model's other files that change its "
        "answers: config.json, generation_config.json, tokenizer files (none for a GGUF file, "
        "whose own hash covers them).")
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


class Capabilities(Frozen):
    """What a backend can do, declared by the backend (some are learnt when it first answers)."""

    loglikelihood: bool = Field(description="Log-probabilities of a continuation given a prompt: "
                                "likelihood ranking of choices. False: scored by generation only.")
    generate: bool = Field(default=True, description="Greedy continuation of a prompt.")
    perplexity: bool = Field(description="Rolling perplexity of a text (needs log-probabilities).")
    sample: bool = Field(default=False, description="Seeded sampling of free text, used for "
                         "`--reference model` (text the model writes stands for its training).")
    usage: bool = Field(default=True, description="Counts tokens and seconds in `usage` for the "
                        "footprint section.")
    journal: bool = Field(default=False, description="Finished work can be journaled, so an "
                          "interrupted run resumes (see `Backend.attach_journal`).")
    serving: bool = Field(default=False, description="Serves concurrent generations for the "
                          "serving probe (`--measure-serving`, see `Backend.serve`).")


@dataclass
class Usage:
    """Work a backend has done, for the footprint section."""

    tokens_scored: int = 0
    score_seconds: float = 0.0
    tokens_generated: int = 0
    generate_seconds: float = 0.0
    batches: int = 0
    load_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    requests: int = 0
    """Served models: HTTP requests answered with success (failed tries are counted below)."""
    retries: int = 0
    """Served models: requests sent again after a failure."""
    latencies: list[float] = field(default_factory=list)
    """Served models: seconds of each successful HTTP round trip, in completion order."""
    served: bool = False
    """True for a model behind a server: its latency summary is reported (even when empty)."""
    # served models: how the endpoint answered (see backends.traffic) and what was sent to it
    # (see backends.egress); ``requests`` above counts the answered requests
    rate_limited: int = 0
    """Attempts answered HTTP 429 (rate limited)."""
    server_errors: int = 0
    """Attempts answered HTTP 5xx."""
    client_errors: int = 0
    """Attempts answered with another HTTP 4xx (some are the probing of optional endpoints)."""
    timeouts: int = 0
    """Attempts that got no answer within --timeout."""
    network_errors: int = 0
    """Attempts that failed below HTTP: refused or dropped connections, bad responses."""
    failed: int = 0
    """Requests given up on: an error on the last try, or one that is not retried."""
    purpose: str = "probes"
    """What the texts handed over now are: ``probes`` or ``data`` (the runner sets it)."""
    sent: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per purpose: distinct ``texts`` handed to a served model, and their ``characters``."""
    _seen: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def record_sent(self, texts: Sequence[str]) -> None:
        """Count ``texts`` as handed to a served model under :attr:`purpose` (each text once)."""
        counts = self.sent.setdefault(self.purpose, {"texts": 0, "characters": 0})
        for text in texts:
            if (self.purpose, text) not in self._seen:
                self._seen.add((self.purpose, text))
                counts["texts"] += 1
                counts["characters"] += len(text)

    def latency_summary(self) -> dict[str, float]:
        """Count, mean and percentiles (p50, p90, p99, max) of request latencies in seconds;
        empty for a model that is not served."""
        values = sorted(self.latencies)
        if not values:
            return {"n": 0} if self.served else {}
        return {"n": len(values), "mean": sum(values) / len(values),
                **{f"p{round(q * 100)}": nearest_rank(values, q) for q in (0.5, 0.9, 0.99)},
                "max": values[-1]}


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0 < q <= 1) of sorted ``values`` by the nearest-rank rule: the
    smallest value with at least ``q`` of the values at or below it."""
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


@dataclass(frozen=True)
class ServedRequest:
    """One generation of the serving probe: its tokens (counted by the model's tokenizer, or
    the server's usage fields) and seconds from sending it to its last token."""

    prompt_tokens: int
    output_tokens: int
    seconds: float


@dataclass
class ServingRun:
    """What the serving probe recorded: every request, and the wall time of the whole probe."""

    requests: list[ServedRequest]
    wall_seconds: float
    how: str
    """How the requests ran, in words (one batch through generate, N concurrent requests)."""
    token_source: str
    """Where the token counts came from (the model's tokenizer, the server's usage fields)."""


class Unsupported(Exception):
    """A verb the backend does not have (its capabilities say so); a bug in the caller."""


class Backend(ABC):
    """A loaded model that answers the batched verbs.

    Subclasses set :attr:`info` and :attr:`usage` and declare :attr:`capabilities`. A verb
    whose capability is False raises (the caller should have checked).
    """

    info: ModelInfo
    usage: Usage
    journal: Journal | None = None
    """Where finished work is journaled; attached by the runner when ``capabilities.journal``."""

    @property
    @abstractmethod
    def capabilities(self) -> Capabilities:
        """What this backend can do."""

    @abstractmethod
    def loglikelihood(self, pairs: Sequence[tuple[str, str]]) -> list[Loglikelihood]:
        """Score each (context, continuation); the continuation keeps its leading space."""

    @abstractmethod
    def generate(
        self, prompts: Sequence[str], max_new_tokens: int, stop: Sequence[str]
    ) -> list[str]:
        """Greedy continuation of each prompt, cut at the first stop string."""

    @abstractmethod
    def perplexity(self, texts: Sequence[str]) -> list[Perplexity]:
        """Rolling perplexity of each text."""

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes (no special tokens)."""

    def sample(self, prompts: Sequence[str], max_new_tokens: int, seed: int) -> list[str]:
        """A sampled continuation of each prompt, reproducible from ``seed``."""
        raise Unsupported(f"{type(self).__name__} cannot sample (capabilities.sample is False)")

    def serve(self, prompts: Sequence[str], max_new_tokens: int) -> ServingRun:
        """All ``prompts`` generated at once, as a server would take them (one batch, or
        concurrent requests), up to ``max_new_tokens`` each, timed; nothing is journaled."""
        raise Unsupported(f"{type(self).__name__} has no serving probe (capabilities.serving "
                          "is False)")

    def attach_journal(self, journal: Journal) -> None:
        """Journal finished work in ``journal`` and reuse what it already holds."""
        if not self.capabilities.journal:
            raise Unsupported(f"{type(self).__name__} keeps no journal")
        self.journal = journal


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """Cut ``text`` at the earliest occurrence of any stop string."""
    cut = len(text)
    for s in stop:
        if s and (pos := text.find(s)) != -1:
            cut = min(cut, pos)
    return text[:cut]
