"""Render saved results into one self-contained HTML page and a Markdown summary.

``render(result)`` is a pure function of the result (and the render time): nothing on the page
is fetched from elsewhere, there are no scripts, and everything that came from a model or a
user is escaped by Jinja2's autoescape. The only markup marked safe is the SVG that
:mod:`alignaudit.report.charts` draws, whose text matplotlib escapes.

Comparison: ``render`` also takes a list of results. Every model of every result becomes one
column of the page (verdict table, overlaid curves, per-probe disagreements); probes are matched
by (suite, probe id); the reproducibility section lists each run. Nothing is merged or
recomputed, so each model's numbers are exactly those of its own results.json.

The drift section's view (``drift_page``) is in :mod:`alignaudit.report.drift_view`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alignaudit._util.files import shipped_path
from alignaudit.compare.verdict import Comparison
from alignaudit.judge.verdict import QUESTIONS, Thresholds, worst, years
from alignaudit.recency.scoring import ProbeResult
from alignaudit.report import charts
from alignaudit.report.columns import Column, columns
from alignaudit.report.compare_view import comparison_for
from alignaudit.report.drift_view import drift_page
from alignaudit.report.format import (
    GROUP_ROW_CAP,
    LIST_CAP,
    PROBE_ROW_CAP,
    cut,
    markdown_cell,
    megabytes,
    month,
    num,
    pct,
    quarter,
    seconds,
    slug,
    weblink,
    when,
)
from alignaudit.report.hosting_view import hosting_page, serving_text
from alignaudit.result import AuditResult, Measurement, atomic_write


def templates_dir() -> Path:
    """Folder of the Jinja2 templates (inside the wheel, or the repo's reports/templates)."""
    return shipped_path("templates", "reports/templates")


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
                       years=years, weblink=weblink)
    return env


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


def method_numbers(cols: Sequence[Column]) -> dict[str, Any]:
    """The settings the Methods section quotes, from the first model with a cutoff estimate."""
    est = next((c.audit.recency.cutoff for c in cols
                if c.audit.recency is not None and c.audit.recency.cutoff is not None), None)
    return {"confidence": est.confidence if est else 0.9}


# ------------------------------------------------------------------------------ rendering


def _runs(result: AuditResult | Sequence[AuditResult]) -> list[AuditResult]:
    return [result] if isinstance(result, AuditResult) else list(result)


def context(result: AuditResult | Sequence[AuditResult], thresholds: Thresholds | None = None,
            comparison: Comparison | None = None) -> dict[str, Any]:
    """Everything the templates show, computed once (pure: same input, same output);
    ``comparison`` when the caller has already computed it."""
    runs = _runs(result)
    if not runs:
        raise ValueError("nothing to render: no results given")
    limits = thresholds or Thresholds()
    cols = columns(runs, limits)
    rows = probe_rows(cols)
    groups = probe_groups(rows, len(cols))
    series = [charts.Series(c.label, c.colour, c.audit.recency) for c in cols]
    price = runs[0].config.price_per_hour
    found = comparison or comparison_for(runs)  # computed once: the drift ranking reads it too
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
        "drift": drift_page(cols, found),
        "hosting": hosting_page(cols),
        "gates": [g for run in runs for g in run.gates],
        "comparison": found,
        "thresholds": limits, "numbers": method_numbers(cols),
        "conf_thresholds": [_threshold(c) for c in cols],
        "caps": {"probes": PROBE_ROW_CAP, "group": GROUP_ROW_CAP, "list": LIST_CAP},
    }


def render(result: AuditResult | Sequence[AuditResult], rendered_at: str | None = None,
           thresholds: Thresholds | None = None, comparison: Comparison | None = None) -> str:
    """The HTML page for one result, or a comparison page for several."""
    stamp = rendered_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    template = _environment().get_template("report.html.j2")
    return template.render(**context(result, thresholds, comparison), rendered_at=stamp)


def render_summary(result: AuditResult | Sequence[AuditResult],
                   thresholds: Thresholds | None = None,
                   comparison: Comparison | None = None) -> str:
    """The verdict in Markdown, for a pull request or a design doc."""
    runs = _runs(result)
    cols = columns(runs, thresholds or Thresholds())
    template = _environment().get_template("summary.md.j2")
    return template.render(r=runs[0], runs=runs, cols=cols, questions=QUESTIONS,
                           title=" vs ".join(c.label for c in cols),
                           gates=[g for run in runs for g in run.gates],
                           comparison=comparison or comparison_for(runs),
                           hosting=hosting_page(cols, chart=False), serving_text=serving_text)


def write_report(result: AuditResult | Sequence[AuditResult], out_dir: Path,
                 name: str = "report.html", thresholds: Thresholds | None = None) -> Path:
    """Write the page (``name``) and ``summary.md`` into ``out_dir``; returns the page's path."""
    page = Path(out_dir) / name
    found = comparison_for(_runs(result))
    atomic_write(page, render(result, thresholds=thresholds, comparison=found))
    atomic_write(Path(out_dir) / "summary.md", render_summary(result, thresholds, found))
    return page
