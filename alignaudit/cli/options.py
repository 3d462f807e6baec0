"""Every command-line option, declared once: its flags, type and help.

Commands take these as parameter types. The parameter's name is the field of
:class:`~alignaudit.config.RunConfig` (or of its nested settings) that the value goes to, so the
values pass to the configuration by name, unrenamed; the configuration validates them. Help texts
of options that the configuration declares are its field descriptions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import BaseModel

from alignaudit.backends.hf.options import HFSettings
from alignaudit.backends.openai.options import ServerSettings
from alignaudit.config import DataSettings, RunConfig, ScoringSettings
from alignaudit.hosting.settings import HostingSettings


def _help(model: type[BaseModel], field: str, served: bool = False) -> str:
    text = model.model_fields[field].description or ""
    return f"--backend openai: {text}" if served else text


# --------------------------------------------------------------------------- models and probes
Models = Annotated[list[str], typer.Option(
    "--model", "-m", help="Model to audit: bundled alias (smollm2-135m), local folder, .gguf file "
    "or Hub id (gpt2, org/name@revision). Repeat to compare.")]
DriftModels = Annotated[list[str], typer.Option(
    "--model", "-m", help="Also read the data through this model (perplexity, tokenizer, novel "
    "terms). Optional; repeatable.")]
Probes = Annotated[list[str], typer.Option(
    "--probes", "-p", help="Suites: shipped names (recency,changing-facts) or YAML paths.")]
Limit = Annotated[Optional[int], typer.Option(  # noqa: UP045 - typer reads the annotation
    help=_help(RunConfig, "limit"))]
Seed = Annotated[int, typer.Option(help=_help(RunConfig, "seed"))]
Generate = Annotated[bool, typer.Option(help=_help(ScoringSettings, "generate"))]
MaxNewTokens = Annotated[int, typer.Option(help=_help(ScoringSettings, "max_new_tokens"))]
SemanticMatch = Annotated[bool, typer.Option(help=_help(ScoringSettings, "semantic_match"))]
ClaimedCutoff = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help="Cutoff the model card claims, YYYY-MM (known for some bundled aliases).")]
AsOf = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help="Date open-ended changing facts count as true up to (default: today).")]
PricePerHour = Annotated[Optional[float], typer.Option(  # noqa: UP045
    help="Hardware price per hour ($/hour), for an estimated cost per million tokens and the "
    "self-hosted monthly cost in 'Hosting: adopt or rent'.")]

# --------------------------------------------------------------------------- hosting
ApiPrice = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(HostingSettings, "api_price"))]
Volume = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(HostingSettings, "volume"))]
PromptTokens = Annotated[int, typer.Option(help=_help(HostingSettings, "prompt_tokens"))]
AnswerTokens = Annotated[int, typer.Option(help=_help(HostingSettings, "answer_tokens"))]
MeasureServing = Annotated[bool, typer.Option(help=_help(HostingSettings, "measure_serving"))]
ServingRequests = Annotated[int, typer.Option(help=_help(HostingSettings, "serving_requests"))]

# --------------------------------------------------------------------------- backends
Backend = Annotated[str, typer.Option(
    help="hf (transformers), openai (any OpenAI-compatible server) or fake (a dry run: no model "
    "is loaded; see alignaudit.backends.fake).")]
Device = Annotated[str, typer.Option(help=_help(HFSettings, "device"))]
Dtype = Annotated[str, typer.Option(help=_help(HFSettings, "dtype"))]
BatchSize = Annotated[str, typer.Option(help=_help(HFSettings, "batch_size"))]
TrustRemoteCode = Annotated[bool, typer.Option(
    help="Run code shipped with the model (only for models you trust).")]
AllowPickle = Annotated[bool, typer.Option(
    help="Load pickle weight files (.bin/.pt), which can run code: trusted models only.")]
DeviceMap = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(HFSettings, "device_map"))]
BaseUrl = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(ServerSettings, "base_url", served=True))]
ApiKeyEnv = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(ServerSettings, "api_key_env", served=True))]
Timeout = Annotated[Optional[float], typer.Option(  # noqa: UP045
    help=_help(ServerSettings, "timeout", served=True))]
MaxRetries = Annotated[Optional[int], typer.Option(  # noqa: UP045
    help=_help(ServerSettings, "max_retries", served=True))]
Concurrency = Annotated[Optional[int], typer.Option(  # noqa: UP045
    help=_help(ServerSettings, "concurrency", served=True) + " Lower it for a server that "
    "rate-limits or is overloaded, raise it for one that batches many.")]
Api = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(ServerSettings, "api", served=True))]
AllowRemoteData = Annotated[bool, typer.Option(
    "--allow-remote-data", help=_help(RunConfig, "allow_remote_data"))]

# --------------------------------------------------------------------------- data
Data = Annotated[list[str], typer.Option(
    "--data", help="Your data: .txt/.jsonl/.csv/.parquet or a folder. Repeatable. Also a "
    "Hugging Face dataset (pip install 'alignaudit[hf-datasets]'): a save_to_disk folder "
    "(FOLDER@SPLIT when it has splits), hf:NAME[:CONFIG][@SPLIT] (from the local cache when "
    "offline), or .parquet/.arrow shards (a folder, or a quoted glob).")]
TextColumn = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(DataSettings, "text_column"))]
DateColumn = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(DataSettings, "date_column"))]
Split = Annotated[str, typer.Option(help=_help(DataSettings, "split"))]
Sample = Annotated[Optional[int], typer.Option(  # noqa: UP045
    help=_help(DataSettings, "sample"))]
Reference = Annotated[str, typer.Option(help=_help(DataSettings, "reference"))]
ReferenceSize = Annotated[int, typer.Option(help=_help(DataSettings, "reference_size"))]
Embedder = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(DataSettings, "embedder"))]
Permutations = Annotated[int, typer.Option(help="Permutations per drift test.")]
ModelDocs = Annotated[int, typer.Option(help=_help(DataSettings, "max_model_docs"))]
SaveEmbeddings = Annotated[Optional[str], typer.Option(  # noqa: UP045
    help=_help(DataSettings, "save_embeddings"))]

# --------------------------------------------------------------------------- gates and output
FailOn = Annotated[list[str], typer.Option(
    "--fail-on", help="Gate, e.g. 'recency_accuracy<0.6', 'cutoff<2024-01', 'drift=high', or "
    "against --baseline 'delta.recency_accuracy<-0.02'; exit code 3 when it holds. Repeatable.")]
Baseline = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    help="A saved results.json of another model on the same suites: paired differences "
    "against it on the page, and delta.* gates.")]
Policy = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    help="YAML file with `fail_on:` gates.")]
Out = Annotated[str, typer.Option(
    "--out", "-o", help="Output folder (results.json, report.html, summary.md). Files there that "
    "alignaudit did not write are never overwritten.")]
Resume = Annotated[bool, typer.Option(
    help="Reuse finished work journaled in --out by an earlier, interrupted run.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]

# --------------------------------------------------------------------------- trackers
LogTo = Annotated[list[str], typer.Option(
    "--log-to", metavar="TRACKER", help="Also log the audit to an experiment tracker: mlflow "
    "(local ./mlruns store unless MLFLOW_TRACKING_URI is set) or wandb (offline under "
    "--out/wandb unless W&B is configured). Repeat or comma-separate for both. Needs pip install "
    "'alignaudit[mlflow]' or 'alignaudit[wandb]'.")]

DATA_FIELDS = ("text_column", "date_column", "split", "sample", "reference", "reference_size",
               "embedder", "permutations", "model_docs", "save_embeddings")
"""Parameters that belong to the data section (``RunConfig.data``) rather than the run."""
HOSTING_FIELDS = ("api_price", "volume", "prompt_tokens", "answer_tokens", "measure_serving",
                  "serving_requests")
"""Parameters that belong to the hosting section (``RunConfig.hosting``)."""
