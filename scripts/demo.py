"""`make demo`: every workflow of the module, run end to end on a local AWS emulator, shown state by state.

What it does (no AWS account, no Docker; a couple of minutes):
  1. starts moto server (the local AWS) with its Step Functions executor and the extensions of
     scripts/moto_extensions.py: SageMaker jobs run local scikit-learn stand-ins on the data in the emulated S3, and
     lambda:invoke runs the real handlers from the deployed packages;
  2. terraform apply of the three examples (examples/hourly_retraining, examples/legacy_batch_inference,
     examples/approved_deployment), side by side, against the emulator;
  3. runs them, printing each state as the execution enters it (from GetExecutionHistory):
     - hourly retraining, three hours: a good candidate (validation accuracy 0.933 > 0.9) creates the endpoint and is
       InService; a worse one (0.883) is rejected: the endpoint is untouched, no model or endpoint config is created;
       then an hour without new data ends "unchanged" without training;
     - legacy batch inference for two models: the nightly run of the shared schedule (iris) and the model with its own
       hourly schedule (iris-hourly), each running the legacy scripts as SageMaker Processing jobs;
     - approved deployment of this repository's commit: train, score the test set, mail the approvers; the demo opens
       the signed Approve link from the mail (a confirmation page: nothing is decided), then presses its button (the
       POST approves), through the deployed responder Lambda, as API Gateway would call it (scripts/http_api.py);
  4. prints a summary table (workflow, path, result, wall time, state transitions) and writes one SVG picture per
     execution, the path it took highlighted (scripts/render_graph.py), with its history and definition, into --out;
  5. terraform destroy of the three workspaces, and the emulator stops: nothing is left behind.

Each outcome is checked (endpoint status, resources created or not, outputs written, notifications); the demo exits
non-zero when one is not what the workflow promises.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_terraform import IsFlagged, IsNotFlagged, Terraform

from scripts import day_in_the_life, emulator, http_api, local_containers, render_graph
from scripts import moto_extensions as mx
from scripts.mailbox import Mailbox
from scripts.tfworkspace import REPO, TERRAFORM, copy_module, terraform_env

DEFAULT_OUT = REPO / "build" / "demo"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
# Poll the endpoint every second on the emulator (the examples keep the module's production defaults).
FAST_ENDPOINT_POLLING = """# Written by scripts/demo.py: poll the endpoint every second on the emulator.
module "ml_workflows" {
  retraining_endpoint_poll_seconds         = 1
  retraining_endpoint_wait_timeout_seconds = 120
}
"""
FAST_APPROVED_DEPLOYMENT_POLLING = """# Written by scripts/demo.py: the approved deployment polls every second.
module "ml_workflows" {
  approved_deployment_endpoint_poll_seconds         = 1
  approved_deployment_endpoint_wait_timeout_seconds = 120
}
"""


@dataclass(frozen=True)
class Example:
    key: str  # also the name of its picture for the README: docs/images/<key>.svg
    title: str
    folder: str
    name_prefix: str
    variables: dict[str, Any] = field(default_factory=dict)
    module_override: str | None = None


EXAMPLES = {
    e.key: e
    for e in (
        Example(
            "retraining", "Hourly retraining", "hourly_retraining", "hourly", module_override=FAST_ENDPOINT_POLLING
        ),
        Example("legacy_batch_inference", "Legacy batch inference", "legacy_batch_inference", "legacy"),
        Example(
            "approved_deployment",
            "Approved deployment",
            "approved_deployment",
            "cicd",
            # No image pipeline (moto has no CodeStar connections): the demo starts the state machine with a commit
            # and its image, as the pipeline's last stage does.
            {"repository": None},
            FAST_APPROVED_DEPLOYMENT_POLLING,
        ),
    )
}
# The offline aws provider 3.39 validates Lambda runtimes against a list that ends at python3.8 (README, Versions).
COMMON_VARIABLES = {"lambda_runtime": "python3.8", "artifact_bucket_force_destroy": True}


class DemoError(Exception):
    """A step of the demo failed, or an outcome is not what the workflow promises."""


# ---------------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------------
class Console:
    """Prints the demo's progress (or nothing, for the benchmark); one lock, so threads never mix their lines."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.lock = threading.Lock()
        self.started = time.monotonic()

    def __call__(self, text: str = "") -> None:
        if not self.quiet:
            with self.lock:
                print(text, flush=True)

    def step(self, text: str) -> None:
        self(f"\n== {text}  [{time.monotonic() - self.started:.0f} s]")


