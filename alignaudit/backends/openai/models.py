"""A server's model list (``GET /v1/models``): is the asked-for model served, what identifies the
weights behind it, and how long a context it takes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from alignaudit._util.errors import UserError

FINGERPRINT_FIELDS = ("root", "parent", "owned_by", "max_model_len", "context_length", "meta")
"""Fields of a server's model entry that name the weights it serves (``created`` changes on
every request to vLLM, so it is left out)."""


@dataclass(frozen=True)
class ModelEntry:
    """What the model list says of one model."""

    fingerprint: dict[str, Any]
    """Its stable fields (:data:`FINGERPRINT_FIELDS`), JSON-normalised, for the resume journal."""
    context_length: int | None
    """Longest input it takes, when the server says."""


def find_model(listing: Any, name: str, shown: str) -> ModelEntry | None:
    """The entry of model ``name`` in a ``/v1/models`` answer; None when the answer lists no
    models (some servers list none). A list that lacks ``name`` is a UserError naming those it
    has (``shown`` is the server's public URL)."""
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list) or not entries:
        return None
    names = [str(e.get("id")) for e in entries if isinstance(e, dict)]
    match = next((e for e in entries if isinstance(e, dict) and (
        e.get("id") == name or str(e.get("id")).startswith(name + ":"))), None)
    if match is None:
        raise UserError(f"{shown} does not serve a model `{name}`. It serves: "
                        f"{', '.join(names[:20])}. Pass one of these as --model.")
    fingerprint = {k: match[k] for k in FINGERPRINT_FIELDS if k in match}
    meta = match.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    context = next((v for v in (match.get("max_model_len"), match.get("context_length"),
                                meta.get("n_ctx_train")) if isinstance(v, int) and v > 0), None)
    return ModelEntry(json.loads(json.dumps(fingerprint, sort_keys=True, default=str)), context)
