"""scripts/build_corpora.py: its changelog parsers on small crafted snippets, and the pinned
sdists when a run kept them."""

import gzip
import json
import sys
import textwrap

import pytest

from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_corpora as bc  # noqa: E402 - a script, imported from its folder


def dedent(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("2025-04-26", "2025-04-26"),
        ("*April 3, 2023*", "2023-04-03"),
        ("*May 17, 2010.*", "2010-05-17"),
        ("July 29, 2009", "2009-07-29"),
        ("Sat Dec 26 2009", "2009-12-26"),
        ("Thu Feb 7 2013", "2013-02-07"),
        ("Friday, May 19, 2017", "2017-05-19"),
        ("3 April 2023", "2023-04-03"),
    ],
)
def test_parse_date_formats(raw, iso):
    assert bc.parse_date(raw) == iso


@pytest.mark.parametrize("raw", ["", "2025-02-30", "Smarch 3, 2020", "soon", "2025-4-26"])
def test_parse_date_rejects(raw):
    assert bc.parse_date(raw) is None


@pytest.mark.parametrize(
    "title, expected",
    [
        ("25.1 (2025-04-26)", ("25.1", "2025-04-26", "")),
        ("pytest 9.2.0 (2026-10-27)", ("9.2.0", "2026-10-27", "")),
        ("20.1b1 (2020-04-21)", ("20.1b1", "2020-04-21", "")),
        ("v84.2.1", ("84.2.1", None, "undated")),
        ("0.8.3", ("0.8.3", None, "undated")),
        ("pytest 8.1.0 (YANKED)", ("8.1.0", None, "yanked")),
        ("26.4 (unreleased)", ("26.4", None, "unreleased")),
        (
            "pytest 3.9.0 (2018-10-15 - not published due to a bug)",
            ("3.9.0", None, "not published"),
        ),
    ],
)
def test_parse_version_heading(title, expected):
    assert bc.parse_version_heading(title) == expected


def test_parse_version_heading_malformed_date_and_non_version():
    ver, date, reason = bc.parse_version_heading("1.2 (2019-13-45)")
    assert (ver, date) == ("1.2", None) and reason.startswith("unparseable date")
    assert bc.parse_version_heading("Bug Fixes") is None
    assert bc.parse_version_heading("Deprecations and Removals") is None


# --------------------------------------------------------------------------- inline markup


def test_clean_inline_roles_links_literals():
    issues = []
    text = bc.clean_inline(
        "Implement :pep:`753` and :rfc:`the spec <7946#section-4>`; use ``--no-binary`` "
        "with :class:`~django.db.models.QuerySet` and :meth:`_engine.Result.mappings`. "
        "See `the docs <https://example.org/x>`_ and [this page](https://example.org). "
        "(`#12989 <https://github.com/pypa/pip/issues/12989>`_)",
        issues,
    )
    assert text == (
        "Implement PEP 753 and the spec; use --no-binary with QuerySet and Result.mappings(). "
        "See the docs and this page."
    )
    assert issues == ["12989"]


def test_clean_inline_issue_refs_removed_and_kept():
    issues = []
    assert (
        bc.clean_inline("Fixed a crash (:ticket:`36701`, :ticket:`36702`).", issues)
        == "Fixed a crash."
    )
    assert issues == ["36701", "36702"]
    issues = []
    # plain old-style refs; a CVE id inside the parentheses is kept
    assert (
        bc.clean_inline("SSL verification. (#791, CVE-2013-1629)", issues)
        == "SSL verification. (CVE-2013-1629)"
    )
    assert issues == ["791"]
    issues = []
    # pytest towncrier prefix and an inline reference that is part of the sentence
    out = bc.clean_inline(
        "`#14716 <https://x/14716>`_: Regression from :issue:`10819` fixed.", issues
    )
    assert out == "Regression from #10819 fixed."
    assert sorted(issues) == ["10819", "14716"]
    # parentheses that are not only references are left alone
    assert bc.clean_inline("(issue 467) and f(x)", []) == "(issue 467) and f(x)"


def test_clean_inline_emphasis_escapes_and_literal_backslashes():
    assert bc.clean_inline("**Really** *quiet* mode\\ s") == "Really quiet modes"
    assert bc.clean_inline("newlines ``'\\n'`` and ``**kwargs``") == "newlines '\\n' and **kwargs"
    assert bc.clean_inline(
        ":user:`nicoddemus` and :doc:`fetch modes </topics/db/fetch-modes>`"
    ) == ("@nicoddemus and fetch modes")


