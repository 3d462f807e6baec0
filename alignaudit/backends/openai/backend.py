"""The OpenAI-compatible backend: a model behind vLLM, TGI, llama.cpp, Ollama or a hosted API.

Every verb is a ``POST /v1/completions`` (the legacy text-completion endpoint), sent through
:mod:`alignaudit.backends.openai.http` (a bounded thread pool, retries with backoff, key redaction).
Log-likelihoods and perplexity read the server's echoed prompt log-probabilities
(:mod:`alignaudit.backends.openai.echo`); a context too long for the server loses its first half, a
text too long is scored in halves. Token counts come from the server's tokenizer endpoint when
it has one (:mod:`alignaudit.backends.openai.tokenizer`).

Support for echoed log-probabilities is probed once with a sentence whose generated token must
come back after the prompt's tokens; if it does not (the server refuses ``echo``, omits fields,
or returns misaligned log-probs) the backend is generation-only: ``supports_loglikelihood`` is
False and ``loglikelihood``/``perplexity`` raise :class:`LoglikelihoodUnsupported`.

The API key is read from the named environment variable when each request is built; it is never
kept on the backend, put in :class:`ModelInfo`, logged or written into an error message.
Every text a verb hands to the server is counted in ``usage.sent`` under the purpose the runner
set (probes or data; see :mod:`alignaudit.backends.egress`), those the journal answers included:
an interrupted run sent them.

With a :class:`~alignaudit.backends.journal.Journal` attached, every answer is journaled as it
arrives, keyed by the request, the server, the model and its entry's stable fields, so a re-run
after a failure or Ctrl-C sends only the unfinished requests and gives the same results.

Chat mode (:mod:`alignaudit.backends.openai.chat`). With ``api`` ``auto`` (the default) the first
request this backend sends to ``/v1/completions`` decides whether the API is chat-only; a switch
to chat mode is for good, logged once and journaled, so a resumed run goes straight to chat
mode. In chat mode generations go to ``/v1/chat/completions`` and results are generation-only,
with the reason :data:`CHAT_WHY`.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections.abc import Sequence
from typing import Any, Literal

from alignaudit._util.errors import UserError
from alignaudit.backends.base import (
    Backend,
    Capabilities,
    Loglikelihood,
    ModelInfo,
    Perplexity,
    ServingRun,
    Usage,
    cut_at_stop,
)
from alignaudit.backends.journal import Journal, journaled_value
from alignaudit.backends.openai.chat import (
    CHAT_WHY,
    SAMPLED_NOTE,
    ChatOnly,
    chat_body,
    chat_fix,
    strip_echo,
    with_fixes,
)
from alignaudit.backends.openai.echo import (
    Echo,
    echo_body,
    echo_lines_up,
    parse_echo,
    score_continuation,
)
from alignaudit.backends.openai.endpoint import EndpointChoice
from alignaudit.backends.openai.http import (
    Client,
    Malformed,
    Rejected,
    ServerError,
    map_requests,
    reply_text,
)
from alignaudit.backends.openai.models import find_model
from alignaudit.backends.openai.options import ServerOptions
from alignaudit.backends.openai.tokenizer import ServerTokenizer

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4  # OpenAI's rule of thumb for English, used when a server cannot tokenise
PROBE_PROMPT = "The quick brown fox jumps over the lazy dog. The sun rose over the quiet"
CONTEXT_TOO_LONG = re.compile(r"context (window|length)|maximum context|too long|exceed", re.I)


class LoglikelihoodUnsupported(UserError):
    """The server returns no usable prompt log-probabilities: score by generation only."""


# ----------------------------------------------------------------------- backend
class OpenAIBackend(Backend):
    """A model served behind an OpenAI-compatible API, answering the batched verbs."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.usage = Usage(served=True)
        self.client = Client(options, self.usage)
        self.info = ModelInfo(
            spec=options.model, display_name=options.display_name or options.model,
            source="openai", backend="openai", device=self.client.shown,
        )
        self.token_counts_exact: bool | None = None
        """None until count_tokens ran; False when it fell back to len(text)/4."""
        self._support: bool | None = None
        self._why = ""
        self._endpoint = EndpointChoice(self.client, options, lambda: self.journal,
                                        lambda: self._request_key("/v1/completions"),
                                        lambda api: self._update_info(api=api))
        self._info_lock = threading.Lock()
        self._tokenizer = ServerTokenizer(self.client, options.model)
        self._lock = threading.Lock()
        self.journal: Journal | None = None
        """Set by the runner: finished requests are read from and written to it."""
        self._chat_fixes: frozenset[str] = frozenset()
        """Changes chat requests need for this model (see ``chat.chat_fix``), learnt once."""
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
        except (ServerError, Malformed) as exc:
            if isinstance(exc, Malformed) or exc.status in (400, 404, 405, 422):
                return  # no model list here (some servers lack it): requests will tell
            raise
        entry = find_model(listing, self.options.model, self.client.shown)
        if entry is not None:
            self._fingerprint = entry.fingerprint
            if entry.context_length is not None:
                self.info = self.info.model_copy(update={"context_length": entry.context_length})

    # ----------------------------------------------------------------- chat mode
    @property
    def api(self) -> Literal["completions", "chat"] | None:
        """``chat`` or ``completions`` once known, else None (see :class:`EndpointChoice`)."""
        return self._endpoint.api

    # ----------------------------------------------------------------- support probe
    @property
    def capabilities(self) -> Capabilities:
        """Generation always; log-likelihoods and perplexity when the server echoes usable prompt
        log-probabilities (asked once, on first use); a journal of answered requests; the
        serving probe; no seeded sampling."""
        scores = self.supports_loglikelihood
        return Capabilities(loglikelihood=scores, perplexity=scores, journal=True, serving=True)

    def attach_journal(self, journal: Journal) -> None:
        """Journal every answered request (settled without a request to the server, so that the
        echo probe itself can come from the journal)."""
        self.journal = journal

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
                    self._record_generation_only()
            return self._support

    def _journaled_probe(self) -> bool:
        """The probe, unless the journal holds a successful one for this server and model (a
        failed probe is not journaled: the fix is to restart the server, then re-run)."""
        if self.journal is None:
            return self._probe()
        probe = echo_body(self.options.model, PROBE_PROMPT)
        key = self.journal.key("probe", self._request_key(probe))
        found = self.journal.get(key)
        if isinstance(found, dict):
            self._update_info(add_bos=bool(found.get("add_bos")))
            self._endpoint.settle("completions")
            return True
        supported = self._probe()
        if supported:
            self.journal.put(key, {"add_bos": self.info.add_bos})
        return supported

    def _probe(self) -> bool:
        where = f"{self.client.shown}/v1/completions"
        try:
            response = self._endpoint.completions(echo_body(self.options.model, PROBE_PROMPT))
            echo = parse_echo(response, PROBE_PROMPT, where)
        except ChatOnly:
            self._why = CHAT_WHY
            return False
        except (Rejected, Malformed) as exc:
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
        self.usage.record_sent([context for context, _ in pairs])
        started = time.perf_counter()

        def one(pair: tuple[str, str]) -> Loglikelihood:
            context, continuation = pair
            value = journaled_value(
                self.journal, "loglikelihood", self._request_key(context, continuation),
                lambda: self._one_loglikelihood(context, continuation).model_dump())
            return Loglikelihood(**value)

        out = map_requests(one, pairs, "Scoring", self.options)
        self.usage.score_seconds += time.perf_counter() - started
        return out

    def _one_loglikelihood(self, context: str, continuation: str) -> Loglikelihood:
        """Score one pair; a context too long for the server loses its first half, repeatedly."""
        boundary = len(context.rstrip())
        truncated = False
        while True:
            try:
                echo = self._echo(context + continuation)
            except Rejected as exc:
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
        self.usage.record_sent(texts)
        started = time.perf_counter()
        parts = map_requests(lambda text: journaled_value(
            self.journal, "perplexity", self._request_key(text),
            lambda: list(self._text_nll(text))), texts, "Perplexity", self.options)
        self.usage.score_seconds += time.perf_counter() - started
        return [Perplexity(nll=nll, n_tokens=n, n_words=len(t.split()))
                for t, (nll, n) in zip(texts, parts, strict=True)]

    def _text_nll(self, text: str, depth: int = 0) -> tuple[float, int]:
        if not text:
            return 0.0, 0
        try:
            echo = self._echo(text)
        except Rejected as exc:
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
        self.usage.record_sent(prompts)
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
            except ChatOnly:
                return self._chat(prompt, max_new_tokens, stops, stop)
            return cut_at_stop(text, stop)

        out = map_requests(one, prompts, "Generating", self.options)
        self.usage.generate_seconds += time.perf_counter() - started
        return out

    def serve(self, prompts: Sequence[str], max_new_tokens: int) -> ServingRun:
        """Every prompt as a concurrent request (see :mod:`.serving`); not journaled."""
        from alignaudit.backends.openai.serving import serve_concurrently

        return serve_concurrently(self, prompts, max_new_tokens)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Exact counts from the server's tokenizer endpoint when it has one; otherwise
        ceil(characters / 4), flagged by ``token_counts_exact = False``."""
        self.token_counts_exact = self._tokenizer.route() is not None
        if not self.token_counts_exact:
            self.usage.extra["token_counts"] = f"approximate: ceil(chars / {CHARS_PER_TOKEN})"
            return [math.ceil(len(t) / CHARS_PER_TOKEN) for t in texts]
        self.usage.record_sent(texts)
        return [len(ids) for ids in map_requests(self.tokenize, texts, "Tokenising",
                                                  self.options)]

    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text`` without special tokens, from the server's tokenizer endpoint."""
        return self._tokenizer.tokenize(text)

    # ----------------------------------------------------------------- internals
    def _chat(self, prompt: str, max_new_tokens: int, stops: list[str],
              stop: Sequence[str]) -> str:
        """One chat-mode generation: the reply (journaled as the server sent it) without a
        repeat of the prompt, cut at the first stop string."""
        body = chat_body(self.options.model, prompt, max_new_tokens, stops)
        reply = journaled_value(self.journal, "generate", self._request_key(body),
                                lambda: self._chat_reply(body))
        return cut_at_stop(strip_echo(str(reply), prompt), stop)

    def _chat_reply(self, body: dict[str, Any]) -> str:
        path = "/v1/chat/completions"
        while True:
            fixes = self._chat_fixes
            try:
                response = self.client.call("POST", path, with_fixes(body, fixes))
                break
            except Rejected as exc:
                fix = chat_fix(exc.detail, fixes)
                if fix is None:
                    raise
                self._learn_chat_fix(fix)
        text, used = reply_text(response, f"{self.client.shown}{path}", chat=True)
        with self._lock:
            self.usage.tokens_generated += used
        return text

    def _learn_chat_fix(self, fix: str) -> None:
        """Make ``fix`` to every later chat request (said once; a refused temperature 0 is
        recorded in the generation-only reason, as generations are then sampled)."""
        with self._lock:
            if fix in self._chat_fixes:
                return
            self._chat_fixes = self._chat_fixes | {fix}
            if self._support is False:  # else recorded when support is settled
                self._record_generation_only()
        log.warning("%s/v1/chat/completions refused a parameter for `%s`; chat requests now "
                    "use: %s", self.client.shown, self.options.model, fix)

    def _record_generation_only(self) -> None:
        """``info.generation_only``: why there are no likelihoods, and whether generations
        are sampled because the API refused temperature 0."""
        reason = (CHAT_WHY if self._why == CHAT_WHY else
                  "no usable prompt log-probabilities from /v1/completions; " + self._why)
        if "no_temperature" in self._chat_fixes:
            reason = f"{reason}; {SAMPLED_NOTE}"
        self._update_info(generation_only=reason)

    def _complete(self, body: dict[str, Any]) -> str:
        """The text a plain completion request returns (before any stop string is applied)."""
        where = f"{self.client.shown}/v1/completions"
        text, used = reply_text(self._endpoint.completions(body), where)
        with self._lock:
            self.usage.tokens_generated += used
        return text

    def _request_key(self, *request: Any) -> list[Any]:
        """What a journal entry is keyed by: this server and model, and the request itself."""
        return [self.client.shown, self.options.model, self._fingerprint, *request]

    def _echo(self, prompt: str) -> Echo:
        response = self._endpoint.completions(echo_body(self.options.model, prompt))
        echo = parse_echo(response, prompt, f"{self.client.shown}/v1/completions")
        with self._lock:
            self.usage.tokens_scored += len(echo.tokens)
            self.usage.batches += 1
        return echo
