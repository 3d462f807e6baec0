"""Where alignaudit's shipped files are, and small file helpers shared by several stages."""

from __future__ import annotations

import difflib
from pathlib import Path

from alignaudit._util.errors import UserError

PACKAGE = Path(__file__).resolve().parents[1]
"""The ``alignaudit`` package folder."""


def shipped_path(packaged: str, in_repo: str) -> Path:
    """A folder shipped with alignaudit: ``alignaudit/_shipped/<packaged>`` inside the wheel, or
    ``<repo>/<in_repo>`` in a source checkout."""
    inside = PACKAGE / "_shipped" / packaged
    return inside if inside.is_dir() else PACKAGE.parent / in_repo


def existing_path(path: Path, option: str = "--data") -> Path:
    """``path`` if it exists, else a UserError naming ``option`` and the closest name beside it."""
    if path.exists():
        return path
    hint = ""
    if path.parent.is_dir():
        near = difflib.get_close_matches(path.name, [p.name for p in path.parent.iterdir()], n=1)
        if near:
            hint = f" Did you mean {path.parent / near[0]}?"
    raise UserError(f"{option} {path}: no such file or folder.{hint}")
