# Shared Measures: `make run` starts the app on the demo data; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
DB     ?= data/shared_measures.duckdb

.PHONY: run run-server test bench browser postgres demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app-installed: requirements.txt | $(BIN)/python $(VENV)/duckdb-2.0/duckdb/__init__.py
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python $(VENV)/duckdb-2.0/duckdb/__init__.py
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.app-installed

# The DuckDB of earlier releases, in its own folder, for `python -m framework --db FILE convert` (docs/data.md)
$(VENV)/duckdb-2.0/duckdb/__init__.py: | $(BIN)/python
	$(BIN)/pip install --quiet --no-warn-conflicts --upgrade --target $(VENV)/duckdb-2.0 duckdb==2.0.0

$(DB): | $(VENV)/.app-installed
	$(BIN)/python -m framework --db $(DB) init --demo

## run: install, create the demo database if it is missing, and start the app at http://localhost:$(PORT)
run: $(VENV)/.app-installed $(DB)
	SHARED_MEASURES_DB=$(DB) $(BIN)/python -m framework.streamlit_glue --server.port $(PORT)

## run-server: start the app on PostgreSQL: SHARED_MEASURES_DB=postgresql://... if set, else a local server in data/postgres/ with the demo
run-server: $(VENV)/.app-installed
	deploy/run-server.sh $(BIN)/python $(PORT)

## browser: install Debian's Chromium for the browser tests when it is missing and the machine allows it
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium is not installed and cannot be installed here: the browser tests will be skipped."; fi

## postgres: install Debian's PostgreSQL for the server-mode tests when it is missing and the machine allows it
APT     ?= apt-get
INITDB  ?= $(firstword $(shell command -v initdb) $(wildcard /usr/lib/postgresql/*/bin/initdb))
postgres:
	@if [ -n "$(INITDB)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then ($(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq postgresql >/dev/null) \
	    || echo "PostgreSQL could not be installed: the server-mode tests will be skipped."; \
	elif sudo -n true 2>/dev/null; then (sudo $(APT) update -qq && sudo DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq postgresql >/dev/null) \
	    || echo "PostgreSQL could not be installed: the server-mode tests will be skipped."; \
	else echo "PostgreSQL is not installed and cannot be installed here: the server-mode tests will be skipped."; fi

## test: install what the tests need and run the whole suite (the demo is built once per worker), listing the 10 slowest tests
test: $(VENV)/.dev-installed browser postgres
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --durations=10

## bench: the benchmarks, written to bench/RESULTS.md
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench

## demo: rebuild the demo database from scratch
demo: | $(VENV)/.app-installed
	rm -f $(DB) $(DB).wal
	$(BIN)/python -m framework --db $(DB) init --demo

clean:
	rm -rf $(VENV) .pytest_cache tests/screenshots
