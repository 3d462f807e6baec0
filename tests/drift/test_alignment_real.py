"""The fit verdict on real text through the real SmolLM2-135M and all-MiniLM-L6-v2, against the
default reference (general mix plus the model's samples): encyclopedia text is not flagged, the
demo tickets get a verdict that cites the model's view with the status the bands give, and a
``--fail-on`` gate on the perplexity ratio passes for encyclopedia text and fails for a genre
the calibration panel places far away. Small: 40 documents a side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from alignaudit.config import DataSettings
from alignaudit.drift.section import DataAlignment, analyse_data, load_reference
from alignaudit.judge.conditions import parse
from alignaudit.judge.gates import check
from alignaudit.judge.verdict import Thresholds, drift_line, times
from alignaudit.result import ModelAudit

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FAR = "changelogs"
"""The real genre furthest from SmolLM2 in the panel (docs/alignment.md)."""


def _analyse(backend, embedder, reference, path: Path, **columns: str) -> DataAlignment:
    settings = DataSettings(paths=[str(path)], sample=40, model_docs=30, n_permutations=20,
                            **columns)
    return analyse_data(settings, backend, np.random.default_rng(0), lambda _: None, embedder,
                        reference=reference)


@pytest.fixture(scope="module")
def embedder():
    from alignaudit.drift.embed import Embedder

    return Embedder.load(None)


@pytest.fixture(scope="module")
def audits(smollm2_backend, embedder) -> dict[str, ModelAudit]:
    panel = ROOT / "data" / "panel"
    # the default reference (general mix + the model's samples), drawn once for the three runs
    ref = load_reference(DataSettings(paths=[str(panel)]), np.random.default_rng(0),
                         smollm2_backend, lambda _: None)
    runs = {
        "encyclopedia": _analyse(smollm2_backend, embedder, ref,
                                 panel / "encyclopedia.jsonl.gz", text_column="text"),
        FAR: _analyse(smollm2_backend, embedder, ref, panel / f"{FAR}.jsonl.gz",
                      text_column="text"),
        "tickets": _analyse(smollm2_backend, embedder, ref,
                            ROOT / "data" / "samples" / "support_tickets.jsonl",
                            text_column="body", date_column="created"),
    }
    return {name: ModelAudit(model=smollm2_backend.info, drift=a) for name, a in runs.items()}


def test_encyclopedia_text_is_not_flagged(audits):
    a = audits["encyclopedia"]
    assert a.drift.reference.kind == "general" and len(a.drift.reference.parts) == 2
    line = drift_line(a, Thresholds())
    assert line.status == "pass", line.sentence


def test_demo_tickets_verdict_cites_the_models_view_with_the_bands_status(audits):
    a, t = audits["tickets"], Thresholds()
    line = drift_line(a, t)
    f = a.drift.figures
    assert f is not None and f.perplexity_ratio is not None and f.novel_term_share is not None
    assert line.headline.startswith(f"perplexity {times(f.perplexity_ratio)} the reference")
    assert f"{f.n_novel_terms} novel terms" in line.headline
    assert f.positions["perplexity_ratio"] in line.sentence
    low = f.perplexity_ratio_ci[0] if f.perplexity_ratio_ci else f.perplexity_ratio
    by_band = ["fail" if low > t.perplexity_ratio_fail else
               "warn" if f.perplexity_ratio > t.perplexity_ratio_warn else "pass",
               "fail" if f.novel_term_share > t.novel_term_share_fail else
               "warn" if f.novel_term_share > t.novel_term_share_warn else "pass",
               "fail" if f.fertility_ratio > t.fertility_ratio_fail else
               "warn" if f.fertility_ratio > t.fertility_ratio_warn else "pass"]
    assert line.status == max(by_band, key=["pass", "warn", "fail"].index)


def test_a_perplexity_gate_passes_aligned_text_and_fails_a_far_genre(audits):
    gate = parse(f"perplexity_ratio>{Thresholds().perplexity_ratio_warn}")
    near, far = check([gate], [audits["encyclopedia"], audits[FAR]])
    assert not near.failed and far.failed, (near.reason, far.reason)
    assert not check([parse("out_of_domain_share>1")], [audits[FAR]])[0].failed
