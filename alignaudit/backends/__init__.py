"""Reaching a model: the batched contract every backend answers (``base``), the adapters that
answer it -- transformers (``hf/``), OpenAI-compatible servers (``openai/``), a deterministic fake
(``fake``) -- the resume journal of finished work, and ``registry``, which picks the adapter.

May import: alignaudit._util.
"""
