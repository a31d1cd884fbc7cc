#!/usr/bin/env python3
"""Preprocess step of the legacy iris model: turn the raw measurement sheets into clean model features.

The legacy desktop script, unchanged apart from its paths: SageMaker Processing mounts the raw input under
/opt/ml/processing/input and uploads what the script writes to /opt/ml/processing/output. Both paths can be
overridden (--input-dir/--output-dir or INPUT_DIR/OUTPUT_DIR) to run it on a laptop.

Reads every *.csv under the input directory (headers such as "Sepal Length (cm)" are normalised), drops rows with a
missing, non-numeric or non-positive measurement, and writes features.csv (id + the four features in the model's
order) and preprocess_report.json (rows read, kept, dropped).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def normalise_header(name: str) -> str:
    """'Sepal Length (cm)' -> 'sepal_length'."""
    name = re.sub(r"\(.*?\)", "", name).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def clean_rows(rows: list[dict[str, str]]) -> tuple[list[dict[str, object]], int]:
    """Rows with every feature a positive number, as floats; and how many rows were dropped."""
    kept, dropped = [], 0
    for row in rows:
        try:
            values = {f: float(row[f]) for f in FEATURES}
        except (KeyError, TypeError, ValueError):
            dropped += 1
            continue
        if any(v <= 0 for v in values.values()):
            dropped += 1
            continue
        kept.append({"id": row.get("id") or str(len(kept) + dropped), **values})
    return kept, dropped


def read_csvs(input_dir: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(input_dir.rglob("*.csv")):
        with path.open(newline="") as f:
            reader = csv.reader(f)
            header = [normalise_header(h) for h in next(reader, [])]
            # zip() without strict=: the scikit-learn image may run a Python older than 3.10
            rows.extend(dict(zip(header, (v.strip() for v in values))) for values in reader if values)  # noqa: B905
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-dir", type=Path, default=Path(os.environ.get("INPUT_DIR", "/opt/ml/processing/input")))
    parser.add_argument(
        "--output-dir", type=Path, default=Path(os.environ.get("OUTPUT_DIR", "/opt/ml/processing/output"))
    )
    args = parser.parse_args(argv)

    rows = read_csvs(args.input_dir)
    if not rows:
        print(f"preprocess: no CSV rows under {args.input_dir}", file=sys.stderr)
        return 1
    kept, dropped = clean_rows(rows)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    with (args.output_dir / "features.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["id", *FEATURES])
        writer.writeheader()
        writer.writerows(kept)
    report = {"rows_read": len(rows), "rows_kept": len(kept), "rows_dropped": dropped}
    (args.output_dir / "preprocess_report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"preprocess: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
