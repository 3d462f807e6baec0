"""How far the user's data is from the model, placed against a panel of real text.

The alignment figures (perplexity ratio against the reference, share of documents holding a
novel term, fertility ratio, out-of-domain share) mean little as bare numbers: a perplexity ratio
of 3 is far for encyclopedia text and ordinary for release notes. So each figure is placed in a
calibration panel: small corpora of real text of different genres (``data/panel/``, built by
``scripts/build_panel.py``), each read through the bundled models against the default reference
by ``scripts/calibrate_alignment.py``, which writes the table in docs/alignment.md. ``PANEL``
below is that table; the pass/warn/fail bands are placed on it by :func:`place_band`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.drift.modelview import FertilityComparison, NovelTerms, PerplexityView
from alignaudit.drift.reference import GENRE_NAMES
from alignaudit.drift.stats import Novelty

FIGURES = ("perplexity_ratio", "novel_term_share", "fertility_ratio", "out_of_domain_share")
"""The alignment figures, in page order (the same names as the ``--fail-on`` metrics)."""
MODEL_VIEW = FIGURES[:3]
"""The figures read through the model: they decide the alignment verdict. The out-of-domain
share is read through the embedder and is evidence beside it."""
UNITS = {"perplexity_ratio": "×", "novel_term_share": "%", "fertility_ratio": "×",
         "out_of_domain_share": "%"}
REAL_GENRES = ("encyclopedia", "literary", "python", "changelogs", "legal", "manpages")
"""The panel's real genres: the bands and the positions use these (the made-up demo tickets are
in the table only)."""
WARN_QUANTILE = 0.75
NEUTRAL = {"perplexity_ratio": 1.0, "novel_term_share": 0.0, "fertility_ratio": 1.0,
           "out_of_domain_share": 0.05}
"""Each figure's value for data like the reference itself (the out-of-domain share expected with
no drift is 5%): the warn edge is never below it, since the reference is typical by definition."""
BAND_RULE = ("Bands are placed on the real genres of the calibration panel (every real corpus × "
             "bundled model; the made-up support tickets are left out): warn above the panel's "
             f"{WARN_QUANTILE:.0%} quantile (further than typical real text; never below the "
             "value of data like the reference itself, a ratio of 1), fail above its largest "
             "value (further from the model than real text of any genre in the panel).")


class Band(Frozen):
    """Where pass ends and fail begins for one figure (higher is further)."""

    warn: float = Field(description="Warn above this.")
    fail: float = Field(description="Fail above this.")


class AlignmentFigures(Frozen):
    """The user's data as the model sees it, and where each figure falls in the panel."""

    perplexity_ratio: float | None = Field(default=None, description="Median perplexity on your "
                                           "data / on the reference.")
    perplexity_ratio_ci: tuple[float, float] | None = Field(default=None, description="Its "
                                                            "95% bootstrap interval.")
    novel_term_share: float | None = Field(default=None, description="Share of your documents "
                                           "holding a term new to the model.")
    n_novel_terms: int | None = Field(default=None, description="Terms new to the model.")
    fertility_ratio: float | None = Field(default=None, description="Tokens per word on your "
                                          "data / on the reference.")
    out_of_domain_share: float | None = Field(default=None, description="Share of your documents "
                                              "farther from the reference than 95% of its own "
                                              "(embedding evidence).")
    panel_model: str | None = Field(default=None, description="The bundled model whose panel "
                                    "row the figures are placed against.")
    positions: dict[str, str] = Field(default_factory=dict, description="Per figure, where it "
                                      "falls in the panel, in words.")


