"""A model with a known cutoff: the audit finds it.

For three dates T, a tiny Llama (random init, seed 0, a BPE tokenizer trained on its own
training text) learns the 400-entry sample of the shipped changelogs (data/corpora) dated before
T. Probes are generated from the whole sample, every date, and scored with the HF backend.
Accuracy before T must be above accuracy after it, and the estimated cutoff's 90% interval must
contain T. The model also reads every sampled document (all dates) through the backend's
``perplexity``, as ``run --data`` does: its log-perplexity must rise after T, the documents must
give their own estimate, and the joint estimate (probes and documents, one date) must contain T.
About a minute of CPU on one thread; deselect with ``-m "not slow"``.
The same check on SmolLM2-135M: bench/bench_known_cutoff.py; numbers: docs/validation.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from tests.helpers import known_cutoff as kc
from tests.helpers import lm_training as lm

pytestmark = pytest.mark.slow

CUTOFFS = [date(2015, 4, 1), date(2017, 4, 1), date(2019, 4, 1)]
SAMPLE = kc.SampleConfig()  # 400 entries of at most 250 characters, 2012-2021, seed 0
TINY = lm.TinyConfig()  # 1 layer, 64 wide, 1,024-token BPE: about 0.1M parameters
TRAIN = lm.TrainConfig()  # 30 epochs, batch 16, AdamW lr 2e-2, seed 0


@pytest.fixture(scope="module")
def docs() -> list[kc.DatedDoc]:
    return kc.sample_corpus(kc.load_corpus(), SAMPLE)


@pytest.fixture(scope="module")
def suite(docs: list[kc.DatedDoc], tmp_path_factory: pytest.TempPathFactory) -> object:
    return kc.make_suite(docs, tmp_path_factory.mktemp("suite"))[0]


@pytest.fixture(scope="module")
def scored(docs: list[kc.DatedDoc], suite: object,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[date, kc.Scored]]:
    """What each model produced: the probes' outcomes and every document's perplexity."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a shared 2-core machine one thread is several times faster
    try:
        out = {}
        for cutoff in CUTOFFS:
            folder = tmp_path_factory.mktemp(f"model-{cutoff}")
            lm.train_from_scratch(kc.training_texts(kc.select_until(docs, cutoff)), folder,
                                  TINY, TRAIN)
            out[cutoff] = kc.score(folder, suite, docs)
        yield out
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def audits(scored: dict[date, kc.Scored]) -> dict[date, kc.AuditResult]:
    return {cutoff: kc.audit_scored(s, cutoff) for cutoff, s in scored.items()}


def test_sample_spans_years(docs: list[kc.DatedDoc]) -> None:
    assert len(docs) == SAMPLE.n
    assert kc.day(docs[-1]).year - kc.day(docs[0]).year >= 8


def test_select_until_is_strict(docs: list[kc.DatedDoc]) -> None:
    kept = kc.select_until(docs, CUTOFFS[1])
    assert kept and all(kc.day(d) < CUTOFFS[1] for d in kept)
    assert len(kept) == sum(kc.day(d) < CUTOFFS[1] for d in docs)


def test_training_text_shows_what_probes_ask(docs: list[kc.DatedDoc], suite: object) -> None:
    """Nearly every probe's prompt + answer starts some training example."""
    texts = kc.training_texts(docs)
    probes = suite.probes  # type: ignore[attr-defined]
    covered = sum(any(t.startswith(" ".join((p.prompt + p.choices.correct[0]).split()))
                      for t in texts) for p in probes)
    assert covered >= 0.9 * len(probes), f"{covered} of {len(probes)}"


@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
def test_accuracy_drops_at_t(audits: dict[date, kc.AuditResult], cutoff: date) -> None:
    r = audits[cutoff]
    assert r.n_before >= 10 and r.n_after >= 10, r
    assert r.accuracy_before is not None and r.accuracy_after is not None
    assert r.chance_before is not None
    assert r.accuracy_before > r.accuracy_after, r
    assert r.accuracy_before > r.chance_before + 0.3, "the model learned little before T"


@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
def test_interval_contains_t(audits: dict[date, kc.AuditResult], cutoff: date) -> None:
    r = audits[cutoff]
    e = r.estimate
    assert e.status == "estimate", e.reason
    assert r.contains_true, (
        f"T={r.cutoff_true:.3f}: {e.confidence:.0%} interval [{e.ci_low}, {e.ci_high}] misses "
        f"it by {r.miss_years} y; estimate {e.cutoff}; step {e.detail}")


@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
def test_documents_read_after_t_are_new_to_the_model(audits: dict[date, kc.AuditResult],
                                                     cutoff: date) -> None:
    """Every sampled document is read; those dated after T were never trained on, so their
    log-perplexity is higher, and the documents alone place a change."""
    r = audits[cutoff]
    assert r.n_documents == SAMPLE.n
    assert r.log_ppl_before is not None and r.log_ppl_after is not None
    assert r.log_ppl_after > r.log_ppl_before + 1.0, r
    assert r.documents is not None and r.documents.status == "estimate", r.documents


@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
def test_joint_interval_contains_t(audits: dict[date, kc.AuditResult], cutoff: date) -> None:
    """Probes and documents share one change date; its interval reaches T (the change dates
    that split the observations as T does: ``known_cutoff.truth_span``)."""
    r = audits[cutoff]
    j = r.joint
    assert j is not None and j.status == "estimate", (j, r.disagreement)
    assert r.joint_contains_true, (
        f"T={r.cutoff_true:.4f} ({r.truth_low:.4f}, {r.truth_high:.4f}]: joint interval "
        f"[{j.ci_low}, {j.ci_high}] misses it by "
        f"{r.joint_miss_years} y; documents alone {r.documents}")


def test_recompute_from_saved_scores(scored: dict[date, kc.Scored],
                                     audits: dict[date, kc.AuditResult]) -> None:
    """The scores written to JSON and read back give the same audit (bench --recompute)."""
    cutoff = CUTOFFS[1]
    saved = json.loads(json.dumps(scored[cutoff].model_dump()))
    again = kc.audit_scored(kc.Scored.model_validate(saved), cutoff)
    assert again == audits[cutoff]
