# The README's two commands: `make demo` and `make test`. Each installs only what it needs: scripts/bootstrap.sh
# EXTRA installs pyproject.toml's optional-dependencies extra of that name (demo, test, bench).
SHELL := /bin/bash
VENV := .venv/bin
export TF_CLI_CONFIG_FILE := $(CURDIR)/.cache/terraformrc
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: bootstrap bootstrap-test bootstrap-bench demo test lint unit plan apply e2e docs packages bench bench-tests install-sizes

bootstrap:
	@bash scripts/bootstrap.sh demo

bootstrap-test:
	@bash scripts/bootstrap.sh test

bootstrap-bench:
	@bash scripts/bootstrap.sh bench

demo: bootstrap
	$(VENV)/python -m scripts.demo

# Two workers; a module whose tests share one apply keeps them on one worker (xdist_group, --dist loadgroup).
PYTEST := $(VENV)/python -m pytest -n 2 --dist loadgroup -q

# Static checks, then every test of every layer (unit, plan, apply, e2e: tests/conftest.py).
test: bootstrap-test lint
	$(PYTEST)

lint: bootstrap-test
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/terraform fmt -check -recursive -diff .
	$(VENV)/python scripts/build_lambdas.py --check
	$(VENV)/python scripts/gen_docs.py --check

# One layer each: pure Python; Terraform offline; on the emulator; whole workflows executed end to end.
unit: bootstrap-test
	$(VENV)/python -m pytest -q -m unit

plan: bootstrap-test
	$(PYTEST) -m plan

apply: bootstrap-test
	$(PYTEST) -m apply

e2e: bootstrap-test
	$(PYTEST) -m e2e

docs: bootstrap-test
	$(VENV)/python scripts/gen_docs.py

packages: bootstrap
	$(VENV)/python scripts/build_lambdas.py

bench: bootstrap-bench
	$(VENV)/python scripts/bench_retraining.py
	$(VENV)/python -m scripts.bench_demo

# Each test layer's wall time and share, and the Terraform plans and applies it made (none twice).
bench-tests: bootstrap-test
	$(VENV)/python scripts/bench_tests.py

# What the demo's and the test command's installs take on a fresh clone (each in a throwaway clone, timed).
install-sizes:
	@bash scripts/install_sizes.sh
