"""Property-based fuzzing (Hypothesis) of everything a user hands alignaudit: probe suites,
policy files, data files and option values.

The properties, for every generated input:

- **no traceback**: a loader returns its value or raises a ``UserError`` (a one-paragraph
  message); a whole command exits 0, 1, 2 or 3 with no traceback and no "unexpected problem";
- **bounded memory and time**: a loader grows the process's peak memory by at most ``MAX_BYTES``,
  alias bombs and deep nesting included; time is bounded by counting, not by a clock (no
  assertion here reads one, so a loaded machine cannot fail it);
- **nothing overwritten**: the user's files around a run (data, notes, a summary.md and a page
  of their own) keep their bytes, whatever ``--out``, ``--save-embeddings`` or ``--policy`` say.

In CI each property runs a fixed, bounded number of examples (``derandomize``: the same examples
every time, so a failure reproduces). A longer run draws fresh examples:
``ALIGNAUDIT_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py -q`` (see
docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import resource
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.helpers import MINI_SUITE  # noqa: E402

LONG_RUN = "ALIGNAUDIT_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("ALIGNAUDIT_FUZZ_EXAMPLES", "60"))
MAX_BYTES = 256 * 2**20
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG_RUN, database=None,
                suppress_health_check=list(HealthCheck), print_blob=LONG_RUN)
RUNS = settings(FUZZ, max_examples=max(EXAMPLES // 4, 8))
"""Whole commands cost about a second each: a quarter as many."""


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """Fail unless the block grows the process's peak memory by at most MAX_BYTES (the peak only
    rises, so a block that stayed under it never went over). Time is bounded without reading a
    clock, so a busy machine cannot fail it: the loaders count what they expand (aliases,
    nesting) and refuse early, before the memory or the time grows."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak
    assert grown <= MAX_BYTES, f"the peak memory grew by {grown / 2**20:.0f} MB"


def user_error_or_value(load: Callable[[], Any]) -> Any:
    """``load()``'s value, or None when it raised a UserError; anything else fails the test."""
    from alignaudit._util.errors import UserError

    with bounded():
        try:
            return load()
        except UserError as exc:
            assert str(exc).strip() and "Traceback" not in str(exc)
            return None


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="alignaudit-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------ YAML text
DATES = st.one_of(st.dates().map(str),
                  st.from_regex(r"\d{4}(-\d{1,2}(-\d{1,2})?)?", fullmatch=True),
                  st.text(max_size=12))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), DATES)
WORDS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)


def _probe() -> st.SearchStrategy[dict]:
    choices = st.fixed_dictionaries({"correct": st.lists(WORDS, max_size=3),
                                     "distractors": st.lists(WORDS, max_size=5)})
    entry = st.fixed_dictionaries({"answer": WORDS, "valid_from": DATES},
                                  optional={"valid_until": DATES, "aliases": st.lists(WORDS)})
    return st.fixed_dictionaries(
        {"id": st.one_of(st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True), WORDS),
         "prompt": WORDS, "category": WORDS, "source": WORDS},
        optional={"choices": choices, "timeline": st.lists(entry, max_size=4),
                  "event_date": DATES, "control": SCALARS, "answers": st.lists(WORDS),
                  "predictability": st.sampled_from(["low", "medium", "high", "x"]),
                  "distractors": st.lists(WORDS, max_size=3), "extra": SCALARS})


SUITES = st.fixed_dictionaries(
    {"suite": st.fixed_dictionaries({"name": st.one_of(st.just("fuzz"), WORDS),
                                     "version": SCALARS}),
     "probes": st.lists(_probe(), max_size=4)},
    optional={"extra": SCALARS})
POLICIES = st.fixed_dictionaries({}, optional={
    "fail_on": st.one_of(SCALARS, st.lists(st.one_of(
        st.builds("{}{}{}".format,
                  st.sampled_from(["recency_accuracy", "cutoff", "drift", "confabulation",
                                   "believed_year", "novel_terms", "accuracy", ""]),
                  st.sampled_from(["<", "<=", ">", ">=", "=", "!=", "<<", ""]),
                  st.one_of(st.sampled_from(["nan", "inf", "-inf", "1e999", "0.5", "2024-02-30",
                                             "2024-13", "high", "High", "", "٣"]),
                            st.floats().map(repr), DATES)),
        SCALARS), max_size=5)),
    "extra": SCALARS})


