"""Backends: one adapter per way of reaching a model (see :mod:`alignaudit.backends.base`)."""
