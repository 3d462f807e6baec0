"""The Python API: ``audit`` runs an audit and returns its result, ``load`` reads a saved one.

Both return :class:`AuditResult`, the result of :mod:`alignaudit.result` that also shows its
report inline in Jupyter (``_repr_html_``). The options are the command line's, by field name
(``limit=20``, ``backend="fake"``, ``text_column="body"``), validated as ``alignaudit run``
validates them; files are written only when ``out`` is given.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import AliasChoices

from alignaudit import result as saved
from alignaudit._util.errors import UsageError
from alignaudit.config import FLAT_ORDER, NESTED, DataSettings, RunConfig
from alignaudit.hosting.settings import HostingSettings

log = logging.getLogger("alignaudit")

FRAME_HEIGHT = 900
"""Height in pixels of the inline report's frame (it scrolls inside)."""


class AuditResult(saved.AuditResult):
    """An audit's result (see :class:`alignaudit.result.AuditResult`) that Jupyter shows as its
    report. Same fields, same results.json."""

    def _repr_html_(self) -> str:
        return inline_html(self)

    def html(self) -> str:
        """The self-contained report page, as ``alignaudit report`` writes it."""
        from alignaudit.report.page import render

        return render(self)

    def save(self, out: str | Path) -> Path:
        """Write results.json, report.html and summary.md into the folder ``out``."""
        return write(self, Path(out))


def inline_html(result: saved.AuditResult, height: int = FRAME_HEIGHT) -> str:
    """The report in an ``<iframe srcdoc>``: its styles stay inside the frame, so they neither
    restyle the notebook nor are restyled by it. The page has no scripts and the sandbox
    allows none; links may open in a new tab."""
    from alignaudit.report.page import render

    page = html.escape(render(result), quote=True)
    return (f'<iframe srcdoc="{page}" title="alignaudit report" '
            f'style="width:100%;height:{height}px;border:1px solid #ddd" '
            'sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>')


def load(path: str | Path) -> AuditResult:
    """Read a results.json an audit wrote (by ``alignaudit run`` or :func:`audit`)."""
    return _shown(saved.load(path))


def audit(model: str | Sequence[str] | None = None,
          probes: str | Sequence[str] | None = ("recency",),
          data: str | Path | Sequence[str | Path] | None = None,
          out: str | Path | None = None, log_to: str | Sequence[str] | None = None,
          **options: Any) -> AuditResult:
    """Audit one model (or several) on probe suites, and on your data when ``data`` is given.

    ``model``: an alias (``smollm2-135m``), a folder, a .gguf file or a Hub id; a list audits
    several side by side. ``probes``: suite names or YAML paths (``None``: no probes, data
    only). ``data``: files or folders of your documents. ``out``: a folder to write
    results.json, report.html and summary.md into; without it nothing is written.
    ``options``: any other option of ``alignaudit run``, by its name with underscores
    (``backend="fake"``, ``limit=20``, ``seed=1``, ``text_column="body"``,
    ``date_column="created"``). Progress lines go to the ``alignaudit`` logger.
    ``log_to``: ``"mlflow"``, ``"wandb"`` or both, as ``--log-to`` (see :mod:`alignaudit.trackers`);
    a tracker that fails is a warning on the logger, the result is returned all the same.
    """
    from alignaudit.runner import run_audit
    from alignaudit.trackers import targets

    trackers = targets.parse(log_to)
    targets.check_installed(trackers)
    config = run_config(model, probes, data, options)
    found = _shown(run_audit(config, log.info, progress="off"))
    if out is not None:
        write(found, Path(out))
    if trackers:
        _track(found, None if out is None else Path(out), trackers)
    return found


def _track(found: AuditResult, out: Path | None, trackers: Sequence[str]) -> None:
    """Log the audit to ``trackers``, with its files from ``out`` (written to a temporary
    folder for the upload when there is no ``out``)."""
    import tempfile

    from alignaudit.trackers.targets import log_all

    if out is not None:
        log_all(found, out, trackers, log.info, where=out, warn=log.warning)
        return
    with tempfile.TemporaryDirectory(prefix="alignaudit-") as tmp:
        write(found, Path(tmp))
        log_all(found, Path(tmp), trackers, log.info, where=None, warn=log.warning)


