"""Render saved results into one self-contained HTML page and a Markdown summary.

``render(result)`` is a pure function of the result (and the render time): nothing on the page
is fetched from elsewhere, there are no scripts, and everything that came from a model or a
user is escaped by Jinja2's autoescape. The only markup marked safe is the SVG that
:mod:`alignaudit.charts` draws, whose text matplotlib escapes.

Comparison: ``render`` also takes a list of results. Every model of every result becomes one
column of the page (verdict table, overlaid curves, per-probe disagreements); probes are matched
by (suite, probe id); the reproducibility section lists each run. Nothing is merged or
recomputed, so each model's numbers are exactly those of its own results.json.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alignaudit.recency import year_fraction_to_label
from alignaudit.result import AuditResult, Measurement, ModelAudit, atomic_write
from alignaudit.scoring import ProbeResult
from alignaudit.verdict import (
    QUESTIONS,
    Thresholds,
    VerdictLine,
    drift_level,
    find,
    generation_only,
    verdict,
    worst,
    years,
)
from alignaudit.verdict import field as lookup

PROBE_ROW_CAP = 1500
"""Most probe rows on one page (the rest are counted; all of them stay in results.json)."""
GROUP_ROW_CAP = 300
"""Most rows in one year group of the probe list."""
LIST_CAP = 200
"""Most rows of the other long tables (disagreements, controls, changing facts, drift keys)."""
TEXT_CAP = 400
"""Prompts and generations longer than this many characters are cut (with an ellipsis)."""


def templates_dir() -> Path:
    """Folder of the Jinja2 templates (inside the wheel, or the repo's reports/templates)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_shipped" / "templates"
    return packaged if packaged.is_dir() else here.parent / "reports" / "templates"


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=pct, num=num, mb=megabytes, quarter=quarter, month=month,
                       cut=cut, md=markdown_cell, seconds=seconds, when=when,
                       years=years)
    return env


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def pct(value: Any, digits: int = 0) -> str:
    if not _number(value):
        return "–" if value is None else str(value)
    return f"{100 * value:.{digits}f}%"


def num(value: Any, digits: int = 2) -> str:
    if not _number(value):
        return "–" if value is None else str(value)
    return f"{value:,.{digits}f}"


def megabytes(value: int | None) -> str:
    return "–" if value is None else f"{value / 1e6:,.0f} MB"


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f} s"


def quarter(value: float | None) -> str:
    return "–" if value is None else year_fraction_to_label(value, "quarter")


def month(value: float | None) -> str:
    return "now" if value is None else year_fraction_to_label(value, "month")


def when(stamp: str | None) -> str:
    """An ISO timestamp as "2025-01-31 14:05 UTC" (as given when it does not parse)."""
    try:
        moment = dt.datetime.fromisoformat(stamp or "")
    except ValueError:
        return stamp or "–"
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.tzinfo else "")


