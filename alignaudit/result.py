"""``AuditResult``: everything a run found, as versioned JSON on disk.

Rendering reads only this, so a saved result re-renders or compares without a model. Values that
change from run to run on the same inputs (timestamps, durations, memory, speed) live in the
separate ``runtime`` block; everything else is a pure function of the inputs and the seed.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alignaudit._util.errors import UserError, validation_problems
from alignaudit._util.files import atomic_write
from alignaudit.backends.base import ModelInfo
from alignaudit.backends.egress import Egress
from alignaudit.backends.traffic import EndpointStats
from alignaudit.compare.verdict import Comparison
from alignaudit.config import RunConfig
from alignaudit.drift.section import DataAlignment
from alignaudit.hosting.estimate import Hosting
from alignaudit.judge.conditions import GateResult
from alignaudit.recency.scoring import ProbeResult, SuiteSummary
from alignaudit.recency.section import RecencyAnalysis

SCHEMA_VERSION = 1


class _Model(BaseModel):
    """Like :class:`alignaudit._util.frozen.Frozen` but not frozen: the runner fills in ``gates``,
    ``environment`` and ``runtime`` after the analysis."""

    model_config = ConfigDict(extra="forbid")


class SuiteRef(_Model):
    """Which suite file was used."""

    name: str
    version: str
    description: str
    path: str = Field(description="File name (inside the package for shipped suites).")
    sha256: str
    n_probes: int


class ModelAudit(_Model):
    """What one model's audit found."""

    model: ModelInfo
    suites: list[SuiteSummary] = Field(default_factory=list)
    probes: list[ProbeResult] = Field(default_factory=list)
    recency: RecencyAnalysis | None = Field(default=None, description="Recency analysis.")
    drift: DataAlignment | None = Field(default=None, description="Data alignment (drift).")
    egress: Egress | None = Field(default=None, description="What of the audit left this "
                                  "machine, and for where (None: written before it was kept).")
    hosting: Hosting | None = Field(
        default=None, description="Adopt or rent: monthly cost self-hosted and through an API, "
        "break-even, serving probe (absent in results written before it, or when the run had "
        "no hosting option). Its serving figures are measured, so they vary between runs.")


class Measurement(_Model):
    """Measured while the audit ran; varies from run to run."""

    load_seconds: float = 0.0
    score_seconds: float = 0.0
    tokens_scored: int = 0
    generate_seconds: float = 0.0
    tokens_generated: int = 0
    peak_rss_bytes: int | None = None
    peak_accelerator_bytes: int | None = None
    request_latency: dict[str, float] = Field(
        default_factory=dict, description="Served models: seconds per request (p50, p90, ...).")
    endpoint: EndpointStats | None = Field(
        default=None, description="Served models: requests, errors by kind, retries, timeouts "
        "and latency percentiles (see alignaudit.backends.traffic).")

    @property
    def tokens_per_second(self) -> float | None:
        return self.tokens_scored / self.score_seconds if self.score_seconds > 0 else None


class Runtime(_Model):
    """Timestamps, durations and memory: the only block that differs between equal runs."""

    started_at: str = ""
    finished_at: str = ""
    seconds: float = 0.0
    models: dict[str, Measurement] = Field(default_factory=dict)


class Environment(_Model):
    """Software and hardware the audit ran on."""

    python: str = ""
    platform: str = ""
    packages: dict[str, str] = Field(default_factory=dict)
    cpu_count: int | None = None
    accelerator: str | None = None


class AuditResult(_Model):
    """The whole audit; saved as ``results.json``."""

    schema_version: int = SCHEMA_VERSION
    tool_version: str = ""
    config: RunConfig
    suites: list[SuiteRef] = Field(default_factory=list)
    models: list[ModelAudit] = Field(default_factory=list)
    gates: list[GateResult] = Field(default_factory=list, description="Checked gates.")
    comparison: Comparison | None = Field(
        default=None, description="Paired differences between the models (or against --baseline).")
    environment: Environment = Field(default_factory=Environment)
    runtime: Runtime = Field(default_factory=Runtime)


def dumps(result: AuditResult) -> str:
    return result.model_dump_json(indent=2) + "\n"


def save(result: AuditResult, path: Path) -> None:
    try:
        atomic_write(path, dumps(result))
    except OSError as exc:
        raise UserError(
            f"Cannot write {path}: {exc.strerror}. Choose another --out folder (it must be "
            "writable and have free space)."
        ) from None


def load(path: str | Path) -> AuditResult:
    """Read a saved ``results.json``; errors say what is wrong with the file."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} does not exist; pass the results.json an audit wrote.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path} is not a results.json written by alignaudit ({exc}).") from None
    except OSError as exc:
        raise UserError(f"Cannot read {path}: {exc.strerror or exc}. Pass the results.json "
                        "file an audit wrote.") from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise UserError(
            f"{path} has schema_version {version!r}; this alignaudit reads version "
            f"{SCHEMA_VERSION}. Re-run the audit, or use the alignaudit version that wrote it."
        )
    try:
        return AuditResult.model_validate(raw)
    except ValidationError as exc:
        raise UserError(_schema_message(path, exc)) from None


MAX_PROBLEMS = 10


def _schema_message(path: Path, exc: ValidationError) -> str:
    """Each problem of a results.json that does not fit the schema, as `field.path: message`."""
    problems = validation_problems(exc.errors())
    lines = [f"  {field}: {message}" for _, field, message in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"  ... and {len(problems) - MAX_PROBLEMS} more")
    count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
    return (f"{path} does not match the results schema ({count}):\n" + "\n".join(lines)
            + "\nIt was changed since alignaudit wrote it (by hand or by another tool). "
            "Re-run the audit to write it again, or restore the file the audit wrote.")
