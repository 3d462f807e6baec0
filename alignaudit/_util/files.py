"""Where alignaudit's shipped files are, and small file helpers shared by several stages."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
"""The ``alignaudit`` package folder."""


def shipped_path(packaged: str, in_repo: str) -> Path:
    """A folder shipped with alignaudit: ``alignaudit/_shipped/<packaged>`` inside the wheel, or
    ``<repo>/<in_repo>`` in a source checkout."""
    inside = PACKAGE / "_shipped" / packaged
    return inside if inside.is_dir() else PACKAGE.parent / in_repo
