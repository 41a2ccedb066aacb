# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What is installed: the runtime dependencies (`make run`), or those and the development tools
# (`make test` and the other developer targets). A development install makes both stamps.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
LOCK := .venv.lock
STUDIO_PORT ?= 2024

.PHONY: install install-runtime run test lint studio bench quality calibrate clean

## Everything a developer needs (runtime and development dependencies).
install: $(DEV_STAMP)

## The runtime dependencies only (what `make run` and the container image install).
install-runtime: $(RUN_STAMP)

# `make run` and `make test` started together on a fresh clone must not both pip-install into
# the same .venv: each install runs under one lock, and whoever waited for it finds its part
# done. $(1): the stamp that says so; $(2): what pip installs; $(3): the stamps it then makes.
INSTALL = test -f $(1) && test $(1) -nt pyproject.toml && exit 0; \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || exit 1; \
	$(BIN)/python -m pip install --quiet --upgrade pip && \
	$(BIN)/python -m pip install --quiet -e '$(2)' && touch $(3)
LOCKED = if command -v flock >/dev/null 2>&1; then \
		flock $(LOCK) sh -c "$(1)"; \
	else \
		echo "flock not found: installing without a lock" >&2; sh -c "$(1)"; \
	fi

$(RUN_STAMP): pyproject.toml
	@$(call LOCKED,$(call INSTALL,$(RUN_STAMP),.,$(RUN_STAMP)))

$(DEV_STAMP): pyproject.toml
	@$(call LOCKED,$(call INSTALL,$(DEV_STAMP),.[dev],$(DEV_STAMP) $(RUN_STAMP)))

## Serve the API on INTERVIEWER_HOST:INTERVIEWER_PORT (default 0.0.0.0:8000).
run: $(RUN_STAMP)
	$(BIN)/python -m api

## The whole suite: lint, types, import contracts, unit, graph and API tests.
test: $(DEV_STAMP)
	$(BIN)/ruff check graph api bench devkit tests
	$(BIN)/mypy graph api bench devkit
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

## ruff, ruff format, mypy, and the import contracts of pyproject.toml (lint-imports: the LLM
## SDKs and HTTP clients stay in the adapters under graph/llm/; the service never imports its
## tooling; bench/ is layered without cycles).
lint: $(DEV_STAMP)
	$(BIN)/ruff check graph api bench devkit tests
	$(BIN)/ruff format --check graph api bench devkit tests
	$(BIN)/mypy graph api bench devkit
	$(BIN)/lint-imports --no-cache

## LangGraph Studio on the graph of langgraph.json (in-memory LangGraph API server), on
## STUDIO_PORT (default 2024): make studio STUDIO_PORT=2100
studio: $(DEV_STAMP)
	$(BIN)/langgraph dev --no-browser --port $(STUDIO_PORT)

## Whole interviews over HTTP, ours vs the seed's design, capacity by workers, two replicas on
## PostgreSQL; writes bench/results.md (~15 min), then the evaluation report's Groq tokens per
## interview and closing TTFB (bench/evaluation.md).
## py-spy (for the profile in the results) is installed into the venv, not a project dependency.
## Extra flags: make bench BENCH_ARGS="--interviews 50 --no-profile"
bench: $(DEV_STAMP)
	@$(BIN)/python -m pip install --quiet py-spy || echo "py-spy unavailable: no profile in bench/results.md"
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.evaluation --out bench/evaluation.md

## Simulated candidates (personas) through whole interviews: the quality table (offline, and
## Groq when GROQ_API_KEY is set). Extra flags: make quality QUALITY_ARGS="--transcripts".
quality: $(DEV_STAMP)
	$(BIN)/python -m tests.support.quality $(QUALITY_ARGS)

## The evaluators against the golden set (calibration/golden_set.json): exact and within-one
## agreement, Spearman's rho and the confusion table, offline (and Groq with GROQ_API_KEY).
## Exits 1 when the offline targets are missed. Extra flags: make calibrate CALIBRATE_ARGS=--show
calibrate: $(DEV_STAMP)
	$(BIN)/python -m devkit.calibrate $(CALIBRATE_ARGS)

clean:
	rm -rf $(VENV) $(LOCK) .pytest_cache .mypy_cache .ruff_cache .hypothesis
