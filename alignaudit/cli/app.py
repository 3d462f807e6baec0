"""The ``alignaudit`` command: a small root that registers one module per command.

Exit codes: 0 ok, 1 a runtime problem (bad input, model that cannot load), 2 bad usage,
3 a gate failed, 130 interrupted. Heavy libraries are imported inside commands so ``--help`` is
instant. Errors a user can cause are printed as one paragraph, without a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from alignaudit._util.errors import UserError
from alignaudit._version import __version__
from alignaudit.cli.drift import drift
from alignaudit.cli.output import say
from alignaudit.cli.probes import probes_app
from alignaudit.cli.report import report
from alignaudit.cli.run import run

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Audit a language model before you adopt it: how current its knowledge is, and how "
    "far your data is from what it was trained on.",
)
app.command()(run)
app.command()(drift)
app.command()(report)
app.add_typer(probes_app, name="probes")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"alignaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool | None, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """alignaudit command line."""


def main() -> None:
    """Entry point: runs the app and turns user errors into a message and an exit code."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        say(f"error: {exc}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        say("Interrupted; nothing half-written was left behind.")
        sys.exit(130)
    except Exception as exc:
        # click's usage errors (typer vendors click, so match by shape, not by class)
        if type(exc).__name__ == "Abort":
            say("Aborted.")
            sys.exit(130)
        exit_code = getattr(exc, "exit_code", None)
        if hasattr(exc, "show") and isinstance(exit_code, int):
            exc.show()
            sys.exit(exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