# ---------------------------------------------------------------------------------------------------------------------
# Terraform workspaces (python-terraform drives the CLI)
# ---------------------------------------------------------------------------------------------------------------------
class Workspace:
    """A private copy of one example, pointed at the emulator, applied and destroyed with python-terraform."""

    def __init__(self, example: Example, root: Path, emu: emulator.Emulator) -> None:
        self.example = example
        source = REPO / "examples" / example.folder
        self.dir = copy_module(source, root / example.key)
        for extra in source.iterdir():  # the example's other files (scripts, data) by reference
            if extra.suffix != ".tf" and not extra.name.startswith("."):
                (self.dir / extra.name).symlink_to(extra)
        emu.write_override(self.dir)
        if example.module_override:
            (self.dir / "zz_demo_module_override.tf").write_text(example.module_override)
        self.var_file = self.dir / "demo.tfvars.json"
        variables = {**COMMON_VARIABLES, "name_prefix": example.name_prefix, **example.variables}
        self.var_file.write_text(json.dumps(variables, indent=2))
        self.tf = Terraform(working_dir=str(self.dir), terraform_bin_path=str(TERRAFORM))
        self.resources = 0
        self.applied = False

    def _run(self, cmd: str, *args: str, **options: Any) -> str:
        code, out, err = self.tf.cmd(cmd, *args, capture_output=True, no_color=IsFlagged, **options)
        if code != 0:
            raise DemoError(f"terraform {cmd} of examples/{self.example.folder} failed (exit {code}):\n{err or out}")
        return out or ""

    def apply(self) -> float:
        started = time.monotonic()
        self._run("init", input=False)
        self.applied = True  # from here on, destroy whatever part of it exists
        out = self._run("apply", input=False, auto_approve=IsFlagged, var_file=self.var_file.name)
        match = re.search(r"Resources: (\d+) added", out)
        self.resources = int(match.group(1)) if match else 0
        return time.monotonic() - started

    def outputs(self) -> dict[str, Any]:
        return {k: v["value"] for k, v in json.loads(self._run("output", json=IsFlagged)).items()}

    def destroy(self) -> float:
        started = time.monotonic()
        if self.applied:
            # python-terraform adds -force to destroy unless told not to; Terraform 0.15 removed that flag.
            self._run("destroy", input=False, auto_approve=IsFlagged, force=IsNotFlagged, var_file=self.var_file.name)
        return time.monotonic() - started


# ---------------------------------------------------------------------------------------------------------------------
# Executions, followed state by state
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Run:
    """One execution of a workflow and what the demo checked about it."""

    workflow: str  # Example.key
    path: str  # what the run shows, e.g. "good candidate -> deployed"
    arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    events: list[dict[str, Any]]
    children: list[list[dict[str, Any]]]  # the events of each Distributed Map run's child executions
    definition: dict[str, Any]
    seconds: float  # from the execution's start to its end, as Step Functions records them
    checks: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[1]

    @property
    def states(self) -> list[str]:
        return _entered(self.events)

    @property
    def transitions(self) -> int:
        """States entered, the child executions' included (what Step Functions counts as state transitions)."""
        return len(self.states) + sum(len(_entered(child)) for child in self.children)

    @property
    def result(self) -> str:
        detail = self.output.get("status") if isinstance(self.output, dict) else None
        return f"{self.status} ({detail or self.error})" if (detail or self.error) else self.status


def _entered(events: list[dict[str, Any]]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]


