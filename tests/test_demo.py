"""The README's main command, `make demo` (python -m scripts.demo), run once as a user runs it, in a subprocess.

It starts its own emulator, applies the three examples, runs every workflow, checks each outcome itself (it exits
non-zero otherwise) and tears everything down. The test asserts its exit, its summary table, its teardown and the
pictures it writes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scripts import demo
from tests import tfharness

# One worker runs it, once, under `pytest -n N --dist loadgroup`.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("demo")]

SVG = "{http://www.w3.org/2000/svg}"
EXPECTED_ROWS = [
    ("Hourly retraining", "good candidate -> deployed", "SUCCEEDED (deployed)"),
    ("Hourly retraining", "worse candidate -> rejected", "SUCCEEDED (rejected)"),
    ("Hourly retraining", "same data -> not trained", "SUCCEEDED (unchanged)"),
    ("Legacy batch inference", "nightly shared schedule: iris", "SUCCEEDED (succeeded)"),
    ("Legacy batch inference", "own hourly schedule: iris-hourly", "SUCCEEDED (succeeded)"),
    ("Approved deployment", "approved through the signed link -> deployed", "SUCCEEDED (deployed)"),
]


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    out, pictures = tmp_path_factory.mktemp("demo-out"), tmp_path_factory.mktemp("pictures")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "scripts.demo", "--out", str(out), "--pictures", str(pictures)],
        cwd=tfharness.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done, out, pictures


def summary_rows(stdout: str) -> list[tuple[str, ...]]:
    """The rows of the summary table: columns are separated by two or more spaces."""
    table = stdout.split("== Summary", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    rows = [tuple(re.split(r"\s{2,}", line.strip())) for line in table[2:] if line.strip()]
    return rows


def test_the_demo_succeeds(ran):
    done, _, _ = ran
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "NOT OK" not in done.stdout
    assert "Traceback" not in done.stderr


def test_its_summary_shows_every_path(ran):
    done, _, _ = ran
    rows = summary_rows(done.stdout)
    assert [row[:3] for row in rows] == EXPECTED_ROWS
    for row in rows:
        wall_time, transitions = row[3], int(row[4])
        assert re.fullmatch(r"\d+\.\d s", wall_time)
        assert transitions >= 8
    transitions = {row[1]: int(row[4]) for row in rows}
    # A rejected candidate stops at the gate: far fewer transitions than a deployment.
    assert transitions["worse candidate -> rejected"] < transitions["good candidate -> deployed"]


def test_it_shows_states_as_they_run_and_checks_outcomes(ran):
    done, _, _ = ran
    out = done.stdout
    for state in ("AcquireLock", "Train", "Gate", "NotifyRejected", "RunModels", "RequestApproval", "Deployed"):
        assert re.search(rf"^\s+\d+\.\ds  {state}$", out, re.M), state
    assert re.search(r"^\s+\| +\d+\.\ds  RunInference$", out, re.M)  # the Map's child executions, indented
    assert "GET  (the approver opens the link) -> 200 'Approve this deployment?'" in out
    assert "POST (the approver presses the button) -> 200 'Approved'" in out
    for check in (
        "ok: the endpoint is untouched (same config, not modified)",
        "ok: no model and no endpoint config were created",
        "ok: the link works once: a replay gets 409",
    ):
        assert check in out


def test_it_tears_everything_down(ran):
    done, _, _ = ran
    assert "left in the emulator after destroy: nothing" in done.stdout
    assert done.stdout.count("destroyed in") == 3


def test_it_writes_a_picture_per_execution_and_the_readme_pictures(ran):
    done, out, pictures = ran
    svgs = sorted(out.glob("*.svg"))
    assert len(svgs) == len(EXPECTED_ROWS)
    assert len(list(out.glob("*.history.json"))) == len(EXPECTED_ROWS)
    assert sorted(p.name for p in pictures.iterdir()) == [f"{key}.svg" for key in sorted(demo.EXAMPLES)]
    for svg in [*svgs, *pictures.iterdir()]:
        root = ET.fromstring(svg.read_text())  # noqa: S314 - our own output
        taken = [p for p in root.iter(f"{SVG}path") if "taken" in (p.get("class") or "").split()]
        assert taken, f"{svg.name} highlights no transition"
    batch = ET.fromstring((pictures / "legacy_batch_inference.svg").read_text())  # noqa: S314
    classes = {g.get("data-state"): g.get("class") for g in batch.iter(f"{SVG}g") if g.get("data-state")}
    assert "succeeded" in classes["RunInference"]  # a state of the Map's child executions
    assert str(out) in done.stdout and str(pictures) in done.stdout  # the user is told where they are


def test_help_describes_the_demo():
    done = subprocess.run(
        [sys.executable, "-m", "scripts.demo", "--help"],
        cwd=tfharness.REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    for text in ("--pictures DIR", "--out", "--only", "hourly retraining, three hours", "terraform destroy"):
        assert text in done.stdout


def test_day_option_runs_only_the_retraining_with_the_day_in_the_life(monkeypatch, capsys):
    """`--day`: the retraining example alone, run by scripts/day_in_the_life.py (its 24 hours are exercised on the
    emulator by tests/test_e2e_retraining.py::test_a_day_in_the_life); a broken rule fails the demo."""
    calls = []

    def fake_run_demo(workflows, **kwargs):
        calls.append((workflows, kwargs.get("runners")))
        return [], demo.Timings()

    monkeypatch.setattr(demo, "run_demo", fake_run_demo)
    assert demo.main(["--day"]) == 0
    assert calls == [(["retraining"], {"retraining": demo.run_retraining_day})]
    assert "every rule held after every hour" in capsys.readouterr().out

    def broken(workflows, **kwargs):
        raise demo.DemoError("day in the life: hour 3 (candidate equal to the champion): the run ended 'deployed'")

    monkeypatch.setattr(demo, "run_demo", broken)
    assert demo.main(["--day"]) == 1
    assert "hour 3" in capsys.readouterr().err
