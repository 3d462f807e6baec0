"""The known-cutoff audit from saved scores (no model): the path ``bench_known_cutoff.py
--recompute`` and every fresh run take. Synthetic scores with a change at T stand in for a
trained model's; the slow end-to-end check is tests/recency/test_known_cutoff.py."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import numpy as np
import pytest

from tests.helpers import known_cutoff as kc

T = date(2017, 7, 1)


def _scored(seed: int = 0) -> kc.Scored:
    """Documents every 9 days over 2012-2021, log-perplexity 3 before T and 7 after (sd 0.5);
    probes every 30 days, right before T and at chance (a quarter) after."""
    rng = np.random.default_rng(seed)
    days = [date(2012, 1, 5) + timedelta(days=9 * i) for i in range(400)]
    documents = [kc.DocumentRecord(date=d.isoformat(), perplexity=math.exp(
        (3.0 if d < T else 7.0) + rng.normal(0, 0.5))) for d in days]
    documents.append(kc.DocumentRecord(date="2018-01-01", perplexity=float("nan")))  # no tokens
    probes = [kc.ProbeRecord(probe_id=f"p{i}", suite="known-cutoff", kind="term",
                             event_date=d.isoformat(), n_choices=4, n_correct=1, chance=0.25,
                             correct=bool(d < T or rng.random() < 0.25), predictability="low")
              for i, d in enumerate(days[::3])]
    return kc.Scored(probes=probes, documents=documents)


def test_documents_and_joint_estimates_beside_the_probes() -> None:
    r = kc.audit_scored(_scored(), T)
    assert r.n_documents == 400  # the document without tokens is left out, as a run does
    assert r.log_ppl_before is not None and r.log_ppl_after is not None
    assert abs(r.log_ppl_before - 3.0) < 0.1 and abs(r.log_ppl_after - 7.0) < 0.1
    assert r.estimate.status == "estimate" and r.contains_true
    assert r.documents is not None and r.documents.status == "estimate"
    assert r.joint is not None and r.joint.status == "estimate" and not r.disagreement
    assert r.joint.ci_low is not None and r.joint.ci_high is not None
    assert r.estimate.ci_low is not None and r.estimate.ci_high is not None
    # documents every 9 days pin the date far closer than probes every 30 days
    assert r.joint.ci_high - r.joint.ci_low < r.estimate.ci_high - r.estimate.ci_low
    assert r.joint_contains_true == (r.joint_miss_years == 0.0)
    assert r.by_kind["term"]["n_before"] == r.n_before


def test_without_documents_only_the_probes_are_estimated() -> None:
    scored = _scored().model_copy(update={"documents": []})
    r = kc.audit_scored(scored, T)
    assert r.n_documents == 0 and r.documents is None and r.joint is None
    assert not r.joint_contains_true
    assert r.estimate.status == "estimate"


def test_recompute_from_json_gives_the_same_audit() -> None:
    scored = _scored(seed=1)
    saved = json.loads(json.dumps(scored.model_dump()))  # NaN survives as JSON's NaN
    assert kc.audit_scored(kc.Scored.model_validate(saved), T) == kc.audit_scored(scored, T)


def test_outcomes_match_what_a_run_builds() -> None:
    """The estimator sees the saved probes as a run's results would give them."""
    probe = _scored().probes[0]
    (outcome,) = kc.outcomes_of([probe])
    assert outcome.suite == probe.suite and outcome.correct == probe.correct
    assert outcome.chance == probe.chance and outcome.n_choices == 4
    assert 2012.0 < outcome.event_date < 2012.1


def test_truth_is_the_span_of_change_dates_the_observations_cannot_tell_from_t() -> None:
    """Observations 9 days apart: every change date after the last one before T and up to the
    first on or after it splits them as T does. An interval ending inside that span reaches T;
    one ending before the last observation read does not."""
    from alignaudit._util.dates import date_to_year_fraction

    scored = _scored()
    low, high = kc.truth_span(scored, T)
    dates = sorted({p.event_date for p in scored.probes} | {d.date for d in scored.documents})
    last = max(d for d in dates if date.fromisoformat(d) < T)
    first = min(d for d in dates if date.fromisoformat(d) >= T)
    assert (low, high) == (date_to_year_fraction(last), date_to_year_fraction(first))
    assert low < kc.audit_scored(scored, T).cutoff_true <= high

    def interval(ci_high: float) -> kc.IntervalEstimate:
        return kc.IntervalEstimate(status="estimate", cutoff=ci_high - 0.1, ci_low=ci_high - 0.2,
                                   ci_high=ci_high, confidence=0.9)

    assert kc._contains(interval((low + high) / 2), (low, high))  # short of T, inside the span
    assert not kc._contains(interval(low - 0.01), (low, high))
    assert kc.miss_years(interval(low - 0.01), (low, high)) == pytest.approx(0.01)
