"""examples/audit.ipynb runs top to bottom (nbclient, a fresh kernel) on the bundled model, and
its `result` cell shows the report inline."""

from __future__ import annotations

import html
import os
import re

import pytest

from tests.helpers import EXAMPLES, ROOT

pytestmark = pytest.mark.integration


def test_example_notebook_runs_and_shows_the_report(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(EXAMPLES / "audit.ipynb", as_version=4)
    # the kernel imports this checkout's alignaudit, and writes into a temporary folder
    path = os.pathsep.join(p for p in [str(ROOT), os.environ.get("PYTHONPATH")] if p)
    monkeypatch.setenv("PYTHONPATH", path)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = {i: cell.get("outputs", []) for i, cell in enumerate(notebook.cells)}
    shown = [o["data"]["text/html"] for out in outputs.values() for o in out
             if o.get("output_type") == "execute_result" and "text/html" in o.get("data", {})]
    assert len(shown) == 1 and shown[0].startswith("<iframe srcdoc=")
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', shown[0]).group(1))
    assert "smollm2-135m" in page
    printed = "".join(o.get("text", "") for out in outputs.values() for o in out)
    assert re.search(r"recency: accuracy \d\.\d\d on \d+ facts", printed)
    assert (tmp_path / "audit-notebook" / "report.html").is_file()
    last = notebook.cells[-1]["outputs"][0]["data"]["text/plain"]
    assert last == "True"
