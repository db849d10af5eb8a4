# The two commands of the README: `make run` and `make test`. Both create .venv and install into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint index bench stress clean FORCE

FORCE:

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Also re-run when the built extension is gone (`git clean -x` keeps .venv but not the .so), so the
# archive engine does not silently fall back to its slower pure-numpy loops.
EXTENSION := $(wildcard index/engines/_postings*.so)

$(STAMP): pyproject.toml setup.py index/engines/_postings.c $(if $(EXTENSION),,FORCE) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/qabot run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m mypy

index: $(STAMP)
	$(BIN)/qabot index

# The archive benchmark (10k, 100k and 1M passages; about 15 minutes on 2 cores). Not part of `test`.
bench: $(STAMP)
	$(BIN)/python -m bench.run

# The long reliability proofs (about 10 minutes; not part of `test`): 20,000 generated questions,
# 100 SIGKILLed rebuilds per engine, 10 hash seeds, the 50 MB document, 50 users for five minutes.
stress: $(STAMP)
	$(BIN)/python -m tests.stress.fuzz_questions --examples 20000
	$(BIN)/python -m tests.stress.kill_rebuilds --kills 100
	$(BIN)/python -m tests.stress.determinism --seeds 10
	$(BIN)/python -m pytest -m slow
	$(BIN)/python -m tests.stress.load --seconds 300

clean:
	rm -rf $(VENV) .qabot .pytest_cache .ruff_cache
