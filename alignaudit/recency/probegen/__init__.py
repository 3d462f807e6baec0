"""Probes generated from dated documents, without a model: a term at its first appearance in a
corpus, asked where the text introduces it (``core``: the API; ``candidates``: spans and their
shapes; ``corpus``: canonical order and the index of first appearances; ``filters``: leak,
ambiguity, novelty and predictability rules; ``novelty``: introduced or only mentioned;
``distractors``: wrong answers of the same shape; ``model``: the typed inputs and outputs).

May import: alignaudit._util.
"""
