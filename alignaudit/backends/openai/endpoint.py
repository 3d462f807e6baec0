"""Which endpoint a served model answers on: ``/v1/completions``, or chat mode.

With ``--api auto`` the first request to ``/v1/completions`` decides: an answer keeps the
endpoint; a chat-only refusal (404/405, "this is a chat model") switches to chat mode for good,
logged once and journaled, so a resumed run goes straight to chat mode. While the endpoint is
unknown, requests go one at a time. ``--api chat`` or ``completions`` settles it from the start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Literal

from alignaudit.backends.journal import Journal
from alignaudit.backends.openai.chat import CHAT_WHY, ChatOnly, chat_only
from alignaudit.backends.openai.http import Client, Rejected, ServerError
from alignaudit.backends.openai.options import ServerOptions

log = logging.getLogger("alignaudit.backends.openai.backend")

Api = Literal["completions", "chat"]


class EndpointChoice:
    """The endpoint of one backend, learnt once and shared by its worker threads."""

    def __init__(self, client: Client, options: ServerOptions,
                 journal: Callable[[], Journal | None], request_key: Callable[[], list[Any]],
                 on_settle: Callable[[Api], None]) -> None:
        self.client, self.options = client, options
        self._journal, self._request_key, self._on_settle = journal, request_key, on_settle
        self._api: Api | None = None
        """None until known: forced by --api, journaled, or learnt from the first answer."""
        self._lock = threading.RLock()

    @property
    def api(self) -> Api | None:
        """``chat`` or ``completions`` once known (forced by --api, journaled by an earlier run,
        or learnt from the first answer of /v1/completions), else None."""
        with self._lock:
            if self._api is None:
                if self.options.api != "auto":
                    self.set(self.options.api)
                elif (journal := self._journal()) is not None:
                    found = journal.get(self._journal_key(journal))
                    if isinstance(found, dict) and found.get("api") == "chat":
                        self.set("chat", str(found.get("why") or ""), journaled=True)
            return self._api

    def _journal_key(self, journal: Journal) -> str:
        return journal.key("api", self._request_key())

    def set(self, api: Api, why: str = "", journaled: bool = False) -> None:
        """Settle the API for good; a switch to chat mode is logged once and journaled."""
        self._api = api
        self._on_settle(api)
        if api != "chat" or self.options.api == "chat":
            return
        log.warning("%s/v1/completions is not available for `%s` (%s); switching to chat mode: "
                    "generations from /v1/chat/completions, scored by generation only (%s)%s",
                    self.client.shown, self.options.model, why, CHAT_WHY,
                    " [journaled by an earlier run]" if journaled else "")
        journal = self._journal()
        if journal is not None and not journaled:
            journal.put(self._journal_key(journal), {"api": "chat", "why": why})

    def completions(self, body: dict[str, Any]) -> Any:
        """``POST /v1/completions``. While the API is unknown (``--api auto``), requests go one
        at a time: the first answer keeps this endpoint, and a chat-only refusal switches to chat
        mode and raises :class:`ChatOnly` (here and in every request waiting behind it)."""
        api = self.api
        if api == "chat":
            raise ChatOnly
        if api == "completions":
            return self.client.call("POST", "/v1/completions", body)
        with self._lock:
            if self._api == "chat":
                raise ChatOnly
            if self._api == "completions":
                return self.client.call("POST", "/v1/completions", body)
            try:
                response = self.client.call("POST", "/v1/completions", body)
            except ServerError as exc:
                if chat_only(exc.status, exc.detail):
                    said = f"HTTP {exc.status}" + (f": {exc.detail[:200]}" if exc.detail else "")
                    self.set("chat", said)
                    raise ChatOnly from None
                if isinstance(exc, Rejected):
                    self.set("completions")  # the endpoint is there; it refused the body
                raise
            self.set("completions")
            return response

    def settle(self, api: Api) -> None:
        """Settle the endpoint as ``api`` unless it is already known."""
        with self._lock:
            if self._api is None:
                self.set(api)