def test_join_lines_rejoins_hyphenation():
    assert bc.join_lines(["the two-", "phase commit"]) == "the two-phase commit"
    assert bc.join_lines(["cookie-", "and session-based"]) == "cookie- and session-based"


# --------------------------------------------------------------------------- towncrier


NEWS = dedent(
    """
    .. towncrier release notes start

    26.4 (unreleased)
    =================

    - Something not yet released.

    26.3 (2026-11-02)
    =================

    Features
    --------

    - Show build backend warnings for local source directories
      and log them at debug level. (`#14372 <https://github.com/pypa/pip/issues/14372>`_)
    - Add support for ``-r pylock.toml[extra1]``::

        pip install -r pylock.toml[docs]

    Bug Fixes
    ---------

    - Fix a crash with these options:

      * ``--prefix``;
      * ``--target``.

    Vendored Libraries
    ------------------

    - Bump version
    - Upgrade idna to 3.20

    26.2.1 (YANKED)
    ===============

    - A yanked fix.

    26.2 (2026-07-29)
    =================

    **Features**

    A paragraph that is not a bullet but states a fact about 26.2.

    - Remove empty cache directories. (#14058)

    0.8.3
    =====

    - Undated ancient entry.
    """
)


def test_parse_towncrier_entries_dates_sections_and_skips():
    stats = bc.ParseStats()
    entries = bc.parse_towncrier(NEWS, "NEWS.rst", stats)
    got = [(e.version, e.date, e.section, e.text, e.issues, e.line) for e in entries]
    assert got == [
        (
            "26.3",
            "2026-11-02",
            "Features",
            "Show build backend warnings for local source directories and log them at debug level.",
            ("14372",),
            14,
        ),
        ("26.3", "2026-11-02", "Features", "Add support for -r pylock.toml[extra1].", (), 16),
        (
            "26.3",
            "2026-11-02",
            "Bug Fixes",
            "Fix a crash with these options: --prefix; --target.",
            (),
            23,
        ),
        ("26.3", "2026-11-02", "Vendored Libraries", "Upgrade idna to 3.20.", (), 32),
        (
            "26.2",
            "2026-07-29",
            "Features",
            "A paragraph that is not a bullet but states a fact about 26.2.",
            (),
            44,
        ),
        ("26.2", "2026-07-29", "Features", "Remove empty cache directories.", ("14058",), 46),
    ]
    assert stats.releases == 2
    assert stats.dropped_trivial == 1  # "Bump version"
    assert sorted(stats.skipped) == [
        ("0.8.3", "undated"),
        ("26.2.1", "yanked"),
        ("26.4", "unreleased"),
    ]
    assert entries[0].anchor == ""  # docutils drops ids made only of digits


def test_parse_towncrier_not_published_release_takes_next_release_date():
    text = dedent(
        """
        pytest 3.9.1 (2018-10-16)
        =========================

        - Fix A for good measure.

        pytest 3.9.0 (2018-10-15 - not published due to a release automation bug)
        =========================================================================

        - Feature B was added.
        """
    )
    stats = bc.ParseStats()
    entries = bc.parse_towncrier(text, "changelog.rst", stats)
    assert [(e.version, e.date) for e in entries] == [
        ("3.9.1", "2018-10-16"),
        ("3.9.0", "2018-10-16"),
    ]
    assert stats.carried == [("3.9.0", "3.9.1", "2018-10-16")]
    assert entries[0].anchor == "pytest-3-9-1-2018-10-16"


def test_parse_towncrier_malformed_release_heading_is_skipped():
    text = dedent(
        """
        1.1 (2020-01-02)
        ================

        - Good entry here.

        Release of doom
        ===============

        - Entry under a heading that is not a version.
        """
    )
    stats = bc.ParseStats()
    entries = bc.parse_towncrier(text, "NEWS.rst", stats)
    assert [e.text for e in entries] == ["Good entry here."]
    assert stats.skipped == [("Release of doom", "malformed release heading")]


# --------------------------------------------------------------------------- SQLAlchemy


