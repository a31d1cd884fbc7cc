# The README's two commands: `make demo` and `make test`. Each installs what it needs (scripts/bootstrap.sh).
SHELL := /bin/bash
VENV := .venv/bin
export TF_CLI_CONFIG_FILE := $(CURDIR)/.cache/terraformrc
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: bootstrap demo test lint unit plan apply e2e docs packages bench bench-tests

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap
	$(VENV)/python -m scripts.demo

# Two workers; a module whose tests share one apply keeps them on one worker (xdist_group, --dist loadgroup).
PYTEST := $(VENV)/python -m pytest -n 2 --dist loadgroup -q

# Static checks, then every test of every layer (unit, plan, apply, e2e: tests/conftest.py).
test: bootstrap lint
	$(PYTEST)

lint: bootstrap
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/terraform fmt -check -recursive -diff .
	$(VENV)/python scripts/build_lambdas.py --check
	$(VENV)/python scripts/gen_docs.py --check

# One layer each: pure Python; Terraform offline; on the emulator; whole workflows executed end to end.
unit: bootstrap
	$(VENV)/python -m pytest -q -m unit

plan: bootstrap
	$(PYTEST) -m plan

apply: bootstrap
	$(PYTEST) -m apply

e2e: bootstrap
	$(PYTEST) -m e2e

docs: bootstrap
	$(VENV)/python scripts/gen_docs.py

packages: bootstrap
	$(VENV)/python scripts/build_lambdas.py

bench: bootstrap
	$(VENV)/python scripts/bench_retraining.py
	$(VENV)/python -m scripts.bench_demo

# Each test layer's wall time and share, and the Terraform plans and applies it made (none twice).
bench-tests: bootstrap
	$(VENV)/python scripts/bench_tests.py
