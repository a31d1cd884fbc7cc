"""A day in the life of the hourly retraining workflow: 24 consecutive hourly executions on the strict emulator.

Time is compressed (an hour is one execution, a few seconds), the emulator is the strict one (IAM evaluated, metrics
only from the image's log lines, AWS's error names, a lagging ListExecutions), and the day holds what a year of hourly
runs will meet: better, worse and equal candidates, a missing metric, failed training jobs, throttling, an endpoint
update that fails and rolls back, an endpoint left in UpdateRollbackFailed, a start while a run is still going, two
starts in the same instant (EventBridge delivers at least once), an execution that times out, and hours with no new
data. After every hour ``Day`` checks what must always hold:

- the endpoint serves the best model that ever passed the gate and was deployed (and is InService);
- no rejected candidate was deployed, and nothing (no model, no endpoint config) was created for it;
- every failure produced exactly one notification (deployments and rejections one each, skipped and unchanged
  hours none), counted again over the whole day at the end;
- no execution is left running.

``Day.run()`` returns the rows of the table it prints; a broken rule raises ``DayError`` naming the hour. Used by
tests/test_e2e_retraining.py (in the README's test command) and by ``python -m scripts.demo --day``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from scripts import local_containers, moto_timing
from scripts import moto_extensions as mx
from scripts.mailbox import Mailbox

VALIDATION_ROWS = 60
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
# What a run's outcome notifies: a failure exactly once, a decision once, an hour with nothing to do never.
NOTIFICATIONS = {"deployed": 1, "rejected": 1, "failed": 1, "timed out": 1, "skipped": 0, "unchanged": 0}


class DayError(AssertionError):
    """A rule of the day was broken (the message names the hour and the rule)."""


@dataclass
class Hour:
    """One scheduled hour: what happens in it, and the outcome the workflow must reach."""

    title: str
    expect: str  # the outcome: deployed, rejected, failed, timed out, skipped, unchanged
    wrong: int | None = None  # mislabelled validation rows of the hour's new data (None: no new data arrives)
    fault: str = ""  # a key of Day.FAULTS


def accuracy(wrong: int) -> float:
    """The validation accuracy the stand-in measures, as the metric definition reads it from its log (5 decimals)."""
    return round(1 - wrong / VALIDATION_ROWS, 5)


# The day: threshold 0.9 (maximize, must beat the champion). The champion only ever rises: 0.91667, 0.93333, 0.95,
# 0.96667, 0.98333, 1.0.
DAY: list[Hour] = [
    Hour("first candidate, no endpoint yet", "deployed", wrong=5),
    Hour("worse candidate (below the threshold)", "rejected", wrong=7),
    Hour("candidate equal to the champion", "rejected", wrong=5),
    Hour("better candidate", "deployed", wrong=4),
    Hour("the image logs no line for the gated metric", "failed", wrong=3, fault="missing_metric"),
    Hour("training job fails (AlgorithmError)", "failed", wrong=3, fault="failed_training"),
    Hour("CreateTrainingJob throttled once, retried", "deployed", wrong=3, fault="throttled_training"),
    Hour("candidate at the threshold (not above it)", "rejected", wrong=6),
    Hour("no new data since the last gated run", "unchanged"),
    Hour("endpoint update fails and rolls back", "failed", wrong=2, fault="update_rolls_back"),
    Hour("endpoint left in UpdateRollbackFailed", "deployed", wrong=2, fault="update_rollback_failed"),
    Hour("better candidate, still training at the next hour", "deployed", wrong=1, fault="next_hour_overlaps"),
    Hour("started while the previous run is still going", "skipped", fault="overlapped"),
    Hour("two starts in the same instant (duplicate delivery)", "rejected", wrong=7, fault="duplicate_start"),
    Hour("execution times out while training", "timed out", wrong=5, fault="times_out"),
    Hour("after the timeout: the lock is taken over", "rejected", wrong=5),
    Hour("worse candidate", "rejected", wrong=8),
    Hour("no new data", "unchanged"),
    Hour("best possible candidate", "deployed", wrong=0),
    Hour("candidate equal to a perfect champion", "rejected", wrong=0),
    Hour("DescribeEndpoint throttled once, retried", "rejected", wrong=3, fault="throttled_lookup"),
    Hour("training job fails (no capacity)", "failed", wrong=2, fault="no_capacity"),
    Hour("worse candidate", "rejected", wrong=4),
    Hour("no new data", "unchanged"),
]


@dataclass
class Row:
    hour: int
    title: str
    outcome: str
    executions: list[str]
    metric: float | None
    serving: float | None
    notifications: int
    trainings: int
    checks: list[str] = field(default_factory=list)


def _outcome(described: dict[str, Any]) -> str:
    status = described["status"]
    if status == "SUCCEEDED":
        return json.loads(described["output"]).get("status", "?")
    return {"FAILED": "failed", "TIMED_OUT": "timed out", "ABORTED": "aborted"}.get(status, status.lower())


class Day:
    """Runs ``hours`` against the applied examples/hourly_retraining (its Terraform outputs) on the emulator."""

    def __init__(
        self,
        emu: Any,
        outputs: dict[str, Any],
        *,
        lock_table: str,
        say: Callable[[str], None] = print,
        hours: list[Hour] | None = None,
        queue_name: str = "day-in-the-life",
    ) -> None:
        self.hours = list(DAY if hours is None else hours)
        self.outputs, self.say, self.lock_table = outputs, say, lock_table
        self.sfn = emu.client("stepfunctions")
        self.sagemaker = emu.client("sagemaker")
        self.s3 = emu.client("s3")
        self.dynamodb = emu.client("dynamodb")
        self.mailbox = Mailbox(emu.client("sqs"), emu.client("sns"), [outputs["notifications_topic_arn"]], queue_name)
        self.bucket = outputs["artifact_bucket_name"]
        self.data_prefix = outputs["retraining_data_uri"].split(f"s3://{self.bucket}/", 1)[1] + "data/"
        self.endpoint = outputs["endpoint_name"]
        self.image_pattern = f"{outputs['ecr_repository_url']}:*"
        self.deployed: list[float] = []  # the metric of every candidate deployed, in order
        self.rows: list[Row] = []
        self.uploads = 0
        self._overlapping: str | None = None  # the run still training when the next hour starts
        self._overlapping_hour = Hour("", "")
        self._unregister_slow: Callable[[], Any] = lambda: None
        self._release: threading.Event | None = None

    # -- data and AWS reads --------------------------------------------------------------------------------------
    def upload(self, wrong: int) -> None:
        """New objects for this hour (named by the hour, as an hourly feed writes them); the old ones go."""
        self.uploads += 1
        for old in self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.data_prefix).get("Contents", []):
            self.s3.delete_object(Bucket=self.bucket, Key=old["Key"])
        key = f"{self.data_prefix}train/train-{self.uploads:04d}.csv"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=local_containers.iris_like_csv(150, 1))
        key = f"{self.data_prefix}validation/validation-{self.uploads:04d}.csv"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=local_containers.iris_like_csv(VALIDATION_ROWS, 2, wrong))

    def start(self) -> str:
        # Exactly the input the hourly EventBridge rule sends.
        return self.sfn.start_execution(
            stateMachineArn=self.outputs["state_machine_arn"], input=self.outputs["schedule_input"]
        )["executionArn"]

    def wait(self, arn: str, timeout: float = 180) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            described = self.sfn.describe_execution(executionArn=arn)
            if described["status"] in TERMINAL:
                return described
            if time.monotonic() > deadline:
                raise DayError(f"{arn} still {described['status']} after {timeout} s")
            time.sleep(0.2)

    def states(self, arn: str) -> list[str]:
        events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]

    def wait_for_state(self, arn: str, state: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while state not in self.states(arn):
            if time.monotonic() > deadline:
                raise DayError(f"{arn} did not reach {state} in {timeout} s")
            time.sleep(0.1)

    def endpoint_state(self) -> dict[str, Any] | None:
        try:
            return self.sagemaker.describe_endpoint(EndpointName=self.endpoint)
        except self.sagemaker.exceptions.ClientError:
            return None

    def serving_metric(self) -> float | None:
        endpoint = self.endpoint_state()
        if endpoint is None:
            return None
        arn = self.sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])[
            "EndpointConfigArn"
        ]
        tags = {t["Key"]: t["Value"] for t in self.sagemaker.list_tags(ResourceArn=arn)["Tags"]}
        return float(tags["sfn-ml:metric-value"])

    def inventory(self) -> tuple[frozenset[str], frozenset[str]]:
        models = self.sagemaker.list_models(MaxResults=100)["Models"]
        configs = self.sagemaker.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]
        return frozenset(m["ModelName"] for m in models), frozenset(c["EndpointConfigName"] for c in configs)

    def trainings(self) -> int:
        return len(self.sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"])

    def running(self) -> list[str]:
        with moto_timing.lag(0):  # what is running, not what ListExecutions has caught up with
            listed = self.sfn.list_executions(stateMachineArn=self.outputs["state_machine_arn"], statusFilter="RUNNING")
        return [e["executionArn"] for e in listed["executions"]]

    def notifications(self, arn: str, expected: int, timeout: float = 10) -> int:
        """How many notifications name the execution: waits up to ``timeout`` for ``expected`` of them."""
        name = arn.rsplit(":", 1)[1]
        deadline = time.monotonic() + timeout
        while True:
            self.mailbox.fetch()
            found = [m for m in self.mailbox.messages if name in m.text]
            if len(found) >= expected or time.monotonic() > deadline:
                return len(found)
            time.sleep(0.2)

    # -- the faults ----------------------------------------------------------------------------------------------
    @contextmanager
    def fault(self, kind: str) -> Iterator[None]:
        undo: list[Callable[[], Any]] = []
        try:
            if kind == "missing_metric":

                def no_gated_metric_line(run: local_containers.TrainingRun) -> dict[str, float]:
                    def log(line: str) -> None:
                        run.log(re.sub(r"#011validation-accuracy:[0-9.]+", "", str(line)))

                    return local_containers.sklearn_training(dataclasses.replace(run, log=log))

                undo.append(mx.register_container("training", self.image_pattern, no_gated_metric_line))
            elif kind == "failed_training":
                reason = "AlgorithmError: ExecuteUserScriptError: the training script exited with code 1"
                undo.append(mx.fail_job("training", "*", reason))
            elif kind == "no_capacity":
                reason = (
                    "CapacityError: Unable to provision requested ML compute capacity. "
                    "Please retry using a different ML instance type."
                )
                undo.append(mx.fail_job("training", "*", reason))
            elif kind == "throttled_training":
                undo.append(mx.inject_fault("sagemaker", "CreateTrainingJob", code="ThrottlingException").remove)
            elif kind == "throttled_lookup":
                undo.append(mx.inject_fault("sagemaker", "DescribeEndpoint", code="ThrottlingException").remove)
            elif kind == "update_rollback_failed":
                mx.set_endpoint_status(self.endpoint, "UpdateRollbackFailed", failure_reason="rollback failed")
            yield
        finally:
            for step in reversed(undo):
                step()

    # -- one hour ------------------------------------------------------------------------------------------------
    def run_hour(self, number: int, hour: Hour) -> Row:
        before, serving_before = self.inventory(), self.serving_metric()
        endpoint_before = self.endpoint_state()
        trainings_before = self.trainings()
        if hour.wrong is not None:
            self.upload(hour.wrong)
        arns: list[str] = []
        with self.fault(hour.fault):
            if hour.fault == "overlapped":
                arns = [self.start()]
                self.wait(arns[0], timeout=60)  # skipped at once: the previous hour still holds the lock
                if self.inventory() != before:
                    raise DayError(f"hour {number} ({hour.title}): the skipped run created a model or endpoint config")
                self._finish_overlapping()
                # The rest of the hour's rules hold against what the previous hour's run left when it ended.
                before, serving_before, endpoint_before = self.inventory(), self.serving_metric(), self.endpoint_state()
                trainings_before = self.trainings()
            elif hour.fault == "duplicate_start":
                arns = moto_timing.start_together(
                    self.sfn, self.outputs["state_machine_arn"], [self.outputs["schedule_input"]] * 2
                )
            elif hour.fault in ("next_hour_overlaps", "times_out"):
                self._release = threading.Event()
                release = self._release

                def slow(run: local_containers.TrainingRun) -> dict[str, float]:
                    release.wait(timeout=120)
                    return local_containers.sklearn_training(run)

                unregister = mx.register_container("training", self.image_pattern, slow)
                arns = [self.start()]
                self.wait_for_state(arns[0], "Train")
                if hour.fault == "times_out":
                    moto_timing.time_out_execution(arns[0])
                    self.wait(arns[0], timeout=30)
                    release.set()
                    unregister()
                else:
                    self._overlapping, self._overlapping_hour, self._unregister_slow = arns[0], hour, unregister
            elif hour.fault == "update_rolls_back":
                arns = [self.start()]
                self.wait_for_state(arns[0], "GetMetrics")
                self._lose_model_data(arns[0])
            else:
                arns = [self.start()]
            if hour.fault != "next_hour_overlaps":
                for arn in arns:
                    self.wait(arn)
        if hour.fault == "next_hour_overlaps":
            # The run goes on into the next hour; its row is written when it ends.
            return Row(number, hour.title, "(still training)", arns, None, serving_before, 0, 1)
        return self._check(number, hour, arns, before, serving_before, endpoint_before, trainings_before)

    def _finish_overlapping(self) -> None:
        arn = self._overlapping
        assert arn is not None and self._release is not None
        self._release.set()
        self._unregister_slow()
        self.wait(arn)
        row = self.rows[-1]
        described = self.sfn.describe_execution(executionArn=arn)
        row.outcome = _outcome(described)
        row.metric = self._decision_metric(described)
        if row.outcome == "deployed":
            self.deployed.append(row.metric)
        row.serving = self.serving_metric()
        owed = NOTIFICATIONS.get(row.outcome, 0)
        row.notifications = self.notifications(arn, owed)
        expected = self._overlapping_hour.expect
        if row.outcome != expected:
            raise DayError(f"hour {row.hour} ({row.title}): ended {row.outcome!r}, expected {expected!r}")
        if row.notifications != owed:
            raise DayError(f"hour {row.hour} ({row.title}): notified {row.notifications} time(s), not {owed}")
        if row.outcome == "deployed" and row.serving != max(self.deployed):
            raise DayError(f"hour {row.hour} ({row.title}): serves {row.serving}, not the best {max(self.deployed)}")
        self._overlapping = None

    def _lose_model_data(self, arn: str) -> None:
        """Training is done: delete the new model's artifact before the endpoint update loads it (SageMaker then rolls
        the endpoint back to its old config, as it does when a new config cannot be served)."""
        events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        trained = [
            json.loads(e["stateExitedEventDetails"]["output"])["training"]
            for e in events
            if e["type"] == "TaskStateExited" and e["stateExitedEventDetails"]["name"] == "Train"
        ]
        bucket, key = trained[-1]["S3ModelArtifacts"][len("s3://") :].split("/", 1)
        self.s3.delete_object(Bucket=bucket, Key=key)

    def _decision_metric(self, described: dict[str, Any]) -> float | None:
        output = json.loads(described.get("output") or "null") or {}
        value = (output.get("decision") or {}).get("metric_value")
        return float(value) if value is not None else None

    # -- the rules -----------------------------------------------------------------------------------------------
    def _check(
        self,
        number: int,
        hour: Hour,
        arns: list[str],
        before: tuple[frozenset[str], frozenset[str]],
        serving_before: float | None,
        endpoint_before: dict[str, Any] | None,
        trainings_before: int,
    ) -> Row:
        def rule(ok: bool, text: str) -> None:
            if not ok:
                raise DayError(f"hour {number} ({hour.title}): {text}")
            checks.append(text)

        checks: list[str] = []
        described = [self.sfn.describe_execution(executionArn=arn) for arn in arns]
        outcomes = [_outcome(d) for d in described]
        if hour.fault == "duplicate_start":
            rule(
                sorted(outcomes) == sorted([hour.expect, "skipped"]),
                f"of two same-instant starts one ran ({hour.expect}) and one was skipped, not {outcomes}",
            )
        else:
            rule(outcomes == [hour.expect], f"the run ended {hour.expect!r} (it ended {outcomes})")
        main = next(i for i, o in enumerate(outcomes) if o != "skipped" or len(outcomes) == 1)
        outcome, metric = outcomes[main], self._decision_metric(described[main])
        if outcome == "deployed":
            self.deployed.append(metric)

        serving = self.serving_metric()
        endpoint = self.endpoint_state()
        if self.deployed:
            rule(
                serving == max(self.deployed) and endpoint is not None and endpoint["EndpointStatus"] == "InService",
                f"the endpoint serves the best model deployed so far ({max(self.deployed)}), InService "
                f"(it serves {serving}, {endpoint and endpoint['EndpointStatus']})",
            )
        nothing_made = outcome in ("rejected", "unchanged", "skipped", "timed out")
        if nothing_made or (outcome == "failed" and hour.fault != "update_rolls_back"):
            rule(self.inventory() == before, "no model and no endpoint config were created")
            rule(
                endpoint_before is None
                or (endpoint is not None and endpoint["EndpointConfigName"] == endpoint_before["EndpointConfigName"]),
                "the endpoint still serves the config it served before the hour",
            )
        if outcome == "unchanged":
            rule(self.trainings() == trainings_before, "no training job was started")
        counts = [self.notifications(arn, NOTIFICATIONS.get(o, 0)) for arn, o in zip(arns, outcomes, strict=True)]
        for arn, o, count in zip(arns, outcomes, counts, strict=True):
            rule(
                count == NOTIFICATIONS.get(o, 0),
                f"execution {arn.rsplit(':', 1)[1]} ({o}) is owed {NOTIFICATIONS.get(o, 0)} notices, got {count}",
            )
        if self._overlapping is None:
            rule(self.running() == [], f"no execution is left running ({self.running()})")
        return Row(
            number,
            hour.title,
            outcome if len(outcomes) == 1 else " + ".join(sorted(outcomes)),
            arns,
            metric,
            serving,
            sum(counts),
            self.trainings() - trainings_before,
            checks,
        )

    def run(self) -> list[Row]:
        started = time.monotonic()
        for number, hour in enumerate(self.hours, start=1):
            row = self.run_hour(number, hour)
            self.rows.append(row)
            self.say(f"  hour {number:2d}: {hour.title:<52} {row.outcome}")
        self._final_count()
        self.say(table(self.rows))
        self.say(f"  {len(self.rows)} hours in {time.monotonic() - started:.0f} s; every rule held after every hour.")
        return self.rows

    def _final_count(self) -> None:
        """Over the whole day, once late messages had time to arrive: exactly the notifications each run owes."""
        time.sleep(2)
        self.mailbox.fetch()
        for row in self.rows:
            for arn in row.executions:
                name = arn.rsplit(":", 1)[1]
                described = self.sfn.describe_execution(executionArn=arn)
                owed = NOTIFICATIONS.get(_outcome(described), 0)
                got = len([m for m in self.mailbox.messages if name in m.text])
                if got != owed:
                    raise DayError(f"hour {row.hour} ({row.title}): {name} notified {got} times in the day, not {owed}")
        if self.running():
            raise DayError(f"executions left running at the end of the day: {self.running()}")


def table(rows: list[Row]) -> str:
    header = ["hour", "what happened", "outcome", "gated metric", "serving", "notified", "trained"]
    body = [
        [
            str(r.hour),
            r.title,
            r.outcome,
            "-" if r.metric is None else f"{r.metric:.5f}",
            "-" if r.serving is None else f"{r.serving:.5f}",
            str(r.notifications),
            str(r.trainings),
        ]
        for r in rows
    ]
    widths = [max(len(x) for x in column) for column in zip(header, *body, strict=True)]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  " + "  ".join("-" * w for w in widths))
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join(lines)
