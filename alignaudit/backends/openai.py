"""The OpenAI-compatible backend: a model behind vLLM, TGI, llama.cpp, Ollama or a hosted API.

Every verb is a ``POST /v1/completions`` (the legacy text-completion endpoint), sent with a
bounded thread pool, retried with exponential backoff and jitter on 429, 5xx, timeouts and
dropped connections (``Retry-After`` is honoured). Only the standard library is used.

Log-likelihoods use ``echo: true, logprobs: 1, max_tokens: 1`` on ``context + continuation``:
the server returns every prompt token with its text offset and log-probability, plus the one
token it generated (dropped; ``max_tokens: 0`` means "no limit" to llama.cpp). As in
lm-evaluation-harness, trailing whitespace of the context moves to the continuation, so the
boundary ``b`` is ``len(context.rstrip())``. A token belongs to the continuation when its text
starts at or after ``b``. When a token straddles ``b`` (it starts in the context and ends in the
continuation) it is counted as part of the continuation and the result is flagged
``boundary_fixed``: dropping it instead could leave a short continuation with no tokens at all
and a log-probability of 0, which would win every ranking. A continuation token is greedy when
its log-probability is the largest in that position's ``top_logprobs`` (within 1e-5).

Offsets are normalised so that the generated token starts at ``len(prompt)``: servers that show a
BOS token as text (``<s>``) shift every offset by its length, and this undoes that.

Support for echoed log-probabilities is probed once with a sentence whose generated token must
come back after the prompt's tokens; if it does not (the server refuses ``echo``, omits fields,
or returns misaligned log-probs) the backend is generation-only: ``supports_loglikelihood`` is
False and ``loglikelihood``/``perplexity`` raise :class:`LoglikelihoodUnsupported`.

The API key is read from the named environment variable when each request is built; it is never
kept on the backend, put in :class:`ModelInfo`, logged or written into an error message.

With a :class:`~alignaudit.journal.Journal` attached (the runner attaches one), every request's
answer is journaled from its worker thread as soon as it arrives: one entry per loglikelihood
pair, perplexity text and generation prompt, plus the echo probe when it succeeds. Entries are
keyed by the request (context and continuation, text, or the completion body), the server's
URL, the model name and the stable fields of the server's model entry (``root``, ``meta``, ...),
so another server or model never reuses them. A re-run after a failure or Ctrl-C sends only the
requests that had not finished and gives the same results.

Chat mode. Many hosted APIs (and some servers) only have ``/v1/chat/completions``. With ``api``
``auto`` (the default) the first request this backend sends to ``/v1/completions`` decides: an
answer keeps the text-completions path; HTTP 404/405/501 (unless the server says the *model* is
missing), or an error saying the model is a chat model / not supported on that endpoint, switches
the backend to chat mode for good, with one log line. The switch is journaled, so a resumed run
goes straight to chat mode. ``api="chat"`` forces chat mode, ``api="completions"`` forbids it. In
chat mode generations are ``POST /v1/chat/completions`` (temperature 0, ``max_tokens``, the stop
strings) with a short system instruction to continue the user's text and the probe prompt as the
user message; a repeat of the prompt (or of its end) at the start of the reply is removed. Chat
APIs give no prompt log-probabilities, so results are generation-only, with the reason
:data:`CHAT_WHY`.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field

from alignaudit.backends.base import Loglikelihood, ModelInfo, Perplexity
from alignaudit.backends.hf import Usage as _HFUsage
from alignaudit.backends.hf import cut_at_stop
from alignaudit.errors import UserError
from alignaudit.journal import Journal, journaled_value

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
GREEDY_TOL = 1e-5
CHARS_PER_TOKEN = 4  # OpenAI's rule of thumb for English, used when a server cannot tokenise
PROBE_PROMPT = "The quick brown fox jumps over the lazy dog. The sun rose over the quiet"
MAX_BODY = 64 << 20
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
CONTEXT_TOO_LONG = re.compile(r"context (window|length)|maximum context|too long|exceed", re.I)
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
ApiMode = Literal["auto", "completions", "chat"]
FINGERPRINT_FIELDS = ("root", "parent", "owned_by", "max_model_len", "context_length", "meta")
"""Fields of a server's model entry that name the weights it serves (``created`` changes on
every request to vLLM, so it is left out)."""


class ServerOptions(BaseModel):
    """Where the server is and how to talk to it."""

    model_config = ConfigDict(frozen=True)

    base_url: str = Field(description="Server URL, e.g. http://127.0.0.1:8000/v1 (or without /v1).")
    model: str = Field(description="Model name the server knows it by.")
    api_key_env: str | None = Field(
        default=None, description="Environment variable holding the API key; None = no key."
    )
    display_name: str | None = Field(default=None, description="Short name for tables.")
    api: ApiMode = Field(
        default="auto", description="--api: auto (chat mode when /v1/completions is missing or "
        "refuses the model), completions or chat.")
    max_workers: int = Field(default=4, ge=1, le=256,
                             description="Requests in flight at once (--concurrency).")
    timeout: float = Field(default=120.0, gt=0, le=86400.0,
                           description="Seconds to wait for one answer.")
    max_retries: int = Field(default=4, ge=0, description="Retries of a failed request.")
    backoff_base: float = Field(default=0.5, ge=0, description="First retry delay, seconds.")
    backoff_max: float = Field(default=30.0, ge=0, description="Longest retry delay, seconds.")
    progress: bool = Field(default=True, description="Show progress bars.")


class LoglikelihoodUnsupported(UserError):
    """The server returns no usable prompt log-probabilities: score by generation only."""


class ServerError(UserError):
    """A request failed for good: ``status`` is the HTTP status, None for network failures."""

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class _Rejected(ServerError):
    """The server refused a request as invalid (HTTP 400/422 and the like)."""


class _Malformed(UserError):
    """The server answered with something that is not an OpenAI-compatible response."""


class _ChatOnly(Exception):
    """This backend is in chat mode: the request must go to /v1/chat/completions instead."""


@dataclass
class Usage(_HFUsage):
    """The transformers backend's counters plus what only a server has: requests and latency."""

    requests: int = 0
    retries: int = 0
    latencies: list[float] = field(default_factory=list)
    """Seconds of each successful HTTP round trip, in completion order."""

    def latency_summary(self) -> dict[str, float]:
        """Count, mean and percentiles (p50, p90, p99, max) of request latencies in seconds."""
        values = sorted(self.latencies)
        if not values:
            return {"n": 0}

        def pct(q: float) -> float:
            return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)]

        return {"n": len(values), "mean": sum(values) / len(values), "p50": pct(0.5),
                "p90": pct(0.9), "p99": pct(0.99), "max": values[-1]}


