"""examples/legacy_batch_inference: the legacy iris model's scripts run as the three Processing jobs would run them,
on local folders laid out like /opt/ml/processing (input, code, output) and the S3 layout between the jobs."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "legacy_batch_inference"


def run(script: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory) -> Path:
    """The model the inference image bakes in (image/Dockerfile runs image/train.py)."""
    path = tmp_path_factory.mktemp("image") / "model.joblib"
    done = run(EXAMPLE / "image" / "train.py", "--output", str(path))
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, trained_model) -> dict[str, Path]:
    """Run preprocess -> predict -> postprocess as the workflow does, passing each job's output on as S3 would."""
    root = tmp_path_factory.mktemp("run")
    raw = root / "data" / "input"
    raw.mkdir(parents=True)
    shutil.copy(EXAMPLE / "data" / "iris.csv", raw)
    preprocessed = root / "runs" / "preprocessed" / "pre0"  # runs/<run>/<model>/preprocessed/<step id>/
    predictions = root / "runs" / "predictions"
    output = root / "data" / "output"
    model = EXAMPLE / "model"
    steps = [
        (model / "preprocess.py", ["--input-dir", str(raw), "--output-dir", str(preprocessed)], None),
        # the inference job mounts all of preprocessed/ as its input
        (
            model / "predict.py",
            ["--input-dir", str(preprocessed.parent), "--output-dir", str(predictions)],
            {"MODEL_PATH": str(trained_model)},
        ),
        # paths from the environment this time, as a legacy script run by hand might get them
        (model / "postprocess.py", [], {"INPUT_DIR": str(predictions), "OUTPUT_DIR": str(output)}),
    ]
    for script, args, extra_env in steps:
        env = None if extra_env is None else {"PATH": "/usr/bin:/bin", **extra_env}
        done = run(script, *args, env=env)
        assert done.returncode == 0, f"{script.name}: {done.stdout}{done.stderr}"
    return {"preprocessed": preprocessed, "predictions": predictions, "output": output}


def test_preprocess_normalises_headers_and_drops_bad_rows(pipeline):
    report = json.loads((pipeline["preprocessed"] / "preprocess_report.json").read_text())
    assert report == {"rows_read": 152, "rows_kept": 150, "rows_dropped": 2}
    with (pipeline["preprocessed"] / "features.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert rows[0]["id"] == "plant-001"
    assert not [r for r in rows if r["id"].startswith("plant-x")]


def test_predict_scores_every_row(pipeline):
    with (pipeline["predictions"] / "predictions.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 150
    assert {r["class_index"] for r in rows} == {"0", "1", "2"}
    assert all(0.3 <= float(r["probability"]) <= 1 for r in rows)


def test_postprocess_labels_and_summarises(pipeline):
    summary = json.loads((pipeline["output"] / "summary.json").read_text())
    assert summary["rows"] == 150
    assert set(summary["species"]) == {"setosa", "versicolor", "virginica"}
    assert summary["species"]["setosa"] == 50  # the separable class: every setosa plant is recognised
    assert 0 <= summary["needs_review"] < 20
    with (pipeline["output"] / "scored.csv").open() as f:
        first = next(csv.DictReader(f))
    assert first["id"] == "plant-001" and first["species"] == "setosa"


def test_scripts_fail_clearly_on_empty_input(tmp_path, trained_model):
    empty = tmp_path / "empty"
    empty.mkdir()
    for script, extra in (
        ("preprocess.py", []),
        ("predict.py", ["--model", str(trained_model)]),
        ("postprocess.py", []),
    ):
        done = run(EXAMPLE / "model" / script, "--input-dir", str(empty), "--output-dir", str(tmp_path / "o"), *extra)
        assert done.returncode == 1, script
        assert str(empty) in done.stderr


def test_scripts_default_to_the_processing_job_paths():
    for script in ("preprocess.py", "predict.py", "postprocess.py"):
        text = (EXAMPLE / "model" / script).read_text()
        assert '"/opt/ml/processing/input"' in text and '"/opt/ml/processing/output"' in text, script