def event_time(value: Any) -> datetime.datetime:
    """An event's timestamp: a datetime (boto3), epoch milliseconds or ISO 8601 text (the children's events)."""
    if isinstance(value, int | float):
        return datetime.datetime.fromtimestamp(value / 1000, datetime.timezone.utc)
    moment = (
        value
        if isinstance(value, datetime.datetime)
        else datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _short(text: Any, limit: int = 110) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class Follower:
    """Prints an execution's states as it enters them, polling GetExecutionHistory every ``poll`` seconds."""

    def __init__(self, sfn: Any, say: Console, poll: float) -> None:
        self.sfn, self.say, self.poll = sfn, say, poll

    def _describe(self, event: dict[str, Any], start: datetime.datetime, indent: str) -> str | None:
        at = f"{indent}{(event_time(event['timestamp']) - start).total_seconds():6.1f}s  "
        kind = event["type"]
        if kind.endswith("StateEntered"):
            return at + event["stateEnteredEventDetails"]["name"]
        pad = " " * len(at)
        if kind == "TaskFailed":
            details = event["taskFailedEventDetails"]
            return f"{pad}  ! {details.get('error')}: {_short(details.get('cause', ''), 90)}"
        if kind == "TaskTimedOut":
            return f"{pad}  ! {event['taskTimedOutEventDetails'].get('error', 'States.Timeout')} (the task timed out)"
        if kind == "MapRunStarted":
            return f"{pad}  map run started: one child execution per model"
        if kind in ("MapRunSucceeded", "MapRunFailed"):
            return f"{pad}  map run {kind[len('MapRun') :].lower()}"
        return None

    def follow(
        self,
        arn: str,
        *,
        while_running: Callable[[list[str]], None] | None = None,
        timeout: float = 300,
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[list[dict[str, Any]]]]:
        """Follow the execution to its end: (DescribeExecution, its history, its map runs' child events)."""
        deadline = time.monotonic() + timeout
        start: datetime.datetime | None = None
        seen = 0
        map_runs: dict[str, int] = {}  # map run ARN -> child events printed
        while True:
            described = self.sfn.describe_execution(executionArn=arn)
            start = start or described["startDate"]
            events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
            new = [(event_time(e["timestamp"]), self._describe(e, start, "    ")) for e in events[seen:]]
            for event in events[seen:]:
                if event["type"] == "MapRunStarted":
                    map_runs[event["mapRunStartedEventDetails"]["mapRunArn"]] = 0
            for run_arn, printed in map_runs.items():  # the children's states, indented under the Map
                child = mx.map_run_events(run_arn)
                new += [(event_time(e["timestamp"]), self._describe(e, start, "      | ")) for e in child[printed:]]
                map_runs[run_arn] = len(child)
            for _, line in sorted(new, key=lambda pair: pair[0]):  # stable: same-time events keep their order
                if line:
                    self.say(line)
            seen = len(events)
            if described["status"] in TERMINAL:
                children = [mx.map_run_events(run_arn) for run_arn in map_runs]
                return described, events, children
            if while_running is not None:
                while_running(_entered(events))
            if time.monotonic() > deadline:
                raise DemoError(f"execution {arn} still {described['status']} after {timeout:.0f} s")
            time.sleep(self.poll)


# ---------------------------------------------------------------------------------------------------------------------
# The three workflows
# ---------------------------------------------------------------------------------------------------------------------
class Context:
    def __init__(self, emu: emulator.Emulator, say: Console, poll: float) -> None:
        self.emu = emu
        self.say = say
        self.sfn = emu.client("stepfunctions")
        self.s3 = emu.client("s3")
        self.sagemaker = emu.client("sagemaker")
        self.follower = Follower(self.sfn, say, poll)

    def definition(self, state_machine_arn: str) -> dict[str, Any]:
        return json.loads(self.sfn.describe_state_machine(stateMachineArn=state_machine_arn)["definition"])

    def execute(
        self,
        workflow: str,
        path: str,
        state_machine_arn: str,
        execution_input: str,
        while_running: Callable[[list[str]], None] | None = None,
    ) -> Run:
        arn = self.sfn.start_execution(stateMachineArn=state_machine_arn, input=execution_input)["executionArn"]
        self.say(f"  execution {arn.rsplit(':', 1)[1]}, input {_short(execution_input, 90)}")
        described, events, children = self.follower.follow(arn, while_running=while_running)
        run = Run(
            workflow=workflow,
            path=path,
            arn=arn,
            status=described["status"],
            output=json.loads(described["output"]) if described.get("output") else None,
            error=described.get("error"),
            cause=described.get("cause"),
            events=events,
            children=children,
            definition=self.definition(state_machine_arn),
            seconds=(described["stopDate"] - described["startDate"]).total_seconds(),
        )
        self.say(f"    => {run.result} in {run.seconds:.1f} s, {run.transitions} state transitions")
        return run

    def check(self, run: Run, ok: bool, text: str) -> None:
        """Record a verified fact about the run; a false one fails the demo."""
        self.say(f"    {'ok' if ok else 'NOT OK'}: {text}")
        if not ok:
            raise DemoError(f"{run.workflow} ({run.path}): expected {text}")
        run.checks.append(text)

    def put(self, uri: str, body: str | bytes) -> None:
        bucket, key = uri[len("s3://") :].split("/", 1)
        self.s3.put_object(Bucket=bucket, Key=key, Body=body)

    def objects(self, uri: str) -> dict[str, bytes]:
        bucket, prefix = uri[len("s3://") :].split("/", 1)
        listed = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        return {o["Key"][len(prefix) :]: self.s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


VALIDATION_ROWS = 60


def run_retraining(ctx: Context, outputs: dict[str, Any], mailbox: Mailbox) -> list[Run]:
    """Three scheduled hours: a good candidate is deployed, a worse one rejected, then no new data: not trained."""
    data = outputs["retraining_data_uri"] + "data/"
    endpoint = outputs["endpoint_name"]

    def inventory() -> tuple[set[str], set[str]]:
        models = {m["ModelName"] for m in ctx.sagemaker.list_models(MaxResults=100)["Models"]}
        configs = ctx.sagemaker.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]
        return models, {c["EndpointConfigName"] for c in configs}

    def hour(wrong: int, path: str) -> Run:
        accuracy = 1 - wrong / VALIDATION_ROWS
        ctx.say(
            f"  this hour's data: train/ 150 rows; validation/ {VALIDATION_ROWS} rows, {wrong} mislabelled "
            f"(the best a model can score: {accuracy:.4f}; the gate wants > 0.9 and better than the serving model)"
        )
        ctx.put(f"{data}train/train.csv", local_containers.iris_like_csv(150, 1))
        ctx.put(f"{data}validation/validation.csv", local_containers.iris_like_csv(VALIDATION_ROWS, 2, wrong))
        # Exactly the input the hourly EventBridge rule sends.
        return ctx.execute("retraining", path, outputs["state_machine_arn"], outputs["schedule_input"])

    ctx.say("\n  Hour 1: a good candidate")
    good = hour(4, "good candidate -> deployed")
    described = ctx.sagemaker.describe_endpoint(EndpointName=endpoint)
    ctx.check(good, good.status == "SUCCEEDED" and good.output["status"] == "deployed", "the candidate was deployed")
    ctx.check(
        good,
        described["EndpointStatus"] == "InService"
        and described["EndpointConfigName"] == good.output["endpoint_config"],
        f"endpoint {endpoint} is InService with the new endpoint config",
    )
    ctx.check(
        good,
        bool(mailbox.about(good.name, subject="new model deployed")),
        "the 'new model deployed' notification was sent",
    )

    ctx.say("\n  Hour 2: a worse candidate")
    before, endpoint_before = inventory(), described
    bad = hour(7, "worse candidate -> rejected")
    after = ctx.sagemaker.describe_endpoint(EndpointName=endpoint)
    ctx.check(bad, bad.status == "SUCCEEDED" and bad.output["status"] == "rejected", "the candidate was rejected")
    ctx.say(f"      gate: {_short(bad.output['decision']['reason'], 140)}")
    ctx.check(
        bad,
        all(after[k] == endpoint_before[k] for k in ("EndpointStatus", "EndpointConfigName", "LastModifiedTime")),
        "the endpoint is untouched (same config, not modified)",
    )
    ctx.check(bad, inventory() == before, "no model and no endpoint config were created")
    ctx.check(
        bad,
        bool(mailbox.about(bad.name, subject="candidate rejected")),
        "the 'candidate rejected' notification was sent",
    )

    ctx.say("\n  Hour 3: no new data (the channels hold the objects hour 2 was gated on)")

    def training_jobs() -> set[str]:
        return {j["TrainingJobName"] for j in ctx.sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]}

    jobs_before = training_jobs()
    same = ctx.execute(
        "retraining", "same data -> not trained", outputs["state_machine_arn"], outputs["schedule_input"]
    )
    jobs_after = training_jobs()
    ctx.check(same, same.status == "SUCCEEDED" and same.output["status"] == "unchanged", "the run ended 'unchanged'")
    ctx.check(same, jobs_after == jobs_before, "no training job was started")
    return [good, bad, same]