def cut(text: str | None, limit: int = TEXT_CAP) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: no line breaks, pipes and backslashes escaped."""
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def slug(*parts: str) -> str:
    """An id usable in an anchor: letters, digits and dashes, plus a short hash when needed."""
    raw = "-".join(parts)
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-")
    if clean != raw or not clean:
        clean += "-" + hashlib.sha256(raw.encode()).hexdigest()[:6]
    return clean


# ------------------------------------------------------------------------------ columns


@dataclass(frozen=True)
class Column:
    """One model on the page: its audit, the run it came from, its label, colour and verdict."""

    key: str
    label: str
    colour: str
    run_index: int
    audit: ModelAudit
    measurement: Measurement | None
    verdict: list[VerdictLine]

    @property
    def lines(self) -> dict[str, VerdictLine]:
        return {line.question: line for line in self.verdict}

    @property
    def generation_only(self) -> str | None:
        """Why this model was scored by generation only (``chat mode, ...``), or None."""
        return generation_only(self.audit)

    @property
    def has_changing(self) -> bool:
        return any(p.kind == "changing" for p in self.audit.probes)


def columns(runs: Sequence[AuditResult], thresholds: Thresholds) -> list[Column]:
    from alignaudit.charts import PALETTE

    pairs = [(i, r, a) for i, r in enumerate(runs) for a in r.models]
    names = [a.model.display_name for _, _, a in pairs]
    out = []
    for n, (i, run, audit) in enumerate(pairs):
        label = names[n] if names.count(names[n]) == 1 else f"{names[n]} (run {i + 1})"
        if names.count(names[n]) > 1 and len(runs) == 1:
            label = f"{names[n]} #{n + 1}"
        out.append(Column(key=f"m{n + 1}", label=label, colour=PALETTE[n % len(PALETTE)],
                          run_index=i, audit=audit,
                          measurement=run.runtime.models.get(audit.model.spec),
                          verdict=verdict(audit, thresholds)))
    return out


# ------------------------------------------------------------------------------ probe list


@dataclass
class ProbeRow:
    """One probe across the models: its text and choices once, each model's answer beside."""

    key: tuple[str, str]
    anchor: str
    first: ProbeResult
    cells: list[ProbeResult | None]

    @property
    def choices(self) -> list[dict[str, Any]]:
        """The first model's choices, with every model's share and pick (matched by text)."""
        # a result scored by generation only has no shares and no pick: shown as "–"
        ranked = [p if p and p.scoring != "generation" else None for p in self.cells]
        shares = [{c.text: c.prob for c in p.choices} if p else {} for p in ranked]
        picks = [p.choices[p.preferred].text if p else None for p in ranked]
        return [{"text": c.text, "correct": c.correct, "valid_from": c.valid_from,
                 "valid_until": c.valid_until, "probs": [s.get(c.text) for s in shares],
                 "preferred": [pick == c.text for pick in picks]}
                for c in self.first.choices]

    @property
    def disagree(self) -> bool:
        graded = {p.correct for p in self.cells if p is not None and p.correct is not None}
        return len(graded) > 1


@dataclass
class Group:
    """Probes of one suite in one event year (or one kind: undated, controls, changing)."""

    anchor: str
    title: str
    rows: list[ProbeRow] = field(default_factory=list)
    n: int = 0
    correct: list[int] = field(default_factory=list)
    graded: list[int] = field(default_factory=list)


def probe_rows(cols: Sequence[Column]) -> list[ProbeRow]:
    rows: dict[tuple[str, str], ProbeRow] = {}
    for k, col in enumerate(cols):
        for p in col.audit.probes:
            key = (p.suite, p.probe_id)
            if key not in rows:
                rows[key] = ProbeRow(key, slug("p", *key), p, [None] * len(cols))
            rows[key].cells[k] = p
    return list(rows.values())


def _group_title(p: ProbeResult) -> tuple[str, str]:
    if p.kind == "control":
        return "~controls", "fabricated events (controls)"
    if p.kind == "changing":
        return "~changing", "changing facts"
    return (p.event_date[:4], p.event_date[:4]) if p.event_date else ("~undated", "undated")


def probe_groups(rows: Sequence[ProbeRow], n_cols: int) -> list[dict[str, Any]]:
    """Suites, each with its groups (years oldest first, then the other kinds), rows capped."""
    suites: dict[str, dict[str, Group]] = defaultdict(dict)
    shown = 0
    rank = {suite: k for k, suite in enumerate(dict.fromkeys(r.first.suite for r in rows))}
    for row in sorted(rows, key=lambda r: (rank[r.first.suite], r.first.event_date or "")):
        order, title = _group_title(row.first)
        g = suites[row.first.suite].setdefault(order, Group(
            slug("g", row.first.suite, title), title, correct=[0] * n_cols, graded=[0] * n_cols))
        g.n += 1
        for k, p in enumerate(row.cells):
            if p is not None and p.correct is not None:
                g.graded[k] += 1
                g.correct[k] += bool(p.correct)
        if len(g.rows) < GROUP_ROW_CAP and shown < PROBE_ROW_CAP:
            g.rows.append(row)
            shown += 1
    return [{"suite": s, "anchor": slug("s", s), "n": sum(g.n for g in groups.values()),
             "groups": [groups[k] for k in sorted(groups)]} for s, groups in suites.items()]


