"""Bad input and faults, end to end: what the user sees, the exit code, and what is kept.

Each test backs one or more rows of docs/reliability.md. Faults that cannot be caused for real
in a test (a full disk, an out-of-memory error, a permission the root user ignores) are
simulated by monkeypatching the one call that would fail, in a run of the CLI inside this
process. Everything else runs the real command line in a subprocess. Known bugs are strict
xfails whose reason names the file and the fix.
"""

from __future__ import annotations

import ast
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import DOCS, EXAMPLES, MINI_SUITE, ROOT
from tests.helpers.cli import cli, user_error


# ------------------------------------------------------------------------------ helpers
def main_here(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
              *args: str) -> tuple[int, str]:
    """The command line inside this process (so a fault can be monkeypatched in): exit code and
    stderr. An exception that is not turned into a message escapes, as a traceback would."""
    from alignaudit.cli import app as cli_mod

    monkeypatch.setattr(sys, "argv", ["alignaudit", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli_mod.main(list(args))
    return int(stop.value.code or 0), capsys.readouterr().err


def tiny_run_args(model: Path, out: Path, *extra: str) -> list[str]:
    return ["run", "--model", str(model), "--probes", str(MINI_SUITE), "--out", str(out),
            "--as-of", "2026-01-01", "--max-new-tokens", "2", "--quiet", *extra]


def isolated_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment with alignaudit's and Hugging Face's caches inside ``tmp_path``."""
    env = dict(os.environ, ALIGNAUDIT_CACHE=str(tmp_path / "aa-cache"),
               HF_HOME=str(tmp_path / "hf-home"), HF_HUB_OFFLINE="1")
    env.update(extra)
    return env


# ------------------------------------------------------------------------------ probe suites
GOOD_PROBE = """\
  - id: p1
    prompt: "The 2022 FIFA World Cup final was won by"
    choices:
      correct: [" Argentina"]
      distractors: [" France", " Brazil", " Croatia"]
    event_date: "2022-12-18"
    category: sport
    source: "Wikipedia: 2022 FIFA World Cup final"
"""
HEADER = 'suite:\n  name: t\n  version: "1"\n  description: test\nprobes:\n'

BAD_SUITES = {
    # name: (file text, the line the message must name, words the message must hold)
    "malformed-yaml": (HEADER + GOOD_PROBE + "  - id: [unclosed\n", 14,
                       "YAML does not parse: the `[` opened here (column 9) is never closed"),
    "missing-field": (HEADER + GOOD_PROBE.replace("    category: sport\n", ""), 6,
                      "probes.0.category: Field required"),
    "unknown-field": (HEADER + GOOD_PROBE.replace("    category: sport\n",
                                                  "    category: sport\n    colour: red\n"), 13,
                      "probes.0.colour: Extra inputs are not permitted"),
    "wrong-type-choices": (HEADER + GOOD_PROBE.replace(
        '    choices:\n      correct: [" Argentina"]\n'
        '      distractors: [" France", " Brazil", " Croatia"]\n',
        '    choices: " Argentina"\n'), 8, "probes.0.choices: Input should be a valid dictionary"),
    "wrong-type-control": (HEADER + GOOD_PROBE.replace("    category: sport\n",
                                                       "    category: sport\n    control: maybe\n"),
                           13, "probes.0.control: Input should be a valid boolean"),
    "wrong-type-distractors": (HEADER + GOOD_PROBE.replace(
        '[" France", " Brazil", " Croatia"]', "5"), 10,
        "probes.0.choices.distractors: Input should be a valid list"),
    "duplicate-id": (HEADER + GOOD_PROBE + GOOD_PROBE, 14, "probe id `p1` is used twice"),
    "duplicate-key": (HEADER + GOOD_PROBE.replace("    category: sport\n",
                                                  "    category: sport\n    category: music\n"),
                      13, "key `category` appears twice"),
    "impossible-date": (HEADER + GOOD_PROBE.replace("2022-12-18", "2022-02-30"), 11,
                        "that month has 28 days"),
    "empty-suite": (HEADER.replace("probes:\n", "probes: []\n"), 5, "the suite has no probes"),
    "not-a-suite": ("- just\n- a list\n", 1, "needs two top-level keys"),
}


@pytest.mark.parametrize("name", list(BAD_SUITES))
def test_bad_suite_files_exit_1_naming_file_line_and_field(tmp_path: Path, name: str) -> None:
    text, line, words = BAD_SUITES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    err = user_error(cli("probes", "validate", str(path)))
    assert words in err
    assert f"{path}:{line if line is not None else ''}" in err
    if name == "malformed-yaml":
        assert re.search(rf"{re.escape(str(path))}:1[0-9]:", err)


def test_a_bad_suite_fails_a_run_before_any_model_loads(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(HEADER + GOOD_PROBE + GOOD_PROBE, encoding="utf-8")
    err = user_error(cli("run", "--model", "smollm2-135m", "--probes", str(path),
                         "--out", str(tmp_path / "out")))
    assert "used twice" in err and "Loading model" not in err
    assert not (tmp_path / "out" / "results.json").exists()


def test_unknown_suite_name_suggests_the_closest(tmp_path: Path) -> None:
    err = user_error(cli("run", "--model", "smollm2-135m", "--probes", "recncy",
                         "--out", str(tmp_path / "out")))
    assert "Unknown probe suite `recncy`" in err and "Did you mean `recency`?" in err
    assert "Loading model" not in err


def test_a_folder_where_a_suite_file_is_expected(tmp_path: Path) -> None:
    folder = tmp_path / "suite.yaml"
    folder.mkdir()
    err = user_error(cli("probes", "validate", str(folder)))
    assert f"Cannot read probe suite {folder}: Is a directory" in err


# ------------------------------------------------------------------------------ user data
def _data_error_cases(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (extra CLI args, words of the message)."""
    (tmp / "tickets.jsonl").write_text('{"body": "x"}\n' * 2, encoding="utf-8")
    (tmp / "empty.jsonl").write_text("\n  \n", encoding="utf-8")
    (tmp / "picture.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp / "columns.jsonl").write_text(
        "".join(json.dumps({"ticket_id": i, "body_text": f"doc {i}"}) + "\n" for i in range(12)),
        encoding="utf-8")
    (tmp / "broken.jsonl").write_text(
        "".join(json.dumps({"body": f"doc {i}"}) + "\n" for i in range(5))
        + '{"body": "six", oops}\n', encoding="utf-8")
    (tmp / "same.jsonl").write_text((json.dumps({"body": "the same text"}) + "\n") * 41,
                                    encoding="utf-8")
    (tmp / "folder.jsonl").mkdir()
    return {
        "missing": (["--data", str(tmp / "tickts.jsonl")],
                    f"no such file or folder. Did you mean {tmp / 'tickets.jsonl'}?"),
        "empty": (["--data", str(tmp / "empty.jsonl")], "the file is empty"),
        "binary": (["--data", str(tmp / "picture.jsonl")], "is a PNG image, not text"),
        "wrong-column": (["--data", str(tmp / "columns.jsonl")],
                         "--text-column body: there is no such column. Its columns are: "
                         "`ticket_id`, `body_text`. Did you mean `body_text`?"),
        "malformed-line": (["--data", str(tmp / "broken.jsonl")],
                           f"{tmp / 'broken.jsonl'}, line 6: not valid JSON"),
        "all-duplicates": (["--data", str(tmp / "same.jsonl")],
                           "one distinct document left to audit: of 41 documents, 0 were empty "
                           "and 40 duplicates"),
        "folder-not-file": (["--data", str(tmp / "folder.jsonl")],
                            "the folder holds no .txt or .md files"),
    }


def _reference(tmp: Path) -> Path:
    """A small plain-text reference corpus."""
    path = tmp / "reference.txt"
    path.write_text("".join(f"Reference sentence {i} about the history of Europe.\n"
                            for i in range(30)), encoding="utf-8")
    return path


DATA_CASES = ["missing", "empty", "binary", "wrong-column", "malformed-line", "all-duplicates",
              "folder-not-file"]


@pytest.mark.parametrize("name", DATA_CASES)
def test_bad_data_files_exit_1_naming_the_file(tmp_path: Path, name: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALIGNAUDIT_CACHE", str(tmp_path / "cache"))
    args, words = _data_error_cases(tmp_path)[name]
    code, err = main_here(monkeypatch, capsys, "drift", *args, "--text-column", "body",
                          "--reference", str(_reference(tmp_path)), "--out",
                          str(tmp_path / "out"), "--quiet")
    assert code == 1, err
    assert words in err
    assert not (tmp_path / "out" / "results.json").exists()


def test_unreadable_data_file_says_permission_denied(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """chmod does not stop root, so the read itself is made to fail as it would for a user."""
    secret = tmp_path / "secret.jsonl"
    secret.write_text('{"body": "hidden"}\n', encoding="utf-8")
    real = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self == secret:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    monkeypatch.setenv("ALIGNAUDIT_CACHE", str(tmp_path / "cache"))
    code, err = main_here(monkeypatch, capsys, "drift", "--data", str(secret), "--text-column",
                          "body", "--reference", str(_reference(tmp_path)), "--out",
                          str(tmp_path / "out"))
    assert code == 1
    assert f"--data {secret}: permission denied" in err and "chmod a+r" in err


def test_messy_data_is_cleaned_counted_and_audited(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Mixed encodings, a 20 MB line and duplicates do not stop a run: they are repaired or
    dropped, counted in results.json, and the run exits 0."""
    data = tmp_path / "messy.jsonl"
    lines = [json.dumps({"body": f"Ticket {i}: the printer on floor {i} is broken"}).encode()
             for i in range(30)]
    lines.append(b'{"body": "Gr\xfc\xdfe aus K\xf6ln, the latin-1 ticket"}')  # not UTF-8
    lines.append(json.dumps({"body": "word " * 4_000_000}).encode())  # a 20 MB line
    lines += [lines[0], lines[1]]  # duplicates
    data.write_bytes(b"\n".join(lines) + b"\n")
    assert data.stat().st_size > 20_000_000
    reference = _reference(tmp_path)
    monkeypatch.setenv("ALIGNAUDIT_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "out"
    code, err = main_here(monkeypatch, capsys, "drift", "--data", str(data), "--text-column",
                          "body", "--reference", str(reference), "--permutations", "20",
                          "--out", str(out), "--quiet")
    assert code == 0, err
    stats = json.loads((out / "results.json").read_text())["models"][0]["drift"]["data"]
    assert stats["n_read"] == 34 and stats["n_duplicates"] == 2
    assert stats["n_bad_bytes"] == 1 and stats["n_truncated"] == 1
    assert (out / "report.html").is_file()


def test_a_missing_data_file_fails_before_the_model_loads(tiny_gpt2_dir: Path,
                                                          tmp_path: Path) -> None:
    err = user_error(cli(*tiny_run_args(tiny_gpt2_dir, tmp_path / "out", "--data",
                                        str(tmp_path / "nope.jsonl"), "--text-column", "body")))
    assert "no such file or folder" in err
    assert "Loading model" not in err


# ------------------------------------------------------------------------------ models
def test_unknown_model_names_the_accepted_forms(tmp_path: Path) -> None:
    err = user_error(cli("run", "--model", "no such model!", "--probes", str(MINI_SUITE),
                         "--out", str(tmp_path / "out")))
    assert "not a known alias, local path or Hub id" in err and "smollm2-135m" in err


@pytest.mark.parametrize(("spec", "alias"), [
    ("smollm2-13m", "smollm2-135m"), ("smollm-135m", "smollm2-135m"),
    ("SmolLM2-135M", "smollm2-135m"), ("gemma-3-270m", "gemma3-270m"),
    ("qwen2.5-coder-05b", "qwen2.5-coder-0.5b"),
])
def test_a_mistyped_alias_is_not_taken_for_a_hub_id(spec: str, alias: str) -> None:
    from alignaudit._util.errors import UserError
    from alignaudit.backends.hf.resolve import resolve

    with pytest.raises(UserError) as info:
        resolve(spec)
    message = str(info.value)
    assert f"--model {spec}: not a bundled alias. Did you mean `{alias}`?" in message
    assert "Bundled aliases: smollm2-135m, gemma3-270m, qwen2.5-coder-0.5b" in message
    assert "org/name" in message


@pytest.mark.parametrize("spec", ["gpt2", "distilgpt2", "gpt2-medium", "opt-125m",
                                  "bert-base-uncased", "qwen2.5-0.5b", "smollm2-360m",
                                  "gemma-2b", "gemma3-1b", "HuggingFaceTB/SmolLM2-13M",
                                  "smollm2-135m/x"])
def test_hub_ids_are_not_corrected_to_an_alias(spec: str) -> None:
    from alignaudit.backends.hf.resolve import resolve

    source = resolve(spec)
    assert source.kind == "hub" and source.location == spec


def test_a_mistyped_alias_fails_the_run_before_any_model_loads(tmp_path: Path) -> None:
    """Offline, a mistyped alias used to get "Hub unreachable"; as a second --model it was
    only found once the first model had been audited."""
    out = tmp_path / "out"
    err = user_error(cli("run", "--model", "gpt2", "--model", "smollm2-13m", "--probes",
                         str(MINI_SUITE), "--out", str(out), env=isolated_env(tmp_path)))
    assert "--model smollm2-13m: not a bundled alias. Did you mean `smollm2-135m`?" in err
    assert "Loading model" not in err and "Could not fetch" not in err
    assert not (out / "results.json").exists()


def test_corrupt_safetensors_on_the_command_line(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "corrupt"
    shutil.copytree(tiny_gpt2_dir, folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    err = user_error(cli(*tiny_run_args(folder, tmp_path / "out"), env=isolated_env(tmp_path)))
    assert f"--model {folder}: transformers could not load it" in err
    assert "truncated or corrupt weights file" in err
    assert not (tmp_path / "out" / "results.json").exists()


def _write_gguf(path: Path, architecture: str) -> Path:
    """A tiny GGUF file with one tensor, written by the gguf package."""
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name("tiny-test")
    writer.add_context_length(64)
    writer.add_embedding_length(8)
    writer.add_block_count(1)
    writer.add_feed_forward_length(16)
    writer.add_head_count(2)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(["a", "b", "c"])
    writer.add_token_types([1, 1, 1])
    writer.add_tensor("token_embd.weight", np.zeros((3, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize("cut", ["header", "tensor-data"])
def test_truncated_gguf_is_a_user_error_and_leaves_no_cache(tmp_path: Path, cut: str) -> None:
    whole = _write_gguf(tmp_path / "whole.gguf", "llama").read_bytes()
    path = tmp_path / "model.gguf"
    path.write_bytes(whole[:300] if cut == "header" else whole[:-24])
    env = isolated_env(tmp_path)
    err = user_error(cli("run", "--model", str(path), "--probes", str(MINI_SUITE),
                         "--out", str(tmp_path / "out"), "--quiet", env=env))
    assert f"--model {path}: transformers could not load this GGUF file" in err
    assert "truncated or corrupt" in err
    converted = Path(env["ALIGNAUDIT_CACHE"]) / "converted"
    assert not converted.exists() or not any(converted.iterdir())


def test_gguf_of_an_unsupported_architecture(tmp_path: Path) -> None:
    path = _write_gguf(tmp_path / "mamba.gguf", "mamba2-unknown")
    err = user_error(cli("run", "--model", str(path), "--probes", str(MINI_SUITE),
                         "--out", str(tmp_path / "out"), "--quiet", env=isolated_env(tmp_path)))
    assert "GGUF model with architecture mamba2-unknown is not supported" in err
    assert "architecture transformers cannot de-quantise" in err


def test_pickle_weights_are_refused_unless_allow_pickle(tiny_gpt2_dir: Path,
                                                        tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "pickled"
    shutil.copytree(tiny_gpt2_dir, folder)
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    err = user_error(cli(*tiny_run_args(folder, tmp_path / "refused"),
                         env=isolated_env(tmp_path)))
    assert "pytorch_model.bin) are a pickle file" in err and "--allow-pickle" in err
    assert not (tmp_path / "refused" / "results.json").exists()
    proc = cli(*tiny_run_args(folder, tmp_path / "allowed", "--allow-pickle", "--limit", "1",
                              "--no-generate"), env=isolated_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "allowed" / "results.json").is_file()


REMOTE_CODE = """\
import pathlib
pathlib.Path(__file__).with_name("REMOTE_CODE_RAN").write_text("it ran")
from transformers import PretrainedConfig


class EvilConfig(PretrainedConfig):
    model_type = "evil-gpt"
"""


def test_model_code_does_not_run_without_trust_remote_code(tiny_gpt2_dir: Path,
                                                           tmp_path: Path) -> None:
    folder = tmp_path / "remote"
    folder.mkdir()
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tiny_gpt2_dir / name, folder / name)
    (folder / "config.json").write_text(json.dumps({
        "model_type": "evil-gpt", "architectures": ["EvilModel"],
        "auto_map": {"AutoConfig": "configuration_evil.EvilConfig",
                     "AutoModelForCausalLM": "modeling_evil.EvilModel"}}), encoding="utf-8")
    (folder / "configuration_evil.py").write_text(REMOTE_CODE, encoding="utf-8")
    (folder / "modeling_evil.py").write_text(REMOTE_CODE, encoding="utf-8")
    env = isolated_env(tmp_path)
    err = user_error(cli(*tiny_run_args(folder, tmp_path / "out"), env=env))
    assert "contains custom code" in err and "--trust-remote-code" in err
    assert list(tmp_path.rglob("REMOTE_CODE_RAN")) == []
    # control: with the flag, the same folder's code does run (and then fails to build a model)
    proc = cli(*tiny_run_args(folder, tmp_path / "out2", "--trust-remote-code"), env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert list(tmp_path.rglob("REMOTE_CODE_RAN")) != []


# ------------------------------------------------------------------------------ faults mid-run
def _journal_lines(out: Path) -> int:
    """Finished batches or requests journaled in OUT/.journal (each file's identity line aside;
    a line being written is not counted)."""
    return sum(line.startswith('{"key"') and line.endswith("}")
               for p in (out / ".journal").glob("*.jsonl") for line in p.read_text().splitlines())


def test_out_of_memory_mid_run_keeps_finished_batches(tiny_gpt2_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Every forward pass after the fourth runs out of memory, even on one sequence: the halving
    retry gives up with a message, and the batches finished before it are kept for a re-run."""
    from alignaudit.backends.hf.backend import HFBackend

    calls = {"n": 0}

    def failing(real):
        def wrapper(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] > 4:
                raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")
            return real(self, *args, **kwargs)
        return wrapper

    for name in ("_score_batch", "_score_rows"):
        monkeypatch.setattr(HFBackend, name, failing(getattr(HFBackend, name)))
    out = tmp_path / "out"
    args = ["run", "--model", str(tiny_gpt2_dir), "--probes", "recency", "--limit", "12",
            "--batch-size", "1", "--no-generate", "--as-of", "2026-01-01", "--quiet",
            "--out", str(out)]
    code, err = main_here(monkeypatch, capsys, *args)
    assert code == 1, err
    assert "Out of memory on a single sequence" in err and "--dtype bfloat16" in err
    assert not (out / "results.json").exists()
    kept = _journal_lines(out)
    assert kept >= 1
    monkeypatch.undo()  # memory is back: the same command resumes from the journal
    code, err = main_here(monkeypatch, capsys, *args)
    assert code == 0, err
    assert f"Resuming: {kept} finished batches" in err
    assert (out / "results.json").is_file()


def _fail_replace_of(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.replace onto a file called ``name`` fails as on a full disk."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst).name == name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def test_disk_full_keeps_the_earlier_results(tiny_gpt2_dir: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = tiny_run_args(tiny_gpt2_dir, out)
    code, err = main_here(monkeypatch, capsys, *args)
    assert code == 0, err
    before = (out / "results.json").read_bytes()
    _fail_replace_of("results.json", monkeypatch)
    code, err = main_here(monkeypatch, capsys, *args, "--seed", "7")
    assert code == 1
    assert f"Cannot write {out / 'results.json'}: No space left on device" in err
    assert "--out" in err
    assert (out / "results.json").read_bytes() == before  # the earlier run is intact
    assert [p.name for p in out.iterdir() if p.name.startswith(".results.json.")] == []
    assert _journal_lines(out) > 0  # and this run's model calls are kept for the re-run


def test_disk_full_while_journaling_is_a_message(tiny_gpt2_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from alignaudit.backends import journal

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal.os, "fsync", no_space)
    code, err = main_here(monkeypatch, capsys, *tiny_run_args(tiny_gpt2_dir, tmp_path / "out"))
    assert code == 1 and "No space left on device" in err and "--out" in err


def test_disk_full_while_writing_the_report_is_a_message(tiny_gpt2_dir: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    out = tmp_path / "out"
    _fail_replace_of("report.html", monkeypatch)
    try:
        code, err = main_here(monkeypatch, capsys, *tiny_run_args(tiny_gpt2_dir, out))
    finally:
        assert (out / "results.json").is_file()  # the work itself is saved either way
    assert code == 1 and "report.html" in err and "No space left on device" in err


def test_out_folder_under_a_regular_file(tmp_path: Path) -> None:
    """Root ignores chmod, so an unwritable --out is a path through a regular file."""
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder\n", encoding="utf-8")
    err = user_error(cli("run", "--model", "smollm2-135m", "--probes", str(MINI_SUITE),
                         "--out", str(blocker / "sub")))
    assert f"--out {blocker / 'sub'}: cannot create the folder (Not a directory)" in err
    assert "Loading model" not in err
    assert blocker.read_text() == "a file, not a folder\n"


# ------------------------------------------------------------------------------ served models
def test_served_model_errors_on_the_command_line(tmp_path: Path) -> None:
    """401 and a non-JSON answer from an OpenAI-compatible server, through `run --backend
    openai` (the backend tests cover timeouts and 500s in detail)."""
    from tests.helpers.server import FakeServer

    secret = "sk-reliability-test-secret"
    server = FakeServer()
    try:
        env = dict(os.environ, RELIABILITY_KEY=secret)
        base = ["run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
                "--api-key-env", "RELIABILITY_KEY", "--probes", str(MINI_SUITE), "--quiet"]
        server.handler = lambda m, p, b: (401, {}, {"error": {"message": f"bad key {secret}"}})
        err = user_error(cli(*base, "--out", str(tmp_path / "a"), env=env))
        assert "HTTP 401: not authorised" in err and "RELIABILITY_KEY" in err
        assert secret not in err
        server.handler = lambda m, p, b: (
            (200, {"Content-Type": "text/html"}, b"<html>hi</html>")
            if p == "/v1/completions" else server.default(m, p, b))
        err = user_error(cli(*base, "--out", str(tmp_path / "b"), env=env))
        assert "is not what an OpenAI-compatible server sends (its body is not JSON)" in err
    finally:
        server.close()


def test_served_model_run_resumes_after_a_failure(tmp_path: Path) -> None:
    from tests.helpers.server import FakeServer

    server = FakeServer()
    try:
        base = ["run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
                "--probes", str(MINI_SUITE), "--quiet", "--as-of", "2026-01-01"]
        assert cli(*base, "--out", str(tmp_path / "fresh")).returncode == 0
        full = len(server.paths("/v1/completions"))
        server.requests.clear()

        def fail_late(method: str, path: str, body: dict):
            if path == "/v1/completions" and len(server.paths(path)) > full // 2:
                return 401, {}, {"error": {"message": "key revoked"}}
            return server.default(method, path, body)

        server.handler = fail_late
        assert cli(*base, "--out", str(tmp_path / "out")).returncode == 1
        server.handler = server.default
        server.requests.clear()
        proc = cli(*base, "--out", str(tmp_path / "out"))
        assert proc.returncode == 0, proc.stderr
        assert "Resuming:" in proc.stderr and "finished requests" in proc.stderr
        assert len(server.paths("/v1/completions")) <= full - full // 2
    finally:
        server.close()

    def comparable(path: Path) -> dict:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("runtime"), data["config"].pop("command")
        return data

    # the resumed run's results equal the uninterrupted run's
    assert comparable(tmp_path / "out" / "results.json") == \
        comparable(tmp_path / "fresh" / "results.json")


def test_served_model_run_resumes_after_ctrl_c(tmp_path: Path) -> None:
    """SIGINT in the middle of a served run: exit 130, every answered request is in the
    journal, and the same command sends only the rest and writes the same results.json.

    Independent of the machine's speed: from the 41st request on, the server holds its answers
    until the test has sent the SIGINT, so the run cannot finish before it is interrupted."""
    import itertools
    import signal
    import threading

    from tests.helpers.server import FakeServer

    server = FakeServer()
    release = threading.Event()
    count = itertools.count(1)

    def held(method: str, path: str, body: dict):
        if path == "/v1/completions" and next(count) > 40:
            release.wait(300)
        return server.default(method, path, body)

    def comparable(path: Path) -> dict:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("runtime"), data["config"].pop("command")
        return data

    try:
        base = ["run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
                "--probes", "recency", "--limit", "40", "--quiet", "--as-of", "2026-01-01"]
        assert cli(*base, "--out", str(tmp_path / "fresh")).returncode == 0
        full = len(server.paths("/v1/completions"))
        server.requests.clear()
        server.handler = held
        out = tmp_path / "out"
        proc = subprocess.Popen([sys.executable, "-m", "alignaudit", *base, "--out",
                                 str(out)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 600  # only bounds a hang; the server paces the run
        while time.time() < deadline and proc.poll() is None and _journal_lines(out) < 30:
            time.sleep(0.05)
        assert proc.poll() is None and _journal_lines(out) >= 30, "the run stopped early"
        proc.send_signal(signal.SIGINT)
        release.set()  # the requests held in flight may finish now
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 130, err
        assert "Finished work is kept" in err and "Traceback" not in err
        assert not (out / "results.json").exists()
        answered = len(server.paths("/v1/completions"))
        kept = _journal_lines(out)
        assert 30 <= kept <= answered < full
        for p in (out / ".journal").glob("*.jsonl"):  # every line whole
            assert all(json.loads(line) for line in p.read_text().splitlines())

        server.handler = server.default
        server.requests.clear()
        resumed = cli(*base, "--out", str(out))
        assert resumed.returncode == 0, resumed.stderr
        assert f"Resuming: {kept} finished requests" in resumed.stderr
        assert len(server.paths("/v1/completions")) == full - kept
    finally:
        release.set()
        server.close()
    assert comparable(out / "results.json") == comparable(tmp_path / "fresh" / "results.json")


def test_served_model_timeout_and_retries_are_options(tmp_path: Path) -> None:
    """--timeout and --max-retries reach the openai backend and are recorded in results.json."""
    from tests.helpers.server import FakeServer

    server = FakeServer()

    def hang(method: str, path: str, body: dict):
        if path == "/v1/completions":
            time.sleep(1.0)
        return server.default(method, path, body)

    try:
        base = ["run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
                "--probes", str(MINI_SUITE), "--quiet", "--as-of", "2026-01-01"]
        server.handler = hang
        err = user_error(cli(*base, "--timeout", "0.3", "--max-retries", "1",
                             "--out", str(tmp_path / "a")))
        assert "did not answer within 0.3s (2 tries)" in err and "raise --timeout" in err
        assert len(server.paths("/v1/completions")) == 2  # the probe, tried twice
        server.requests.clear()
        server.handler = lambda m, p, b: ((503, {}, {"error": {"message": "loading"}})
                                          if p == "/v1/completions" else server.default(m, p, b))
        err = user_error(cli(*base, "--max-retries", "0", "--out", str(tmp_path / "b")))
        assert "failed with HTTP 503 after 1 try." in err
        assert len(server.paths("/v1/completions")) == 1
        server.handler = server.default
        proc = cli(*base, "--timeout", "30", "--max-retries", "2", "--out", str(tmp_path / "c"))
        assert proc.returncode == 0, proc.stderr
    finally:
        server.close()
    config = json.loads((tmp_path / "c" / "results.json").read_text(encoding="utf-8"))["config"]
    assert config["timeout"] == 30.0 and config["max_retries"] == 2
    help_text = cli("run", "--help").stdout
    assert "--timeout" in help_text and "--max-retries" in help_text


def test_served_model_concurrency_is_an_option(tmp_path: Path) -> None:
    """--concurrency bounds the requests in flight, is recorded in results.json, and the
    server-error messages name it."""
    from tests.helpers.server import FakeServer

    server = FakeServer()

    def slow(method: str, path: str, body: dict):
        if path == "/v1/completions":
            time.sleep(0.05)
        return server.default(method, path, body)

    try:
        base = ["run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
                "--probes", str(MINI_SUITE), "--quiet", "--as-of", "2026-01-01"]
        server.handler = slow
        proc = cli(*base, "--concurrency", "1", "--out", str(tmp_path / "one"))
        assert proc.returncode == 0, proc.stderr
        assert server.max_in_flight == 1
        server.max_in_flight = 0
        proc = cli(*base, "--concurrency", "3", "--out", str(tmp_path / "three"))
        assert proc.returncode == 0, proc.stderr
        assert server.max_in_flight == 3
        server.handler = lambda m, p, b: ((429, {}, {"error": {"message": "slow down"}})
                                          if p == "/v1/completions" else server.default(m, p, b))
        err = user_error(cli(*base, "--concurrency", "2", "--max-retries", "0",
                             "--out", str(tmp_path / "limited")))
        assert "HTTP 429" in err and "lower --concurrency (now 2)" in err
    finally:
        server.close()
    for out, n in (("one", 1), ("three", 3)):
        config = json.loads((tmp_path / out / "results.json").read_text())["config"]
        assert config["concurrency"] == n
    assert "--concurrency" in cli("run", "--help").stdout


def test_served_model_api_option_and_chat_mode(tmp_path: Path) -> None:
    """A chat-only API is found and used in chat mode (one line says so); --api chat forces chat
    mode, --api completions refuses it with a way out; --api is recorded in results.json."""
    from tests.helpers.server import OPENAI_CHAT_MODEL, FakeServer

    server = FakeServer()

    def chat_only(method: str, path: str, body: dict):
        if path == "/v1/completions":
            return 404, {}, OPENAI_CHAT_MODEL
        return server.default(method, path, body)

    try:
        base = ["run", "--backend", "openai", "--base-url", server.url, "--model", "fake-model",
                "--probes", str(MINI_SUITE), "--quiet", "--as-of", "2026-01-01"]
        server.handler = chat_only
        proc = cli(*base, "--out", str(tmp_path / "auto"))
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.count("switching to chat mode") == 1, proc.stderr
        assert "This is a chat model" in proc.stderr
        assert len(server.paths("/v1/completions")) == 1
        err = user_error(cli(*base, "--api", "completions", "--out", str(tmp_path / "refused")))
        assert "answered 404" in err and "pass --api chat" in err
        assert "switching to chat mode" not in err
        server.handler = server.default  # a server with both endpoints
        server.requests.clear()
        proc = cli(*base, "--api", "chat", "--out", str(tmp_path / "forced"))
        assert proc.returncode == 0, proc.stderr
        assert not server.paths("/v1/completions") and server.paths("/v1/chat/completions")
    finally:
        server.close()
    for out, given in (("auto", None), ("forced", "chat")):
        data = json.loads((tmp_path / out / "results.json").read_text(encoding="utf-8"))
        assert data["config"]["api"] == given
        model = data["models"][0]
        assert model["model"]["api"] == "chat"
        assert model["model"]["generation_only"] == \
            "chat-only endpoint: no prompt log-probabilities"
        assert {p["scoring"] for p in model["probes"]} == {"generation"}
        assert "chat mode" in (tmp_path / out / "report.html").read_text(encoding="utf-8")
    assert "--api" in cli("run", "--help").stdout


# ------------------------------------------------------------------------------ options
@pytest.mark.parametrize("option", [
    ["--batch-size", "0"], ["--batch-size", "-1"], ["--batch-size", "1.5"],
    ["--batch-size", "lots"], ["--limit", "0"], ["--limit", "-3"], ["--limit", "abc"],
    ["--claimed-cutoff", "2024-13"], ["--as-of", "2023-02-30"], ["--backend", "grpc"],
    ["--backend", "openai"], ["--data", "x.jsonl", "--permutations", "0"],
    ["--data", "x.jsonl", "--split", "words"], ["--timeout", "0"], ["--timeout", "-5"],
    ["--timeout", "nan"], ["--timeout", "inf"], ["--timeout", "soon"], ["--max-retries", "-1"],
    ["--max-retries", "1.5"], ["--concurrency", "0"], ["--concurrency", "-2"],
    ["--concurrency", "1.5"], ["--concurrency", "lots"], ["--concurrency", "100000"],
    ["--api", "grpc"], ["--api", "Chat"], ["--api", ""],
])
def test_bad_option_values_exit_2_before_anything_loads(option: list[str],
                                                        tmp_path: Path) -> None:
    proc = cli("run", "--model", "smollm2-135m", *option, "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Loading model" not in proc.stderr
    assert option[-2] in proc.stderr
    assert not (tmp_path / "out").exists()  # refused before even the folder is made


@pytest.mark.parametrize("condition", ["accuracy<0.5", "recency_accuracy<<0.5", "cutoff<soon",
                                       "drift=extreme", "recency_accuracy"])
def test_bad_fail_on_condition_exits_2(condition: str, tmp_path: Path) -> None:
    proc = cli("run", "--model", "smollm2-135m", "--fail-on", condition,
               "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert f"--fail-on {condition!r}" in proc.stderr and "Traceback" not in proc.stderr
    assert "Loading model" not in proc.stderr


def test_bad_policy_files(tmp_path: Path) -> None:
    missing = user_error(cli("run", "--model", "smollm2-135m", "--policy",
                             str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")))
    assert "no such file" in missing
    shape = tmp_path / "shape.yaml"
    shape.write_text("fail_on: recency_accuracy<0.3\n", encoding="utf-8")
    assert "a list `fail_on:`" in user_error(cli("run", "--model", "smollm2-135m", "--policy",
                                                 str(shape), "--out", str(tmp_path / "o")))
    bad = tmp_path / "bad.yaml"
    bad.write_text("fail_on:\n  - recency_accuracy<lots\n", encoding="utf-8")
    proc = cli("run", "--model", "smollm2-135m", "--policy", str(bad), "--out",
               str(tmp_path / "o"))
    assert proc.returncode == 2 and "'lots' is not a number" in proc.stderr


def test_the_example_policy_parses() -> None:
    from alignaudit.judge import gates

    conditions = gates.load_policy(EXAMPLES / "policy.yaml")
    assert conditions and [gates.parse(c).text for c in conditions] == conditions


# ------------------------------------------------------------------------------ gates
@pytest.fixture(scope="module")
def gated_run(tiny_gpt2_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("gated")
    proc = cli(*tiny_run_args(tiny_gpt2_dir, out, "--fail-on", "recency_accuracy<0.99",
                              "--fail-on", "confabulation>1"))
    return out, proc


def test_a_failed_gate_exits_3_and_is_named_in_every_output(gated_run) -> None:
    out, proc = gated_run
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "GATE FAILED: tiny" in proc.stderr and "`recency_accuracy<0.99`" in proc.stderr
    assert "gate passed: " in proc.stderr and "confabulation>1" in proc.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<code>recency_accuracy&lt;0.99</code>" in page
    assert re.search(r"recency_accuracy&lt;0\.99</code></td><td>[^<]*</td><td>[^<]*</td>"
                     r'<td><span class="pill fail">fail</span>', page)
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "## CI gates" in summary
    row = r"^\| <code>{}</code> \| [^|]+ \| [0-9.]+ \| \*\*{}\*\* \|$"
    assert re.search(row.format(r"recency_accuracy.{1,4}0\.99", "FAIL"), summary, re.M)
    assert re.search(row.format(r"confabulation.{1,4}1", "PASS"), summary, re.M)
    saved = json.loads((out / "results.json").read_text())
    assert [g["failed"] for g in saved["gates"]] == [True, False]
    assert saved["config"]["trust_remote_code"] is False  # the default, recorded


def test_the_gate_reads_as_written_in_the_markdown_summary(gated_run) -> None:
    out, _ = gated_run
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert not re.search(r"`[^`\n]*&(lt|gt|amp|#\d+);[^`\n]*`", summary)


# ------------------------------------------------------------------------------ saved results
@pytest.mark.parametrize(("content", "words"), [
    ("not json at all", "is not a results.json written by alignaudit"),
    (b"\xff\xfe\x00binary", "is not a results.json written by alignaudit"),
    ('{"schema_version": 99}', "has schema_version 99; this alignaudit reads version 1"),
    ("[1, 2, 3]", "has schema_version None"),
    ('{"schema_version": 1, "config": 5}', "does not match the results schema"),
    (None, "does not exist; pass the results.json an audit wrote"),
])
def test_bad_results_json_given_to_report(tmp_path: Path, content: str | bytes | None,
                                          words: str) -> None:
    path = tmp_path / "results.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    err = user_error(cli("report", str(path)))
    assert f"{path}" in err and words in err
    assert not (tmp_path / "report.html").exists()


def test_a_results_json_of_the_wrong_shape_lists_each_problem(tmp_path: Path) -> None:
    """The right schema_version but the wrong shape: one `field.path: message` line per
    problem, like the suite errors, never pydantic's raw error dictionary."""
    path = tmp_path / "results.json"
    path.write_text(json.dumps({
        "schema_version": 1, "config": {"seed": "zero", "colour": "red"},
        "models": [{"suites": []}]}), encoding="utf-8")
    err = user_error(cli("report", str(path)))
    assert f"{path} does not match the results schema" in err
    lines = err.splitlines()
    assert "  config.seed: Input should be a valid integer, unable to parse string as an " \
           "integer" in lines
    assert "  config.colour: Extra inputs are not permitted" in lines
    assert "  models.0.model: Field required" in lines
    assert "Re-run the audit to write it again" in err
    assert "{'type'" not in err and "'loc'" not in err and "input_value" not in err
    assert not (tmp_path / "report.html").exists()

    many = {"schema_version": 1, "config": {f"x{i}": i for i in range(15)}}
    path.write_text(json.dumps(many), encoding="utf-8")
    err = user_error(cli("report", str(path)))
    assert "  config.x9: Extra inputs are not permitted" in err.splitlines()
    assert "config.x10:" not in err and "... and 5 more" in err


def test_a_folder_given_to_report_is_a_message(tmp_path: Path) -> None:
    err = user_error(cli("report", str(tmp_path)))
    assert str(tmp_path) in err


def test_report_out_under_a_regular_file_is_a_message(gated_run, tmp_path: Path) -> None:
    out, _ = gated_run
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    err = user_error(cli("report", str(out / "results.json"), "--out",
                         str(blocker / "page.html")))
    assert "--out" in err


# ------------------------------------------------------------------------------ the documents
def _tests_in(path: Path) -> dict[str, bool]:
    """Test functions in a file -> whether they carry an xfail mark."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: any("xfail" in ast.unparse(d) for d in n.decorator_list)
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_test_named_in_the_reliability_table_exists() -> None:
    text = (DOCS / "reliability.md").read_text(encoding="utf-8")
    table = text.split("## Open bugs")[0]
    rows = [line for line in table.splitlines() if re.match(r"\|\s*\d+\s*\|", line)]
    numbers = [int(row.split("|")[1]) for row in rows]
    assert len(rows) >= 28 and numbers == list(range(1, len(rows) + 1))
    for row in rows:
        named = re.findall(r"(tests/(?:\w+/)?test_\w+\.py)::(test_\w+)", row)
        assert named, row
        for file, name in named:
            tests = _tests_in(ROOT / file)
            assert name in tests, f"{file}::{name} is not a test"
        if "**BUG**" in row:  # a known bug is proved by a strict xfail
            assert any(_tests_in(ROOT / f)[n] for f, n in named), row


def test_the_ci_example_uploads_always_and_pins_torch_first() -> None:
    import yaml

    text = (EXAMPLES / "github-actions-audit.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert runs.index("torch==2.13.0") < runs.index("pip install .")
    assert "alignaudit run" in runs and '--policy "$POLICY"' in runs
    assert [job["env"]["POLICY"] for job in workflow["jobs"].values()] == ["examples/policy.yaml"]
    assert "GITHUB_STEP_SUMMARY" in runs
    upload = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert upload and upload[0].get("if") == "always()"
    summary = [s for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", "")]
    assert summary and summary[0].get("if") == "always()"