SQLA = dedent(
    """
    =============
    2.1 Changelog
    =============

    .. changelog::
        :version: 2.1.10
        :include_notes_from: unreleased_21

    .. changelog::
        :version: 2.1.9
        :released: November 16, 2026

        .. change::
            :tags: bug, orm, regression
            :tickets: 13783, 13784

            Fixed regression caused by :ticket:`11226` where a relationship to an
            :func:`_orm.aliased` class would render the LATERAL without its correlation.

    .. changelog::
        :version: 0.5.7
        :released: Sat Dec 26 2009

        .. change::
            :tags: orm
            :tickets:

          contains_eager() now works with the automatically
          generated subquery.
    """
)


def test_parse_sqlalchemy():
    stats = bc.ParseStats()
    entries = bc.parse_sqlalchemy(SQLA, "doc/build/changelog/changelog_21.rst", stats)
    assert [(e.version, e.date, e.section, e.issues, e.line) for e in entries] == [
        ("2.1.9", "2026-11-16", "bug, orm, regression", ("13783", "13784", "11226"), 13),
        ("0.5.7", "2009-12-26", "orm", (), 24),
    ]
    assert entries[0].text == (
        "Fixed regression caused by #11226 where a relationship to an aliased() class "
        "would render the LATERAL without its correlation."
    )
    assert (
        entries[1].text == "contains_eager() now works with the automatically generated subquery."
    )
    assert stats.skipped == [("2.1.10", "unreleased")]


# --------------------------------------------------------------------------- Django


DJANGO = dedent(
    """
    ==========================
    Django 6.1.3 release notes
    ==========================

    *November 3, 2026*

    Django 6.1.3 fixes one security issue with severity "low" and several bugs in 6.1.2.

    CVE-2026-108147: Potential memory exhaustion in ``MultiPartParser``
    ===================================================================

    Multipart uploads with base64 encoding could be buffered entirely in memory,
    regardless of :setting:`FILE_UPLOAD_MAX_MEMORY_SIZE`.

    This issue has severity "low" according to the :ref:`Django security policy
    <severity-levels>`.

    Bugfixes
    ========

    * Fixed a regression in Django 6.1 that caused a crash of
      ``QuerySet.update()`` (:ticket:`36701`).

    * Fixed a bug where ``makemigrations`` crashed on Windows::

        python manage.py makemigrations

    Template partials
    -----------------

    Partials are reusable fragments of a template.

    They can be rendered on their own with :func:`~django.shortcuts.render`.
    """
)


def test_parse_django_release_file():
    stats = bc.ParseStats()
    entries = bc.parse_django(DJANGO, "docs/releases/6.1.3.txt", stats)
    got = [(e.version, e.date, e.section, e.text, e.issues, e.line) for e in entries]
    assert got == [
        (
            "6.1.3",
            "2026-11-03",
            "",
            'Django 6.1.3 fixes one security issue with severity "low" and several bugs in 6.1.2.',
            (),
            7,
        ),
        (
            "6.1.3",
            "2026-11-03",
            "Security",
            "CVE-2026-108147: Potential memory exhaustion in MultiPartParser. Multipart uploads "
            "with base64 encoding could be buffered entirely in memory, regardless of "
            "FILE_UPLOAD_MAX_MEMORY_SIZE. "
            'This issue has severity "low" according to the Django security policy.',
            (),
            9,
        ),
        (
            "6.1.3",
            "2026-11-03",
            "Bugfixes",
            "Fixed a regression in Django 6.1 that caused a crash of QuerySet.update().",
            ("36701",),
            21,
        ),
        (
            "6.1.3",
            "2026-11-03",
            "Bugfixes",
            "Fixed a bug where makemigrations crashed on Windows.",
            (),
            24,
        ),
        (
            "6.1.3",
            "2026-11-03",
            "Bugfixes / Template partials",
            "Template partials. Partials are reusable fragments of a template. "
            "They can be rendered on their own with render().",
            (),
            31,
        ),
    ]
    assert stats.releases == 1


def test_parse_django_undated_file_is_skipped():
    stats = bc.ParseStats()
    text = ("==========\nDjango 1.0.1 release notes\n==========\n\n"
            "Welcome to Django 1.0.1!\n\n* A fix.\n")
    assert bc.parse_django(text, "docs/releases/1.0.1.txt", stats) == []
    assert stats.skipped == [("1.0.1", "undated")]


# ----------------------------------------------------------------------- Debian (optional reader)