def year_links(groups: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """Event year -> [(suite, anchor of that suite's group for the year)]."""
    links: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s in groups:
        for g in s["groups"]:
            if g.title.isdigit():
                links[g.title].append((s["suite"], g.anchor))
    return dict(links)


# ------------------------------------------------------------------------------ other tables


def side_by_side(cols: Sequence[Column], attr: str, key: str) -> list[dict[str, Any]]:
    """Rows of a recency table (``by_year``, ``by_suite``, ``by_category``) for every model:
    the union of the row names, in order, with each model's row or None."""
    table: dict[str, list[Any]] = {}
    for k, col in enumerate(cols):
        rec = col.audit.recency
        for item in (getattr(rec, attr) if rec else []):
            table.setdefault(getattr(item, key), [None] * len(cols))[k] = item
    names = sorted(table) if attr == "by_year" else list(table)
    return [{"name": name, "cells": table[name],
             "n": next(c.n for c in table[name] if c is not None)} for name in names]


def changing_rows(cols: Sequence[Column], rows: dict[str, ProbeRow]) -> list[dict[str, Any]]:
    """Changing facts: each model's preferred answer and the period it was true."""
    facts: dict[str, list[Any]] = {}
    for k, col in enumerate(cols):
        rec = col.audit.recency
        for f in (rec.believed.facts if rec and rec.believed else []):
            facts.setdefault(f.fact_id, [None] * len(cols))[k] = f
    return [{"fact_id": fid, "row": rows.get(fid), "beliefs": beliefs}
            for fid, beliefs in list(facts.items())[:LIST_CAP]]


def control_rows(cols: Sequence[Column], rows: Sequence[ProbeRow]) -> list[dict[str, Any]]:
    """Controls with each model's top made-up answer and its share, most recognised first."""
    out: list[dict[str, Any]] = []
    for row in rows:
        if row.first.kind != "control":
            continue
        tops = [max(p.choices, key=lambda c: c.prob) if p and p.scoring != "generation"
                else None for p in row.cells]
        hits = [bool(p and c and c.prob >= _threshold(col)) for p, c, col in
                zip(row.cells, tops, cols, strict=True)]
        out.append({"row": row, "tops": tops, "hits": hits})
    out.sort(key=lambda d: -max((t.prob for t in d["tops"] if t is not None), default=0.0))
    return out[:LIST_CAP]


def _threshold(col: Column) -> float:
    rec = col.audit.recency
    return rec.confabulation.threshold if rec and rec.confabulation else 0.5


def footprint(col: Column, price_per_hour: float | None) -> dict[str, Any]:
    """Size, memory and speed of one model as measured during its audit."""
    m = col.measurement or Measurement()
    tps = m.tokens_per_second
    gen = m.tokens_generated / m.generate_seconds if m.generate_seconds > 0 else None
    cost = price_per_hour / (tps * 3600) * 1e6 if price_per_hour and tps else None
    return {"info": col.audit.model, "m": m, "tokens_per_second": tps,
            "generation_per_second": gen, "cost_per_million": cost,
            "price_per_hour": price_per_hour, "measured": col.measurement is not None}


TEST_KEYS = ("name", "method", "statistic", "p_value", "effect_size", "effect_size_name",
             "drift_detected")
DOC_KEYS = ("rank", "text", "score", "source", "date")


def _pick(obj: Any, keys: Sequence[str]) -> dict[str, Any]:
    return {key: lookup(obj, key) for key in keys}


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def drift_summary(drift: Any) -> dict[str, Any]:
    """The headline drift numbers, each found defensively (None when the result lacks it)."""
    tests = find(drift, "tests")
    return {
        "level": drift_level(drift),
        "embedder": find(drift, "embedder"),
        "tests": [_pick(t, TEST_KEYS) for t in tests][:10] if isinstance(tests, list | tuple)
        else [],
        "share": find(drift, "out_of_domain_share"), "expected": find(drift, "expected_share"),
        "share_low": find(drift, "share_ci_low"), "share_high": find(drift, "share_ci_high"),
        "centroid": find(drift, "centroid_cosine_distance"),
        "novel_docs": [_pick(d, DOC_KEYS) for d in _as_list(find(drift, "most_novel"))[:10]],
        "rows": drift_rows(drift),
    }


def drift_rows(drift: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, str]]:
    """A generic, defensive view of a drift result: scalar fields by dotted key, lists counted."""
    from pydantic import BaseModel

    if isinstance(drift, BaseModel):
        drift = drift.model_dump()
    rows: list[tuple[str, str]] = []
    items = drift.items() if isinstance(drift, dict) else []
    for key, value in items:
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 2:
            rows.extend(drift_rows(value, name + ".", depth + 1))
        elif isinstance(value, list | tuple):
            rows.append((name, f"list of {len(value)}"))
        elif isinstance(value, float):
            rows.append((name, f"{value:.4g}"))
        else:
            rows.append((name, cut(str(value), 200)))
    return rows[:LIST_CAP]


