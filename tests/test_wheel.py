"""A wheel built from the repo ships the suites and templates and works outside the repo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_outside_the_repo(tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(dist), str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("alignaudit-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "alignaudit/_shipped/probes/recency.yaml" in names
    assert "alignaudit/_shipped/templates/report.html.j2" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    # Only what `probes list` needs: the CLI imports nothing heavy for it.
    subprocess.run(pip + ["--no-deps", str(wheel)], check=True, timeout=600)
    subprocess.run(pip + ["typer", "pydantic", "pyyaml"], check=True, timeout=600,
                   capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = subprocess.run([str(venv / "bin" / "alignaudit"), "probes", "list"], cwd=work,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for name in ("recency",):
        assert name in proc.stdout
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import alignaudit.recency.suites as p; print(p.shipped_dir())"],
                           cwd=work,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where
