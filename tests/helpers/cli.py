"""The real command line in a subprocess, and the shape every user error must have."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT


def cli(*args: str, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """The real command line in a subprocess."""
    return subprocess.run([sys.executable, "-m", "alignaudit", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)


def user_error(proc: subprocess.CompletedProcess, code: int = 1) -> str:
    """stderr of a run that must end with one `error:` paragraph and exit ``code``."""
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"^error: ", proc.stderr, re.M), proc.stderr
    return proc.stderr


def cli_in(cwd: Path, *args: str, env: dict[str, str] | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:
    """The real command line in a subprocess run in ``cwd`` (this checkout's code, by
    PYTHONPATH), with ``env`` added to the environment."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "alignaudit", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=full)