# ------------------------------------------------------------------------------ drift section

DRIFT_DOC_CAP = 10
"""Most novel documents listed per model (the rest are counted; results.json keeps them)."""
DRIFT_TERM_CAP = 20
"""Most novel terms listed per model."""
_LEVEL_SENTENCE = {
    "low": "To this embedder your documents look like the reference: a classifier can barely "
           "tell them apart, so the model's pre-training domain covers your data.",
    "moderate": "Your documents can be told apart from the reference but overlap with it: "
                "expect the model to be somewhat less at home on your data than on general text.",
    "high": "A linear classifier tells your documents from the reference easily: expect the "
            "model to know less about your domain, and to be less fluent in it, than on "
            "general text.",
}


@dataclass(frozen=True)
class DriftView:
    """One model's drift section, ready for the template: numbers formatted, lists capped."""

    col: Column
    a: Any  # alignment.DataAlignment
    anchor: str
    same_as: Column | None  # the embedding half equals this earlier model's (same data/ref)
    sentence: str
    tests: list[dict[str, Any]]
    data_lines: list[str]
    pca_svg: str
    ppl_svg: str
    fields: list[tuple[str, str]]  # every scalar field by dotted key, for tracing numbers


@dataclass(frozen=True)
class DriftPage:
    """The drift section of the page: typed results per model, anything else generically."""

    models: list[DriftView]
    generic: list[tuple[Column, dict[str, Any]]]
    compare: list[tuple[str, list[str]]]
    ppl_period_svg: str
    novelty_period_svg: str
    caps: dict[str, int]
    score_method: str

    def __bool__(self) -> bool:
        return bool(self.models or self.generic)


def as_alignment(drift: Any) -> Any:
    """The drift result as an ``alignment.DataAlignment``, or None when it is not one."""
    from pydantic import ValidationError

    from alignaudit.alignment import DataAlignment

    if isinstance(drift, DataAlignment) or drift is None:
        return drift
    try:
        return DataAlignment.model_validate(drift)
    except ValidationError:
        return None


def fmt_p(p: float | None) -> str:
    """'0.034', '< 0.001', '–'."""
    return "–" if p is None else "< 0.001" if p < 0.001 else f"{p:.3f}"


def at_floor(p: float, n_permutations: Any) -> bool:
    """True when a permutation p-value is the smallest it can be, 1 / (1 + B)."""
    return isinstance(n_permutations, int) and p <= (1 + 1e-9) / (1 + n_permutations)


