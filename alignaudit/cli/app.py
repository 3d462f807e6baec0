"""The ``alignaudit`` command's entry point: exit codes and the last-resort handler.

Exit codes: 0 ok, 1 a runtime problem (bad input, model that cannot load), 2 bad usage,
3 a gate failed, 130 interrupted. Errors a user can cause are printed as one paragraph, without a
traceback. Anything else (a bug) is caught last here: a short message names the exception and
the file its traceback was saved to, and the command exits 1; finished work stays on disk (the
journal is written batch by batch, results and pages atomically).

This module imports almost nothing at the top: :func:`main` installs the Ctrl-C handler first
(:mod:`alignaudit._util.interrupts`), then imports the commands (``alignaudit.cli.commands``),
so a Ctrl-C at any moment, imports included, ends the command with 130. ``app`` (the typer
application) is still importable from here, for tests.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from alignaudit._util import interrupts


def __getattr__(name: str) -> Any:
    if name == "app":
        from alignaudit.cli.commands import app

        return app
    raise AttributeError(name)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the command and turns every outcome into a message and an exit code.

    ``argv`` (the arguments after ``alignaudit``) is for callers in-process, such as tests: they
    get a ``SystemExit`` and their own Ctrl-C handler back. The command line (``argv`` None)
    ends the process with :func:`~alignaudit._util.interrupts.leave`.
    """
    previous = signal.getsignal(signal.SIGINT)
    code = 1
    try:
        interrupts.install()
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        code = _dispatch(argv)
    except KeyboardInterrupt:
        code = 130
    finally:
        code = interrupts.settle(code)
    if code == 130:
        _said_interrupted()
    if argv is not None:
        interrupts.restore(previous)
        raise SystemExit(code)
    interrupts.leave(code)


def _dispatch(argv: list[str] | None) -> int:
    """Run the command; the exit code, or a message and its code for what went wrong."""
    from alignaudit._util.errors import UserError
    from alignaudit.cli.output import say

    try:
        from alignaudit.cli.commands import app

        code = app(args=argv, standalone_mode=False)
    except UserError as exc:
        say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last resort: a bug, told briefly
        # click's usage errors (typer vendors click, so match by shape, not by class)
        if type(exc).__name__ == "Abort":
            return 130
        exit_code = getattr(exc, "exit_code", None)
        if hasattr(exc, "show") and isinstance(exit_code, int):
            exc.show()
            return exit_code
        from alignaudit.cli.crash import report_crash

        report_crash(exc)
        return 1
    return code if isinstance(code, int) else 0


def _said_interrupted() -> None:
    """Say that the command was interrupted, unless the command already said so."""
    from alignaudit.cli import output

    if not output.INTERRUPT_SAID:
        output.say("Interrupted; nothing half-written was left behind.")


if __name__ == "__main__":
    main()
