# sohoa — the two commands of the README: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: setup system run test lint bench bench-ocr bench-signing bench-vault bench-api bench-pipeline services clean

setup: system $(STAMP)

system:
	bash scripts/install-system.sh $(if $(filter test lint bench%,$(MAKECMDGOALS)),--test,)

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

## Every benchmark, each printing its anchor measured in the same run (about 30 minutes on 2 cores).
bench: bench-ocr bench-signing bench-vault bench-api bench-pipeline

bench-ocr: setup
	$(BIN)/python -m bench.ocr_bench
bench-signing: setup services
	$(BIN)/python -m bench.signing_bench
bench-vault: setup services
	$(BIN)/python -m bench.vault_bench
bench-api: setup services
	$(BIN)/python -m bench.api_bench
bench-pipeline: setup services
	$(BIN)/python -m bench.pipeline_bench --pages 200

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
