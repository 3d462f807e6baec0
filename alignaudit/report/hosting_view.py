"""The "Hosting: adopt or rent" section: each column's hosting block ready for the template,
and the chart of monthly cost against volume.

``hosting_page(cols)`` reads only the saved :class:`~alignaudit.hosting.estimate.Hosting` of each
model (figures, their units and assumptions); the chart redraws the cost lines from the same
inputs with the formulas of :mod:`alignaudit.hosting.costs`. Pure, like the rest of the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alignaudit.hosting.costs import (
    Figure,
    api_at,
    api_reason,
    hardware_reason,
    machines,
    self_hosted_at,
)
from alignaudit.hosting.estimate import Hosting
from alignaudit.report import charts
from alignaudit.report.columns import Column

CHART_POINTS = 600


def money(value: float | None) -> str:
    """Dollars a month: ``$1,234/month``, cents under $100."""
    if value is None:
        return "–"
    return f"${value:,.2f}/month" if value < 100 else f"${value:,.0f}/month"


def tokens(value: float | None, unit: str = "tokens/month") -> str:
    """A token count with k/M/B: ``20M tokens/month``, ``1.22B tokens/month``."""
    if value is None:
        return "–"
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, "")):
        if value >= scale or scale == 1.0:
            scaled = value / scale
            text = f"{scaled:,.0f}" if scaled >= 1000 else f"{scaled:.3g}"
            return f"{text}{suffix} {unit}".strip()
    raise AssertionError("unreachable")


def shown(figure: Figure) -> str:
    """A figure in words with its unit, or why there is none."""
    if figure.value is None:  # a volume that does not exist is "none"; a bill unknown
        return f"{'none' if figure.unit == 'tokens/month' else 'no figure'}: {figure.reason}"
    return money(figure.value) if figure.unit == "$/month" else tokens(figure.value, figure.unit)


@dataclass(frozen=True)
class HostingView:
    """One model's hosting figures, formatted, beside its column."""

    col: Column
    h: Hosting
    rows: list[dict[str, Any]]
    """Each figure: label (with unit), value as text, whether measured, its assumptions."""
    machines: int | None
    """Machines the volume needs at the measured capacity, when both are known."""

    @property
    def capacity(self) -> str:
        return tokens(self.h.capacity)


def _rows(h: Hosting) -> list[dict[str, Any]]:
    volume = h.volume.tokens_per_month if h.volume else None
    figures = [("Self-hosted at your volume ($/month)", h.self_hosted),
               ("API at your volume ($/month)", h.api),
               ("Break-even volume (tokens/month)", h.break_even)]
    said = h.volume.assumption if h.volume else None  # shown once, on the volume's own row
    rows: list[dict[str, Any]] = [
        {"label": label, "text": shown(f), "known": f.value is not None,
         "assumptions": [a for a in f.assumptions if a != said]} for label, f in figures]
    rows.insert(0, {"label": "Your volume (tokens/month)", "known": volume is not None,
                    "text": tokens(volume) if volume else "no --volume given",
                    "assumptions": [h.volume.assumption] if h.volume else []})
    return rows


def view(col: Column) -> HostingView | None:
    h = col.audit.hosting
    if h is None:
        return None
    n = machines(h.volume.tokens_per_month, h.capacity) if h.volume and h.capacity else None
    return HostingView(col=col, h=h, rows=_rows(h), machines=n)


@dataclass(frozen=True)
class HostingPage:
    """The section: one view per model with a hosting block, and the chart."""

    models: list[HostingView]
    chart_svg: str


def hosting_page(cols: Sequence[Column], chart: bool = True) -> HostingPage | None:
    """The section, or None when no model has a hosting block; ``chart=False`` for the
    Markdown summary and the terminal, which show the figures only."""
    views = [v for c in cols if (v := view(c)) is not None]
    if not views:
        return None
    return HostingPage(models=views, chart_svg=cost_chart(views) if chart else "")


def serving_text(h: Hosting) -> str:
    """The serving probe's figures in one line (for the summary and the terminal)."""
    s = h.serving
    if s is None:
        return f"not measured ({h.serving_note})" if h.serving_note else "not measured"
    return (f"{s.output_per_second or 0:,.1f} generated tokens/s, latency p50 "
            f"{s.latency_p50:.2f} s / p95 {s.latency_p95:.2f} s ({s.n_requests} requests of "
            f"{s.asked_tokens} tokens together; {s.how})")


def console_lines(h: Hosting) -> list[str]:
    """The hosting figures for the terminal summary, each with its assumptions."""
    lines = ["  hosting (adopt or rent):"]
    for row in _rows(h):
        lines.append(f"    {row['label']}: {row['text']}")
        lines += [f"      - {a}" for a in row["assumptions"]]
    if h.cheaper:
        cheaper = "the API" if h.cheaper == "api" else "self-hosted"
        lines.append(f"    cheaper at your volume: {cheaper}")
    lines.append(f"    serving: {serving_text(h)}")
    return lines


