"""alignaudit: audit a language model's knowledge recency and its fit to your data.

From Python (a notebook, a script)::

    import alignaudit

    result = alignaudit.audit(model="smollm2-135m", probes=["recency"])
    result                       # in Jupyter: the report, inline
    alignaudit.load("audit/results.json")

``audit`` and ``load`` live in :mod:`alignaudit.api` and are imported on first use, so
``import alignaudit`` stays light (no torch, no transformers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alignaudit._version import __version__

if TYPE_CHECKING:
    from alignaudit.api import AuditResult, audit, load

__all__ = ["AuditResult", "__version__", "audit", "load"]


def __getattr__(name: str) -> Any:
    """``audit``, ``load`` and ``AuditResult``, imported from :mod:`alignaudit.api` on first use."""
    if name in ("audit", "load", "AuditResult"):
        from alignaudit import api

        return getattr(api, name)
    raise AttributeError(f"module 'alignaudit' has no attribute {name!r}")
