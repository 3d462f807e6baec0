"""Packed perplexity (alignaudit.backends.hf.rolling and its use in the transformers backend):
the same numbers as one plain pass per window, on the tiny GPT-2, with fewer model calls."""

from __future__ import annotations

import json

import pytest
import torch

from alignaudit.backends.hf import packing
from alignaudit.backends.hf.backend import HFBackend, LoadOptions
from alignaudit.backends.hf.resolve import resolve
from alignaudit.backends.hf.rolling import windows
from alignaudit.backends.journal import Journal

TEXTS = [
    "The quick brown fox jumps over the lazy dog. " * 3,
    "",  # no tokens
    "Fixed a crash when the cache directory is missing.",
    "x",  # one token
    "Added support for Python 3.13 and dropped Python 3.8. " * 9,  # several windows
    "Fixed a crash when the config file is empty.",  # shares an opening with the third
    "   ",  # whitespace only: a token or two
    "Hi",
    "Removed the deprecated --user flag; use --target instead.",
    "z",
]


def load(folder, **options) -> HFBackend:
    return HFBackend.load(resolve(str(folder)), LoadOptions(progress=False, **options))


def direct_nll(backend: HFBackend, text: str, size: int) -> float:
    """One plain forward per window, a float64 log-softmax: the definition of rolling NLL."""
    tokens = backend.encode(text)
    nll = 0.0
    for ctx, window in windows(tokens, size, backend._start_token()):
        seq = torch.tensor([ctx + window[:-1]])
        with torch.no_grad():
            logp = torch.log_softmax(backend.model(seq).logits[0].double(), -1)
        nll -= float(logp.gather(-1, torch.tensor(window)[:, None]).sum())
    return nll


def assert_same(got, expected, per_token: float = 1e-5) -> None:
    for a, b in zip(got, expected, strict=True):
        assert a.n_tokens == b.n_tokens and a.n_words == b.n_words
        assert a.nll == pytest.approx(b.nll, abs=per_token * max(1, b.n_tokens))


def test_windows_cover_every_token_once():
    assert windows([], 4, 0) == []
    assert windows([7], 4, 0) == [([0], [7])]
    got = windows(list(range(10, 20)), 4, 0)
    assert got == [([0], [10, 11, 12, 13]), ([13], [14, 15, 16, 17]), ([17], [18, 19])]


@pytest.mark.parametrize("row", [24, 256])
def test_packed_perplexity_equals_one_pass_per_window(tiny_gpt2_dir, monkeypatch, row):
    from alignaudit.backends.hf import backend as hf

    monkeypatch.setattr(hf, "PACK_ROW", row)  # 24: many rows, and windows of a row of their own
    packed = load(tiny_gpt2_dir, max_window=16)
    plain = load(tiny_gpt2_dir, max_window=16, pack=False)
    got = packed.perplexity(TEXTS)
    assert packed.usage.extra["packing"] is True
    assert_same(got, plain.perplexity(TEXTS))
    for text, res in zip(TEXTS, got, strict=True):
        assert res.n_tokens == len(packed.encode(text))
        assert res.nll == pytest.approx(direct_nll(packed, text, 16),
                                        abs=1e-5 * max(1, res.n_tokens))
    assert got[1].n_tokens == 0 and got[1].nll == 0.0
    assert got[3].n_tokens == 1 and got[4].n_tokens > 3 * 16


def test_every_token_of_a_padded_batch_of_rows_matches_its_own_pass(tiny_backend):
    """Per token, not per document: rows of 24 nodes batched with padding, shared openings."""
    b = tiny_backend
    reqs = [w for text in TEXTS for w in windows(b.encode(text), 16, b._start_token())]
    rows, leftovers = packing.build_rows([c for c, _ in reqs], [x for _, x in reqs],
                                         capacity=24, max_len=1024, growth=1)
    assert not leftovers and len(rows) > 3 and len({len(r) for r in rows}) > 1
    spec = packing.readout(rows)
    with torch.no_grad():
        logits = packing.logits_at(b.model, packing.row_tensors(rows, b.pad_id, torch.float32),
                                   spec.rows, spec.cols)
    got = logits[spec.node, spec.target].double() - packing.log_normaliser(logits)[spec.node]
    expected = []
    for owner in [k for row in rows for k in row.owners]:
        ctx, window = reqs[owner]
        with torch.no_grad():
            logp = torch.log_softmax(b.model(torch.tensor([ctx + window[:-1]])).logits[0].double(),
                                     -1)
        expected += logp.gather(-1, torch.tensor(window)[:, None]).squeeze(-1).tolist()
    assert len(expected) == sum(len(x) for _, x in reqs)
    assert got.tolist() == pytest.approx(expected, abs=1e-5)


