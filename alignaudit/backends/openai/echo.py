"""Prompt log-probabilities from an OpenAI-compatible server's echo: the request, and reading
and scoring the answer.

Log-likelihoods use ``echo: true, logprobs: 1, max_tokens: 1`` on ``context + continuation``
(:func:`echo_body`): the server returns every prompt token with its text offset and
log-probability, plus the one token it generated (dropped; ``max_tokens: 0`` means "no limit" to
llama.cpp). As in lm-evaluation-harness, trailing whitespace of the context moves to the
continuation, so the boundary ``b`` is ``len(context.rstrip())``. A token belongs to the
continuation when its text starts at or after ``b``. When a token straddles ``b`` (it starts in
the context and ends in the continuation) it is counted as part of the continuation and the
result is flagged ``boundary_fixed``: dropping it instead could leave a short continuation with
no tokens at all and a log-probability of 0, which would win every ranking. A continuation token
is greedy when its log-probability is the largest in that position's ``top_logprobs`` (within
1e-5).

Offsets are normalised so that the generated token starts at ``len(prompt)``: servers that show a
BOS token as text (``<s>``) shift every offset by its length, and this undoes that
(:func:`parse_echo`). :func:`echo_lines_up` is the check that a server's echo can be trusted at
all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alignaudit.backends.base import Loglikelihood
from alignaudit.backends.openai.http import malformed

GREEDY_TOL = 1e-5


@dataclass(frozen=True)
class Echo:
    """A prompt's tokens as a server echoed them, the generated token already removed."""

    tokens: list[str]
    logprobs: list[float | None]
    offsets: list[int]
    """Character offset of each token in the prompt (normalised; may be < 0 for a BOS text)."""
    tops: list[dict[str, float] | None]


def echo_body(model: str, prompt: str) -> dict[str, Any]:
    """The ``POST /v1/completions`` body that echoes ``prompt``'s tokens with their log-probs."""
    return {"model": model, "prompt": prompt, "max_tokens": 1,
            "temperature": 0, "echo": True, "logprobs": 1}


def parse_echo(response: Any, prompt: str, where: str) -> Echo:
    """Read the echoed prompt tokens out of a completions response; the last entry (the one
    generated token) is dropped and offsets are shifted so that it would start at len(prompt)."""
    try:
        logprobs = response["choices"][0]["logprobs"]
        tokens = list(logprobs["tokens"])
        values = list(logprobs["token_logprobs"])
        offsets = [int(o) for o in logprobs["text_offset"]]
        tops = [t if isinstance(t, dict) and t else None
                for t in (logprobs.get("top_logprobs") or [None] * len(tokens))]
    except (KeyError, IndexError, TypeError, ValueError):
        raise malformed(where, "no choices[0].logprobs with tokens, token_logprobs and "
                         "text_offset") from None
    if not tokens or not (len(tokens) == len(values) == len(offsets) == len(tops)):
        raise malformed(where, "logprobs lists of different lengths")
    shift = offsets[-1] - len(prompt)
    return Echo(tokens=tokens[:-1], logprobs=values[:-1],
                offsets=[o - shift for o in offsets[:-1]], tops=tops[:-1])


def score_continuation(echo: Echo, boundary: int, where: str) -> Loglikelihood:
    """Sum the continuation's log-probs: tokens starting at or after ``boundary``, plus a token
    straddling it (flagged ``boundary_fixed``). The first prompt token has no log-prob and is
    never scored, so an empty context loses its continuation's first token."""
    first = next((i for i, o in enumerate(echo.offsets) if o >= boundary), len(echo.offsets))
    fixed = first > 0 and echo.offsets[first - 1] + len(echo.tokens[first - 1]) > boundary
    start = first - 1 if fixed else first
    total, greedy, n = 0.0, True, 0
    for i in range(start, len(echo.tokens)):
        value = echo.logprobs[i]
        if value is None:
            if i == 0:
                continue
            raise malformed(where, f"token {i} ({echo.tokens[i]!r}) has no log-probability")
        total += float(value)
        n += 1
        top = echo.tops[i]
        greedy = greedy and top is not None and float(value) >= max(top.values()) - GREEDY_TOL
    return Loglikelihood(logprob=total, is_greedy=greedy, n_tokens=n,
                         boundary_fixed=fixed)


def echo_lines_up(response: Any, echo: Echo, prompt: str) -> bool:
    """Whether an echo answer covers the whole prompt and then the generated token.

    A server that drops the generated token and pairs each prompt token with the next
    position's distribution (llama-cpp-python 0.3 without a BOS token) fails this: its last
    entry is the prompt's last token, not the generated text.
    """
    raw = response["choices"][0]["logprobs"]
    generated = str(response["choices"][0].get("text", ""))[len(prompt):]
    last_top = (raw.get("top_logprobs") or [None])[-1]
    last_top = last_top if isinstance(last_top, dict) else None
    last_value = raw["token_logprobs"][-1]
    argmax = (not last_top or last_value is None
              or float(last_value) >= max(last_top.values()) - 1e-3)
    return ("".join(echo.tokens).endswith(prompt) and len(echo.tokens) >= 5
            and raw["tokens"][-1] == generated and argmax
            and all(v is not None for v in echo.logprobs[1:]))
