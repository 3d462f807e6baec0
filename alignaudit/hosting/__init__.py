"""Adopt or rent: what a candidate costs a month at the team's volume, self-hosted on hardware
billed by the hour or rented behind an API billed per token, where the two cross, and how fast
the model serves (the bounded serving probe of ``--measure-serving``).

``volume`` reads ``--volume``; ``costs`` holds the pure cost and break-even formulas, each figure
with its unit and the assumptions behind it (or, with a zero or missing price, no figure and the
reason); ``serving`` turns a probe's recorded timings into throughput and latency; ``settings``
are the run's options; ``estimate`` is the block saved on each model's audit. The report reads
that block; nothing here reads a result or the report.

May import: alignaudit._util, alignaudit.backends (only the contract in ``backends.base``, to run
the serving probe through a backend's ``serve`` verb).
"""
