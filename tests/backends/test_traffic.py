"""The served endpoint's behaviour during a run: the fake server injects 429s, 5xx and answers
slower than the client waits, and every count comes out exact. Latencies are checked only for
their order, and against the delays the server itself slept (a lower bound on any machine)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alignaudit._util.errors import UserError
from alignaudit.backends.base import Usage
from alignaudit.backends.openai.backend import OpenAIBackend
from alignaudit.backends.openai.options import ServerOptions
from alignaudit.backends.traffic import endpoint_stats, nearest_rank
from tests.helpers import MINI_SUITE
from tests.helpers.server import RATE_LIMITED, SERVER_ERROR, FakeServer, Fault, slow

PROMPTS = [f"Question {i}:" for i in range(8)]


@pytest.fixture
def server():
    fake = FakeServer()
    yield fake
    fake.close()


def backend_for(server: FakeServer, **overrides: Any) -> OpenAIBackend:
    """Settled on /v1/completions, so every request below is a generation (no endpoint
    discovery), one at a time so that the faults hit requests in a known order."""
    options = dict(base_url=server.url, model="fake-model", progress=False, timeout=5.0,
                   max_retries=3, backoff_base=0.0, backoff_max=0.0, concurrency=1,
                   api="completions")
    options.update(overrides)
    return OpenAIBackend(ServerOptions(**options))


def test_nearest_rank_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert [nearest_rank(values, q) for q in (0.5, 0.95, 0.99, 1.0)] == [50, 95, 99, 100]
    assert nearest_rank([3.0], 0.99) == 3.0


def test_a_model_that_is_not_served_has_no_endpoint_figures():
    assert endpoint_stats(Usage()) is None
    empty = endpoint_stats(Usage(served=True))
    assert empty is not None and empty.requests == 0 and empty.latency_p50 is None


def test_every_failed_attempt_is_counted_by_kind(server):
    # 8 generations, one at a time; the first meets a 429, a 500, a 503, an answer slower than
    # the 0.5 s timeout and a 429 again, each retried, and is answered on its sixth try
    server.inject(RATE_LIMITED, SERVER_ERROR, Fault(503), slow(1.5), RATE_LIMITED)
    backend = backend_for(server, timeout=0.5, max_retries=5)
    assert backend.generate(PROMPTS, max_new_tokens=2, stop=["\n"]) == [" Paris."] * 8
    stats = endpoint_stats(backend.usage)
    assert stats is not None
    assert (stats.requests, stats.answered, stats.failed) == (8, 8, 0)
    assert (stats.rate_limited, stats.server_errors, stats.client_errors) == (2, 2, 0)
    assert (stats.timeouts, stats.network_errors) == (1, 0)
    assert stats.retries == 5 and stats.attempts == 13 == stats.requests + stats.retries
    assert stats.errors == 5
    assert len(server.paths("/v1/completions")) == 13  # the server saw every attempt
    assert stats.latency_n == 8  # answered attempts only


def test_latency_percentiles_are_ordered_and_include_slow_answers(server):
    delays = [slow(0.3), slow(0.3)]
    server.inject(*delays)
    backend = backend_for(server, timeout=5.0)
    backend.generate(PROMPTS * 5, max_new_tokens=2, stop=["\n"])
    stats = endpoint_stats(backend.usage)
    assert stats is not None and stats.latency_n == 40 and stats.timeouts == 0
    assert stats.latency_p50 is not None and stats.latency_p95 is not None
    assert stats.latency_p99 is not None and stats.latency_max is not None
    assert 0 < stats.latency_p50 <= stats.latency_p95 <= stats.latency_p99 <= stats.latency_max
    # two answers of 40 waited 0.3 s on the server: the slowest 5% include them
    assert stats.latency_p99 >= 0.3 and stats.latency_max >= 0.3


def test_requests_that_fail_for_good_are_counted(server):
    server.inject(*[SERVER_ERROR] * 3)
    backend = backend_for(server, max_retries=2)
    with pytest.raises(UserError, match="HTTP 500 after 3 tries"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    stats = endpoint_stats(backend.usage)
    assert stats is not None
    assert (stats.requests, stats.answered, stats.failed) == (1, 0, 1)
    assert (stats.server_errors, stats.retries, stats.attempts) == (3, 2, 3)
    assert stats.latency_n == 0 and stats.latency_p50 is None


def test_timeouts_and_refused_connections_are_counted_apart(server):
    server.inject(slow(1.0), slow(1.0))
    backend = backend_for(server, timeout=0.3, max_retries=1)
    with pytest.raises(UserError, match="did not answer within 0.3s"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    stats = endpoint_stats(backend.usage)
    assert stats is not None and (stats.timeouts, stats.failed, stats.attempts) == (2, 1, 2)
    port = server.httpd.server_address[1]
    server.close()
    gone = OpenAIBackend(ServerOptions(base_url=f"http://127.0.0.1:{port}/v1", model="m",
                                       progress=False, max_retries=1, backoff_base=0.0,
                                       backoff_max=0.0, api="completions"))
    with pytest.raises(UserError, match="connection refused"):
        gone.generate(["Hi"], max_new_tokens=2, stop=[])
    refused = endpoint_stats(gone.usage)
    assert refused is not None and (refused.network_errors, refused.timeouts) == (2, 0)
    assert refused.failed == 1


def test_a_4xx_that_is_not_retried_is_one_failed_request(server):
    server.inject(Fault(400))
    backend = backend_for(server)
    with pytest.raises(UserError, match="rejected the request"):
        backend.generate(["Hi"], max_new_tokens=2, stop=[])
    stats = endpoint_stats(backend.usage)
    assert stats is not None
    assert (stats.client_errors, stats.failed, stats.retries, stats.attempts) == (1, 1, 0, 1)


def test_a_run_records_the_endpoint_in_results_and_report(server, tmp_path):
    """Through the CLI: the faults of a run land in results.json, the endpoint table of the page
    and summary.md."""
    from typer.testing import CliRunner

    from alignaudit.cli.app import app

    server.inject(RATE_LIMITED, SERVER_ERROR, SERVER_ERROR)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
        "--probes", str(MINI_SUITE), "--out", str(out), "--quiet", "--no-generate",
        "--api", "completions", "--concurrency", "1"])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "results.json").read_text())
    stats = saved["runtime"]["models"]["fake-model"]["endpoint"]
    assert (stats["rate_limited"], stats["server_errors"], stats["retries"]) == (1, 2, 3)
    assert stats["attempts"] == stats["requests"] + stats["retries"]
    assert stats["requests"] == stats["answered"] + stats["failed"]
    assert stats["answered"] == len(server.requests) - 3 - stats["failed"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Served endpoint during the run" in page and "Rate-limited (HTTP 429)" in page
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "## Served endpoint during the run" in summary
    assert f"| {stats['requests']} | {stats['failed']} | 3 | 1 | 2 |" in summary
