"""The Python API on the fake backend: `alignaudit.audit`, `alignaudit.load`, the inline report,
and that `import alignaudit` stays light."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest

import alignaudit
from alignaudit._util.errors import UsageError
from tests.helpers import MINI_SUITE, ROOT


def test_import_is_light():
    code = ("import sys, alignaudit\n"
            "print(sorted(m for m in ('torch', 'transformers', 'alignaudit.api', "
            "'alignaudit.runner') if m in sys.modules), alignaudit.__version__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", alignaudit.__version__]


def test_audit_returns_the_result_and_writes_nothing_without_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = alignaudit.audit(model="m", probes=[str(MINI_SUITE)], backend="fake", seed=3)
    assert isinstance(found, alignaudit.AuditResult)
    assert [m.model.spec for m in found.models] == ["m"]
    assert len(found.models[0].probes) == 6 and found.config.seed == 3
    assert found.config.command.startswith("alignaudit.audit(model='m'")
    assert list(tmp_path.iterdir()) == []


def test_out_writes_the_files_and_load_reads_them_back(tmp_path):
    found = alignaudit.audit(model="m", probes="recency", backend="fake", limit=12,
                             out=tmp_path / "audit")
    assert {p.name for p in (tmp_path / "audit").iterdir()} == {
        "results.json", "report.html", "summary.md"}
    again = alignaudit.load(tmp_path / "audit" / "results.json")
    assert again == found and isinstance(again, alignaudit.AuditResult)


def test_inline_report_is_the_page_inside_an_iframe():
    found = alignaudit.audit(model="m", probes=[str(MINI_SUITE)], backend="fake")
    shown = found._repr_html_()
    # one element: the page's own <style> and <script> are inside srcdoc, escaped
    assert shown.startswith("<iframe srcdoc=\"") and shown.endswith("></iframe>")
    assert shown.count("<") == 2
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert page.lstrip().startswith("<!DOCTYPE html>") and "<style" in page
    assert found.models[0].model.display_name in page


def test_model_folder_of_a_local_folder_is_that_folder(tiny_gpt2_dir):
    from alignaudit.api import model_folder

    assert model_folder(str(tiny_gpt2_dir)) == tiny_gpt2_dir
    assert model_folder("HuggingFaceTB/SmolLM2-135M") == "HuggingFaceTB/SmolLM2-135M"


@pytest.mark.parametrize(("options", "message"), [
    ({"limt": 3}, "unknown option limt"),
    ({"text_column": "body"}, "pass data="),
    ({"limit": 0}, "--limit 0"),
    ({"backend": "nope"}, "--backend nope"),
])
def test_bad_options_say_which(options, message):
    with pytest.raises(UsageError, match=message):
        alignaudit.audit(model="m", **{"backend": "fake", **options})
