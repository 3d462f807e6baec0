"""``Frozen``: the pydantic base of alignaudit's typed data (probes, settings, results).

Frozen, so a value cannot change after it is validated; ``extra="forbid"``, so an unknown or
misspelt field (in a suite's YAML, a hand-edited results.json) is an error, not dropped. Models
that differ say so where they are declared: ``result.py``'s blocks are not frozen (the runner
fills in gates, environment and runtime after the analysis), and the backends' request and info
types are frozen without ``extra="forbid"``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable after validation; unknown fields are rejected; a docstring under a field is its
    description."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
