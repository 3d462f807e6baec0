"""From scored probes to the recency findings: accuracy by period, cutoff, believed year,
confabulation rate. Pure functions of in-memory results; the seed enters as a Generator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import cast

import numpy as np
from pydantic import Field

from alignaudit._util.dates import date_span, date_to_year_fraction
from alignaudit._util.frozen import Frozen
from alignaudit.recency.believed import BelievedYear, FactPreference, TimelineAnswer, believed_year
from alignaudit.recency.cutoff import CutoffEstimate, DatedScores, estimate_cutoff
from alignaudit.recency.periods import (
    Outcome,
    PeriodAccuracy,
    accuracy_by_period,
    chance_corrected,
    choose_period,
    wilson_interval,
)
from alignaudit.recency.scoring import ProbeResult
from alignaudit.recency.suites import Predictability

CONFABULATION_THRESHOLD = 0.5
"""A control counts as 'recognised' when one made-up answer takes at least this share of the
probability among its choices: the model commits to a specific answer about an event that
never happened, instead of spreading its belief."""


class GroupAccuracy(Frozen):
    """Accuracy of a group of facts (a suite, a category) with its Wilson interval."""

    name: str = Field(description="Suite or category name.")
    n: int = Field(description="Facts in the group.")
    correct: int = Field(description="Facts answered correctly by likelihood ranking.")
    accuracy: float = Field(description="correct / n.")
    ci_low: float = Field(description="95% Wilson lower bound.")
    ci_high: float = Field(description="95% Wilson upper bound.")
    chance: float = Field(description="Mean chance accuracy of the group's facts.")
    chance_corrected: float = Field(description="(accuracy - chance) / (1 - chance).")


class Confabulation(Frozen):
    """How readily the model 'recognises' fabricated events (controls)."""

    n_controls: int = Field(description="Control probes scored.")
    n_confabulated: int = Field(description="Controls where one made-up answer dominated.")
    rate: float | None = Field(description="n_confabulated / n_controls.")
    ci_low: float | None = Field(description="95% Wilson lower bound of the rate.")
    ci_high: float | None = Field(description="95% Wilson upper bound of the rate.")
    threshold: float = Field(description="Top-choice probability share that counts as recognised.")
    mean_top_share_controls: float | None = Field(description="Mean top-choice share, controls.")
    mean_top_share_facts: float | None = Field(description="Mean top-choice share, real facts.")
    probe_ids: list[str] = Field(description="Controls counted as confabulated.")


class RecencyAnalysis(Frozen):
    """Everything the recency section of the report shows."""

    overall: GroupAccuracy | None = Field(description="All facts of all suites.")
    by_suite: list[GroupAccuracy] = Field(description="Per suite.")
    by_category: list[GroupAccuracy] = Field(description="Per category, over all suites.")
    by_year: list[PeriodAccuracy] = Field(description="Accuracy per event year.")
    by_quarter: list[PeriodAccuracy] = Field(
        description="Per quarter, only when every populated quarter has enough probes."
    )
    cutoff: CutoffEstimate | None = Field(description="Effective knowledge cutoff (or why not).")
    believed: BelievedYear | None = Field(description="Believed year from changing facts.")
    confabulation: Confabulation | None = Field(description="Fabricated-event controls.")


def outcomes(results: Sequence[ProbeResult]) -> list[Outcome]:
    """The dated, graded facts as recency outcomes."""
    return [
        Outcome(
            probe_id=r.probe_id, suite=r.suite, event_date=date_to_year_fraction(r.event_date),
            date_span=date_span(r.event_date),
            correct=bool(r.correct), n_choices=len(r.choices),
            n_correct=sum(c.correct for c in r.choices),
            predictability=cast(Predictability, r.predictability),
            category=r.category, guess_rate=r.chance,
        )
        for r in results
        if r.kind == "fact" and r.event_date
    ]


def group_accuracy(name: str, facts: Sequence[ProbeResult]) -> GroupAccuracy:
    correct = sum(bool(r.correct) for r in facts)
    n = len(facts)
    low, high = wilson_interval(correct, n)
    chance = float(np.mean([r.chance for r in facts])) if facts else 0.0
    acc = correct / n if n else 0.0
    return GroupAccuracy(name=name, n=n, correct=correct, accuracy=acc, ci_low=low, ci_high=high,
                         chance=chance, chance_corrected=chance_corrected(acc, chance))


def _grouped(facts: Sequence[ProbeResult], key: str) -> list[GroupAccuracy]:
    groups: dict[str, list[ProbeResult]] = defaultdict(list)
    for r in facts:
        groups[getattr(r, key)].append(r)
    return [group_accuracy(name, groups[name]) for name in sorted(groups)]


def confabulation(results: Sequence[ProbeResult],
                  threshold: float = CONFABULATION_THRESHOLD) -> Confabulation | None:
    # a control scored by its generation alone has no probabilities: it cannot count
    controls = [r for r in results if r.kind == "control" and r.scoring != "generation"]
    if not controls:
        return None
    facts = [r for r in results if r.kind == "fact"]
    top = [max(c.prob for c in r.choices) for r in controls]
    hits = [r.probe_id for r, t in zip(controls, top, strict=True) if t >= threshold]
    low, high = wilson_interval(len(hits), len(controls))
    return Confabulation(
        n_controls=len(controls), n_confabulated=len(hits), rate=len(hits) / len(controls),
        ci_low=low, ci_high=high, threshold=threshold,
        mean_top_share_controls=float(np.mean(top)),
        mean_top_share_facts=float(np.mean([max(c.prob for c in r.choices) for r in facts]))
        if facts else None,
        probe_ids=hits,
    )


def preferences(results: Sequence[ProbeResult]) -> list[FactPreference]:
    """Changing facts: the model's probability over each timeline, renormalised over it."""
    prefs = []
    for r in results:
        if r.kind != "changing":
            continue
        timeline = [c for c in r.choices if c.valid_from is not None]
        total = sum(c.prob for c in timeline)
        if total <= 0:
            continue
        prefs.append(FactPreference(fact_id=f"{r.suite}/{r.probe_id}", answers=[
            TimelineAnswer(
                answer=c.text.strip(), valid_from=date_to_year_fraction(c.valid_from),
                valid_until=None if c.valid_until is None
                else date_to_year_fraction(c.valid_until),
                probability=c.prob / total,
            )
            for c in timeline if c.valid_from is not None
        ]))
    return prefs


def analyse(results: Sequence[ProbeResult], rng: np.random.Generator, now: float,
            claimed: float | None = None, n_boot: int = 1000,
            documents: DatedScores | None = None) -> RecencyAnalysis:
    """The recency findings of one model; ``documents`` (the model's scores on dated data) join
    the facts in the cutoff estimate."""
    facts = [r for r in results if r.kind == "fact"]
    outs = outcomes(results)
    quarterly = choose_period(outs) == "quarter" if outs else False
    prefs = preferences(results)
    return RecencyAnalysis(
        overall=group_accuracy("all", facts) if facts else None,
        by_suite=_grouped(facts, "suite"),
        by_category=_grouped(facts, "category"),
        by_year=accuracy_by_period(outs, "year") if outs else [],
        by_quarter=accuracy_by_period(outs, "quarter") if quarterly else [],
        cutoff=estimate_cutoff(outs, claimed=claimed, documents=documents)
        if outs or documents else None,
        believed=believed_year(prefs, rng, now=now, n_boot=n_boot) if prefs else None,
        confabulation=confabulation(results),
    )
