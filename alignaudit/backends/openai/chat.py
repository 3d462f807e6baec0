"""Chat mode for the OpenAI-compatible backend: what tells a chat-only API, and how a probe prompt
becomes a chat request and its reply a continuation. Pure text, no I/O.

Many hosted APIs (and some servers) only have ``/v1/chat/completions``. With ``api`` ``auto``
(the default) the first request the backend sends to ``/v1/completions`` decides: an answer keeps
the text-completions path; HTTP 404/405/501 (unless the server says the *model* is missing), or
an error saying the model is a chat model / not supported on that endpoint
(:func:`chat_only`), switches the backend to chat mode for good. ``api="chat"`` forces chat mode,
``api="completions"`` forbids it (and its errors then say how to get it:
:func:`completions_hint`). In chat mode generations are ``POST /v1/chat/completions``
(:func:`chat_body`: temperature 0, ``max_tokens``, the stop strings) with a short system
instruction to continue the user's text (:data:`CHAT_SYSTEM`) and the probe prompt as the user
message; a repeat of the prompt (or of its end) at the start of the reply is removed
(:func:`strip_echo`). A hosted model that refuses one of those parameters (wants
``max_completion_tokens``, takes no ``temperature`` or ``stop``) says so in its 400, and the
request is adapted once for all later ones (:func:`chat_fix`). Chat APIs give no prompt
log-probabilities, so results are generation-only, with the reason :data:`CHAT_WHY`.

The switch itself (journaled, logged once) is state of the backend:
:class:`~alignaudit.backends.openai.backend.OpenAIBackend`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from alignaudit.backends.openai.options import ApiMode

CHAT_ONLY = re.compile(
    r"chat[ _-]?model|chat/completions|chat[ _-]completions? (?:endpoint|api)"
    r"|not supported (?:in|on|by|for|with) (?:the )?(?:/?v1/)?completions"
    r"|does(?: not|n't) support (?:the )?(?:/?v1/)?completions"
    r"|completions? (?:endpoint|api) is not supported", re.I)
"""What servers say when a model can only be reached through /v1/chat/completions (OpenAI: "This
is a chat model and not supported in the v1/completions endpoint. Did you mean to use
v1/chat/completions?")."""
MODEL_MISSING = re.compile(
    r"\bmodel\b.*\b(?:does not exist|not found|unknown|no such|not available)"
    r"|(?:unknown|no such) model", re.I)
"""A 404 that says the *model* is missing is not a missing endpoint: no chat mode for it."""
CHAT_WHY = "chat-only endpoint: no prompt log-probabilities"
"""Why a model used in chat mode is scored by generation only (recorded in results.json)."""
CHAT_SYSTEM = (
    "You continue text. The user's message is the beginning of a sentence or passage. Reply "
    "with only the words that come next, picking up exactly where the text stops. Do not repeat "
    "the user's text, and add no quotes, notes or explanations.")
"""The system message of every chat-mode request; the probe prompt is the user message."""
ELLIPSIS = re.compile(r"^(?:\.\.\.|…)\s*")
NO_SPACE_BEFORE = frozenset(",.;:!?)]}'\u2019\"")


class ChatOnly(Exception):
    """The backend is in chat mode: the request must go to /v1/chat/completions instead."""


def chat_only(status: int | None, detail: str) -> bool:
    """Whether a failed /v1/completions request (HTTP ``status``, None for a network failure;
    ``detail`` what the server said) says that only chat completions are served: the endpoint is
    missing (404, 405, 501; a 404 naming a missing *model* does not count) or the server refuses
    the model as a chat model."""
    if status is None or status in (401, 403):
        return False
    if 400 <= status < 500 and CHAT_ONLY.search(detail):
        return True
    return status in (404, 405, 501) and not MODEL_MISSING.search(detail)


def completions_hint(api: ApiMode, path: str, status: int, detail: str) -> str:
    """With ``--api completions`` forced, the way out when a chat-only API answers a request to
    ``path`` like this; "" otherwise."""
    if api != "completions" or path != "/v1/completions" or not (
            status in (404, 405, 501) or CHAT_ONLY.search(detail)):
        return ""
    return (" If the server only offers /v1/chat/completions, pass --api chat (or --api "
            "auto, which switches to it).")


def chat_body(model: str, prompt: str, max_new_tokens: int, stops: list[str]) -> dict[str, Any]:
    """The ``POST /v1/chat/completions`` body that asks ``model`` to continue ``prompt``."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "system", "content": CHAT_SYSTEM},
                     {"role": "user", "content": prompt}],
        "max_tokens": max_new_tokens, "temperature": 0}
    if stops:
        body["stop"] = stops
    return body


ChatFix = Literal["max_completion_tokens", "no_temperature", "no_stop"]
UNSUPPORTED = re.compile(r"unsupported|not supported|does not support|doesn't support"
                         r"|unrecognized|unknown (?:parameter|field|argument)|not allowed", re.I)
SAMPLED_NOTE = ("temperature 0 refused by the API, so its generations are sampled at the API's "
                "default and can differ between runs")
"""Added to the generation-only reason when a chat model will not decode greedily."""


def chat_fix(detail: str, applied: frozenset[str]) -> ChatFix | None:
    """The change to chat requests that a 400 saying ``detail`` asks for, or None.

    Some hosted chat models take ``max_completion_tokens`` instead of ``max_tokens``, accept no
    ``temperature`` but their default, or take no ``stop``; they say so in the error
    ("Unsupported parameter: 'max_tokens' is not supported with this model. Use
    'max_completion_tokens' instead."). ``applied`` holds the fixes already made.
    """
    if not UNSUPPORTED.search(detail):
        return None
    wanted: list[tuple[ChatFix, bool]] = [
        ("max_completion_tokens", "max_tokens" in detail or "max_completion_tokens" in detail),
        ("no_temperature", "temperature" in detail),
        ("no_stop", re.search(r"['\"`]stop['\"`]", detail) is not None),
    ]
    return next((fix for fix, said in wanted if said and fix not in applied), None)


def with_fixes(body: dict[str, Any], fixes: frozenset[str]) -> dict[str, Any]:
    """``body`` with the fixes of :func:`chat_fix` made (a new dict; ``body`` is untouched)."""
    out = dict(body)
    if "max_completion_tokens" in fixes and "max_tokens" in out:
        out["max_completion_tokens"] = out.pop("max_tokens")
    if "no_temperature" in fixes:
        out.pop("temperature", None)
    if "no_stop" in fixes:
        out.pop("stop", None)
    return out


def strip_echo(reply: str, prompt: str, min_words: int = 2) -> str:
    """A chat reply as a continuation of ``prompt``: a repeat of the prompt, or of its last
    ``min_words`` or more words, at the start of the reply is removed (case and spacing aside),
    as is a leading ellipsis; the rest keeps one leading space where the prompt needs it."""
    text = reply.strip()
    words = prompt.split()
    for start in range(len(words)):
        suffix = words[start:]
        if len(suffix) < min(min_words, len(words)):
            break
        pattern = r"\s*".join(re.escape(w) for w in suffix) + r"(?![\w])"
        found = re.match(pattern, text, re.I)
        if found:
            text = text[found.end():]
            break
    text = ELLIPSIS.sub("", text.lstrip())
    if text and prompt and not prompt[-1].isspace() and text[0] not in NO_SPACE_BEFORE:
        text = " " + text
    return text
