"""Progress of long steps: a bar on a terminal, plain lines elsewhere, nothing with --quiet.

The line mode is checked against a fake clock (tqdm reads ``tqdm.std.time``), so the counts,
shares and times in each line are known exactly and nothing depends on the machine's speed.
"""

from __future__ import annotations

import io
import os
import re
import threading

import pytest

from alignaudit._util import progress
from alignaudit._util.errors import UserError
from alignaudit._util.progress import (
    INTERVAL_ENV,
    choose_mode,
    duration,
    meter,
    progress_line,
    track,
    waiting,
)
from tests.helpers import MINI_SUITE, ROOT
from tests.helpers.cli import cli

SAMPLE = ROOT / "data" / "samples" / "support_tickets.jsonl"
TERMINAL_CODES = re.compile(r"\r|\x1b")


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("tqdm.std.time", fake)
    return fake


def test_a_line_says_counts_share_time_spent_and_time_left():
    assert progress_line("Scoring probes", 1200, 4800, "row", 41) == (
        "Scoring probes: 1200/4800 rows (25%), 41 s elapsed, ~2 min left")
    assert progress_line("Perplexity", 40, 40, "row", 3725) == (
        "Perplexity: 40/40 rows (100%), done in 1 h 02 min")
    assert progress_line("Embedding", 1, 1, "text", 2) == "Embedding: 1/1 text (100%), done in 2 s"
    assert progress_line("Reading", 700, None, "document", 5) == (
        "Reading: 700 documents, 5 s elapsed")
    assert [duration(s) for s in (0, 59.4, 61, 3569, 7260)] == [
        "0 s", "59 s", "1 min", "59 min", "2 h 01 min"]


def test_lines_come_at_most_every_interval_and_at_the_end(clock, monkeypatch):
    monkeypatch.setenv(INTERVAL_ENV, "10")
    out = io.StringIO()
    with meter("lines", "Scoring probes", total=800, unit="row", stream=out) as bar:
        for step, seconds in enumerate((5, 12, 15, 23, 25, 30), start=1):
            clock.now = 1000.0 + seconds
            bar.update(100 if step < 6 else 300)
    lines = out.getvalue().splitlines()
    assert lines == [
        "Scoring probes: 200/800 rows (25%), 12 s elapsed, ~36 s left",
        "Scoring probes: 400/800 rows (50%), 23 s elapsed, ~23 s left",
        "Scoring probes: 800/800 rows (100%), done in 30 s",
    ]
    assert not TERMINAL_CODES.search(out.getvalue())


def test_the_last_count_is_not_said_twice_and_an_idle_step_says_nothing(clock, monkeypatch):
    monkeypatch.setenv(INTERVAL_ENV, "0")
    out = io.StringIO()
    with meter("lines", "Perplexity", total=2, unit="row", stream=out) as bar:
        clock.now += 1
        bar.update(2)
    assert out.getvalue() == "Perplexity: 2/2 rows (100%), done in 1 s\n"
    quiet = io.StringIO()
    meter("lines", "Embedding", total=10, stream=quiet).close()
    assert quiet.getvalue() == ""


def test_an_iterable_is_counted_as_it_is_consumed(clock, monkeypatch, capsys):
    monkeypatch.setenv(INTERVAL_ENV, "0")
    seen = []
    for item in track(iter("abc"), "lines", "Letters", total=3, unit="letter"):
        clock.now += 2
        seen.append(item)
    assert seen == ["a", "b", "c"]
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "Letters: 3/3 letters (100%), done in 6 s"
    assert err[0].startswith("Letters: 1/3 letters (33%), 2 s elapsed, ~4 s left")


def test_a_terminal_gets_the_bar_a_file_the_lines_and_quiet_nothing():
    master, slave = os.openpty()
    try:
        with open(slave, "w", closefd=False) as terminal:
            assert choose_mode(False, terminal) == "bar"
            assert choose_mode(True, terminal) == "off"
            with meter(choose_mode(False, terminal), "Scoring", 50, "row", stream=terminal) as b:
                b.update(50)
            terminal.flush()
            drawn = os.read(master, 4096).decode()
    finally:
        os.close(master)
        os.close(slave)
    assert "\r" in drawn and "/50 " in drawn  # tqdm's bar, redrawn in place
    assert choose_mode(False, io.StringIO()) == "lines"
    assert choose_mode(True, io.StringIO()) == "off"


def test_off_prints_nothing(capsys, monkeypatch):
    monkeypatch.setenv(INTERVAL_ENV, "0")
    out = io.StringIO()
    with meter("off", "Scoring", 3, stream=out) as bar:
        bar.update(3)
    assert list(track(range(3), "off", "Counting")) == [0, 1, 2]
    with waiting("off", "Loading weights"):
        pass
    assert out.getvalue() == "" and capsys.readouterr().err == ""


def test_options_take_the_old_bools():
    from alignaudit.backends.hf.options import LoadOptions
    from alignaudit.backends.openai.options import ServerOptions

    assert LoadOptions(progress=False).progress == "off"
    assert LoadOptions(progress=True).progress == "bar"
    assert LoadOptions(progress="lines").progress == "lines"
    assert ServerOptions(base_url="http://x", model="m", progress=False).progress == "off"
    with pytest.raises(ValueError, match="bar, lines, off"):
        LoadOptions(progress="sometimes")


