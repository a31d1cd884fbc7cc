"""Local stand-ins for SageMaker containers, in the spirit of SageMaker local mode (but without Docker).

scripts/moto_extensions.py runs one of these, in a thread, for every training or transform job created on the local
emulator. A stand-in sees what the real container would see, laid out in a scratch directory instead of /opt/ml:

- training: the hyperparameters (strings, as SageMaker passes them), each input channel's files downloaded from the
  emulated S3 (``channels[name]`` plays /opt/ml/input/data/<name>), and a model directory (/opt/ml/model) that is
  packed into ``model.tar.gz`` at the job's output path when the stand-in returns. It returns the metrics a built-in
  algorithm reports, and logs lines as a container would (a job with MetricDefinitions takes its metrics from those
  lines, by regex, as SageMaker does for custom images);
- transform: the model directory unpacked from the model's ``ModelDataUrl``, the input files, and an output directory
  whose files are uploaded to the transform output path (``<input name>.out``, as batch transform names them);
- processing: a directory standing for the container's ``/``, with each input downloaded at its LocalPath; what the
  container writes under an output's LocalPath is uploaded to the output's S3Uri.

Raise ``ContainerClientError`` for a problem of the job's inputs (no data, bad rows): the job fails with
``FailureReason = "ClientError: ..."``; any other exception fails it with ``"AlgorithmError: ..."``, as SageMaker's
built-in algorithms report failures.

The default stand-ins train and serve a scikit-learn gradient-boosting classifier on CSV data laid out as SageMaker's
built-in algorithms expect it (no header, the label in the first column). Hyperparameter ``algorithm`` chooses the
estimator: ``gradient_boosting`` (default; ``max_depth``, ``eta``, ``num_round`` as XGBoost names them),
``logistic_regression``, or ``baseline`` (the most frequent class: a reliably worse candidate). The default
processing stand-in runs a Python entrypoint (script mode, e.g. ``python3 /opt/ml/processing/code/predict.py``) with
this interpreter, the container paths in its arguments and in the downloaded ``.py`` files mapped to the local root.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_FILE = "model.joblib"
MODEL_META_FILE = "model-meta.json"


class ContainerClientError(Exception):
    """A problem with the job's inputs; the job fails with ``FailureReason = "ClientError: <message>"``."""


@dataclass
class TrainingRun:
    """What a training container sees."""

    job_name: str
    image: str
    hyperparameters: dict[str, str]
    channels: dict[str, Path]
    model_dir: Path
    log: Callable[[str], None] = print


@dataclass
class TransformRun:
    """What a batch transform container sees (one model, its input files, where to put the outputs)."""

    job_name: str
    image: str
    model_dir: Path
    inputs: list[tuple[str, Path]]  # (name relative to the input prefix, local file)
    output_dir: Path
    content_type: str | None = None
    input_filter: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    log: Callable[[str], None] = print


@dataclass
class ProcessingRun:
    """What a processing container sees: its inputs already under ``root`` at their LocalPath, as in the container.

    ``root`` stands for the container's ``/``: ``/opt/ml/processing/input`` is ``root/opt/ml/processing/input``.
    Files the container writes under an output's LocalPath are uploaded to that output's S3Uri afterwards.
    """

    job_name: str
    image: str
    entrypoint: list[str]
    arguments: list[str]
    environment: dict[str, str]
    root: Path
    max_runtime_seconds: int | None = None
    log: Callable[[str], None] = print

    def local(self, container_path: str) -> Path:
        return self.root / container_path.lstrip("/")


TrainingContainer = Callable[[TrainingRun], dict[str, float] | None]
TransformContainer = Callable[[TransformRun], None]
ProcessingContainer = Callable[[ProcessingRun], None]


# ---------------------------------------------------------------------------------------------------------------------
# CSV data as SageMaker's built-in algorithms read it
# ---------------------------------------------------------------------------------------------------------------------
def data_files(directory: Path) -> list[Path]:
    """The regular files under ``directory``, in name order (SageMaker reads every object of an S3Prefix channel)."""
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.is_dir() else []


