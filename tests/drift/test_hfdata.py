"""--data as a Hugging Face dataset (alignaudit.drift.hfdata, hfsources): a save_to_disk folder,
hf:NAME from the local datasets cache, parquet/arrow shards; the same documents as the same rows
in JSONL, the same column checks and hostile-input behaviour, --sample reading only its rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from alignaudit._util.errors import UserError
from alignaudit.config import DataSettings
from alignaudit.drift.documents import Documents, load_documents
from alignaudit.drift.hfsources import dataset_input, path_to_check
from alignaudit.drift.readers import DataOptions
from tests.helpers import ROOT

datasets = pytest.importorskip("datasets")

TICKETS = ROOT / "data" / "samples" / "support_tickets.jsonl"
HOSTILE: list[dict[str, Any]] = [
    {"body": "  Printer jammed on floor 3.  ", "created": "2021-03-04", "n": 1},
    {"body": "", "created": "2021-03-05", "n": 2},                    # empty: dropped
    {"body": None, "created": "2021-03-06", "n": 3},                  # missing: empty
    {"body": "Printer jammed on floor 3.", "created": "2021-03-07", "n": 4},  # duplicate
    {"body": "VPN drops every hour \ufffd", "created": "not a date", "n": 5},
    {"body": "Invoice total is wrong", "created": "2023-02-30", "n": 6},  # no such day
    {"body": "Password reset mail never arrives", "created": None, "n": 7},
    {"body": "x" * 50, "created": "03/04/2022", "n": 8},                # cut to max_chars
]
OPTIONS = DataOptions(text_column="body", date_column="created", max_chars=40)


def rows_of(path: Path, n: int | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows[:n] if n is not None else rows


def as_jsonl(rows: list[dict[str, Any]], path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def as_folder(rows: list[dict[str, Any]], path: Path) -> Path:
    datasets.Dataset.from_list(rows).save_to_disk(str(path))
    return path


def as_shards(rows: list[dict[str, Any]], folder: Path, n: int, kind: str = "parquet") -> Path:
    folder.mkdir(parents=True)
    data = datasets.Dataset.from_list(rows)
    for i in range(n):
        shard = data.shard(n, i, contiguous=True)
        target = folder / f"part-{i:05d}.{kind}"
        if kind == "parquet":
            shard.to_parquet(str(target))
        else:  # an .arrow shard as datasets writes one (a record-batch stream)
            shard.flatten_indices().save_to_disk(str(folder / f".tmp{i}"))
            next((folder / f".tmp{i}").glob("*.arrow")).rename(target)
    return folder


def same_documents(a: Documents, b: Documents) -> None:
    assert b.texts == a.texts and b.dates == a.dates
    assert b.stats.model_dump(exclude={"files"}) == a.stats.model_dump(exclude={"files"})


# --------------------------------------------------------------------------- the same rows
@pytest.mark.parametrize("kind", ["folder", "parquet", "parquet-glob", "arrow"])
def test_a_dataset_gives_the_documents_of_the_same_rows_in_jsonl(tmp_path, kind):
    rows = rows_of(TICKETS, 120)
    jsonl = load_documents([as_jsonl(rows, tmp_path / "t.jsonl")], OPTIONS)
    if kind == "folder":
        given = str(as_folder(rows, tmp_path / "ds"))
    elif kind == "arrow":
        given = str(as_shards(rows, tmp_path / "shards", 3, "arrow"))
    else:
        folder = as_shards(rows, tmp_path / "shards", 3)
        given = str(folder / "*.parquet") if kind == "parquet-glob" else str(folder)
    docs = load_documents([given], OPTIONS)
    same_documents(jsonl, docs)
    assert docs.stats.files == [given]
    if kind != "folder":  # each document points at its shard and its row there
        assert docs.sources[40].endswith("part-00001." + ("arrow" if kind == "arrow" else
                                                          "parquet"))
        assert docs.positions[40] == 1


def test_hostile_rows_are_cleaned_as_in_jsonl(tmp_path):
    jsonl = load_documents([as_jsonl(HOSTILE, tmp_path / "h.jsonl")], OPTIONS)
    for given in (as_folder(HOSTILE, tmp_path / "ds"), as_shards(HOSTILE, tmp_path / "p", 2)):
        docs = load_documents([str(given)], OPTIONS)
        same_documents(jsonl, docs)
    stats = jsonl.stats
    assert (stats.n_empty, stats.n_duplicates, stats.n_truncated, stats.n_bad_dates) == \
        (2, 1, 1, 3)
    numbers = load_documents([str(tmp_path / "ds")], DataOptions(text_column="n"))
    assert numbers.texts == [str(i) for i in range(1, 9)]  # numbers read as text, as in JSONL


def test_a_column_of_lists_is_not_text(tmp_path):
    rows = [{"body": ["a", "b"], "id": i} for i in range(3)]
    folder = as_folder(rows, tmp_path / "ds")
    with pytest.raises(UserError, match=r"ds, row 1: column `body` holds a list, not text"):
        load_documents([str(folder)], DataOptions(text_column="body"))


def test_dates_typed_as_dates_keep_their_day(tmp_path):
    import datetime as dt

    rows = [{"body": f"ticket {i}", "when": dt.datetime(2022, 5, 1 + i, 23, 30)}
            for i in range(3)]
    docs = load_documents([str(as_folder(rows, tmp_path / "ds"))],
                          DataOptions(text_column="body", date_column="when"))
    assert docs.dates == ["2022-05-01", "2022-05-02", "2022-05-03"]


# --------------------------------------------------------------------------- columns
def test_missing_columns_get_did_you_mean(tmp_path):
    folder = str(as_folder(HOSTILE, tmp_path / "ds"))
    with pytest.raises(UserError, match=r"--text-column bdy: there is no such column\. Its "
                       r"columns are: `body`, `created`, `n`\. Did you mean `body`\?"):
        load_documents([folder], DataOptions(text_column="bdy"))
    with pytest.raises(UserError, match="--date-column Created: .*Did you mean `created`"):
        load_documents([folder], DataOptions(text_column="body", date_column="Created"))
    with pytest.raises(UserError, match="say which column holds the text with --text-column"):
        load_documents([folder], DataOptions())


def test_messages_name_the_reference_option(tmp_path):
    folder = str(as_folder(HOSTILE, tmp_path / "ds"))
    with pytest.raises(UserError, match=r"^--reference .*ds: --text-column bdy"):
        load_documents([folder], DataOptions(text_column="bdy"), option="--reference")


# --------------------------------------------------------------------------- splits
def test_a_dataset_dict_folder_needs_a_split(tmp_path):
    rows = rows_of(TICKETS, 40)
    data = datasets.Dataset.from_list(rows)
    folder = tmp_path / "dd"
    datasets.DatasetDict({"train": data.select(range(30)), "test": data.select(range(30, 40))}
                         ).save_to_disk(str(folder))
    with pytest.raises(UserError, match=r"several splits \(`train`, `test`\); choose one by "
                       r"adding @SPLIT, e.g. --data .*dd@train"):
        load_documents([str(folder)], OPTIONS)
    with pytest.raises(UserError, match=r"no split `tset`\. Its splits are: `train`, `test`\. "
                       r"Did you mean .*dd@test\?"):
        load_documents([f"{folder}@tset"], OPTIONS)
    test = load_documents([f"{folder}@test"], DataOptions(text_column="body"))
    assert test.texts == [r["body"].strip() for r in rows[30:40]]


def test_at_split_on_a_folder_without_splits(tmp_path):
    folder = as_folder(HOSTILE, tmp_path / "ds")
    with pytest.raises(UserError, match="holds one dataset, without splits; drop @train"):
        load_documents([f"{folder}@train"], OPTIONS)
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(UserError, match="@train chooses a split of a dataset folder"):
        load_documents([f"{plain}@train"], OPTIONS)


# --------------------------------------------------------------------------- what is a dataset
def test_which_values_name_a_dataset(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("hello")
    assert dataset_input(str(tmp_path / "notes")) is None  # a folder of text files, as before
    assert dataset_input(str(TICKETS)) is None
    hub = dataset_input("hf:org/name:config@train")
    assert hub is not None and (hub.repo, hub.config, hub.split) == ("org/name", "config", "train")
    for bad in ("hf://ag_news", "hf:", "hf:a/b/c", "hf:x@y@z"):
        with pytest.raises(UserError, match=r"not a dataset id\. Write hf:NAME\[:CONFIG\]"):
            dataset_input(bad)
    assert path_to_check("hf:ag_news") is None
    folder = as_folder(HOSTILE, tmp_path / "ds")
    assert path_to_check(f"{folder}@train") == folder
    settings = DataSettings.model_validate(  # a run's --data check accepts them
        {"paths": ["hf:ag_news@test", f"{folder}@train", str(tmp_path / "*.parquet")],
         "reference": "hf:wikitext:wikitext-2-raw-v1@test"}, context={"run": True})
    assert len(settings.paths) == 3


def test_shard_sets_that_cannot_be_read(tmp_path):
    with pytest.raises(UserError, match=r"the pattern matches no files"):
        load_documents([str(tmp_path / "none" / "*.parquet")], OPTIONS)
    folder = as_shards(HOSTILE, tmp_path / "p", 2)
    (folder / "notes.csv").write_text("a,b\n")
    with pytest.raises(UserError, match=r"shards of one kind, .parquet or .arrow; it matches "
                       r"\.csv, \.parquet files"):
        load_documents([str(folder / "*")], OPTIONS)
    other = tmp_path / "q"
    other.mkdir()
    datasets.Dataset.from_list([{"text": "a"}]).to_parquet(str(other / "b.parquet"))
    (folder / "part-00001.parquet").rename(other / "a.parquet")
    with pytest.raises(UserError, match="the shards do not hold the same columns"):
        load_documents([str(other)], OPTIONS)
    (other / "b.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(UserError, match="a shard is not a readable Parquet file"):
        load_documents([str(other)], OPTIONS)
    (other / "c.arrow").write_bytes(b"garbage")
    with pytest.raises(UserError, match=r"c\.arrow: not an Arrow file as `datasets` writes it"):
        load_documents([str(other / "c.arrow")], OPTIONS)


def test_without_the_datasets_library_it_says_what_to_install(tmp_path, monkeypatch):
    folder = as_folder(HOSTILE, tmp_path / "ds")
    monkeypatch.setitem(sys.modules, "datasets", None)  # import datasets raises ImportError
    with pytest.raises(UserError) as caught:
        load_documents([str(folder)], OPTIONS)
    assert "needs the `datasets` library, which is not installed" in caught.value.message
    assert "pip install 'alignaudit[hf-datasets]'" in caught.value.message


# --------------------------------------------------------------------------- --sample
def test_sample_opens_only_the_shards_it_needs(tmp_path):
    rows = [{"body": f"ticket number {i} about the printer", "created": "2021-01-01"}
            for i in range(2000)]
    folder = as_shards(rows, tmp_path / "big", 40)
    opened: set[str] = set()

    def hook(event: str, args: tuple) -> None:
        if event == "open" and isinstance(args[0], str) and args[0].startswith(str(folder)):
            opened.add(args[0])

    sys.addaudithook(hook)  # Python's own record of every file it opens
    docs = load_documents([str(folder)], DataOptions(text_column="body", sample=8),
                          np.random.default_rng(3))
    shards_read = set(opened)
    opened.clear()
    assert docs.stats.n_read == 8 and docs.stats.n_kept == 8
    assert docs.stats.sampled_from == 2000  # a sample of the whole set, read 8 rows
    assert 1 <= len(shards_read) <= 8  # of 40 shards: only those holding a chosen row
    numbers = sorted(int(t.split()[2]) for t in docs.texts)
    assert numbers[-1] - numbers[0] > 100  # spread over the set, not its first rows
    again = load_documents([str(folder)], DataOptions(text_column="body", sample=8),
                           np.random.default_rng(3))
    assert again.texts == docs.texts  # seeded


def test_sample_reads_more_rows_when_cleaning_drops_some(tmp_path):
    rows = [{"body": "" if i % 2 else f"ticket {i}"} for i in range(400)]
    folder = as_folder(rows, tmp_path / "ds")
    docs = load_documents([str(folder)], DataOptions(text_column="body", sample=50),
                          np.random.default_rng(0))
    assert docs.stats.n_kept == 50 and len(set(docs.texts)) == 50
    assert 50 < docs.stats.n_read < 400  # more rows than asked (half are empty), not all
    assert docs.stats.n_empty > 0 and docs.stats.sampled_from == 400
    assert docs.stats.sampled_while_reading  # 400 rows before cleaning, and the page says so
    from alignaudit.report.drift_view import data_lines

    assert "from the dataset's 400 rows, drawn while reading" in data_lines(docs.stats)[0]
    assert [int(t.split()[1]) for t in docs.texts] == sorted(int(t.split()[1])
                                                               for t in docs.texts)
    whole = load_documents([str(folder)], DataOptions(text_column="body", sample=1000),
                           np.random.default_rng(0))
    assert whole.stats.n_read == 400 and whole.stats.n_kept == 200  # more than there is:
    assert whole.stats.sampled_from is None  # every row read, no sample drawn


# --------------------------------------------------------------------------- hf:NAME from the cache
def build_cache(cache: Path, rows: list[dict[str, Any]], repo: str) -> None:
    """The cache folder `datasets` itself writes when it loads ``repo`` from the Hub
    (``org___name/default/0.0.0/<commit>/name-<split>.arrow``), written by datasets' own parquet
    builder from local files."""
    from datasets.data_files import DataFilesDict
    from datasets.packaged_modules.parquet.parquet import Parquet

    source = cache.parent / "source"
    source.mkdir(parents=True, exist_ok=True)
    data = datasets.Dataset.from_list(rows)
    data.select(range(0, len(rows) - 10)).to_parquet(str(source / "train.parquet"))
    data.select(range(len(rows) - 10, len(rows))).to_parquet(str(source / "test.parquet"))
    owner, _, name = repo.rpartition("/")
    files = DataFilesDict.from_patterns({"train": [str(source / "train.parquet")],
                                         "test": [str(source / "test.parquet")]})
    Parquet(cache_dir=str(cache), dataset_name=name, config_id="default", hash="0" * 40,
            data_files=files).download_and_prepare()
    if owner:
        (cache / name).rename(cache / f"{owner}___{name}")


def read_in_subprocess(given: str, env: dict[str, str]) -> dict[str, Any]:
    """load_documents in a fresh interpreter (datasets reads HF_* variables at import)."""
    code = ("import json, sys\nfrom alignaudit.drift.documents import load_documents\n"
            "from alignaudit.drift.readers import DataOptions\n"
            "from alignaudit._util.errors import UserError\n"
            "try:\n    d = load_documents([sys.argv[1]], DataOptions(text_column='body', "
            "date_column='created'))\n    print(json.dumps({'texts': d.texts, 'dates': d.dates}))\n"
            "except UserError as e:\n    print(json.dumps({'error': e.message}))\n")
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    done = subprocess.run([sys.executable, "-c", code, given], capture_output=True, text=True,
                          env=full, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_hub_dataset_is_read_from_the_local_cache_offline(tmp_path):
    rows = rows_of(TICKETS, 60)
    build_cache(tmp_path / "cache", rows, "acme/tickets")
    jsonl = load_documents([as_jsonl(rows[-10:], tmp_path / "t.jsonl")],
                           DataOptions(text_column="body", date_column="created"))
    offline = {"HF_DATASETS_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    got = read_in_subprocess("hf:acme/tickets@test", offline)
    assert got == {"texts": jsonl.texts, "dates": jsonl.dates}
    assert "choose one by adding @SPLIT, e.g. --data hf:acme/tickets@train" in \
        read_in_subprocess("hf:acme/tickets", offline)["error"]
    assert "Available configs in the cache: ['default']" in \
        read_in_subprocess("hf:acme/tickets:nope@test", offline)["error"]
    # HF_DATASETS_OFFLINE alone is honoured too
    only_datasets = {"HF_DATASETS_CACHE": str(tmp_path / "cache"), "HF_DATASETS_OFFLINE": "1"}
    assert read_in_subprocess("hf:acme/tickets@test", only_datasets)["texts"] == jsonl.texts


def test_a_hub_dataset_neither_cached_nor_reachable(tmp_path):
    cache = {"HF_DATASETS_CACHE": str(tmp_path / "empty-cache")}
    error = read_in_subprocess("hf:acme/tickets@test", {**cache, "HF_HUB_OFFLINE": "1"})["error"]
    assert error.startswith("--data hf:acme/tickets@test: the dataset `acme/tickets` is not in "
                            f"the local datasets cache ({tmp_path / 'empty-cache'}) and offline "
                            "mode is on")
    assert "\n" not in error and "save_to_disk" in error
    # no offline variable, and a Hub that refuses connections at once (nothing listens there)
    closed = {**cache, "HF_ENDPOINT": "http://127.0.0.1:9"}
    error = read_in_subprocess("hf:acme/tickets@test", closed)["error"]
    assert "the Hugging Face Hub cannot be reached from this machine" in error


def test_a_cached_hub_dataset_is_read_when_the_hub_cannot_be_reached(tmp_path):
    rows = rows_of(TICKETS, 30)
    build_cache(tmp_path / "cache", rows, "tickets")
    closed = {"HF_DATASETS_CACHE": str(tmp_path / "cache"), "HF_ENDPOINT": "http://127.0.0.1:9"}
    got = read_in_subprocess("hf:tickets@train", closed)
    assert len(got["texts"]) == 20 and got["texts"][0] == rows[0]["body"].strip()


# --------------------------------------------------------------------------- the command line
def test_the_command_line_says_what_is_wrong_in_one_paragraph(tmp_path):
    from tests.helpers.cli import cli, user_error

    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(tmp_path / "empty-cache")}
    out = str(tmp_path / "out")
    err = user_error(cli("drift", "--data", "hf:acme/tickets@test", "--text-column", "body",
                         "--out", out, env=env))
    assert "error: --data hf:acme/tickets@test: the dataset `acme/tickets` is not in the " \
        "local datasets cache" in err
    folder = as_folder(HOSTILE, tmp_path / "ds")
    err = user_error(cli("run", "--backend", "fake", "--model", "x", "--probes", "recency",
                         "--data", f"{folder}@train", "--text-column", "body", "--out", out,
                         "--quiet", env=env))
    assert "holds one dataset, without splits; drop @train" in err
    assert not (tmp_path / "out" / "results.json").exists()


def test_with_several_inputs_the_sample_is_drawn_from_all_their_rows(tmp_path):
    folder = as_folder([{"body": f"ticket {i}"} for i in range(100)], tmp_path / "ds")
    jsonl = as_jsonl([{"body": f"note {i}"} for i in range(100)], tmp_path / "n.jsonl")
    bars = datasets.is_progress_bar_enabled()
    docs = load_documents([str(folder), str(jsonl)], DataOptions(text_column="body", sample=20),
                          np.random.default_rng(0))
    assert docs.stats.n_read == 200 and docs.stats.sampled_from == 200  # every row read
    assert datasets.is_progress_bar_enabled() == bars  # datasets left as it was


def test_a_dataset_downloaded_from_the_hub_is_read_as_its_shards(tmp_path):
    """The folder `huggingface-cli download --repo-type dataset` writes: a README.md and the
    parquet files; the README does not make it a folder of text files."""
    rows = rows_of(TICKETS, 30)
    folder = as_shards(rows, tmp_path / "snapshot" / "data", 2).parent
    (folder / "README.md").write_text("---\nlicense: cc0\n---\n# Tickets\n")
    docs = load_documents([str(folder)], OPTIONS)  # with dates: not a text input
    assert docs.texts == load_documents([as_jsonl(rows, tmp_path / "t.jsonl")], OPTIONS).texts
    (folder / "notes.md").write_text("a note of my own")
    texts = load_documents([str(folder)], DataOptions()).texts  # now a folder of text files
    assert len(texts) == 2 and texts[1] == "a note of my own"
