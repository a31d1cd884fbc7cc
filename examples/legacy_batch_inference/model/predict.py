#!/usr/bin/env python3
"""Inference step of the legacy iris model: score the preprocessed features with the pickled model.

Runs in the model's own image, which holds this script, scikit-learn and the trained model (image/Dockerfile).
SageMaker Processing mounts the preprocess jobs' output under /opt/ml/processing/input (one folder per preprocess
job) and uploads /opt/ml/processing/output. Paths can be overridden (--input-dir/--output-dir/--model or
INPUT_DIR/OUTPUT_DIR/MODEL_PATH) to run it on a laptop.

Writes predictions.csv: id, class_index (the model's class) and probability (of that class).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import joblib
import numpy as np


def read_features(input_dir: Path, features: list[str]) -> tuple[list[str], np.ndarray]:
    ids, rows = [], []
    for path in sorted(input_dir.rglob("features*.csv")):
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                ids.append(row["id"])
                rows.append([float(row[name]) for name in features])
    return ids, np.array(rows, dtype=float).reshape(-1, len(features))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-dir", type=Path, default=Path(os.environ.get("INPUT_DIR", "/opt/ml/processing/input")))
    parser.add_argument(
        "--output-dir", type=Path, default=Path(os.environ.get("OUTPUT_DIR", "/opt/ml/processing/output"))
    )
    parser.add_argument("--model", type=Path, default=Path(os.environ.get("MODEL_PATH", "/opt/ml/model/model.joblib")))
    args = parser.parse_args(argv)

    bundle = joblib.load(args.model)  # the legacy model, trained by image/train.py when the image was built
    ids, x = read_features(args.input_dir, bundle["features"])
    if not ids:
        print(f"predict: no features*.csv rows under {args.input_dir}", file=sys.stderr)
        return 1
    probabilities = bundle["model"].predict_proba(x)
    classes = probabilities.argmax(axis=1)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    with (args.output_dir / "predictions.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "class_index", "probability"])
        for row_id, cls, proba in zip(ids, classes, probabilities):  # noqa: B905 - legacy code, any Python 3
            writer.writerow([row_id, int(cls), f"{proba[cls]:.4f}"])
    print(f"predict: scored {len(ids)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
