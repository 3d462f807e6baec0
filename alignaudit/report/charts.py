"""Charts as inline SVG, drawn with matplotlib: small, text kept as text, byte-identical per input.

Text from models and users (model names, categories) only enters through matplotlib's SVG
writer, which escapes it. Each chart gets its own id prefix so several SVGs can share a page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PALETTE = ("#2f5fb3", "#d1622b", "#2b8a6e", "#8e44ad", "#b8860b", "#4d5566")
INK, MUTED, GRID = "#1d2330", "#5b6475", "#e3e7ee"
RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9.5,
    "axes.edgecolor": "#9aa3b2",
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
    "path.simplify": True,
}


@dataclass(frozen=True)
class Series:
    """One model's data for a chart."""

    label: str
    colour: str
    recency: Any  # alignaudit.recency.section.RecencyAnalysis


def svg(fig: Any, key: str) -> str:
    """The figure as an <svg> element: no XML header or metadata, ids prefixed with ``key``,
    scaled by CSS (viewBox kept, fixed width/height dropped), identical for identical input."""
    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": key}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None},
                    bbox_inches="tight", pad_inches=0.05)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)
    text = re.sub(r"<[^>]+>", lambda m: _prefix_ids(m.group(0), key), text)  # tags only
    text = re.sub(r"\n\s*", "\n", text)  # indentation is a third of the bytes
    return text.replace("<svg ", '<svg class="chart" role="img" ', 1).strip()


def _prefix_ids(tag: str, key: str) -> str:
    tag = re.sub(r'\bid="', f'id="{key}-', tag)
    tag = re.sub(r'href="#', f'href="#{key}-', tag)
    return re.sub(r"url\(#", f"url(#{key}-", tag)


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=72)


def logistic_curve(fit: Any, chance: float, start: float, end: float) -> tuple[list, list]:
    """Points of the fitted decline, p = chance + (1 - chance) (lower + (upper - lower) sigmoid)."""
    xs = [start + (end - start) * i / 120 for i in range(121)]
    ys = []
    for x in xs:
        z = max(min(-(x - fit.midpoint) / fit.scale, 60.0), -60.0)
        sig = 1.0 / (1.0 + math.exp(-z))
        ys.append(chance + (1 - chance) * (fit.lower + (fit.upper - fit.lower) * sig))
    return xs, ys


def _cutoff_marks(ax: Any, s: Series, single: bool) -> None:
    est = s.recency.cutoff
    if est is None:
        return
    if est.status == "estimate" and est.cutoff is not None:
        if est.ci_low is not None and est.ci_high is not None:
            ax.axvspan(est.ci_low, est.ci_high, color=s.colour, alpha=0.12, lw=0,
                       label=f"cutoff {est.confidence:.0%} CI" if single else None)
        ax.axvline(est.cutoff, color=s.colour, lw=1.6,
                   label="estimated cutoff" if single else None)
    if est.claimed_cutoff is not None:
        ax.axvline(est.claimed_cutoff, color=s.colour if not single else INK, lw=1.2,
                   ls=(0, (5, 3)), label="claimed cutoff" if single else None)


def _curve(ax: Any, s: Series, i: int, n: int, single: bool) -> None:
    rows = s.recency.by_year
    offset = (i - (n - 1) / 2) * 0.12
    xs = [(r.start + r.end) / 2 + offset for r in rows]
    ys = [r.accuracy for r in rows]
    err = [[max(r.accuracy - r.ci_low, 0.0) for r in rows],
           [max(r.ci_high - r.accuracy, 0.0) for r in rows]]
    ax.errorbar(xs, ys, yerr=err, fmt="o", color=s.colour, ms=5, lw=1.1, capsize=2.5,
                label=("accuracy, 95% Wilson interval" if single else s.label), zorder=3)
    est = s.recency.cutoff
    if est is not None and est.logistic is not None and s.recency.overall is not None:
        lo = est.date_min if est.date_min is not None else rows[0].start
        hi = est.date_max if est.date_max is not None else rows[-1].end
        cx, cy = logistic_curve(est.logistic, s.recency.overall.chance, lo, hi)
        ax.plot(cx, cy, color=s.colour, lw=1.4, alpha=0.85, zorder=2,
                label="logistic fit" if single else None)
    _cutoff_marks(ax, s, single)


