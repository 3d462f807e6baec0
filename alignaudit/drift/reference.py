"""The default reference for a model's pre-training domain: a mix of real text of several genres,
plus the model's own samples when a model is given.

One genre (encyclopedia leads) is far from almost any team's data, whatever the model, so the
default stands for a pre-training mix instead: 50 documents each of encyclopedia text, literary
prose, Python source, software release notes, license texts and man pages (built by
``scripts/build_panel.py``; disjoint from the calibration panel's documents), and what the model
writes when given short generic openings. Both parts are named on the page.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
from pydantic import Field

from alignaudit._util.errors import UserError
from alignaudit._util.frozen import Frozen
from alignaudit.backends.base import Backend

GENERAL_FILE = Path(__file__).parent / "data" / "general_reference.jsonl.gz"
GENRE_NAMES = {
    "encyclopedia": "encyclopedia leads", "literary": "literary prose", "python": "Python source",
    "changelogs": "release notes", "legal": "license texts", "manpages": "man pages",
    "tickets": "support tickets (made up)",
}
"""Panel genre ids and how the page names them."""
MODEL_SAMPLES = 64
"""Texts sampled from the model for the default reference: enough to stand for what it writes,
few enough to cost well under a minute for a small model on a CPU."""
SAMPLE_TOKENS = 64
OPENINGS = ["The", "In", "A", "It", "This", "When", "One", "After", "We", "There is",
            "According to", "Many", "On", "For", "Today", "I"]

WHY_GENERAL = ("Real text of six genres that pre-training mixes hold (encyclopedia leads, "
               "literary prose, Python source, release notes, license texts, man pages; 50 "
               "each, see docs/alignment.md): no single genre stands for what a general model "
               "read, so no single genre makes every team's data look far away.")
WHY_SAMPLES = ("Text the model wrote itself from short generic openings (seeded): what it finds "
               "most natural to write is a proxy of its own training distribution.")


class ReferencePart(Frozen):
    """One part of a mixed reference."""

    name: str = Field(description="What the part is, for the page.")
    source: str = Field(description="File, package or model behind it.")
    n: int = Field(description="Documents it gave.")
    why: str = Field(description="Why it stands for the pre-training domain.")


def general_reference(rng: np.random.Generator, n: int | None = None, exclude: str | None = None
                      ) -> tuple[list[str], ReferencePart]:
    """The shipped mixed-genre texts (all of them, or ``n`` drawn with ``rng`` in file order);
    ``exclude``: leave out one genre (how the calibration measures a genre the reference lacks)."""
    try:
        with gzip.open(GENERAL_FILE, "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        rows = [r for r in rows if r["genre"] != exclude]
    except (OSError, ValueError) as exc:
        raise UserError(f"{GENERAL_FILE}: the shipped general reference could not be read "
                        f"({exc}); reinstall alignaudit, or pass --reference FILE.") from None
    if n is not None and n < len(rows):
        rows = [rows[i] for i in np.sort(rng.choice(len(rows), n, replace=False))]
    genres = Counter(r["genre"] for r in rows)
    mix = ", ".join(f"{GENRE_NAMES.get(g, g)} {k}" for g, k in sorted(genres.items()))
    return [r["text"] for r in rows], ReferencePart(
        name=f"general text mix ({mix})", source="alignaudit general reference "
        "(scripts/build_panel.py)", n=len(rows), why=WHY_GENERAL)


def openings(n: int) -> list[str]:
    return [OPENINGS[i % len(OPENINGS)] for i in range(n)]


def model_samples(backend: Backend, n: int, seed: int) -> tuple[list[str], ReferencePart]:
    """``n`` seeded samples of the model from generic openings (texts under 5 words dropped)."""
    starts = openings(n)
    written = backend.sample(starts, max_new_tokens=SAMPLE_TOKENS, seed=seed)
    texts = [t for t in (o + s for o, s in zip(starts, written, strict=True))
             if len(t.split()) >= 5]
    return texts, ReferencePart(
        name=f"{len(texts)} texts sampled from {backend.info.display_name}",
        source=backend.info.display_name, n=len(texts), why=WHY_SAMPLES)
