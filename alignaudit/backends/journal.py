"""The resume journal: every finished batch of model calls, appended as it finishes.

A batch is keyed by a hash of what it computes (the model's identity, the verb and the exact
token ids; for a served model, the request), so a re-run with the same inputs forms the same
batches, finds the finished ones here and computes only the rest. The values read back are the
values that were written (JSON writes a float as its shortest exact repr, so floats come back
bit for bit), so a resumed run's results equal an uninterrupted run's. Lines are flushed and
fsynced one by one; a line cut short by Ctrl-C or a crash is ignored on reading. A journal may
be shared by threads (the openai backend journals each request from its worker thread).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from alignaudit._util import interrupts
from alignaudit._util.errors import UserError


class Journal:
    """An append-only JSON-lines file of ``{"key": ..., "value": ...}`` records, after a first
    line ``{"identity": ...}`` that says what the answers depend on.

    ``identity`` is everything that changes an answer (the runner's: the model's weight and
    config hashes, generation settings, suites, tool version) as a JSON-able mapping (or a
    string). A journal written for another identity is never reused: it is set aside (renamed
    ``*.stale``), :attr:`stale` says what changed, and this journal starts empty.
    """

    def __init__(self, path: Path, identity: Any) -> None:
        self.path = Path(path)
        self.described = identity if isinstance(identity, str) else json.loads(json.dumps(identity))
        self.identity = identity if isinstance(identity, str) else json.dumps(
            identity, sort_keys=True, separators=(",", ":"))
        self.entries: dict[str, Any] = {}
        self.hits = 0
        self.written = 0
        self.stale: str | None = None
        """Why an earlier journal at this path was set aside (None when none was)."""
        self._lock = threading.Lock()
        self._has_header = False
        if self.path.is_file():
            self._read()

    def _read(self) -> None:
        header: Any = None
        entries: dict[str, Any] = {}
        with self.path.open("r", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                    if "identity" in record and header is None and not entries:
                        header = record["identity"]
                        continue
                    entries[record["key"]] = record["value"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # a line cut short by an interruption
        if header == self.described:
            self.entries, self._has_header = entries, True
            return
        if entries:
            self.stale = what_changed(header, self.described)
            os.replace(self.path, self.path.with_suffix(".stale"))
        else:
            self.path.unlink(missing_ok=True)

    def key(self, verb: str, payload: Any) -> str:
        text = json.dumps([self.identity, verb, payload], separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Any | None:
        with self._lock:
            value = self.entries.get(key)
            if value is not None:
                self.hits += 1
            return value

    def put(self, key: str, value: Any) -> None:
        line = json.dumps({"key": key, "value": value}, separators=(",", ":")) + "\n"
        with self._lock:
            self.entries[key] = value
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not self._has_header:
                    line = json.dumps({"identity": self.described}, sort_keys=True) + "\n" + line
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
                self._has_header = True
            except OSError as exc:
                raise UserError(
                    f"Cannot write the resume journal {self.path}: {exc.strerror or exc}. Free "
                    "some space or choose another --out; run the same command again to resume "
                    f"from the {self.written} results already journaled."
                ) from None
            self.written += 1


def what_changed(old: Any, new: Any) -> str:
    """What differs between two identities, in words: ``config.json, the alignaudit version``."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return "another alignaudit version or another model"
    changed: list[str] = []
    for part in sorted(set(old) | set(new)):
        a, b = old.get(part), new.get(part)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict) and part in ("files", "suites"):
            changed += [name for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
        else:
            changed.append(IDENTITY_PARTS.get(part, part))
    return ", ".join(changed)


IDENTITY_PARTS = {"tool": "the alignaudit version", "model": "the model's settings",
                  "generation": "the generation settings", "seed": "--seed", "api": "--api"}
"""How each part of an identity is named when it changed."""


def journaled_value(journal: Journal | None, verb: str, payload: Any,
                    compute: Callable[[], Any]) -> Any:
    """``compute()`` unless ``journal`` already holds the answer for ``(verb, payload)``; a
    computed answer is journaled. The answer must be JSON (not None) and comes back as JSON
    gives it: tuples as lists. Without a journal, just ``compute()``."""
    interrupts.check()  # a recorded Ctrl-C starts no new work, even if its exception was lost
    if journal is None:
        return compute()
    key = journal.key(verb, payload)
    found = journal.get(key)
    if found is not None:
        return found
    value = compute()
    journal.put(key, value)
    return value


def journaled(journal: Journal | None, verb: str, payload: Any,
              compute: Callable[[], Iterable[Any]]) -> list[Any]:
    """A batch's answers, one per item: ``compute()`` unless ``journal`` already holds this
    exact batch (then its items come back with lists turned into tuples, as computed)."""
    interrupts.check()
    if journal is None:
        return list(compute())
    key = journal.key(verb, payload)
    found = journal.get(key)
    if found is not None:
        return [tuple(v) if isinstance(v, list) else v for v in found]
    value = list(compute())
    journal.put(key, [list(v) if isinstance(v, tuple) else v for v in value])
    return value


def journal_path(journal_dir: Path, model_spec: str) -> Path:
    """A model's journal file inside the journal folder (the CLI uses ``OUT/.journal``)."""
    name = hashlib.sha256(model_spec.encode("utf-8")).hexdigest()[:16]
    return Path(journal_dir) / f"{name}.jsonl"
