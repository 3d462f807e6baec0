"""Which ``--data`` values name a Hugging Face dataset, and opening them with the ``datasets``
library (imported only here, and only when such an input is given).

* A folder written by ``Dataset.save_to_disk`` (``dataset_info.json`` + ``state.json``) or by
  ``DatasetDict.save_to_disk`` (``dataset_dict.json``); ``@SPLIT`` chooses a split:
  ``--data tickets_ds@train``.
* A dataset on the Hub, ``hf:NAME[:CONFIG][@SPLIT]`` (``hf:ag_news@test``,
  ``hf:org/name:config@train``). It is read from the local cache when it is there: with
  ``HF_HUB_OFFLINE=1`` (or ``HF_DATASETS_OFFLINE=1``), or when the Hub cannot be reached, without
  waiting on the network; else ``datasets`` downloads it.
* A set of ``.parquet`` or ``.arrow`` shards: a folder holding them (and no .txt/.md files but
  a README, as a dataset downloaded from the Hub has), a single ``.arrow`` file, or a glob
  (``'shards/*.parquet'``). Every shard of a folder is read (a glob picks one split's). Parquet
  shards are streamed (their row counts come from the files' footers); arrow shards are
  memory-mapped.
"""

from __future__ import annotations

import contextlib
import difflib
import glob
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alignaudit._util.errors import UserError

HF_PREFIX = "hf:"
INSTALL = "pip install 'alignaudit[hf-datasets]'"
SHARD_SUFFIXES = (".parquet", ".arrow")
_HUB_NAME = re.compile(r"[\w.-]+(/[\w.-]+)?")
DATASET_MARKERS = (("dataset_info.json", "state.json"), ("dataset_dict.json",))
"""Files that make a folder one written by ``datasets``' ``save_to_disk``."""


@dataclass(frozen=True)
class DatasetInput:
    """One ``--data`` value that names a dataset, as parsed."""

    given: str
    kind: Literal["folder", "hub", "shards"]
    path: Path | None = None
    files: tuple[Path, ...] = ()
    repo: str | None = None
    config: str | None = None
    split: str | None = None


# --------------------------------------------------------------------------- recognising
def dataset_input(raw: str, option: str = "--data") -> DatasetInput | None:
    """What ``raw`` names when it is a dataset (not a plain file or folder); None otherwise."""
    if raw.startswith(HF_PREFIX):
        return _hub_input(raw, option)
    path = Path(raw).expanduser()
    if path.exists():
        if is_dataset_folder(path):
            return DatasetInput(raw, "folder", path=path)
        shards = _shards_in(path)
        return DatasetInput(raw, "shards", files=shards) if shards else None
    if glob.has_magic(raw):
        return DatasetInput(raw, "shards", files=_glob_shards(raw, option))
    base, at, split = raw.rpartition("@")
    folder = Path(base).expanduser()
    if at and split and folder.is_dir():
        if not is_dataset_folder(folder):
            raise UserError(f"{option} {raw}: @{split} chooses a split of a dataset folder "
                            f"(written by save_to_disk), but {base} is not one.")
        return DatasetInput(raw, "folder", path=folder, split=split)
    return None


def is_dataset_folder(path: Path) -> bool:
    """Was ``path`` written by ``datasets``' ``save_to_disk`` (a Dataset or a DatasetDict)?"""
    return path.is_dir() and any(all((path / name).is_file() for name in marker)
                                 for marker in DATASET_MARKERS)


def shard_files(folder: Path) -> tuple[Path, ...]:
    """The ``.parquet`` shards under ``folder`` (else its ``.arrow`` ones), when it holds no
    text files but a README (a dataset downloaded from the Hub has one); hidden files are left
    out. Empty for a folder of text files, which is read as before."""
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    if any(p.suffix.lower() in (".txt", ".md") and p.stem.lower() != "readme" for p in files):
        return ()
    for suffix in SHARD_SUFFIXES:
        shards = tuple(p for p in files if p.suffix.lower() == suffix)
        if shards:
            return shards
    return ()


def path_to_check(raw: str) -> Path | None:
    """The local path a ``--data`` value needs to exist (checked before a run starts), or None
    for a Hub dataset and a glob (read, and checked, when the data is loaded)."""
    if raw.startswith(HF_PREFIX) or (glob.has_magic(raw) and not Path(raw).exists()):
        return None
    path = Path(raw).expanduser()
    base, at, split = raw.rpartition("@")
    if not path.exists() and at and split and Path(base).expanduser().is_dir():
        return Path(base).expanduser()
    return path


