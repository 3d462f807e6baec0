"""A fake OpenAI-compatible server on loopback, with a toy tokenizer whose log-probabilities can be
checked by hand; a handler can be swapped in, or a schedule of faults injected (:class:`Fault`:
HTTP 429 with Retry-After, 5xx, answers slower than the client waits), and its request log says
which texts arrived (:meth:`FakeServer.arrived`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "sk-test-0123456789abcdef-secret"
KEY_ENV = "ALIGNAUDIT_TEST_OPENAI_KEY"


# ----------------------------------------------------------------------- a fake server
def toy_tokens(text: str) -> list[str]:
    """Words with their leading whitespace; trailing whitespace is a token of its own."""
    tokens, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and text[j].isspace():
            j += 1
        while j < len(text) and not text[j].isspace():
            j += 1
        tokens.append(text[i:j])
        i = j
    return tokens


def toy_lp(token: str) -> float:
    return -len(token) / 10


def echo_response(prompt: str, generated: str = " ok", bos: str = "",
                  drop_generated: bool = False) -> dict:
    """What a correct server answers to echo + logprobs=1 + max_tokens=1 (optionally with a
    BOS token shown as text, or llama-cpp-python's misaligned answer without the generated
    token)."""
    tokens = ([bos] if bos else []) + toy_tokens(prompt) + [generated]
    if drop_generated:
        tokens = tokens[:-1]
    offsets, pos = [], 0
    for tok in tokens:
        offsets.append(pos)
        pos += len(tok)
    values: list[float | None] = [toy_lp(t) for t in tokens]
    tops: list[dict | None] = [{t: toy_lp(t), " the": -0.1} for t in tokens]
    if not drop_generated:  # temperature 0: the generated token is the top one
        tops[-1] = {generated: toy_lp(generated)}
    values[0], tops[0] = None, None
    return {"object": "text_completion", "model": "fake-model",
            "choices": [{"index": 0, "text": prompt + ("" if drop_generated else generated),
                         "finish_reason": "length",
                         "logprobs": {"tokens": tokens, "token_logprobs": values,
                                      "text_offset": offsets, "top_logprobs": tops}}],
            "usage": {"prompt_tokens": len(tokens) - 1, "completion_tokens": 1}}


def chat_response(content: str | None) -> dict:
    return {"object": "chat.completion", "model": "fake-model",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 4}}


Reply = tuple[int, dict[str, str], Any]

OPENAI_CHAT_MODEL = {"error": {
    "message": "This is a chat model and not supported in the v1/completions endpoint. Did you "
               "mean to use v1/chat/completions?",
    "type": "invalid_request_error", "param": "model", "code": None}}
"""What api.openai.com answers (HTTP 404) to /v1/completions for a chat model."""
CHAT_ONLY_REPLIES: dict[str, tuple[int, Any]] = {
    "openai-chat-model": (404, OPENAI_CHAT_MODEL),
    "vllm-not-found": (404, {"detail": "Not Found"}),  # a server without the route
    "method-not-allowed": (405, {"detail": "Method Not Allowed"}),
    "chat-model-400": (400, {"error": {"message": "The model fake-model is a chat model; "
                                                 "use /v1/chat/completions"}}),
}


@dataclass(frozen=True)
class Fault:
    """What the server does to one request instead of (or before) answering it."""

    status: int = 200
    """An HTTP error to answer with (429, 500, ...); 200: answer normally (after ``delay``)."""
    delay: float = 0.0
    """Seconds to wait first: beyond the client's --timeout, the client gives up on it."""
    retry_after: str | None = None
    """A Retry-After header sent with the error."""


RATE_LIMITED = Fault(429, retry_after="0")
SERVER_ERROR = Fault(500)


def slow(seconds: float) -> Fault:
    """An answer that comes after ``seconds``."""
    return Fault(delay=seconds)


def texts_of(body: Any) -> list[str]:
    """Every text a request body carries to the model (prompts, chat messages, tokenizer
    inputs)."""
    if not isinstance(body, dict):
        return []
    found = [body.get(k) for k in ("prompt", "input", "content", "inputs")]
    found += [m.get("content") for m in body.get("messages") or [] if isinstance(m, dict)]
    return [t for t in found if isinstance(t, str)]


class FakeServer:
    """An OpenAI-compatible server on 127.0.0.1 in a thread; ``handler`` can be swapped, and
    :meth:`inject` schedules faults for the next requests to a path."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.faults: list[tuple[str, Fault]] = []
        """Scheduled faults, in order: each is used by the next request to its path."""
        self.handler: Callable[[str, str, dict], Reply] = self.default
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else {}
                with server.lock:
                    server.requests.append({"method": method, "path": self.path, "body": body,
                                            "headers": dict(self.headers)})
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    status, headers, payload = server.answer(method, self.path, body)
                finally:
                    with server.lock:
                        server.in_flight -= 1
                raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def default(self, method: str, path: str, body: dict) -> Reply:
        if path == "/v1/models":
            return 200, {}, {"object": "list", "data": [{"id": "fake-model",
                                                         "max_model_len": 4096}]}
        if path == "/tokenize":
            return 200, {}, {"tokens": [len(t) for t in toy_tokens(body["prompt"])]}
        if path == "/v1/completions":
            if body.get("echo"):
                return 200, {}, echo_response(body["prompt"])
            text = " Paris.\nThe end"
            return 200, {}, {"choices": [{"text": text[: body["max_tokens"] * 8]}],
                             "usage": {"completion_tokens": 3}}
        if path == "/v1/chat/completions":  # a chat model that repeats the user's text first
            return 200, {}, chat_response(body["messages"][-1]["content"] + " Paris.\nThe end")
        return 404, {}, {"error": {"message": f"no route {path}"}}

    def inject(self, *faults: Fault, path: str = "/v1/completions") -> None:
        """Apply ``faults``, one each, to the next requests to ``path`` (then answer normally)."""
        with self.lock:
            self.faults.extend((path, f) for f in faults)

    def answer(self, method: str, path: str, body: dict) -> Reply:
        """The scheduled fault of this request, if any; else the handler's answer."""
        with self.lock:
            index = next((i for i, (p, _) in enumerate(self.faults) if p == path), None)
            fault = self.faults.pop(index)[1] if index is not None else None
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status != 200:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return fault.status, headers, {"error": {"message": f"fault {fault.status}"}}
        return self.handler(method, path, body)

    def texts(self) -> list[str]:
        """Every text that reached the server, in arrival order."""
        with self.lock:
            return [t for r in self.requests for t in texts_of(r["body"])]

    def arrived(self, documents: Iterable[str]) -> list[str]:
        """Those of ``documents`` that reached the server inside any request's text."""
        seen = self.texts()
        return [d for d in documents if any(d in t for t in seen)]

    def paths(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
