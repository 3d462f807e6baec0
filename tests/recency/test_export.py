"""`probes export`: the rows, the lm-eval YAML and the inspect_ai task file, checked by hand on
the mini suite (4 facts, 1 control, 1 changing fact); lm-eval's own task loading when lm-eval is
installed in this Python."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from alignaudit._util.errors import UsageError, UserError
from alignaudit.recency.export import (
    LETTERS,
    export_suite,
    inspect_row,
    records,
    shuffled,
    task_name,
)
from alignaudit.recency.suites import Suite, load_suite
from tests.helpers import MINI_SUITE
from tests.helpers.cli import cli, user_error


@pytest.fixture(scope="module")
def mini() -> Suite:
    return load_suite(MINI_SUITE)


def two_correct(mini: Suite) -> Suite:
    """The mini suite with one fact given a second correct choice."""
    fact = next(p for p in mini.probes if p.kind == "fact")
    assert fact.choices is not None
    choices = fact.choices.model_copy(update={"correct": [*fact.choices.correct, " Also right"]})
    return mini.model_copy(update={"probes": [fact.model_copy(update={"choices": choices})]})


def test_records_are_the_facts_with_their_choices_and_dates(mini):
    rows = records(mini)
    facts = [p for p in mini.probes if p.kind == "fact"]
    assert [r.id for r in rows] == [p.id for p in facts]
    for row, probe in zip(rows, facts, strict=True):
        assert row.choices == probe.continuations  # leading spaces kept, correct first
        assert row.targets == [0]
        assert (row.event_date, row.category, row.predictability) == (
            probe.event_date, probe.category, probe.predictability)


def test_shuffle_is_seeded_by_the_probe_and_the_targets_follow(mini):
    for row in records(two_correct(mini)) + records(mini):
        mixed = shuffled(row)
        assert mixed == shuffled(row)
        assert sorted(mixed.choices) == sorted(row.choices)
        assert {mixed.choices[t] for t in mixed.targets} == {row.choices[t] for t in row.targets}


def test_lm_eval_task_scores_the_prompt_against_each_choice(mini, tmp_path):
    out = tmp_path / "task"
    done = export_suite(mini, "lm-eval", out)
    config = yaml.safe_load((out / f"{task_name(mini)}.yaml").read_text())
    assert config["task"] == done.task == "alignaudit_mini"
    assert config["output_type"] == "multiple_choice"
    assert config["target_delimiter"] == ""  # the choice keeps its own leading space
    assert (config["doc_to_text"], config["doc_to_choice"], config["doc_to_target"]) == (
        "prompt", "choices", "targets")
    data = config["dataset_kwargs"]["data_files"]["test"]
    rows = [json.loads(line) for line in Path(data).read_text(encoding="utf-8").splitlines()]
    assert rows == [r.model_dump() for r in records(mini)]
    assert done.n_exported == 4 and done.skipped == {"control": 1, "changing": 1}
    readme = (out / "README.md").read_text()
    assert "1 changing fact" in readme and "1 control" in readme


def test_inspect_task_file_and_rows(mini, tmp_path):
    out = tmp_path / "task"
    done = export_suite(mini, "inspect", out)
    source = (out / f"{done.task}.py").read_text()
    tree = ast.parse(source)
    assert any(isinstance(n, ast.FunctionDef) and n.name == done.task for n in tree.body)
    assert "multiple_correct" not in source
    rows = [json.loads(line) for line in (out / "mini.jsonl").read_text().splitlines()]
    for row, record in zip(rows, records(mini), strict=True):
        right = record.choices[0].strip()
        assert row["choices"][LETTERS.index(row["target"])] == right
        assert row["event_date"] == record.event_date and row["prompt"] == record.prompt


def test_several_correct_choices(mini, tmp_path):
    suite = two_correct(mini)
    (row,) = records(suite)
    assert row.targets == [0, 1]
    assert len(inspect_row(row)["target"]) == 2
    done = export_suite(suite, "inspect", tmp_path / "task")
    assert "multiple_correct=True" in (tmp_path / "task" / f"{done.task}.py").read_text()


def test_refusals(mini, tmp_path):
    with pytest.raises(UsageError, match="--format"):
        export_suite(mini, "csv", tmp_path / "x")
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="a file is in the way"):
        export_suite(mini, "lm-eval", tmp_path / "file")
    controls = mini.model_copy(update={"probes": [p for p in mini.probes if p.control]})
    with pytest.raises(UserError, match="no fact probes"):
        export_suite(controls, "lm-eval", tmp_path / "y")


def test_cli_exports_a_shipped_suite(tmp_path):
    proc = cli("probes", "export", "recency", "--format", "lm-eval", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "task `alignaudit_recency`" in proc.stdout and "left out: 20 controls" in proc.stdout
    assert (tmp_path / "alignaudit_recency.yaml").is_file()
    user_error(cli("probes", "export", "recency", "--format", "csv", "--out", str(tmp_path)), 2)


def test_lm_eval_loads_the_task_and_builds_alignaudits_requests(mini, tmp_path):
    pytest.importorskip("lm_eval")
    from lm_eval.tasks import TaskManager, get_task_dict

    done = export_suite(mini, "lm-eval", tmp_path)
    task = get_task_dict([done.task], TaskManager(include_path=str(tmp_path)))[done.task]
    docs = list(task.test_docs())
    assert [d["id"] for d in docs] == [r.id for r in records(mini)]
    for doc, record in zip(docs, records(mini), strict=True):
        requests = task.construct_requests(doc=doc, ctx=task.doc_to_text(doc),
                                           metadata=(done.task, 0, 1))
        assert [r.arguments for r in requests] == [(record.prompt, c) for c in record.choices]
        assert task.doc_to_target(doc) == record.targets
