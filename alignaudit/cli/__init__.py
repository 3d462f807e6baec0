"""The command line: a small root (``app``) that registers one module per command (``run``,
``drift``, ``report``, ``probes``), the options declared once (``options``) and what commands share
(``output``). No audit logic.

May import: anything in alignaudit.
"""
