#!/usr/bin/env python3
"""Build dated text corpora from the changelogs of pinned PyPI source distributions.

Usage::

    python scripts/build_corpora.py --out data/corpora/   # download (pip), verify, parse, write
    python scripts/build_corpora.py --out data/corpora/ --sdist-dir dl/   # reuse downloaded sdists

Every source distribution is fetched with
``pip download --no-deps --no-binary :all: NAME==VERSION -d DIR`` and its sha256 is
checked against the value pinned in ``SOURCES`` below; a mismatch aborts the build.
The changelog files are read straight out of the tarball (nothing is executed).

Each corpus is written as ``<corpus>.jsonl.gz`` (gzip, mtime 0, no file name in the
header, so the bytes are identical across runs).  One JSON object per line, sorted by
(date, id), with the fields::

    id          "<project>-<version>-<NNNN>"  (NNNN = order of the entry in that release)
    text        the entry as plain prose (reST markup removed)
    date        YYYY-MM-DD release date of the version that introduced the entry
    project     PyPI project name
    version     release the entry belongs to
    title       "<project> <version>" (what a generated probe's prompt starts with)
    source      "<sdist top dir>/<path in sdist>:<line>"
    url         public release-notes page (with an anchor where one is derivable)
    source_url  the same file on GitHub at the release tag, with the line anchor
    section     heading / tags the entry was listed under ("" if none)
    issues      issue / ticket / PR numbers referenced by the entry (as strings)

An optional, unshipped reader for Debian ``changelog.Debian.gz`` files is available with
``--debian DIR`` (writes ``debian-changelogs.jsonl.gz``).

Standard library only (Python >= 3.9); pip is needed for the download step.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as _dt
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

# ---------------------------------------------------------------------------
# Pinned sources
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Source:
    corpus: str  # output corpus name
    project: str  # PyPI name as passed to pip
    version: str
    sdist: str  # file name pip saves
    sha256: str
    license_name: str  # as declared in the sdist (PKG-INFO License-Expression)
    license_file: str  # path inside the sdist, copied as LICENSE-<project>
    parser: str  # key into PARSERS
    files: str  # regex (relative to the sdist top dir) selecting the changelog file(s)
    github: str  # owner/repo
    tag: str  # git tag of this release (for source_url)


SOURCES: tuple[Source, ...] = (
    Source(
        corpus="pip",
        project="pip",
        version="26.3",
        sdist="pip-26.3.tar.gz",
        sha256="6c36ae7da8695be67e3cd9f7d87919667ced53f57ce2ede75d89b5912ed2bc4c",
        license_name="MIT",
        license_file="LICENSE.txt",
        parser="towncrier",
        files=r"NEWS\.rst",
        github="pypa/pip",
        tag="26.3",
    ),
    Source(
        corpus="pytest",
        project="pytest",
        version="9.2.0",
        sdist="pytest-9.2.0.tar.gz",
        sha256="97c4f3b1f3c7414aa36465e09b8220f1d03627993bd51b1282e193753c80557b",
        license_name="MIT",
        license_file="LICENSE",
        parser="towncrier",
        files=r"doc/en/changelog\.rst",
        github="pytest-dev/pytest",
        tag="9.2.0",
    ),
    Source(
        corpus="sqlalchemy",
        project="SQLAlchemy",
        version="2.1.9",
        sdist="sqlalchemy-2.1.9.tar.gz",
        sha256="d700a8b2edfb26282a470333d6bc4a454c4acda4d201a3bea7b72fa76c217d28",
        license_name="MIT",
        license_file="LICENSE",
        parser="sqlalchemy",
        files=r"doc/build/changelog/changelog_\d+\.rst",
        github="sqlalchemy/sqlalchemy",
        tag="rel_2_1_9",
    ),
    Source(
        corpus="django",
        project="Django",
        version="6.1.3",
        sdist="django-6.1.3.tar.gz",
        sha256="b5d2d9e35295065d13b1927b3f19a59bd119f737aa6299def14ccca1ae3c8c0d",
        license_name="BSD-3-Clause",
        license_file="LICENSE",
        parser="django",
        files=r"docs/releases/\d+(?:\.\d+)+\.txt",
        github="django/django",
        tag="6.1.3",
    ),
)

# ---------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Entry:
    """One changelog entry before ids/urls are attached."""

    text: str
    version: str
    date: str
    path: str  # path inside the sdist (relative to its top dir)
    line: int  # 1-based line of the entry's first line
    section: str = ""
    issues: tuple[str, ...] = ()
    anchor: str = ""  # optional URL fragment for the release


@dataclasses.dataclass
class ParseStats:
    releases: int = 0  # dated releases that were used
    skipped: list = dataclasses.field(default_factory=list)  # (version/heading, reason)
    dropped_trivial: int = 0
    carried: list = dataclasses.field(default_factory=list)  # (version, shipped in, date)

    def skip(self, what: str, reason: str) -> None:
        self.skipped.append((what, reason))


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(),
        1,
    )
}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9


def parse_date(s: str) -> str | None:
    """Parse the date formats found in the changelogs; return ISO date or None.

    Accepts ``2025-04-26``, ``April 3, 2023``, ``*May 17, 2010.*``,
    ``Sat Dec 26 2009``, ``Friday, May 19, 2017`` and ``3 April 2023``.
    """
    s = s.strip().strip("*").strip().rstrip(".").strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        y, mo, d = map(int, m.groups())
    else:
        s2 = re.sub(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+", "", s, flags=re.I)
        m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", s2)
        if m:
            mon = _MONTHS.get(m.group(1).lower())
            if mon is None:
                return None
            y, mo, d = int(m.group(3)), mon, int(m.group(2))
        else:
            m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", s2)
            if not m:
                return None
            mon = _MONTHS.get(m.group(2).lower())
            if mon is None:
                return None
            y, mo, d = int(m.group(3)), mon, int(m.group(1))
    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Inline reStructuredText -> plain text
# ---------------------------------------------------------------------------

_ISSUE_ROLES = {"issue", "issues", "pr", "pull", "ticket", "bug", "gh", "ghissue", "ghpull"}
_MARK = "\x00"  # issue marker delimiter (never appears in real text)


def _last_component(target: str) -> str:
    return target.rsplit(".", 1)[-1]


def _role_text(role: str, content: str, issues: list) -> str:
    """Render one interpreted-text role the way a reader would see it."""
    content = content.replace("\\", "")
    m = re.fullmatch(r"(?s)(.*?)\s*<([^<>]*)>", content)
    title, target = (m.group(1).strip(), m.group(2).strip()) if m else (None, content.strip())
    if role in _ISSUE_ROLES:
        num = re.sub(r"^#", "", target)
        if re.fullmatch(r"[\w-]+", num):
            issues.append(num)
            if title:
                return title
            return f"{_MARK}{num}{_MARK}"
        return title or target
    if role == "user":
        return title or "@" + target
    if role == "pep":
        return title or f"PEP {target.split('#')[0]}"
    if role == "rfc":
        return title or f"RFC {target.split('#')[0]}"
    if role in ("cve", "cwe"):
        return title or f"{role.upper()}-{target}"
    if role == "bpo":
        return title or f"bpo-{target}"
    if role == "pypi":
        return title or target
    if title:
        return title
    if role in ("doc", "ref", "term") and target:
        label = target.rstrip("/").rsplit("/", 1)[-1]
        return label.replace("-", " ").replace("_", " ") if role != "term" else target
    t = target
    short = t.startswith("~")
    t = t.lstrip("~!")
    t = t.lstrip(".")
    t = re.sub(r"^_[a-z0-9]+\.", "", t)  # SQLAlchemy's "_orm.foo" -> "foo"
    if short:
        t = _last_component(t.split("(")[0]) + (t[len(t.split("(")[0]) :] if "(" in t else "")
    if role in ("meth", "func") and t and not t.endswith(")"):
        t += "()"
    return t


def clean_inline(text: str, issues: list | None = None) -> str:
    """Strip inline reST / Markdown markup from a block of text (lines already joined).

    Issue references are appended to ``issues``; parenthesised groups made only of
    issue references are removed, other references are rendered as ``#N``.
    """
    if issues is None:
        issues = []
    protected: list[str] = []

    def protect(s: str) -> str:
        protected.append(s)
        return f"\x01{len(protected) - 1}\x01"

    # 1. inline literals ``code`` (protected from later emphasis handling)
    text = re.sub(r"``(.+?)``", lambda m: protect(m.group(1)), text)
    # 2. issue links: `#123 <url>`_  /  `gh-123 <url>`__  /  `issue 12 <url>`_
    def _issue_link(m: re.Match) -> str:
        issues.append(m.group(1))
        return f"{_MARK}{m.group(1)}{_MARK}"

    text = re.sub(r"`(?:#|gh-|issue\s*|PR\s*#?)(\d+)\s*<[^<>`]*>`__?", _issue_link, text, flags=re.I)
    # 3. roles :role:`content` (optionally :domain:role:); issue markers stay visible
    def _protect_role(r: str) -> str:
        return r if re.fullmatch(rf"{_MARK}[\w-]+{_MARK}", r) else protect(r)

    text = re.sub(
        r":(?:[A-Za-z][\w-]*:)?([A-Za-z][\w-]*):`((?:[^`\\]|\\.)+)`",
        lambda m: _protect_role(_role_text(m.group(1), m.group(2), issues)),
        text,
    )
    # 4. hyperlink references `text <url>`_ , `text`_ , anonymous __
    text = re.sub(r"`([^`<>]+?)\s*<[^<>`]*>`__?", lambda m: m.group(1), text)
    text = re.sub(r"`<([^<>`]*)>`__?", lambda m: m.group(1), text)
    text = re.sub(r"`([^`]+)`__?", lambda m: m.group(1), text)
    # 5. Markdown links [text](url) and images
    text = re.sub(r"!?\[([^\]]+)\]\((?:[^()\s]+)\)", r"\1", text)
    # 6. default role `x` and emphasis
    text = re.sub(r"`([^`]+)`", lambda m: protect(m.group(1)), text)
    text = re.sub(r"(?<![\w*])\*\*(\S(?:.*?\S)?)\*\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w*\\])\*(\S(?:.*?\S)?)\*(?![\w*])", r"\1", text)
    # 7. plain issue references "(#123)" and "(#1, #2)" as used by old pip entries
    def _paren(m: re.Match) -> str:
        inner = m.group(1)
        parts = [p.strip() for p in re.split(r",|;|\band\b", inner)]
        kept = []
        found = False
        for p in parts:
            mm = re.fullmatch(rf"{_MARK}([\w-]+){_MARK}|#(\d+)|(?:PR|pull request)\s*#?(\d+)", p, flags=re.I)
            if mm:
                if mm.group(1) is None:  # markers were recorded when they were created
                    issues.append(mm.group(2) or mm.group(3))
                found = True
            elif re.fullmatch(r"CVE-\d{4}-\d+", p, flags=re.I):
                kept.append(p)
            elif p == "":
                continue
            else:
                return m.group(0)
        if not found:
            return m.group(0)
        return f"({', '.join(kept)})" if kept else ""

    def _paren_ws(m: re.Match) -> str:
        r = _paren(m)
        if r == "":
            return ""
        if r == m.group(0):
            return r
        return (" " if m.group(0)[:1].isspace() else "") + r

    text = re.sub(r"\s*\(([^()]*)\)", _paren_ws, text)
    # 8. leading "#123: " / marker prefixes (pytest's towncrier format)
    text = re.sub(rf"^(?:\s*{_MARK}(\d+){_MARK}\s*[,:]?\s*)+", "", text)
    text = re.sub(r"^(?:\s*#(\d+)\s*[,:]\s*)+", lambda m: (issues.extend(re.findall(r"\d+", m.group(0))) or ""), text)
    # 9. remaining markers -> "#N"
    text = re.sub(rf"{_MARK}([\w-]+){_MARK}", r"#\1", text)
    # 10. escapes and substitutions (outside literals), then restore protected spans
    text = text.replace("\\ ", "")
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"\|(\w+)\|", r"\1", text)
    for _ in range(3):
        if "\x01" not in text:
            break
        text = re.sub(r"\x01(\d+)\x01", lambda m: protected[int(m.group(1))], text)
    # 11. whitespace and punctuation spacing
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?)])(?=\s|$)", r"\1", text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\(\)(?=[\s.,;]|$)(?<!\w\(\))", "", text)  # empty "()" left behind
    text = re.sub(r"\.\.(?=\s|$)", ".", text)
    return text.strip()


# ---------------------------------------------------------------------------
# Block-level reStructuredText segmentation
# ---------------------------------------------------------------------------

_BULLET_RE = re.compile(r"^(\s*)([-*+•]|\d+[.)]|#\.|\(\d+\))(\s+)(\S.*)$")
_UNDERLINE_RE = re.compile(r"^([=\-~^\"'`+#*:.<>_])\1{2,}\s*$")
_ADMONITIONS = {
    "note", "warning", "important", "tip", "hint", "caution", "danger", "attention",
    "error", "admonition", "versionadded", "versionchanged", "deprecated",
    "versionremoved", "only", "container", "rst-class", "topic", "sidebar",
}


@dataclasses.dataclass
class Block:
    kind: str  # heading | para | bullet | indented | directive
    lines: list  # list of (lineno, text) -- raw lines of the block
    lineno: int
    indent: int = 0
    title: str = ""  # heading title / directive name
    char: str = ""  # heading underline char ("o=" for overline+underline)
    args: str = ""  # directive argument


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip(" "))


def _is_heading(lines: list, i: int) -> tuple[str, str, int] | None:
    """Detect a section title at lines[i]; return (title, char, n_lines) or None."""
    n = len(lines)
    line = lines[i][1]
    # overline + title + underline
    if _UNDERLINE_RE.match(line) and i + 2 < n:
        title = lines[i + 1][1]
        under = lines[i + 2][1]
        if title.strip() and under.strip() == line.strip() and not _UNDERLINE_RE.match(title):
            return title.strip(), "o" + line.strip()[0], 3
    if i + 1 < n and line.strip() and _indent(line) == 0 and not _UNDERLINE_RE.match(line):
        under = lines[i + 1][1]
        # docutils accepts (with a warning) underlines shorter than the title
        if _UNDERLINE_RE.match(under) and _indent(under) == 0 and not line.lstrip().startswith(".. "):
            return line.strip(), under.strip()[0], 2
    return None


def segment(lines: list) -> list[Block]:
    """Split (lineno, text) lines into top-level blocks relative to the minimum indent."""
    blocks: list[Block] = []
    n = len(lines)
    nonblank = [_indent(t) for _, t in lines if t.strip()]
    base = min(nonblank) if nonblank else 0
    i = 0
    while i < n:
        lineno, line = lines[i]
        if not line.strip():
            i += 1
            continue
        ind = _indent(line)
        h = _is_heading(lines, i) if base == 0 else None
        if h:
            title, char, k = h
            blocks.append(Block("heading", lines[i : i + k], lineno, ind, title=title, char=char))
            i += k
            continue

        def take_body(j: int, ind: int) -> int:
            while j < n and (not lines[j][1].strip() or _indent(lines[j][1]) > ind):
                j += 1
            return j

        if line.lstrip().startswith("..") or re.match(r"\s*__ \S", line):
            j = take_body(i + 1, ind)
            m = re.match(r"\s*\.\.\s+([\w:-]+)::\s*(.*)$", line)
            name = m.group(1).lower() if m else ""
            blocks.append(Block("directive", lines[i:j], lineno, ind, title=name, args=m.group(2) if m else ""))
            i = j
            continue
        bm = _BULLET_RE.match(line)
        if bm and ind == base:
            j = take_body(i + 1, ind)
            blocks.append(Block("bullet", lines[i:j], lineno, ind))
            i = j
            continue
        if ind > base:
            j = take_body(i + 1, base)
            blocks.append(Block("indented", lines[i:j], lineno, ind))
            i = j
            continue
        # paragraph: consecutive non-blank lines at this indent (stop at a new bullet)
        j = i + 1
        while j < n and lines[j][1].strip() and _indent(lines[j][1]) == ind and not (
            _BULLET_RE.match(lines[j][1]) and lines[j - 1][1].rstrip().endswith((".", ":"))
        ):
            if _UNDERLINE_RE.match(lines[j][1]) and j + 1 < n and not lines[j + 1][1].strip():
                break
            j += 1
        blocks.append(Block("para", lines[i:j], lineno, ind))
        i = j
    return blocks


def _dedent(lines: list) -> list:
    nonblank = [_indent(t) for _, t in lines if t.strip()]
    d = min(nonblank) if nonblank else 0
    return [(ln, t[d:] if t.strip() else "") for ln, t in lines]


def bullet_body(block: Block) -> list:
    """Lines of a bullet item with the marker removed, dedented."""
    (ln0, first), rest = block.lines[0], block.lines[1:]
    m = _BULLET_RE.match(first)
    assert m
    content_col = len(m.group(1)) + len(m.group(2)) + len(m.group(3))
    out = [(ln0, m.group(4))]
    for ln, t in rest:
        if t.strip():
            cut = min(content_col, _indent(t))
            out.append((ln, t[cut:]))
        else:
            out.append((ln, ""))
    return out


def directive_body(block: Block) -> tuple[dict, list]:
    """Return (options, content lines) of a directive block."""
    rest = block.lines[1:]
    opts: dict = {}
    i = 0
    # options: field list directly after the directive line
    while i < len(rest) and rest[i][1].strip().startswith(":") and re.match(r"\s*:[\w-]+:", rest[i][1]):
        m = re.match(r"\s*:([\w-]+):\s*(.*)$", rest[i][1])
        opts[m.group(1)] = m.group(2).strip()
        i += 1
    return opts, _dedent(rest[i:])


def join_lines(lines: list) -> str:
    """Join wrapped lines; re-join words hyphenated across a line break ("two-" "phase")."""
    out = ""
    for t in lines:
        t = t.strip()
        if not t:
            continue
        if out and re.search(r"[A-Za-z]-$", out) and not re.search(r"--$", out) and re.match(
            r"[a-z]", t
        ) and not re.match(r"(?:and|or|to|nor|as)\b", t):
            out += t
        else:
            out = f"{out} {t}" if out else t
    return out


def render_blocks(blocks: list[Block], issues: list, top: bool = True) -> str:
    """Render a list of blocks (the inside of one entry) as one line of prose."""
    parts: list[str] = []
    for k, b in enumerate(blocks):
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if b.kind == "para":
            raw = join_lines([t for _, t in b.lines])
            if raw.endswith("::"):
                raw = raw[:-2].rstrip()
                followed_by_literal = nxt is not None and nxt.kind == "indented"
                if raw and not raw.endswith(":"):
                    raw += ":" if not followed_by_literal or k + 2 < len(blocks) else "."
                elif followed_by_literal and k + 2 >= len(blocks) and raw.endswith(":"):
                    raw = raw[:-1] + "."
            parts.append(clean_inline(raw, issues))
        elif b.kind == "bullet":
            inner = render_blocks(segment(bullet_body(b)), issues, top=False)
            if inner:
                parts.append(inner if inner[-1] in ".!?;:" else inner + ";")
        elif b.kind == "directive":
            if b.title in _ADMONITIONS:
                _, body = directive_body(b)
                label = ""
                if b.title in ("versionadded", "versionchanged", "deprecated", "versionremoved") and b.args:
                    label = {"versionadded": "New in version", "versionchanged": "Changed in version",
                             "deprecated": "Deprecated since version", "versionremoved": "Removed in version"}[b.title]
                    label = f"{label} {b.args.strip()}:"
                inner = render_blocks(segment(body), issues, top=False)
                if inner or label:
                    parts.append((label + " " + inner).strip())
        elif b.kind == "heading":
            parts.append(clean_inline(b.title, issues) + ":")
        # indented (literal / block quote) blocks and other directives are dropped
    text = " ".join(p for p in parts if p)
    if not top:
        return text
    text = re.sub(r";(\s*)$", ".", text)
    text = re.sub(r";(\s+[A-Z])", r".\1", text)  # "; Next sentence" after list item
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------------
# Trivial-entry filter
# ---------------------------------------------------------------------------

_TRIVIAL_RE = re.compile(
    r"""^(?:
        (?:bump(?:ed)?|bumping|update[sd]?)\s+(?:the\s+)?version(?:\s+(?:number|to\s+\S+))?\.?
      | no\s+significant\s+changes\.?
      | (?:minor|trivial)\s+(?:changes|fixes|documentation\s+changes)\.?
      | release\s+v?[\d.]+\.?
      | version\s+[\d.]+\.?
      | see\s+.*\bchangelog\b.*
      | welcome\s+to\s+django\s+[\d.]+!?
      | .*\bis\s+a\s+recommended\s+upgrade\s+for\s+any\b.*
      | \(?(?:please\s+)?(?:see|refer\s+to)\b[^.]{0,120}\b(?:for|about)\s+(?:more|full|further|additional)\b[^.]*\.?\)?
      | \(?(?:for\s+(?:more|full|further)\s+(?:details|information)),?\s+(?:please\s+)?see\b[^.]{0,120}\.?\)?
      | \(?please\s+see\s+the\s+full\s+set\s+of\s+changes\b.*
    )$""",
    re.I | re.X,
)


def is_trivial(text: str) -> bool:
    t = text.strip()
    if len(t) < 12 or len(t.split()) < 2:
        return True
    if not re.search(r"[A-Za-z]{3}", t):
        return True
    if re.fullmatch(r"[^.]{0,40}:[\s,.;]*", t):  # a dangling lead-in ("Other tickets:")
        return True
    return bool(_TRIVIAL_RE.match(t))


# ---------------------------------------------------------------------------
# Parsers
# ---------------------------------------------------------------------------

_VERSION_HEAD_RE = re.compile(
    r"^(?:(?:pip|pytest|setuptools|version|release|v)\s*)?"
    r"(?P<ver>v?\d+(?:\.\d+)*(?:(?:a|b|rc|c|\.dev|\.post|dev|post)\d*)*)"
    r"\s*(?:\((?P<paren>[^()]*)\)|[-–—:,]\s*(?P<tail>.+))?\s*$",
    re.I,
)


def parse_version_heading(title: str) -> tuple[str, str | None, str] | None:
    """Parse a release heading like ``25.1 (2025-04-26)`` or ``pytest 8.1.0 (YANKED)``.

    Returns (version, iso_date_or_None, reason) or None if it is not a version heading.
    ``reason`` explains a missing date ("undated", "yanked", ...); "" when dated.
    """
    m = _VERSION_HEAD_RE.match(title.strip())
    if not m:
        return None
    ver = m.group("ver").lstrip("v")
    info = (m.group("paren") or m.group("tail") or "").strip()
    if not info:
        return ver, None, "undated"
    low = info.lower()
    if "unreleased" in low or "in development" in low or "not released" in low or "upcoming" in low:
        return ver, None, "unreleased"
    if "yank" in low:
        return ver, None, "yanked"
    if "not published" in low:
        return ver, None, "not published"
    d = parse_date(info)
    if d is None:
        return ver, None, f"unparseable date {info!r}"
    return ver, d, ""


def docutils_id(title: str) -> str:
    """Approximate docutils.nodes.make_id (section anchors in Sphinx output)."""
    s = title.lower()
    s = re.sub(r"[^a-z0-9]+", "-", " ".join(s.split()))
    s = re.sub(r"^[-0-9]+|-+$", "", s)
    return s


def _split_entries(blocks: list[Block], issues_of: Callable = None, max_join: int = 900) -> Iterator[tuple[int, str, list]]:
    """Turn blocks between headings into entries: (lineno, text, issues).

    Bullets are entries; a paragraph is an entry; a paragraph ending with ':' absorbs
    the list/literal that follows it; literal blocks and non-admonition directives
    are dropped; admonitions become their own entry.
    """
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if b.kind == "bullet":
            issues: list = []
            text = render_blocks([b], issues)
            yield b.lineno, text, issues
            i += 1
        elif b.kind == "para":
            group = [b]
            j = i + 1
            raw_last = b.lines[-1][1].rstrip()
            if raw_last.endswith(":"):
                while j < len(blocks) and blocks[j].kind in ("bullet", "indented"):
                    group.append(blocks[j])
                    j += 1
            issues = []
            text = render_blocks(group, issues)
            if len(group) > 1 and len(text) > max_join:
                # lead-in + long list: emit list items separately, drop a bare lead-in
                issues = []
                intro = render_blocks([b], issues)
                if len(intro) >= 200 or not raw_last.endswith(":"):
                    yield b.lineno, intro, issues
                for g in group[1:]:
                    issues = []
                    t = render_blocks([g], issues)
                    if t:
                        yield g.lineno, t, issues
            else:
                yield b.lineno, text, issues
            i = j
        elif b.kind == "directive" and b.title in _ADMONITIONS:
            issues = []
            text = render_blocks([b], issues)
            yield b.lineno, text, issues
            i += 1
        else:
            i += 1


def _is_label_para(b: Block) -> str | None:
    """A paragraph that is only **Bold text** (used as a sub-heading in old changelogs)."""
    if b.kind != "para" or len(b.lines) != 1:
        return None
    m = re.fullmatch(r"\s*\*\*(.+?)\*\*:?\s*", b.lines[0][1])
    return m.group(1).strip() if m else None


def parse_towncrier(text: str, path: str, stats: ParseStats) -> list[Entry]:
    """Parse a towncrier-style NEWS/changelog: ``VERSION (YYYY-MM-DD)`` headings.

    The heading underline character of the first version heading defines the release
    level; deeper headings are categories (kept in ``section``).  Releases without a
    date, yanked releases and unparseable headings are skipped and counted.  A release
    marked "not published" is dated with the next newer release (listed above it), which
    is the first release that shipped its changes.
    """
    lines = list(enumerate(text.splitlines(), 1))
    blocks = segment(lines)
    entries: list[Entry] = []
    level_char: str | None = None
    cur: tuple[str, str | None, str] | None = None  # (version, date, reason)
    cur_anchor = ""
    section = ""
    pending: list[Block] = []
    newer: tuple | None = None  # last dated release seen above (files list newest first)

    def flush() -> None:
        nonlocal pending
        if cur is not None and cur[1] is not None:
            for lineno, etext, issues in _split_entries(pending, None):
                if is_trivial(etext):
                    stats.dropped_trivial += 1
                    continue
                entries.append(
                    Entry(etext, cur[0], cur[1], path, lineno, section, tuple(issues), cur_anchor)
                )
        pending = []

    for b in blocks:
        if b.kind == "heading":
            pv = parse_version_heading(b.title)
            if level_char is None and pv is not None:
                level_char = b.char
            if level_char is not None and b.char == level_char:
                flush()
                section = ""
                if pv is None:
                    stats.skip(b.title, "malformed release heading")
                    cur = (b.title, None, "malformed")
                    continue
                cur = pv
                cur_anchor = docutils_id(b.title)
                if pv[1] is None and pv[2] == "not published" and newer is not None:
                    # never uploaded; its changes first shipped with the next (newer) release
                    cur = (pv[0], newer[1], "")
                    stats.carried.append((pv[0], newer[0], newer[1]))
                elif pv[1] is None:
                    stats.skip(pv[0], pv[2])
                else:
                    stats.releases += 1
                    newer = pv
                continue
            if level_char is not None:
                flush()
                section = clean_inline(b.title)
            continue
        label = _is_label_para(b)
        if label is not None:
            flush()
            section = clean_inline(label)
            continue
        pending.append(b)
    flush()
    return entries


def parse_sqlalchemy(text: str, path: str, stats: ParseStats) -> list[Entry]:
    """Parse SQLAlchemy ``.. changelog::`` / ``.. change::`` directive files."""
    lines = list(enumerate(text.splitlines(), 1))
    entries: list[Entry] = []
    for b in segment(lines):
        if b.kind != "directive" or b.title != "changelog":
            continue
        opts, body = directive_body(b)
        ver = opts.get("version", "").strip()
        released = opts.get("released", "").strip()
        if not ver:
            stats.skip(f"{path}:{b.lineno}", "changelog block without :version:")
            continue
        if not released:
            stats.skip(ver, "unreleased" if "include_notes_from" in opts or True else "undated")
            continue
        date = parse_date(released)
        if date is None:
            stats.skip(ver, f"unparseable date {released!r}")
            continue
        stats.releases += 1
        for c in segment(body):
            if c.kind != "directive" or c.title != "change":
                continue
            copts, cbody = directive_body(c)
            issues: list = []
            for key in ("tickets", "pullreq"):
                issues.extend(re.findall(r"\d+", copts.get(key, "")))
            etext = render_blocks(segment(cbody), issues)
            if is_trivial(etext):
                stats.dropped_trivial += 1
                continue
            tags = ", ".join(t.strip() for t in copts.get("tags", "").split(",") if t.strip())
            entries.append(Entry(etext, ver, date, path, c.lineno, tags, tuple(issues), "change-" + ver))
    return entries


_DJANGO_BOILERPLATE = re.compile(
    r"^(?:welcome to django\b|these release notes cover\b|see the (?:upgrade|how to upgrade)\b"
    r"|see the upgrade version guide\b|see the upgrading django\b|this section describes\b)",
    re.I,
)


def group_prose(title: str, pieces: list, limit: int = 1000) -> list:
    """Join consecutive prose paragraphs of one section into documents of about
    ``limit`` characters, each prefixed with the section title so it stands alone."""
    out = []
    cur: list = []

    def emit() -> None:
        if not cur:
            return
        body = " ".join(t for _, t, _ in cur)
        head = title.rstrip(" .:")
        text = body if body.lower().startswith(head.lower()) else f"{head}. {body}"
        issues = [i for _, _, iss in cur for i in iss]
        out.append((cur[0][0], text, issues))

    for piece in pieces:
        if cur and sum(len(t) + 1 for _, t, _ in cur) + len(piece[1]) > limit:
            emit()
            cur = []
        cur.append(piece)
    emit()
    return out


def parse_django(text: str, path: str, stats: ParseStats) -> list[Entry]:
    """Parse one Django ``docs/releases/X.Y.Z.txt`` file (release date near the top)."""
    ver = re.sub(r"\.txt$", "", path.rsplit("/", 1)[-1])
    lines = list(enumerate(text.splitlines(), 1))
    date = None
    date_line = None
    for ln, t in lines[:40]:
        if re.fullmatch(r"\s*\*?\s*[A-Z][a-z]+\.? \d{1,2}(?:st|nd|rd|th)?, \d{4}\.?\s*\*?\s*", t):
            date = parse_date(t)
            date_line = ln
            break
    if date is None:
        stats.skip(ver, "undated")
        return []
    stats.releases += 1
    blocks = segment(lines)
    entries: list[Entry] = []
    levels: list[str] = []  # heading chars in order of first appearance
    heads: dict[int, str] = {}
    pending: list[Block] = []
    cve_head: tuple[int, str] | None = None

    def section_name() -> str:
        return " / ".join(heads[k] for k in sorted(heads) if k > 0 and heads[k])

    def flush() -> None:
        nonlocal pending, cve_head
        blocks_ = [b for b in pending if not (b.kind == "para" and b.lines[0][0] == date_line)]
        if cve_head is not None:
            issues: list = []
            body = render_blocks([b for b in blocks_ if b.kind != "heading"], issues)
            head = clean_inline(cve_head[1], issues)
            etext = head.rstrip(".:") + ". " + body if body else head
            if not is_trivial(etext):
                entries.append(Entry(etext.strip(), ver, date, path, cve_head[0], section_name(), tuple(issues)))
            else:
                stats.dropped_trivial += 1
        else:
            pieces = []
            for lineno, etext, issues in _split_entries(blocks_, None):
                if is_trivial(etext) or _DJANGO_BOILERPLATE.match(etext):
                    stats.dropped_trivial += 1
                    continue
                pieces.append((lineno, etext, issues))
            title = heads[max(heads)] if heads and max(heads) > 0 else ""
            if any(b.kind == "bullet" for b in blocks_) or not title:
                # bulleted section (or release summary): one document per entry
                for lineno, etext, issues in pieces:
                    entries.append(Entry(etext, ver, date, path, lineno, section_name(), tuple(issues)))
            else:
                # prose section: paragraphs only make sense together -> "Title. para para"
                for lineno, etext, issues in group_prose(title, pieces):
                    entries.append(Entry(etext, ver, date, path, lineno, section_name(), tuple(issues)))
        pending = []
        cve_head = None

    for b in blocks:
        if b.kind == "heading":
            flush()
            if b.char not in levels:
                levels.append(b.char)
            lvl = levels.index(b.char)
            heads = {k: v for k, v in heads.items() if k < lvl}
            heads[lvl] = clean_inline(b.title)
            if re.match(r"^\s*CVE-\d{4}-\d+", b.title):
                cve_head = (b.lineno, b.title)
                heads[lvl] = "Security"
            continue
        pending.append(b)
    flush()
    return entries


PARSERS: dict[str, Callable[[str, str, ParseStats], list[Entry]]] = {
    "towncrier": parse_towncrier,
    "sqlalchemy": parse_sqlalchemy,
    "django": parse_django,
}


# ---------------------------------------------------------------------------
# Optional: Debian changelogs (not shipped)
# ---------------------------------------------------------------------------

_DEB_HEAD_RE = re.compile(r"^(\S+) \(([^)]+)\) ([^;]*);")
_DEB_TRAILER_RE = re.compile(r"^ -- (.*?)  (\w{3}, +\d{1,2} \w{3} \d{4} [\d:]+ [+-]\d{4})")


_DEB_TRIVIAL_RE = re.compile(
    r"^(?:new upstream (?:release|version|snapshot)[\s\w.:~+-]{0,30}|(?:release|upload)(?:ed)? to \w+"
    r"|(?:re)?build (?:against|for) .{0,40}|no-change rebuild.*|rebuild.{0,40})\.?$",
    re.I,
)


def parse_debian_changelog(text: str, path: str, stats: ParseStats) -> list[Entry]:
    """Parse a Debian changelog: one entry per ``  * item`` (sub-items folded in)."""
    from email.utils import parsedate_to_datetime

    entries: list[Entry] = []
    pkg = ver = None
    items: list[tuple[int, list[str]]] = []
    for ln, line in enumerate(text.splitlines(), 1):
        m = _DEB_HEAD_RE.match(line)
        if m:
            pkg, ver, items = m.group(1), m.group(2), []
            continue
        t = _DEB_TRAILER_RE.match(line)
        if t and ver is not None:
            try:
                date = parsedate_to_datetime(t.group(2)).date().isoformat()
            except (TypeError, ValueError):
                stats.skip(f"{pkg} {ver}", "unparseable date")
                ver = None
                continue
            stats.releases += 1
            for n, (iln, chunk) in enumerate(items):
                etext = re.sub(r"\s+", " ", " ".join(chunk)).strip()
                issues = re.findall(r"#(\d+)", " ".join(re.findall(r"closes:?\s*#\d+(?:,\s*#\d+)*", etext, re.I)))
                etext = re.sub(r"\bcloses:?\s*#\d+(?:,\s*#\d+)*[,;]?", "", etext, flags=re.I)
                etext = re.sub(r"\(\s*[,;]?\s*", "(", etext)
                etext = re.sub(r"\s*\(\s*\)", "", etext)
                etext = re.sub(r"\s+([,.;])", r"\1", etext).strip()
                if is_trivial(etext) or _DEB_TRIVIAL_RE.match(etext):
                    stats.dropped_trivial += 1
                    continue
                entries.append(Entry(etext, ver, date, path, iln, pkg or "", tuple(issues)))
            ver = None
            continue
        if ver is None:
            continue
        mm = re.match(r"^  (\s*)[*+-] (.*)$", line)
        if mm and not mm.group(1):
            items.append((ln, [mm.group(2)]))
        elif mm and items:
            items[-1][1].append(mm.group(2))
        elif line.strip() and items and line.startswith("    "):
            items[-1][1].append(line.strip())
    return entries


# ---------------------------------------------------------------------------
# Download, verification, extraction
# ---------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_sdist(src: Source, dl_dir: Path) -> Path:
    """Download (if needed) and verify one pinned sdist; return its path."""
    dl_dir.mkdir(parents=True, exist_ok=True)
    path = dl_dir / src.sdist
    if not (path.exists() and sha256_of(path) == src.sha256):
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            # Django >= 6 declares Requires-Python >= 3.12; we only read its docs.
            "--ignore-requires-python",
            f"{src.project}=={src.version}", "-d", str(dl_dir),
        ]
        print("+", " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, check=True, stdout=sys.stderr)
    if not path.exists():
        raise SystemExit(f"{src.project}: expected {path} after pip download")
    got = sha256_of(path)
    if got != src.sha256:
        raise SystemExit(f"{src.project}: sha256 mismatch for {path}: got {got}, pinned {src.sha256}")
    return path


def read_sdist(path: Path, files_re: str, license_file: str) -> tuple[str, dict, bytes]:
    """Return (top dir, {relative path: text} of matching files, license bytes)."""
    out: dict[str, str] = {}
    lic = b""
    with tarfile.open(path, "r:*") as tf:
        top = None
        for mem in tf.getmembers():
            if not mem.isfile():
                continue
            parts = mem.name.split("/", 1)
            if len(parts) != 2:
                continue
            top = top or parts[0]
            rel = parts[1]
            if re.fullmatch(files_re, rel) or rel == license_file:
                data = tf.extractfile(mem).read()
                if rel == license_file:
                    lic = data
                if re.fullmatch(files_re, rel):
                    out[rel] = data.decode("utf-8")
    if not out:
        raise SystemExit(f"{path}: no file matches {files_re}")
    if not lic:
        raise SystemExit(f"{path}: license file {license_file} missing")
    return top or path.name, dict(sorted(out.items())), lic


# ---------------------------------------------------------------------------
# Corpus assembly
# ---------------------------------------------------------------------------


def _ver_key(v: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.]", v))


def release_url(src: Source, e: Entry) -> str:
    if src.corpus == "pip":
        return "https://pip.pypa.io/en/stable/news/"
    if src.corpus == "pytest":
        base = "https://docs.pytest.org/en/stable/changelog.html"
        return f"{base}#{e.anchor}" if e.anchor else base
    if src.corpus == "sqlalchemy":
        series = re.search(r"changelog_(\d+)\.rst$", e.path).group(1)
        major = src.version.split(".")
        return (
            f"https://docs.sqlalchemy.org/en/{major[0]}{major[1]}/changelog/changelog_{series}.html"
            f"#change-{e.version}"
        )
    if src.corpus == "django":
        return f"https://docs.djangoproject.com/en/dev/releases/{e.version}/"
    return ""


def build_corpus(src: Source, top: str, files: dict, stats: ParseStats) -> tuple[list[dict], int]:
    parser = PARSERS[src.parser]
    entries: list[Entry] = []
    for rel, text in files.items():
        entries.extend(parser(text, rel, stats))
    # number entries within each release in file order
    counter: collections.Counter = collections.Counter()
    docs: list[dict] = []
    seen: dict[str, dict] = {}
    dup = 0
    proj = src.project.lower()
    # stable order: by date, then version, then file/line (file order)
    entries.sort(key=lambda e: (e.date, _ver_key(e.version), e.path, e.line))
    for e in entries:
        counter[e.version] += 1
        norm = re.sub(r"\W+", " ", e.text.lower()).strip()
        if norm in seen:  # same text already released (backport listed twice)
            dup += 1
            first = seen[norm]
            if e.version not in first["also_in"]:
                first["also_in"].append(e.version)
            continue
        doc = {
            "id": f"{proj}-{e.version}-{counter[e.version]:04d}",
            "text": e.text,
            "date": e.date,
            "project": src.project,
            "version": e.version,
            "title": f"{src.project} {e.version}",
            "source": f"{top}/{e.path}:{e.line}",
            "url": release_url(src, e),
            "source_url": f"https://github.com/{src.github}/blob/{src.tag}/{e.path}#L{e.line}",
            "section": e.section,
            "issues": sorted(set(e.issues), key=lambda x: (len(x), x)),
            "also_in": [],
        }
        seen[norm] = doc
        docs.append(doc)
    docs.sort(key=lambda d: (d["date"], d["id"]))
    return docs, dup


def write_jsonl_gz(path: Path, docs: Iterable[dict]) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        for d in docs:
            gz.write((json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
    path.write_bytes(buf.getvalue())


def quarter(date: str) -> str:
    y, m = int(date[:4]), int(date[5:7])
    return f"{y}Q{(m - 1) // 3 + 1}"


def quarter_table(corpora: dict[str, list[dict]], threshold: int = 40) -> str:
    counts = {name: collections.Counter(quarter(d["date"]) for d in docs) for name, docs in corpora.items()}
    allq = sorted(set().union(*[set(c) for c in counts.values()]))
    if not allq:
        return ""
    y0, y1 = int(allq[0][:4]), int(allq[-1][:4])
    names = list(corpora)
    rows = ["| quarter | " + " | ".join(names) + " | all |", "|---" * (len(names) + 2) + "|"]
    for y in range(y0, y1 + 1):
        for q in range(1, 5):
            key = f"{y}Q{q}"
            if key < allq[0] or key > allq[-1]:
                continue
            vals = [counts[n].get(key, 0) for n in names]
            cells = [f"**{v}**" if v >= threshold else str(v) for v in vals]
            tot = sum(vals)
            rows.append(f"| {key} | " + " | ".join(cells) + f" | {'**%d**' % tot if tot >= threshold else tot} |")
    summary = []
    for n in names:
        c = counts[n]
        summary.append(f"- {n}: {sum(1 for v in c.values() if v >= threshold)} quarters with >= {threshold} documents "
                       f"(of {len(c)} non-empty quarters)")
    return "\n".join(rows) + "\n\n" + "\n".join(summary) + "\n"


def write_readme(out: Path, results: list) -> None:
    L = [
        "# alignaudit dated changelog corpora",
        "",
        "Generated by `scripts/build_corpora.py` (do not edit by hand). Each `*.jsonl.gz` file is gzip-compressed",
        "JSON Lines, one changelog entry per line, sorted by (`date`, `id`). `date` is the release date of",
        "the version whose notes list the entry. Fields: `id`, `text`, `date`, `project`, `version`, `title` (`<project> <version>`),",
        "`source` (file inside the sdist and line), `url` (public release notes), `source_url` (same file on",
        "GitHub at the release tag; line numbers assume the sdist copy equals the tagged file), `section`,",
        "`issues` (issue/ticket/PR numbers removed from or referenced in the text), `also_in` (other releases",
        "whose notes repeat the same text, e.g. security fixes released in several series on one day).",
        "",
        "## Sources",
        "",
    ]
    for src, top, docs, stats, dup, fname in results:
        dates = [d["date"] for d in docs]
        reasons = collections.Counter(r.split(" '")[0] for _, r in stats.skipped)
        L += [
            f"### {src.corpus} — `{fname}`",
            "",
            f"- Project: {src.project} {src.version} (PyPI), sdist `{src.sdist}`",
            f"- sha256: `{src.sha256}`",
            f"- Downloaded with: `pip download --no-deps --no-binary :all: {src.project}=={src.version}`"
            f" (plus `--ignore-requires-python`)",
            f"- Changelog file(s): `{top}/` + `{src.files}` ({len(set(d['source'].rsplit(':', 1)[0] for d in docs))} files used)",
            f"- License: {src.license_name} (`{src.license_file}` in the sdist, copied here as `LICENSE-{src.project}`)",
            f"- Documents: {len(docs)}; date range {min(dates)} .. {max(dates)}; releases used: {stats.releases}",
            f"- Skipped releases: {len(stats.skipped)} ("
            + ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items()))
            + ")",
            *(f"- Release {v} is marked \"not published\"; its entries carry the date of {w} ({d}), "
              "the release that first shipped them" for v, w, d in stats.carried),
            f"- Dropped trivial entries: {stats.dropped_trivial}; exact duplicate texts merged into `also_in`: {dup}",
            "",
        ]
    L += [
        "## How the text was made",
        "",
        "- pip, pytest: towncrier-style `VERSION (YYYY-MM-DD)` headings; one document per bullet (nested",
        "  lists folded in) or per free paragraph; category headings (`Bug Fixes`, ...) go to `section`.",
        "- SQLAlchemy: one document per `.. change::` directive of each dated `.. changelog::` block",
        "  (`:released:`); `:tags:` go to `section`, `:tickets:` to `issues`.",
        "- Django: one file per release with a `*Month D, YYYY*` date line; one document per bullet;",
        "  a section of prose paragraphs becomes \"Section title. paragraphs...\" (chunks of ~1000",
        "  characters); each `CVE-...` section becomes one document.",
        "- reST markup is rendered as plain text (roles, literals, links, emphasis); literal/code blocks,",
        "  comments, link targets, images and `seealso` blocks are dropped; issue references in",
        "  parentheses are removed from the text and kept in `issues`.",
        "- Skipped: unreleased, undated, yanked and malformed release headings (counted above);",
        "  trivial entries (\"Bump version\", \"No significant changes.\", bare lead-ins, boilerplate).",
        "",
        "Rebuild: `python build_corpora.py --out out/` (downloads with pip, checks the pinned sha256,",
        "writes byte-identical files). Read: `gzip.open(path, 'rt')` and `json.loads` per line.",
        "",
        "## Documents per quarter",
        "",
        "Bold: >= 40 documents in that quarter.",
        "",
        quarter_table({r[0].corpus: r[2] for r in results}),
    ]
    (out / "README.md").write_text("\n".join(L), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="output directory")
    ap.add_argument("--sdist-dir", type=Path, default=None, help="where sdists are downloaded/cached "
                    "(default: <out>/../sdists)")
    ap.add_argument("--only", action="append", help="build only these corpora (repeatable)")
    ap.add_argument("--merged", action="store_true",
                    help="also write changelogs-all.jsonl.gz (all corpora merged; not shipped by default)")
    ap.add_argument("--debian", type=Path, default=None,
                    help="also build an (unshipped) corpus from DIR/*/changelog.Debian.gz")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    dl = args.sdist_dir or (out.resolve().parent / "sdists")
    results = []
    for src in SOURCES:
        if args.only and src.corpus not in args.only:
            continue
        path = fetch_sdist(src, dl)
        top, files, lic = read_sdist(path, src.files, src.license_file)
        stats = ParseStats()
        docs, dup = build_corpus(src, top, files, stats)
        fname = f"{src.corpus}.jsonl.gz"
        write_jsonl_gz(out / fname, docs)
        (out / f"LICENSE-{src.project}").write_bytes(lic)
        results.append((src, top, docs, stats, dup, fname))
        print(f"{src.corpus}: {len(docs)} docs {docs[0]['date']}..{docs[-1]['date']}, "
              f"{stats.releases} releases, {len(stats.skipped)} skipped", file=sys.stderr)
    if results:
        write_readme(out, results)
    if args.merged and results:
        merged = sorted((d for r in results for d in r[2]), key=lambda d: (d["date"], d["id"]))
        write_jsonl_gz(out / "changelogs-all.jsonl.gz", merged)
        print(f"changelogs-all: {len(merged)} docs", file=sys.stderr)
    if args.debian:
        stats = ParseStats()
        docs = []
        seen_ids: set = set()
        for p in sorted(args.debian.glob("*/changelog.Debian.gz")):
            text = gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
            for n, e in enumerate(parse_debian_changelog(text, str(p), stats)):
                did = f"debian-{e.section}-{e.version}-{e.line:05d}"
                if did in seen_ids:  # the same changelog shipped by several binary packages
                    continue
                seen_ids.add(did)
                docs.append({"id": did, "text": e.text,
                             "date": e.date, "project": e.section, "version": e.version,
                             "source": f"{e.path}:{e.line}", "url": "", "issues": list(e.issues)})
        docs.sort(key=lambda d: (d["date"], d["id"]))
        write_jsonl_gz(out / "debian-changelogs.jsonl.gz", docs)
        print(f"debian: {len(docs)} docs from {args.debian}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
