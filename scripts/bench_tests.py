"""Benchmark of the test suite (not a test): each layer's wall time and share, and the Terraform work it does.

Runs `pytest -m <layer>` for each layer of tests/conftest.py (unit, plan, apply, e2e), one after the other, with the
workers `make test` uses, and prints per layer: the tests run and their outcome, the wall time and its share of the
total; then the Terraform plans and applies the tests made (tests/tfharness.py logs each one with TFHARNESS_LOG) and
any that were made more than once with the same inputs (fixture, its files, its variables), which should be none.
Nothing here asserts a time: the figures depend on the machine.

Usage: python scripts/bench_tests.py [--layers unit,plan,apply,e2e] [--workers 2] [-- extra pytest arguments]
Exit status: 1 if a layer had a failing test (its figures are printed all the same).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("unit", "plan", "apply", "e2e")
SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?|xfailed|xpassed)")


def run_layer(layer: str, workers: int, log: Path, extra: list[str]) -> dict:
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", layer, *extra]
    if workers > 1:
        args[3:3] = ["-n", str(workers), "--dist", "loadgroup"]
    env = dict(os.environ, TFHARNESS_LOG=str(log))
    started = time.perf_counter()
    run = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    last = next((line for line in reversed(run.stdout.splitlines()) if " in " in line and SUMMARY.search(line)), "")
    counts = {kind.rstrip("s") if kind.startswith("error") else kind: int(n) for n, kind in SUMMARY.findall(last)}
    return {"layer": layer, "seconds": seconds, "counts": counts, "ok": run.returncode == 0, "output": run.stdout}


def terraform_work(log: Path) -> dict:
    """Plans and applies from the log, and the inputs that were planned or applied more than once."""
    entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    ops = collections.Counter(e["op"] for e in entries)
    same = collections.Counter((e["op"], e["fixture"], e["files"], e["vars"]) for e in entries)
    repeated = {key: n for key, n in same.items() if n > 1}
    tests, previews = collections.defaultdict(set), {}
    for e in entries:
        key = (e["op"], e["fixture"], e["files"], e["vars"])
        if key in repeated:
            tests[key].add(e["test"])
            previews[key] = e["vars_preview"]
    return {"ops": ops, "repeated": repeated, "tests": tests, "previews": previews}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/bench_tests.py", description=__doc__.split("\n")[0])
    parser.add_argument("--layers", default=",".join(LAYERS), help="comma-separated layers, in order (default: all)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers, as make test (default 2)")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    options = parser.parse_args(argv)
    layers = [name.strip() for name in options.layers.split(",") if name.strip()]
    unknown = [name for name in layers if name not in LAYERS]
    if unknown:
        parser.error(f"--layers: {', '.join(unknown)} is not a layer; the layers are {', '.join(LAYERS)}")

    results, work = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for layer in layers:
            print(f"running the {layer} layer ...", file=sys.stderr, flush=True)
            log = Path(tmp) / f"{layer}.jsonl"
            result = run_layer(layer, options.workers, log, options.pytest_args)
            results.append(result)
            work[layer] = terraform_work(log)
            if not result["ok"]:
                sys.stderr.write(result["output"][-6000:])

    total = sum(r["seconds"] for r in results) or 1.0
    print(f"\n{'layer':<7} {'tests':>6} {'outcome':<28} {'seconds':>8} {'share':>6}   terraform")
    for r in results:
        outcome = ", ".join(f"{n} {kind}" for kind, n in r["counts"].items() if kind != "deselected") or "no summary"
        ops = work[r["layer"]]["ops"]
        tf = f"{ops.get('plan', 0) + ops.get('plan_error', 0)} plans, {ops.get('apply', 0)} applies"
        ran = sum(n for kind, n in r["counts"].items() if kind != "deselected")
        print(f"{r['layer']:<7} {ran:>6} {outcome:<28} {r['seconds']:>8.1f} {r['seconds'] / total:>6.1%}   {tf}")
    print(f"{'total':<7} {'':>6} {'':<28} {total:>8.1f} {1:>6.0%}   (workers: {options.workers})")

    repeated = [(layer, key, n, w) for layer, w in work.items() for key, n in w["repeated"].items()]
    print("\nplanned or applied more than once with the same inputs:", "none" if not repeated else "")
    for layer, key, n, w in repeated:
        op, fixture = key[:2]
        print(f"  {layer}: {op} of {fixture} x{n}, variables {w['previews'][key]}")
        print(f"    by {', '.join(sorted(w['tests'][key]))}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
