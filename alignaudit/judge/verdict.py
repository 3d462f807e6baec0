"""The verdict at the top of a report: one line per question, each pass / warn / fail / info.

``verdict(audit, thresholds)`` is a pure function of one model's audit and the user's
thresholds. Each line carries the number its status was decided on (``value``) and the rule in
words, so a CI gate or a reader can check it by hand. The defaults are documented in
docs/report.md; a line whose question was not measured (no changing facts, no drift data) is
``info`` and never fails.

Interval-aware rules: for accuracy and confabulation the point estimate decides *warn*, and
*fail* needs the whole 95% interval on the wrong side of the threshold, so a handful of probes
cannot fail a model on noise alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from alignaudit._util.dates import quarter_label as _q
from alignaudit._util.frozen import Frozen
from alignaudit.judge.metrics import generation_only, read

if TYPE_CHECKING:
    from alignaudit.recency.cutoff import CutoffEstimate
    from alignaudit.result import ModelAudit

Status = Literal["pass", "warn", "fail", "info"]
QUESTIONS = ("cutoff", "believed_year", "recency_accuracy", "confabulation", "drift",
             "novel_terms", "remote_code", "data_egress")
"""Question ids, in page order; the same names as the ``--fail-on`` metrics (remote_code and
data_egress are reported, not gated)."""


class Thresholds(Frozen):
    """When a verdict line passes, warns or fails. Every default is documented in docs/report.md."""

    cutoff_warn_years_before_claimed: float = Field(
        default=1.0, ge=0, description="Warn when the effective cutoff is more than this many "
        "years before the claimed one.")
    cutoff_fail_years_before_claimed: float = Field(
        default=2.0, ge=0, description="Fail when it is more than this many years before.")
    believed_warn_years_behind: float = Field(
        default=2.0, ge=0, description="Warn when the believed year is more than this many years "
        "before the as-of date.")
    believed_fail_years_behind: float = Field(
        default=4.0, ge=0, description="Fail when it is more than this many years behind.")
    min_recency_accuracy: float = Field(
        default=0.5, ge=0, le=1, description="Warn below this accuracy on dated facts; fail when "
        "even the upper end of its 95% interval is below it.")
    max_confabulation: float = Field(
        default=0.25, ge=0, le=1, description="Warn above this share of fabricated events "
        "'recognised'; fail when even the lower end of its 95% interval is above it.")
    # Alignment bands, placed on the calibration panel (the table in docs/alignment.md, written
    # by scripts/calibrate_alignment.py on SmolLM2-135M and Gemma 3 270M; rule:
    # drift.calibration.BAND_RULE):
    # warn above the 75% quantile of the real genres' figures (never below the reference's own
    # value), fail above the furthest real genre. tests/drift/test_calibration.py checks these
    # numbers against the rule applied to drift.calibration.PANEL.
    perplexity_ratio_warn: float = Field(
        default=2.53, gt=0, description="Warn when the model's median perplexity on your data "
        "is more than this many times its perplexity on the reference.")
    perplexity_ratio_fail: float = Field(
        default=5.77, gt=0, description="Fail when even the low end of the ratio's 95% interval "
        "is above this.")
    novel_term_share_warn: float = Field(
        default=0.46, ge=0, le=1, description="Warn when more than this share of your documents "
        "hold a term new to the model.")
    novel_term_share_fail: float = Field(
        default=0.52, ge=0, le=1, description="Fail above this share.")
    fertility_ratio_warn: float = Field(
        default=1.0, gt=0, description="Warn when the tokenizer needs more than this many times "
        "the reference's tokens per word.")
    fertility_ratio_fail: float = Field(
        default=1.82, gt=0, description="Fail above this ratio.")
    novel_terms_warn: int = Field(
        default=10, ge=0, description="Warn when more novel terms than this were found.")
    novel_terms_fail: int | None = Field(
        default=None, ge=0, description="Fail when more than this (None: never fail).")


class VerdictLine(Frozen):
    """One question answered for one model."""

    question: str = Field(description="Stable id: cutoff, believed_year, recency_accuracy, ...")
    title: str = Field(description="The question in a few words, for the page.")
    status: Literal["pass", "warn", "fail", "info"] = Field(description="Against the thresholds.")
    headline: str = Field(description="The finding in a few words (a date, a rate).")
    sentence: str = Field(description="The finding and the rule applied, in plain language.")
    anchor: str = Field(description="Id of the report section holding the evidence.")
    value: float | None = Field(default=None, description="The number the status was decided on.")


def years(x: float) -> str:
    """'1 year', '2.5 years'."""
    return f"{x:g} year" + ("" if x == 1 else "s")


def _span(low: str, high: str) -> str:
    return low if low == high else f"{low}–{high}"


def _by_years(gap: float, warn: float, fail: float) -> Status:
    return "fail" if gap > fail else "warn" if gap > warn else "pass"


def _interval(est: CutoffEstimate) -> str:
    """The interval at the estimate's precision ("2021-Q1–2022-Q1"); quarters for results
    written before the precision was recorded."""
    if est.ci_low is None or est.ci_high is None:
        return "no interval"
    low = est.ci_low_label or _q(est.ci_low)
    high = est.ci_high_label or _q(est.ci_high)
    return _span(low, high) + (f", {est.width_words}" if est.width_words else "")


def _has(audit: ModelAudit, kind: str) -> bool:
    return any(p.kind == kind for p in audit.probes)


def cutoff_line(audit: ModelAudit, t: Thresholds) -> VerdictLine:
    est = audit.recency.cutoff if audit.recency is not None else None
    base: dict[str, Any] = {"question": "cutoff", "title": "Knowledge cutoff", "anchor": "recency"}
    if est is None:
        return VerdictLine(**base, status="info", headline="not measured",
                           sentence="No dated facts were scored, so no cutoff can be estimated.")
    reading = read(audit, "cutoff")
    if est.status != "estimate" or reading is None:
        shape = {"flat": "no clear drop", "none": "near chance"}.get(est.shape, "no estimate")
        if est.disagreement and est.signals:  # each signal's own date, side by side
            shape = "signals disagree: " + " vs ".join(
                s.label_date for s in est.signals if s.status == "estimate")
        return VerdictLine(**base, status="info", headline=shape, sentence=est.verdict)
    headline = f"{est.cutoff_label} ({est.confidence:.0%} CI {_interval(est)})"
    if est.shape == "decline" and est.logistic is not None:
        headline = f"thins out after ~{_q(est.logistic.midpoint)}; break {headline}"
    if est.claimed_cutoff is None:
        return VerdictLine(**base, status="info", headline=headline,
                           sentence=est.verdict + " No claimed cutoff was given to compare with.")
    gap = est.claimed_cutoff - reading.value
    status = _by_years(gap, t.cutoff_warn_years_before_claimed, t.cutoff_fail_years_before_claimed)
    rule = (f"Warn when it is more than {years(t.cutoff_warn_years_before_claimed)} before the "
            f"claimed {est.claimed_label}, fail at more than "
            f"{years(t.cutoff_fail_years_before_claimed)}.")
    side = "before" if gap >= 0 else "after"
    headline = f"{headline}, {abs(gap):.1f} years {side} the claimed {est.claimed_label}"
    return VerdictLine(**base, status=status, headline=headline,
                       sentence=f"{est.verdict} {rule}", value=-gap)


def believed_line(audit: ModelAudit, t: Thresholds) -> VerdictLine:
    bel = audit.recency.believed if audit.recency is not None else None
    base: dict[str, Any] = {"question": "believed_year", "title": "Believed year",
                            "anchor": "changing"}
    gen = generation_only(audit)
    if bel is None and gen and _has(audit, "changing"):
        return VerdictLine(**base, status="info", headline="not measured", sentence=(
            f"Not measured: scored by generation only ({gen}), so the answers of the changing "
            "facts got no probabilities to compare."))
    reading = read(audit, "believed_year")
    if bel is None or reading is None:
        sentence = bel.verdict if bel is not None else "No changing facts were scored."
        return VerdictLine(**base, status="info", headline="not measured", sentence=sentence)
    year = int(reading.value)
    behind = int(bel.now) - year
    status = _by_years(behind, t.believed_warn_years_behind, t.believed_fail_years_behind)
    rule = (f"That is {years(behind)} before the as-of year {int(bel.now)}; warn at more than "
            f"{years(t.believed_warn_years_behind)} behind, fail at more than "
            f"{years(t.believed_fail_years_behind)}.")
    ci = _span(str(bel.interval_low), str(bel.interval_high))
    headline = f"{year} ({bel.confidence:.0%} CI {ci}), {years(behind)} behind"
    return VerdictLine(**base, status=status, headline=headline,
                       sentence=f"{bel.verdict} {rule}", value=reading.value)


def _interval_status(value: float, low: float, high: float, limit: float,
                     higher_is_better: bool) -> Status:
    if higher_is_better:
        return "fail" if high < limit else "warn" if value < limit else "pass"
    return "fail" if low > limit else "warn" if value > limit else "pass"


def accuracy_line(audit: ModelAudit, t: Thresholds) -> VerdictLine:
    overall = audit.recency.overall if audit.recency is not None else None
    base: dict[str, Any] = {"question": "recency_accuracy", "title": "Accuracy on dated facts",
            "anchor": "recency"}
    reading = read(audit, "recency_accuracy")
    if overall is None or reading is None:
        return VerdictLine(**base, status="info", headline="not measured",
                           sentence="No dated facts with a correct answer were scored.")
    status = _interval_status(reading.value, reading.low or 0.0, reading.high or 1.0,
                              t.min_recency_accuracy, higher_is_better=True)
    if gen := generation_only(audit):
        return VerdictLine(**base, status=status, value=overall.accuracy, headline=(
            f"{overall.accuracy:.0%} ({overall.ci_low:.0%}–{overall.ci_high:.0%}), "
            "generation-only"), sentence=(
            f"Scored by generation only ({gen}): the model's free generation started with an "
            f"accepted answer for {overall.correct} of {overall.n} facts ({overall.accuracy:.0%}, "
            f"95% interval {overall.ci_low:.0%}–{overall.ci_high:.0%}); the choices were not "
            f"ranked. Warn below {t.min_recency_accuracy:.0%}, fail when the whole interval is "
            "below it."))
    sentence = (
        f"The model ranked a correct answer first for {overall.correct} of {overall.n} facts "
        f"({overall.accuracy:.0%}, 95% interval {overall.ci_low:.0%}–{overall.ci_high:.0%}); "
        f"guessing would score {overall.chance:.0%}. Warn below {t.min_recency_accuracy:.0%}, "
        "fail when the whole interval is below it.")
    headline = f"{overall.accuracy:.0%} ({overall.ci_low:.0%}–{overall.ci_high:.0%}), " \
               f"chance {overall.chance:.0%}"
    return VerdictLine(**base, status=status, headline=headline, sentence=sentence,
                       value=overall.accuracy)


def confabulation_line(audit: ModelAudit, t: Thresholds) -> VerdictLine:
    conf = audit.recency.confabulation if audit.recency is not None else None
    base: dict[str, Any] = {"question": "confabulation", "title": "Confabulation",
                            "anchor": "confabulation"}
    gen = generation_only(audit)
    if gen and _has(audit, "control"):
        return VerdictLine(**base, status="info", headline="not measured", sentence=(
            f"Not measured: scored by generation only ({gen}), so the made-up answers of the "
            "fabricated-event controls got no probabilities."))
    reading = read(audit, "confabulation")
    if conf is None or reading is None:
        return VerdictLine(**base, status="info", headline="not measured",
                           sentence="No fabricated-event controls were scored.")
    low, high = reading.low or 0.0, reading.high or 1.0
    status = _interval_status(reading.value, low, high, t.max_confabulation,
                              higher_is_better=False)
    sentence = (
        f"The model put at least {conf.threshold:.0%} of its probability on one made-up answer "
        f"for {conf.n_confabulated} of {conf.n_controls} fabricated events ({conf.rate:.0%}, 95% "
        f"interval {low:.0%}–{high:.0%}). Warn above {t.max_confabulation:.0%}, fail when the "
        "whole interval is above it.")
    return VerdictLine(**base, status=status, headline=f"{conf.rate:.0%} ({conf.n_confabulated}"
                       f"/{conf.n_controls} controls)", sentence=sentence, value=conf.rate)


# ------------------------------------------------------------------ drift


def times(ratio: float) -> str:
    """'4.0×', '0.44×'."""
    return f"{ratio:.1f}×" if ratio >= 1 else f"{ratio:.2g}×"


def _band(value: float, warn: float, fail: float, low: float | None = None) -> Status:
    """Fail above ``fail`` (for a figure with an interval: its low end above it), warn above
    ``warn``."""
    return "fail" if (value if low is None else low) > fail else "warn" if value > warn \
        else "pass"


def _alignment_statuses(audit: ModelAudit, t: Thresholds) -> dict[str, tuple[Status, str]]:
    """Each model-view figure measured: its status and how the page words it."""
    out: dict[str, tuple[Status, str]] = {}
    if (r := read(audit, "perplexity_ratio")) is not None:
        out["perplexity_ratio"] = (
            _band(r.value, t.perplexity_ratio_warn, t.perplexity_ratio_fail, r.low),
            f"perplexity {times(r.value)} the reference ({r.detail})")
    if (r := read(audit, "novel_term_share")) is not None:
        out["novel_term_share"] = (
            _band(r.value, t.novel_term_share_warn, t.novel_term_share_fail),
            f"{r.detail} new to the model, in {r.value:.0%} of your documents")
    if (r := read(audit, "fertility_ratio")) is not None:
        out["fertility_ratio"] = (_band(r.value, t.fertility_ratio_warn, t.fertility_ratio_fail),
                                  f"{r.value:.2f}× the reference's tokens per word")
    return out


def _embedding_evidence(audit: ModelAudit) -> str:
    drift = audit.drift
    if drift is None:
        return ""
    nov = drift.stats.novelty
    where = drift.figures.positions.get("out_of_domain_share") if drift.figures else None
    return (f"Embedding evidence ({drift.embedder}; shown, not decisive): drift level "
            f"{drift.level} ({drift.stats.level.decided_by}), {nov.out_of_domain_share:.0%} of "
            f"your documents out of the reference's domain"
            + (f", {where} in the calibration panel." if where else "."))


def drift_line(audit: ModelAudit, t: Thresholds) -> VerdictLine:
    """How well the model fits the user's data, judged through the model's own view (perplexity
    ratio, novel terms, fertility) against bands calibrated on real text; the embedding tests
    are evidence beside it and never decide it."""
    base: dict[str, Any] = {"question": "drift", "title": "Fit to your data", "anchor": "drift"}
    if audit.drift is None:
        return VerdictLine(**base, status="info", headline="not measured",
                           sentence="No user data was given (--data), so drift was not measured.")
    found = _alignment_statuses(audit, t)
    evidence = _embedding_evidence(audit)
    if not found:
        return VerdictLine(**base, status="info", headline="not judged through a model",
                           sentence="Not judged: the fit of a model to your data is read through "
                           "the model (its perplexity, tokenizer and vocabulary), and this run had "
                           f"none that gave them. {evidence}")
    status = worst([VerdictLine(**base, status=s, headline="", sentence="")
                    for s, _ in found.values()])
    words = [w for _, w in found.values()]
    positions = audit.drift.figures.positions if audit.drift.figures else {}
    where = positions.get("perplexity_ratio")
    panel = (f" In the calibration panel ({audit.drift.figures.panel_model}) the perplexity "
             f"ratio falls {where}." if where and audit.drift.figures else "")
    rule = (f"Bands from real text of six genres (docs/alignment.md): warn above "
            f"{t.perplexity_ratio_warn:g}× perplexity, {t.novel_term_share_warn:.0%} of documents "
            f"with novel terms or {t.fertility_ratio_warn:g}× tokens per word; fail above "
            f"{t.perplexity_ratio_fail:g}× (the whole interval), "
            f"{t.novel_term_share_fail:.0%} or {t.fertility_ratio_fail:g}×.")
    ratio, terms = read(audit, "perplexity_ratio"), audit.drift.novel_terms
    short = [f"perplexity {times(ratio.value)} the reference" if ratio is not None else "",
             f"{terms.n_novel} novel terms" if terms is not None else "",
             found["fertility_ratio"][1] if found.get("fertility_ratio", ("pass",))[0] != "pass"
             else ""]
    return VerdictLine(**base, status=status, headline=", ".join(w for w in short if w),
                       sentence=f"Through the model: {'; '.join(words)}.{panel} {rule} {evidence}",
                       value=ratio.value if ratio is not None else None)


def novel_terms_line(audit: ModelAudit, t: Thresholds) -> VerdictLine:
    base: dict[str, Any] = {"question": "novel_terms", "title": "Novel terms", "anchor": "drift"}
    reading = read(audit, "novel_terms")
    if reading is None:
        return VerdictLine(**base, status="info", headline="not measured",
                           sentence="No user data was given (--data), so no terms were checked.")
    count, fail = int(reading.value), t.novel_terms_fail
    status: Status = ("fail" if fail is not None and count > fail
                      else "warn" if count > t.novel_terms_warn else "pass")
    rule = f"Warn above {t.novel_terms_warn}" + (f", fail above {fail}." if fail is not None
                                                else "; never fails.")
    sentence = (f"{count} terms in your data are new to the model (split into many pieces and "
                f"rare in the reference). {rule}")
    return VerdictLine(**base, status=status, headline=f"{count} terms", sentence=sentence,
                       value=float(count))


def code_line(audit: ModelAudit, t: Thresholds) -> VerdictLine:
    """Did auditing this model run code that came with it?"""
    info = audit.model
    base: dict[str, Any] = {"question": "remote_code", "title": "Model code",
                            "anchor": "reproducibility"}
    if info.trust_remote_code:
        return VerdictLine(**base, status="warn", headline="remote code was run",
                           sentence="--trust-remote-code was given: Python code shipped with "
                           "the model ran during this audit. Review that code before adopting "
                           "the model.")
    hashes = info.files_sha256
    files = f" Weight files are recorded by sha256 ({len(hashes)})." if hashes else ""
    return VerdictLine(**base, status="info", headline="no remote code",
                       sentence="Only the weights and tokenizer were loaded; no code shipped with "
                       f"the model ran.{files}")


def egress_line(audit: ModelAudit, t: Thresholds) -> VerdictLine:
    """Did the user's documents leave this machine? (Probe prompts are public facts.)"""
    base: dict[str, Any] = {"question": "data_egress", "title": "Data egress",
                            "anchor": "endpoint"}
    found = audit.egress
    if found is None:
        return VerdictLine(**base, status="info", headline="not recorded", sentence=(
            "This result was written before alignaudit recorded where data was sent."))
    prompts, data = found.probe_prompts.texts, found.data.texts
    if found.local:
        sent = (f" {prompts} probe prompts and {data} texts of your data went to {found.host}, "
                "which is this machine." if found.host else "")
        return VerdictLine(**base, status="pass", headline="stayed on this machine",
                           sentence=f"Nothing left this machine: {found.why}.{sent}", value=0.0)
    if found.generated_suites and not data:
        names = ", ".join(found.generated_suites)
        return VerdictLine(
            **base, status="warn", value=float(prompts),
            headline=f"probes generated from your documents sent to {found.host}",
            sentence=(f"{prompts} probe prompts, among them those of {names} (generated from "
                      f"documents), were sent to {found.host}, which is not this machine "
                      f"({found.why}), because --allow-remote-data was given. Make sure the "
                      "documents they came from may go there."))
    if data:
        return VerdictLine(
            **base, status="warn", value=float(data),
            headline=f"{found.documents} of your documents sent to {found.host}",
            sentence=(f"{found.documents} of your documents ({data} texts of the data section "
                      f"with the reference texts and terms, {found.data.characters:,} "
                      f"characters) were sent to {found.host}, which is not this machine "
                      f"({found.why}), because --allow-remote-data was given; {prompts} probe "
                      "prompts went there too"
                      + (f" (among them those of {', '.join(found.generated_suites)}, generated "
                         "from documents)" if found.generated_suites else "")
                      + ". Make sure your data may go there."))
    return VerdictLine(
        **base, status="pass", value=0.0, headline=f"only probe prompts sent to {found.host}",
        sentence=(f"{prompts} probe prompts (public facts) went to {found.host}, which is not "
                  f"this machine ({found.why}); none of your documents did."))


def verdict(audit: ModelAudit, thresholds: Thresholds | None = None) -> list[VerdictLine]:
    """One line per question in ``QUESTIONS`` for one model's audit (a ``ModelAudit``)."""
    t = thresholds or Thresholds()
    return [cutoff_line(audit, t), believed_line(audit, t), accuracy_line(audit, t),
            confabulation_line(audit, t), drift_line(audit, t), novel_terms_line(audit, t),
            code_line(audit, t), egress_line(audit, t)]


def worst(lines: list[VerdictLine]) -> Status:
    """The most severe status among ``lines`` (fail > warn > pass > info)."""
    order = {"info": 0, "pass": 1, "warn": 2, "fail": 3}
    return max((line.status for line in lines), key=order.__getitem__, default="info")