def accuracy_chart(series: Sequence[Series], key: str = "acc") -> str:
    """Accuracy by event year (Wilson error bars) with chance, fit, cutoff band, claimed cutoff."""
    import matplotlib as mpl

    drawn = [s for s in series if s.recency is not None and s.recency.by_year]
    if not drawn:
        return ""
    with mpl.rc_context(RC):
        fig = _figure(9.2, 3.6)
        ax = fig.subplots()
        single = len(drawn) == 1
        for i, s in enumerate(drawn):
            _curve(ax, s, i, len(drawn), single)
        chance = drawn[0].recency.overall.chance if drawn[0].recency.overall else None
        if chance:
            ax.axhline(chance, color=MUTED, lw=1, ls=":", label=f"chance ({chance:.0%})")
        years = sorted({math.floor(r.start) for s in drawn for r in s.recency.by_year})
        step = max(1, math.ceil(len(years) / 16))
        ax.set_xticks([y + 0.5 for y in years[::step]], [str(y) for y in years[::step]])
        marks = [x for s in drawn if s.recency.cutoff is not None for x in (
            s.recency.cutoff.claimed_cutoff, s.recency.cutoff.ci_low, s.recency.cutoff.ci_high)
            if x is not None]
        ax.set_xlim(min([years[0] - 0.1, *(x - 0.3 for x in marks)]),
                    max([years[-1] + 1.1, *(x + 0.3 for x in marks)]))
        ax.tick_params(axis="x", length=0)
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
        ax.set_ylabel("correct (likelihood ranking)")
        ax.set_xlabel("year of the event")
        ax.grid(axis="y", color=GRID, lw=0.8)
        ax.set_axisbelow(True)
        _legend(ax, single)
        return svg(fig, key)


def _legend(ax: Any, single: bool) -> None:
    """Models first (or the accuracy marker), then what each kind of mark means."""
    from matplotlib.container import ErrorbarContainer
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)),  # models (or the accuracy marker) first
                   key=lambda i: not isinstance(handles[i], ErrorbarContainer))
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    if not single:
        marks = [(Line2D([], [], color=MUTED, lw=1.4), "logistic fit"),
                 (Line2D([], [], color=MUTED, lw=1.6), "estimated cutoff"),
                 (Patch(color=MUTED, alpha=0.2, lw=0), "cutoff interval"),
                 (Line2D([], [], color=MUTED, lw=1.2, ls=(0, (5, 3))), "claimed cutoff")]
        handles += [h for h, _ in marks]
        labels += [label for _, label in marks]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)


def believed_chart(series: Sequence[Series], key: str = "bel") -> str:
    """Per calendar year, how well the answers to changing facts fit that year's world."""
    import matplotlib as mpl

    drawn = [s for s in series if s.recency is not None and s.recency.believed is not None
             and s.recency.believed.years]
    if not drawn:
        return ""
    with mpl.rc_context(RC):
        fig = _figure(9.2, 2.8)
        ax = fig.subplots()
        single = len(drawn) == 1
        for s in drawn:
            b = s.recency.believed
            xs, ys = [y.year for y in b.years], [y.score for y in b.years]
            if single:
                ax.bar(xs, ys, color=[s.colour if x == b.believed_year else "#b9c6e0"
                                      for x in xs], width=0.75, label="score of the year")
            else:
                ax.plot(xs, ys, "o-", color=s.colour, ms=4, lw=1.4, label=s.label)
                if b.believed_year in xs:
                    ax.plot([b.believed_year], [ys[xs.index(b.believed_year)]], "o", ms=10,
                            color=s.colour, markeredgecolor="white", markeredgewidth=1.5)
            if b.interval_low is not None and b.interval_high is not None:
                ax.axvspan(b.interval_low - 0.45, b.interval_high + 0.45, color=s.colour,
                           alpha=0.10, lw=0,
                           label=f"believed year, {b.confidence:.0%} CI" if single else None)
        years = sorted({y.year for s in drawn for y in s.recency.believed.years})
        step = max(1, math.ceil(len(years) / 16))
        ax.set_xticks(years[::step], [str(y) for y in years[::step]])
        ax.set_ylim(0, 1.0)
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
        ax.set_ylabel("probability on that\nyear's answers")
        ax.grid(axis="y", color=GRID, lw=0.8)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
        return svg(fig, key)


# ------------------------------------------------------------------------------ drift charts

REFERENCE_GREY = "#9aa3b2"
SCATTER_POINTS = 600
"""Most points per side drawn in a projection scatter (an even thinning of the stored sample)."""


