"""A served model's tokenizer, through whichever tokenizer endpoint the server has.

OpenAI's API has none, but most servers add one: llama-cpp-python's ``/extras/tokenize``,
llama.cpp's and vLLM's ``/tokenize``, TGI's ``/tokenize``. :class:`ServerTokenizer` finds the
first that answers (once, on first use) and how many special tokens it puts in front of every
text, so that :meth:`ServerTokenizer.tokenize` returns the ids of the text alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from alignaudit._util.errors import UserError
from alignaudit.backends.openai.http import Client, Malformed, ServerError, malformed

log = logging.getLogger(__name__)

Route = tuple[str, Callable[[str], Any], int]
"""A tokenizer endpoint: its path, the request body for a text, and how many special tokens it
puts before the text's own."""


class ServerTokenizer:
    """The tokenizer endpoint of the server behind ``client`` for ``model``, found on first use."""

    def __init__(self, client: Client, model: str) -> None:
        self.client = client
        self.model = model
        self._route: Route | None | bool = None
        """None until probed; False when the server has no tokenizer endpoint."""
        self._lock = threading.Lock()

    def route(self) -> Route | None:
        """The endpoint to use, or None when the server has none (probed once, then cached)."""
        with self._lock:
            if self._route is None:
                self._route = self._find() or False
            return self._route if isinstance(self._route, tuple) else None

    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text`` without special tokens, from the server's tokenizer endpoint."""
        route = self.route()
        if route is None:
            raise UserError(f"{self.client.shown} has no tokenizer endpoint.")
        path, body, n_special = route
        ids = token_ids(self.client.call("POST", path, body(text)))
        if ids is None:
            raise malformed(f"{self.client.shown}{path}", "no token list")
        return ids[n_special:]

    def _find(self) -> Route | None:
        model = self.model
        candidates: list[tuple[str, Callable[[str], Any]]] = [
            ("/extras/tokenize", lambda t: {"model": model, "input": t}),
            ("/tokenize", lambda t: {"model": model, "prompt": t, "content": t, "inputs": t,
                                     "add_special": False, "add_special_tokens": False}),
        ]
        for path, body in candidates:
            try:
                empty = token_ids(self.client.call("POST", path, body("")))
                probe = token_ids(self.client.call("POST", path, body("hello world")))
            except Malformed:
                continue
            except ServerError as exc:
                if exc.status is not None and 400 <= exc.status < 500:
                    continue
                raise
            if empty is not None and probe and probe[: len(empty)] == empty:
                return path, body, len(empty)
        log.info("%s has no tokenizer endpoint; token counts are approximate", self.client.shown)
        return None


def token_ids(response: Any) -> list[int] | None:
    """Token ids from any of the tokenizer endpoints' answers, or None."""
    tokens = response.get("tokens") if isinstance(response, dict) else response
    if not isinstance(tokens, list):
        return None
    if all(isinstance(t, int) for t in tokens):
        return list(tokens)
    if all(isinstance(t, dict) and isinstance(t.get("id"), int) for t in tokens):
        return [t["id"] for t in tokens]  # TGI: [{"id": ..., "text": ...}, ...]
    return None
