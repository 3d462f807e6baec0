"""Where alignaudit's shipped files are, and small file helpers shared by several stages."""

from __future__ import annotations

import difflib
import os
import tempfile
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


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is meant to be shared
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
