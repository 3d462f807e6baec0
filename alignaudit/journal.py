"""The resume journal: every finished batch of model calls, appended as it finishes.

A batch is keyed by a hash of what it computes (the model's identity, the verb and the exact
token ids), so a re-run with the same inputs forms the same batches, finds the finished ones
here and computes only the rest. The values read back are the values that were written, so a
resumed run's results equal an uninterrupted run's. Lines are flushed and fsynced one by one;
a line cut short by Ctrl-C or a crash is ignored on reading.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from alignaudit.errors import UserError


class Journal:
    """An append-only JSON-lines file of ``{"key": ..., "value": ...}`` records."""

    def __init__(self, path: Path, identity: str) -> None:
        self.path = Path(path)
        self.identity = identity
        self.entries: dict[str, Any] = {}
        self.hits = 0
        self.written = 0
        if self.path.is_file():
            self._read()

    def _read(self) -> None:
        with self.path.open("r", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                    self.entries[record["key"]] = record["value"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # a line cut short by an interruption

    def key(self, verb: str, payload: Any) -> str:
        text = json.dumps([self.identity, verb, payload], separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Any | None:
        value = self.entries.get(key)
        if value is not None:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        self.entries[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"key": key, "value": value}, separators=(",", ":")) + "\n"
        try:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise UserError(
                f"Cannot write the resume journal {self.path}: {exc.strerror or exc}. Free some "
                "space or choose another --out; run the same command again to resume from the "
                f"{self.written} batches already journaled."
            ) from None
        self.written += 1


def journal_path(journal_dir: Path, model_spec: str) -> Path:
    """A model's journal file inside the journal folder (the CLI uses ``OUT/.journal``)."""
    name = hashlib.sha256(model_spec.encode("utf-8")).hexdigest()[:16]
    return Path(journal_dir) / f"{name}.jsonl"