def test_parse_debian_changelog():
    text = dedent(
        """
        hello (2.10-3) unstable; urgency=medium

          * Fix FTBFS with GCC 14. Closes: #1075123
          * New upstream release.
          * Rewrite the build system
            to use debhelper 13.

         -- Jane Doe <jane@example.org>  Sun, 04 Aug 2024 10:00:00 +0200

        hello (2.10-2) unstable; urgency=low

          * Broken trailer below.

         -- Jane Doe <jane@example.org>  Someday
        """
    )
    stats = bc.ParseStats()
    entries = bc.parse_debian_changelog(text, "hello/changelog.Debian.gz", stats)
    assert [(e.version, e.date, e.text, e.issues) for e in entries] == [
        ("2.10-3", "2024-08-04", "Fix FTBFS with GCC 14.", ("1075123",)),
        ("2.10-3", "2024-08-04", "Rewrite the build system to use debhelper 13.", ()),
    ]
    assert stats.releases == 1


# --------------------------------------------------------------------------- assembly / output


def test_build_corpus_sorting_ids_dedup_and_deterministic_output(tmp_path):
    src = bc.Source(
        "demo",
        "demo",
        "2.0",
        "demo-2.0.tar.gz",
        "0" * 64,
        "MIT",
        "LICENSE",
        "towncrier",
        r"NEWS\.rst",
        "o/demo",
        "2.0",
    )
    text = dedent(
        """
        2.0 (2024-02-01)
        ================

        - Security fix for the parser.
        - Second change in 2.0.

        1.9.9 (2024-02-01)
        ==================

        - Security fix for the parser.

        1.0 (2015-06-30)
        ================

        - Initial release
        """
    )
    stats = bc.ParseStats()
    docs, dup = bc.build_corpus(src, "demo-2.0", {"NEWS.rst": text}, stats)
    assert dup == 1
    assert [(d["id"], d["date"], d["also_in"]) for d in docs] == [
        ("demo-1.0-0001", "2015-06-30", []),
        ("demo-1.9.9-0001", "2024-02-01", ["2.0"]),
        ("demo-2.0-0002", "2024-02-01", []),
    ]
    assert docs[0]["source"] == "demo-2.0/NEWS.rst:15"
    assert docs[0]["source_url"] == "https://github.com/o/demo/blob/2.0/NEWS.rst#L15"
    assert set(docs[0]) >= {"id", "text", "date", "project", "version", "source", "url"}
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    bc.write_jsonl_gz(a, docs)
    bc.write_jsonl_gz(b, json.loads(json.dumps(docs)))
    assert a.read_bytes() == b.read_bytes()
    with gzip.open(a) as handle:
        assert [json.loads(line)["id"] for line in handle] == [d["id"] for d in docs]


def test_quarter_table():
    table = bc.quarter_table({"x": [{"date": "2024-01-05"}] * 40 + [{"date": "2024-07-01"}]})
    assert "| 2024Q1 | **40** | **40** |" in table
    assert "| 2024Q2 | 0 | 0 |" in table
    assert "| 2024Q3 | 1 | 1 |" in table


# ---------------------------------------------------------------------- pinned sdists (if present)

DL = ROOT / "dl"  # pinned sdists, when a run of the script kept them (--sdist-dir dl)


@pytest.mark.skipif(
    not DL.is_dir(), reason="pinned sdists not downloaded (scripts/build_corpora.py --sdist-dir dl)"
)
@pytest.mark.parametrize("src", bc.SOURCES, ids=lambda s: s.corpus)
def test_real_sdists_meet_requirements(src):
    path = DL / src.sdist
    if not path.exists():
        pytest.skip(f"{src.sdist} not downloaded")
    assert bc.sha256_of(path) == src.sha256
    top, files, lic = bc.read_sdist(path, src.files, src.license_file)
    stats = bc.ParseStats()
    docs, _ = bc.build_corpus(src, top, files, stats)
    dates = [d["date"] for d in docs]
    assert dates == sorted(dates)
    assert int(max(dates)[:4]) - int(min(dates)[:4]) >= 8
    assert max(dates) >= "2025-01-01"
    assert len(docs) >= 1000
    assert len({d["id"] for d in docs}) == len(docs)
    for d in docs:
        assert d["text"] and "\x00" not in d["text"] and "\x01" not in d["text"]
        assert not d["text"].startswith((":", "`", "- ", "* "))
