"""Static checks that belong to the test command: terraform fmt and validate, checkov, asl-validator's presence, and
the test layers (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.tfworkspace import copy_module, terraform_env
from tests import tfharness as h
from tests.conftest import LAYER_REPORT, LAYERS

pytestmark = pytest.mark.plan


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
        # A workflow submodule reads the repository's shared files by "${path.module}/../../<folder>/...": keep
        # its place in the tree.
        work = copy_module(module, tmp_path / "modules" / module.name)
        for shared in ("definitions", "lambda_src", "buildspec"):
            (tmp_path / shared).symlink_to(h.REPO / shared, target_is_directory=True)
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


def test_every_test_has_exactly_one_layer_and_it_agrees_with_its_fixtures(tmp_path):
    """What `make unit|plan|apply|e2e` select (pytest -m <layer>) covers every test once, and a unit test never
    reaches Terraform or the emulator through the fixtures, nor a plan test the emulator."""
    report = tmp_path / "layers.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")} | {LAYER_REPORT: str(report)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=h.REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    collected = json.loads(report.read_text())
    assert "tests/test_static.py::test_terraform_fmt" in collected
    assert any(n.startswith("tests/unit/") for n in collected)
    assert {n: t["layers"] for n, t in collected.items() if len(t["layers"]) != 1} == {}
    assert {t["layers"][0] for t in collected.values()} == set(LAYERS)
    disagree = {}
    for nodeid, test in collected.items():
        (layer,), fixtures = test["layers"], set(test["fixtures"])
        allowed = set(LAYERS)
        if "workflow" in fixtures:
            allowed &= {"e2e"}
        if "emulator" in fixtures:
            allowed &= {"apply", "e2e"}
        if fixtures & {"tf_fixture", "planned"}:
            allowed -= {"unit"}
        if layer not in allowed:
            disagree[nodeid] = (layer, sorted(allowed))
    assert disagree == {}


def test_xdist_keeps_a_group_on_one_worker(tmp_path):
    """`make test` relies on --dist loadgroup keeping an xdist_group on one worker (one apply per e2e module); some
    pytest and pytest-xdist versions together silently stop doing it (see constraints.txt)."""
    workers = tmp_path / "workers.txt"
    (tmp_path / "test_grouped.py").write_text(
        "import os, pytest\n"
        'pytestmark = pytest.mark.xdist_group("one")\n'
        + "".join(
            f"def test_{i}():\n"
            f"    with open({str(workers)!r}, 'a') as out:\n"
            "        out.write(os.environ['PYTEST_XDIST_WORKER'] + '\\n')\n"
            for i in range(6)
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider", "-rA",
         "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    passed = [line for line in run.stdout.splitlines() if line.startswith("PASSED")]
    assert len(passed) == 6 and all(line.endswith("@one") for line in passed), run.stdout[-3000:]
    ran_on = workers.read_text().split()
    assert len(ran_on) == 6 and len(set(ran_on)) == 1, ran_on
