# The README's two commands: `make demo` and `make test`. Each installs what it needs (scripts/bootstrap.sh).
SHELL := /bin/bash
VENV := .venv/bin
export TF_CLI_CONFIG_FILE := $(CURDIR)/.cache/terraformrc
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: bootstrap demo test lint unit docs packages bench

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap
	$(VENV)/python -m scripts.demo

# Static checks, then every test (plan, apply and executions on the emulator, unit), two workers.
test: bootstrap lint
	$(VENV)/python -m pytest -n 2 --dist loadgroup -q

lint: bootstrap
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/terraform fmt -check -recursive -diff .
	$(VENV)/python scripts/build_lambdas.py --check
	$(VENV)/python scripts/gen_docs.py --check

unit: bootstrap
	$(VENV)/python -m pytest -q tests/unit

docs: bootstrap
	$(VENV)/python scripts/gen_docs.py

packages: bootstrap
	$(VENV)/python scripts/build_lambdas.py

bench: bootstrap
	$(VENV)/python scripts/bench_retraining.py
	$(VENV)/python -m scripts.bench_demo
