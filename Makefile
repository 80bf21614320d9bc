# ScholarLens — the two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= scholarlens.db
HOST ?= 127.0.0.1
PORT ?= 8000
# apt-get needs root: use sudo when not root and sudo exists.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.PHONY: setup run test lint typecheck clean serve browser onnx

setup: $(STAMP) browser

# Debian's Chromium for the end-to-end web tests (Playwright drives it; never `playwright install`).
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# torch first, from its pinned CPU build: letting another package pull it in brings GBs of CUDA.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

# Ingest the examples, print a summary; at a terminal (not in CI) then open the app.
run: setup
	rm -f $(DB) $(DB)-wal $(DB)-shm
	$(BIN)/scholarlens --db $(DB) ingest examples/profiles
	$(BIN)/scholarlens --db $(DB) summary
	@if [ -t 0 ] && [ -t 1 ] && [ -z "$$CI" ] && [ -z "$$NO_SERVE" ]; then \
		echo "Serving the app on http://$(HOST):$(PORT)/ (Ctrl-C to stop; NO_SERVE=1 make run skips this)"; \
		$(BIN)/scholarlens --db $(DB) serve --host $(HOST) --port $(PORT) --allow-writes; \
	else \
		echo "Open the app with: make serve  (http://$(HOST):$(PORT)/)"; \
	fi

# The web UI and API on http://$(HOST):$(PORT)/ over $(DB) (writes on: loopback only).
serve: setup
	$(BIN)/scholarlens --db $(DB) serve --host $(HOST) --port $(PORT) --allow-writes

# Export the bundled MiniLM to ONNX (fp32 + int8) into the user cache now, not on first use.
onnx: setup
	$(BIN)/python -m scholarlens.embeddings.export

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm $(DB).uploads .pytest_cache