@dataclass(frozen=True)
class Echo:
    """A prompt's tokens as a server echoed them, the generated token already removed."""

    tokens: list[str]
    logprobs: list[float | None]
    offsets: list[int]
    """Character offset of each token in the prompt (normalised; may be < 0 for a BOS text)."""
    tops: list[dict[str, float] | None]


# ----------------------------------------------------------------------- pure helpers
def retry_delay(attempt: int, retry_after: str | None, options: ServerOptions,
                rng: random.Random) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): Retry-After if given, else backoff.

    Backoff is ``backoff_base * 2**attempt`` capped at ``backoff_max``, times a jitter in
    [0.5, 1.5) so that parallel workers do not retry in step.
    """
    if retry_after:
        try:
            return max(0.0, min(float(retry_after), 300.0))
        except ValueError:
            try:
                when = parsedate_to_datetime(retry_after).timestamp()
                return max(0.0, min(when - time.time(), 300.0))
            except (TypeError, ValueError):
                pass
    return min(options.backoff_max, options.backoff_base * 2**attempt) * (0.5 + rng.random())


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
        raise _malformed(where, "no choices[0].logprobs with tokens, token_logprobs and "
                         "text_offset") from None
    if not tokens or not (len(tokens) == len(values) == len(offsets) == len(tops)):
        raise _malformed(where, "logprobs lists of different lengths")
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
            raise _malformed(where, f"token {i} ({echo.tokens[i]!r}) has no log-probability")
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


def chat_only(exc: ServerError) -> bool:
    """Whether a failed /v1/completions request says that only chat completions are served: the
    endpoint is missing (404, 405, 501; a 404 naming a missing *model* does not count) or the
    server refuses the model as a chat model."""
    status = exc.status
    if status is None or status in (401, 403):
        return False
    if 400 <= status < 500 and CHAT_ONLY.search(exc.detail):
        return True
    return status in (404, 405, 501) and not MODEL_MISSING.search(exc.detail)


ELLIPSIS = re.compile(r"^(?:\.\.\.|…)\s*")
NO_SPACE_BEFORE = frozenset(",.;:!?)]}'\u2019\"")


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


def api_root(base_url: str) -> str:
    """The server's root URL: ``base_url`` without a trailing slash or ``/v1``."""
    url = base_url.strip().rstrip("/")
    return url[:-3] if url.endswith("/v1") else url


