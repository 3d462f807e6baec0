"""Number formats shared by the analysis sentences and the report, so a value reads the same
wherever it appears."""

from __future__ import annotations


def format_p(p: float | None, *, named: bool = False) -> str:
    """A p-value: ``0.034``, ``< 0.001``, ``–`` when missing.

    ``named=True`` writes it as a phrase of its own: ``p = 0.034``, ``p < 0.001``, ``p n/a``.
    """
    if p is None:
        return "p n/a" if named else "–"
    if p < 0.001:
        return "p < 0.001" if named else "< 0.001"
    return f"p = {p:.3f}" if named else f"{p:.3f}"
