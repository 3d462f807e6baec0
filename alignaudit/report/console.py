"""The findings of one model as a few lines for the terminal (the page's verdict, in brief)."""

from __future__ import annotations

from alignaudit.compare.verdict import Comparison
from alignaudit.judge.metrics import generation_only
from alignaudit.judge.verdict import Thresholds, drift_line
from alignaudit.report.hosting_view import console_lines
from alignaudit.result import ModelAudit


def console_summary(audit: ModelAudit) -> str:
    """Suites, accuracy by event year, cutoff, believed year and confabulation, as text."""
    lines = [f"== {audit.model.display_name}"]
    if reason := generation_only(audit):
        lines.append(f"  scored by generation only ({reason})")
    sent = audit.egress
    if sent is not None and sent.host and not sent.local:  # what left this machine, and where
        lines.append(f"  data egress: to {sent.host} (not this machine): "
                     f"{sent.probe_prompts.texts} probe prompts, {sent.documents} of your "
                     "documents" + (f", suites generated from documents: "
                                    f"{', '.join(sent.generated_suites)}"
                                    if sent.generated_suites else ""))
    for s in audit.suites:
        parts = []
        if s.n_facts:
            parts.append(f"accuracy {s.accuracy or 0:.1%} on {s.n_facts} facts "
                         f"(chance {s.chance or 0:.0%})")
        if s.n_changing:
            parts.append(f"{s.n_changing} changing facts")
        if s.n_controls:
            parts.append(f"{s.n_controls} controls")
        lines.append(f"  {s.suite}: " + ", ".join(parts))
    if audit.drift is not None:  # the page's "Fit to your data" line, in brief
        fit = drift_line(audit, Thresholds())
        lines.append(f"  fit to your data: {fit.status.upper()}: {fit.headline}")
    if audit.hosting is not None:
        lines += console_lines(audit.hosting)
    rec = audit.recency
    if rec is None:
        return "\n".join(lines)
    if rec.by_year:
        lines.append("  accuracy by event year:")
        for row in rec.by_year:
            bar = "#" * round(row.accuracy * 20)
            interval = f"[{row.ci_low:4.0%}-{row.ci_high:4.0%}]"
            lines.append(f"    {row.label}  {row.accuracy:5.0%}  {interval}  n={row.n:<3} {bar}")
    if rec.cutoff is not None:
        lines.append(f"  cutoff: {rec.cutoff.verdict}")
        for signal in rec.cutoff.signals:
            own = signal.label_date if signal.status == "estimate" else "no estimate"
            lines.append(f"    {signal.label} alone: {own} ({signal.ci_label}; n={signal.n})")
        for note in (rec.cutoff.disagreement, rec.cutoff.unchanged_note, rec.cutoff.power_note):
            if note and note not in rec.cutoff.verdict:
                lines.append(f"    {note}")
    if rec.believed is not None:
        lines.append(f"  believed year: {rec.believed.verdict}")
    if rec.confabulation is not None and rec.confabulation.rate is not None:
        c = rec.confabulation
        lines.append(f"  confabulation: {c.n_confabulated}/{c.n_controls} fabricated events "
                     f"'recognised' ({c.rate:.0%})")
    return "\n".join(lines)


def console_comparison(comparison: Comparison | None) -> str:
    """The comparison verdict for the terminal: one line per question and pair."""
    if comparison is None:
        return ""
    lines = []
    for pair in comparison.pairs:
        against = "the baseline " if pair.baseline else ""
        lines.append(f"== {pair.a} vs {against}{pair.b} (paired)")
        lines += [f"  {f.words}" for f in pair.findings]
    return "\n".join(lines)