def _thin(points: Sequence[Any], limit: int) -> list[Any]:
    """At most ``limit`` of ``points``, evenly spaced (no randomness: the input is a sample)."""
    if len(points) <= limit:
        return list(points)
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


_MARKERS = re.compile(r'(<g clip-path="[^"]*")>\n((?:<use [^>]*/>\n)+)')
_USE = re.compile(r'<use (xlink:href="[^"]*") x="(-?[\d.]+)" y="(-?[\d.]+)" style="([^"]*)"/>')


def _compact_markers(text: str) -> str:
    """A run of marker <use> elements sharing one style gets it once, on their group, and
    positions to 0.1 pt (a scatter's bytes are almost all markers; 0.1 pt is invisible)."""

    def group(m: re.Match[str]) -> str:
        uses = _USE.findall(m.group(2))
        if len(uses) != m.group(2).count("<use") or len({u[3] for u in uses}) != 1:
            return m.group(0)
        body = "".join(f'<use {h} x="{float(x):.1f}" y="{float(y):.1f}"/>\n'
                       for h, x, y, _ in uses)
        return f'{m.group(1)} style="{uses[0][3]}">\n{body}'

    return _MARKERS.sub(group, text)


def projection_chart(projection: Any, colour: str, label: str = "your documents",
                     key: str = "pca", limit: int = SCATTER_POINTS) -> str:
    """Scatter of the 2-D PCA of reference (grey) and user documents (``colour``)."""
    import matplotlib as mpl

    ref = _thin(projection.reference_xy, limit)
    cur = _thin(projection.current_xy, limit)
    if not ref and not cur:
        return ""
    with mpl.rc_context(RC):
        fig = _figure(4.9, 3.7)
        ax = fig.subplots()
        for pts, col, name, z in ((ref, REFERENCE_GREY, "reference", 2), (cur, colour, label, 3)):
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], ls="", marker="o", ms=2.2,
                        mew=0, color=col, alpha=0.6, label=f"{name} ({len(pts):,} shown)",
                        zorder=z)
        var = projection.explained_variance_ratio
        ax.set_xlabel(f"PC1 ({var[0]:.1%} of variance)")
        ax.set_ylabel(f"PC2 ({var[1]:.1%} of variance)")
        ax.tick_params(labelsize=8)
        ax.grid(color=GRID, lw=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=8.5,
                  markerscale=2.5, handletextpad=0.2)
        return _compact_markers(svg(fig, key))


@dataclass(frozen=True)
class PerplexitySeries:
    """One model's per-document perplexities on both sides."""

    label: str
    colour: str
    user: Sequence[float | None]
    reference: Sequence[float | None]


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v) and v > 0]


def perplexity_chart(series: Sequence[PerplexitySeries], key: str = "ppl") -> str:
    """Horizontal box plots (5-95% whiskers) of per-document perplexity, log scale."""
    import matplotlib as mpl

    rows = [(s, side, vals) for s in series for side, vals in
            (("reference", _finite(s.reference)), ("your data", _finite(s.user))) if vals]
    if not rows:
        return ""
    with mpl.rc_context(RC):
        fig = _figure(4.9, 0.5 + 0.42 * len(rows))
        ax = fig.subplots()
        ys = list(range(len(rows)))[::-1]
        box = ax.boxplot([v for _, _, v in rows], positions=ys, vert=False, whis=(5, 95),
                         showfliers=False, widths=0.55, patch_artist=True)
        for patch, med, (s, side, _) in zip(box["boxes"], box["medians"], rows, strict=True):
            patch.set(facecolor=REFERENCE_GREY if side == "reference" else s.colour,
                      alpha=0.55, edgecolor=INK, lw=0.8)
            med.set(color=INK, lw=1.6)
        many = len(series) > 1
        ax.set_yticks(ys, [f"{s.label}: {side}" if many else side for s, side, _ in rows])
        ax.set_xscale("log")
        _log_ticks(ax.xaxis, [v for _, _, vals in rows for v in vals])
        ax.set_xlabel("perplexity per document (log scale)")
        ax.grid(axis="x", color=GRID, lw=0.6, which="both")
        ax.set_axisbelow(True)
        return svg(fig, key)


@dataclass(frozen=True)
class PeriodSeries:
    """One model's per-period medians (a textview.PeriodView)."""

    label: str
    colour: str
    view: Any


