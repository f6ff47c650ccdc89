# sohoa — the two commands of the README: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# Compiled ahead, since PYTHONDONTWRITEBYTECODE may be set: every `sohoa` process a test starts would recompile.
PACKAGES := api cli core ingest issuing ocr runtime signing vault web
# uv installs the locked dependencies (uv.lock, with hashes); it lives in its own small venv.
UV_VERSION := 0.13.9
TOOLS   := .tools
UV      := $(TOOLS)/bin/uv

.PHONY: setup system lock run test lint bench bench-ocr bench-signing bench-vault bench-api bench-stream bench-pipeline services clean

setup: system $(STAMP)

system:
	bash scripts/install-system.sh $(if $(filter test lint bench%,$(MAKECMDGOALS)),--test,)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --extra dev --compile-bytecode --python $(PYTHON) \
	  --reinstall-package tesserocr
	touch $(STAMP)

## Update the lock after changing a dependency in pyproject.toml (add --upgrade to take new releases).
lock: | $(UV)
	$(UV) lock --python $(PYTHON) $(ARGS)

## Set everything up and run the service on the embedded default (no servers to install).
run: setup
	$(BIN)/sohoa serve

services:
	bash scripts/start-services.sh

## Install, start the test services and run the whole test suite on two pytest-xdist workers, each with its own Redis
## database (PYTEST_WORKERS=0: one process; docs/architecture.md, "The test suite in CI").
PYTEST_WORKERS ?= 2
test: setup services
	$(BIN)/python -m compileall -q -j 0 $(PACKAGES) tests bench
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Every benchmark, each printing its anchor measured in the same run (about 30 minutes on 2 cores).
bench: bench-ocr bench-signing bench-vault bench-api bench-stream bench-pipeline

bench-ocr: setup
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --extra dev --extra bench --compile-bytecode --python $(PYTHON)
	$(BIN)/python -m bench.ocr_bench
	$(BIN)/python -m bench.ocr_check --split check
bench-signing: setup services
	$(BIN)/python -m bench.signing_bench
bench-vault: setup services
	$(BIN)/python -m bench.vault_bench
bench-api: setup services
	$(BIN)/python -m bench.api_bench
bench-stream: setup services
	$(BIN)/python -m bench.stream_bench
	$(BIN)/python -m bench.stream_bench --blobs 3 --size-mb 20 --rounds 3
	$(BIN)/python -m bench.stream_bench --size-mb 0.004
bench-pipeline: setup services
	$(BIN)/python -m bench.pipeline_bench --pages 200

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