@contextlib.contextmanager
def iris_inference_image(prefix: str) -> Iterator[None]:
    """The iris model's inference image on the emulator (Docker would build it from image/Dockerfile).

    The image holds the model that image/train.py trains and runs predict.py: the stand-in trains that model once and
    runs the example's predict.py with it, as tests/test_batch_inference_e2e.py does.
    """
    example = REPO / "examples" / "legacy_batch_inference"
    with tempfile.TemporaryDirectory(prefix="sfn-ml-iris-image-") as tmp:
        model_file = Path(tmp) / "model.joblib"
        subprocess.run(
            [sys.executable, str(example / "image" / "train.py"), "--output", str(model_file)],
            check=True,
            capture_output=True,
        )

        def iris_image(run: local_containers.ProcessingRun) -> None:
            run.environment = {**run.environment, "MODEL_PATH": str(model_file)}
            if not run.entrypoint:  # the image's own ENTRYPOINT: predict.py with its default paths
                run.entrypoint = ["python3", str(example / "model" / "predict.py")]
                run.arguments = ["--input-dir", "/opt/ml/processing/input", "--output-dir", "/opt/ml/processing/output"]
            local_containers.python_script_processing(run)

        unregister = mx.register_container("processing", f"*/{prefix}-batch-inference:iris-*", iris_image)
        try:
            yield
        finally:
            unregister()


