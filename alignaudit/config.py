"""The run configuration: every option of a run, declared once and validated on the object.

The command line only collects values and builds a :class:`RunConfig`; a bad value fails here,
with a message that names the option and the fix (the CLI prints it and exits 2). Backend
options are nested (:class:`~alignaudit.backends.hf.options.HFSettings` for transformers,
:class:`~alignaudit.backends.openai.options.ServerSettings` for a served model), declared by the
backend that reads them and handed to it as they are.

``results.json`` keeps the configuration *flat* (``device``, ``timeout``, ... beside ``seed``), as
schema version 1 always wrote it, so saved results from any version load and re-render; the
nesting is an in-memory shape only.

Checks that look at the disk (does ``--data`` exist?) run only when a run is being configured
(``RunConfig.for_run``), never when a saved result is loaded, so a result re-renders after its
input files are gone.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from alignaudit._util.dates import check_date
from alignaudit._util.errors import UsageError, UserError, validation_problems
from alignaudit._util.files import existing_path
from alignaudit._util.owned import check_replaceable, same_path
from alignaudit.backends.hf.options import HFSettings
from alignaudit.backends.openai.options import ServerSettings
from alignaudit.backends.registry import BACKENDS, BackendKind
from alignaudit.drift.hfsources import path_to_check
from alignaudit.hosting.settings import HostingSettings
from alignaudit.judge.conditions import parse as parse_gate

MAX_NEW_TOKENS = 4096
MIN_DOCUMENTS = 10
"""Fewest documents on either side of the drift statistics (--data, --reference)."""
REFERENCE_KINDS = ("auto", "wiki", "model", "general")
"""--reference values that are not a path."""
OUTPUT_FILES = {"results.json": "results file", "report.html": "page", "summary.md": "summary"}
"""What a run writes into --out, and what each is (see alignaudit._util.owned)."""
RUN_CONTEXT = {"run": True}
"""Validation context of a run being configured: checks that look at the disk run too."""


def _positive(option: str, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise ValueError(f"{option} {value}: give a positive number.")
    return value


class ScoringSettings(BaseModel):
    """How probes are scored (beyond likelihood ranking, which always runs when it can)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    generate: bool = Field(default=True, description="Also match free generations.")
    max_new_tokens: int = Field(default=16, description="Tokens generated per probe.")
    semantic_match: bool = Field(
        default=False, description="Also match generations by meaning (sentence embedder, "
        "cosine >= 0.75).")

    @field_validator("max_new_tokens")
    @classmethod
    def _max_new_tokens(cls, value: int) -> int:
        if not 1 <= value <= MAX_NEW_TOKENS:
            raise ValueError(f"--max-new-tokens {value}: give the tokens to generate per probe, "
                             f"from 1 to {MAX_NEW_TOKENS}.")
        return value


