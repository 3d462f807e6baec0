"""Experiment trackers (``--log-to mlflow``, ``--log-to wandb``): a finished audit logged as runs
in MLflow or Weights & Biases, so a team that tracks its evaluations there finds the audit beside
them.

What is logged is decided once, for every tracker (``record``): the run's parameters, the
metrics the verdict and the gates read (:mod:`alignaudit.judge.metrics`, under the same names
``--fail-on`` uses), accuracy per event year as a series, the verdict as tags and the written
files (report.html, results.json, summary.md). One module per tracker writes that
(``to_mlflow``, ``to_wandb``), importing the tracker's library lazily: both are optional extras
(``pip install 'alignaudit[mlflow]'``, ``'alignaudit[wandb]'``). ``targets`` parses ``--log-to``,
checks that the library is installed before the audit starts, and logs after the audit's files
are written.

Trackers read only the saved result, like the report: an audit is logged from what is on disk,
so what a tracker shows is what results.json says. A tracker that fails after the audit is a
warning, never a lost audit (see :func:`alignaudit.trackers.targets.log_all`).

May import: alignaudit._util, alignaudit.judge, alignaudit.result.
"""
