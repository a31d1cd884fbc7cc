"""Benchmark of the retraining workflow (not a test): figures measured side by side in one run.

1. Cold import of the gate handler over a bare `import boto3`, each in fresh interpreters, alternated.
   (The handler imports boto3 lazily, on its first AWS call; a Lambda cold start pays only what it imports.)
2. Size of the gate's deployment package.
3. States on the deploy path (StartAt -> deployed) of our rendered definition, next to the same workflow built
   with the Step Functions Data Science SDK (PyPI `stepfunctions`), which runs offline.

4. With --unchanged-data: the retraining example applied to the local emulator (as `make demo` does) and run for
   24 hours on unchanged data, then 24 hours on changing data (one seed run first, which trains and deploys):
   the trainings started and the state transitions per run, side by side. Goal: 0 trainings on unchanged data,
   24 on changing data.

Usage: python scripts/bench_retraining.py [--runs N] [--unchanged-data] [--hours N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.asl_graph import shortest_path  # noqa: E402

SRC = REPO / "lambda_src" / "retraining"
PACKAGE = REPO / "lambda_src" / "packages" / "retraining.zip"
TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, path: Path | None) -> float:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if path:
        env["PYTHONPATH"] = str(path)
    out = subprocess.run([sys.executable, "-c", TIMER.format(module=module)], env=env, capture_output=True, text=True)
    out.check_returncode()
    return float(out.stdout)


def bench_imports(runs: int) -> None:
    gate, boto = [], []
    for _ in range(runs):  # alternate, so both see the same machine load
        gate.append(import_seconds("gate", SRC))
        boto.append(import_seconds("boto3", None))
    g, b = statistics.median(gate), statistics.median(boto)
    print(f"cold import, median of {runs} fresh interpreters each:")
    print(f"  import gate   {g * 1000:8.1f} ms")
    print(f"  import boto3  {b * 1000:8.1f} ms")
    print(f"  ratio gate / boto3 = {g / b:.3f}")


def bench_package() -> None:
    with zipfile.ZipFile(PACKAGE) as z:
        raw = sum(i.file_size for i in z.infolist())
        names = z.namelist()
    print(f"package {PACKAGE.relative_to(REPO)}: {PACKAGE.stat().st_size} bytes zipped, {raw} bytes of code")
    print(f"  files: {', '.join(names)} (boto3 comes with the Lambda runtime)")


def our_definition() -> dict:
    from tests import tfharness as h

    with tempfile.TemporaryDirectory() as tmp:
        fixture = h.Fixture(h.FIXTURES / "root", Path(tmp) / "root")
        return h.definitions(fixture.plan())["churn-churn-retraining"]


def sdk_definition() -> dict:
    """The same workflow with the Data Science SDK's steps: what a user of the SDK would write.

    TrainingStep and ModelStep take SageMaker SDK estimator/model objects, which need a SageMaker session (AWS);
    their rendering is a Task on the same resource, so the SDK's generic Task stands in for them here.
    """
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    from stepfunctions.steps import (
        Catch,
        Chain,
        Choice,
        ChoiceRule,
        EndpointConfigStep,
        EndpointStep,
        Fail,
        LambdaStep,
        Retry,
        Succeed,
        Task,
        Wait,
    )
    from stepfunctions.workflow import Workflow

    retry = Retry(
        error_equals=["SageMaker.AmazonSageMakerException"], interval_seconds=5, max_attempts=5, backoff_rate=2
    )
    fail = Fail("Failed", error="RetrainingFailed")
    catch = Catch(error_equals=["States.ALL"], next_step=fail)
    train = Task(
        "Train",
        resource="arn:aws:states:::sagemaker:createTrainingJob.sync",
        parameters={"TrainingJobName.$": "States.Format('churn-{}', States.UUID())"},
        result_path="$.training",
    )
    metrics = LambdaStep("GetMetrics", parameters={"FunctionName": "metrics"}, result_path="$.evaluation")
    gate = LambdaStep("Gate", parameters={"FunctionName": "gate"}, result_path="$.decision")
    model = Task("CreateModel", resource="arn:aws:states:::sagemaker:createModel", parameters={}, result_path="$.model")
    config = EndpointConfigStep(
        "CreateEndpointConfig",
        endpoint_config_name="churn",
        model_name="churn",
        initial_instance_count=1,
        instance_type="ml.m5.large",
    )
    endpoint = EndpointStep("CreateEndpoint", endpoint_name="churn-endpoint", endpoint_config_name="churn", update=True)
    wait = Wait("WaitForEndpoint", seconds=60)
    describe = Task(
        "DescribeEndpoint",
        resource="arn:aws:states:::aws-sdk:sagemaker:describeEndpoint",
        parameters={"EndpointName": "churn-endpoint"},
        result_path="$.endpoint",
    )
    ready = Choice("EndpointReady")
    deployed = Succeed("Deployed")
    ready.add_choice(ChoiceRule.StringEquals("$.endpoint.EndpointStatus", "InService"), deployed)
    ready.add_choice(ChoiceRule.StringEquals("$.endpoint.EndpointStatus", "Failed"), fail)
    ready.default_choice(wait)
    decision = Choice("DeployDecision")
    decision.add_choice(
        ChoiceRule.BooleanEquals("$.decision.deploy", True), Chain([model, config, endpoint, wait, describe, ready])
    )
    decision.default_choice(Succeed("Rejected"))
    for step in (train, metrics, gate, model, config, endpoint, describe):
        step.add_retry(retry)
        step.add_catch(catch)
    workflow = Workflow("churn-sdk", Chain([train, metrics, gate, decision]), role="arn:aws:iam::123456789012:role/x")
    return json.loads(workflow.definition.to_json())


def bench_states() -> None:
    ours = our_definition()
    sdk = sdk_definition()
    ours_path = shortest_path(ours, "Deployed")
    sdk_path = shortest_path(sdk, "Deployed")
    print("states on the deploy path (StartAt -> Deployed), our definition vs the Data Science SDK's:")
    print(f"  ours {len(ours_path):3d}  ({len(ours['States'])} states in all): {' > '.join(ours_path)}")
    print(f"  sdk  {len(sdk_path):3d}  ({len(sdk['States'])} states in all): {' > '.join(sdk_path)}")
    print(f"  ratio ours / sdk = {len(ours_path) / len(sdk_path):.2f}")
    extra = [s for s in ours_path if s not in sdk_path]
    print(f"  ours adds: {', '.join(extra)}")
    print("  (the SDK's EndpointStep needs update=True/False fixed when the workflow is built: it cannot look first,")
    print("   and it has no concurrency guard or check that the endpoint serves the new config)")


def bench_unchanged_data(hours: int) -> None:
    """Trainings started over ``hours`` runs on unchanged data and on changing data, on the emulator."""
    from scripts import demo

    figures: dict[str, dict[str, float]] = {}

    def runner(ctx: demo.Context, outputs: dict, mailbox: demo.Mailbox) -> list[demo.Run]:
        data = outputs["retraining_data_uri"] + "data/"
        machine, start_input = outputs["state_machine_arn"], outputs["schedule_input"]

        def trainings() -> int:
            pages = ctx.sagemaker.get_paginator("list_training_jobs").paginate()
            return sum(len(page["TrainingJobSummaries"]) for page in pages)

        def validation(seed: int, wrong: int) -> None:
            ctx.put(f"{data}validation/validation.csv", demo.local_containers.iris_like_csv(60, seed, wrong))

        ctx.put(f"{data}train/train.csv", demo.local_containers.iris_like_csv(150, 1))
        validation(2, 4)  # 0.933 > 0.9: the seed run deploys, later candidates (0.883) are rejected
        runs = [ctx.execute("retraining", "seed", machine, start_input)]
        for label, change in (("unchanged data", False), ("changing data", True)):
            before, transitions, statuses = trainings(), 0, {}
            for hour in range(hours):
                if change:
                    validation(100 + hour, 7)  # another sample each hour: new content, a new ETag
                run = ctx.execute("retraining", f"{label} {hour}", machine, start_input)
                runs.append(run)
                transitions += run.transitions
                status = (run.output or {}).get("status", run.status)
                statuses[status] = statuses.get(status, 0) + 1
                print(f"  {label}, hour {hour + 1:2d}: {status}", flush=True)
            figures[label] = {"trainings": trainings() - before, "transitions": transitions / hours, **statuses}
        return runs

    original = demo.RUNNERS["retraining"]
    demo.RUNNERS["retraining"] = runner
    try:
        demo.run_demo(["retraining"], say=demo.Console(quiet=True))
    finally:
        demo.RUNNERS["retraining"] = original
    print(f"retraining on the emulator, {hours} hourly runs each after one seed run (skip_unchanged_data on):")
    for label, f in figures.items():
        outcomes = ", ".join(f"{k} {int(v)}" for k, v in f.items() if k not in ("trainings", "transitions"))
        print(
            f"  {label:15s} trainings started {int(f['trainings']):3d} / {hours}  "
            f"state transitions per run {f['transitions']:5.1f}  ({outcomes})"
        )
    unchanged, changing = figures["unchanged data"], figures["changing data"]
    print(
        f"  ratio of trainings unchanged / changing = {unchanged['trainings'] / max(changing['trainings'], 1):.2f}; "
        f"of transitions per run = {unchanged['transitions'] / changing['transitions']:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--unchanged-data", action="store_true", help="also run the skip-unchanged-data benchmark")
    parser.add_argument("--hours", type=int, default=24, help="runs per kind of data for --unchanged-data")
    args = parser.parse_args()
    bench_imports(args.runs)
    bench_package()
    bench_states()
    if args.unchanged_data:
        bench_unchanged_data(args.hours)
    return 0


if __name__ == "__main__":
    sys.exit(main())
