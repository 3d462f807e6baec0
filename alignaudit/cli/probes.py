"""``alignaudit probes``: list, show, validate, generate and export probe suites."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

import typer
from pydantic import BaseModel

from alignaudit.cli import options as opt

if TYPE_CHECKING:
    from alignaudit._util.progress import Mode

T = TypeVar("T", bound=BaseModel)

probes_app = typer.Typer(no_args_is_help=True, help="List, show, validate, generate and export "
                        "probe suites.")


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


@probes_app.command("export")
def probes_export(
    name: Annotated[str, typer.Argument(help="Suite name or YAML path.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="lm-eval or inspect.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the task into.")],
) -> None:
    """Write a suite's fact probes as an lm-evaluation-harness or inspect_ai task."""
    from alignaudit.recency.export import export_suite, skipped_text
    from alignaudit.recency.suites import resolve_suites

    exported = export_suite(resolve_suites([name])[0], fmt, out)
    left = skipped_text(exported.skipped)
    typer.echo(f"Wrote {out}: task `{exported.task}` with {exported.n_exported} fact probes"
               + (f" (left out: {left}; see README.md)" if left else "") + ".")
    typer.echo(f"Run it: {exported.command}")


@probes_app.command("generate")
def probes_generate(
    data: opt.Data,
    out: Annotated[Path, typer.Option("--out", "-o", help="Suite file to write (.yaml).")],
    text_column: opt.TextColumn = None,
    date_column: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer reads it
        help="Column with each document's date (required).")] = None,
    title_column: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Column naming what a document is about (e.g. a release), put before its "
        "prompts.")] = None,
    group_column: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Column naming the project a document belongs to.")] = None,
    url_column: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Column with a web address where the document can be read.")] = None,
    section_column: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Column with the heading a document sits under (e.g. Features).")] = None,
    also_in_column: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Column listing other releases whose notes hold the same entry (backports): "
        "never offered as wrong answers.")] = None,
    period: Annotated[str, typer.Option(help="month, quarter or year.")] = "quarter",
    per_period: Annotated[int, typer.Option(help="At most this many probes a period.")] = 100,
    statements: Annotated[bool, typer.Option(
        help="Also ask for terms (new or not) in sentences that report a change of their "
        "release ('Fixed a crash of X when ...'); tagged medium at best.")] = False,
    releases: Annotated[bool, typer.Option(
        help="Also ask, of each entry whose title names a release ('Django 4.2.1'), which "
        "release first shipped it.")] = True,
    limit: opt.Limit = None,
    seed: opt.Seed = 0,
    name: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Suite name (default: the --out file's name).")] = None,
    description: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="What the suite measures, in a sentence (shown by `probes list`).")] = None,
    writer: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="A model that rephrases each prompt as a question (kept only when it passes the "
        "checks: no leak, on topic, one question, no later year).")] = None,
    writer_backend: Annotated[str, typer.Option(
        help="Backend of --writer: hf, openai or fake.")] = "hf",
    writer_base_url: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="--writer-backend openai: the server's URL.")] = None,
    quiet: opt.Quiet = False,
    allow_remote_data: opt.AllowRemoteData = False,
) -> None:
    """Generate a dated probe suite from dated documents (release notes, changelogs, news)."""
    from alignaudit._util.progress import choose_mode
    from alignaudit.recency import generated
    from alignaudit.recency.probegen.model import GenerateOptions

    generated.check_out(out, data)  # before the documents are read or a writer model loads
    described = {"description": description} if description else {}
    options = _generate_options(GenerateOptions, period=period, per_period=per_period,
                                releases=releases, statements=statements, limit=limit,
                                seed=seed,
                                name=name or _suite_name(out),
                                **described)
    columns = generated.CorpusColumns(
        text=text_column, date=date_column, title=title_column, group=group_column,
        url=url_column, section=section_column, also_in=also_in_column)
    progress = choose_mode(quiet)
    backend = (_writer(writer, writer_backend, writer_base_url, allow_remote_data, progress)
               if writer else None)
    docs = generated.read_corpus(data, columns)
    suite = generated.generate(docs, options, progress)
    notes: list[str] = []
    if backend is not None:
        typer.echo(f"Phrasing {len(suite.probes)} questions with {backend.info.display_name} ...",
                   err=True)
        suite, stats = generated.with_writer(suite, backend)
        rejected = ", ".join(f"{k} {v}" for k, v in stats.rejected.items())
        notes.append(f"questions phrased by {stats.writer}: {stats.kept} of {stats.asked} kept; "
                     f"rejected: {rejected}")
    generated.write_suite(suite, out, corpus=", ".join(str(p) for p in data), notes=notes)
    say_stats(suite, out)
    for note in notes:
        typer.echo(note, err=True)


def _writer(spec: str, kind: str, base_url: str | None, allow_remote_data: bool,
            progress: Mode = "off") -> Any:
    """The writer model, its options checked like a run's (before any document is read); a
    served writer that is not on this machine only with --allow-remote-data, as the prompts it
    phrases are text of the documents."""
    from alignaudit._util.errors import UsageError, UserError
    from alignaudit.backends.egress import check_documents_stay
    from alignaudit.backends.registry import load_backend
    from alignaudit.config import RunConfig

    try:
        config = RunConfig.for_run(models=[spec], backend=kind, base_url=base_url)
    except UsageError as exc:  # say it with this command's option names
        raise UsageError(str(exc).replace("--backend", "--writer-backend")
                         .replace("--base-url", "--writer-base-url")) from None
    if config.backend == "openai" and not allow_remote_data:
        try:
            check_documents_stay(config.server.base_url or "", "--writer", what=(
                "prompts made from your documents to {host} to be phrased as questions"))
        except UserError as exc:
            raise UserError(str(exc).replace("--backend", "--writer-backend")
                            .replace("--base-url", "--writer-base-url")) from None
    return load_backend(config.backend, spec, config.hf, config.server, progress=progress)


def _suite_name(out: Path) -> str:
    import re

    stem = out.name.split(".")[0].lower()
    return re.sub(r"[^a-z0-9-]+", "-", stem).strip("-") or "generated"


def _generate_options(model: type[T], **values: object) -> T:
    """The generator's options, a bad value exiting 2 with the option named."""
    from pydantic import ValidationError

    from alignaudit._util.errors import UsageError, validation_problems

    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = validation_problems(exc.errors())
        raise UsageError(" ".join(f"--{field.replace('_', '-')} {values.get(field)}: {message}."
                                  for _, field, message in problems)) from None


def say_stats(suite: Any, out: Path) -> None:
    """What was generated, per period, and what makes the suite weak."""
    stats = suite.stats
    levels = ", ".join(f"{n} {k}" for k, n in stats.predictability.items())
    typer.echo(f"Wrote {out}: {stats.n_selected} probes ({levels}) from {stats.n_documents} "
               f"documents over {len(stats.probes_per_period)} periods.")
    for warning in suite.warnings:
        typer.echo(f"warning: {warning}", err=True)