def read_csv(files: list[Path], *, has_label: bool, where: str) -> tuple[Any, Any]:
    """Rows of numbers from CSV files without a header: (features, labels or None)."""
    import numpy as np

    rows: list[list[float]] = []
    for path in files:
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append([float(cell) for cell in line.split(",")])
            except ValueError:
                raise ContainerClientError(
                    f"{where}: {path.name} line {lineno} is not a row of numbers ({line[:60]!r}); "
                    "CSV input must have no header and numeric cells only"
                ) from None
    if not rows:
        raise ContainerClientError(f"{where}: no data (no CSV rows found)")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ContainerClientError(f"{where}: rows have different numbers of columns: {sorted(widths)}")
    data = np.asarray(rows)
    if has_label:
        if data.shape[1] < 2:
            raise ContainerClientError(f"{where}: need the label and at least one feature per row")
        return data[:, 1:], data[:, 0]
    return data, None


def iris_like_csv(rows: int, seed: int, wrong_labels: int = 0) -> str:
    """Example data for the default stand-ins: ``label,f1,f2,f3,f4`` rows, no header, the label first.

    Three well separated classes (0, 1, 2, in turn): a model learns them perfectly, so the accuracy on a set with
    ``wrong_labels`` mislabelled rows is exactly ``1 - wrong_labels / rows``. That lets a demo or a test choose the
    validation metric of a candidate (e.g. 60 rows, 4 wrong: 0.9333).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0, 0.0, 0.0], [8.0, 8.0, 0.0, 0.0], [0.0, 8.0, 8.0, 8.0]])
    labels = np.arange(rows) % 3
    features = centers[labels] + rng.normal(0.0, 0.5, (rows, 4))
    labels[:wrong_labels] = (labels[:wrong_labels] + 1) % 3
    return "".join(
        f"{label}," + ",".join(f"{v:.4f}" for v in row) + "\n" for label, row in zip(labels, features, strict=True)
    )


# ---------------------------------------------------------------------------------------------------------------------
# The default stand-ins
# ---------------------------------------------------------------------------------------------------------------------
def _int(hp: dict[str, str], name: str, default: int, low: int) -> int:
    try:
        value = int(hp.get(name, default))
    except ValueError:
        raise ContainerClientError(f"hyperparameter {name} must be an integer, got {hp[name]!r}") from None
    if value < low:
        raise ContainerClientError(f"hyperparameter {name} must be at least {low}, got {value}")
    return value


def _float(hp: dict[str, str], name: str, default: float) -> float:
    try:
        value = float(hp.get(name, default))
    except ValueError:
        raise ContainerClientError(f"hyperparameter {name} must be a number, got {hp[name]!r}") from None
    if not 0 < value <= 1:
        raise ContainerClientError(f"hyperparameter {name} must be in (0, 1], got {value}")
    return value


ALGORITHMS = ("gradient_boosting", "logistic_regression", "baseline")


def _estimator(hp: dict[str, str]) -> Any:
    """The scikit-learn estimator the ``algorithm`` hyperparameter names (default ``gradient_boosting``)."""
    algorithm = hp.get("algorithm", "gradient_boosting")
    if algorithm == "gradient_boosting":
        from sklearn.ensemble import GradientBoostingClassifier

        return GradientBoostingClassifier(
            max_depth=_int(hp, "max_depth", 6, 1),
            learning_rate=_float(hp, "eta", 0.3),
            n_estimators=_int(hp, "num_round", 10, 1),
            random_state=0,
        )
    if algorithm == "logistic_regression":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=_int(hp, "num_round", 200, 1))
    if algorithm == "baseline":  # predicts the most frequent class: the weakest sensible candidate
        from sklearn.dummy import DummyClassifier

        return DummyClassifier(strategy="most_frequent")
    raise ContainerClientError(f"hyperparameter algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")


def sklearn_training(run: TrainingRun) -> dict[str, float]:
    """Train a classifier on the ``train`` channel; score it on ``validation`` if given.

    Reports ``train:accuracy``, ``train:error`` and, with a validation channel, ``validation:accuracy`` and
    ``validation:error`` (error = 1 - accuracy, as XGBoost's ``error`` metric).
    """
    import joblib

    if "train" not in run.channels:
        raise ContainerClientError(f"the job has no 'train' channel (channels: {sorted(run.channels)})")
    hp = run.hyperparameters
    x_train, y_train = read_csv(data_files(run.channels["train"]), has_label=True, where="channel train")
    if len(set(y_train.tolist())) < 2:
        raise ContainerClientError("channel train: the labels have a single class; nothing to learn")
    model = _estimator(hp)
    run.log(f"training on {len(y_train)} rows, {x_train.shape[1]} features, hyperparameters {json.dumps(hp)}")
    model.fit(x_train, y_train)

    metrics = {"train:accuracy": float(model.score(x_train, y_train))}
    if "validation" in run.channels:
        x_val, y_val = read_csv(data_files(run.channels["validation"]), has_label=True, where="channel validation")
        if x_val.shape[1] != x_train.shape[1]:
            raise ContainerClientError(
                f"channel validation has {x_val.shape[1]} features, channel train {x_train.shape[1]}"
            )
        metrics["validation:accuracy"] = float(model.score(x_val, y_val))
    for name in [m for m in metrics if m.endswith(":accuracy")]:
        metrics[name.replace(":accuracy", ":error")] = 1.0 - metrics[name]
    # The line XGBoost prints per round (``[9]#011train-error:0.00000#011validation-error:0.10000``), here with every
    # metric measured, so that MetricDefinitions written for it match (e.g. ``validation-accuracy:([0-9.]+)``). A custom
    # image reports metrics ONLY through such definitions (moto_extensions: sagemaker_metrics); the returned dict is
    # what a built-in algorithm image would publish by itself.
    run.log(
        f"[{_int(hp, 'num_round', 10, 1) - 1}]#011"
        + "#011".join(f"{name.replace(':', '-')}:{value:.5f}" for name, value in sorted(metrics.items()))
    )

    run.model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, run.model_dir / MODEL_FILE)
    (run.model_dir / MODEL_META_FILE).write_text(
        json.dumps({"framework": "scikit-learn", "features": int(x_train.shape[1]), "classes": model.classes_.tolist()})
    )
    return metrics


def sklearn_transform(run: TransformRun) -> None:
    """Predict with a model trained by ``sklearn_training``: one prediction per input row, one line each."""
    import joblib

    model_file = run.model_dir / MODEL_FILE
    if not model_file.is_file():
        raise ContainerClientError(
            f"the model data holds no {MODEL_FILE}: it was not trained by the local scikit-learn stand-in; "
            "register a transform stand-in for this image"
        )
    model = joblib.load(model_file)
    if not run.inputs:
        raise ContainerClientError("no input files under the transform input")
    for name, path in run.inputs:
        features, _ = read_csv([path], has_label=False, where=f"input {name}")
        if run.input_filter == "$[1:]":
            features = features[:, 1:]
        elif run.input_filter not in (None, "$"):
            raise ContainerClientError(
                f"the local stand-in supports InputFilter '$' and '$[1:]', not {run.input_filter!r}"
            )
        predictions = model.predict(features)
        out = run.output_dir / f"{name}.out"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(f"{_label(p)}\n" for p in predictions))
        run.log(f"{name}: {len(predictions)} predictions")


def _label(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


CONTAINER_PROCESSING_ROOT = "/opt/ml/processing"


def python_script_processing(run: ProcessingRun) -> None:
    """Script mode: run the entrypoint's Python script with this interpreter, in place of the container.

    Without a container, ``/opt/ml/processing`` cannot exist: the stand-in rewrites that prefix to the local root in
    the entrypoint, the arguments and every downloaded ``.py`` file (paths the script builds from pieces are not
    mapped). The job fails (AlgorithmError) when the script exits non-zero, with the end of its stderr.
    """
    import subprocess

    if not run.entrypoint or Path(run.entrypoint[0]).name not in ("python", "python3"):
        raise ContainerClientError(
            f"the local processing stand-in runs Python entrypoints only (python3 <script> ...), got {run.entrypoint}; "
            "register a processing stand-in for this image"
        )
    local_prefix = str(run.local(CONTAINER_PROCESSING_ROOT))
    processing_dir = run.local(CONTAINER_PROCESSING_ROOT)
    for script in processing_dir.rglob("*.py") if processing_dir.is_dir() else []:
        text = script.read_text()
        if CONTAINER_PROCESSING_ROOT in text:
            script.write_text(text.replace(CONTAINER_PROCESSING_ROOT, local_prefix))
    command = [sys.executable] + [
        part.replace(CONTAINER_PROCESSING_ROOT, local_prefix) for part in run.entrypoint[1:] + run.arguments
    ]
    run.log(f"running {' '.join(run.entrypoint + run.arguments)}")
    done = subprocess.run(
        command,
        cwd=run.root,
        env={**os.environ, **run.environment},
        capture_output=True,
        text=True,
        timeout=run.max_runtime_seconds,
        check=False,
    )
    for line in (done.stdout + done.stderr).splitlines():
        run.log(line)
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"the script exited with code {done.returncode}: {tail}")