def run_batch_inference(ctx: Context, outputs: dict[str, Any], mailbox: Mailbox) -> list[Run]:
    """The nightly run of the shared schedule (iris), then the model with its own schedule (iris-hourly)."""
    events = ctx.emu.client("events")
    runs = []
    with iris_inference_image(EXAMPLES["legacy_batch_inference"].name_prefix):
        rules = outputs["schedule_rule_names"]
        for model, rule, path in (
            ("iris", rules["all_models"], "nightly shared schedule: iris"),
            ("iris-hourly", outputs["models"]["iris-hourly"]["schedule_rule_name"], "own hourly schedule: iris-hourly"),
        ):
            [target] = events.list_targets_by_rule(Rule=rule)["Targets"]
            ctx.say(f"\n  {path}: the input rule {rule} sends")
            run = ctx.execute("legacy_batch_inference", path, outputs["state_machine_arn"], target["Input"])
            ctx.check(run, run.status == "SUCCEEDED", "the run succeeded")
            produced = ctx.objects(f"{outputs['models'][model]['output_uri']}{run.output['run_id']}/")
            summary = json.loads(produced.get("summary.json", b"{}"))
            ctx.check(
                run,
                summary.get("rows") == 150,
                f"{model}'s legacy postprocess.py wrote its report: {summary.get('rows')} rows scored, "
                f"species {summary.get('species')}",
            )
            ctx.check(run, not mailbox.about(run.output["run_id"], timeout=0.5), "no failure notification")
            runs.append(run)
    return runs


def _commit() -> str:
    """This repository's commit (what the pipeline would build), or a fixed one outside a git checkout."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
        if re.fullmatch(r"[0-9a-f]{40}", done.stdout.strip()):
            return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return "3f2a1b9c0d1e4f5a6b7c8d9e0f1a2b3c4d5e6f7a"


def _features_only(csv: str) -> str:
    return "".join(line.split(",", 1)[1] + "\n" for line in csv.splitlines())


def _link(url: str) -> str:
    """A link for display: the signed fields elided."""
    return re.sub(r"=([^&]{10})[^&]+", lambda m: f"={m.group(1)}\u2026", url)


def run_approved_deployment(ctx: Context, outputs: dict[str, Any], mailbox: Mailbox) -> list[Run]:
    """This commit's image trained and scored; a person opens the Approve link and confirms; the endpoint serves it."""
    data = outputs["data_uri"] + "data/"
    ctx.put(f"{data}train/train.csv", local_containers.iris_like_csv(150, 1))
    ctx.put(f"{data}validation/validation.csv", local_containers.iris_like_csv(VALIDATION_ROWS, 2, 3))
    ctx.put(f"{data}test/test.csv", _features_only(local_containers.iris_like_csv(30, 3)))
    browser = http_api.Browser(http_api.HttpApi(ctx.emu.client("apigatewayv2"), ctx.emu.client("lambda")))
    commit = _commit()
    approval: dict[str, Any] = {}

    def approve_when_mailed(states: list[str]) -> None:
        """While the execution runs: once the approval mail is in, do what the approver does."""
        if approval or "RequestApproval" not in states:
            return
        mails = mailbox.about(commit, subject="approve deployment of commit", timeout=0)
        if not mails:
            return
        links = http_api.approval_links(mails[0].text)
        ctx.say(f"      mail to the approvers: {mails[0].subject!r}")
        ctx.say(f"      Approve link: {_link(links['approve'])}")
        page = browser.open(links["approve"])
        ctx.say(f"      GET  (the approver opens the link) -> {page.status} {page.title!r}: nothing is decided yet")
        decision = browser.submit(page, links["approve"], name="demo@example.com", comment="predictions look right")
        ctx.say(f"      POST (the approver presses the button) -> {decision.status} {decision.title!r}")
        approval.update(links=links, page=page, decision=decision)

    ctx.say(f"\n  commit {commit} (this repository's HEAD), image {outputs['ecr_repository_url']}:{commit[:12]}\u2026")
    execution_input = json.dumps({"commit_id": commit, "image_uri": f"{outputs['ecr_repository_url']}:{commit}"})
    run = ctx.execute(
        "approved_deployment",
        "approved through the signed link -> deployed",
        outputs["state_machine_arn"],
        execution_input,
        while_running=approve_when_mailed,
    )
    ctx.check(run, bool(approval), "the approval mail arrived and was answered through the responder")
    ctx.check(
        run,
        approval["page"].status == 200 and "Nothing has been decided yet." in approval["page"].text,
        "opening the link showed the confirmation page and decided nothing",
    )
    ctx.check(run, run.status == "SUCCEEDED" and run.output["status"] == "deployed", "the approved model was deployed")
    endpoint = ctx.sagemaker.describe_endpoint(EndpointName=outputs["endpoint_name"])
    ctx.check(
        run,
        endpoint["EndpointStatus"] == "InService" and endpoint["EndpointConfigName"] == run.output["endpoint_config"],
        f"endpoint {outputs['endpoint_name']} is InService, approved by {run.output['approval']['decided_by']}",
    )
    replay = browser.submit(approval["page"], approval["links"]["approve"], name="mallory@example.com")
    ctx.check(run, replay.status == 409, f"the link works once: a replay gets {replay.status} {replay.title!r}")
    ctx.check(
        run,
        bool(mailbox.about(run.name, subject="new model deployed")),
        "the 'new model deployed' notification was sent",
    )
    return [run]


