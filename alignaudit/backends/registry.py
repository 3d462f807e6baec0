"""Which backend answers a ``--model``: the one place that maps ``--backend`` to an adapter.

Adapters are imported only when chosen, so a run against a server never imports transformers.
"""

from __future__ import annotations

from typing import Literal

from alignaudit._util.progress import Mode
from alignaudit.backends.base import Backend
from alignaudit.backends.hf.options import HFSettings, LoadOptions
from alignaudit.backends.openai.options import ServerOptions, ServerSettings

BackendKind = Literal["hf", "openai", "fake"]
BACKENDS: tuple[BackendKind, ...] = ("hf", "openai", "fake")


def load_backend(kind: BackendKind, spec: str, hf: HFSettings, server: ServerSettings,
                 progress: Mode) -> Backend:
    """Load (or connect to) the model ``spec`` through the ``kind`` adapter."""
    if kind == "openai":
        from alignaudit.backends.openai.backend import OpenAIBackend

        return OpenAIBackend.connect(ServerOptions(settings=server, model=spec,
                                                   progress=progress))
    if kind == "fake":
        from alignaudit.backends.fake import FakeBackend

        return FakeBackend.load(spec)
    from alignaudit.backends.hf.backend import HFBackend
    from alignaudit.backends.hf.resolve import resolve

    return HFBackend.load(resolve(spec), LoadOptions(**hf.model_dump(), progress=progress))