def drift_test_rows(stats: Any) -> list[dict[str, Any]]:
    """Two-sample tests, the distances and the out-of-domain share, one row each."""
    n = f"{stats.n_reference:,} / {stats.n_current:,}"
    rows = []
    for t in stats.tests:
        b = t.parameters.get("n_permutations")
        name = {"classifier": "Domain classifier", "mmd": "MMD (RBF kernel)"}.get(t.name, t.name)
        stat = f"AUC {t.statistic:.3f}" if t.name == "classifier" else (
            f"MMD² {t.statistic:.4f}" if t.name == "mmd" else f"{t.statistic:.4g}")
        rows.append({"name": name, "statistic": stat, "p": fmt_p(t.p_value),
                     "floor": f"{b:,}" if at_floor(t.p_value, b) else "",
                     "effect": f"{t.effect_size:.3f}", "effect_name": t.effect_size_name,
                     "decision": "drift" if t.drift_detected else "no drift",
                     "rule": f"p {'<' if t.drift_detected else '≥'} α = {t.threshold:g}",
                     "detected": t.drift_detected, "n": n})
    e, nov = stats.effect_sizes, stats.novelty
    for name, value, what in (
        ("Centroid cosine distance", e.centroid_cosine_distance,
         "1 − cosine of the two mean embeddings (0 = same direction, 2 = opposite)"),
        ("Fréchet distance", e.frechet_distance, "between Gaussians fitted to each side, in "
         "squared embedding units (0 = same mean and covariance)")):
        rows.append({"name": name, "statistic": "–", "p": "–", "effect": f"{value:.3f}",
                     "effect_name": what, "decision": "", "rule": "effect size only",
                     "detected": None, "floor": "", "n": n})
    above, below = nov.share_ci_low > nov.expected_share, nov.share_ci_high < nov.expected_share
    rows.append({
        "name": "Out-of-domain share", "p": "–", "n": n, "detected": above, "floor": "",
        "statistic": f"{nov.n_out_of_domain:,} of {stats.n_current:,} documents",
        "effect": f"{nov.out_of_domain_share:.1%} ({nov.share_ci_low:.1%}–"
                  f"{nov.share_ci_high:.1%})",
        "effect_name": f"share of your documents farther from the reference than "
                       f"{nov.quantile:.0%} of reference documents are (95% Wilson interval); "
                       f"{nov.expected_share:.0%} expected with no drift",
        "decision": "drift" if above else "no drift",
        "rule": f"interval {'above' if above else 'below' if below else 'includes'} "
                f"{nov.expected_share:.0%}"})
    return rows


def data_lines(d: Any) -> list[str]:
    """What reading and cleaning did, in two sentences."""
    files = ", ".join(d.files[:3]) + (f" and {len(d.files) - 3} more files"
                                      if len(d.files) > 3 else "")
    cols = ", ".join(f"{k} column {v}" for k, v in (("text", d.text_column),
                                                    ("date", d.date_column)) if v)
    sample = (f", a random sample of {d.n_kept:,} from {d.sampled_from:,} after cleaning"
              if d.sampled_from is not None else "")
    first = (f"{d.n_read:,} documents read from {files}{f' ({cols})' if cols else ''}; "
             f"{d.n_kept:,} kept{sample}.")
    dropped = [f"{n:,} {what}" for n, what in ((d.n_empty, "empty"), (d.n_duplicates,
               "exact duplicate" + ("s" if d.n_duplicates > 1 else ""))) if n]
    fixed = [f"{n:,} {what}" for n, what in (
        (d.n_truncated, f"cut to {d.max_chars:,} characters"),
        (d.n_bad_bytes, "with non-UTF-8 bytes replaced"),
        (d.n_bad_dates, "without a usable date (kept, undated)")) if n]
    second = " ".join([f"Dropped: {', '.join(dropped)}." if dropped else "Nothing dropped.",
                       f"Fixed: {'; '.join(fixed)}." if fixed else
                       "Nothing truncated, no bad bytes, no bad dates."])
    return [first, second]


def level_sentence(a: Any) -> str:
    return _LEVEL_SENTENCE.get(a.level, "")


def _same_embedding(a: Any, b: Any) -> bool:
    return (a.stats, a.data, a.reference, a.embedder) == (b.stats, b.data, b.reference, b.embedder)


def drift_view(col: Column, a: Any, same_as: Column | None) -> DriftView:
    from alignaudit import charts

    ppl = a.perplexity
    ppl_svg = charts.perplexity_chart([charts.PerplexitySeries(
        col.label, col.colour, ppl.user_perplexities, ppl.reference_perplexities)],
        key=f"ppl-{col.key}") if ppl is not None else ""
    pca = "" if same_as else charts.projection_chart(a.stats.projection, col.colour,
                                                      key=f"pca-{col.key}")
    return DriftView(col=col, a=a, anchor=f"drift-{col.key}", same_as=same_as,
                     sentence=level_sentence(a), tests=drift_test_rows(a.stats),
                     data_lines=data_lines(a.data), pca_svg=pca, ppl_svg=ppl_svg,
                     fields=drift_rows(a))


