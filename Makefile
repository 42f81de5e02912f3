# Two commands (see README): `make run` starts the app on the embedded data; `make test` runs every test.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test setup bench lint clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/python -m lib setup
	$(BIN)/python -m lib serve --server.port $(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) data/dashboard.duckdb tests/artifacts
