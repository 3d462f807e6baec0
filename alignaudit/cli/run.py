"""``alignaudit run``: audit one or more models and write results.json, report.html, summary.md."""

from __future__ import annotations

from typing import Any

import typer

from alignaudit.cli import options as opt
from alignaudit.cli.output import command_line
from alignaudit.cli.track import execute_logged


def run(
    ctx: typer.Context,
    model: opt.Models,
    probes: opt.Probes = ["recency"],  # noqa: B006 - typer reads the default
    out: opt.Out = "audit",
    backend: opt.Backend = "hf",
    device: opt.Device = "auto",
    dtype: opt.Dtype = "auto",
    batch_size: opt.BatchSize = "auto",
    limit: opt.Limit = None,
    seed: opt.Seed = 0,
    generate: opt.Generate = True,
    max_new_tokens: opt.MaxNewTokens = 16,
    semantic_match: opt.SemanticMatch = False,
    claimed_cutoff: opt.ClaimedCutoff = None,
    as_of: opt.AsOf = None,
    trust_remote_code: opt.TrustRemoteCode = False,
    allow_pickle: opt.AllowPickle = False,
    device_map: opt.DeviceMap = None,
    base_url: opt.BaseUrl = None,
    api_key_env: opt.ApiKeyEnv = None,
    timeout: opt.Timeout = None,
    max_retries: opt.MaxRetries = None,
    concurrency: opt.Concurrency = None,
    api: opt.Api = None,
    allow_remote_data: opt.AllowRemoteData = False,
    price_per_hour: opt.PricePerHour = None,
    api_price: opt.ApiPrice = None,
    volume: opt.Volume = None,
    prompt_tokens: opt.PromptTokens = 400,
    answer_tokens: opt.AnswerTokens = 200,
    measure_serving: opt.MeasureServing = False,
    serving_requests: opt.ServingRequests = 16,
    data: opt.Data = [],  # noqa: B006
    text_column: opt.TextColumn = None,
    date_column: opt.DateColumn = None,
    split: opt.Split = "lines",
    sample: opt.Sample = None,
    reference: opt.Reference = "auto",
    reference_size: opt.ReferenceSize = 500,
    embedder: opt.Embedder = None,
    permutations: opt.Permutations = 1000,
    model_docs: opt.ModelDocs = 400,
    save_embeddings: opt.SaveEmbeddings = None,
    fail_on: opt.FailOn = [],  # noqa: B006
    policy: opt.Policy = None,
    baseline: opt.Baseline = None,
    resume: opt.Resume = True,
    quiet: opt.Quiet = False,
    log_to: opt.LogTo = [],  # noqa: B006
) -> None:
    """Run an audit and write results.json, report.html and summary.md into --out."""
    execute_logged(build_config(dict(ctx.params)), out, quiet, resume, policy, log_to)


def build_config(params: dict[str, Any]) -> Any:
    """The run configuration from the command's parameters (named as its fields), validated."""
    from alignaudit.config import RunConfig
    from alignaudit.judge.gates import load_policy

    for local in ("out", "quiet", "resume", "log_to"):
        params.pop(local, None)
    models = params.pop("model", [])
    paths = params.pop("data", [])
    data = {name: params.pop(name) for name in opt.DATA_FIELDS if name in params}
    hosting = {name: params.pop(name) for name in opt.HOSTING_FIELDS if name in params}
    policy = params.pop("policy", None)
    fail_on = list(params.pop("fail_on", [])) + (load_policy(policy) if policy is not None else [])
    if not params.get("generate", True):
        params["semantic_match"] = False
    if params.get("as_of") is None:
        params["as_of"] = ""
    if params.get("baseline") is not None:
        params["baseline"] = str(params["baseline"])
    return RunConfig.for_run(
        **params, models=models, fail_on=fail_on, command=command_line(), hosting=hosting,
        data={"paths": [str(p) for p in paths], **data} if paths else None)
