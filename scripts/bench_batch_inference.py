#!/usr/bin/env python3
"""Benchmark (not a test): what hundreds of batch inference models cost at plan time.

Plans the root module with the batch inference workflow for 1 model and for N models (default 500), side by side in
one run, the two ways a team gives a model its code: already in S3 (`code_uri`, e.g. synced by its CI: the path of a
team with hundreds of models) and uploaded by Terraform (`scripts_path`, the example's three scripts). For each it
reports the `terraform plan` wall time of 1 and of N models, their ratio, and the Terraform resources every model adds
(and of which types). Offline: the provider mirror of .cache/terraformrc, no AWS call.

    .venv/bin/python scripts/bench_batch_inference.py            # 1 vs 500 models, code in S3 and uploaded
    .venv/bin/python scripts/bench_batch_inference.py --models 300 --json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TERRAFORM = ROOT / ".venv" / "bin" / "terraform"
SCRIPTS = ROOT / "examples" / "legacy_batch_inference" / "model"
ENV = {
    **os.environ,
    "TF_CLI_CONFIG_FILE": str(ROOT / ".cache" / "terraformrc"),
    "TF_IN_AUTOMATION": "1",
    "CHECKPOINT_DISABLE": "1",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}
MAIN_TF = """
variable "batch_inference_models" {
  type = any
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true
  skip_region_validation      = true
}

module "this" {
  source = "%s"

  name_prefix                = "bench"
  account_id                 = "123456789012"
  batch_inference_models     = var.batch_inference_models
}
"""


def terraform(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(TERRAFORM), *args], cwd=workdir, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"terraform {' '.join(args)} failed:\n{done.stderr}")
    return done


def models(n: int, code: str) -> dict[str, dict[str, str]]:
    """n models whose code is in S3 (code="code_uri") or uploaded from the example's scripts (code="scripts_path")."""
    if code == "code_uri":
        return {
            f"model-{i:04d}": {"code_uri": f"s3://bench-code/models/model-{i:04d}/", "image_tag": "v1"}
            for i in range(n)
        }
    return {f"model-{i:04d}": {"scripts_path": str(SCRIPTS), "image_tag": "v1"} for i in range(n)}


def plan(workdir: Path, n: int, code: str) -> tuple[float, Counter]:
    """Seconds `terraform plan` took for n models, and the resources it would create, by type."""
    var_file = workdir / f"models-{code}-{n}.tfvars.json"
    var_file.write_text(json.dumps({"batch_inference_models": models(n, code)}))
    out = f"plan-{code}-{n}.tfplan"
    start = time.perf_counter()
    terraform(
        workdir, "plan", "-refresh=false", "-input=false", "-lock=false", f"-var-file={var_file.name}", f"-out={out}"
    )
    seconds = time.perf_counter() - start
    shown = json.loads(terraform(workdir, "show", "-json", out).stdout)
    types = Counter(rc["type"] for rc in shown.get("resource_changes", []) if rc["mode"] == "managed")
    return seconds, types


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=500, help="number of models of the large plan (default 500)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.models < 2:
        parser.error("--models must be at least 2")

    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-batch-inference-") as tmp:
        workdir = Path(tmp)
        (workdir / "main.tf").write_text(MAIN_TF % ROOT.as_posix())
        terraform(workdir, "init", "-input=false", "-backend=false")
        plan(workdir, 1, "code_uri")  # warm-up: provider start-up and file caches, not timed
        for code in ("code_uri", "scripts_path"):
            print(f"planning 1 and {args.models} models ({code}) ...", file=sys.stderr, flush=True)
            one_seconds, one = plan(workdir, 1, code)
            many_seconds, many = plan(workdir, args.models, code)
            extra = {t: many[t] - one[t] for t in sorted(set(many) | set(one)) if many[t] != one[t]}
            figures[code] = {
                "models": [1, args.models],
                "plan_seconds": [round(one_seconds, 2), round(many_seconds, 2)],
                "plan_time_ratio": round(many_seconds / one_seconds, 2),
                "resources": [sum(one.values()), sum(many.values())],
                "resources_per_extra_model": round((sum(many.values()) - sum(one.values())) / (args.models - 1), 2),
                "extra_resources_by_type": extra,
            }
    figures["scripts_per_model"] = sum(1 for p in SCRIPTS.iterdir() if p.is_file())
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{'code':<13} {'models':>7} {'resources':>10} {'plan s':>8}   ratio   resources per extra model")
    for code in ("code_uri", "scripts_path"):
        f = figures[code]
        for i, n in enumerate(f["models"]):
            print(f"{code:<13} {n:>7} {f['resources'][i]:>10} {f['plan_seconds'][i]:>8.2f}", end="")
            print(
                f"   {f['plan_time_ratio']:5.2f}   {f['resources_per_extra_model']:.2f} {f['extra_resources_by_type']}"
                if i
                else ""
            )
    print(f"(scripts_path: the example's {figures['scripts_per_model']} scripts per model, one object each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
