"""Reaching a model: the batched contract every backend answers (``base``), the adapters that
answer it -- transformers (``hf/``), OpenAI-compatible servers (``openai/``), a deterministic fake
(``fake``) -- the resume journal of finished work, ``registry``, which picks the adapter,
``egress`` (is a server this machine; what of the user's was sent where) and ``traffic`` (how
a served endpoint answered).

May import: alignaudit._util.
"""
