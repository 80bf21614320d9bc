# ScholarLens — the two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= scholarlens.db

.PHONY: setup run test lint typecheck clean

setup: $(STAMP)

# torch first, from its pinned CPU build: letting another package pull it in brings GBs of CUDA.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

run: setup
	rm -f $(DB) $(DB)-wal $(DB)-shm
	$(BIN)/scholarlens --db $(DB) ingest examples/profiles
	$(BIN)/scholarlens --db $(DB) summary

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm .pytest_cache
