"""The ``alignaudit`` command: argument parsing, progress and exit codes; no audit logic.

Exit codes: 0 ok, 1 a runtime problem (bad input, model that cannot load), 2 bad usage,
130 interrupted. Heavy libraries are imported inside commands so ``--help`` is instant.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, cast

import typer

from alignaudit import __version__
from alignaudit._util.errors import UsageError, UserError

if TYPE_CHECKING:
    from alignaudit.drift.section import DataSettings
    from alignaudit.result import ModelAudit, RunConfig

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Audit a language model before you adopt it: how current its knowledge is, and how "
    "far your data is from what it was trained on.",
)
probes_app = typer.Typer(no_args_is_help=True, help="List, show and validate probe suites.")
app.add_typer(probes_app, name="probes")


def _say(message: str) -> None:
    typer.echo(message, err=True)


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


def _batch_size(value: str) -> str:
    if value != "auto" and not (value.isdigit() and int(value) > 0):
        raise UsageError(f"--batch-size {value}: give a positive integer or `auto`.")
    return value


# Options shared by `run` and `drift`.
DataOpt = Annotated[list[Path], typer.Option(
    "--data", help="Your data: .txt/.jsonl/.csv/.parquet or a folder. Repeatable.")]
TextColumnOpt = Annotated[Optional[str], typer.Option(help="Column with the text.")]  # noqa: UP045
DateColumnOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help="Column with dates (optional).")]
SplitOpt = Annotated[str, typer.Option(help="lines or paragraphs (.txt files).")]
SampleOpt = Annotated[Optional[int], typer.Option(  # noqa: UP045
    help="Use at most N documents (seeded).")]
ReferenceOpt = Annotated[str, typer.Option(
    help="Pre-training domain reference: auto, wiki, model, or a file/folder.")]
ReferenceSizeOpt = Annotated[int, typer.Option(help="Reference documents to draw.")]
EmbedderOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help="sentence-transformers folder or name (default: bundled all-MiniLM-L6-v2).")]
PermutationsOpt = Annotated[int, typer.Option(help="Permutations per drift test.")]
SaveEmbeddingsOpt = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    help="Save both sides' embeddings to this .npz file.")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
SeedOpt = Annotated[int, typer.Option(help="Seed for every random choice.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
# --backend openai
BackendOpt = Annotated[str, typer.Option(
    help="hf (transformers) or openai (any OpenAI-compatible server).")]
BaseUrlOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help="--backend openai: server URL, e.g. http://127.0.0.1:8000/v1.")]
ApiKeyEnvOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help="--backend openai: name of the environment variable holding the API key.")]
TimeoutOpt = Annotated[Optional[float], typer.Option(  # noqa: UP045
    help="--backend openai: seconds to wait for one answer before retrying it (default 120).")]
MaxRetriesOpt = Annotated[Optional[int], typer.Option(  # noqa: UP045
    help="--backend openai: retries of a request that timed out, lost its connection or got "
    "HTTP 429/5xx, with back-off (default 4; 0 = no retries).")]
ConcurrencyOpt = Annotated[Optional[int], typer.Option(  # noqa: UP045
    help="--backend openai: requests in flight at once (default 4); lower it for a server that "
    "rate-limits or is overloaded, raise it for one that batches many.")]
ApiOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help="--backend openai: auto (default: /v1/completions, switching to chat mode when the "
    "server lacks it or refuses the model as a chat model), completions, or chat "
    "(/v1/chat/completions; generation-only scoring).")]


@app.command()
def run(
    model: Annotated[list[str], typer.Option(
        "--model", "-m", help="Model to audit: bundled alias (smollm2-135m), local folder, "
        ".gguf file or Hub id (gpt2, org/name@revision). Repeat to compare.")],
    probes: Annotated[list[str], typer.Option(
        "--probes", "-p", help="Suites: shipped names (recency,changing-facts) or YAML paths.")]
    = ["recency"],  # noqa: B006 - typer reads the default
    out: OutOpt = Path("audit"),
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = "auto",
    dtype: Annotated[str, typer.Option(help="auto, float32, bfloat16 or float16.")] = "auto",
    batch_size: Annotated[str, typer.Option(help="Sequences per batch, or auto.")] = "auto",
    limit: Annotated[int | None, typer.Option(help="At most N probes per suite.")] = None,
    seed: SeedOpt = 0,
    generate: Annotated[bool, typer.Option(help="Also match free generations.")] = True,
    max_new_tokens: Annotated[int, typer.Option(help="Tokens generated per probe.")] = 16,
    semantic_match: Annotated[bool, typer.Option(
        help="Also match generations by meaning (sentence embedder, cosine >= 0.75).")] = False,
    claimed_cutoff: Annotated[str | None, typer.Option(
        help="Cutoff the model card claims, YYYY-MM (known for some bundled aliases).")] = None,
    as_of: Annotated[str | None, typer.Option(
        help="Date open-ended changing facts count as true up to (default: today).")] = None,
    trust_remote_code: Annotated[bool, typer.Option(
        help="Run code shipped with the model (only for models you trust).")] = False,
    allow_pickle: Annotated[bool, typer.Option(
        help="Load pickle weight files (.bin/.pt), which can run code: trusted models only.")]
    = False,
    device_map: Annotated[str | None, typer.Option(
        help="accelerate device_map, e.g. auto to shard a big model over several GPUs.")] = None,
    backend: BackendOpt = "hf",
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    timeout: TimeoutOpt = None,
    max_retries: MaxRetriesOpt = None,
    concurrency: ConcurrencyOpt = None,
    api: ApiOpt = None,
    price_per_hour: Annotated[float | None, typer.Option(
        help="Hardware price per hour, for an estimated cost per million tokens.")] = None,
    data: DataOpt = [],  # noqa: B006 - typer reads the default
    text_column: TextColumnOpt = None,
    date_column: DateColumnOpt = None,
    split: SplitOpt = "lines",
    sample: SampleOpt = None,
    reference: ReferenceOpt = "auto",
    reference_size: ReferenceSizeOpt = 500,
    embedder: EmbedderOpt = None,
    permutations: PermutationsOpt = 1000,
    save_embeddings: SaveEmbeddingsOpt = None,
    fail_on: Annotated[list[str], typer.Option(
        "--fail-on", help="Gate, e.g. 'recency_accuracy<0.6', 'cutoff<2024-01', 'drift=high'; "
        "exit code 3 when it holds. Repeatable.")] = [],  # noqa: B006 - typer reads the default
    policy: Annotated[Path | None, typer.Option(
        help="YAML file with `fail_on:` gates.")] = None,
    resume: Annotated[bool, typer.Option(
        help="Reuse finished work journaled in --out by an earlier, interrupted run.")] = True,
    quiet: QuietOpt = False,
) -> None:
    """Run an audit and write results.json, report.html and summary.md into --out."""
    from alignaudit.result import RunConfig

    if limit is not None and limit < 1:
        raise UsageError(f"--limit {limit}: give a positive number of probes.")
    config = RunConfig(
        models=model, probes=probes, seed=seed, limit=limit, device=device, dtype=dtype,
        batch_size=_batch_size(batch_size), generate=generate, max_new_tokens=max_new_tokens,
        semantic_match=semantic_match and generate,
        claimed_cutoff=_date_option("--claimed-cutoff", claimed_cutoff),
        as_of=_date_option("--as-of", as_of) or "", trust_remote_code=trust_remote_code,
        allow_pickle=allow_pickle, device_map=device_map, backend=_backend(backend, base_url),
        base_url=base_url, api_key_env=api_key_env, timeout=_timeout(timeout),
        max_retries=_max_retries(max_retries), concurrency=_concurrency(concurrency),
        api=_api(api), price_per_hour=price_per_hour,
        fail_on=_gates(fail_on, policy),
        data=_data_settings(data, text_column, date_column, split, sample, reference,
                            reference_size, embedder, permutations, save_embeddings),
        command=" ".join(shlex.quote(a) for a in ["alignaudit", *sys.argv[1:]]),
    )
    _execute(config, out, quiet, resume)


def _execute(config: RunConfig, out: Path, quiet: bool, resume: bool = True) -> None:
    """Run, save, render, print the findings; exit 3 when a gate fails."""
    import shutil

    from alignaudit.result import save
    from alignaudit.runner import run_audit

    _check_out(out)
    journal = out / ".journal"
    if not resume:
        shutil.rmtree(journal, ignore_errors=True)
    try:
        result = run_audit(config, _say, progress=not quiet and sys.stderr.isatty(),
                           journal_dir=journal)
    except KeyboardInterrupt:
        _say(f"Interrupted. Finished work is kept in {journal}; run the same command again "
             "to resume where it stopped.")
        raise typer.Exit(130) from None
    save(result, out / "results.json")
    page = _write_page(result, out, "report.html",
                       f" The results are saved in {out / 'results.json'}: once fixed, re-render "
                       f"them with `alignaudit report {out / 'results.json'}`.")
    for audit in result.models:
        _say(console_summary(audit))
    _say(f"Wrote {out / 'results.json'}, {page} and {out / 'summary.md'}")
    failed = [g for g in result.gates if g.failed]
    for g in result.gates:
        _say(("GATE FAILED: " if g.failed else "gate passed: ") + g.reason)
    if failed:
        raise typer.Exit(3)


@app.command()
def drift(
    data: DataOpt,
    reference: ReferenceOpt = "auto",
    model: Annotated[list[str], typer.Option(
        "--model", "-m", help="Also read the data through this model (perplexity, tokenizer, "
        "novel terms). Optional; repeatable.")] = [],  # noqa: B006 - typer reads the default
    out: OutOpt = Path("drift"),
    text_column: TextColumnOpt = None,
    date_column: DateColumnOpt = None,
    split: SplitOpt = "lines",
    sample: SampleOpt = None,
    reference_size: ReferenceSizeOpt = 500,
    embedder: EmbedderOpt = None,
    permutations: PermutationsOpt = 1000,
    save_embeddings: SaveEmbeddingsOpt = None,
    seed: SeedOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Drift between your data and a reference, on its own (no probes)."""
    from alignaudit.result import RunConfig

    settings = _data_settings(data, text_column, date_column, split, sample, reference,
                              reference_size, embedder, permutations, save_embeddings)
    config = RunConfig(models=model, probes=[], seed=seed, data=settings,
                       command=" ".join(shlex.quote(a) for a in ["alignaudit", *sys.argv[1:]]))
    _execute(config, out, quiet)