def _alias_bomb(levels: int, width: int) -> str:
    rows = ['a0: &a0 "x"'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]"
                              for i in range(1, levels + 1)]
    return "\n".join(rows) + f"\nprobes: *a{levels}\nsuite: *a{levels}\nfail_on: *a{levels}\n"


@st.composite
def yaml_texts(draw: Any, documents: st.SearchStrategy[dict]) -> bytes:
    """A document written as YAML, then perhaps damaged the ways a user (or an attacker) would."""
    import yaml

    text = yaml.safe_dump(draw(documents), sort_keys=False, allow_unicode=draw(st.booleans()))
    lines = text.splitlines(keepends=True)
    mutation = draw(st.sampled_from(["none", "duplicate-line", "cut", "insert", "unquote-dates",
                                     "alias-bomb", "recursive-alias", "deep", "bytes"]))
    if mutation == "duplicate-line" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(draw(st.integers(0, len(lines))), lines[i])
        text = "".join(lines)
    elif mutation == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif mutation == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=20)) + text[at:]
    elif mutation == "unquote-dates":
        text = re.sub(r"'(\d{4}-\d{1,2}(?:-\d{1,2})?)'", r"\1", text)
    elif mutation == "alias-bomb":
        text = _alias_bomb(draw(st.integers(1, 12)), draw(st.integers(1, 12)))
    elif mutation == "recursive-alias":
        text = "probes: &p [*p]\nsuite: &s {a: *s}\nfail_on: &f [*f]\n"
    elif mutation == "deep":
        depth = draw(st.integers(10, 3000))
        text = "probes: " + "[" * depth + "]" * depth + "\n"
    data = text.encode("utf-8", "surrogatepass")
    if mutation == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
    return data


@FUZZ
@hypothesis.given(data=yaml_texts(SUITES))
def test_fuzzed_suites_load_or_say_why(scratch: Path, data: bytes) -> None:
    from alignaudit.recency.suites import load_suite

    path = scratch / "suite.yaml"
    path.write_bytes(data)
    user_error_or_value(lambda: load_suite(path))


@FUZZ
@hypothesis.given(data=yaml_texts(POLICIES))
def test_fuzzed_policies_load_or_say_why(scratch: Path, data: bytes) -> None:
    from alignaudit.judge import gates

    path = scratch / "policy.yaml"
    path.write_bytes(data)

    def load() -> list[Any]:
        return [gates.parse(c) for c in gates.load_policy(path)]  # a UsageError is a UserError

    user_error_or_value(load)


# ------------------------------------------------------------------------------ data files
CELLS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40),
                  DATES, st.lists(st.integers(), max_size=2))
ROWS = st.lists(st.dictionaries(st.sampled_from(["text", "date", "body", "x", ""]), CELLS,
                                max_size=4), max_size=30)


@st.composite
def data_files(draw: Any, folder: Path) -> tuple[Path, dict[str, Any]]:
    """A data file (or folder) of a random format with random content, and reading options."""
    import json

    kind = draw(st.sampled_from([".txt", ".md", ".jsonl", ".csv", ".tsv", ".parquet", ".json",
                                 "folder"]))
    target = folder / ("data" + ("" if kind == "folder" else kind))
    if target.is_dir():
        shutil.rmtree(target)
    target.unlink(missing_ok=True)
    rows = draw(ROWS)
    if draw(st.booleans()):
        content = draw(st.binary(max_size=300))
    elif kind == ".jsonl":
        content = "".join(json.dumps(r) + "\n" for r in rows).encode()
    elif kind in (".csv", ".tsv"):
        sep = "," if kind == ".csv" else "\t"
        keys = sorted({k for r in rows for k in r}) or ["text"]
        content = (sep.join(keys) + "\n" + "".join(
            sep.join(str(r.get(k, "")) for k in keys) + "\n" for r in rows)).encode()
    else:
        content = "\n".join(str(r.get("text", "")) for r in rows).encode("utf-8", "replace")
    if kind == "folder":
        target.mkdir()
        for i, chunk in enumerate(content.split(b"\n")[:20]):
            (target / f"doc{i}{draw(st.sampled_from(['.txt', '.md', '.csv']))}").write_bytes(
                chunk)
    else:
        target.write_bytes(content)
    options = {"text_column": draw(st.sampled_from([None, "text", "body", "", "missing"])),
               "date_column": draw(st.sampled_from([None, "date", "x"])),
               "split": draw(st.sampled_from(["lines", "paragraphs"])),
               "sample": draw(st.one_of(st.none(), st.integers(1, 40)))}
    return target, options


