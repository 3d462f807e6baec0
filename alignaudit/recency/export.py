"""A probe suite written as a task that lm-evaluation-harness or inspect_ai runs as it is.

Only fact probes are exported: a control (a fabricated event) has no correct choice and a
changing fact's right answer depends on the date a model believes it is; neither has a fixed
target such tools can score. ``records`` turns a suite into typed rows (pure); ``export_suite``
writes a folder (IO): the rows as JSONL, the task file, and a README saying what was left out.

lm-evaluation-harness: ``multiple_choice`` over exactly the probe's choices, in alignaudit's
order (correct ones first), the prompt as context and each choice as the continuation with its
leading space (``target_delimiter: ""``), so the log-likelihoods are the ones alignaudit ranks.
The target is the list of correct indices; lm-eval then counts a probe right when its top
choice is any of them, which is alignaudit's rule too.

inspect_ai: a ``Task`` with the ``multiple_choice`` solver and ``choice`` scorer. Its models
answer with a letter, so the choices are shuffled (seeded per probe) to keep the answer from
always being A; the dates, category and predictability ride along as each Sample's metadata.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import Field

from alignaudit._util.errors import UsageError, UserError
from alignaudit._util.files import atomic_write
from alignaudit._util.frozen import Frozen
from alignaudit.recency.suites import Probe, Suite

ExportFormat = Literal["lm-eval", "inspect"]
FORMATS: tuple[str, ...] = ("lm-eval", "inspect")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class ExportRecord(Frozen):
    """One fact probe as the exported data file holds it."""

    id: str = Field(description="The probe's id in its suite.")
    suite: str = Field(description="The suite's name.")
    prompt: str = Field(description="The text the model continues (the context).")
    choices: list[str] = Field(description="Continuations, each with its leading space.")
    targets: list[int] = Field(description="Indices of the correct choices.")
    event_date: str | None = Field(description="When the fact came to be (YYYY[-MM[-DD]]).")
    category: str = Field(description="Topic of the fact.")
    predictability: str = Field(description="low, medium or high.")
    source: str = Field(description="Where a reader can check the fact.")
    url: str | None = Field(default=None, description="A web page with the fact.")


class Exported(Frozen):
    """What ``export_suite`` wrote."""

    format: str = Field(description="lm-eval or inspect.")
    folder: str = Field(description="The folder written.")
    task: str = Field(description="The task's name in that tool.")
    files: list[str] = Field(description="Files written, relative to the folder.")
    n_exported: int = Field(description="Fact probes exported.")
    skipped: dict[str, int] = Field(description="Probes left out, by kind (control, changing).")
    command: str = Field(description="A command that runs the exported task.")


def task_name(suite: Suite) -> str:
    """The task's name: ``alignaudit_`` and the suite's name as an identifier."""
    return "alignaudit_" + re.sub(r"\W", "_", suite.name)


def records(suite: Suite) -> list[ExportRecord]:
    """The suite's fact probes as rows, choices in alignaudit's order (correct first)."""
    return [_record(suite.name, p) for p in suite.probes if p.kind == "fact"]


def _record(suite: str, probe: Probe) -> ExportRecord:
    return ExportRecord(
        id=probe.id, suite=suite, prompt=probe.prompt, choices=probe.continuations,
        targets=list(range(probe.n_correct)), event_date=probe.event_date,
        category=probe.category, predictability=probe.predictability, source=probe.source,
        url=probe.url,
    )


def shuffled(record: ExportRecord) -> ExportRecord:
    """The record with its choices in a random order seeded by its suite and id (the same on
    every export), the targets following their choices."""
    seed = int.from_bytes(hashlib.sha256(f"{record.suite}/{record.id}".encode()).digest()[:8],
                          "big")
    order = np.random.default_rng(seed).permutation(len(record.choices))
    return record.model_copy(update={
        "choices": [record.choices[i] for i in order],
        "targets": sorted(int(np.flatnonzero(order == t)[0]) for t in record.targets),
    })


def lm_eval_config(suite: Suite, data_file: Path) -> dict[str, object]:
    """The lm-evaluation-harness task YAML, as a mapping."""
    return {
        "task": task_name(suite),
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(data_file.resolve())}},
        "test_split": "test",
        "output_type": "multiple_choice",
        "doc_to_text": "prompt",
        "doc_to_choice": "choices",
        "doc_to_target": "targets",
        "target_delimiter": "",
        "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True},
                        {"metric": "acc_norm", "aggregation": "mean",
                         "higher_is_better": True}],
        "metadata": {"version": suite.suite.version},
    }


INSPECT_TASK = '''"""inspect_ai task for the alignaudit probe suite `{name}` v{version}.

Written by `alignaudit probes export`; the probes are in {data} beside this file. Run it from
this folder with
    inspect eval {module}.py --model <model>
