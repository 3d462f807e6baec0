"""Loading a transformers model: device and dtype, weights from every kind of source.

A bundled alias or a ``.gguf`` file is de-quantised once into a cached safetensors folder; a
local folder is checked for pickle weights (refused unless allowed) and its weight files are
hashed; a Hub id loads from the local cache first and says clearly when the Hub cannot be
reached. Every failure a user can cause is a ``UserError`` naming the option and the fix.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alignaudit._util.errors import UserError
from alignaudit._util.progress import Mode, track, waiting
from alignaudit.backends.base import ModelInfo
from alignaudit.backends.hf.options import LoadOptions
from alignaudit.backends.hf.resolve import (
    ModelSource,
    cache_root,
    hub_reachable,
    hub_unreachable_error,
    sha256_file,
)

log = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
WEIGHT_SUFFIXES = (".safetensors", ".gguf", *PICKLE_SUFFIXES)
MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""Files beside the weights up to this size are hashed into the model's identity."""


def load_model(source: ModelSource, options: LoadOptions) -> tuple[Any, Any, ModelInfo]:
    """Model, tokenizer and their description for ``source``."""
    if source.kind == "hub" and not _in_hub_cache(source) and not hub_reachable():
        raise hub_unreachable_error(source)  # before the slow transformers import
    pick_device(options.device)  # an absent GPU is told before a GGUF file is converted
    folder, kwargs, hashes = _prepare(source, options)
    model, tokenizer = _load_pretrained(source, folder, kwargs, options)
    info = _describe(source, folder, model, tokenizer, hashes, options)
    return model, tokenizer, info.model_copy(update={"config_sha256": _config_hashes(source)})


def pick_device(requested: str) -> str:
    import torch

    if requested != "auto":
        if requested.startswith("cuda") and not torch.cuda.is_available():
            raise UserError("--device cuda: no CUDA GPU is visible here. Use --device cpu.")
        if requested == "mps" and not torch.backends.mps.is_available():
            raise UserError("--device mps: Apple MPS is not available here. Use --device cpu.")
        return requested
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(requested: str, device: str) -> Any:
    import torch

    if requested == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    table = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if requested not in table:
        raise UserError(f"--dtype {requested}: use one of auto, {', '.join(table)}.")
    return table[requested]


def convert_gguf(folder: Path, gguf_file: str, progress: Mode = "bar"
                 ) -> tuple[Path, str]:
    """De-quantise a GGUF file once into a cached safetensors folder; returns (folder, sha256).
    The de-quantising, the long part, is counted tensor by tensor in the ``progress`` mode."""
    path = folder / gguf_file
    digest = sha256_file(path)
    target = cache_root() / "converted" / digest[:32]
    if (target / "alignaudit-source.json").is_file():
        return target, digest
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("Converting %s once to %s (later runs load in about a second)", path, target)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf_file)
        with _gguf_progress(progress):
            model = AutoModelForCausalLM.from_pretrained(
                str(folder), gguf_file=gguf_file, dtype=torch.float32
            )
    except Exception as exc:  # noqa: BLE001 - any failure here is a bad or unsupported file
        raise UserError(
            f"--model {path}: transformers could not load this GGUF file ({first_line(exc)}). "
            "It may be truncated or corrupt, or of an architecture transformers cannot "
            "de-quantise; check the download, or convert the model to a transformers folder."
        ) from None
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    fresh.load_state_dict(model.state_dict())
    tmp = target.with_name(target.name + ".tmp")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        fresh.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "alignaudit-source.json").write_text(
            json.dumps({"gguf": str(path), "sha256": digest}))
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UserError(
            f"--model {path}: cannot write its converted copy to {target} ({exc.strerror or exc})."
            " Free some space there, or set ALIGNAUDIT_CACHE to a writable folder."
        ) from None
    return target, digest


@contextmanager
def _gguf_progress(mode: Mode) -> Iterator[None]:
    """Count transformers' de-quantising loop with our meter: its own tqdm bar writes carriage
    returns into logs and ignores transformers' progress switch (``disable_progress_bar``)."""
    from transformers import modeling_gguf_pytorch_utils as gguf

    own = getattr(gguf, "tqdm", None)
    if own is None:  # another transformers: its own bar, if any, shows
        yield
        return

    def counted(iterable: Any, desc: str | None = None, **_: Any) -> Any:
        return track(iterable, mode, "Converting GGUF tensors", unit="tensor")

    gguf.tqdm = counted
    try:
        yield
    finally:
        gguf.tqdm = own


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _check_pickle(folder: Path, allow_pickle: bool) -> None:
    safe = list(folder.glob("*.safetensors"))
    pickled = [p for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES]
    if not safe and pickled and not allow_pickle:
        raise UserError(
            f"--model {folder}: its weights ({pickled[0].name}) are a pickle file, which can run "
            "arbitrary code when loaded. Convert them to safetensors, or pass --allow-pickle if "
            "you trust this model."
        )