@FUZZ
@hypothesis.given(data=st.data())
def test_fuzzed_data_files_read_or_say_why(scratch: Path, data: Any) -> None:
    import numpy as np

    from alignaudit.drift.documents import load_documents
    from alignaudit.drift.readers import DataOptions

    path, options = data.draw(data_files(scratch))
    user_error_or_value(lambda: load_documents([path], DataOptions(**options),
                                               np.random.default_rng(0)))


# ------------------------------------------------------------------------------ options
HOSTILE = ["", " ", "-1", "0", "1", "1.5", "nan", "inf", "-inf", "1e999", "lots", "2024-02-30",
           "2024-13", "٣", "auto", "x" * 300, "../", "~", "/"]
OPTIONS: dict[str, list[str]] = {
    "--seed": ["7", "18446744073709551616"], "--limit": ["3"], "--max-new-tokens": ["4", "4097"],
    "--batch-size": ["2", "auto"], "--device": ["cpu", "cuda:x", "gpu"],
    "--dtype": ["float32", "float64"], "--as-of": ["2025-06-01"],
    "--claimed-cutoff": ["2024-06", "2024-06-31"], "--price-per-hour": ["2.5"],
    "--fail-on": ["recency_accuracy<0.5", "cutoff<2024-01", "drift=high", "believed_year!=nan"],
    "--timeout": ["5"], "--concurrency": ["4"], "--max-retries": ["2"], "--api": ["chat"],
    "--split": ["words"], "--permutations": ["10"], "--reference-size": ["5"],
    "--text-column": ["body"],
}
"""Options of ``run`` with a few values of their own; every option also gets HOSTILE values."""
PLACES = ["out", "fresh/nested/out", "notes.txt", "userdir", ".", "summary.md", "page.html",
          "data.jsonl", "policy.yaml", "userdir/../userdir"]
"""Where --out, --save-embeddings, --policy and --data may point, relative to the scratch
folder: new folders, and the user's own files and folder."""


def _user_files(folder: Path) -> dict[Path, bytes]:
    """The user's own files around the run, which no run may change."""
    (folder / "userdir").mkdir(parents=True, exist_ok=True)
    files = {
        folder / "notes.txt": b"my notes\n",
        folder / "summary.md": b"# My summary\n\nNot written by alignaudit.\n",
        folder / "page.html": b"<!DOCTYPE html><p>my page</p>\n",
        folder / "data.jsonl": b'{"body": "a ticket"}\n' * 3,
        folder / "policy.yaml": b"fail_on:\n  - recency_accuracy<0.5\n",
        folder / "userdir" / "report.html": b"<p>mine too</p>\n",
    }
    for path, content in files.items():
        path.write_bytes(content)
    return files


@st.composite
def run_arguments(draw: Any) -> list[str]:
    args: list[str] = []
    for option in draw(st.lists(st.sampled_from(sorted(OPTIONS)), max_size=4, unique=True)):
        args += [option, draw(st.sampled_from(OPTIONS[option] + HOSTILE))]
    for option in draw(st.lists(st.sampled_from(["--policy", "--save-embeddings", "--data"]),
                                max_size=2, unique=True)):
        args += [option, draw(st.sampled_from(PLACES + HOSTILE[:3]))]
    args += ["--out", draw(st.sampled_from(PLACES + HOSTILE[:2]))]
    return args


