"""Fixtures of the tracker tests: an environment that neither reads the user's tracker settings
nor writes outside tmp_path, and a saved two-model audit with known numbers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from alignaudit.api import write
from alignaudit.config import DataSettings
from alignaudit.judge.conditions import GateResult
from alignaudit.result import AuditResult
from tests.helpers.results import alignment_for, audit_for, probes_for, result_for, with_numbers

CUTOFF = 2020.625
"""The first model's cutoff, set by hand (a decimal year: 2020-Q3)."""


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No MLFLOW_*/WANDB_* variable of the user's, no netrc login, W&B's caches under tmp_path,
    and a fresh working folder (returned), where the default MLflow store goes."""
    for name in list(os.environ):
        if name.startswith(("MLFLOW_", "WANDB_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("NETRC", str(home / ".netrc"))
    for var in ("WANDB_CACHE_DIR", "WANDB_DATA_DIR", "WANDB_CONFIG_DIR", "WANDB_ARTIFACT_DIR"):
        monkeypatch.setenv(var, str(home / var.lower()))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture(scope="module")
def result() -> AuditResult:
    """Two models on the same dated facts, one knowing them up to 2020 (its cutoff set to
    2020-Q3) with drift measured on data, one up to 2016; a failed gate for the second."""
    alpha = with_numbers(audit_for("alpha", probes_for(60, knows_until=2020)), cutoff=CUTOFF,
                         drift=alignment_for(n_permutations=20))
    beta = audit_for("beta", probes_for(60, knows_until=2016, seed=1))
    found = result_for(alpha, beta)
    found.config = found.config.model_copy(update={"data": DataSettings(
        paths=["tickets.jsonl", "more.jsonl"], text_column="body")})
    found.gates = [GateResult(gate="recency_accuracy<0.5", model="beta", measured="0.4",
                              failed=True, reason="beta: recency_accuracy 0.4 < 0.5")]
    return found


@pytest.fixture(scope="module")
def written(result: AuditResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("written") / "audit"
    write(result, folder)
    return folder


@pytest.fixture
def saved(written: Path, tmp_path: Path) -> Path:
    """The audit's folder (a copy of its own): results.json, report.html, summary.md, as a run
    writes them."""
    return Path(shutil.copytree(written, tmp_path / "audit"))
