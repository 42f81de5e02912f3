# Two commands (see README): `make run` starts the app on the embedded data; `make test` runs every test.
# `make lint` (ruff, import contracts) and `make check` (the tests that need neither Chromium nor
# PostgreSQL, in about three minutes) are for the edit-test loop; CI runs `make lint` then `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Both cores: the suite is CPU-bound (AppTest runs, statistics, a served app per worker).
WORKERS ?= 2

.PHONY: run dev test check lint format setup bench clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/python -m lib setup
	$(BIN)/python -m lib serve --server.port $(PORT)

# For developers: reload on save, full error details (the production settings are in .streamlit/config.toml).
dev: $(BIN)/.installed
	$(BIN)/python -m lib setup
	$(BIN)/python -m lib serve --server.port $(PORT) --server.fileWatcherType auto --server.runOnSave true \
		--client.showErrorDetails full

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n $(WORKERS)

check: $(BIN)/.installed
	$(BIN)/python -m pytest -n $(WORKERS) -m "not browser and not postgres"

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) data/dashboard.duckdb tests/artifacts
