"""The fake backend: every number checkable by hand, and a full audit through it."""

from __future__ import annotations

import zlib

import pytest

from alignaudit.backends.base import Backend, Unsupported
from alignaudit.backends.fake import KNOWN_COST, WORD_COST, FakeBackend, tie_break
from alignaudit.backends.journal import Journal

KNOWN = ["In 2012 physicists at CERN announced the discovery of the Higgs boson."]


def test_log_likelihoods_by_hand():
    fake = FakeBackend(KNOWN)
    context = "physicists at CERN announced the discovery of the"
    known, unknown = fake.loglikelihood([(context, " Higgs boson"), (context, " magnetic pole")])
    # " Higgs boson": 2 words, known -> -0.1 * 2 - crc32(" Higgs boson") % 1000 / 1e5
    crc = zlib.crc32(b" Higgs boson") % 1000
    assert known.logprob == pytest.approx(-2 * KNOWN_COST - crc / 1e5)
    assert unknown.logprob == pytest.approx(-2 * WORD_COST - tie_break(" magnetic pole"))
    assert known.is_greedy and not unknown.is_greedy and known.n_tokens == 2


def test_equal_length_choices_do_not_tie_in_favour_of_the_first():
    fake = FakeBackend()
    scores = fake.loglikelihood([("The winner was", c) for c in (" A", " B", " C", " D")])
    assert len({s.logprob for s in scores}) == 4


def test_generation_perplexity_tokens_and_samples():
    fake = FakeBackend(KNOWN)
    [known, unknown] = fake.generate(["announced the discovery of the", "Nothing here at"], 2, [])
    assert known == " higgs boson." and unknown == ""
    [p] = fake.perplexity(["the Higgs boson quark"])  # 3 known words, 1 unknown
    assert p.nll == pytest.approx(3 * KNOWN_COST + WORD_COST) and p.n_tokens == 4
    assert fake.count_tokens(["a abcd abcde"]) == [1 + 1 + 2]
    assert fake.sample(["The", "A"], 3, seed=0) == [" in 2012 physicists"] * 2


def test_declares_its_capabilities_and_keeps_no_journal(tmp_path):
    fake = FakeBackend.load("anything")
    assert isinstance(fake, Backend)
    assert fake.capabilities.loglikelihood and fake.capabilities.sample
    assert not fake.capabilities.journal
    with pytest.raises(Unsupported):
        fake.attach_journal(Journal(tmp_path / "j.jsonl", "id"))


def test_knowledge_file_is_read_line_by_line(tmp_path):
    path = tmp_path / "known.txt"
    path.write_text("\n".join(KNOWN) + "\n", encoding="utf-8")
    fake = FakeBackend.load(str(path))
    assert fake.knows("the discovery of the", " Higgs boson") and fake.info.backend == "fake"
