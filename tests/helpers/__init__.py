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

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
MINI_SUITE = FIXTURES / "mini.yaml"
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"
