#!/usr/bin/env bash
# Rebuild the shipped generated suites from the shipped corpora (data/corpora, built by
# scripts/build_corpora.py). Same corpora and seed: byte-identical suites (the header's
# "written" date aside).
#   bash scripts/build_generated_suites.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
columns=(--text-column text --date-column date --title-column title --group-column project
         --url-column url --section-column section --also-in-column also_in --seed 0
         --per-period 30)
"$PY" -m alignaudit probes generate --data data/corpora/django.jsonl.gz "${columns[@]}" \
    --name django-releases --out probes/django-releases.yaml \
    --description "Generated from Django's release notes (2009-2026, data/corpora): names, options \
and settings at their first appearance, dated by the release that introduced them."
"$PY" -m alignaudit probes generate --data data/corpora/pip.jsonl.gz \
    --data data/corpora/pytest.jsonl.gz --data data/corpora/sqlalchemy.jsonl.gz "${columns[@]}" \
    --name python-packaging --out probes/python-packaging.yaml \
    --description "Generated from the changelogs of pip, pytest and SQLAlchemy (2006-2026, \
data/corpora): names, options and contributors at their first appearance, dated by release."