def _period_x(start: str, period: str) -> float:
    year, month = int(start[:4]), int(start[5:7])
    middle = {"month": 0.5, "quarter": 1.5, "year": 6.0}.get(period, 0.5)  # months into it
    return year + (month - 1 + middle) / 12


def period_chart(series: Sequence[PeriodSeries], ylabel: str, key: str, log: bool = False,
                 lines: Sequence[tuple[float, str]] = (), named: bool = False) -> str:
    """Median per month/quarter with its bootstrap interval; change point dashed; ``lines``
    are horizontal reference levels (value, label); ``named``: legend by model even for one."""
    import matplotlib as mpl

    drawn = [s for s in series if s.view is not None and s.view.rows]
    if not drawn:
        return ""
    with mpl.rc_context(RC):
        fig = _figure(9.2, 2.9)
        ax = fig.subplots()
        many = named or len(drawn) > 1
        for i, s in enumerate(drawn):
            _period_series(ax, s, (i - (len(drawn) - 1) / 2) * 0.04, many)
        for k, (value, name) in enumerate(lines):
            ax.axhline(value, color=MUTED, lw=1, ls=":" if k else (0, (4, 3)), label=name)
        if log:
            ax.set_yscale("log")
            _log_ticks(ax.yaxis, [v for s in drawn for r in s.view.rows for v in
                                  (r.median, r.ci_low, r.ci_high) if v is not None])
        _period_ticks(ax, drawn)
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", color=GRID, lw=0.8)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
        return svg(fig, key)


def _log_ticks(axis: Any, values: Sequence[float]) -> None:
    """Readable ticks on a log axis: 1-2-5 steps over a wide range, plain steps over a narrow
    one (where a log locator would leave a single label), no minor labels."""
    import matplotlib as mpl

    positive = [v for v in values if v > 0]
    wide = bool(positive) and max(positive) / min(positive) >= 4
    axis.set_major_locator(mpl.ticker.LogLocator(subs=(1.0, 2.0, 5.0)) if wide
                           else mpl.ticker.MaxNLocator(nbins=5))
    axis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_locator(mpl.ticker.NullLocator())


def _period_ticks(ax: Any, drawn: Sequence[PeriodSeries]) -> None:
    """Years on the x axis; the periods themselves when the data spans under two years."""
    rows = {(r.start, r.label): _period_x(r.start, s.view.period)
            for s in drawn for r in s.view.rows}
    xs = sorted(rows.values())
    first, last = math.floor(xs[0]), math.floor(xs[-1])
    if xs[-1] - xs[0] < 2:
        marks = sorted((x, label) for (_, label), x in rows.items())
        marks = marks[:: max(1, math.ceil(len(marks) / 6))]
        ax.set_xticks([x for x, _ in marks], [label for _, label in marks])
        ax.set_xlim(xs[0] - 0.08, xs[-1] + 0.08)
        return
    step = max(1, math.ceil((last - first + 1) / 14))
    ax.set_xticks(range(first, last + 2, step), [str(y) for y in range(first, last + 2, step)])
    ax.set_xlim(first - 0.05, xs[-1] + 0.3)


def _period_series(ax: Any, s: PeriodSeries, offset: float, many: bool) -> None:
    view = s.view
    xs = [_period_x(r.start, view.period) + offset for r in view.rows]
    ys = [r.median for r in view.rows]
    err = [[max(r.median - r.ci_low, 0.0) if r.ci_low is not None else 0.0 for r in view.rows],
           [max(r.ci_high - r.median, 0.0) if r.ci_high is not None else 0.0 for r in view.rows]]
    name = f"median per {view.period}, {view.confidence:.0%} interval"
    ax.errorbar(xs, ys, yerr=err, fmt="o-", color=s.colour, ms=3.5, lw=0.9, elinewidth=0.9,
                capsize=0, alpha=0.9, label=s.label if many else name, zorder=3)
    point = view.trend.change_point
    if point is not None:
        after = next((r for r in view.rows if r.label == point.after), None)
        first = next((r for r in view.rows if r.label == point.first_changed), None)
        if after is not None and first is not None:
            where = (_period_x(after.start, view.period) + _period_x(first.start, view.period)) / 2
            ax.axvline(where, color=s.colour, lw=1.2, ls=(0, (5, 3)),
                       label=None if many else f"change point ({point.after} → "
                                               f"{point.first_changed})")