def public_url(url: str) -> str:
    """``url`` without user:password, query or fragment, fit for reports and messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _malformed(where: str, what: str) -> _Malformed:
    endpoint = "chat-completions" if where.endswith("/chat/completions") else "text-completions"
    return _Malformed(
        f"The answer from {where} is not what an OpenAI-compatible server sends ({what}). "
        "Check that --base-url points at the API itself (for example http://HOST:PORT/v1) "
        f"and that the server implements the {endpoint} endpoint."
    )


# ----------------------------------------------------------------------- HTTP
class _Client:
    """JSON over HTTP with retries; every failure a user can fix becomes a UserError."""

    def __init__(self, options: ServerOptions, usage: Usage) -> None:
        self.options = options
        self.usage = usage
        self.root = api_root(options.base_url)
        self.shown = public_url(self.root)
        parts = urlsplit(self.root)
        if parts.username or parts.password:
            raise UserError(f"--base-url {self.shown}: remove the user name and password from "
                            "the URL, and pass the key with --api-key-env NAME instead (an "
                            "environment variable), so that it stays out of reports and logs.")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UserError(f"--base-url {self.shown}: use an http:// or https:// URL, for "
                            "example http://127.0.0.1:8000/v1.")
        # never send loopback traffic through an http_proxy from the environment
        handlers = [urllib.request.ProxyHandler({})] if parts.hostname in LOOPBACK else []
        self.opener = urllib.request.build_opener(*handlers)
        self.rng = random.Random()
        self.lock = threading.Lock()

    def _key(self) -> str | None:
        return os.environ.get(self.options.api_key_env) if self.options.api_key_env else None

    def redact(self, text: str) -> str:
        key = self._key()
        return text.replace(key, "***") if key else text

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Send one request (``path`` is under the server root) and return the decoded JSON."""
        url = self.root + path
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(self.options.max_retries + 1):
            last = attempt == self.options.max_retries
            request = urllib.request.Request(url, data=data, method=method)
            request.add_header("Content-Type", "application/json")
            if key := self._key():
                request.add_header("Authorization", f"Bearer {key}")
            started = time.perf_counter()
            try:
                with self.opener.open(request, timeout=self.options.timeout) as response:
                    raw = response.read(MAX_BODY)
            except urllib.error.HTTPError as exc:
                detail = self._detail(exc)
                if exc.code in RETRY_STATUS and not last:
                    self._wait(attempt, exc.headers.get("Retry-After"), f"HTTP {exc.code}", path)
                    continue
                raise self._http_error(path, exc.code, detail) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if not last:
                    self._wait(attempt, None, type(exc).__name__, path)
                    continue
                raise self._network_error(exc) from None
            with self.lock:
                self.usage.requests += 1
                self.usage.latencies.append(time.perf_counter() - started)
            try:
                return json.loads(raw)
            except ValueError:
                raise _malformed(f"{self.shown}{path}", "its body is not JSON") from None
        raise AssertionError("unreachable")

    def _wait(self, attempt: int, retry_after: str | None, why: str, path: str) -> None:
        delay = retry_delay(attempt, retry_after, self.options, self.rng)
        log.info("Retrying %s%s after %s in %.1fs (retry %d of %d)", self.shown, path, why,
                 delay, attempt + 1, self.options.max_retries)
        with self.lock:
            self.usage.retries += 1
        time.sleep(delay)

    def _detail(self, exc: urllib.error.HTTPError) -> str:
        try:
            raw = exc.read(65536).decode("utf-8", "replace")
        except OSError:
            return ""
        try:
            payload = json.loads(raw)
            error = payload.get("error", payload) if isinstance(payload, dict) else payload
            if isinstance(error, dict):
                error = error.get("message") or error.get("detail") or error
            text = error if isinstance(error, str) else json.dumps(error)
        except ValueError:
            text = raw
        return self.redact(" ".join(text.split()))[:400]

    def _http_error(self, path: str, status: int, detail: str) -> ServerError:
        where, said = f"{self.shown}{path}", f" The server said: {detail}" if detail else ""
        hint = self._chat_hint(path, status, detail)
        tries = f"after {self._tries()}"
        if status in (401, 403):
            env = self.options.api_key_env
            fix = (f"Check the key in the environment variable {env}."
                   if env and self._key() else
                   f"The environment variable {env} is empty or unset; set it to your key."
                   if env else "Pass --api-key-env NAME with the variable that holds your key.")
            message = f"{where} refused the request (HTTP {status}: not authorised). {fix}"
        elif status == 404:
            message = (
                f"{where} answered 404: the model `{self.options.model}` or the endpoint is not "
                "there. Check --model against the server's model list (GET /v1/models) and "
                "that --base-url is the OpenAI-compatible API root.")
        elif status == 429:
            fewer = self._fewer()
            message = (f"{where} kept rate-limiting requests (HTTP 429) {tries}. "
                       + (f"Send fewer at once: {fewer}, or raise --max-retries."
                          if fewer else "Raise --max-retries, or ask for a higher rate limit."))
        elif status >= 500 or status in RETRY_STATUS:
            fewer = self._fewer()
            message = (f"{where} failed with HTTP {status} {tries}. Check the server's log; it "
                       "may be out of memory, or overloaded"
                       + (f"; if so, {fewer}." if fewer else "."))
        else:
            return _Rejected(f"{where} rejected the request (HTTP {status}).{said}{hint}",
                             status=status, detail=detail)
        return ServerError(message + said + hint, status=status, detail=detail)

    def _chat_hint(self, path: str, status: int, detail: str) -> str:
        """With --api completions forced, the way out when a chat-only API answers like this."""
        if self.options.api != "completions" or path != "/v1/completions" or not (
                status in (404, 405, 501) or CHAT_ONLY.search(detail)):
            return ""
        return (" If the server only offers /v1/chat/completions, pass --api chat (or --api "
                "auto, which switches to it).")

    def _fewer(self) -> str:
        """The advice to send fewer requests at once, or "" when one is all that is sent."""
        n = self.options.max_workers
        return f"lower --concurrency (now {n})" if n > 1 else ""

    def _tries(self) -> str:
        n = self.options.max_retries + 1
        return "1 try" if n == 1 else f"{n} tries"

    def _network_error(self, exc: BaseException) -> ServerError:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        tries = self._tries()
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return ServerError(
                f"{self.shown} did not answer within {self.options.timeout:g}s ({tries}). The "
                "server may be overloaded or the model slow: raise --timeout, "
                + (f"{self._fewer()}, " if self._fewer() else "")
                + "or check that the server is not stuck.")
        if isinstance(reason, ConnectionRefusedError):
            return ServerError(
                f"Could not connect to {self.shown} (connection refused, {tries}). Is the "
                "server running at that address and port? Start it, or fix --base-url.")
        return ServerError(f"Could not reach {self.shown} ({self.redact(str(reason))[:200]}, "
                           f"{tries}). Check --base-url and the network.")


