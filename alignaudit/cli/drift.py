"""``alignaudit drift``: how far your data is from a reference, with or without a model."""

from __future__ import annotations

import typer

from alignaudit.cli import options as opt
from alignaudit.cli.run import build_config
from alignaudit.cli.track import execute_logged


def drift(
    ctx: typer.Context,
    data: opt.Data,
    reference: opt.Reference = "auto",
    model: opt.DriftModels = [],  # noqa: B006 - typer reads the default
    out: opt.Out = "drift",
    text_column: opt.TextColumn = None,
    date_column: opt.DateColumn = None,
    split: opt.Split = "lines",
    sample: opt.Sample = None,
    reference_size: opt.ReferenceSize = 500,
    embedder: opt.Embedder = None,
    permutations: opt.Permutations = 1000,
    model_docs: opt.ModelDocs = 400,
    save_embeddings: opt.SaveEmbeddings = None,
    seed: opt.Seed = 0,
    quiet: opt.Quiet = False,
    log_to: opt.LogTo = [],  # noqa: B006
) -> None:
    """Drift between your data and a reference, on its own (no probes)."""
    params = dict(ctx.params)
    params["probes"] = []
    execute_logged(build_config(params), out, quiet, resume=True, log_to=log_to)
