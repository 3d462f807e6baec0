"""The typer application: one module per command, registered on a small root.

Imported by :func:`alignaudit.cli.app.main` only once its Ctrl-C handler is in place, so that an
interrupt while these modules import still ends the command with exit code 130.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alignaudit._version import __version__
from alignaudit.cli.drift import drift
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
