"""HTTP for the OpenAI-compatible backend: where the server is and how to talk to it.

:class:`Client` sends JSON over HTTP with only the standard library, retried with exponential
backoff and jitter on 429, 5xx, timeouts and dropped connections (``Retry-After`` is honoured:
:func:`retry_delay`); every failure a user can fix becomes a :class:`ServerError` whose message
says what to do. :func:`map_requests` runs requests on a bounded thread pool. Requests, their
latencies and every failed attempt by kind are counted in :class:`Usage` (see
:mod:`alignaudit.backends.traffic`).

The API key is read from the named environment variable when each request is built; it is never
kept on the client, logged or written into an error message (:meth:`Client.redact`), and a
``--base-url`` with a user name or password is refused. :func:`public_url` is the server's URL
fit for reports and messages.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from alignaudit._util import interrupts
from alignaudit._util.errors import UserError
from alignaudit.backends.base import Usage
from alignaudit.backends.egress import locate
from alignaudit.backends.openai.chat import completions_hint
from alignaudit.backends.openai.options import ServerOptions

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_BODY = 64 << 20


class ServerError(UserError):
    """A request failed for good: ``status`` is the HTTP status, None for network failures."""

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class Rejected(ServerError):
    """The server refused a request as invalid (HTTP 400/422 and the like)."""


class Malformed(UserError):
    """The server answered with something that is not an OpenAI-compatible response."""


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


def status_kind(status: int) -> str:
    """The :class:`Usage` counter of a failed HTTP answer: 429, 5xx, or another 4xx."""
    return ("rate_limited" if status == 429 else "server_errors" if status >= 500
            else "client_errors")


def timed_out(exc: BaseException) -> bool:
    """Whether a failed attempt got no answer in time (the socket's timeout)."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, (TimeoutError, socket.timeout))


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


def malformed(where: str, what: str) -> Malformed:
    """The error for an answer from ``where`` that is not what an OpenAI-compatible server sends
    (``what`` says how), with the likely fix."""
    endpoint = "chat-completions" if where.endswith("/chat/completions") else "text-completions"
    return Malformed(
        f"The answer from {where} is not what an OpenAI-compatible server sends ({what}). "
        "Check that --base-url points at the API itself (for example http://HOST:PORT/v1) "
        f"and that the server implements the {endpoint} endpoint."
    )


# ----------------------------------------------------------------------- the client
class Client:
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
        # never send traffic for this machine through an http_proxy from the environment: the
        # proxy may be another machine, and the data would leave this one
        handlers = [urllib.request.ProxyHandler({})] if locate(parts.hostname).local else []
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
                retry = exc.code in RETRY_STATUS and not last
                self._count(status_kind(exc.code), failed=not retry)
                if retry:
                    self._wait(attempt, exc.headers.get("Retry-After"), f"HTTP {exc.code}", path)
                    continue
                raise self._http_error(path, exc.code, detail) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                self._count("timeouts" if timed_out(exc) else "network_errors", failed=last)
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
                raise malformed(f"{self.shown}{path}", "its body is not JSON") from None
        raise AssertionError("unreachable")

    def _count(self, kind: str, failed: bool) -> None:
        """Count a failed attempt of ``kind`` (a :class:`Usage` counter), and the request as
        failed when it is not tried again."""
        with self.lock:
            setattr(self.usage, kind, getattr(self.usage, kind) + 1)
            self.usage.failed += failed

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
        hint = completions_hint(self.options.api, path, status, detail)
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
            return Rejected(f"{where} rejected the request (HTTP {status}).{said}{hint}",
                            status=status, detail=detail)
        return ServerError(message + said + hint, status=status, detail=detail)

    def _fewer(self) -> str:
        """The advice to send fewer requests at once, or "" when one is all that is sent."""
        n = self.options.concurrency
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


# ----------------------------------------------------------------------- concurrency
def map_requests(fn: Callable[[Any], T], items: Sequence[Any], desc: str,
                 options: ServerOptions) -> list[T]:
    """``fn`` over ``items`` with at most ``max_workers`` requests in flight, in order, with a
    progress meter named ``desc`` in the mode ``options.progress`` says."""
    from alignaudit._util.progress import meter

    if not items:
        return []
    bar = meter(options.progress, desc, total=len(items), unit="request")
    pool = ThreadPoolExecutor(max_workers=min(options.concurrency, len(items)))
    try:
        futures = [pool.submit(fn, item) for item in items]
        out = []
        for future in futures:
            out.append(future.result())
            bar.update(1)
            interrupts.check()
        return out
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()



def reply_text(response: Any, where: str, chat: bool = False) -> tuple[str, int]:
    """The generated text of a completion (``choices[0].text``) or chat completion
    (``choices[0].message.content``) answer, and the completion tokens its usage reports (0 when
    it reports none). A reply of another shape is a :class:`Malformed` naming ``where``."""
    try:
        choice = response["choices"][0]
        text = choice["message"].get("content") if chat else choice["text"]
    except (KeyError, IndexError, TypeError, AttributeError):
        field = "choices[0].message" if chat else "choices[0].text"
        raise malformed(where, f"no {field}") from None
    used = (response.get("usage") or {}).get("completion_tokens")
    text = (text if isinstance(text, str) else "") if chat else str(text or "")
    return text, used if isinstance(used, int) else 0