def run_retraining_day(ctx: Context, outputs: dict[str, Any], mailbox: Mailbox) -> list[Run]:
    """``--day``: 24 hourly runs with the faults a year brings, rules checked after each (day_in_the_life.py)."""
    prefix = EXAMPLES["retraining"].name_prefix
    ctx.say("  24 hours, time compressed; after each: the best deployed model serves, nothing is created or deployed")
    ctx.say("  for a rejected candidate, each failure is notified once, nothing is left running.")
    day = day_in_the_life.Day(
        ctx.emu, outputs, lock_table=f"{prefix}-endpoint-locks", say=ctx.say, queue_name="demo-day"
    )
    try:
        day.run()
    except day_in_the_life.DayError as exc:
        raise DemoError(f"day in the life: {exc}") from exc
    return []


RUNNERS: dict[str, Callable[[Context, dict[str, Any], Mailbox], list[Run]]] = {
    "retraining": run_retraining,
    "legacy_batch_inference": run_batch_inference,
    "approved_deployment": run_approved_deployment,
}


def _topics(outputs: dict[str, Any]) -> list[str]:
    return [outputs[k] for k in ("notifications_topic_arn", "approvals_topic_arn") if outputs.get(k)]


# ---------------------------------------------------------------------------------------------------------------------
# Summary and pictures
# ---------------------------------------------------------------------------------------------------------------------
def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in out)


def summary(runs: list[Run]) -> str:
    rows = [[EXAMPLES[r.workflow].title, r.path, r.result, f"{r.seconds:.1f} s", str(r.transitions)] for r in runs]
    return table(rows, ["workflow", "path", "result", "wall time", "state transitions"])


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when it is under it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd()))
    return str(path)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]


