"""Reading the rows of a Hugging Face dataset given as ``--data`` (what counts as one, and
opening it, is :mod:`alignaudit.drift.hfsources`) into raw documents.

Rows go through the same column checks ("did you mean"), text conversion and cleaning as a
``.jsonl`` file (:mod:`alignaudit.drift.readers`, then :mod:`alignaudit.drift.documents`), so the
same rows give the same documents whatever their format. With ``--sample N`` on a single input,
random rows are read (more when cleaning drops some) instead of the whole dataset: a uniform
sample, and shards holding none of the chosen rows are never opened.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alignaudit._util.errors import UserError
from alignaudit.drift.hfsources import (
    DatasetInput,
    import_datasets,
    open_folder,
    open_hub,
    open_shards,
    quiet,
)
from alignaudit.drift.readers import (
    Chunk,
    DataOptions,
    columns_of,
    extra_columns_of,
    rows_chunk,
    text_cells,
)

BATCH = 1000


# --------------------------------------------------------------------------- reading
@dataclass
class Rows:
    """A dataset opened for reading: its parts (one per shard, or one), each with its row
    count, and a way to read given rows of a part (all of them when ``picked`` is None)."""

    names: list[str]
    sources: list[str]
    counts: list[int]
    read: Callable[[int, list[str], list[int] | None], Iterator[dict[str, list[Any]]]]


def read_dataset(spec: DatasetInput, options: DataOptions, rng: np.random.Generator | None,
                 option: str = "--data") -> Chunk:
    """The documents of ``spec``; with ``rng`` and ``options.sample``, only random rows of it
    (``Chunk.population`` then says how many rows it has)."""
    datasets = import_datasets(spec.given, option)
    with quiet(datasets):
        return _read(spec, datasets, options, rng, option)


def _read(spec: DatasetInput, datasets: Any, options: DataOptions,
          rng: np.random.Generator | None, option: str) -> Chunk:
    rows = _open(spec, datasets, option)
    where = Path(spec.given)
    text_col, date_col = columns_of(where, rows.names, options, option)
    extras = extra_columns_of(where, rows.names, options, option)
    wanted = list(dict.fromkeys([text_col, *([date_col] if date_col else []), *extras.values()]))
    columns = (text_col, date_col, extras)
    try:
        if rng is not None and options.sample is not None:
            return _sampled(rows, wanted, columns, options.sample, rng)
        return _merge([_part(rows, i, wanted, columns, None) for i in range(len(rows.sources))])
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - datasets/pyarrow raise many types for bad files
        raise UserError(f"{option} {spec.given}: could not read the dataset "
                        f"({type(exc).__name__}: {str(exc).strip()[:200]}).") from None


def _part(rows: Rows, part: int, wanted: list[str],
          columns: tuple[str, str | None, dict[str, str]], picked: list[int] | None) -> Chunk:
    """Rows ``picked`` (0-based, sorted; all when None) of one part, as a chunk."""
    text_col, date_col, extras = columns
    values: dict[str, list[Any]] = {name: [] for name in wanted}
    for batch in rows.read(part, wanted, picked):
        for name in wanted:
            values[name].extend(batch[name])
    texts, bad = text_cells(values[text_col])
    positions = [i + 1 for i in picked] if picked is not None else None
    return rows_chunk(Path(rows.sources[part]), text_col, texts,
                      values[date_col] if date_col else None, bad,
                      {role: values[col] for role, col in extras.items()}, positions)


def _sampled(rows: Rows, wanted: list[str], columns: tuple[str, str | None, dict[str, str]],
             want: int, rng: np.random.Generator) -> Chunk:
    """Random rows until ``want`` distinct non-empty texts are in hand (or all rows are read),
    in the dataset's order; each row is read once, and only parts holding a chosen row are
    opened."""
    starts = np.cumsum([0, *rows.counts])
    order = rng.permutation(int(starts[-1]))
    got: list[tuple[int, Chunk, int]] = []  # (row in the dataset, chunk holding it, index there)
    seen: set[bytes] = set()
    step = want
    while len(got) < len(order) and len(seen) < want:
        batch = sorted(order[len(got):len(got) + step].tolist())
        chunk = _merge(_by_part(rows, wanted, columns, starts, batch))
        for j, (row, text) in enumerate(zip(batch, chunk.texts, strict=True)):
            got.append((row, chunk, j))
            if text.strip():
                seen.add(hashlib.blake2b(text.strip().encode("utf-8", "surrogatepass"),
                                         digest_size=16).digest())
        step = 2 * (want - len(seen)) + 1
    every_row = len(got) == len(order)  # then nothing was left out while reading
    merged = Chunk(population=None if every_row else int(starts[-1]))
    for _, chunk, j in sorted(got, key=lambda item: item[0]):
        _copy_row(chunk, j, merged)
    return merged


def _by_part(rows: Rows, wanted: list[str], columns: tuple[str, str | None, dict[str, str]],
             starts: np.ndarray, chosen: list[int]) -> list[Chunk]:
    parts = np.searchsorted(starts, chosen, side="right") - 1
    return [_part(rows, int(p), wanted, columns,
                  [c - int(starts[p]) for c, q in zip(chosen, parts, strict=True) if q == p])
            for p in sorted(set(parts.tolist()))]


def _merge(chunks: list[Chunk]) -> Chunk:
    merged = Chunk()
    for chunk in chunks:
        for i in range(len(chunk.texts)):
            _copy_row(chunk, i, merged)
    return merged


def _copy_row(chunk: Chunk, i: int, into: Chunk) -> None:
    into.add(chunk.texts[i], chunk.sources[i], chunk.positions[i], chunk.bad[i], chunk.dates[i],
             chunk.extras[i])


# --------------------------------------------------------------------------- opening
def _open(spec: DatasetInput, datasets: Any, option: str) -> Rows:
    if spec.kind in ("folder", "hub"):
        opener = open_folder if spec.kind == "folder" else open_hub
        return _parts_of([opener(spec, datasets, option)], [spec.given])
    names, opened, counts = open_shards(spec, datasets, option)
    sources = [str(p) for p in spec.files]
    if isinstance(opened, list):  # arrow shards: memory-mapped, one Dataset per shard
        return _parts_of(opened, sources)
    return Rows(names=names, sources=sources, counts=counts,
                read=lambda part, cols, picked: _stream_rows(
                    opened.shard(num_shards=opened.n_shards, index=part), cols, picked))


def _parts_of(parts: list[Any], sources: list[str]) -> Rows:
    def read(part: int, cols: list[str], picked: list[int] | None
             ) -> Iterator[dict[str, list[Any]]]:
        data = parts[part].select_columns(cols)
        if picked is not None:
            data = data.select(picked)
        return iter(data.iter(batch_size=BATCH))

    return Rows(names=list(parts[0].column_names), sources=sources,
                counts=[len(p) for p in parts], read=read)


def _stream_rows(stream: Any, cols: list[str], picked: list[int] | None
                 ) -> Iterator[dict[str, list[Any]]]:
    """Rows of one streamed shard; with ``picked``, only those, and nothing past the last."""
    wanted = set(picked) if picked is not None else None
    row = 0
    for batch in stream.select_columns(cols).iter(batch_size=BATCH):
        size = len(batch[cols[0]])
        if wanted is None:
            yield batch
        else:
            keep = [i for i in range(size) if row + i in wanted]
            yield {c: [batch[c][i] for i in keep] for c in cols}
            if picked and row + size > picked[-1]:
                return
        row += size
