"""The data-alignment section end to end on small data: files in, DataAlignment out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from alignaudit._util.errors import UserError
from alignaudit.config import DataSettings
from alignaudit.drift.section import analyse_data

OLD = ["The committee met on {d} to discuss the annual budget and the new library roof.",
       "Local farmers reported a good harvest of wheat and barley this {d}.",
       "The football club signed a new goalkeeper before the season opened in {d}."]
NEW = ["Our ChatGPT integration drafted the invoice but the LLM hallucinated a VAT rate on {d}.",
       "After the Omicron wave we moved payroll to remote approvals with passkeys on {d}.",
       "The Copilot agent kept calling the MCP server in a loop on {d}, please advise."]


class WordLengthEmbedder:
    """A hand-checkable embedder: counts of word lengths 1..16, unit-normalised."""

    name, dims = "word-lengths", 16

    def embed(self, texts):
        out = np.zeros((len(texts), 16), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.split():
                out[i, min(len(w), 16) - 1] += 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def write_jsonl(path: Path, templates, years) -> Path:
    with path.open("w") as fh:
        for i in range(60):
            year = years[i % len(years)]
            day = f"{year}-{1 + i % 12:02d}-15"
            fh.write(json.dumps({"body": templates[i % 3].format(d=f"{day} ({i})"),
                                 "created": day}) + "\n")
    return path


def test_embedding_drift_without_a_model(tmp_path):
    user = write_jsonl(tmp_path / "user.jsonl", NEW, [2023, 2024])
    ref = write_jsonl(tmp_path / "ref.jsonl", OLD, [2015])
    settings = DataSettings(paths=[str(user)], text_column="body", date_column="created",
                            reference=str(ref), n_permutations=200)
    result = analyse_data(settings, None, np.random.default_rng(0), lambda _: None,
                          WordLengthEmbedder())
    assert result.reference.kind == "file" and result.reference.n == 60
    assert result.data.n_kept == 60
    mmd = next(t for t in result.stats.tests if t.name == "mmd")
    assert mmd.drift_detected and result.level in {"moderate", "high"}
    assert result.most_novel[0].rank == 1 and result.most_novel[0].source.startswith(str(user))
    assert result.perplexity is None and result.novel_terms is None  # no model
    assert result.novelty_by_period is not None


def test_model_view_on_the_tiny_model(tmp_path, tiny_backend):
    user = write_jsonl(tmp_path / "user.jsonl", NEW, [2023, 2024])
    ref = write_jsonl(tmp_path / "ref.jsonl", OLD, [2015])
    settings = DataSettings(paths=[str(user)], text_column="body", date_column="created",
                            reference=str(ref), n_permutations=100)
    result = analyse_data(settings, tiny_backend, np.random.default_rng(0), lambda _: None,
                          WordLengthEmbedder())
    assert result.perplexity is not None and result.perplexity.median_ratio > 0
    assert result.fertility is not None
    terms = [t.term.lower() for t in result.novel_terms.terms]
    assert any(t in terms for t in ("chatgpt", "omicron", "copilot", "mcp"))
    assert result.perplexity_by_period is not None


def test_too_little_data_is_a_user_error(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("one\ntwo\n")
    settings = DataSettings(paths=[str(path)], reference=str(path))
    with pytest.raises(UserError, match="at least 10"):
        analyse_data(settings, None, np.random.default_rng(0), lambda _: None,
                     WordLengthEmbedder())


def test_reference_model_needs_a_model(tmp_path):
    user = write_jsonl(tmp_path / "user.jsonl", NEW, [2023])
    settings = DataSettings(paths=[str(user)], text_column="body", reference="model")
    with pytest.raises(UserError, match="--reference model"):
        analyse_data(settings, None, np.random.default_rng(0), lambda _: None,
                     WordLengthEmbedder())


def test_reference_sampled_from_the_model(tmp_path, tiny_backend):
    user = write_jsonl(tmp_path / "user.jsonl", NEW, [2023])
    settings = DataSettings(paths=[str(user)], text_column="body", reference="model",
                            reference_size=20, n_permutations=50)
    a = analyse_data(settings, tiny_backend, np.random.default_rng(0), lambda _: None,
                     WordLengthEmbedder())
    b = analyse_data(settings, tiny_backend, np.random.default_rng(0), lambda _: None,
                     WordLengthEmbedder())
    assert a.reference.kind == "model" and a.reference.n > 0
    assert a == b  # seeded sampling: the same reference, the same statistics
