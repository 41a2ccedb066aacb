# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := .venv.lock
STUDIO_PORT ?= 2024

.PHONY: install run test lint studio bench quality clean

install: $(STAMP)

# `make run` and `make test` started together on a fresh clone must not both pip-install into
# the same .venv: the install runs under a lock, and whoever waited for it finds it done.
INSTALL = test -f $(STAMP) && test $(STAMP) -nt pyproject.toml && exit 0; \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || exit 1; \
	$(BIN)/python -m pip install --quiet --upgrade pip && \
	$(BIN)/python -m pip install --quiet -e '.[dev]' && touch $(STAMP)

$(STAMP): pyproject.toml
	@if command -v flock >/dev/null 2>&1; then \
		flock $(LOCK) sh -c "$(INSTALL)"; \
	else \
		echo "flock not found: installing without a lock" >&2; sh -c "$(INSTALL)"; \
	fi

## Serve the API on INTERVIEWER_HOST:INTERVIEWER_PORT (default 0.0.0.0:8000).
run: $(STAMP)
	$(BIN)/python -m api

## The whole suite: lint, types, import contracts, unit, graph and API tests.
test: $(STAMP)
	$(BIN)/ruff check graph api bench tests
	$(BIN)/mypy graph api bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

## ruff, ruff format, mypy, and the import contracts of pyproject.toml (lint-imports: the LLM
## SDKs and HTTP clients stay in the adapters under graph/llm/).
lint: $(STAMP)
	$(BIN)/ruff check graph api bench tests
	$(BIN)/ruff format --check graph api bench tests
	$(BIN)/mypy graph api bench
	$(BIN)/lint-imports

## LangGraph Studio on the graph of langgraph.json (in-memory LangGraph API server), on
## STUDIO_PORT (default 2024): make studio STUDIO_PORT=2100
studio: $(STAMP)
	$(BIN)/langgraph dev --no-browser --port $(STUDIO_PORT)

## Whole interviews over HTTP, ours vs the seed's design, capacity by workers, two replicas on
## PostgreSQL; writes bench/results.md (~15 min), then the evaluation report's Groq tokens per
## interview and closing TTFB (bench/evaluation.md).
## py-spy (for the profile in the results) is installed into the venv, not a project dependency.
## Extra flags: make bench BENCH_ARGS="--interviews 50 --no-profile"
bench: $(STAMP)
	@$(BIN)/python -m pip install --quiet py-spy || echo "py-spy unavailable: no profile in bench/results.md"
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.evaluation --out bench/evaluation.md

## Simulated candidates (personas) through whole interviews: the quality table (offline, and
## Groq when GROQ_API_KEY is set). Extra flags: make quality QUALITY_ARGS="--transcripts".
quality: $(STAMP)
	$(BIN)/python -m tests.support.quality $(QUALITY_ARGS)

clean:
	rm -rf $(VENV) $(LOCK) .pytest_cache .mypy_cache .ruff_cache .hypothesis