def _hub_input(raw: str, option: str) -> DatasetInput:
    rest = raw[len(HF_PREFIX):]
    name, _, split = rest.partition("@")
    repo, _, config = name.partition(":")
    if rest.startswith("//") or not _HUB_NAME.fullmatch(repo) or "@" in split or ":" in config:
        raise UserError(
            f"{option} {raw}: not a dataset id. Write hf:NAME[:CONFIG][@SPLIT], e.g. "
            "hf:ag_news@test or hf:org/name:config@train (a local file whose name starts with "
            "`hf:` is read as ./hf:...)."
        )
    return DatasetInput(raw, "hub", repo=repo, config=config or None, split=split or None)


def _shards_in(path: Path) -> tuple[Path, ...]:
    if path.is_file():
        return (path,) if path.suffix.lower() == ".arrow" else ()
    return shard_files(path)


def _glob_shards(pattern: str, option: str) -> tuple[Path, ...]:
    found = sorted(Path(p) for p in glob.glob(str(Path(pattern).expanduser()), recursive=True))
    files = [p for p in found if p.is_file()]
    if not files:
        raise UserError(f"{option} {pattern}: the pattern matches no files. Check it (quote it "
                        "so that the shell does not expand it).")
    kinds = {p.suffix.lower() for p in files}
    if len(kinds) > 1 or not kinds <= set(SHARD_SUFFIXES):
        raise UserError(
            f"{option} {pattern}: a pattern names a set of shards of one kind, .parquet or "
            f".arrow; it matches {', '.join(sorted(kinds))} files. Narrow it, e.g. "
            "'shards/*.parquet'."
        )
    return tuple(files)


@contextlib.contextmanager
def forced_offline(datasets: Any) -> Iterator[None]:
    """``datasets`` in offline mode for a while (a cached dataset while the Hub is unreachable,
    read without waiting on the network)."""
    before = datasets.config.HF_HUB_OFFLINE
    datasets.config.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_HUB_OFFLINE = before


# --------------------------------------------------------------------------- opening
def import_datasets(given: str, option: str) -> Any:
    """The ``datasets`` module; a UserError saying how to install it when it is missing."""
    try:
        import datasets
    except ImportError:
        raise UserError(
            f"{option} {given}: reading a Hugging Face dataset needs the `datasets` library, "
            f"which is not installed. Install it with: {INSTALL}"
        ) from None
    return datasets


@contextlib.contextmanager
def quiet(datasets: Any) -> Iterator[None]:
    """``datasets`` without its progress bars and warnings for a while (alignaudit says what it
    reads), as it was afterwards."""
    verbosity, bars = datasets.logging.get_verbosity(), datasets.are_progress_bars_disabled()
    datasets.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        datasets.logging.set_verbosity(verbosity)
        if not bars:
            datasets.enable_progress_bars()


def open_folder(spec: DatasetInput, datasets: Any, option: str) -> Any:
    """The ``Dataset`` saved in ``spec.path`` (memory-mapped, nothing copied)."""
    try:
        loaded = datasets.load_from_disk(str(spec.path))
    except Exception as exc:  # noqa: BLE001 - a damaged folder fails in many ways
        raise UserError(
            f"{option} {spec.given}: not a readable dataset folder ({type(exc).__name__}: "
            f"{str(exc).strip()[:200]}). It should be a folder written by save_to_disk; "
            "write it again."
        ) from None
    if isinstance(loaded, datasets.DatasetDict):
        return pick_split(loaded, spec, option)
    if spec.split is not None:
        raise UserError(f"{option} {spec.given}: {spec.path} holds one dataset, without "
                        f"splits; drop @{spec.split}.")
    return loaded


def pick_split(splits: Any, spec: DatasetInput, option: str) -> Any:
    """The split ``spec`` names, or the only one; else a UserError listing the splits."""
    names = [str(n) for n in splits]
    base = spec.given.rpartition("@")[0] if spec.split is not None else spec.given
    if not names:
        raise UserError(f"{option} {spec.given}: the dataset holds no splits.")
    listed = ", ".join(f"`{n}`" for n in names)
    if spec.split is None:
        if len(names) == 1:
            return splits[names[0]]
        raise UserError(
            f"{option} {spec.given}: the dataset has several splits ({listed}); choose one by "
            f"adding @SPLIT, e.g. --data {base}@{names[0]}."
        )
    if spec.split not in names:
        near = difflib.get_close_matches(spec.split, names, n=1, cutoff=0.5)
        hint = f" Did you mean {base}@{near[0]}?" if near else ""
        raise UserError(f"{option} {spec.given}: no split `{spec.split}`. Its splits are: "
                        f"{listed}.{hint}")
    return splits[spec.split]