def test_documents_share_rows_and_the_head_sees_each_scored_token_once(tiny_gpt2_dir):
    backend = load(tiny_gpt2_dir)
    backend.perplexity(TEXTS[:2])  # the one-off self-check
    shapes, head_rows = [], []
    model = backend.model
    pre = model.register_forward_pre_hook(
        lambda _m, _a, kwargs: shapes.append(tuple(kwargs["input_ids"].shape)),
        with_kwargs=True)
    post = model.get_output_embeddings().register_forward_hook(
        lambda _m, args, _out: head_rows.append(args[0].shape[:-1].numel()))
    try:
        got = backend.perplexity(TEXTS)
    finally:
        pre.remove()
        post.remove()
    n_tokens = sum(r.n_tokens for r in got)
    # one row holds every document; documents opening alike (all with the start token) share
    # their first nodes, and every node predicts at least one token: the head sees each once
    assert len(shapes) == 1 and shapes[0][0] == 1 and shapes[0][1] < n_tokens
    assert head_rows == [shapes[0][1]]


def test_sliding_window_models_score_longer_windows_plainly(tiny_gpt2_dir, monkeypatch):
    backend = load(tiny_gpt2_dir, max_window=16)
    monkeypatch.setattr(backend.model.config, "sliding_window", 12, raising=False)
    assert backend._pack_capacity() == (12, 12)
    plain = load(tiny_gpt2_dir, max_window=16, pack=False)
    assert_same(backend.perplexity(TEXTS), plain.perplexity(TEXTS))
    assert backend.usage.extra["packing"] is True


def test_a_model_that_cannot_pack_falls_back_to_plain_passes(tiny_gpt2_dir, monkeypatch):
    backend = load(tiny_gpt2_dir)

    def rejects(*_args, **_kwargs):
        raise ValueError("this attention takes no 4-D mask")

    monkeypatch.setattr(backend, "_score_rows", rejects)
    got = backend.perplexity(TEXTS)
    assert backend.usage.extra["packing"] is False
    assert_same(got, load(tiny_gpt2_dir, pack=False).perplexity(TEXTS))


def test_out_of_memory_halves_the_rows_and_gives_the_same_perplexity(tiny_gpt2_dir,
                                                                     monkeypatch):
    from alignaudit.backends.hf import backend as hf

    monkeypatch.setattr(hf, "PACK_ROW", 24)
    backend = load(tiny_gpt2_dir, max_window=16)
    expected = backend.perplexity(TEXTS)
    real, calls = backend._score_rows, []

    def flaky(rows, greedy=True):
        calls.append(len(rows))
        if len(rows) > 1:
            raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real(rows, greedy)

    monkeypatch.setattr(backend, "_score_rows", flaky)
    assert_same(backend.perplexity(TEXTS), expected, per_token=1e-6)
    assert calls[0] > 1 and backend.usage.extra["oom_halvings"] >= 1


def test_perplexity_batches_are_journaled_and_read_back(tiny_gpt2_dir, tmp_path):
    first = load(tiny_gpt2_dir)
    first.attach_journal(Journal(tmp_path / "j.jsonl", "tiny"))
    expected = first.perplexity(TEXTS)
    lines = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
    # packed rows hold [log-prob, None] per window (the plain self-check's lines hold pairs)
    # (the journal's first line is its identity, not a batch)
    rows = [row for line in lines if "key" in line for row in line["value"]
            if isinstance(row[0], list)]
    assert rows and all(v[1] is None for row in rows for v in row)
    again = load(tiny_gpt2_dir)
    again.attach_journal(Journal(tmp_path / "j.jsonl", "tiny"))
    again.usage.extra["packing"] = True  # as a resumed run that already checked packing
    monkey_calls = []
    again.model.register_forward_pre_hook(lambda *_: monkey_calls.append(1))
    got = again.perplexity(TEXTS)
    assert monkey_calls == [] and [r.nll for r in got] == [r.nll for r in expected]


def test_log_normaliser_matches_float64_and_takes_half_precision():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(40, 50_257, generator=gen) * 4.0
    logits[:, 7] += 30.0  # a peaked row, as a trained model's
    exact = logits.double().logsumexp(-1)
    got = packing.log_normaliser(logits, chunk=16)
    assert got.dtype == torch.float64
    assert float((got - exact).abs().max()) < 1e-6
    half = logits.bfloat16()
    assert torch.allclose(packing.log_normaliser(half), half.double().logsumexp(-1), atol=1e-4)
