"""The serving probe on a served model: every prompt sent at once as concurrent requests (one
worker per prompt, through the same :class:`~alignaudit.backends.openai.http.Client` and
:func:`~alignaudit.backends.openai.http.map_requests` as the audit, retries included), each
timed from sending to its answer.

The probe has a client and usage of its own, so its requests do not mix with the audit's own
request statistics. Token counts are the server's ``usage`` fields (``prompt_tokens``,
``completion_tokens``); a server that sends none is counted with the backend's ``count_tokens``
(its tokenizer endpoint, or characters / 4), and the source says so.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from alignaudit.backends.base import ServedRequest, ServingRun, Usage
from alignaudit.backends.openai.chat import chat_body, with_fixes
from alignaudit.backends.openai.http import Client, map_requests, reply_text

USAGE = "the server's usage fields (prompt_tokens, completion_tokens)"


def serve_concurrently(backend: Any, prompts: Sequence[str], max_new_tokens: int) -> ServingRun:
    """``prompts`` as concurrent requests to ``backend`` (an OpenAIBackend)."""
    backend.capabilities  # noqa: B018 - settles the endpoint (completions or chat) first
    chat = backend.api == "chat"
    path = "/v1/chat/completions" if chat else "/v1/completions"
    settings = backend.options.settings.model_copy(update={"concurrency": len(prompts)})
    options = backend.options.model_copy(update={"settings": settings, "progress": False})
    client = Client(options, Usage(served=True))
    counted: list[bool] = []

    def one(prompt: str) -> ServedRequest:
        if chat:
            body = with_fixes(chat_body(options.model, prompt, max_new_tokens, []),
                              backend._chat_fixes)
        else:
            body = {"model": options.model, "prompt": prompt, "max_tokens": max_new_tokens,
                    "temperature": 0}
        started = time.perf_counter()
        response = client.call("POST", path, body)
        seconds = time.perf_counter() - started
        text, _ = reply_text(response, f"{client.shown}{path}", chat=chat)
        used = response.get("usage") if isinstance(response, dict) else None
        used = used if isinstance(used, dict) else {}
        tokens_in, tokens_out = used.get("prompt_tokens"), used.get("completion_tokens")
        if not (isinstance(tokens_in, int) and isinstance(tokens_out, int)):
            counted.append(True)
            tokens_in, tokens_out = backend.count_tokens([prompt, text])
        return ServedRequest(prompt_tokens=tokens_in, output_tokens=tokens_out, seconds=seconds)

    started = time.perf_counter()
    records = map_requests(one, prompts, "Serving probe", options)
    wall = time.perf_counter() - started
    source = USAGE if not counted else (
        f"{USAGE}; for {len(counted)} answers without them, the backend's token count")
    return ServingRun(requests=records, wall_seconds=wall, how=f"{len(prompts)} concurrent "
                      f"requests to {client.shown}{path}", token_source=source)