def open_hub(spec: DatasetInput, datasets: Any, option: str) -> Any:
    """The Hub dataset ``spec`` names: from the local cache when it is there (without the
    network when offline mode is on or the Hub cannot be reached), else downloaded."""
    from alignaudit.backends.hf.resolve import hub_reachable

    assert spec.repo is not None
    offline = bool(datasets.config.HF_HUB_OFFLINE)
    cached = _in_cache(spec.repo, datasets)
    reachable = not offline and hub_reachable()
    if not cached and not reachable:
        raise _unreachable(spec, datasets, option, offline)
    quiet = forced_offline(datasets) if cached and not reachable else contextlib.nullcontext()
    try:
        with quiet:
            loaded = datasets.load_dataset(spec.repo, spec.config,
                                           split=None if cached else spec.split)
    except ConnectionError:
        raise _unreachable(spec, datasets, option, offline) from None
    except (ValueError, FileNotFoundError, datasets.exceptions.DatasetNotFoundError) as exc:
        said = " ".join(str(exc).split())[:300]
        raise UserError(f"{option} {spec.given}: `datasets` could not load it: {said}. Check the "
                        "name, the config (hf:NAME:CONFIG) and the split (@SPLIT).") from None
    return pick_split(loaded, spec, option) if isinstance(loaded, datasets.DatasetDict) \
        else loaded


def _in_cache(repo: str, datasets: Any) -> bool:
    """Has ``datasets`` cached ``repo`` (the folder layout it writes: ``org___name/config/
    version/hash``)?"""
    from datasets.naming import camelcase_to_snakecase

    parts = repo.split("/")
    parts[-1] = camelcase_to_snakecase(parts[-1])
    root = Path(datasets.config.HF_DATASETS_CACHE).expanduser() / "___".join(parts)
    return any(p.is_dir() for p in root.glob("*/*/*"))


def _unreachable(spec: DatasetInput, datasets: Any, option: str, offline: bool) -> UserError:
    why = ("offline mode is on (HF_HUB_OFFLINE or HF_DATASETS_OFFLINE)" if offline
           else "the Hugging Face Hub cannot be reached from this machine")
    return UserError(
        f"{option} {spec.given}: the dataset `{spec.repo}` is not in the local datasets cache "
        f"({datasets.config.HF_DATASETS_CACHE}) and {why}. Load it once where the Hub is "
        f"reachable (`datasets.load_dataset(\"{spec.repo}\")` fills the cache; copy the cache "
        "or point HF_DATASETS_CACHE at it), or save it there with save_to_disk and pass that "
        "folder as --data."
    )


def open_shards(spec: DatasetInput, datasets: Any, option: str
                ) -> tuple[list[str], list[Any] | Any, list[int]]:
    """Column names, the shards opened (a memory-mapped ``Dataset`` per .arrow shard, or one
    ``IterableDataset`` streaming all .parquet shards) and each shard's row count."""
    if spec.files[0].suffix.lower() == ".arrow":
        parts = [_arrow_shard(f, datasets, option) for f in spec.files]
        names = list(parts[0].column_names)
        _same_columns(spec, [list(p.column_names) for p in parts], option)
        return names, parts, [len(p) for p in parts]
    import pyarrow.parquet as pq

    try:
        metas = [pq.read_metadata(f) for f in spec.files]  # the footers only
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        raise UserError(f"{option} {spec.given}: a shard is not a readable Parquet file "
                        f"({str(exc).strip()[:200]}). Check that every shard is complete.") \
            from None
    _same_columns(spec, [list(m.schema.to_arrow_schema().names) for m in metas], option)
    stream = datasets.load_dataset("parquet", data_files=[str(f) for f in spec.files],
                                   split="train", streaming=True)
    return list(metas[0].schema.to_arrow_schema().names), stream, [m.num_rows for m in metas]


def _arrow_shard(path: Path, datasets: Any, option: str) -> Any:
    try:
        return datasets.Dataset.from_file(str(path))
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        raise UserError(
            f"{option} {path}: not an Arrow file as `datasets` writes it (a stream of record "
            f"batches; {str(exc).strip()[:200]}). Check that the shard is complete, or convert "
            "the shards to Parquet."
        ) from None


def _same_columns(spec: DatasetInput, columns: list[list[str]], option: str) -> None:
    for file, names in zip(spec.files, columns, strict=True):
        if set(names) != set(columns[0]):
            raise UserError(
                f"{option} {spec.given}: the shards do not hold the same columns: {file} has "
                f"{', '.join(names)}; {spec.files[0]} has {', '.join(columns[0])}. Give shards "
                "of one dataset."
            )