class DataSettings(BaseModel):
    """Options of the data-alignment section (``--data`` and what goes with it)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    paths: list[str] = Field(description="--data files or folders.")
    text_column: str | None = Field(default=None, description="Column with the text.")
    date_column: str | None = Field(default=None, description="Column with dates (optional).")
    split: Literal["lines", "paragraphs"] = Field(
        default="lines", description="lines or paragraphs (.txt files).")
    sample: int | None = Field(default=None, description="Use at most N documents (seeded).")
    reference: str = Field(
        default="auto", description="Pre-training domain reference: auto (a mix of real text of "
        "six genres, plus the model's own samples when a model is given), general (the mix "
        "alone), wiki, model, or a file/folder.")
    reference_size: int = Field(default=500, description="Reference documents to draw.")
    embedder: str | None = Field(
        default=None, description="sentence-transformers folder or name (default: bundled "
        "all-MiniLM-L6-v2).")
    n_permutations: int = Field(
        default=1000, validation_alias=AliasChoices("n_permutations", "permutations"),
        description="Permutations per drift test (--permutations).")
    max_model_docs: int = Field(
        default=400, validation_alias=AliasChoices("max_model_docs", "model_docs"),
        description="Documents per side read through the model (--model-docs): perplexity, "
        "fertility and, with dates, the cutoff signal; more documents, a tighter cutoff.")
    save_embeddings: str | None = Field(
        default=None, description="Save both sides' embeddings to this .npz file.")

    @field_validator("split", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if value not in ("lines", "paragraphs"):
            raise ValueError(f"--split {value}: use `lines` or `paragraphs`.")
        return value

    @field_validator("paths", "reference", "save_embeddings", "embedder")
    @classmethod
    def _not_blank(cls, value: Any, info: ValidationInfo) -> Any:
        option = {"paths": "--data"}.get(info.field_name or "",
                                        "--" + (info.field_name or "").replace("_", "-"))
        for item in value if isinstance(value, list) else [value]:
            if item is not None and not str(item).strip():
                raise ValueError(f"{option} '': give a path (an empty value would mean the "
                                 "current folder).")
        return value

    @field_validator("save_embeddings", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, Path) else value

    @field_validator("sample", "reference_size", "n_permutations", "max_model_docs")
    @classmethod
    def _counts(cls, value: int | None, info: ValidationInfo) -> int | None:
        option = {"n_permutations": "--permutations", "max_model_docs": "--model-docs"}.get(
            info.field_name or "", "--" + (info.field_name or "").replace("_", "-"))
        return _positive(option, value)

    @field_validator("reference_size")
    @classmethod
    def _reference_size(cls, value: int) -> int:
        if value < MIN_DOCUMENTS:
            raise ValueError(f"--reference-size {value}: the drift statistics need at least "
                             f"{MIN_DOCUMENTS} reference documents; give {MIN_DOCUMENTS} or more "
                             "(default 500).")
        return value

    @model_validator(mode="after")
    def _paths_exist(self, info: ValidationInfo) -> DataSettings:
        """Every path the data section reads exists, and --save-embeddings can be written
        (when configuring a run, after the values are checked, before any model loads)."""
        if info.context and info.context.get("run"):
            for path in self.paths:
                local = path_to_check(path)  # None for a Hub dataset (hf:NAME) or a glob
                if local is not None:
                    existing_path(local)
            reference = path_to_check(self.reference)  # a dataset may be the reference too
            if self.reference not in REFERENCE_KINDS and reference is not None:
                existing_path(reference, "--reference")
            if self.embedder:
                _check_embedder(self.embedder)
            if self.save_embeddings is not None:
                self._check_save_embeddings(Path(self.save_embeddings).expanduser())
        return self

    def _check_save_embeddings(self, target: Path) -> None:
        option = f"--save-embeddings {target}"
        if not str(target).strip() or target.name in ("", ".", ".."):
            raise UsageError(f"{option}: give the path of the .npz file to write.")
        inputs = [*self.paths, self.reference]
        if any(same_path(target, Path(p).expanduser()) for p in inputs):
            raise UsageError(f"{option}: that is one of your inputs; give a new file name.")
        check_replaceable(target, "--save-embeddings", "embeddings file")
        parent = next((p for p in target.parents if p.exists()), Path("."))
        if not parent.is_dir():
            raise UsageError(f"{option}: {parent} is a file, so no file can be written below "
                             "it. Give a path in a folder.")


def _check_embedder(spec: str) -> None:
    """A local ``--embedder`` (a path, or a name that exists on disk) is a model folder; the
    same check the embedder makes when it loads, made before the audited model loads."""
    local = Path(spec).expanduser()
    if spec.startswith((".", "/", "~")):
        existing_path(local, "--embedder")
    if local.exists() and not (local.is_dir() and (
            (local / "modules.json").is_file() or (local / "config.json").is_file())):
        raise UserError(f"--embedder {spec}: not a sentence-transformers model folder (it has "
                        "no modules.json or config.json). Point at the folder `save` wrote.")


FLAT_ORDER = (
    "models", "probes", "seed", "limit", "device", "dtype", "batch_size", "generate",
    "max_new_tokens", "semantic_match", "claimed_cutoff", "as_of", "trust_remote_code",
    "allow_remote_data",
    "allow_pickle", "device_map", "backend", "base_url", "api_key_env", "timeout", "max_retries",
    "concurrency", "api", "price_per_hour", "data", "fail_on", "baseline", "command",
    "hosting",
)
"""Keys of the configuration in results.json, in order (schema version 1)."""
NESTED: dict[str, type[BaseModel]] = {
    "hf": HFSettings, "server": ServerSettings, "scoring": ScoringSettings}


class RunConfig(BaseModel):
    """The options of one run, as given (after validation)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    models: list[str] = Field(default_factory=list, description="--model values, in order.")
    probes: list[str] = Field(default_factory=list, description="--probes (names or paths).")
    seed: int = Field(default=0, description="Seed of every random choice.")
    limit: int | None = Field(default=None, description="At most this many probes per suite.")
    backend: BackendKind = Field(default="hf", description="hf, openai or fake.")
    hf: HFSettings = Field(default_factory=HFSettings, description="Transformers options.")
    server: ServerSettings = Field(default_factory=ServerSettings,
                                   description="Served-model options (--backend openai).")
    scoring: ScoringSettings = Field(default_factory=ScoringSettings,
                                     description="How probes are scored.")
    claimed_cutoff: str | None = Field(default=None, description="--claimed-cutoff, YYYY-MM.")
    as_of: str = Field(default="", description="Date open-ended facts are taken as true up to.")
    price_per_hour: float | None = Field(
        default=None, description="--price-per-hour of the hardware, for cost per token.")
    data: DataSettings | None = Field(default=None, description="--data options, if any.")
    allow_remote_data: bool = Field(
        default=False, description="Let your documents (--data, a --reference file, a suite "
        "generated from documents) go to a served model on another machine (--backend openai); "
        "without it such a run stops before sending any. Probe prompts (public facts) may go "
        "without it.")
    hosting: HostingSettings = Field(
        default_factory=HostingSettings, description="Adopt or rent: --api-price, --volume, "
        "typical request lengths and the serving probe (--measure-serving).")
    fail_on: list[str] = Field(default_factory=list, description="--fail-on / policy gates.")
    baseline: str | None = Field(default=None, description="--baseline: a saved results.json "
                                 "of another model to compare with and gate on (delta.*).")
    command: str = Field(default="", description="The command line, secrets removed.")

    @classmethod
    def for_run(cls, **values: Any) -> RunConfig:
        """Validate the options of a run about to start (paths are checked on disk too); a bad
        value raises a :class:`UsageError` naming the option."""
        try:
            return cls.model_validate(values, context=RUN_CONTEXT)
        except ValidationError as exc:
            raise UsageError(_option_message(exc)) from None

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        """Accept the flat form of results.json: move backend and scoring keys into place."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, model in NESTED.items():
            flat = {k: out.pop(k) for k in list(out) if k in model.model_fields}
            if flat:
                nested = out.get(name)
                base = nested.model_dump() if isinstance(nested, BaseModel) else nested or {}
                out[name] = {**base, **flat}
        return out

    @model_serializer(mode="wrap")
    def _flatten(self, handler: Any) -> dict[str, Any]:
        nested = handler(self)
        flat: dict[str, Any] = {}
        for key, value in nested.items():
            flat.update(value if key in NESTED else {key: value})
        return {key: flat[key] for key in FLAT_ORDER if key in flat}

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: int) -> int:
        if not 0 <= value < 2**63:
            raise ValueError(f"--seed {value}: give a whole number from 0 to 2**63 - 1.")
        return value

    @field_validator("limit")
    @classmethod
    def _limit(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"--limit {value}: give a positive number of probes.")
        return value

    @field_validator("backend", mode="before")
    @classmethod
    def _backend(cls, value: Any) -> Any:
        if value not in BACKENDS:
            raise ValueError(f"--backend {value}: use `hf` (transformers), `openai` (a model "
                             "behind an OpenAI-compatible server) or `fake` (a dry run without "
                             "a model).")
        return value

    @field_validator("claimed_cutoff", "as_of")
    @classmethod
    def _dates(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return value
        try:
            return check_date(value)
        except ValueError as exc:
            option = "--" + (info.field_name or "").replace("_", "-")
            raise ValueError(f"{option} {value}: {exc}.") from None

    @field_validator("price_per_hour")
    @classmethod
    def _price(cls, value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise ValueError(f"--price-per-hour {value}: give the hardware's price per hour, "
                             "a number of 0 or more.")
        return value

    @field_validator("fail_on")
    @classmethod
    def _gates(cls, value: list[str]) -> list[str]:
        for condition in value:
            parse_gate(condition)  # a UsageError naming --fail-on
        return value

    @model_validator(mode="after")
    def _baseline(self, info: ValidationInfo) -> RunConfig:
        deltas = [c for c in self.fail_on if c.strip().startswith("delta.")]
        if deltas and not self.baseline:
            raise ValueError(f"--fail-on {deltas[0]!r} compares this run with a baseline: pass "
                             "--baseline with the results.json of the model to compare against.")
        if self.baseline and info.context and info.context.get("run"):
            existing_path(Path(self.baseline).expanduser(), "--baseline")
        return self

    @model_validator(mode="after")
    def _served(self) -> RunConfig:
        if self.backend == "openai" and not self.server.base_url:
            raise ValueError("--backend openai needs --base-url, e.g. http://127.0.0.1:8000/v1.")
        if self.data is not None and self.data.reference == "model" and (
                not self.models or self.backend == "openai"):
            raise ValueError("--reference model samples text from a local model (--model, not "
                             "--backend openai); pass --reference wiki or a reference file.")
        return self


def _option_message(exc: ValidationError) -> str:
    """One line per problem, each naming the option (validators already do; pydantic's own
    type errors get the option put in front)."""
    lines = []
    for loc, field, message in validation_problems(exc.errors()):
        if message.startswith("--"):
            lines.append(message)
            continue
        name = str(loc[-1]) if loc else field
        lines.append(f"--{name.replace('_', '-')}: {message}.")
    return "\n".join(dict.fromkeys(lines))


def output_folder(out: str, config: RunConfig, policy: str | None = None) -> Path:
    """``--out`` checked before anything runs: a folder that is none of the run's inputs, and
    where no file the run writes (results.json, report.html, summary.md) belongs to the user.
    A bad value is a :class:`UsageError` naming the option."""
    if not out.strip():
        raise UsageError("--out '': give the folder to write results.json, report.html and "
                         "summary.md into, e.g. --out audit.")
    folder = Path(out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {out}: that is a file; --out names the folder to write "
                         "results.json, report.html and summary.md into. Give a folder.")
    for option, value in run_inputs(config, policy):
        given = Path(value).expanduser()
        if same_path(folder, given):
            raise UsageError(f"--out {out}: that is your {option} {value}; the results would "
                             "be written over or among your input. Choose another folder.")
        for name in OUTPUT_FILES:
            if same_path(folder / name, given):
                raise UsageError(f"--out {out}: the run writes {name} there, over your {option} "
                                 f"{value}. Choose another folder, or copy the file away.")
    for name, kind in OUTPUT_FILES.items():
        check_replaceable(folder / name, "--out", kind)
    return folder


def run_inputs(config: RunConfig, policy: str | None = None) -> list[tuple[str, str]]:
    """Every file or folder a run reads, as ``(option, path)``: suites given as paths, local
    models, data, a reference file and the policy."""
    found = [("--probes", p) for spec in config.probes for p in spec.split(",")
             if p.strip() and Path(p.strip()).expanduser().exists()]
    found += [("--model", m) for m in config.models if Path(m).expanduser().exists()]
    if config.data is not None:
        found += [("--data", p) for p in config.data.paths]
        if config.data.reference not in REFERENCE_KINDS:
            found.append(("--reference", config.data.reference))
    if config.baseline:
        found.append(("--baseline", config.baseline))
    if policy:
        found.append(("--policy", policy))
    return found


def report_target(out: str | None, results: list[Path]) -> Path:
    """The page ``alignaudit report`` writes (``--out``, or report.html beside one results.json,
    compare.html for several), checked like ``--out`` of a run: none of the results read, and
    neither it nor the ``summary.md`` beside it a file of the user's."""
    if out is not None and not out.strip():
        raise UsageError("--out '': give the HTML file to write, e.g. --out report.html.")
    if out is not None:
        target = Path(out).expanduser()
    else:
        target = results[0].parent / "report.html" if len(results) == 1 else Path("compare.html")
    for item in results:
        for written in (target, target.parent / "summary.md"):
            if same_path(written, item):
                raise UsageError(f"--out {target}: {item} is the results file being read; "
                                 "writing there would replace it. Choose another file name.")
    if target.name == "summary.md":
        raise UsageError(f"--out {target}: the summary is written beside the page as summary.md, "
                         "so the page cannot have that name. Choose another, e.g. report.html.")
    check_replaceable(target, "--out", "page")
    check_replaceable(target.parent / "summary.md", "--out", "summary")
    return target
