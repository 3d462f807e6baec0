"""The transformers backend: log-likelihoods vs a direct computation, generation, perplexity."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from alignaudit._util.errors import UserError
from alignaudit.backends.hf.backend import HFBackend, LoadOptions, cut_at_stop
from alignaudit.backends.hf.resolve import resolve


def direct_logprob(backend, context: str, continuation: str) -> float:
    """log P(continuation | context) with one plain forward pass over context+continuation."""
    tok, model = backend.tokenizer, backend.model
    ctx = tok(context, add_special_tokens=False)["input_ids"]
    whole = tok(context + continuation, add_special_tokens=False)["input_ids"]
    assert whole[: len(ctx)] == ctx, "test pair must split on a token boundary"
    with torch.no_grad():
        logits = model(torch.tensor([whole])).logits[0].double()
    logprobs = torch.log_softmax(logits, dim=-1)
    return sum(float(logprobs[i - 1, whole[i]]) for i in range(len(ctx), len(whole)))


PAIRS = [
    ("The capital of France is", " Paris"),  # leading space, one token
    ("In March 2020 the World Health Organization declared COVID-19 a", " global pandemic"),
    ("The 2022 FIFA World Cup final was won by", " Argentina, beating France on penalties"),
    ("Short", " x"),
]


def test_loglikelihood_matches_direct_computation(tiny_backend):
    results = tiny_backend.loglikelihood(PAIRS)
    for (ctx, cont), res in zip(PAIRS, results, strict=True):
        expected = direct_logprob(tiny_backend, ctx, cont)
        assert res.logprob == pytest.approx(expected, abs=1e-5)
        assert not res.boundary_fixed
    assert results[2].n_tokens > 3  # multi-token continuation


def test_loglikelihood_is_batch_invariant(tiny_gpt2_dir):
    one = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(batch_size=1, progress=False))
    many = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(batch_size=8, progress=False))
    a = [r.logprob for r in one.loglikelihood(PAIRS)]
    b = [r.logprob for r in many.loglikelihood(PAIRS)]
    assert a == pytest.approx(b, abs=1e-5)


def test_greedy_flag_matches_argmax(tiny_backend):
    ctx = "The capital of France is"
    ids = tiny_backend.tokenizer(ctx)["input_ids"]
    with torch.no_grad():
        top = int(tiny_backend.model(torch.tensor([ids])).logits[0, -1].argmax())
    greedy_text = tiny_backend.tokenizer.decode([top])
    res = tiny_backend.loglikelihood([(ctx, greedy_text)])[0]
    if not res.boundary_fixed:
        assert res.is_greedy
    other = tiny_backend.tokenizer.decode([(top + 1) % 50000])
    assert not tiny_backend.loglikelihood([(ctx, other)])[0].is_greedy


def test_trailing_space_moves_to_continuation(tiny_backend):
    a = tiny_backend.loglikelihood([("The capital of France is ", "Paris")])[0]
    b = tiny_backend.loglikelihood([("The capital of France is", " Paris")])[0]
    assert a.logprob == pytest.approx(b.logprob, abs=1e-6)


def test_boundary_mismatch_is_detected_and_scores_exact_text(tiny_backend):
    # "Hel" + "lo" tokenises whole as "Hello": the context's tokens are not a prefix.
    res = tiny_backend.loglikelihood([("Hel", "lo")])[0]
    assert res.boundary_fixed
    tok = tiny_backend.tokenizer
    ctx = tok("Hel", add_special_tokens=False)["input_ids"]
    cont = tok("lo", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = tiny_backend.model(torch.tensor([ctx + cont])).logits[0]
        logprobs = torch.log_softmax(logits.double(), -1)
    expected = sum(float(logprobs[len(ctx) + i - 1, t]) for i, t in enumerate(cont))
    assert res.logprob == pytest.approx(expected, abs=1e-5)
    assert res.n_tokens == len(cont)


def test_empty_context_scores_after_the_start_token(tiny_backend):
    res = tiny_backend.loglikelihood([("", " Paris")])[0]
    tok = tiny_backend.tokenizer
    ids = [tok.eos_token_id] + tok(" Paris", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logprobs = torch.log_softmax(tiny_backend.model(torch.tensor([ids])).logits[0].double(), -1)
    expected = sum(float(logprobs[i - 1, ids[i]]) for i in range(1, len(ids)))
    assert res.logprob == pytest.approx(expected, abs=1e-5)


def test_gpt2_like_folder_is_described(tiny_backend):
    info = tiny_backend.info
    assert info.source == "local" and info.context_length == 1024
    assert tiny_backend.tokenizer.pad_token is None  # we pad without one
    assert tiny_backend.pad_id == 50256
    assert not info.add_bos  # GPT-2 does not prepend <|endoftext|>
    assert info.n_parameters and info.files_sha256 and info.dtype == "float32"


def test_generate_is_greedy_and_deterministic(tiny_backend):
    prompts = ["The capital of France is", "Hello"]
    a = tiny_backend.generate(prompts, max_new_tokens=6, stop=[])
    b = tiny_backend.generate(list(reversed(prompts)), max_new_tokens=6, stop=[])
    assert a == list(reversed(b))
    tok, model = tiny_backend.tokenizer, tiny_backend.model
    ids = torch.tensor([tok(prompts[0])["input_ids"]])
    with torch.no_grad():
        ref = model.generate(ids, max_new_tokens=6, do_sample=False, pad_token_id=50256)
    assert a[0] == tok.decode(ref[0, ids.shape[1]:], skip_special_tokens=True)


def test_cut_at_stop():
    assert cut_at_stop("Paris.\nNext", ["\n"]) == "Paris."
    assert cut_at_stop("a b. c\n", [".", "\n"]) == "a b"
    assert cut_at_stop("none", []) == "none"


def test_perplexity_matches_direct_computation(tiny_backend):
    text = "The quick brown fox jumps over the lazy dog. " * 3
    res = tiny_backend.perplexity([text])[0]
    tok, model = tiny_backend.tokenizer, tiny_backend.model
    ids = [tok.eos_token_id] + tok(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logprobs = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), -1)
    nll = -sum(float(logprobs[i - 1, ids[i]]) for i in range(1, len(ids)))
    assert res.n_tokens == len(ids) - 1
    assert res.nll == pytest.approx(nll, abs=1e-4)
    assert res.perplexity == pytest.approx(math.exp(nll / res.n_tokens), rel=1e-6)


def test_perplexity_windows_long_texts(tiny_gpt2_dir):
    options = LoadOptions(max_window=16, progress=False)
    backend = HFBackend.load(resolve(str(tiny_gpt2_dir)), options)
    text = "word " * 60
    res = backend.perplexity([text])[0]
    assert res.n_tokens == len(backend.encode(text))


def test_pickle_weights_are_refused_unless_allowed(tmp_path: Path, tiny_gpt2_dir: Path):
    import shutil

    folder = tmp_path / "pickled"
    shutil.copytree(tiny_gpt2_dir, folder)
    state = torch.load  # noqa: F841 - only to show torch is here
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"not really")
    with pytest.raises(UserError, match="pickle"):
        HFBackend.load(resolve(str(folder)), LoadOptions(progress=False))


def test_corrupt_weights_give_a_user_error(tmp_path: Path, tiny_gpt2_dir: Path):
    import shutil

    folder = tmp_path / "corrupt"
    shutil.copytree(tiny_gpt2_dir, folder)
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 3])
    with pytest.raises(UserError, match="could not load"):
        HFBackend.load(resolve(str(folder)), LoadOptions(progress=False))


def test_packed_scoring_equals_separate_passes(tiny_gpt2_dir):
    packed = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False))
    plain = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False, pack=False))
    ctx = "The 2022 FIFA World Cup final was won by"
    pairs = [(ctx, c) for c in [" Argentina", " France", " Brazil and Germany", " Croatia"]]
    pairs += [("Another context entirely", " yes"), ("Hel", "lo"), (ctx, " Morocco")]
    a = packed.loglikelihood(pairs)
    b = plain.loglikelihood(pairs)
    assert packed.usage.extra["packing"] is True
    for x, y in zip(a, b, strict=True):
        assert x.logprob == pytest.approx(y.logprob, abs=1e-5)
        assert x.is_greedy == y.is_greedy and x.boundary_fixed == y.boundary_fixed
    # the shared context is laid down once: far fewer tokens than one pass per choice
    # (the first call also ran the one-off self-check, so count a second call)
    before_packed, before_plain = packed.usage.tokens_scored, plain.usage.tokens_scored
    packed.loglikelihood(pairs)
    plain.loglikelihood(pairs)
    used_packed = packed.usage.tokens_scored - before_packed
    used_plain = plain.usage.tokens_scored - before_plain
    assert used_packed < 0.6 * used_plain


def test_build_rows_share_prefixes_across_contexts():
    from alignaudit.backends.hf.packing import build_rows

    contexts = [[1, 2, 3], [1, 2, 3], [1, 2, 4], [7], [1, 2], [9] * 10, [5]]
    conts = [[10, 11], [10, 12], [10], [8], [], [6], [5, 5, 5]]
    rows, leftovers = build_rows(contexts, conts, capacity=6, max_len=8)
    assert leftovers == [4, 5]  # empty continuation; input longer than max_len
    inputs = {i: contexts[i] + conts[i][:-1] for i in range(len(contexts)) if i not in leftovers}
    for row in rows:
        assert len(row) <= 8  # capacity, or twice a row's first input (4 here), <= max_len
        for owner, where, targets in zip(row.owners, row.where, row.targets, strict=True):
            # walking up from the last predicting node spells the request's input
            node, spelled = where[-1], []
            while node >= 0:
                spelled.append(row.ids[node])
                node = row.parent[node]
            assert spelled[::-1] == inputs[owner]
            assert targets == conts[owner] and len(where) == len(targets)
            assert row.depth[where[0]] == len(contexts[owner]) - 1
    # requests 0-2 share [1, 2] and 0-1 also [3, 10]: 1,2,3,10 + 4 = 5 nodes, not 3+4+3 = 10
    first = next(r for r in rows if 0 in r.owners)
    assert set(first.owners) >= {0, 1, 2}

    def ancestry(node):
        return {node} | (ancestry(first.parent[node]) if first.parent[node] >= 0 else set())

    used = set().union(*(ancestry(first.where[first.owners.index(o)][-1]) for o in (0, 1, 2)))
    assert len(used) == 5
    assert sorted(o for r in rows for o in r.owners) == [0, 1, 2, 3, 6]


def test_build_rows_keeps_the_choices_of_a_long_prompt_in_one_row():
    from alignaudit.backends.hf.packing import build_rows

    long_ctx = list(range(100, 130))  # 30 tokens against rows of 8
    rows, leftovers = build_rows([long_ctx] * 3 + [[1]], [[3, 4], [5], [6, 7], [2]],
                                 capacity=8, max_len=64)
    assert not leftovers
    shared = next(r for r in rows if 0 in r.owners)
    assert set(shared.owners) == {0, 1, 2} and len(shared) == 30 + 1 + 1  # prompt once
    # ... but never past max_len: a row that is full makes the next choice pay for it again
    rows, _ = build_rows([long_ctx] * 3, [[3, 4], [5], [6, 7]], capacity=8, max_len=31)
    assert [len(r) for r in rows] == [31, 31] and [len(r.owners) for r in rows] == [2, 1]


def test_tree_packing_across_rows_equals_separate_passes(tiny_gpt2_dir, monkeypatch):
    from alignaudit.backends.hf import backend as hf

    monkeypatch.setattr(hf, "PACK_ROW", 24)  # force many rows, padding and a lone long request
    packed = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False))
    plain = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False, pack=False))
    base = "The 2022 FIFA World Cup final"
    pairs = [(base + " was won by", c) for c in [" Argentina", " France", " Argentina", " A"]]
    pairs += [(base + " was held in", c) for c in [" Qatar", " Lusail Stadium, Qatar"]]
    pairs += [(base, " ended 3-3"), ("A much longer context " * 6, "x"), ("Hi", " there")]
    a = packed.loglikelihood(pairs)
    b = plain.loglikelihood(pairs)
    assert packed.usage.extra["packing"] is True and packed.usage.batches >= 1
    for x, y in zip(a, b, strict=True):
        assert x.logprob == pytest.approx(y.logprob, abs=1e-5)
        assert x.is_greedy == y.is_greedy


def test_lm_head_runs_only_where_a_token_is_predicted(tiny_gpt2_dir):
    backend = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False))
    ctx = "The 2022 FIFA World Cup final was won by"
    pairs = [(ctx, c) for c in [" Argentina", " France", " Croatia and Morocco"]]
    backend.loglikelihood(pairs)  # the first call also runs the self-check
    seen = []
    handle = backend.model.get_output_embeddings().register_forward_hook(
        lambda _m, args, _out: seen.append(args[0].shape[:-1].numel()))
    try:
        got = backend.loglikelihood(pairs)
    finally:
        handle.remove()
    requests = [backend.encode_pair(c, x) for c, x in pairs]
    # every first token is predicted by the context's last node: one head row for all three
    expected_rows = 1 + sum(len(r.cont) - 1 for r in requests)
    assert seen == [expected_rows]
    for (c, x), res in zip(pairs, got, strict=True):
        assert res.logprob == pytest.approx(direct_logprob(backend, c, x), abs=1e-5)


def test_models_whose_head_is_not_a_module_call_still_score(tiny_gpt2_dir, monkeypatch):
    backend = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False))
    monkeypatch.setattr(backend.model, "get_output_embeddings", lambda: None)
    got = backend.loglikelihood(PAIRS)
    assert backend.usage.extra["packing"] is True
    for (c, x), res in zip(PAIRS, got, strict=True):
        assert res.logprob == pytest.approx(direct_logprob(backend, c, x), abs=1e-5)


def test_out_of_memory_halves_the_batch_and_gives_the_same_scores(tiny_gpt2_dir):
    backend = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False, pack=False,
                                                                      batch_size=4))
    expected = [r.logprob for r in backend.loglikelihood(PAIRS)]
    real_batch = backend._score_batch
    calls = []

    def flaky(seqs, conts):
        calls.append(len(seqs))
        if len(seqs) > 1:
            raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real_batch(seqs, conts)

    backend._score_batch = flaky
    got = [r.logprob for r in backend.loglikelihood(PAIRS)]
    assert got == pytest.approx(expected, abs=1e-6)
    assert calls[0] == 4 and backend.usage.extra["oom_halvings"] >= 1


def test_out_of_memory_on_one_sequence_is_a_user_error(tiny_gpt2_dir):
    backend = HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False, pack=False))

    def always(seqs, conts):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory")

    backend._score_batch = always
    with pytest.raises(UserError, match="Out of memory on a single sequence"):
        backend.loglikelihood(PAIRS[:1])


def test_quiet_load_shows_no_transformers_progress_bar(tiny_gpt2_dir, capfd):
    from transformers.utils import logging as hf_logging

    capfd.readouterr()
    HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=False))
    assert "Loading weights" not in capfd.readouterr().err
    assert hf_logging.is_progress_bar_enabled()  # switched back on for later, louder loads
    HFBackend.load(resolve(str(tiny_gpt2_dir)), LoadOptions(progress=True))
    assert "Loading weights" in capfd.readouterr().err
