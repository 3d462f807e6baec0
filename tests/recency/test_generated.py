"""`alignaudit probes generate`: dated documents in (any --data format), a valid suite out;
bad corpora get a message, never a traceback; the same input and seed give the same bytes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from alignaudit.recency.suites import load_suite
from tests.helpers.cli import cli, user_error

RELEASES = [  # a tiny real-looking changelog: each release introduces names
    ("2019-03-01", "1.0", "Added the new --frobnicate option to the build command."),
    ("2019-09-01", "1.1", "Added a new `QuuxRenderer` class for rendering quux templates."),
    ("2020-03-01", "1.2", "The new ``zorbify_cache`` setting controls how long zorbs are kept."),
    ("2020-09-01", "1.3", "Introduced the `BlargValidator` which checks blarg payloads."),
    ("2021-03-01", "1.4", "Added the new --dry-splorp flag to the deploy command."),
    ("2021-09-01", "1.5", "A new `FlumpStore` backend stores flumps in object storage."),
    ("2022-03-01", "1.6", "The new ``wibble_timeout`` setting limits each wibble request."),
    ("2022-09-01", "1.7", "Added the `GrommetPool` class that pools grommet connections."),
]


def corpus(tmp_path: Path, rows: list[dict[str, str]] | None = None, name: str = "notes.jsonl"
           ) -> Path:
    rows = rows if rows is not None else [
        {"body": text, "day": day, "release": f"tool {version}",
         "link": f"https://example.org/{version}"} for day, version, text in RELEASES * 1]
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def generate(path: Path, out: Path, *extra: str):
    return cli("probes", "generate", "--data", str(path), "--text-column", "body",
               "--date-column", "day", "--title-column", "release", "--url-column", "link",
               "--out", str(out), *extra)


def test_a_corpus_gives_a_valid_suite_with_provenance(tmp_path):
    out = tmp_path / "suite.yaml"
    proc = generate(corpus(tmp_path), out, "--period", "year")
    assert proc.returncode == 0, proc.stderr
    suite = load_suite(out)
    assert suite.probes, out.read_text()
    for probe in suite.probes:
        assert probe.event_date and probe.url and probe.url.startswith("https://example.org/")
        assert "notes.jsonl:" in probe.source
        assert all(a.strip().lower() not in probe.prompt.lower() for a in probe.accepted_answers)
    assert "Wrote" in proc.stdout and "probes" in proc.stdout


def test_same_input_and_seed_give_the_same_bytes_and_order_does_not_matter(tmp_path):
    rows = [{"body": text, "day": day, "release": f"tool {v}", "link": f"https://e.org/{v}"}
            for day, v, text in RELEASES]
    first, again, shuffled = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    name = ("--name", "same")
    assert generate(corpus(tmp_path, rows), first, *name).returncode == 0
    assert generate(corpus(tmp_path, rows), again, *name).returncode == 0
    random.Random(3).shuffle(rows)
    assert generate(corpus(tmp_path, rows, "shuffled.jsonl"), shuffled, *name).returncode == 0
    assert first.read_bytes() == again.read_bytes()
    def content(path: Path) -> list[str]:  # where each line sits in its file moves, nothing else
        return [line for line in path.read_text().splitlines()
                if not line.startswith("# source") and not line.strip().startswith("source:")]

    assert content(first) == content(shuffled)


def test_undated_and_unparsable_corpora_say_what_to_do(tmp_path):
    path = corpus(tmp_path)
    err = user_error(cli("probes", "generate", "--data", str(path), "--text-column", "body",
                         "--out", str(tmp_path / "s.yaml")))
    assert "--date-column is required" in err
    bad = corpus(tmp_path, [{"body": t, "day": "someday", "release": "r", "link": ""}
                            for _, _, t in RELEASES], "bad.jsonl")
    err = user_error(generate(bad, tmp_path / "s.yaml"))
    assert "none of the 8 documents has a date" in err
    err = user_error(cli("probes", "generate", "--data", str(path), "--text-column", "body",
                         "--date-column", "dya", "--out", str(tmp_path / "s.yaml")))
    assert "--date-column dya: there is no such column" in err and "`day`" in err


def test_a_corpus_too_small_for_probes_is_a_message(tmp_path):
    rows = [{"body": "Fixed a typo.", "day": "2020-01-01", "release": "x", "link": ""}]
    err = user_error(generate(corpus(tmp_path, rows), tmp_path / "s.yaml"))
    assert "No probes could be generated from 1 dated documents" in err


@pytest.mark.parametrize("option", [["--period", "weekly"], ["--per-period", "0"],
                                    ["--seed", "-2"]])
def test_bad_options_exit_2_naming_them(tmp_path, option):
    proc = generate(corpus(tmp_path), tmp_path / "s.yaml", *option)
    assert proc.returncode == 2 and option[0] in proc.stderr and "Traceback" not in proc.stderr


def test_a_file_alignaudit_did_not_write_is_never_replaced(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("my own notes\n", encoding="utf-8")
    err = user_error(generate(corpus(tmp_path), mine), code=2)
    assert "not a suite alignaudit generated" in err
    assert mine.read_text(encoding="utf-8") == "my own notes\n"
    out = tmp_path / "gen.yaml"
    assert generate(corpus(tmp_path), out).returncode == 0
    assert generate(corpus(tmp_path), out, "--seed", "1").returncode == 0  # its own file: replaced


def test_out_is_refused_before_any_work(tmp_path):
    """A bad --out used to be found only after the corpus was read, the probes generated and a
    writer model loaded; now it is refused first, naming the option (exit 2)."""
    data = corpus(tmp_path)
    mine = tmp_path / "mine.yaml"
    mine.write_text("my own notes\n", encoding="utf-8")
    absent = str(tmp_path / "no-such-writer-model")  # never loaded: the --out check comes first
    err = user_error(generate(data, mine, "--writer", absent), code=2)
    assert "--out" in err and "not a suite alignaudit generated" in err
    err = user_error(generate(data, data), code=2)
    assert "that is your --data" in err
    assert data.stat().st_size > 0 and mine.read_text(encoding="utf-8") == "my own notes\n"
    assert "is a folder" in user_error(generate(data, tmp_path), code=2)
    assert "give the suite file" in user_error(generate(data, Path("")), code=2)


def test_a_writer_model_is_used_and_reported(tmp_path):
    known = tmp_path / "knows-nothing.txt"
    known.write_text("nothing useful here\n", encoding="utf-8")
    out = tmp_path / "suite.yaml"
    proc = generate(corpus(tmp_path), out, "--writer", str(known), "--writer-backend", "fake")
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "# questions phrased by fake (knows-nothing.txt): 0 of" in text
    assert "no_question" in proc.stderr and load_suite(out).probes
    proc = generate(corpus(tmp_path), out, "--writer", "x", "--writer-backend", "grpc")
    assert proc.returncode == 2 and "--writer-backend grpc" in proc.stderr
