"""Static checks that belong to the test command: terraform fmt and validate, checkov, asl-validator's presence."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scripts.tfworkspace import copy_module, terraform_env
from tests import tfharness as h


def _module_dirs() -> list[Path]:
    roots = [h.REPO, *sorted(p for p in (h.REPO / "modules").iterdir() if p.is_dir())]
    examples = sorted(p for p in (h.REPO / "examples").iterdir() if (p / "main.tf").exists())
    return roots + examples


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=terraform_env(), capture_output=True, text=True, timeout=300)


def test_terraform_fmt():
    run = _run([str(h.TERRAFORM), "fmt", "-check", "-recursive", "-list=true", "."], h.REPO)
    unformatted = [line for line in run.stdout.splitlines() if ".terraform" not in line]
    assert run.returncode == 0 and not unformatted, f"terraform fmt would change: {unformatted}"


@pytest.mark.parametrize("module", _module_dirs(), ids=lambda p: str(p.relative_to(h.REPO)) or "root")
def test_terraform_validate(module, tmp_path):
    if module.parent == h.REPO / "modules":
        # A workflow submodule reads the repository's shared files ("${path.module}/../../definitions/..."): keep its
        # place in the repository's layout.
        work = copy_module(module, tmp_path / "modules" / module.name)
        for shared in ("definitions", "lambda_src"):
            (tmp_path / shared).symlink_to(h.REPO / shared)
    else:
        work = copy_module(module, tmp_path / "m")
    init = _run([str(h.TERRAFORM), "init", "-backend=false", "-input=false", "-no-color"], work)
    assert init.returncode == 0, init.stdout + init.stderr
    run = _run([str(h.TERRAFORM), "validate", "-json", "-no-color"], work)
    result = json.loads(run.stdout)
    assert result["valid"], json.dumps(result["diagnostics"], indent=1)
    assert result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=1)


def test_checkov_reports_no_failed_check():
    run = subprocess.run(
        [
            str(h.REPO / ".venv" / "bin" / "checkov"),
            "-d", ".", "--framework", "terraform", "--quiet", "--compact", "--skip-download", "-o", "json",
            "--skip-path", ".venv", "--skip-path", ".cache", "--skip-path", "tests/fixtures",
        ],
        cwd=h.REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    reports = json.loads(run.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert failed == []
    assert sum(r["summary"]["passed"] for r in reports) > 20  # it really scanned the modules


def test_checkov_skips_carry_a_reason():
    for tf in h.REPO.rglob("*.tf"):
        if ".terraform" in tf.parts or ".venv" in tf.parts:
            continue
        for n, line in enumerate(tf.read_text().splitlines(), 1):
            if "checkov:skip=" in line:
                rule, _, reason = line.split("checkov:skip=", 1)[1].partition(":")
                assert len(reason.strip()) > 20, f"{tf}:{n}: skip of {rule} without a reason"


def test_asl_validator_is_installed():
    run = subprocess.run([str(h.ASL_VALIDATOR), "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip()
