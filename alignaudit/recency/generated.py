"""Generated suites at the edges: dated documents in (anything ``--data`` reads), a suite file out.

The generation itself is pure (:mod:`alignaudit.recency.probegen`); this module reads the
documents with the same reader as ``--data`` (text, date and the optional title, group, URL and
section columns), says plainly when a corpus cannot give probes, and writes the suite file
atomically without replacing a file that is not a suite alignaudit generated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from alignaudit._util.errors import UsageError, UserError
from alignaudit._util.files import atomic_write
from alignaudit._util.frozen import Frozen
from alignaudit._util.owned import same_path
from alignaudit._util.progress import Mode
from alignaudit.backends.base import Backend
from alignaudit.drift.documents import Documents, load_documents
from alignaudit.drift.readers import DataOptions
from alignaudit.recency.probegen.core import generate_probes, suite_to_yaml
from alignaudit.recency.probegen.model import DatedDoc, GeneratedSuite, GenerateOptions
from alignaudit.recency.probegen.releases import release_numbers
from alignaudit.recency.writer import WriterStats, phrase_questions

ROLES = ("title", "group", "url", "section", "also_in")
"""Optional columns a corpus may have beside its text and date, each given by --ROLE-column."""
GENERATED_MARK = "# Generated probe suite"


class CorpusColumns(Frozen):
    """Which columns of the data hold what."""

    text: str | None = Field(default=None, description="--text-column.")
    date: str | None = Field(default=None, description="--date-column (required).")
    title: str | None = Field(default=None, description="--title-column: e.g. a release name.")
    group: str | None = Field(default=None, description="--group-column: e.g. the project.")
    url: str | None = Field(default=None, description="--url-column: where to read it.")
    section: str | None = Field(default=None, description="--section-column: its heading.")
    also_in: str | None = Field(default=None, description="--also-in-column: other releases "
                                "holding the same entry (backports).")


def read_corpus(paths: Sequence[str | Path], columns: CorpusColumns) -> list[DatedDoc]:
    """Dated documents from ``paths``; undated ones are left out (and counted by the reader)."""
    if columns.date is None:
        raise UserError("--date-column is required: a generated probe's date is the date of the "
                        "document where its fact first appears. Name the column of dates.")
    extras = {role: getattr(columns, role) for role in ROLES if getattr(columns, role)}
    docs = load_documents(paths, DataOptions(text_column=columns.text, date_column=columns.date,
                                             extra_columns=extras))
    return _dated(docs)


def _dated(docs: Documents) -> list[DatedDoc]:
    out = []
    for i, text in enumerate(docs.texts):
        date = docs.dates[i]
        if date is None:
            continue
        extra = docs.extras[i] if docs.extras else {}
        where = docs.sources[i] + (f":{docs.positions[i]}" if docs.positions[i] else "")
        url = extra.get("url") or None
        out.append(DatedDoc(text=text, date=date, source=where,
                            url=url if url and url.startswith(("http://", "https://")) else None,
                            title=extra.get("title") or None, group=extra.get("group") or None,
                            section=extra.get("section") or None,
                            also_in=release_numbers(extra.get("also_in") or "")))
    if not out:
        raise UserError(f"--data {', '.join(docs.stats.files)}: none of the {docs.stats.n_kept} "
                        f"documents has a date that could be read from --date-column "
                        f"{docs.stats.date_column}. Give dates as YYYY-MM-DD (or any form "
                        "pandas reads, such as 2024-03-01T10:00:00).")
    return out


def generate(docs: Sequence[DatedDoc], options: GenerateOptions,
             progress: Mode = "off") -> GeneratedSuite:
    """The suite, or a message saying why this corpus gives no probes at all."""
    suite = generate_probes(docs, options, progress)
    if not suite.probes:
        why = "; ".join(suite.warnings) or "no term is introduced where it first appears"
        raise UserError(f"No probes could be generated from {len(docs)} dated documents ({why}). "
                        "A corpus needs several periods of dated text that introduces new names, "
                        "versions or terms (release notes, changelogs, news).")
    return suite


def with_writer(suite: GeneratedSuite, backend: Backend) -> tuple[GeneratedSuite, WriterStats]:
    """The suite with prompts a writer model phrased as questions, where they pass the checks."""
    phrased, stats = phrase_questions([p.probe for p in suite.probes], backend)
    probes = [p.model_copy(update={"probe": d}) for p, d in zip(suite.probes, phrased,
                                                                 strict=True)]
    return suite.model_copy(update={"probes": probes}), stats


def check_out(out: Path, inputs: Sequence[str | Path] = ()) -> None:
    """Refuse, before any work, an ``--out`` that would replace something: empty, a folder, one of
    the ``inputs``, or a file that is not a suite alignaudit generated."""
    if not str(out).strip() or out.name in ("", ".", ".."):
        raise UsageError(f"--out '{out}': give the suite file to write, e.g. --out suite.yaml.")
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give the suite file to write, e.g. "
                         f"{out / 'suite.yaml'}.")
    if any(same_path(out, Path(p)) for p in inputs):
        raise UsageError(f"--out {out}: that is your --data; writing there would replace it. "
                         "Give a new file name.")
    if out.exists() and not _is_generated(out):
        raise UsageError(f"--out {out}: the file exists and is not a suite alignaudit "
                         "generated; choose another name (nothing was overwritten).")


def write_suite(suite: GeneratedSuite, out: Path, corpus: str,
                today: dt.date | None = None, notes: Sequence[str] = ()) -> None:
    """Write ``suite`` to ``out``; an existing file is replaced only if alignaudit generated it.
    ``notes`` are extra header lines (e.g. what a writer model did)."""
    check_out(out)
    first, rest = suite_to_yaml(suite, written=today or dt.date.today(),
                                corpus=corpus).split("\n", 1)
    text = "\n".join([first, *(f"# {note}" for note in notes), rest])
    try:
        atomic_write(out, text)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write the file ({exc.strerror or exc}).") from None


def _is_generated(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return handle.read(len(GENERATED_MARK)) == GENERATED_MARK
    except OSError:
        return False
