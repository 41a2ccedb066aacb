# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint studio bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Serve the API on INTERVIEWER_HOST:INTERVIEWER_PORT (default 0.0.0.0:8000).
run: $(STAMP)
	$(BIN)/python -m api

## The whole suite: lint, types, unit, graph and API tests.
test: $(STAMP)
	$(BIN)/ruff check graph api bench tests
	$(BIN)/mypy graph api bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check graph api bench tests
	$(BIN)/ruff format --check graph api bench tests
	$(BIN)/mypy graph api bench

## LangGraph Studio on the graph of langgraph.json (in-memory LangGraph API server).
studio: $(STAMP)
	$(BIN)/langgraph dev --no-browser

## Whole interviews over HTTP, ours vs the seed's design, capacity by workers, two replicas on
## PostgreSQL; writes bench/results.md (~15 min).
## py-spy (for the profile in the results) is installed into the venv, not a project dependency.
## Extra flags: make bench BENCH_ARGS="--interviews 50 --no-profile"
bench: $(STAMP)
	@$(BIN)/python -m pip install --quiet py-spy || echo "py-spy unavailable: no profile in bench/results.md"
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
