"""Files alignaudit writes carry a mark of their own, so that it never overwrites a file it did not
write, and never reads its own output back as the user's data.

The marks, found in the first bytes of a file:

- ``report.html`` (and any page): ``<meta name="generator" content="alignaudit …">``;
- ``summary.md``: its first line, the heading ``# alignaudit: …``;
- ``results.json``: a JSON object whose first keys are ``schema_version`` and ``tool_version``;
- ``--save-embeddings`` files: a NumPy ``.npz`` archive of ``reference.npy`` and ``current.npy``.

An output path may be written when nothing is there or what is there carries a mark; anything
else (a user's notes, a folder) is refused with a message naming the file, before any model loads.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from alignaudit._util.errors import UsageError

HEAD_BYTES = 4096
_MARKS = [
    re.compile(r'<meta name="generator" content="alignaudit[ "]'),
    re.compile(r"\A\s*# alignaudit: "),
    re.compile(r'\A\{\s*"schema_version":\s*\d+,\s*"tool_version":'),
]
NPZ_MEMBERS = {"reference.npy", "current.npy"}


def written_by_alignaudit(path: Path) -> bool:
    """Does the file at ``path`` carry one of alignaudit's marks?"""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return False
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                return set(archive.namelist()) >= NPZ_MEMBERS
        except (OSError, zipfile.BadZipFile):
            return False
    text = head.decode("utf-8", errors="replace")
    return any(mark.search(text) for mark in _MARKS)


def check_replaceable(path: Path, option: str) -> None:
    """Refuse (a UsageError naming ``option``) to write ``path`` over a folder or over a file
    that alignaudit did not write."""
    if path.is_dir():
        raise UsageError(f"{option}: {path} is a folder; alignaudit writes a file there. Give "
                         "another path.")
    if path.exists() and not written_by_alignaudit(path):
        raise UsageError(
            f"{option}: {path} already exists and was not written by alignaudit, so it is not "
            "overwritten. Move it away, or choose another path.")


def same_path(a: Path, b: Path) -> bool:
    """Do ``a`` and ``b`` name the same file or folder (links and ``..`` resolved)?"""
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.expanduser().resolve() == b.expanduser().resolve()
    except OSError:
        return False


def is_inside(path: Path, folder: Path) -> bool:
    """Is ``path`` ``folder`` itself or somewhere below it?"""
    try:
        resolved, base = path.expanduser().resolve(), folder.expanduser().resolve()
    except OSError:
        return False
    return resolved == base or base in resolved.parents