def _config_hashes(source: ModelSource) -> dict[str, str]:
    """sha256 of the model's files other than weights that change its answers (config.json,
    generation_config.json, the tokenizer's files, shipped code): every small file beside the
    weights of a local folder, or of the Hub model's cached snapshot. A GGUF file holds all of
    that itself (its hash is the weights' hash), so it has none."""
    folder: Path | None = None
    if source.kind == "local":
        folder = Path(source.location)
    elif source.kind == "hub":
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(source.location, "config.json", revision=source.revision)
        folder = Path(found).parent if isinstance(found, str) else None
    if folder is None or not folder.is_dir():
        return {}
    weights = set(_weight_files(folder))
    return {p.name: sha256_file(p) for p in sorted(folder.iterdir())
            if p.is_file() and p not in weights and p.suffix not in WEIGHT_SUFFIXES
            and p.stat().st_size <= MAX_CONFIG_BYTES}


def _weight_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.safetensors"))
    return files or sorted(p for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)


def _in_hub_cache(source: ModelSource) -> bool:
    """Is the model's config in the local Hugging Face cache? (huggingface_hub only: fast)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(source.location, "config.json", revision=source.revision)
    return isinstance(found, str)


def _prepare(source: ModelSource, options: LoadOptions) -> tuple[str, dict[str, Any], dict]:
    """Where to load from, extra from_pretrained arguments, and weight-file hashes."""
    kwargs: dict[str, Any] = {"trust_remote_code": options.trust_remote_code}
    if source.kind in {"alias", "gguf"}:
        assert source.gguf_file is not None
        gguf = Path(source.location) / source.gguf_file
        if not gguf.is_file():
            raise UserError(f"--model {source.spec}: {gguf} does not exist.")
        folder, digest = convert_gguf(Path(source.location), source.gguf_file, options.progress)
        return str(folder), kwargs, {source.gguf_file: digest}
    if source.kind == "local":
        folder = Path(source.location)
        _check_pickle(folder, options.allow_pickle)
        hashes = {p.name: sha256_file(p) for p in _weight_files(folder)}
        return str(folder), kwargs, hashes
    kwargs["revision"] = source.revision
    if not options.allow_pickle:
        kwargs["use_safetensors"] = True
    return source.location, kwargs, {}


def _load_pretrained(
    source: ModelSource, where: str, kwargs: dict[str, Any], options: LoadOptions
) -> tuple[Any, Any]:

    device = pick_device(options.device)
    dtype = pick_dtype(options.dtype, device)
    model_kwargs = dict(kwargs, dtype=dtype)
    if options.device_map:
        model_kwargs["device_map"] = options.device_map
    if source.kind == "hub":
        try:
            return _from_pretrained(where, model_kwargs, kwargs, local_only=True, device=device,
                                    options=options)
        except OSError:
            if not hub_reachable():
                raise hub_unreachable_error(source) from None
    try:
        return _from_pretrained(where, model_kwargs, kwargs, local_only=False, device=device,
                                options=options)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - loading failures of every kind are reported
        raise UserError(
            f"--model {source.spec}: transformers could not load it ({first_line(exc)}). "
            "Check the id or path; a truncated or corrupt weights file, a model that needs "
            "--trust-remote-code, or an architecture this transformers version does not know "
            "all end here."
        ) from None


def _from_pretrained(where: str, model_kwargs: dict, tok_kwargs: dict, *, local_only: bool,
                     device: str, options: LoadOptions) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    tok_kwargs = {k: v for k, v in tok_kwargs.items() if k != "use_safetensors"}
    tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=local_only, **tok_kwargs)
    bars = hf_logging.is_progress_bar_enabled()
    if options.progress != "bar":  # transformers' own "Loading weights" bar: terminals only
        hf_logging.disable_progress_bar()
    try:
        with waiting(options.progress, "Loading weights"):
            model: Any = AutoModelForCausalLM.from_pretrained(where, local_files_only=local_only,
                                                              **model_kwargs)
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    if not options.device_map:
        model = model.to(device)
    model.eval()
    return model, tokenizer


def _context_length(model: Any, tokenizer: Any) -> int:
    config = model.config
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", 0) or 0
    return limit if 0 < limit < 1_000_000 else 2048


def _adds_bos(tokenizer: Any) -> bool:
    bos = tokenizer.bos_token_id
    if bos is None:
        return False
    ids = tokenizer("a")["input_ids"]
    return bool(ids) and ids[0] == bos


def _describe(source: ModelSource, where: str, model: Any, tokenizer: Any,
              hashes: dict[str, str], options: LoadOptions) -> ModelInfo:
    folder = Path(where)
    size = sum(p.stat().st_size for p in _weight_files(folder)) if folder.is_dir() else None
    return ModelInfo(
        spec=source.spec, display_name=source.display_name or source.spec, source=source.kind,
        backend="hf", revision=source.revision or getattr(model.config, "_commit_hash", None),
        files_sha256=hashes, architecture=type(model).__name__,
        n_parameters=sum(p.numel() for p in model.parameters()), weights_bytes=size,
        dtype=str(next(model.parameters()).dtype).removeprefix("torch."),
        device=str(next(model.parameters()).device), context_length=_context_length(model,
                                                                                    tokenizer),
        add_bos=_adds_bos(tokenizer), claimed_cutoff=source.claimed_cutoff,
        trust_remote_code=options.trust_remote_code, license=source.license,
    )
