"""Shared builders and fakes of the test suite: one place, so no test module imports another.

- :mod:`tests.helpers.server`: a fake OpenAI-compatible server on loopback.
- :mod:`tests.helpers.results`: audit results with known numbers (and hostile strings) for the
  report, the verdict and the gates.
- :mod:`tests.helpers.browser`: headless Chromium over the DevTools pipe.
- :mod:`tests.helpers.cli`: the command line in a subprocess.
- :mod:`tests.helpers.known_cutoff` and :mod:`tests.helpers.lm_training`: models trained on a
  dated corpus up to a date we choose, and their audit (also used by
  bench/bench_known_cutoff.py).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
MINI_SUITE = FIXTURES / "mini.yaml"
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"


def bench_module(name: str) -> ModuleType:
    """A script of bench/ as a module (imported once), so a test runs the bench's own code."""
    if name not in sys.modules:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
