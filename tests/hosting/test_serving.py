"""The serving probe: figures computed from recorded timings (checked by hand, never against a
speed), and the probe run through the fake, the tiny transformers model and a fake server."""

from __future__ import annotations

import threading

import pytest

from alignaudit.backends.base import Capabilities
from alignaudit.backends.fake import FakeBackend
from alignaudit.backends.openai.backend import OpenAIBackend
from alignaudit.backends.openai.options import ServerOptions
from alignaudit.hosting.probe import measure
from alignaudit.hosting.serving import percentile, serving_stats, typical_prompts
from alignaudit.hosting.settings import HostingSettings
from tests.helpers.server import FakeServer


def test_figures_from_recorded_timings():
    # 4 requests of 100 prompt + 50 generated tokens, answered after 1, 2, 3 and 4 s; the probe
    # took 4 s. Generated 200 / 4 = 50 tokens/s; all 600 / 4 = 150 tokens/s; nearest-rank p50 is
    # the ceil(0.5 * 4) = 2nd value (2 s), p95 the ceil(0.95 * 4) = 4th (4 s); capacity
    # 150 * 730 h * 3600 s = 394,200,000 tokens/month.
    s = serving_stats([100] * 4, [50] * 4, [4.0, 1.0, 3.0, 2.0], 4.0, 50, "test", "test")
    assert s.output_per_second == 50.0 and s.total_per_second == 150.0
    assert (s.latency_p50, s.latency_p95) == (2.0, 4.0)
    assert s.capacity == pytest.approx(394_200_000.0)


def test_percentile_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 0.5) == 10.0    # ceil(10) = 10th
    assert percentile(values, 0.95) == 19.0   # ceil(19) = 19th
    assert percentile([7.0], 0.95) == 7.0


def test_prompts_differ_from_their_first_word():
    prompts = typical_prompts(16, 50)
    assert len(set(prompts)) == 16
    assert len({p.split()[2] for p in prompts}) == 16  # the filler starts at another word
    assert all(len(p.split()) == 52 for p in prompts)


def test_probe_through_the_fake():
    settings = HostingSettings(measure_serving=True, serving_requests=5, prompt_tokens=120,
                               answer_tokens=30)
    stats, note = measure(FakeBackend(), settings)
    assert note is None and stats is not None
    assert stats.n_requests == 5 and stats.output_tokens == 5 * 30
    assert stats.prompt_tokens == pytest.approx(5 * 120, rel=0.15)  # calibrated word count
    assert stats.latency_p50 <= stats.latency_p95 <= stats.wall_seconds


class NoServing(FakeBackend):
    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(loglikelihood=True, perplexity=True, serving=False)


def test_a_backend_without_the_verb_gets_a_note():
    stats, note = measure(NoServing(), HostingSettings(measure_serving=True))
    assert stats is None and "no serving probe" in (note or "")


def test_probe_on_the_tiny_model_is_one_batch_of_exact_lengths(tiny_backend):
    settings = HostingSettings(measure_serving=True, serving_requests=3, prompt_tokens=20,
                               answer_tokens=6)
    stats, _ = measure(tiny_backend, settings)
    assert stats is not None and stats.n_requests == 3
    assert stats.output_tokens == 3 * 6  # end-of-text held back until 6 tokens each
    words = round(20 / (tiny_backend.count_tokens(typical_prompts(1, 200))[0] / 202)) - 2
    prompts = typical_prompts(3, words)
    assert stats.prompt_tokens == sum(tiny_backend.count_tokens(prompts))  # its own tokenizer
    # a batch finishes together: every request waited the whole batch
    assert stats.latency_p50 == stats.latency_p95 == stats.wall_seconds
    assert "one batch of 3" in stats.how and "tokenizer" in stats.token_source


def test_probe_on_a_server_sends_concurrent_requests_and_reads_usage():
    server = FakeServer()
    gate = threading.Barrier(4, timeout=5)

    def handler(method, path, body):
        if path == "/v1/completions" and not body.get("echo"):
            gate.wait()  # all four must be in flight at once to be answered
            return 200, {}, {"choices": [{"text": " ok"}],
                             "usage": {"prompt_tokens": 11, "completion_tokens": 7}}
        return server.default(method, path, body)

    server.handler = handler
    try:
        backend = OpenAIBackend(ServerOptions(base_url=server.url, model="fake-model",
                                              progress=False, timeout=10.0, api="completions"))
        settings = HostingSettings(measure_serving=True, serving_requests=4, prompt_tokens=16,
                                   answer_tokens=7)
        stats, _ = measure(backend, settings)
    finally:
        server.close()
    assert stats is not None and stats.n_requests == 4
    assert (stats.prompt_tokens, stats.output_tokens) == (4 * 11, 4 * 7)  # the usage fields
    assert server.max_in_flight >= 4
    assert "usage fields" in stats.token_source and "4 concurrent requests" in stats.how
    sent = [r["body"] for r in server.paths("/v1/completions") if not r["body"].get("echo")]
    assert all(b["max_tokens"] == 7 and b["temperature"] == 0 for b in sent)
    # the probe's requests are not counted with the audit's (its token counting may be)
    assert backend.usage.requests <= len(server.requests) - 4


def test_a_dry_run_through_the_python_api_fills_the_block():
    import alignaudit

    # 1B tokens at 400:200 through an API at $1/M in, $2/M out: (400 * 1 + 200 * 2) / 600 =
    # $1.333/M -> $1,333.33; self-hosted $1 * 730 = $730 on one machine
    result = alignaudit.audit(model="x", backend="fake", limit=10, generate=False,
                              price_per_hour=1.0, api_price="1,2", volume="1B tokens/month",
                              measure_serving=True, serving_requests=2)
    hosting = result.models[0].hosting
    assert hosting is not None and hosting.serving is not None
    assert hosting.api.value == pytest.approx(1333.333, rel=1e-6)
    assert hosting.serving.n_requests == 2 and hosting.cheaper == "self-hosted"
