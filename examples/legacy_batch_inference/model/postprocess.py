#!/usr/bin/env python3
"""Postprocess step of the legacy iris model: turn class indices into the business's labels and a summary.

SageMaker Processing mounts the inference job's predictions under /opt/ml/processing/input and uploads
/opt/ml/processing/output to the model's output location (<output_uri><run>/). Paths can be overridden
(--input-dir/--output-dir or INPUT_DIR/OUTPUT_DIR) to run it on a laptop.

Writes scored.csv (id, species, probability, needs_review) and summary.json (rows, rows per species, rows to review).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from pathlib import Path

SPECIES = ["setosa", "versicolor", "virginica"]  # the order the model was trained with
REVIEW_BELOW = 0.6  # predictions less certain than this go to a person


def label(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    out = []
    for row in rows:
        probability = float(row["probability"])
        out.append(
            {
                "id": row["id"],
                "species": SPECIES[int(row["class_index"])],
                "probability": f"{probability:.4f}",
                "needs_review": probability < REVIEW_BELOW,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-dir", type=Path, default=Path(os.environ.get("INPUT_DIR", "/opt/ml/processing/input")))
    parser.add_argument(
        "--output-dir", type=Path, default=Path(os.environ.get("OUTPUT_DIR", "/opt/ml/processing/output"))
    )
    args = parser.parse_args(argv)

    rows: list[dict[str, str]] = []
    for path in sorted(args.input_dir.rglob("predictions*.csv")):
        with path.open(newline="") as f:
            rows.extend(csv.DictReader(f))
    if not rows:
        print(f"postprocess: no predictions*.csv rows under {args.input_dir}", file=sys.stderr)
        return 1
    scored = label(rows)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    with (args.output_dir / "scored.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["id", "species", "probability", "needs_review"])
        writer.writeheader()
        writer.writerows(scored)
    summary = {
        "rows": len(scored),
        "species": dict(sorted(Counter(str(r["species"]) for r in scored).items())),
        "needs_review": sum(1 for r in scored if r["needs_review"]),
    }
    (args.output_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"postprocess: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
