"""Reading one input of the user's data into raw documents, before cleaning: ``.txt``/``.md``
(by line or paragraph), ``.jsonl``, ``.csv``, ``.tsv``, ``.parquet`` and folders (Hugging Face
datasets are read by :mod:`alignaudit.drift.hfdata`, with the column helpers here); bytes to text
(non-UTF-8 bytes replaced and flagged, binary files refused); text and date columns found with a
"did you mean" when missing. Every problem is a :class:`~alignaudit._util.errors.UserError`
naming the file (and line).
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from alignaudit._util.errors import UserError
from alignaudit._util.frozen import Frozen
from alignaudit._util.owned import written_by_alignaudit
from alignaudit.drift.hfsources import is_dataset_folder, shard_files

DEFAULT_MAX_CHARS = 20_000
TEXT_SUFFIXES = (".txt", ".md")
OUTPUT_MARKERS = ("results.json", "summary.md")
"""Files whose alignaudit mark makes a folder one of its output folders."""
SUPPORTED = ("a .txt, .md, .jsonl, .csv, .tsv or .parquet file (the text ones may be gzipped, "
             "e.g. .jsonl.gz), a folder of .txt/.md files, or a Hugging Face dataset: a "
             "save_to_disk folder (FOLDER@SPLIT for one with splits), hf:NAME[:CONFIG][@SPLIT], "
             "or .parquet/.arrow shards (a folder of them or a quoted glob)")

_MAGIC = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"\x1f\x8b", "a gzip archive"), (b"BZh", "a bzip2 archive"), (b"\xfd7zXZ", "an xz archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"), (b"PAR1", "a Parquet file"),
    (b"SQLite format 3", "an SQLite database"), (b"\x7fELF", "an executable"),
]

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
    extra_columns: dict[str, str] = Field(
        default_factory=dict, description="Other columns kept with each document, by role: "
        "``{\"title\": \"version\"}`` reads column ``version`` as the document's title "
        "(option ``--title-column``). Only for jsonl/csv/tsv/parquet.")


@dataclass
class Chunk:
    """Documents as read from one input, before cleaning."""

    texts: list[str] = field(default_factory=list)
    dates: list[Any] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    positions: list[int | None] = field(default_factory=list)
    bad: list[bool] = field(default_factory=list)
    extras: list[dict[str, str]] = field(default_factory=list)
    population: int | None = None
    """Rows of the input when only a random subset of them was read (``--sample`` on a
    Hugging Face dataset); None when every row was read."""

    def add(self, text: str, source: str, position: int | None, bad: bool,
            date: Any = None, extra: dict[str, str] | None = None) -> None:
        self.texts.append(text)
        self.sources.append(source)
        self.positions.append(position)
        self.bad.append(bad)
        self.dates.append(date)
        self.extras.append(extra or {})


# --------------------------------------------------------------------------- dispatch
def file_type(path: Path) -> str:
    """The suffix that says how to read ``path``: ``.jsonl`` for ``x.jsonl`` and ``x.jsonl.gz``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def is_text_input(path: Path) -> bool:
    """Is ``path`` read as plain text (no columns, so no dates)? A dataset folder is not."""
    if path.is_dir():
        return not is_dataset_folder(path) and not shard_files(path)
    return file_type(path) in TEXT_SUFFIXES


