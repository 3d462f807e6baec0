"""Judging a result: one table of metrics (``metrics``) that both the verdict at the top of the
report and the ``--fail-on`` gates read, the verdict lines and the gates; the condition syntax
and a gate's saved outcome (``conditions``) read no result, so the configuration and the saved
result import only that.

May import: alignaudit._util (results are read, not imported, so results never depend on the
judge's code at run time).
"""