def _main_in(folder: Path, argv: list[str]) -> tuple[int, str]:
    """``alignaudit ARGV`` in this process, run in ``folder``: its exit code and stderr."""
    from alignaudit.cli.app import main

    err = io.StringIO()
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                pytest.raises(SystemExit) as stop:
            main(argv)
    finally:
        os.chdir(cwd)
    return stop.value.code, err.getvalue()


@pytest.fixture(scope="module")
def results_json(scratch: Path) -> bytes:
    """The bytes of a results.json alignaudit wrote (a fake run), to hand to ``report``."""
    code, said = _main_in(scratch, ["run", "--backend", "fake", "--model", "x", "--probes",
                                    str(MINI_SUITE), "--quiet", "--out", "made"])
    assert code == 0, said
    return (scratch / "made" / "results.json").read_bytes()


@RUNS
@hypothesis.given(out=st.sampled_from(PLACES + HOSTILE[:3] + ["audit/results.json",
                                                              "audit", "audit/report.html"]),
                  second=st.booleans())
def test_fuzzed_report_out_never_overwrites_the_results_or_the_users_files(
        scratch: Path, results_json: bytes, out: str, second: bool) -> None:
    """``alignaudit report audit/results.json --out X`` for X anywhere, the results file itself
    included: a page or a paragraph, and the results and the user's files keep their bytes."""
    folder = scratch / "report"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "audit").mkdir(parents=True)
    files = _user_files(folder)
    files[folder / "audit" / "results.json"] = results_json
    (folder / "audit" / "results.json").write_bytes(results_json)
    extra = ["audit/results.json"] if second else []
    code, said = _main_in(folder, ["report", "audit/results.json", *extra, "--out", out])
    assert code in (0, 1, 2), said
    assert "Traceback" not in said and "unexpected problem" not in said, said
    for path, content in files.items():
        assert path.read_bytes() == content, f"{path.name} was changed by: report --out {out}"


@RUNS
@hypothesis.given(data_at=st.sampled_from(PLACES + HOSTILE[:3]),
                  out=st.sampled_from(PLACES + HOSTILE[:2]),
                  embeddings=st.sampled_from([None, *PLACES]))
def test_fuzzed_drift_paths_end_in_a_message_and_overwrite_nothing(
        scratch: Path, data_at: str, out: str, embeddings: str | None) -> None:
    """``alignaudit drift`` with --data, --out and --save-embeddings pointing anywhere among
    the user's files; the checks that refuse come before any embedding, so no embedder is
    needed: a run that passes them stops at the missing embedder, with a message."""
    folder = scratch / "drift"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    files = _user_files(folder)
    extra = [] if embeddings is None else ["--save-embeddings", embeddings]
    code, said = _main_in(folder, ["drift", "--data", data_at, "--text-column", "body",
                                   "--embedder", "./no-embedder-needed", "--out", out, *extra])
    assert code in (1, 2), said
    assert "Traceback" not in said and "unexpected problem" not in said, said
    for path, content in files.items():
        assert path.read_bytes() == content, f"{path.name} was changed by: drift {data_at} {out}"


@RUNS
@hypothesis.given(args=run_arguments())
def test_fuzzed_options_end_in_a_message_and_overwrite_nothing(scratch: Path,
                                                               args: list[str]) -> None:
    """A whole run (``--backend fake``, in this process) with random, often hostile, option
    values: an exit code and at most a paragraph, never a traceback; the user's files intact."""
    from alignaudit.cli.app import main

    folder = scratch / "run"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    files = _user_files(folder)
    err = io.StringIO()
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                pytest.raises(SystemExit) as stop:
            main(["run", "--backend", "fake", "--model", "x", "--probes", str(MINI_SUITE),
                  "--quiet", "--embedder", "./no-embedder-needed", *args])
    finally:
        os.chdir(cwd)
    said = err.getvalue()
    assert stop.value.code in (0, 1, 2, 3), said
    assert "Traceback" not in said and "unexpected problem" not in said, said
    for path, content in files.items():
        assert path.read_bytes() == content, f"{path.name} was changed by: {args}"
