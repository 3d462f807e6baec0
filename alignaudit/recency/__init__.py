"""How current a model's knowledge is: probe suites (schema, loading, validation), scoring of probes
through a backend, semantic matching of generations, accuracy by period and the effective cutoff,
the believed year, and the recency section of a result.

May import: alignaudit._util, alignaudit.backends, alignaudit.config, alignaudit.drift.documents,
alignaudit.drift.readers (generated suites read data as --data does).
"""
