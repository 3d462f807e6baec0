"""``alignaudit probes``: list, show and validate probe suites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

probes_app = typer.Typer(no_args_is_help=True, help="List, show and validate probe suites.")


@probes_app.command("list")
def probes_list() -> None:
    """List the shipped suites."""
    from alignaudit.recency.suites import load_suite, shipped_suites

    for name, path in shipped_suites().items():
        suite = load_suite(path)
        typer.echo(f"{name:<18} v{suite.suite.version:<6} {len(suite.probes):>4} probes  "
                   f"{suite.suite.description}")


@probes_app.command("show")
def probes_show(name: Annotated[str, typer.Argument(help="Suite name or YAML path.")]) -> None:
    """Show a suite's probes."""
    from alignaudit.recency.suites import resolve_suites

    suite = resolve_suites([name])[0]
    typer.echo(f"{suite.name} v{suite.suite.version}: {suite.suite.description}")
    for p in suite.probes:
        right = ", ".join(c.strip() for c in p.continuations[: max(p.n_correct, 1)])
        typer.echo(f"  {p.id:<40} {p.event_date or '':<10} {p.kind:<8} {p.prompt} → {right}")


@probes_app.command("validate")
def probes_validate(path: Annotated[Path, typer.Argument(help="Suite YAML file.")]) -> None:
    """Check a suite file; errors name the file, line and field."""
    from alignaudit.recency.suites import load_suite

    suite = load_suite(path)
    kinds = [p.kind for p in suite.probes]
    typer.echo(f"{path}: valid suite `{suite.name}` v{suite.suite.version} with "
               f"{kinds.count('fact')} facts, {kinds.count('control')} controls and "
               f"{kinds.count('changing')} changing facts.")
