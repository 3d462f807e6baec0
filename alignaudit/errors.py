"""Errors a user can cause and fix. The CLI prints these as one paragraph, without a traceback."""

from __future__ import annotations


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