# ----------------------------------------------------------------------- backend
class OpenAIBackend:
    """A model served behind an OpenAI-compatible API, answering the batched verbs."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.usage = Usage()
        self.client = _Client(options, self.usage)
        self.info = ModelInfo(
            spec=options.model, display_name=options.display_name or options.model,
            source="openai", backend="openai", device=self.client.shown,
        )
        self.token_counts_exact: bool | None = None
        """None until count_tokens ran; False when it fell back to len(text)/4."""
        self._support: bool | None = None
        self._why = ""
        self._api: Literal["completions", "chat"] | None = None
        """None until known: forced by --api, journaled, or learnt from the first answer."""
        self._api_lock = threading.RLock()
        self._info_lock = threading.Lock()
        self._tokenize: tuple[str, Callable[[str], Any], int] | None | bool = None
        """None until probed; False when the server has no tokenizer endpoint."""
        self._lock = threading.Lock()
        self.journal: Journal | None = None
        """Set by the runner: finished requests are read from and written to it."""
        self._fingerprint: dict[str, Any] = {}
        """Stable fields of the server's entry for this model (GET /v1/models), if any."""

    def _update_info(self, **fields: Any) -> None:
        """Set fields of :attr:`info` (worker threads learn some of them) without losing any."""
        with self._info_lock:
            self.info = self.info.model_copy(update=fields)

    @classmethod
    def connect(cls, options: ServerOptions) -> OpenAIBackend:
        """Check the key and that the server serves ``options.model``; read its context size."""
        started = time.perf_counter()
        env = options.api_key_env
        if env and not os.environ.get(env):
            raise UserError(f"The environment variable {env} holds no API key. Set it (export "
                            f"{env}=...) or drop --api-key-env for a server without keys.")
        backend = cls(options)
        backend._check_model()
        backend.usage.load_seconds = time.perf_counter() - started
        return backend

    def _check_model(self) -> None:
        try:
            listing = self.client.call("GET", "/v1/models")
        except (ServerError, _Malformed) as exc:
            if isinstance(exc, _Malformed) or exc.status in (400, 404, 405, 422):
                return  # no model list here (some servers lack it): requests will tell
            raise
        entries = listing.get("data") if isinstance(listing, dict) else None
        if not isinstance(entries, list) or not entries:
            return
        names = [str(e.get("id")) for e in entries if isinstance(e, dict)]
        name = self.options.model
        match = next((e for e in entries if isinstance(e, dict) and (
            e.get("id") == name or str(e.get("id")).startswith(name + ":"))), None)
        if match is None:
            raise UserError(f"{self.client.shown} does not serve a model `{name}`. It serves: "
                            f"{', '.join(names[:20])}. Pass one of these as --model.")
        fingerprint = {k: match[k] for k in FINGERPRINT_FIELDS if k in match}
        self._fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True, default=str))
        meta = match.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        for value in (match.get("max_model_len"), match.get("context_length"),
                      meta.get("n_ctx_train")):
            if isinstance(value, int) and value > 0:
                self.info = self.info.model_copy(update={"context_length": value})
                break

    # ----------------------------------------------------------------- chat mode
    @property
    def api(self) -> Literal["completions", "chat"] | None:
        """``chat`` or ``completions`` once known (forced by --api, journaled by an earlier run,
        or learnt from the first answer of /v1/completions), else None."""
        with self._api_lock:
            if self._api is None:
                if self.options.api != "auto":
                    self._set_api(self.options.api)
                elif self.journal is not None:
                    found = self.journal.get(self._api_journal_key())
                    if isinstance(found, dict) and found.get("api") == "chat":
                        self._set_api("chat", str(found.get("why") or ""), journaled=True)
            return self._api

    def _api_journal_key(self) -> str:
        assert self.journal is not None
        return self.journal.key("api", self._request_key("/v1/completions"))

    def _set_api(self, api: Literal["completions", "chat"], why: str = "",
                 journaled: bool = False) -> None:
        """Settle the API for good; a switch to chat mode is logged once and journaled."""
        self._api = api
        self._update_info(api=api)
        if api != "chat" or self.options.api == "chat":
            return
        log.warning("%s/v1/completions is not available for `%s` (%s); switching to chat mode: "
                    "generations from /v1/chat/completions, scored by generation only (%s)%s",
                    self.client.shown, self.options.model, why, CHAT_WHY,
                    " [journaled by an earlier run]" if journaled else "")
        if self.journal is not None and not journaled:
            self.journal.put(self._api_journal_key(), {"api": "chat", "why": why})

    def _completions(self, body: dict[str, Any]) -> Any:
        """``POST /v1/completions``. While the API is unknown (``--api auto``), requests go one
        at a time: the first answer keeps this endpoint, and a chat-only refusal switches to chat
        mode and raises :class:`_ChatOnly` (here and in every request waiting behind it)."""
        api = self.api
        if api == "chat":
            raise _ChatOnly
        if api == "completions":
            return self.client.call("POST", "/v1/completions", body)
        with self._api_lock:
            if self._api == "chat":
                raise _ChatOnly
            if self._api == "completions":
                return self.client.call("POST", "/v1/completions", body)
            try:
                response = self.client.call("POST", "/v1/completions", body)
            except ServerError as exc:
                if chat_only(exc):
                    said = f"HTTP {exc.status}" + (f": {exc.detail[:200]}" if exc.detail else "")
                    self._set_api("chat", said)
                    raise _ChatOnly from None
                if isinstance(exc, _Rejected):
                    self._set_api("completions")  # the endpoint is there; it refused the body
                raise
            self._set_api("completions")
            return response

    # ----------------------------------------------------------------- support probe
    @property
    def supports_loglikelihood(self) -> bool:
        """Whether the server echoes usable prompt log-probs (probed once, then cached). Never
        in chat mode, which is settled first (by the probe itself under ``--api auto``)."""
        with self._lock:
            if self._support is None:
                if self.api == "chat":
                    self._support, self._why = False, CHAT_WHY
                else:
                    self._support = self._journaled_probe()
                if not self._support:
                    reason = (CHAT_WHY if self._why == CHAT_WHY else
                              "no usable prompt log-probabilities from /v1/completions; "
                              + self._why)
                    self._update_info(generation_only=reason)
            return self._support

    def _journaled_probe(self) -> bool:
        """The probe, unless the journal holds a successful one for this server and model (a
        failed probe is not journaled: the fix is to restart the server, then re-run)."""
        if self.journal is None:
            return self._probe()
        key = self.journal.key("probe", self._request_key(self._echo_body(PROBE_PROMPT)))
        found = self.journal.get(key)
        if isinstance(found, dict):
            self._update_info(add_bos=bool(found.get("add_bos")))
            with self._api_lock:
                if self._api is None:
                    self._set_api("completions")
            return True
        supported = self._probe()
        if supported:
            self.journal.put(key, {"add_bos": self.info.add_bos})
        return supported

    def _probe(self) -> bool:
        where = f"{self.client.shown}/v1/completions"
        try:
            response = self._completions(self._echo_body(PROBE_PROMPT))
            echo = parse_echo(response, PROBE_PROMPT, where)
        except _ChatOnly:
            self._why = CHAT_WHY
            return False
        except (_Rejected, _Malformed) as exc:
            self._why = f"it refused echo + logprobs: {getattr(exc, 'detail', '') or exc}"
            log.warning("%s: %s; generation only", where, self._why)
            return False
        if not echo_lines_up(response, echo, PROBE_PROMPT):
            self._why = ("its echoed log-probs do not line up with the prompt and the generated "
                         "token. llama-cpp-python does this for models without a BOS token; "
                         "start it with --kv_overrides tokenizer.ggml.add_bos_token=bool:true")
            log.warning("%s: %s; generation only", where, self._why)
            return False
        prompt_tokens = (response.get("usage") or {}).get("prompt_tokens")
        if prompt_tokens == len(echo.tokens) + 1 and echo.offsets[0] == 0:
            self._update_info(add_bos=True)  # a BOS it did not echo
        return True

    def _require_support(self) -> None:
        if not self.supports_loglikelihood and self._why == CHAT_WHY:
            raise LoglikelihoodUnsupported(
                f"{self.client.shown} is used in chat mode for `{self.options.model}` "
                f"({CHAT_WHY}): /v1/chat/completions returns no log-probabilities of the "
                "prompt, so likelihood scoring and perplexity are unavailable and results will "
                "be generation-only. A server with /v1/completions and echo + logprobs (vLLM, "
                "llama-cpp-python) gives them; there, pass --api completions or auto.")
        if not self.supports_loglikelihood:
            raise LoglikelihoodUnsupported(
                f"{self.client.shown} gives no usable prompt log-probabilities for "
                f"`{self.options.model}` ({self._why}), so likelihood scoring and perplexity "
                "are unavailable and results will be generation-only. vLLM and "
                "llama-cpp-python's server return them (echo + logprobs on /v1/completions)."
            )

    # ----------------------------------------------------------------- verbs
    def loglikelihood(self, pairs: Sequence[tuple[str, str]]) -> list[Loglikelihood]:
        self._require_support()
        started = time.perf_counter()

        def one(pair: tuple[str, str]) -> Loglikelihood:
            context, continuation = pair
            value = journaled_value(
                self.journal, "loglikelihood", self._request_key(context, continuation),
                lambda: self._one_loglikelihood(context, continuation).model_dump())
            return Loglikelihood(**value)

        out = self._map(one, pairs, "Scoring")
        self.usage.score_seconds += time.perf_counter() - started
        return out

    def _one_loglikelihood(self, context: str, continuation: str) -> Loglikelihood:
        """Score one pair; a context too long for the server loses its first half, repeatedly."""
        boundary = len(context.rstrip())
        truncated = False
        while True:
            try:
                echo = self._echo(context + continuation)
            except _Rejected as exc:
                cut = context.find(" ", boundary // 2, boundary)  # keep the second half
                cut = boundary // 2 if cut <= 0 else cut
                if not CONTEXT_TOO_LONG.search(exc.detail) or cut <= 0:
                    raise
                context, boundary, truncated = context[cut:], boundary - cut, True
                continue
            result = score_continuation(echo, boundary, f"{self.client.shown}/v1/completions")
            return result.model_copy(update={"truncated": truncated}) if truncated else result

    def perplexity(self, texts: Sequence[str]) -> list[Perplexity]:
        """Sum of every log-prob the server returns for each text's tokens (the first token has
        none: it is not scored). A text too long for the server is split in halves at a space,
        each scored on its own."""
        self._require_support()
        started = time.perf_counter()
        parts = self._map(lambda text: journaled_value(
            self.journal, "perplexity", self._request_key(text),
            lambda: list(self._text_nll(text))), texts, "Perplexity")
        self.usage.score_seconds += time.perf_counter() - started
        return [Perplexity(nll=nll, n_tokens=n, n_words=len(t.split()))
                for t, (nll, n) in zip(texts, parts, strict=True)]

    def _text_nll(self, text: str, depth: int = 0) -> tuple[float, int]:
        if not text:
            return 0.0, 0
        try:
            echo = self._echo(text)
        except _Rejected as exc:
            if not CONTEXT_TOO_LONG.search(exc.detail) or depth >= 12 or len(text) < 2:
                raise
            cut = text.find(" ", len(text) // 2)
            cut = len(text) // 2 if cut <= 0 else cut
            a, b = self._text_nll(text[:cut], depth + 1), self._text_nll(text[cut:], depth + 1)
            return a[0] + b[0], a[1] + b[1]
        values = [v for v in echo.logprobs if v is not None]
        return -sum(values), len(values)

    def generate(
        self, prompts: Sequence[str], max_new_tokens: int = 24, stop: Sequence[str] = ("\n",)
    ) -> list[str]:
        """Greedy (temperature 0) completion, cut at the first stop string. At most four stop
        strings go to the server (OpenAI's limit); all of them are applied to the text after.
        In chat mode the prompt is the user message of a chat request (see :meth:`_chat`)."""
        stops = [s for s in stop if s][:4]
        started = time.perf_counter()

        def one(prompt: str) -> str:
            if self.api == "chat":
                return self._chat(prompt, max_new_tokens, stops, stop)
            body: dict[str, Any] = {"model": self.options.model, "prompt": prompt,
                                    "max_tokens": max_new_tokens, "temperature": 0}
            if stops:
                body["stop"] = stops
            try:
                text = journaled_value(self.journal, "generate", self._request_key(body),
                                       lambda: self._complete(body))
            except _ChatOnly:
                return self._chat(prompt, max_new_tokens, stops, stop)
            return cut_at_stop(text, stop)

        out = self._map(one, prompts, "Generating")
        self.usage.generate_seconds += time.perf_counter() - started
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Exact counts from the server's tokenizer endpoint when it has one (llama-cpp-python's
        /extras/tokenize, llama.cpp's and vLLM's /tokenize, TGI's /tokenize); otherwise an
        approximation, ceil(characters / 4), flagged by ``token_counts_exact = False``."""
        route = self._tokenize_route()
        if route is None:
            self.token_counts_exact = False
            self.usage.extra["token_counts"] = f"approximate: ceil(chars / {CHARS_PER_TOKEN})"
            return [math.ceil(len(t) / CHARS_PER_TOKEN) for t in texts]
        self.token_counts_exact = True
        return [len(ids) for ids in self._map(self.tokenize, texts, "Tokenising")]

    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text`` without special tokens, from the server's tokenizer endpoint."""
        route = self._tokenize_route()
        if route is None:
            raise UserError(f"{self.client.shown} has no tokenizer endpoint.")
        path, body, n_special = route
        ids = _token_ids(self.client.call("POST", path, body(text)))
        if ids is None:
            raise _malformed(f"{self.client.shown}{path}", "no token list")
        return ids[n_special:]

    # ----------------------------------------------------------------- internals
    def _chat(self, prompt: str, max_new_tokens: int, stops: list[str],
              stop: Sequence[str]) -> str:
        """One chat-mode generation: the reply (journaled as the server sent it) without a
        repeat of the prompt, cut at the first stop string."""
        body: dict[str, Any] = {
            "model": self.options.model,
            "messages": [{"role": "system", "content": CHAT_SYSTEM},
                         {"role": "user", "content": prompt}],
            "max_tokens": max_new_tokens, "temperature": 0}
        if stops:
            body["stop"] = stops
        reply = journaled_value(self.journal, "generate", self._request_key(body),
                                lambda: self._chat_reply(body))
        return cut_at_stop(strip_echo(str(reply), prompt), stop)

    def _chat_reply(self, body: dict[str, Any]) -> str:
        path = "/v1/chat/completions"
        response = self.client.call("POST", path, body)
        try:
            content = response["choices"][0]["message"].get("content")
        except (KeyError, IndexError, TypeError, AttributeError):
            raise _malformed(f"{self.client.shown}{path}",
                             "no choices[0].message") from None
        used = (response.get("usage") or {}).get("completion_tokens")
        with self._lock:
            self.usage.tokens_generated += used if isinstance(used, int) else 0
        return content if isinstance(content, str) else ""

    def _complete(self, body: dict[str, Any]) -> str:
        """The text a plain completion request returns (before any stop string is applied)."""
        response = self._completions(body)
        try:
            text = response["choices"][0]["text"]
        except (KeyError, IndexError, TypeError):
            raise _malformed(f"{self.client.shown}/v1/completions", "no choices[0].text") from None
        used = (response.get("usage") or {}).get("completion_tokens")
        with self._lock:
            self.usage.tokens_generated += used if isinstance(used, int) else 0
        return str(text or "")

    def _request_key(self, *request: Any) -> list[Any]:
        """What a journal entry is keyed by: this server and model, and the request itself."""
        return [self.client.shown, self.options.model, self._fingerprint, *request]

    def _echo_body(self, prompt: str) -> dict[str, Any]:
        return {"model": self.options.model, "prompt": prompt, "max_tokens": 1,
                "temperature": 0, "echo": True, "logprobs": 1}

    def _echo(self, prompt: str) -> Echo:
        response = self._completions(self._echo_body(prompt))
        echo = parse_echo(response, prompt, f"{self.client.shown}/v1/completions")
        with self._lock:
            self.usage.tokens_scored += len(echo.tokens)
            self.usage.batches += 1
        return echo

    def _tokenize_route(self) -> tuple[str, Callable[[str], Any], int] | None:
        with self._lock:
            if self._tokenize is None:
                self._tokenize = self._find_tokenizer() or False
            return self._tokenize if isinstance(self._tokenize, tuple) else None

    def _find_tokenizer(self) -> tuple[str, Callable[[str], Any], int] | None:
        model = self.options.model
        candidates: list[tuple[str, Callable[[str], Any]]] = [
            ("/extras/tokenize", lambda t: {"model": model, "input": t}),
            ("/tokenize", lambda t: {"model": model, "prompt": t, "content": t, "inputs": t,
                                     "add_special": False, "add_special_tokens": False}),
        ]
        for path, body in candidates:
            try:
                empty = _token_ids(self.client.call("POST", path, body("")))
                probe = _token_ids(self.client.call("POST", path, body("hello world")))
            except _Malformed:
                continue
            except ServerError as exc:
                if exc.status is not None and 400 <= exc.status < 500:
                    continue
                raise
            if empty is not None and probe and probe[: len(empty)] == empty:
                return path, body, len(empty)
        log.info("%s has no tokenizer endpoint; token counts are approximate", self.client.shown)
        return None

    def _map(self, fn: Callable[[Any], T], items: Sequence[Any], desc: str) -> list[T]:
        """``fn`` over ``items`` with at most ``max_workers`` requests in flight, in order."""
        from tqdm.auto import tqdm

        if not items:
            return []
        bar = tqdm(total=len(items), desc=desc, unit="req", leave=False,
                   disable=not self.options.progress)
        pool = ThreadPoolExecutor(max_workers=min(self.options.max_workers, len(items)))
        try:
            futures = [pool.submit(fn, item) for item in items]
            out = []
            for future in futures:
                out.append(future.result())
                bar.update(1)
            return out
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()


def _token_ids(response: Any) -> list[int] | None:
    """Token ids from any of the tokenizer endpoints' answers, or None."""
    tokens = response.get("tokens") if isinstance(response, dict) else response
    if not isinstance(tokens, list):
        return None
    if all(isinstance(t, int) for t in tokens):
        return list(tokens)
    if all(isinstance(t, dict) and isinstance(t.get("id"), int) for t in tokens):
        return [t["id"] for t in tokens]  # TGI: [{"id": ..., "text": ...}, ...]
    return None