def compare_rows(views: Sequence[DriftView]) -> list[tuple[str, list[str]]]:
    """The headline drift numbers, one column per model (comparisons only)."""
    def auc(v: DriftView) -> str:
        t = next((t for t in v.a.stats.tests if t.name == "classifier"), None)
        return f"{t.statistic:.3f} (p {fmt_p(t.p_value)})" if t else "–"

    def ratio(v: DriftView) -> str:
        p = v.a.perplexity
        return f"{p.median_ratio:.2f}× ({p.ratio_ci[0]:.2f}–{p.ratio_ci[1]:.2f})" if p else "–"

    def trend(v: DriftView) -> str:
        t = v.a.perplexity_by_period.trend if v.a.perplexity_by_period else None
        if t is None or t.spearman_rho is None:
            return "–"
        word = {"rises": "rises", "falls": "falls", "none": "no clear change"}[t.direction]
        return f"{word} (ρ = {t.spearman_rho:.2f}, p {fmt_p(t.p_value)})"

    def fert(v: DriftView) -> str:
        f = v.a.fertility
        return f"{f.user.tokens_per_word:.2f} vs {f.reference.tokens_per_word:.2f}" if f else "–"

    return [(name, [fn(v) for v in views]) for name, fn in (
        ("Drift level", lambda v: f"{v.a.level} ({v.a.stats.level.decided_by})"),
        ("Classifier AUC", auc),
        ("Out-of-domain share", lambda v: f"{v.a.stats.novelty.out_of_domain_share:.0%}"),
        ("Reference", lambda v: f"{v.a.reference.kind}: {v.a.reference.source}"),
        ("Median perplexity, yours / reference", ratio),
        ("Tokens per word, yours vs reference", fert),
        ("Novel terms", lambda v: str(len(v.a.novel_terms.terms)) if v.a.novel_terms else "–"),
        ("Perplexity with date", trend))]


def drift_page(cols: Sequence[Column]) -> DriftPage:
    """Everything the drift section shows, for every model that has a drift result."""
    from alignaudit import charts
    from alignaudit.textview import SCORE_METHOD

    views: list[DriftView] = []
    generic = []
    for col in cols:
        if col.audit.drift is None:
            continue
        a = as_alignment(col.audit.drift)
        if a is None:
            generic.append((col, drift_summary(col.audit.drift)))
            continue
        same = next((v.col for v in views if _same_embedding(v.a, a)), None)
        views.append(drift_view(col, a, same))
    ppl = [charts.PeriodSeries(v.col.label, v.col.colour, v.a.perplexity_by_period)
           for v in views if v.a.perplexity_by_period is not None]
    nov = [v for v in views if v.a.novelty_by_period is not None and v.same_as is None]
    lines = [(nov[0].a.stats.novelty.threshold, "out-of-domain threshold"),
             (nov[0].a.stats.novelty.reference_scores_median, "reference median")] \
        if len(nov) == 1 else []
    return DriftPage(
        models=views, generic=generic,
        compare=compare_rows(views) if len(views) > 1 else [],
        ppl_period_svg=charts.period_chart(ppl, "median perplexity\n(log scale)", "ppl-period",
                                           log=True, named=len(views) > 1),
        novelty_period_svg=charts.period_chart(
            [charts.PeriodSeries(v.col.label, v.col.colour, v.a.novelty_by_period)
             for v in nov], "median novelty\n(cosine distance)", "nov-period", lines=lines,
            named=len(views) > 1),
        caps={"docs": DRIFT_DOC_CAP, "terms": DRIFT_TERM_CAP, "scatter": charts.SCATTER_POINTS},
        score_method=SCORE_METHOD,
    )


