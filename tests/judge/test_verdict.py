"""The verdict lines: each question's status against the thresholds, decided on the numbers the
metric table reads, on synthetic audits whose right answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from alignaudit.judge.verdict import (
    QUESTIONS,
    Thresholds,
    code_line,
    cutoff_line,
    verdict,
    worst,
)
from alignaudit.recency.believed import BelievedYear
from alignaudit.recency.cutoff import CutoffEstimate
from alignaudit.recency.section import Confabulation, GroupAccuracy
from alignaudit.result import AuditResult, ModelAudit
from tests.helpers.results import alignment_for, audit_for, fact, probes_for, result_for


@pytest.fixture(scope="module")
def single() -> AuditResult:
    return result_for(audit_for("model-a", probes_for(260, knows_until=2019)))


def _line(audit: ModelAudit, question: str, t: Thresholds | None = None):
    return {line.question: line for line in verdict(audit, t)}[question]


def _with(audit: ModelAudit, **recency: object) -> ModelAudit:
    rec = audit.recency.model_copy(update=recency)
    return audit.model_copy(update={"recency": rec})


def _cutoff(cut: float, claimed: float | None) -> CutoffEstimate:
    return CutoffEstimate(status="estimate", reason="", cutoff=cut, cutoff_label="x",
                          ci_low=cut - 0.5, ci_high=cut + 0.5, confidence=0.9, n_boot=10,
                          shape="step", p_value_method="p", n_used=100,
                          n_excluded_predictable=0, claimed_cutoff=claimed, claimed_label="c",
                          verdict="Knowledge stops.")


def test_verdict_has_one_line_per_question(single):
    lines = verdict(single.models[0])
    assert [line.question for line in lines] == list(QUESTIONS)
    assert {line.anchor for line in lines} <= {"recency", "changing", "confabulation", "drift",
                                                 "reproducibility", "endpoint"}


@pytest.mark.parametrize(("cut", "claimed", "status"), [
    (2024.0, 2024.5, "pass"), (2023.2, 2024.5, "warn"), (2021.0, 2024.5, "fail"),
    (2021.0, None, "info"),
])
def test_cutoff_status(single, cut, claimed, status):
    audit = _with(single.models[0], cutoff=_cutoff(cut, claimed))
    line = _line(audit, "cutoff")
    assert line.status == status
    if claimed is not None:
        assert line.value == pytest.approx(cut - claimed)


def test_cutoff_without_estimate_is_info(single):
    est = _cutoff(2020, 2024).model_copy(update={"status": "no_estimate", "cutoff": None,
                                                 "shape": "flat", "verdict": "No cutoff."})
    assert _line(_with(single.models[0], cutoff=est), "cutoff").status == "info"


@pytest.mark.parametrize(("acc", "lo", "hi", "status"), [
    (0.7, 0.6, 0.8, "pass"), (0.45, 0.35, 0.55, "warn"), (0.3, 0.2, 0.4, "fail"),
])
def test_accuracy_status(single, acc, lo, hi, status):
    overall = GroupAccuracy(name="all", n=100, correct=int(acc * 100), accuracy=acc, ci_low=lo,
                            ci_high=hi, chance=0.25, chance_corrected=0.0)
    assert _line(_with(single.models[0], overall=overall), "recency_accuracy").status == status


@pytest.mark.parametrize(("rate", "lo", "hi", "status"), [
    (0.1, 0.02, 0.3, "pass"), (0.3, 0.15, 0.5, "warn"), (0.6, 0.4, 0.8, "fail"),
])
def test_confabulation_status(single, rate, lo, hi, status):
    conf = Confabulation(n_controls=20, n_confabulated=int(rate * 20), rate=rate, ci_low=lo,
                         ci_high=hi, threshold=0.5, mean_top_share_controls=0.5,
                         mean_top_share_facts=0.6, probe_ids=[])
    assert _line(_with(single.models[0], confabulation=conf), "confabulation").status == status


@pytest.mark.parametrize(("year", "status"), [(2024, "pass"), (2022, "warn"), (2019, "fail")])
def test_believed_year_status(single, year, status):
    bel = BelievedYear(believed_year=year, interval_low=year - 1, interval_high=year,
                       confidence=0.9, now=2025.0, n_facts=5, years=[], facts=[], verdict="v")
    assert _line(_with(single.models[0], believed=bel), "believed_year").status == status


def _fit(base: ModelAudit, ratio: float, ci: tuple[float, float], level: str = "high",
         share: float = 0.05, fertility: float = 1.0) -> ModelAudit:
    """An audit whose alignment has this perplexity ratio (and interval), embedding level,
    novel-term document share and fertility ratio."""
    a = alignment_for(n_user=60, n_ref=60)
    assert a.perplexity is not None and a.novel_terms is not None and a.fertility is not None
    return base.model_copy(update={"drift": a.model_copy(update={
            "level": level,
            "perplexity": a.perplexity.model_copy(update={"median_ratio": ratio,
                                                          "ratio_ci": ci}),
            "novel_terms": a.novel_terms.model_copy(update={"novel_doc_share": share}),
            "fertility": a.fertility.model_copy(update={"ratio": fertility})})})


@pytest.mark.parametrize(("ratio", "ci", "status"), [
    (1.1, (0.9, 1.3), "pass"),    # about as surprising as the reference
    (2.5, (2.2, 2.9), "warn"),    # above the warn band, interval under the fail band
    (3.5, (2.8, 4.0), "warn"),    # beyond the fail band, but the interval reaches under it
    (4.0, (3.5, 4.5), "fail")])   # the whole interval beyond the fail band
def test_fit_status_follows_the_perplexity_bands(single, ratio, ci, status):
    t = Thresholds(perplexity_ratio_warn=2.0, perplexity_ratio_fail=3.0)
    line = _line(_fit(single.models[0], ratio, ci), "drift", t)
    assert line.status == status and line.value == ratio
    assert f"perplexity {ratio:.1f}× the reference" in line.headline


def test_embedding_level_alone_does_not_fail_the_fit(single):
    """A 'high' embedding drift level (AUC near 1 for almost any genre) is evidence only."""
    line = _line(_fit(single.models[0], 1.0, (0.9, 1.1), level="high"), "drift")
    assert line.status == "pass" and "Embedding evidence" in line.sentence


def test_novel_terms_and_fertility_enter_the_fit(single):
    t = Thresholds(novel_term_share_warn=0.2, novel_term_share_fail=0.4,
                   fertility_ratio_warn=1.2, fertility_ratio_fail=1.5)
    m = single.models[0]
    assert _line(_fit(m, 1.0, (0.9, 1.1), share=0.5), "drift", t).status == "fail"
    assert _line(_fit(m, 1.0, (0.9, 1.1), share=0.3), "drift", t).status == "warn"
    assert _line(_fit(m, 1.0, (0.9, 1.1), fertility=1.6), "drift", t).status == "fail"


def test_fit_without_a_model_is_not_judged(single):
    a = alignment_for(n_user=60, n_ref=60, model=False).model_copy(update={"level": "high"})
    line = _line(single.models[0].model_copy(update={"drift": a}), "drift")
    assert line.status == "info" and "not judged" in line.headline
    assert "drift level high" in line.sentence


def test_thresholds_change_the_status(single):
    audit = _with(single.models[0], cutoff=_cutoff(2023.2, 2024.5))
    lenient = Thresholds(cutoff_warn_years_before_claimed=2, cutoff_fail_years_before_claimed=3)
    assert _line(audit, "cutoff", lenient).status == "pass"
    assert _line(single.models[0], "drift").status == "info"
    assert worst(verdict(audit)) in {"warn", "fail"}


def test_synthetic_model_finds_its_cutoff(single):
    lines = {line.question: line for line in verdict(single.models[0])}
    est = single.models[0].recency.cutoff
    assert est.status == "estimate" and 2019 < est.cutoff < 2021
    assert lines["cutoff"].status == "fail"  # ~2020 against a claimed 2024-06
    assert lines["believed_year"].status == "fail"  # prefers the answer true until 2019



def test_remote_code_is_named_in_the_verdict():
    audit = audit_for("m", probes_for(40, knows_until=2019))
    trusted = audit.model_copy(update={"model": audit.model.model_copy(
        update={"trust_remote_code": True})})
    line = code_line(trusted, Thresholds())
    assert line.status == "warn" and "remote code" in line.headline
    hashed = audit.model_copy(update={"model": audit.model.model_copy(
        update={"files_sha256": {"m.safetensors": "ab"}})})
    line = code_line(hashed, Thresholds())
    assert line.status == "info" and "sha256" in line.sentence


def test_signals_that_disagree_headline_each_date_not_a_compromise():
    rng = np.random.default_rng(2)
    probes = []
    for suite, knows_until in (("early", 2015), ("late", 2022)):
        for i in range(260):
            year = 2012 + i % 14
            probes.append(fact(i, year, bool(rng.random() < (0.9 if year <= knows_until else 0.25)),
                               suite=suite))
    line = cutoff_line(audit_for("m", probes), Thresholds())
    assert line.status == "info"
    assert line.headline.startswith("signals disagree: ") and " vs " in line.headline
    assert "No single knowledge cutoff" in line.sentence
