"""Comparing models that answered the same probes: paired differences with intervals and
p-values (per suite, category and period, corrected for multiple comparisons), the difference
of two cutoffs and of two believed years from resampling the probes jointly, the paired
perplexity ratio on the user's documents, a comparison verdict, and a saved run as a baseline.

May import: alignaudit._util, alignaudit.recency, alignaudit.drift.periods, alignaudit.judge.
"""
