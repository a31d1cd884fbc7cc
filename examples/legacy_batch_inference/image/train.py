#!/usr/bin/env python3
"""The legacy model's training, run once when the inference image is built (see Dockerfile).

Fits a logistic regression on scikit-learn's bundled iris data (no download) and pickles it with the feature order
predict.py reads: python train.py --output /opt/ml/model/model.joblib
"""

from __future__ import annotations

import argparse
from pathlib import Path

import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def train():
    iris = load_iris()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(iris.data, iris.target)
    return {"model": model, "features": FEATURES, "classes": [str(c) for c in iris.target_names]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("/opt/ml/model/model.joblib"))
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(train(), args.output)
    print(f"train: wrote {args.output}")


if __name__ == "__main__":
    main()