"""

from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import FieldSpec, json_dataset
from inspect_ai.scorer import choice
from inspect_ai.solver import multiple_choice

DATA = Path(__file__).with_name("{data}")
METADATA = ["suite", "event_date", "category", "predictability", "source", "url", "prompt"]


@task
def {func}() -> Task:
    """{description}"""
    fields = FieldSpec(input="input", choices="choices", target="target", id="id",
                       metadata=METADATA)
    return Task(dataset=json_dataset(str(DATA), fields),
                solver=multiple_choice({solver_args}), scorer=choice())
'''


def inspect_row(record: ExportRecord) -> dict[str, object]:
    """One line of the inspect_ai dataset: the question, stripped choices, target letter(s)."""
    mixed = shuffled(record)
    letters = [LETTERS[i] for i in mixed.targets]
    return {
        "id": mixed.id, "input": f"Complete the statement: {mixed.prompt} ...",
        "choices": [c.strip() for c in mixed.choices],
        "target": letters[0] if len(letters) == 1 else letters,
        **mixed.model_dump(include={"suite", "event_date", "category", "predictability",
                                    "source", "url", "prompt"}),
    }


def export_suite(suite: Suite, fmt: str, out: Path) -> Exported:
    """Write ``suite`` as a task of ``fmt`` into the folder ``out``."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: use lm-eval or inspect.")
    rows = records(suite)
    if not rows:
        raise UserError(f"Suite `{suite.name}` has no fact probes to export (controls and "
                        "changing facts have no fixed answer).")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: a file is in the way; give a folder.")
    out.mkdir(parents=True, exist_ok=True)
    name = task_name(suite)
    data = out / f"{suite.name}.jsonl"
    if fmt == "lm-eval":
        lines = [r.model_dump_json() for r in rows]
        task_file = out / f"{name}.yaml"
        atomic_write(task_file, yaml.safe_dump(lm_eval_config(suite, data), sort_keys=False,
                                               allow_unicode=True))
        command = (f"lm_eval --model hf --model_args pretrained=MODEL --include_path {out} "
                   f"--tasks {name}")
    else:
        lines = [json.dumps(inspect_row(r), ensure_ascii=False) for r in rows]
        task_file = out / f"{name}.py"
        multi = any(len(r.targets) > 1 for r in rows)
        atomic_write(task_file, INSPECT_TASK.format(
            name=suite.name, version=suite.suite.version, data=data.name, module=name,
            func=name, description=(suite.suite.description or suite.name).replace('"', "'"),
            solver_args="multiple_correct=True" if multi else ""))
        # inspect_ai's loader globs the task path, which must be relative (Python < 3.13)
        command = f"cd {out} && inspect eval {task_file.name} --model MODEL"
    atomic_write(data, "".join(line + "\n" for line in lines))
    skipped: dict[str, int] = dict(Counter(p.kind for p in suite.probes if p.kind != "fact"))
    exported = Exported(format=fmt, folder=str(out), task=name, n_exported=len(rows),
                        files=[data.name, task_file.name, "README.md"], skipped=skipped,
                        command=command)
    atomic_write(out / "README.md", readme(suite, exported))
    return exported


KIND_NAMES = {"control": ("control", "controls"), "changing": ("changing fact", "changing facts")}


def skipped_text(skipped: dict[str, int]) -> str:
    """``{"control": 20}`` as "20 controls"."""
    return ", ".join(f"{n} {KIND_NAMES[k][n != 1]}" for k, n in sorted(skipped.items()))


def readme(suite: Suite, exported: Exported) -> str:
    """What the folder holds, what was left out and why, how to run it."""
    left = skipped_text(exported.skipped) or "none"
    tool = ("lm-evaluation-harness" if exported.format == "lm-eval" else "inspect_ai")
    how = (_LM_EVAL_NOTE if exported.format == "lm-eval" else _INSPECT_NOTE)
    return (f"# {suite.name} v{suite.suite.version} as an {tool} task\n\n"
            f"Written by `alignaudit probes export`. {suite.suite.description}\n\n"
            f"- `{exported.files[0]}`: {exported.n_exported} fact probes, one JSON object a "
            "line, with `event_date`, `category`, `predictability` and `source` kept.\n"
            f"- `{exported.files[1]}`: the task `{exported.task}`.\n\n"
            f"Left out: {left}. Only fact probes are exported: a control (a fabricated event) "
            "has no correct choice, and a changing fact's right answer depends on the date the "
            "model believes it is; alignaudit scores those itself (`alignaudit run`).\n\n"
            f"{how}\n\nRun it:\n\n    {exported.command}\n")


_LM_EVAL_NOTE = (
    "Scoring follows alignaudit: multiple choice over exactly the probe's choices, the prompt "
    "as context and each choice, with its leading space, as the continuation "
    "(`target_delimiter: \"\"`). The target is the list of correct indices, so a probe counts "
    "right when the top choice is any correct one. The data file is named by its absolute "
    "path in the YAML: export again if you move the folder.")
_INSPECT_NOTE = (
    "The model is asked to pick a letter (inspect_ai's `multiple_choice` solver, `choice` "
    "scorer), a different measure from alignaudit's likelihood ranking. The choices are "
    "shuffled, seeded by the probe's id, so the answer is not always A; with more than one "
    "correct choice in a probe, the solver asks for all of them.")
