"""Read back what W&B writes for a run offline: the records of its ``run-<id>.wandb`` file.

W&B 0.31 has no Python reader for that file any more (``wandb sync`` reads it in Go), so this
follows the file's documented layout: a 7-byte header (``:W&B``, magic 0xBEE1, version 0), then
32 KiB blocks of chunks, each ``crc32 (4) | length (2) | type (1) | data`` with type FULL=1,
FIRST=2, MIDDLE=3, LAST=4 as in LevelDB's log. Every chunk's CRC-32 (of its type byte and data)
is checked, so a misread fails loudly. Each whole record is a ``wandb_internal.Record``
protobuf, decoded with W&B's own message classes.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

HEADER = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK = 32 * 1024
CHUNK_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def raw_records(path: Path) -> list[bytes]:
    """The records of a .wandb file, as bytes, in order."""
    data = path.read_bytes()
    assert data[:len(HEADER)] == HEADER, f"{path} is not a W&B run file"
    records: list[bytes] = []
    pending = b""
    pos = len(HEADER)
    while pos + CHUNK_HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < CHUNK_HEADER:  # the block's tail is padding
            pos += left
            continue
        crc, length, kind = struct.unpack("<IHB", data[pos:pos + CHUNK_HEADER])
        if crc == 0 and length == 0 and kind == 0:  # zero padding at the end of a block
            pos += left
            continue
        chunk = data[pos + CHUNK_HEADER:pos + CHUNK_HEADER + length]
        assert zlib.crc32(chunk, zlib.crc32(bytes([kind]))) & 0xFFFFFFFF == crc, f"bad CRC at {pos}"
        pos += CHUNK_HEADER + length
        if kind == FULL:
            records.append(chunk)
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            records.append(pending + chunk)
            pending = b""
    return records


def records(run_folder: Path) -> list[Any]:
    """The decoded records of the offline run in ``run_folder`` (an ``offline-run-*`` folder)."""
    from wandb.proto import wandb_internal_pb2 as pb

    (path,) = run_folder.glob("run-*.wandb")
    out = []
    for raw in raw_records(path):
        record = pb.Record()
        record.ParseFromString(raw)
        out.append(record)
    return out


def _items(items: Any) -> dict[str, Any]:
    """``{key: value}`` of summary or history items (values are JSON; nested keys joined)."""
    return {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in items}


def read_run(run_folder: Path) -> dict[str, Any]:
    """What an offline run holds: its name, group, tags and config, its history rows and its
    summary (the last update of each key)."""
    run: dict[str, Any] = {"history": [], "summary": {}, "config": {}, "files": []}
    for record in records(run_folder):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            r = record.run
            run.update(name=r.display_name, group=r.run_group, tags=list(r.tags),
                       project=r.project, run_id=r.run_id)
            run["config"].update(_items(r.config.update))
        elif kind == "config":
            run["config"].update(_items(record.config.update))
        elif kind == "history":
            run["history"].append(_items(record.history.item))
        elif kind == "summary":
            run["summary"].update(_items(record.summary.update))
        elif kind == "files":
            run["files"] += [f.path for f in record.files.files]
    return run