def _backend(name: str, base_url: str | None) -> str:
    if name not in ("hf", "openai"):
        raise UsageError(f"--backend {name}: use `hf` (transformers) or `openai`.")
    if name == "openai" and not base_url:
        raise UsageError("--backend openai needs --base-url, e.g. http://127.0.0.1:8000/v1.")
    return name


MAX_TIMEOUT = 86400.0


def _timeout(value: float | None) -> float | None:
    if value is not None and not 0 < value <= MAX_TIMEOUT:  # also refuses nan
        raise UsageError(f"--timeout {value:g}: give the seconds to wait for one answer, more "
                         f"than 0 and at most {MAX_TIMEOUT:g} (a day).")
    return value


def _max_retries(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise UsageError(f"--max-retries {value}: give 0 (no retries) or a positive number.")
    return value


MAX_CONCURRENCY = 256


def _concurrency(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency {value}: give the number of requests in flight at "
                         f"once, from 1 to {MAX_CONCURRENCY}.")
    return value


API_MODES = ("auto", "completions", "chat")


def _api(value: str | None) -> str | None:
    if value is not None and value not in API_MODES:
        raise UsageError(f"--api {value}: use `auto` (the default: /v1/completions, or chat mode "
                         "when the server only has chat completions), `completions` or `chat`.")
    return value


def _data_settings(paths: list[Path], text_column: str | None, date_column: str | None,
                   split: str, sample: int | None, reference: str, reference_size: int,
                   embedder: str | None, permutations: int,
                   save_embeddings: Path | None) -> DataSettings | None:
    from alignaudit.drift.section import DataSettings

    if not paths:
        return None
    from alignaudit.drift.documents import existing_path

    if split not in ("lines", "paragraphs"):
        raise UsageError(f"--split {split}: use `lines` or `paragraphs`.")
    for name, value in (("--sample", sample), ("--reference-size", reference_size),
                        ("--permutations", permutations)):
        if value is not None and value < 1:
            raise UsageError(f"{name} {value}: give a positive number.")
    for path in paths:
        existing_path(path)  # before any model loads
    return DataSettings(
        paths=[str(p) for p in paths], text_column=text_column, date_column=date_column,
        split=cast(Literal["lines", "paragraphs"], split), sample=sample, reference=reference,
        reference_size=reference_size,
        embedder=embedder, n_permutations=permutations,
        save_embeddings=str(save_embeddings) if save_embeddings else None,
    )


def _gates(conditions: list[str], policy: Path | None) -> list[str]:
    from alignaudit.judge import gates

    all_conditions = list(conditions) + (gates.load_policy(policy) if policy else [])
    for condition in all_conditions:
        gates.parse(condition)  # a bad condition fails before any model loads
    return all_conditions


def _date_option(option: str, value: str | None) -> str | None:
    if value is None:
        return None
    from alignaudit.recency.suites import check_date

    try:
        return check_date(value)
    except ValueError as exc:
        raise UsageError(f"{option} {value}: {exc}.") from None


def console_summary(audit: ModelAudit) -> str:  # noqa: F821 - imported lazily
    """The findings of one model as a few lines of text for the terminal."""
    lines = [f"== {audit.model.display_name}"]
    if audit.model.generation_only:
        mode = " in chat mode" if audit.model.api == "chat" else ""
        lines.append(f"  scored by generation only{mode} ({audit.model.generation_only})")
    for s in audit.suites:
        parts = []
        if s.n_facts:
            parts.append(f"accuracy {s.accuracy or 0:.1%} on {s.n_facts} facts "
                         f"(chance {s.chance or 0:.0%})")
        if s.n_changing:
            parts.append(f"{s.n_changing} changing facts")
        if s.n_controls:
            parts.append(f"{s.n_controls} controls")
        lines.append(f"  {s.suite}: " + ", ".join(parts))
    rec = audit.recency
    if rec is None:
        return "\n".join(lines)
    if rec.by_year:
        lines.append("  accuracy by event year:")
        for row in rec.by_year:
            bar = "#" * round(row.accuracy * 20)
            interval = f"[{row.ci_low:4.0%}-{row.ci_high:4.0%}]"
            lines.append(f"    {row.label}  {row.accuracy:5.0%}  {interval}  n={row.n:<3} {bar}")
    if rec.cutoff is not None:
        lines.append(f"  cutoff: {rec.cutoff.verdict}")
    if rec.believed is not None:
        lines.append(f"  believed year: {rec.believed.verdict}")
    if rec.confabulation is not None and rec.confabulation.rate is not None:
        c = rec.confabulation
        lines.append(f"  confabulation: {c.n_confabulated}/{c.n_controls} fabricated events "
                     f"'recognised' ({c.rate:.0%})")
    return "\n".join(lines)


def _check_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the folder ({exc.strerror}).") from None
    if not os.access(out, os.W_OK):
        raise UserError(f"--out {out}: the folder is not writable; choose another.")


@app.command()
def report(
    results: Annotated[list[Path], typer.Argument(help="results.json file(s) to render.")],
    out: Annotated[Path | None, typer.Option(
        help="HTML file to write (default: report.html beside the results).")] = None,
) -> None:
    """Re-render a saved results.json, or compare several on one page (no model needed)."""
    from alignaudit.result import load

    loaded = [load(p) for p in results]
    if len(loaded) > 1:  # one comparison page, a column per model of every result
        target = out or Path("compare.html")
        page = _write_page(loaded, target.parent, target.name)
    else:
        target = out or results[0].parent / "report.html"
        page = _write_page(loaded[0], target.parent, target.name)
    _say(f"Wrote {page} and {page.parent / 'summary.md'}")


def _write_page(result: Any, folder: Path, name: str, saved: str = "") -> Path:
    """Write the page and summary; a full disk or a bad folder is a message, not a traceback."""
    from alignaudit.report.page import write_report

    try:
        return write_report(result, folder, name)
    except OSError as exc:
        raise UserError(
            f"Cannot write {folder / name}: {exc.strerror or exc}. Choose a writable folder "
            f"with free space (--out).{saved}"
        ) from None


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


def main() -> None:
    """Entry point: runs the app and turns user errors into a message and an exit code."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        _say(f"error: {exc}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _say("Interrupted; nothing half-written was left behind.")
        sys.exit(130)
    except Exception as exc:
        # click's usage errors (typer vendors click, so match by shape, not by class)
        if type(exc).__name__ == "Abort":
            _say("Aborted.")
            sys.exit(130)
        exit_code = getattr(exc, "exit_code", None)
        if hasattr(exc, "show") and isinstance(exit_code, int):
            exc.show()
            sys.exit(exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
