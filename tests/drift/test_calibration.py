"""The alignment bands' rule, the panel positions, the general reference and the novel-term
document share: small hand-made tables and texts whose answers can be checked by hand."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from alignaudit.backends.fake import FakeBackend
from alignaudit.config import DataSettings
from alignaudit.drift import calibration as cal
from alignaudit.drift.modelview import novel_terms
from alignaudit.drift.reference import general_reference
from alignaudit.drift.section import load_reference
from alignaudit.judge.verdict import Thresholds

ROOT = Path(__file__).resolve().parents[2]
REAL = cal.REAL_GENRES


def test_band_rule_warns_above_the_upper_quartile_and_fails_beyond_the_furthest():
    band = cal.place_band([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (band.warn, band.fail) == (4.0, 5.0)
    assert cal.place_band([2.0, float("nan"), 1.0]).fail == 2.0
    # typical real text below the reference itself: the warn edge stays at the reference's value
    floored = cal.place_band([0.8, 0.85, 0.9, 0.95, 1.8], neutral=1.0)
    assert (floored.warn, floored.fail) == (1.0, 1.8)
    with pytest.raises(ValueError):
        cal.place_band([])


def test_bands_use_the_real_genres_of_every_model_only():
    panel = {"m1": {"a": {"perplexity_ratio": 1.0}, "b": {"perplexity_ratio": 3.0},
                    "fake": {"perplexity_ratio": 50.0}},
             "m2": {"a": {"perplexity_ratio": 2.0}, "b": {"perplexity_ratio": 4.0}}}
    band = cal.bands(panel, real=("a", "b"))["perplexity_ratio"]
    assert band.fail == 4.0  # the made-up genre at 50x moves nothing
    assert band.warn == pytest.approx(float(np.quantile([1.0, 3.0, 2.0, 4.0], 0.75)))


def test_the_defaults_follow_the_rule_on_the_shipped_panel():
    """The verdict's default bands are the rule applied to PANEL (the table in
    docs/alignment.md), not numbers typed separately."""
    placed = cal.bands(cal.PANEL, REAL)
    t = Thresholds()
    for figure in cal.MODEL_VIEW:
        assert getattr(t, f"{figure}_warn") == pytest.approx(placed[figure].warn, abs=0.01)
        assert getattr(t, f"{figure}_fail") == pytest.approx(placed[figure].fail, abs=0.01)


ROWS = {"changelogs": {"perplexity_ratio": 4.1}, "python": {"perplexity_ratio": 9.8},
        "encyclopedia": {"perplexity_ratio": 0.8}}


@pytest.mark.parametrize(("value", "words"), [
    (6.4, "between release notes (4.1×) and Python source (9.8×)"),
    (0.5, "below every panel genre (lowest: encyclopedia leads 0.8×)"),
    (12.0, "beyond every panel genre (furthest: Python source 9.8×)"),
    (4.1, "between release notes (4.1×) and Python source (9.8×)")])
def test_position_names_the_neighbouring_genres(value, words):
    assert cal.position("perplexity_ratio", value, ROWS) == words


def test_positions_leave_out_the_made_up_tickets():
    from alignaudit.drift.modelview import Fertility, FertilityComparison

    side = Fertility(n_docs=1, n_tokens=1, n_words=1, tokens_per_word=1.0, median_per_doc=1.0)
    fert = FertilityComparison(user=side, reference=side, ratio=0.83, sentence="")
    figures = cal.measure(None, fert, None, None, "smollm2-135m")
    assert figures.panel_model == "smollm2-135m"
    assert "tickets" not in figures.positions["fertility_ratio"]


def test_measure_without_a_model_places_only_the_embedding_figure():
    figures = cal.measure(None, None, None, None, None)
    assert figures.perplexity_ratio is None and figures.positions == {}


def test_general_reference_mixes_genres_and_never_holds_a_panel_document():
    texts, part = general_reference(np.random.default_rng(0))
    assert len(texts) == 300 and "encyclopedia leads 50" in part.name
    panel = set()
    for path in (ROOT / "data" / "panel").glob("*.jsonl.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            panel |= {json.loads(line)["text"] for line in fh}
    assert panel and not panel & set(texts)
    fewer, _ = general_reference(np.random.default_rng(0), exclude="python")
    assert len(fewer) == 250


def test_default_reference_adds_the_models_samples(tmp_path):
    settings = DataSettings(paths=[str(tmp_path)], reference_size=40)
    said: list[str] = []
    texts, info = load_reference(settings, np.random.default_rng(0), None, said.append)
    assert info.kind == "general" and len(info.parts) == 1 and len(texts) == 40
    backend = FakeBackend.load("fake")
    texts, info = load_reference(settings, np.random.default_rng(0), backend, said.append)
    assert [p.source for p in info.parts][1] == backend.info.display_name
    assert len(texts) == 40 + info.parts[1].n and info.parts[1].n > 0
    general, _ = load_reference(settings.model_copy(update={"reference": "general"}),
                                np.random.default_rng(0), backend, said.append)
    assert len(general) == 40  # `general` is the mix alone


def test_novel_doc_share_counts_documents_holding_a_novel_term():
    user = [f"the Zqxwvb gadget number {i}" for i in range(4)] + \
           [f"plain words only here {i}" for i in range(6)]
    ref = ["plain words only here"] * 5

    def pieces(terms):  # 'Zqxwvb' and phrases with it split into many pieces, the rest whole
        return [6 if "zqxwvb" in t.lower() else len(t.split()) for t in terms]

    found = novel_terms(user, ref, pieces, None, min_docs=3)
    assert found.n_novel >= 1 and found.novel_doc_share == pytest.approx(0.4)