def test_a_bad_interval_is_a_message(monkeypatch):
    monkeypatch.setenv(INTERVAL_ENV, "soon")
    with pytest.raises(UserError, match=f"{INTERVAL_ENV}=soon: give the seconds"):
        progress.interval()
    monkeypatch.setenv(INTERVAL_ENV, "-1")
    with pytest.raises(UserError):
        progress.interval()
    monkeypatch.delenv(INTERVAL_ENV)
    assert progress.interval() == progress.DEFAULT_INTERVAL


def test_a_step_that_cannot_count_says_it_is_alive(monkeypatch):
    monkeypatch.setenv(INTERVAL_ENV, "0")
    out = io.StringIO()
    said = threading.Event()

    class Watched(io.StringIO):
        def write(self, text: str) -> int:
            said.set()
            return out.write(text)

    with waiting("lines", "Loading weights", stream=Watched()):
        assert said.wait(30)  # the body lasts until the first line: no race on the count
    assert re.fullmatch(r"(Loading weights: \d+ s elapsed\n)+", out.getvalue())


def test_gguf_conversion_is_counted_by_our_meter(monkeypatch, capsys):
    from transformers import modeling_gguf_pytorch_utils as gguf

    from alignaudit.backends.hf.load import _gguf_progress

    monkeypatch.setenv(INTERVAL_ENV, "0")
    own = gguf.tqdm
    with _gguf_progress("lines"):
        assert list(gguf.tqdm([1, 2, 3], desc="Converting and de-quantizing")) == [1, 2, 3]
    assert gguf.tqdm is own
    err = capsys.readouterr().err
    assert "Converting GGUF tensors: 3/3 tensors (100%), done in" in err
    assert not TERMINAL_CODES.search(err)


def _env() -> dict[str, str]:
    return {**os.environ, INTERVAL_ENV: "0"}


def test_a_run_logged_to_a_file_shows_plain_progress_of_each_step(tiny_gpt2_dir, tmp_path):
    proc = cli("run", "--model", str(tiny_gpt2_dir), "--probes", str(MINI_SUITE), "--limit", "6",
               "--max-new-tokens", "2", "--data", str(SAMPLE), "--text-column", "body",
               "--date-column", "created", "--model-docs", "30", "--reference-size", "40",
               "--permutations", "20", "--out", str(tmp_path / "out"), env=_env())
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    for step, unit in (("Scoring", "row"), ("Generating", "sequence"),
                       ("Perplexity", "row"), ("Drift tests", "part")):
        assert re.search(rf"^{step}: (\d+)/\1 {unit}s? \(100%\), done in \d+ (s|min)$", err,
                         re.M), (step, err)
    assert not TERMINAL_CODES.search(err)
    loading = [line for line in err.splitlines() if line.startswith("Loading weights")]
    assert all(re.fullmatch(r"Loading weights: \d+ s elapsed", line) for line in loading)
    said = err.index("Reading the data through the model")
    assert said < err.index("Perplexity: ")  # the step that used to be silent


def test_quiet_prints_no_progress(tmp_path):
    proc = cli("drift", "--data", str(SAMPLE), "--text-column", "body", "--reference-size",
               "40", "--permutations", "20", "--quiet", "--out", str(tmp_path / "q"), env=_env())
    assert proc.returncode == 0, proc.stderr
    assert not re.search(r"\d+/\d+ \w+ \(\d+%\)|elapsed", proc.stderr), proc.stderr
    loud = cli("drift", "--data", str(SAMPLE), "--text-column", "body", "--reference-size",
               "40", "--permutations", "20", "--out", str(tmp_path / "loud"), env=_env())
    assert loud.returncode == 0, loud.stderr
    assert "Drift tests: 5/5 parts (100%), done in" in loud.stderr


def test_a_long_batch_repeats_its_count_so_the_log_never_goes_quiet(monkeypatch):
    monkeypatch.setenv(INTERVAL_ENV, "0.05")
    out = io.StringIO()
    repeated = threading.Event()

    class Watched(io.StringIO):
        def write(self, text: str) -> int:
            if out.getvalue().count("1/4 rows (25%)") and "1/4 rows (25%)" in text:
                repeated.set()
            return out.write(text)

    with meter("lines", "Perplexity", total=4, unit="row", stream=Watched()) as bar:
        bar.update(1)
        assert repeated.wait(30)  # the "batch" lasts until the count was said again
        bar.update(3)
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("Perplexity: 4/4 rows (100%), done in")
    assert all(line.startswith("Perplexity: 1/4 rows (25%), ") for line in lines[:-1])


def test_a_meter_nobody_closed_stops_beating_once_it_is_gone(monkeypatch):
    import gc

    monkeypatch.setenv(INTERVAL_ENV, "0.05")
    before = threading.active_count()
    bar = meter("lines", "Scoring", total=4, stream=io.StringIO())
    assert threading.active_count() == before + 1
    del bar
    gc.collect()
    assert threading.active_count() == before
