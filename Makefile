# The README's two commands: `make demo` and `make test`. Each installs only what it needs: scripts/bootstrap.sh
# EXTRA installs pyproject.toml's optional-dependencies extra of that name (demo, test, bench).
SHELL := /bin/bash
VENV := .venv/bin
export TF_CLI_CONFIG_FILE := $(CURDIR)/.cache/terraformrc
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: bootstrap bootstrap-test bootstrap-bench demo test lint unit docs packages bench install-sizes

bootstrap:
	@bash scripts/bootstrap.sh demo

bootstrap-test:
	@bash scripts/bootstrap.sh test

bootstrap-bench:
	@bash scripts/bootstrap.sh bench

demo: bootstrap
	$(VENV)/python -m scripts.demo

# Static checks, then every test (plan, apply and executions on the emulator, unit), two workers.
test: bootstrap-test lint
	$(VENV)/python -m pytest -n 2 --dist loadgroup -q

lint: bootstrap-test
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/terraform fmt -check -recursive -diff .
	$(VENV)/python scripts/build_lambdas.py --check
	$(VENV)/python scripts/gen_docs.py --check

unit: bootstrap-test
	$(VENV)/python -m pytest -q tests/unit

docs: bootstrap-test
	$(VENV)/python scripts/gen_docs.py

packages: bootstrap
	$(VENV)/python scripts/build_lambdas.py

bench: bootstrap-bench
	$(VENV)/python scripts/bench_retraining.py
	$(VENV)/python -m scripts.bench_demo

# What the demo's and the test command's installs take on a fresh clone (each in a throwaway clone, timed).
install-sizes:
	@bash scripts/install_sizes.sh