def write_pictures(runs: list[Run], out: Path, pictures: Path | None) -> list[Path]:
    """Per run: <n>-<workflow>-<path>.svg, .history.json, .definition.json in ``out``; <workflow>.svg in pictures.

    Without Graphviz (no node or npm at bootstrap) the histories and definitions are still written, and one line says
    why there is no picture."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    first: dict[str, Run] = {}
    drawing = True
    for n, run in enumerate(runs, 1):
        stem = f"{n}-{run.workflow}-{_slug(run.path)}"
        title = f"{EXAMPLES[run.workflow].title}: {run.path}"
        history = {"events": run.events, **({"childEvents": run.children} if run.children else {})}
        (out / f"{stem}.history.json").write_text(json.dumps(history, indent=1, default=str))
        (out / f"{stem}.definition.json").write_text(json.dumps(run.definition, indent=2))
        first.setdefault(run.workflow, run)
        if drawing:
            try:
                svg = render_graph.render_svg(run.definition, run.events, title, children=run.children)
            except render_graph.GraphvizMissing as exc:
                print(f"  no pictures: {exc}")
                drawing = False
                continue
            (out / f"{stem}.svg").write_text(svg)
            written.append(out / f"{stem}.svg")
    if pictures is not None and drawing:
        pictures.mkdir(parents=True, exist_ok=True)
        for key, run in first.items():
            title = f"{EXAMPLES[key].title}: {run.path} (a run of `make demo`)"
            svg = render_graph.render_svg(run.definition, run.events, title, children=run.children)
            (pictures / f"{key}.svg").write_text(svg)
            written.append(pictures / f"{key}.svg")
    return written


# ---------------------------------------------------------------------------------------------------------------------
# The whole demo
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Timings:
    apply: dict[str, float] = field(default_factory=dict)
    destroy: dict[str, float] = field(default_factory=dict)
    total: float = 0.0


def remove_workflow_resources(emu: emulator.Emulator, prefixes: list[str], say: Console) -> None:
    """Delete what the executions created and Terraform does not manage: endpoints, endpoint configs, models.

    On AWS these outlive `terraform destroy` (and endpoints cost money while they exist): delete them the same way.
    """
    sagemaker = emu.client("sagemaker")
    ours = tuple(f"{p}-" for p in prefixes)
    counts = {}
    for kind, lister, key, name_key, delete in (
        ("endpoints", sagemaker.list_endpoints, "Endpoints", "EndpointName", sagemaker.delete_endpoint),
        (
            "endpoint configs",
            sagemaker.list_endpoint_configs,
            "EndpointConfigs",
            "EndpointConfigName",
            sagemaker.delete_endpoint_config,
        ),
        ("models", sagemaker.list_models, "Models", "ModelName", sagemaker.delete_model),
    ):
        names = [item[name_key] for item in lister(MaxResults=100)[key] if item[name_key].startswith(ours)]
        for name in names:
            delete(**{name_key: name})
        counts[kind] = len(names)
    say(
        "  deleted what the executions created (not managed by Terraform): "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
    )


def leftovers(emu: emulator.Emulator) -> list[str]:
    """Whatever of the demo is still in the emulator (after destroy: nothing)."""
    c = emu.client
    found = {
        "state machines": [m["name"] for m in c("stepfunctions").list_state_machines()["stateMachines"]],
        "buckets": [b["Name"] for b in c("s3").list_buckets()["Buckets"]],
        "functions": [f["FunctionName"] for f in c("lambda").list_functions()["Functions"]],
        "roles": [r["RoleName"] for r in c("iam").list_roles()["Roles"]],
        "topics": [t["TopicArn"].rsplit(":", 1)[1] for t in c("sns").list_topics()["Topics"]],
        "tables": c("dynamodb").list_tables()["TableNames"],
        "repositories": [r["repositoryName"] for r in c("ecr").describe_repositories()["repositories"]],
        "HTTP APIs": [a["Name"] for a in c("apigatewayv2").get_apis()["Items"]],
        "rules": [r["Name"] for r in c("events").list_rules()["Rules"]],
        "endpoints": [e["EndpointName"] for e in c("sagemaker").list_endpoints()["Endpoints"]],
        "models": [m["ModelName"] for m in c("sagemaker").list_models()["Models"]],
    }
    return [f"{kind}: {', '.join(names)}" for kind, names in found.items() if names]


def _quiet_emulator_logs() -> None:
    # moto's executor logs every Fail state it reaches as an ERROR with its internals; the demo reports outcomes itself.
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)


def run_demo(
    workflows: list[str],
    *,
    say: Console,
    poll: float = 1.0,
    keep: bool = False,
    on_runs: Callable[[list[Run]], None] | None = None,
    runners: dict[str, Callable[[Context, dict[str, Any], Mailbox], list[Run]]] | None = None,
) -> tuple[list[Run], Timings]:
    """Start the emulator, apply the examples, run ``workflows``, tear everything down: (the runs, timings)."""
    os.environ.update(terraform_env())  # once, before the threads: python-terraform passes os.environ on
    os.environ.pop("TF_LOG", None)
    _quiet_emulator_logs()
    timings = Timings()
    started = time.monotonic()
    runs: list[Run] = []
    say.step("Starting the local AWS emulator (moto server) with the Step Functions executor and its extensions")
    with emulator.running() as emu, tempfile.TemporaryDirectory(prefix="sfn-ml-demo-") as tmp:
        emu.install_extensions(endpoint_transition_seconds=2)
        say(f"  moto server on {emu.endpoint}; extensions: scripts/moto_extensions.py (moto {mx.PINNED_MOTO_VERSION})")
        spaces = {key: Workspace(EXAMPLES[key], Path(tmp), emu) for key in workflows}
        mailboxes: list[Mailbox] = []
        try:
            say.step(f"terraform apply of {len(spaces)} examples, side by side")
            with ThreadPoolExecutor(max_workers=len(spaces)) as pool:
                futures = {key: pool.submit(ws.apply) for key, ws in spaces.items()}
                for key, future in futures.items():
                    timings.apply[key] = future.result()
                    ws = spaces[key]
                    say(
                        f"  examples/{ws.example.folder:<24} name_prefix {ws.example.name_prefix!r}: "
                        f"{ws.resources} resources in {timings.apply[key]:.0f} s"
                    )
            outputs = {key: ws.outputs() for key, ws in spaces.items()}
            ctx = Context(emu, say, poll)
            for key in workflows:
                say.step(f"{EXAMPLES[key].title}: state machine {outputs[key]['state_machine_arn'].rsplit(':', 1)[1]}")
                mailbox = Mailbox(emu.client("sqs"), emu.client("sns"), _topics(outputs[key]), f"demo-{key}")
                mailboxes.append(mailbox)
                runs += {**RUNNERS, **(runners or {})}[key](ctx, outputs[key], mailbox)
            if on_runs is not None:
                on_runs(runs)
            if keep:
                input("\n  --keep: the emulator and the workspaces are up; press Enter to tear down. ")
        finally:
            say.step("Teardown: terraform destroy, side by side")
            for mailbox in mailboxes:
                emu.client("sqs").delete_queue(QueueUrl=mailbox.queue_url)
            with contextlib.suppress(Exception):  # best effort: destroy must run whatever happened before
                remove_workflow_resources(emu, [EXAMPLES[key].name_prefix for key in workflows], say)
            with ThreadPoolExecutor(max_workers=len(spaces)) as pool:
                futures = {key: pool.submit(ws.destroy) for key, ws in spaces.items()}
                errors = []
                for key, future in futures.items():
                    try:
                        timings.destroy[key] = future.result()
                        say(f"  examples/{spaces[key].example.folder:<24} destroyed in {timings.destroy[key]:.0f} s")
                    except DemoError as exc:
                        errors.append(exc)
                        say(f"  {exc}")
            mx.uninstall()
        if errors:
            raise errors[0]
        left = leftovers(emu)
        if left:
            raise DemoError("left in the emulator after destroy: " + "; ".join(left))
        say("  left in the emulator after destroy: nothing")
    timings.total = time.monotonic() - started
    return runs, timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for each execution's picture (SVG), history and definition (default: the repository's build/demo)",
    )
    parser.add_argument(
        "--pictures",
        type=Path,
        metavar="DIR",
        help="also write the README's pictures, <workflow>.svg, into DIR (e.g. docs/images)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(EXAMPLES),
        default=list(EXAMPLES),
        metavar="WORKFLOW",
        help=f"run only these workflows ({', '.join(EXAMPLES)}; default: all)",
    )
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between two looks at a running execution")
    parser.add_argument("--keep", action="store_true", help="wait for Enter before tearing down")
    parser.add_argument(
        "--day",
        action="store_true",
        help="a day in the life: only the retraining example, 24 hourly runs with the faults a year brings (a better, "
        "worse and equal candidate, a missing metric, failed jobs, throttling, a rolled-back update, an endpoint in "
        "UpdateRollbackFailed, overlapping and duplicate starts, a timeout), the rules checked after every hour",
    )
    args = parser.parse_args(argv)
    say = Console()

    pictures: list[Path] = []

    def draw(runs: list[Run]) -> None:  # before teardown, so a failing destroy still leaves the pictures
        pictures.extend(write_pictures(runs, args.out, args.pictures))

    try:
        if args.day:
            runs, timings = run_demo(
                ["retraining"], say=say, poll=args.poll, keep=args.keep, runners={"retraining": run_retraining_day}
            )
        else:
            runs, timings = run_demo(args.only, say=say, poll=args.poll, keep=args.keep, on_runs=draw)
    except DemoError as exc:
        print(f"\ndemo: FAILED: {exc}", file=sys.stderr)
        return 1
    if args.day:
        say(f"\ndemo --day: done in {timings.total:.0f} s; every rule held after every hour; nothing is left.")
        return 0
    say.step("Summary")
    say(summary(runs))
    say(f"\n  pictures (the path each execution took, highlighted), histories and definitions in {shown(args.out)}/:")
    for path in pictures:
        say(f"    {shown(path)}")
    say(
        f"\ndemo: done in {timings.total:.0f} s (apply {max(timings.apply.values()):.0f} s, destroy "
        f"{max(timings.destroy.values()):.0f} s); every check passed; the emulator is stopped and nothing is left."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
