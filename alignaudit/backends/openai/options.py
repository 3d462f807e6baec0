"""Options of the OpenAI-compatible backend, each declared and validated once.

:class:`ServerSettings` is what a user sets (``--base-url``, ``--timeout`` ...): the run
configuration nests it and saves it as given (None: the default). :class:`ServerOptions` is how
the backend connects: those settings with their defaults filled in, plus the model name and the
retry timing that users do not set.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alignaudit._util.progress import ProgressMode

ApiMode = Literal["auto", "completions", "chat"]
API_MODES: tuple[str, ...] = ("auto", "completions", "chat")
DEFAULT_TIMEOUT = 120.0
MAX_TIMEOUT = 86400.0
DEFAULT_RETRIES = 4
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 256


class ServerSettings(BaseModel):
    """``--backend openai`` options as the user gave them; None means the default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str | None = Field(
        default=None, description="--base-url: the server, e.g. http://127.0.0.1:8000/v1.")
    api_key_env: str | None = Field(
        default=None, description="--api-key-env: name of the variable holding the API key "
        "(never the key).")
    timeout: float | None = Field(
        default=None, description=f"--timeout: seconds to wait for one answer before retrying it "
        f"(None: {DEFAULT_TIMEOUT:g}).")
    max_retries: int | None = Field(
        default=None, description=f"--max-retries of a request that timed out, lost its "
        f"connection or got HTTP 429/5xx (None: {DEFAULT_RETRIES}).")
    concurrency: int | None = Field(
        default=None, description=f"--concurrency: requests in flight at once "
        f"(None: {DEFAULT_CONCURRENCY}).")
    api: ApiMode | None = Field(
        default=None, description="--api: auto, completions or chat (None: auto, which uses chat "
        "mode when /v1/completions is missing or refuses the model).")

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
            raise ValueError(f"--timeout {value:g}: give the seconds to wait for one answer, "
                             f"more than 0 and at most {MAX_TIMEOUT:g} (a day).")
        return value

    @field_validator("max_retries")
    @classmethod
    def _max_retries(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise ValueError(f"--max-retries {value}: give 0 (no retries) or a positive number.")
        return value

    @field_validator("concurrency")
    @classmethod
    def _concurrency(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_CONCURRENCY:
            raise ValueError(f"--concurrency {value}: give the number of requests in flight at "
                             f"once, from 1 to {MAX_CONCURRENCY}.")
        return value

    @field_validator("api", mode="before")
    @classmethod
    def _api(cls, value: Any) -> Any:
        if value is not None and value not in API_MODES:
            raise ValueError(f"--api {value}: use `auto` (the default: /v1/completions, or chat "
                             "mode when the server only has chat completions), `completions` or "
                             "`chat`.")
        return value


class ServerOptions(BaseModel):
    """How the backend talks to the server: the user's settings (defaults filled in), the model,
    and the retry timing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    settings: ServerSettings = Field(description="What the user set.")
    model: str = Field(description="Model name the server knows it by.")
    display_name: str | None = Field(default=None, description="Short name for tables.")
    backoff_base: float = Field(default=0.5, ge=0, description="First retry delay, seconds.")
    backoff_max: float = Field(default=30.0, ge=0, description="Longest retry delay, seconds.")
    progress: ProgressMode = Field(default="bar", description="Progress of long steps: bar, "
                                   "lines or off (see alignaudit._util.progress).")

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        """Accept the settings' fields at the top level too: ``ServerOptions(base_url=...,
        model=...)``."""
        if not isinstance(data, dict):
            return data
        own = {k: v for k, v in data.items() if k not in ServerSettings.model_fields}
        given = {k: v for k, v in data.items() if k in ServerSettings.model_fields}
        if given:
            base = own.get("settings")
            merged = {**(base.model_dump() if isinstance(base, ServerSettings) else base or {}),
                      **given}
            own["settings"] = ServerSettings(**merged)
        return own

    @model_validator(mode="after")
    def _needs_url(self) -> ServerOptions:
        if not self.settings.base_url:
            raise ValueError("--backend openai needs --base-url, e.g. http://127.0.0.1:8000/v1.")
        return self

    @property
    def base_url(self) -> str:
        return self.settings.base_url or ""

    @property
    def api_key_env(self) -> str | None:
        return self.settings.api_key_env

    @property
    def timeout(self) -> float:
        return DEFAULT_TIMEOUT if self.settings.timeout is None else self.settings.timeout

    @property
    def max_retries(self) -> int:
        return DEFAULT_RETRIES if self.settings.max_retries is None else self.settings.max_retries

    @property
    def concurrency(self) -> int:
        value = self.settings.concurrency
        return DEFAULT_CONCURRENCY if value is None else value

    @property
    def api(self) -> ApiMode:
        return self.settings.api or "auto"
