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
_MARKS = {
    "page": re.compile(r'<meta name="generator" content="alignaudit[ "]'),
    "summary": re.compile(r"\A\s*# alignaudit: "),
    "results file": re.compile(r'\A\{\s*"schema_version":\s*\d+,\s*"tool_version":'),
}
NPZ_MEMBERS = {"reference.npy", "current.npy"}


def written_by_alignaudit(path: Path) -> bool:
    """Does the file at ``path`` carry one of alignaudit's marks?"""
    return written_as(path) is not None


def written_as(path: Path) -> str | None:
    """What alignaudit wrote at ``path`` ("page", "summary", "results file", "embeddings file"), or
    None when the file carries no mark of alignaudit's (or cannot be read)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                return "embeddings file" if set(archive.namelist()) >= NPZ_MEMBERS else None
        except (OSError, zipfile.BadZipFile):
            return None
    text = head.decode("utf-8", errors="replace")
    return next((kind for kind, mark in _MARKS.items() if mark.search(text)), None)


def check_replaceable(path: Path, option: str, kind: str | None = None) -> None:
    """Refuse (a UsageError naming ``option``) to write ``path`` over a folder, over a file that
    alignaudit did not write, or, given ``kind``, over one it wrote as something else (a page
    over a results file)."""
    if path.is_dir():
        raise UsageError(f"{option}: {path} is a folder; alignaudit writes a file there. Give "
                         "another path.")
    if not path.exists():
        return
    found = written_as(path)
    if found is None:
        raise UsageError(
            f"{option}: {path} already exists and was not written by alignaudit, so it is not "
            "overwritten. Move it away, or choose another path.")
    if kind is not None and found != kind:
        raise UsageError(
            f"{option}: {path} is {_a(found)} alignaudit wrote, not {_a(kind)}; writing the "
            f"{kind} there would replace it. Choose another path.")


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


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