def read_any(path: Path, options: DataOptions) -> Chunk:
    suffix = file_type(path)
    if path.is_dir():
        return _read_folder(path)
    if written_by_alignaudit(path):
        raise UserError(
            f"--data {path}: this file was written by alignaudit (an audit's output); it is not "
            "read as data. Give a file of your own data."
        )
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
MAX_GUNZIPPED = 4 << 30
"""Most bytes a ``.gz`` input may expand to (a guard against decompression bombs)."""


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a ``.gz`` file is decompressed (at most ``MAX_GUNZIPPED`` bytes)."""
    try:
        data = path.read_bytes()
    except PermissionError:
        raise UserError(
            f"--data {path}: permission denied; this user cannot read the file. Fix its "
            f"permissions (e.g. `chmod a+r {path}`) or copy it somewhere readable."
        ) from None
    except OSError as exc:
        raise UserError(f"--data {path}: cannot read the file ({exc.strerror or exc}).") from None
    return _gunzip(path, data) if path.suffix.lower() == ".gz" else data


def _gunzip(path: Path, data: bytes) -> bytes:
    import zlib

    inflate = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    try:
        out = inflate.decompress(data, MAX_GUNZIPPED + 1)
    except zlib.error as exc:
        raise UserError(f"--data {path}: not a readable gzip file ({exc}). Check that the "
                        "download is complete, or give the file uncompressed.") from None
    if len(out) > MAX_GUNZIPPED:
        raise UserError(f"--data {path}: it expands to more than {MAX_GUNZIPPED >> 30} GiB; "
                        "split it into smaller files.")
    if not inflate.eof:
        raise UserError(f"--data {path}: not a readable gzip file (it ends before its "
                        "compressed data does). Check that the download is complete.")
    return out


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
    data = read_bytes(path)
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
def _read_text_file(path: Path, split: str) -> Chunk:
    text, bad = _decode(path)
    chunk = Chunk()
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


def is_output_folder(folder: Path) -> bool:
    """Did alignaudit write its results into ``folder`` (a results.json or summary.md of its
    own there)?"""
    return any(written_by_alignaudit(folder / name) for name in OUTPUT_MARKERS)


def _folder_files(path: Path) -> list[Path]:
    """The .txt/.md files under ``path`` that are the user's: hidden ones, alignaudit's own
    files (an earlier run's summary.md) and whole output folders of alignaudit are left out, so
    a run never reads its own output as data."""
    files, outputs = [], {path: False}
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file() \
                or p.suffix.lower() not in TEXT_SUFFIXES:
            continue
        parents = [path.joinpath(*rel.parts[:i]) for i in range(1, len(rel.parts))]
        if any(outputs.setdefault(d, is_output_folder(d)) for d in parents):
            continue
        if not written_by_alignaudit(p):
            files.append(p)
    return files


def _read_folder(path: Path) -> Chunk:
    if is_output_folder(path):
        raise UserError(
            f"--data {path}: alignaudit wrote its results into this folder (results.json, "
            "summary.md); it is not read as data. Give the folder or file of your own data."
        )
    files = _folder_files(path)
    if not files:
        seen = Counter(p.suffix.lower() or "(none)" for p in path.rglob("*") if p.is_file())
        found = ", ".join(f"{n} {s}" for s, n in seen.most_common(5)) or "no files"
        raise UserError(
            f"--data {path}: the folder holds no .txt or .md files (found: {found}). A folder "
            "is read as one document per .txt/.md file; pass a data file directly instead."
        )
    chunk = Chunk()
    for file in files:
        text, bad = _decode(file, allow_empty=True)
        chunk.add(text, str(file), None, bad)
    return chunk


def _read_jsonl(path: Path, options: DataOptions) -> Chunk:
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
    text_col, date_col = columns_of(path, list(columns), options)
    extras = extra_columns_of(path, list(columns), options)
    chunk = Chunk()
    for i, record, line_bad in records:
        value = _as_text(record.get(text_col), path, f"line {i}", text_col)
        extra = {role: _extra_text(record.get(col), path, f"line {i}", col)
                 for role, col in extras.items()}
        chunk.add(value, str(path), i, line_bad and "\ufffd" in value,
                  record.get(date_col) if date_col else None, extra)
    return chunk


def _read_delimited(path: Path, options: DataOptions, sep: str) -> Chunk:
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
    text_col, date_col = columns_of(path, [str(c) for c in frame.columns], options)
    extras = extra_columns_of(path, [str(c) for c in frame.columns], options)
    texts = frame[text_col].tolist()
    return rows_chunk(path, text_col, texts, frame[date_col].tolist() if date_col else None,
                      [bad and "\ufffd" in t for t in texts],
                      {role: frame[col].tolist() for role, col in extras.items()})


def _read_parquet(path: Path, options: DataOptions) -> Chunk:
    import io

    import pyarrow.parquet as pq

    data = read_bytes(path)
    if not data.strip():
        raise UserError(f"--data {path}: the file is empty. Check the path, or drop this --data.")
    try:
        file = pq.ParquetFile(io.BytesIO(data))
        text_col, date_col = columns_of(path, list(file.schema_arrow.names), options)
        extras = extra_columns_of(path, list(file.schema_arrow.names), options)
        wanted = [text_col] + ([date_col] if date_col else []) + list(extras.values())
        table = file.read(columns=list(dict.fromkeys(wanted)))
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        raise UserError(
            f"--data {path}: not a readable Parquet file ({str(exc).strip()[:200]}). Check "
            "that the file is complete and really is Parquet."
        ) from None
    texts, bad = text_cells(table.column(text_col).to_pylist())
    return rows_chunk(path, text_col, texts,
                      table.column(date_col).to_pylist() if date_col else None, bad,
                      {role: table.column(col).to_pylist() for role, col in extras.items()})


def text_cells(values: list[Any]) -> tuple[list[Any], list[bool]]:
    """A column's cells with bytes decoded like a text file (a binary column), and whether
    each had bytes that are not UTF-8."""
    texts, bad = [], []
    for value in values:
        if isinstance(value, bytes):
            decoded = value.decode("utf-8", errors="replace")
            bad.append(decoded.encode("utf-8", "surrogatepass") != value)
            value = decoded
        else:
            bad.append(False)
        texts.append(value)
    return texts, bad


def rows_chunk(path: Path, column: str, texts: list[Any], dates: list[Any] | None,
               bad: list[bool], extras: dict[str, list[Any]] | None = None,
               positions: list[int] | None = None) -> Chunk:
    """Rows of a table as documents, each cell checked to be text (``positions``: each row's
    1-based number, when not 1, 2, ...)."""
    chunk = Chunk()
    extras = extras or {}
    for i, value in enumerate(texts):
        row = positions[i] if positions is not None else i + 1
        date = dates[i] if dates is not None else None
        extra = {role: _extra_text(values[i], path, f"row {row}", role)
                 for role, values in extras.items()}
        chunk.add(_as_text(value, path, f"row {row}", column), str(path), row, bad[i], date,
                  extra)
    return chunk


# --------------------------------------------------------------------------- columns
def columns_of(path: Path, columns: list[str], options: DataOptions, given_as: str = "--data"
               ) -> tuple[str, str | None]:
    """The text column and the date column (None when not asked for) of an input with
    ``columns``; a UserError with "did you mean" when one is not there."""
    listed = ", ".join(f"`{c}`" for c in columns) or "(none)"
    if options.text_column is None:
        raise UserError(
            f"{given_as} {path}: say which column holds the text with --text-column. "
            f"Its columns are: {listed}."
        )
    text_col = _column(path, columns, options.text_column, "--text-column", listed, given_as)
    date_col = None
    if options.date_column is not None:
        date_col = _column(path, columns, options.date_column, "--date-column", listed, given_as)
    return text_col, date_col


def extra_columns_of(path: Path, columns: list[str], options: DataOptions,
                     given_as: str = "--data") -> dict[str, str]:
    """The column of each extra role (``--title-column`` ...), each checked like the text's."""
    listed = ", ".join(f"`{c}`" for c in columns) or "(none)"
    return {role: _column(path, columns, wanted, f"--{role.replace('_', '-')}-column", listed,
                          given_as)
            for role, wanted in options.extra_columns.items()}


def _column(path: Path, columns: list[str], wanted: str, option: str, listed: str,
            given_as: str) -> str:
    if wanted in columns:
        return wanted
    lower = {c.lower(): c for c in columns}
    near = [lower[wanted.lower()]] if wanted.lower() in lower else \
        difflib.get_close_matches(wanted, columns, n=1, cutoff=0.5)
    hint = f" Did you mean `{near[0]}`?" if near else ""
    raise UserError(
        f"{given_as} {path}: {option} {wanted}: there is no such column. Its columns are: "
        f"{listed}.{hint}"
    )


def _extra_text(value: Any, path: Path, where: str, column: str) -> str:
    """A side column's value as text; a list of plain values (e.g. the other releases holding a
    changelog entry) is joined with ", "."""
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(v, path, where, column) for v in value)
    return _as_text(value, path, where, column)


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