def method_numbers(cols: Sequence[Column]) -> dict[str, Any]:
    """The settings the Methods section quotes, from the first model with a cutoff estimate."""
    est = next((c.audit.recency.cutoff for c in cols
                if c.audit.recency is not None and c.audit.recency.cutoff is not None), None)
    found = re.search(r"(\d[\d,]*) shuffles", est.p_value_method) if est else None
    return {"n_perm": found.group(1) if found else "1000",
            "n_boot": est.n_boot if est and est.n_boot else 1000,
            "confidence": est.confidence if est else 0.9}


# ------------------------------------------------------------------------------ rendering


def _runs(result: AuditResult | Sequence[AuditResult]) -> list[AuditResult]:
    return [result] if isinstance(result, AuditResult) else list(result)


def context(result: AuditResult | Sequence[AuditResult],
            thresholds: Thresholds | None = None) -> dict[str, Any]:
    """Everything the templates show, computed once (pure: same input, same output)."""
    from alignaudit import charts

    runs = _runs(result)
    if not runs:
        raise ValueError("nothing to render: no results given")
    limits = thresholds or Thresholds()
    cols = columns(runs, limits)
    rows = probe_rows(cols)
    groups = probe_groups(rows, len(cols))
    series = [charts.Series(c.label, c.colour, c.audit.recency) for c in cols]
    price = getattr(runs[0].config, "price_per_hour", None)
    return {
        "r": runs[0], "runs": runs, "cols": cols, "questions": QUESTIONS,
        "title": " vs ".join(c.label for c in cols) or "no model",
        "overall": worst([line for c in cols for line in c.verdict]),
        "accuracy_svg": charts.accuracy_chart(series),
        "believed_svg": charts.believed_chart(series),
        "groups": groups, "year_links": year_links(groups),
        "by_year": side_by_side(cols, "by_year", "label"),
        "by_suite": side_by_side(cols, "by_suite", "name"),
        "by_category": side_by_side(cols, "by_category", "name"),
        "n_probes": len(rows), "n_shown": sum(len(g.rows) for s in groups for g in s["groups"]),
        "disagreements": [row for row in rows if row.disagree][:LIST_CAP],
        "n_disagreements": sum(row.disagree for row in rows),
        "changing": changing_rows(cols, {f"{r.key[0]}/{r.key[1]}": r for r in rows}),
        "controls": control_rows(cols, rows),
        "footprints": [footprint(c, price) for c in cols],
        "drift": drift_page(cols),
        "gates": [g for run in runs for g in getattr(run, "gates", [])],
        "thresholds": limits, "numbers": method_numbers(cols),
        "conf_thresholds": [_threshold(c) for c in cols],
        "caps": {"probes": PROBE_ROW_CAP, "group": GROUP_ROW_CAP, "list": LIST_CAP},
    }


def render(result: AuditResult | Sequence[AuditResult], rendered_at: str | None = None,
           thresholds: Thresholds | None = None) -> str:
    """The HTML page for one result, or a comparison page for several."""
    stamp = rendered_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    template = _environment().get_template("report.html.j2")
    return template.render(**context(result, thresholds), rendered_at=stamp)


def render_summary(result: AuditResult | Sequence[AuditResult],
                   thresholds: Thresholds | None = None) -> str:
    """The verdict in Markdown, for a pull request or a design doc."""
    runs = _runs(result)
    cols = columns(runs, thresholds or Thresholds())
    template = _environment().get_template("summary.md.j2")
    return template.render(r=runs[0], runs=runs, cols=cols, questions=QUESTIONS,
                           title=" vs ".join(c.label for c in cols),
                           gates=[g for run in runs for g in getattr(run, "gates", [])])


def write_report(result: AuditResult | Sequence[AuditResult], out_dir: Path,
                 name: str = "report.html", thresholds: Thresholds | None = None) -> Path:
    """Write the page (``name``) and ``summary.md`` into ``out_dir``; returns the page's path."""
    page = Path(out_dir) / name
    atomic_write(page, render(result, thresholds=thresholds))
    atomic_write(Path(out_dir) / "summary.md", render_summary(result, thresholds))
    return page
