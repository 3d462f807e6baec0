"""Errors a user can cause and fix. The CLI prints these as one paragraph, without a traceback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class UserError(Exception):
    """A problem with the user's input (a file, an option, a model name) and how to fix it.

    Bugs stay ordinary exceptions and keep their traceback; everything a user can cause and
    correct is raised as a ``UserError`` whose message names the file, line or option and the fix.
    """

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n{hint}")


class UsageError(UserError):
    """A command-line option that cannot work as given (exit code 2)."""

    exit_code = 2


def validation_problems(errors: Sequence[Mapping[str, Any]]) -> list[tuple[list[Any], str, str]]:
    """pydantic's ``ValidationError.errors()`` as ``(loc, "field.path", "message")`` triples.

    Internal parts of the location (``function-after[...]`` validators) are dropped, and so is
    the "Value error, " prefix of messages raised by a validator, so each reads as a user wrote
    the file: ``probes.0.category``, ``Field required``.
    """
    problems = []
    for err in errors:
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        field = ".".join(str(p) for p in loc) or "(top level)"
        problems.append((loc, field, str(err["msg"]).removeprefix("Value error, ")))
    return problems
