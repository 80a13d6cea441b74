# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run demo reset api-key test lint format asyncapi bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

DEVSTACK := $(BIN)/python -m receivables_shared.devstack

## Start the whole platform on embedded PostgreSQL and broker (ARGS=--demo loads demo data).
## Ctrl-C stops it in order and loses no event (docs/dev-stack.md).
run: install
	$(DEVSTACK) run $(ARGS)

## Same as run, and load the demo data set once everything is up (idempotent).
demo: install
	$(DEVSTACK) run --demo $(ARGS)

## Wipe the local platform's data (var/: databases, logs, dev key); keeps .venv/.
reset: install
	$(DEVSTACK) reset

## A key for all five services of the running `make run`: make api-key NAME=erp SCOPES=read,write
api-key: install
	$(DEVSTACK) api-key create --name $(or $(NAME),dev) --scopes $(or $(SCOPES),read)

## The whole test suite against real PostgreSQL and a real broker.
test: install
	$(BIN)/python -m pytest $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared/src services/*/src bench
	@# Test folders repeat module names (conftest, test_router): one mypy run per folder.
	for tests in shared/tests services/*/tests tests; do $(BIN)/mypy $$tests || exit 1; done

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Regenerate docs/asyncapi.yaml from the event catalogue (refuses incompatible changes).
asyncapi: install
	$(BIN)/python -m receivables_shared.events.asyncapi --write docs/asyncapi.yaml

## Benchmarks (see docs/benchmarks.md).
bench: install
	$(BIN)/python bench/event_pipeline.py $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