def run_config(model: str | Sequence[str] | None, probes: str | Sequence[str] | None,
               data: str | Path | Sequence[str | Path] | None,
               options: dict[str, Any]) -> RunConfig:
    """The validated configuration of an :func:`audit` call."""
    unknown = sorted(set(options) - RUN_OPTIONS - DATA_OPTIONS)
    if unknown:
        raise UsageError(f"audit(): unknown option {', '.join(unknown)}. Options: "
                         f"{', '.join(sorted(RUN_OPTIONS | DATA_OPTIONS))}.")
    on_data = {k: v for k, v in options.items() if k in DATA_OPTIONS}
    if on_data and data is None:
        raise UsageError(f"audit(): {', '.join(sorted(on_data))} describe data=; pass data= "
                         "(your documents) too.")
    run = {k: v for k, v in options.items() if k in RUN_OPTIONS}
    hosting = {k: run.pop(k) for k in list(run) if k in HostingSettings.model_fields}
    if hosting:  # api_price=, volume=, measure_serving=, ... by name, like the CLI's options
        run["hosting"] = {**run.get("hosting", {}), **hosting}
    paths = [data] if isinstance(data, str | Path) else list(data or [])
    return RunConfig.for_run(
        models=[model] if isinstance(model, str) else list(model or []),
        probes=[probes] if isinstance(probes, str) else list(probes or []),
        data={"paths": [str(p) for p in paths], **on_data} if data is not None else None,
        command=_call_text(model, probes, data, options), **run)


def model_folder(spec: str) -> Path | str:
    """Where the weights of ``spec`` are for transformers (and so for lm-evaluation-harness's
    ``--model_args pretrained=``): a bundled alias's or a .gguf file's safetensors folder,
    converted once and cached; a local folder as given; a Hub id as it is."""
    from alignaudit.backends.hf.load import convert_gguf
    from alignaudit.backends.hf.resolve import resolve

    source = resolve(spec)
    if source.gguf_file is not None:
        return convert_gguf(Path(source.location), source.gguf_file, progress="off")[0]
    return Path(source.location) if source.kind == "local" else source.location


def _option_names() -> tuple[frozenset[str], frozenset[str]]:
    """Names ``audit`` accepts for the run (flat, as in results.json) and for the data."""
    run = {n for n in FLAT_ORDER if n not in ("models", "probes", "data", "command")}
    run |= {n for settings in NESTED.values() for n in settings.model_fields}
    run |= set(HostingSettings.model_fields)
    on_data = set()
    for name, field in DataSettings.model_fields.items():
        on_data.add(name)
        if isinstance(field.validation_alias, AliasChoices):
            on_data |= {c for c in field.validation_alias.choices if isinstance(c, str)}
    return frozenset(run), frozenset(on_data - {"paths"})


RUN_OPTIONS, DATA_OPTIONS = _option_names()


def _call_text(model: Any, probes: Any, data: Any, options: dict[str, Any]) -> str:
    """The call, for the report's reproducibility section (secrets are never options here:
    a server's key is read from the variable ``api_key_env`` names)."""
    given = {"model": model, "probes": probes, "data": data, **options}
    args = ", ".join(f"{k}={v!r}" for k, v in given.items() if v is not None)
    return f"alignaudit.audit({args})"


def _shown(found: saved.AuditResult) -> AuditResult:
    """The same result as the class that shows itself in Jupyter."""
    return AuditResult.model_validate(found.model_dump(mode="json"))


def write(found: saved.AuditResult, out: Path) -> Path:
    """results.json, report.html and summary.md in ``out``; the page's path."""
    from alignaudit.report.page import write_report

    out.mkdir(parents=True, exist_ok=True)
    saved.save(found, out / "results.json")
    return write_report(found, out)
