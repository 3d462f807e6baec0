"""Integration: the real SmolLM2-135M from its PyPI package."""

from __future__ import annotations

import pytest
import torch

from alignaudit.backends.hf.backend import HFBackend, LoadOptions
from alignaudit.backends.hf.resolve import resolve
from alignaudit.recency.scoring import ScoreOptions, score_suites, summarise
from alignaudit.recency.suites import load_suite
from tests.helpers import MINI_SUITE

pytestmark = pytest.mark.integration


def test_real_model_logprobs_match_direct_forward(smollm2_backend):
    tok, model = smollm2_backend.tokenizer, smollm2_backend.model
    pairs = [("In March 2020 the World Health Organization declared COVID-19 a", " pandemic"),
             ("The 2022 FIFA World Cup final was won by", " Argentina, beating France")]
    results = smollm2_backend.loglikelihood(pairs)
    for (ctx, cont), res in zip(pairs, results, strict=True):
        c = tok(ctx, add_special_tokens=False)["input_ids"]
        w = tok(ctx + cont, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            lp = torch.log_softmax(model(torch.tensor([w])).logits[0].double(), -1)
        expected = sum(float(lp[i - 1, w[i]]) for i in range(len(c), len(w)))
        assert res.logprob == pytest.approx(expected, abs=1e-5)


def test_real_model_knows_the_pandemic(smollm2_backend):
    suite = load_suite(MINI_SUITE)
    results = score_suites(smollm2_backend, [suite], ScoreOptions(max_new_tokens=8))
    covid = next(r for r in results if r.probe_id == "covid-19-pandemic")
    assert covid.correct and covid.p_correct > 0.9
    assert covid.choices[0].text == " pandemic" and covid.preferred == 0
    summary = summarise("mini", results)
    assert summary.n_facts == 4 and summary.n_controls == 1


def test_gguf_conversion_is_cached(smollm2_backend):
    # the fixture converted (or reused) the cache; a second load reuses it, untouched
    from alignaudit.backends.hf.resolve import cache_root

    digest = smollm2_backend.info.files_sha256["SmolLM2-135M-Instruct.Q4_1.gguf"]
    marker = cache_root() / "converted" / digest[:32] / "alignaudit-source.json"
    before = marker.stat().st_mtime_ns
    again = HFBackend.load(resolve("smollm2-135m"), LoadOptions(progress=False))
    assert marker.stat().st_mtime_ns == before
    assert again.info.files_sha256 == smollm2_backend.info.files_sha256
    assert again.info.architecture == "LlamaForCausalLM"