# ------------------------------------------------------------------------------ the chart


def _span(views: Sequence[HostingView]) -> tuple[float, float]:
    """The volumes the chart spans: a decade around every volume, break-even and capacity."""
    marks = [x for v in views for x in (
        v.h.volume.tokens_per_month if v.h.volume else None, v.h.break_even.value) if x]
    marks = marks or [1e6, 1e9]
    top = max(marks) * 100  # a capacity far beyond the rest would squash them to one side
    marks += [c for v in views if (c := v.h.capacity) and c < top]
    return 10 ** math.floor(math.log10(min(marks)) - 1), 10 ** math.ceil(math.log10(max(marks)) + 1)


def _api_key(h: Hosting) -> tuple[Any, ...] | None:
    """What an API line depends on; None when there is no API line."""
    if api_reason(h.api_price) is not None:
        return None
    return (h.api_price, h.prompt_tokens, h.answer_tokens)


def _shared_api(ax: Any, views: Sequence[HostingView], xs: list[float]) -> list[float]:
    """One API line for the candidates whose API lines would coincide (same prices and mix),
    in grey and named for them all, so that none hides another; their values."""
    keys = [_api_key(v.h) for v in views]
    shared = keys[0] if len(views) > 1 and keys[0] is not None and len(set(keys)) == 1 else None
    if shared is None:
        return []
    h = views[0].h
    assert h.api_price is not None
    ys = [api_at(x, h.api_price, h.prompt_tokens, h.answer_tokens) for x in xs]
    ax.plot(xs, ys, color=charts.MUTED, lw=1.5, ls=(0, (5, 3)),
            label="API (" + ", ".join(v.col.label for v in views) + ")")
    return ys


def _lines(ax: Any, v: HostingView, xs: list[float], api: bool = True) -> list[float]:
    """Draw one model's self-hosted (solid, stepped) and, with ``api``, API (dashed) lines;
    their values."""
    h, drawn = v.h, []
    if hardware_reason(h.price_per_hour) is None and h.price_per_hour:
        ys = [self_hosted_at(x, h.price_per_hour, h.capacity) for x in xs]
        ax.plot(xs, ys, color=v.col.colour, lw=1.8, drawstyle="steps-post",
                label=f"{v.col.label}: self-hosted")
        drawn += ys
    if api and api_reason(h.api_price) is None and h.api_price:
        ys = [api_at(x, h.api_price, h.prompt_tokens, h.answer_tokens) for x in xs]
        ax.plot(xs, ys, color=v.col.colour, lw=1.5, ls=(0, (5, 3)), label=f"{v.col.label}: API")
        drawn += ys
    for figure in (h.self_hosted, h.api):  # each bill at your volume, on its line
        if figure.value is not None and h.volume is not None:
            ax.plot([h.volume.tokens_per_month], [figure.value], "s", ms=5, zorder=4,
                    color=v.col.colour, markeredgecolor="white", mew=1)
    if h.break_even.value is not None and h.price_per_hour:
        x = h.break_even.value
        y = self_hosted_at(x, h.price_per_hour, h.capacity)
        ax.plot([x], [y], "o", ms=8, color=v.col.colour, markeredgecolor="white", mew=1.5,
                zorder=4, label=f"{v.col.label}: break-even {tokens(x)}")
    return drawn


def cost_chart(views: Sequence[HostingView], key: str = "cost") -> str:
    """Monthly cost ($/month) against volume (tokens/month, log-log), per model."""
    import matplotlib as mpl

    lo, hi = _span(views)
    xs = [lo * (hi / lo) ** (i / (CHART_POINTS - 1)) for i in range(CHART_POINTS)]
    with mpl.rc_context(charts.RC):
        from matplotlib.figure import Figure as MplFigure

        fig = MplFigure(figsize=(9.2, 3.8), dpi=72)
        ax = fig.subplots()
        shared = _shared_api(ax, views, xs)
        values = [y for v in views for y in _lines(ax, v, xs, api=not shared) if y > 0]
        values += [y for y in shared if y > 0]
        if not values:
            return ""
        volumes = sorted({v.h.volume.tokens_per_month for v in views if v.h.volume})
        for k, volume in enumerate(volumes):
            ax.axvline(volume, color=charts.INK, lw=1.1, ls=":",
                       label=f"your volume ({tokens(volume)})" if k == 0 or len(volumes) > 1
                       else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(min(values) / 2, max(values) * 2)
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda x, _: tokens(x, "")))
        ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda y, _: f"${y:,.0f}"
                                                              if y >= 1 else f"${y:g}"))
        ax.set_xlabel("volume (tokens/month, log scale)")
        ax.set_ylabel("monthly cost ($/month, log scale)")
        ax.grid(color=charts.GRID, lw=0.6, which="major")
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
        return charts.svg(fig, key)
