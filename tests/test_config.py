"""The run configuration: validated on the object, options named in errors, flat on disk."""

from __future__ import annotations

import json

import pytest

from alignaudit._util.errors import UsageError, UserError
from alignaudit.config import FLAT_ORDER, RunConfig


def test_backend_options_nest_in_memory_and_stay_flat_on_disk():
    config = RunConfig(models=["m"], device="cpu", timeout=30.0, generate=False)
    assert config.hf.device == "cpu" and config.server.timeout == 30.0
    assert config.scoring.generate is False
    saved = json.loads(config.model_dump_json())
    assert list(saved) == list(FLAT_ORDER)
    assert saved["device"] == "cpu" and saved["timeout"] == 30.0 and "hf" not in saved
    assert RunConfig.model_validate(saved) == config


@pytest.mark.parametrize(("values", "option"), [
    ({"seed": -1}, "--seed"), ({"limit": 0}, "--limit"), ({"batch_size": "0"}, "--batch-size"),
    ({"timeout": float("nan")}, "--timeout"), ({"concurrency": 0}, "--concurrency"),
    ({"max_new_tokens": 0}, "--max-new-tokens"), ({"price_per_hour": -1.0}, "--price-per-hour"),
    ({"claimed_cutoff": "2024-13"}, "--claimed-cutoff"), ({"backend": "grpc"}, "--backend"),
    ({"backend": "openai"}, "--base-url"), ({"api": "Chat"}, "--api"),
    ({"fail_on": ["recency_accuracy<nan"]}, "--fail-on"),
    ({"data": {"paths": ["x"], "split": "words"}}, "--split"),
    ({"data": {"paths": ["x"], "permutations": 0}}, "--permutations"),
])
def test_a_bad_value_is_a_usage_error_naming_the_option(values, option):
    with pytest.raises(UsageError) as caught:
        RunConfig.for_run(models=["m"], **values)
    assert option in str(caught.value)


def test_missing_data_is_checked_when_a_run_is_configured_not_when_a_result_loads(tmp_path):
    data = {"paths": [str(tmp_path / "gone.jsonl")]}
    with pytest.raises(UserError, match="--data .*gone.jsonl: no such file"):
        RunConfig.for_run(models=["m"], data=data)
    assert RunConfig.model_validate({"models": ["m"], "data": data}).data is not None