def place_band(values: Sequence[float], neutral: float = 0.0) -> Band:
    """The rule in :data:`BAND_RULE`, applied to one figure's real-genre panel values;
    ``neutral``: the figure's value for data like the reference (the lowest warn edge)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        raise ValueError("place_band needs at least one finite panel value")
    warn = max(float(np.quantile(arr, WARN_QUANTILE)), neutral)
    return Band(warn=warn, fail=max(float(arr.max()), warn))


def bands(panel: Mapping[str, Mapping[str, Mapping[str, float]]],
          real: Sequence[str]) -> dict[str, Band]:
    """Every figure's band from a panel table ``{model: {genre: {figure: value}}}``, using the
    genres in ``real`` only (a figure no real genre has gets no band)."""
    values = {f: [row[f] for rows in panel.values() for g, row in rows.items()
                  if g in real and f in row] for f in FIGURES}
    return {f: place_band(v, NEUTRAL[f]) for f, v in values.items() if v}


def shown(figure: str, value: float) -> str:
    """'6.41×', '12%'."""
    return f"{value:.0%}" if UNITS[figure] == "%" else f"{value:.3g}×" if value < 100 \
        else f"{value:.0f}×"


def position(figure: str, value: float, rows: Mapping[str, Mapping[str, float]]) -> str:
    """Where ``value`` falls among the panel genres ``rows`` ({genre: {figure: value}})."""
    ranked = sorted((row[figure], GENRE_NAMES.get(g, g)) for g, row in rows.items()
                    if figure in row)
    if not ranked:
        return ""
    below = [(v, n) for v, n in ranked if v <= value]
    above = [(v, n) for v, n in ranked if v > value]
    if not below:
        return f"below every panel genre (lowest: {above[0][1]} {shown(figure, above[0][0])})"
    if not above:
        return f"beyond every panel genre (furthest: {below[-1][1]} " \
               f"{shown(figure, below[-1][0])})"
    (lv, ln), (hv, hn) = below[-1], above[0]
    return f"between {ln} ({shown(figure, lv)}) and {hn} ({shown(figure, hv)})"


def panel_row(model: str | None) -> tuple[str, Mapping[str, Mapping[str, float]]]:
    """The panel measured on ``model`` when it is a bundled one, else the first model's."""
    name = (model or "").lower()
    for alias, rows in PANEL.items():
        if alias in name or name.startswith(alias.split("-")[0]) and name:
            return alias, rows
    alias = next(iter(PANEL))
    return alias, PANEL[alias]


def measure(perplexity: PerplexityView | None, fertility: FertilityComparison | None,
            terms: NovelTerms | None, novelty: Novelty | None,
            model: str | None) -> AlignmentFigures:
    """The alignment figures of one run, placed in the panel of ``model`` (display name or
    alias; another model is placed against the first bundled model's panel)."""
    values: dict[str, float | None] = {
        "perplexity_ratio": perplexity.median_ratio if perplexity else None,
        "novel_term_share": terms.novel_doc_share if terms else None,
        "fertility_ratio": fertility.ratio if fertility else None,
        "out_of_domain_share": novelty.out_of_domain_share if novelty else None,
    }
    alias, rows = panel_row(model) if model else (None, PANEL_EMBEDDER)
    rows = {g: row for g, row in rows.items() if g in REAL_GENRES}
    positions = {f: position(f, v, rows) for f, v in values.items()
                 if v is not None and np.isfinite(v)}
    return AlignmentFigures(
        **values, perplexity_ratio_ci=perplexity.ratio_ci if perplexity else None,
        n_novel_terms=terms.n_novel if terms else None, panel_model=alias,
        positions={f: p for f, p in positions.items() if p})


# The calibration table of docs/alignment.md (written by scripts/calibrate_alignment.py):
# per bundled model, per panel genre, the alignment figures against the default reference.
def _row(*values: float) -> dict[str, float]:
    return dict(zip(FIGURES, values, strict=True))


PANEL: dict[str, dict[str, dict[str, float]]] = {
    "smollm2-135m": {  # perplexity ratio, novel-term share, fertility ratio, out-of-domain
        "encyclopedia": _row(0.4357, 0.035, 0.9373, 0.915),
        "literary": _row(2.5265, 0.485, 0.8634, 0.045),
        "python": _row(0.3891, 0.475, 1.7635, 0.0),
        "changelogs": _row(5.5755, 0.34, 0.8905, 0.095),
        "legal": _row(1.762, 0.23, 0.8149, 0.055),
        "manpages": _row(1.8986, 0.52, 0.8964, 0.045),
        "tickets": _row(3.6955, 0.355, 0.827, 0.285),
    },
    "gemma3-270m": {
        "encyclopedia": _row(0.5266, 0.045, 0.9421, 0.83),
        "literary": _row(2.5415, 0.45, 0.8678, 0.07),
        "python": _row(0.3595, 0.435, 1.8209, 0.03),
        "changelogs": _row(5.7703, 0.18, 0.9875, 0.15),
        "legal": _row(1.7698, 0.11, 0.8417, 0.04),
        "manpages": _row(1.9856, 0.31, 0.9078, 0.03),
        "tickets": _row(3.1518, 0.235, 0.8283, 0.195),
    },
}
PANEL_EMBEDDER: dict[str, dict[str, float]] = {
    "encyclopedia": {"out_of_domain_share": 1.0},
    "literary": {"out_of_domain_share": 0.44},
    "python": {"out_of_domain_share": 0.02},
    "changelogs": {"out_of_domain_share": 0.125},
    "legal": {"out_of_domain_share": 0.08},
    "manpages": {"out_of_domain_share": 0.02},
    "tickets": {"out_of_domain_share": 0.27},
}
"""Out-of-domain share per genre against the general reference alone (no model samples): where
a run without a model is placed."""
