# sohoa — the two commands of the README: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: setup system run test lint bench services clean

setup: system $(STAMP)

system:
	bash scripts/install-system.sh $(if $(filter test lint,$(MAKECMDGOALS)),--test,)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## Set everything up and run the service on the embedded default (no servers to install).
run: setup
	$(BIN)/sohoa serve

services:
	bash scripts/start-services.sh

## Install, start the test services and run the whole test suite.
test: setup services
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python -m bench.ocr_bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
