"""The hourly retraining workflow, executed end to end on the local emulator.

examples/hourly_retraining is applied against moto server with the emulator's extensions installed
(scripts/moto_extensions.py): the training jobs run a scikit-learn stand-in on the CSV data in the emulated S3,
the metrics and gate Lambdas run their real code from the deployed package, and the endpoint goes Creating/Updating ->
InService. Each test uploads the data of one hour and asserts the outcome from the execution history, the SageMaker
resources and the SNS notifications (read through an SQS queue subscribed to the topic).

Validation sets have 60 rows of three well separated classes, so the model's validation accuracy is exactly
1 - (mislabelled rows) / 60: 4 wrong -> 0.9333, 5 -> 0.9167, 7 -> 0.8833 (threshold 0.9, maximize, beat the champion).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from scripts import local_containers
from scripts import moto_extensions as mx
from tests import e2e_support as e2e
from tests import tfharness

# One worker runs the whole module (one apply) under `pytest -n N --dist loadgroup`.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_retraining")]

EXAMPLE = tfharness.REPO / "examples" / "hourly_retraining"
NAME_PREFIX = "rte2e"
VALIDATION_ROWS = 60


def logged(value: float) -> float:
    """A metric as SageMaker extracts it from the stand-in's log line (5 decimals, as XGBoost prints them)."""
    return round(value, 5)


# Test-only arguments of the module call: poll the endpoint every second (the example keeps the defaults).
MODULE_OVERRIDE = """# Written by tests/test_e2e_retraining.py: fast polling on the emulator.
module "ml_workflows" {
  retraining_endpoint_poll_seconds         = 1
  retraining_endpoint_wait_timeout_seconds = 60
}
"""


class Mailbox:
    """SNS notifications of the workflow, through an SQS queue subscribed to its topic."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs, self.queue_url, self.messages = sqs, queue_url, []

    def about(self, execution: e2e.Execution, timeout: float = 10) -> list[dict[str, str]]:
        """The notifications that name the execution."""
        name = execution.arn.rsplit(":", 1)[1]
        deadline = time.monotonic() + timeout
        while True:
            for message in self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                self.messages.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            found = [m for m in self.messages if name in m["Message"]]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)


class Workflow:
    def __init__(self, emulator: Any, outputs: dict[str, Any], mailbox: Mailbox) -> None:
        self.outputs = outputs
        self.emulator = emulator
        self.sfn = emulator.client("stepfunctions")
        self.sagemaker = emulator.client("sagemaker")
        self.s3 = emulator.client("s3")
        self.logs = emulator.client("logs")
        self.mailbox = mailbox
        self.bucket = outputs["artifact_bucket_name"]
        self.data_prefix = outputs["retraining_data_uri"].split(f"s3://{self.bucket}/", 1)[1] + "data/"
        self.endpoint = outputs["endpoint_name"]
        self.hours = 0
        self.dynamodb = emulator.client("dynamodb")
        # How the data is uploaded: with kms_key_arn set, the bucket refuses uploads that do not name the key.
        self.encryption: dict[str, str] = {}

    def upload(self, wrong_validation_labels: int, train: bool = True) -> None:
        """This hour's data: a clean train set (or none) and a validation set with some mislabelled rows.

        Each hour's objects are new ones (named by the hour), as in a real hourly feed: the same rows under a new key
        are new data to the workflow, which skips training only on the very objects the last gated run saw."""
        self.hours += 1
        for old in self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.data_prefix).get("Contents", []):
            self.s3.delete_object(Bucket=self.bucket, Key=old["Key"])
        if train:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=f"{self.data_prefix}train/train-{self.hours:04d}.csv",
                Body=e2e.iris_like_csv(150, 1),
                **self.encryption,
            )
        self.s3.put_object(
            Bucket=self.bucket,
            Key=f"{self.data_prefix}validation/validation-{self.hours:04d}.csv",
            Body=e2e.iris_like_csv(VALIDATION_ROWS, 2, wrong_validation_labels),
            **self.encryption,
        )

    def start(self) -> str:
        # Exactly the input the hourly EventBridge rule sends.
        return self.sfn.start_execution(
            stateMachineArn=self.outputs["state_machine_arn"], input=self.outputs["schedule_input"]
        )["executionArn"]

    def run_hour(self, wrong_validation_labels: int, train: bool = True) -> e2e.Execution:
        self.upload(wrong_validation_labels, train)
        return e2e.wait(self.sfn, self.start(), timeout=120)

    def endpoint_state(self) -> dict[str, Any]:
        return self.sagemaker.describe_endpoint(EndpointName=self.endpoint)

    def inventory(self) -> dict[str, set[str]]:
        return {
            "models": {m["ModelName"] for m in self.sagemaker.list_models(MaxResults=100)["Models"]},
            "configs": {
                c["EndpointConfigName"] for c in self.sagemaker.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]
            },
        }

    def dynamodb_lock(self) -> dict[str, Any]:
        """The endpoint's lock item (GetItem, strongly consistent): no "Item" when no run holds the lock."""
        return self.dynamodb.get_item(
            TableName=f"{NAME_PREFIX}-endpoint-locks", Key={"lock_key": {"S": self.endpoint}}, ConsistentRead=True
        )

    def config_tags(self, config_name: str) -> dict[str, str]:
        arn = self.sagemaker.describe_endpoint_config(EndpointConfigName=config_name)["EndpointConfigArn"]
        return {t["Key"]: t["Value"] for t in self.sagemaker.list_tags(ResourceArn=arn)["Tags"]}


def build(name_prefix: str) -> Any:
    """build() of e2e.workflow_fixture for examples/hourly_retraining: the Workflow, reading the notifications through
    an SQS queue subscribed to the topic (tests/test_e2e_rollout.py and tests/test_concurrency_guard.py use it too)."""

    def make(emulator: Any, outputs: dict[str, Any]) -> Workflow:
        topic = outputs["notifications_topic_arn"]
        sqs, queue_url = e2e.subscribed_queue(emulator, topic, f"{name_prefix}-notifications")
        return Workflow(emulator, outputs, Mailbox(sqs, queue_url))

    return make


workflow = e2e.workflow_fixture(
    EXAMPLE, NAME_PREFIX, MODULE_OVERRIDE, build(NAME_PREFIX), endpoint_transition_seconds=2
)


@pytest.fixture(scope="module")
def first_hour(workflow) -> e2e.Execution:
    """The first scheduled run: no endpoint yet, a candidate at 0.9333 > 0.9."""
    return workflow.run_hour(wrong_validation_labels=4)


def test_good_candidate_creates_the_endpoint(workflow, first_hour):
    run = first_hour
    assert run.status == "SUCCEEDED", run.explain()
    out = run.output
    assert out["status"] == "deployed"
    # The gate decided on the number the stand-in measured, and there was no champion to beat.
    assert out["decision"]["deploy"] is True
    assert out["decision"]["metric_value"] == pytest.approx(logged(1 - 4 / VALIDATION_ROWS))
    assert "does not exist, so there is no champion" in out["decision"]["reason"]

    path = run.states_entered()
    assert path[:15] == [
        "AcquireLock",
        "PrepareRun",
        "CheckEndpoint",
        "CheckEndpointNotFound",
        "EndpointChecked",
        "FingerprintData",
        "ReadLastFingerprint",
        "HasLastFingerprint",  # no run has reached the gate yet
        "Train",
        "GetMetrics",
        "Gate",
        "RecordFingerprint",
        "DeployDecision",
        "ConfirmLock",
        "CreateModel",
    ]
    assert path[15:20] == [
        "CreateEndpointConfig",
        "LookUpEndpoint",
        "LookUpEndpointNotFound",
        "CreateEndpoint",
        "StartWaiting",
    ]
    assert path[-5:] == ["EndpointReady", "NotifyDeployed", "ApplyRetention", "ReleaseLockBeforeDeployed", "Deployed"]
    assert out["retention"]["status"] == "applied" and out["retention"]["kept_configs"] == [out["endpoint_config"]]
    assert "CountPoll" in path  # the endpoint was still Creating at the first look
    statuses = [o["EndpointStatus"] for o in run.task_outputs("DescribeEndpoint")]
    assert statuses[0] == "Creating" and statuses[-1] == "InService"
    # The missing endpoint is the error the lookups' Catch expects, as AWS names it, told apart by its Cause.
    failures = run.task_failures()
    assert [f["error"] for f in failures] == ["SageMaker.SageMakerException"] * 2
    assert all("Could not find endpoint" in f["cause"] for f in failures)

    endpoint = workflow.endpoint_state()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == out["endpoint_config"]
    config = workflow.sagemaker.describe_endpoint_config(EndpointConfigName=out["endpoint_config"])
    assert config["ProductionVariants"][0]["ModelName"] == out["model"]
    model = workflow.sagemaker.describe_model(ModelName=out["model"])
    job = workflow.sagemaker.describe_training_job(TrainingJobName=out["training_job"])
    assert model["PrimaryContainer"]["ModelDataUrl"] == job["ModelArtifacts"]["S3ModelArtifacts"]
    bucket, key = model["PrimaryContainer"]["ModelDataUrl"][len("s3://") :].split("/", 1)
    assert workflow.s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    # The metric is recorded on the endpoint config: the next run's champion.
    assert workflow.config_tags(out["endpoint_config"])["sfn-ml:metric-value"] == str(logged(1 - 4 / VALIDATION_ROWS))

    [note] = workflow.mailbox.about(run)
    assert note["Subject"] == f"[{NAME_PREFIX}] retraining churn: new model deployed"
    assert f"Model {out['model']} is serving on endpoint {workflow.endpoint}" in note["Message"]


def test_handlers_ran_their_real_code(workflow, first_hour):
    events = workflow.logs.filter_log_events(logGroupName=f"/aws/lambda/{NAME_PREFIX}-retraining-gate")["events"]
    decisions = [json.loads(e["message"].split("\t")[-1]) for e in events if '"action": "gate"' in e["message"]]
    assert any(d["outcome"] == "deploy" and d["metric_name"] == "validation:accuracy" for d in decisions)
    # The gate published its metric, as its role allows (the emulator evaluates cloudwatch:namespace).
    assert not [e for e in events if "metrics-not-published" in e["message"]]
    metrics = workflow.emulator.client("cloudwatch").list_metrics(Namespace=f"{NAME_PREFIX}/Retraining")["Metrics"]
    assert {"GatedMetricValue", "GateThreshold", "GateDeploy"} <= {m["MetricName"] for m in metrics}


@pytest.mark.parametrize(
    ("wrong", "why"),
    [
        (7, "fails the threshold (maximize: must be > 0.9)"),
        (5, "does not beat the champion"),
    ],
    ids=["below-threshold", "below-champion"],
)
def test_worse_candidate_is_rejected_and_nothing_deployed(workflow, first_hour, wrong, why):
    before, endpoint_before = workflow.inventory(), workflow.endpoint_state()
    run = workflow.run_hour(wrong_validation_labels=wrong)

    assert run.status == "SUCCEEDED", run.explain()
    assert run.output["status"] == "rejected"
    assert run.output["decision"]["deploy"] is False
    assert run.output["decision"]["metric_value"] == pytest.approx(logged(1 - wrong / VALIDATION_ROWS))
    assert why in run.output["decision"]["reason"]
    assert run.states_entered()[-4:] == ["DeployDecision", "NotifyRejected", "ReleaseLockBeforeRejected", "Rejected"]
    assert not {"CreateModel", "CreateEndpointConfig", "UpdateEndpoint"} & set(run.states_entered())

    assert workflow.inventory() == before  # no model, no endpoint config
    endpoint_after = workflow.endpoint_state()
    for field in ("EndpointStatus", "EndpointConfigName", "LastModifiedTime"):
        assert endpoint_after[field] == endpoint_before[field]

    [note] = workflow.mailbox.about(run)
    assert note["Subject"] == f"[{NAME_PREFIX}] retraining churn: candidate rejected"
    assert why in note["Message"]


def test_better_candidate_updates_the_endpoint(workflow, first_hour):
    champion = float(workflow.config_tags(workflow.endpoint_state()["EndpointConfigName"])["sfn-ml:metric-value"])
    assert champion < 1.0
    run = workflow.run_hour(wrong_validation_labels=0)

    assert run.status == "SUCCEEDED", run.explain()
    assert run.output["status"] == "deployed"
    assert run.output["decision"]["metric_value"] == 1.0
    assert f"beats the champion on endpoint {workflow.endpoint} ({champion!r})" in run.output["decision"]["reason"]
    path = run.states_entered()
    assert "UpdateEndpoint" in path and "CreateEndpoint" not in path
    statuses = [o["EndpointStatus"] for o in run.task_outputs("DescribeEndpoint")]
    assert statuses[0] == "Updating" and statuses[-1] == "InService"
    endpoint = workflow.endpoint_state()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == run.output["endpoint_config"]
    assert workflow.config_tags(run.output["endpoint_config"])["sfn-ml:metric-value"] == "1.0"


def test_training_failure_notifies_and_fails(workflow, first_hour):
    before, endpoint_before = workflow.inventory(), workflow.endpoint_state()
    run = workflow.run_hour(wrong_validation_labels=0, train=False)  # this hour's train data never arrived

    assert run.status == "FAILED"
    assert run.error == "RetrainingFailed"
    assert run.states_entered() == [
        "AcquireLock",
        "PrepareRun",
        "CheckEndpoint",
        "EndpointCanTakeUpdate",
        "EndpointChecked",
        "FingerprintData",
        "ReadLastFingerprint",
        "HasLastFingerprint",
        "IsDataUnchanged",  # other objects than the last gated run's: train
        "Train",
        "NotifyFailure",
        "ReleaseLockBeforeFailed",
        "Failed",
    ]
    [failure] = run.task_failures()
    assert failure["error"] == "States.TaskFailed"
    job = json.loads(failure["cause"])
    assert job["TrainingJobStatus"] == "Failed"
    # The hour's prefix is empty: the job fails before its container runs, as SageMaker fails it.
    assert job["FailureReason"].startswith("ClientError: Data download failed:No S3 objects found under S3 URL")

    [note] = workflow.mailbox.about(run)
    assert note["Subject"] == f"[{NAME_PREFIX}] retraining churn: run failed"
    assert "failed with States.TaskFailed" in note["Message"] and "No S3 objects found under S3 URL" in note["Message"]
    assert workflow.inventory() == before
    assert workflow.endpoint_state()["EndpointConfigName"] == endpoint_before["EndpointConfigName"]


def test_concurrent_run_is_skipped(workflow, first_hour):
    release = threading.Event()

    def slow_training(run: local_containers.TrainingRun) -> dict[str, float]:
        release.wait(timeout=60)  # the earlier run is still training when the next hour starts
        return local_containers.sklearn_training(run)

    unregister = mx.register_container("training", f"{workflow.outputs['ecr_repository_url']}:*", slow_training)
    try:
        workflow.upload(wrong_validation_labels=7)
        earlier = workflow.start()
        deadline = time.monotonic() + 30
        while "Train" not in e2e.wait_states(workflow.sfn, earlier) and time.monotonic() < deadline:
            time.sleep(0.2)
        later = e2e.wait(workflow.sfn, workflow.start(), timeout=60)
        assert e2e.wait_states(workflow.sfn, earlier)[-1] == "Train"  # still running when the later one ended
    finally:
        release.set()
        unregister()
    first = e2e.wait(workflow.sfn, earlier)

    assert later.status == "SUCCEEDED"
    assert later.states_entered() == [
        "AcquireLock",
        "ReadLock",
        "IsLockHeld",
        "DescribeLockHolder",
        "IsLockHolderRunning",
        "SkipConcurrentRun",
    ]
    assert later.output["status"] == "skipped"
    assert later.output["execution"] == later.arn.rsplit(":", 1)[1]
    assert workflow.mailbox.about(later, timeout=2) == []  # a skipped hour raises no alarm
    assert first.status == "SUCCEEDED" and first.output["status"] == "rejected"


def test_failed_update_rolls_back_and_is_reported(workflow, first_hour):
    """An update whose model data cannot be loaded: SageMaker rolls the endpoint back, InService on the old config."""
    workflow.sagemaker.delete_endpoint(EndpointName=workflow.endpoint)
    serving = workflow.run_hour(wrong_validation_labels=4)  # deploys afresh: the champion is 0.9333 again
    assert serving.output["status"] == "deployed"

    workflow.upload(wrong_validation_labels=0)
    arn = workflow.start()
    deadline = time.monotonic() + 60
    while "GetMetrics" not in e2e.wait_states(workflow.sfn, arn) and time.monotonic() < deadline:
        time.sleep(0.1)
    # Training is done: lose the new model's data before the endpoint update loads it.
    [trained] = _train_outputs(workflow, arn)
    bucket, key = trained["S3ModelArtifacts"][len("s3://") :].split("/", 1)
    workflow.s3.delete_object(Bucket=bucket, Key=key)
    run = e2e.wait(workflow.sfn, arn)

    assert run.status == "FAILED" and run.error == "RetrainingFailed"
    assert "UpdateEndpoint" in run.states_entered()
    assert run.states_entered()[-5:] == [
        "EndpointReady",
        "EndpointFailed",
        "NotifyFailure",
        "ReleaseLockBeforeFailed",
        "Failed",
    ]
    endpoint = workflow.endpoint_state()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == serving.output["endpoint_config"]  # rolled back
    assert "Failed to download model data" in endpoint["FailureReason"]
    [note] = workflow.mailbox.about(run)
    assert note["Subject"] == f"[{NAME_PREFIX}] retraining churn: run failed"
    assert "failed with EndpointDeploymentFailed" in note["Message"]
    assert f"is InService with endpoint config {serving.output['endpoint_config']} instead of" in note["Message"]


def _set_endpoint_status(workflow, status: str) -> None:
    """Put the endpoint into a status the emulator does not reach by itself (mx.set_endpoint_status: UpdateEndpoint
    and CreateEndpoint then answer as SageMaker does in that status)."""
    mx.set_endpoint_status(workflow.endpoint, status)


@contextlib.contextmanager
def _no_valid_champion(workflow) -> Iterator[None]:
    """Whatever an earlier test left serving (a 1.0 champion cannot be beaten), a candidate that passes the threshold
    deploys meanwhile: the serving config's metric tag is made unreadable, which the gate counts as no valid champion
    (judged on the threshold alone), and restored afterwards."""
    serving = workflow.endpoint_state()["EndpointConfigName"]
    config_arn = workflow.sagemaker.describe_endpoint_config(EndpointConfigName=serving)["EndpointConfigArn"]
    recorded = workflow.config_tags(serving)["sfn-ml:metric-value"]
    workflow.sagemaker.add_tags(ResourceArn=config_arn, Tags=[{"Key": "sfn-ml:metric-value", "Value": "unreadable"}])
    try:
        yield
    finally:
        workflow.sagemaker.add_tags(ResourceArn=config_arn, Tags=[{"Key": "sfn-ml:metric-value", "Value": recorded}])


def _training_jobs(workflow) -> set[str]:
    return {j["TrainingJobName"] for j in workflow.sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]}


@pytest.mark.parametrize("status", ["Failed", "OutOfService", "Deleting"])
def test_endpoint_that_cannot_take_an_update_is_notified_before_any_training(workflow, first_hour, status):
    before, jobs_before = workflow.inventory(), _training_jobs(workflow)
    serving = workflow.endpoint_state()["EndpointConfigName"]
    _set_endpoint_status(workflow, status)
    try:
        run = workflow.run_hour(wrong_validation_labels=0)  # the best candidate there could be
    finally:
        _set_endpoint_status(workflow, "InService")

    assert run.status == "FAILED" and run.error == "RetrainingFailed"
    assert run.states_entered()[-6:] == [
        "CheckEndpoint",
        "EndpointCanTakeUpdate",
        "EndpointCannotTakeUpdate",
        "NotifyFailure",
        "ReleaseLockBeforeFailed",
        "Failed",
    ]
    assert _training_jobs(workflow) == jobs_before  # no training paid for
    assert workflow.inventory() == before
    assert workflow.endpoint_state()["EndpointConfigName"] == serving
    [note] = workflow.mailbox.about(run)
    assert note["Subject"] == f"[{NAME_PREFIX}] retraining churn: run failed"
    assert f"Endpoint {workflow.endpoint} is {status}: it cannot take an update" in note["Message"]
    assert "Nothing was trained or created" in note["Message"]


def test_busy_endpoint_is_waited_for_before_training(workflow, first_hour):
    _set_endpoint_status(workflow, "SystemUpdating")
    workflow.upload(wrong_validation_labels=7)  # rejected: the endpoint is left as it is
    arn = workflow.start()
    try:
        deadline = time.monotonic() + 30
        while e2e.wait_states(workflow.sfn, arn).count("WaitBeforeTraining") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "Train" not in e2e.wait_states(workflow.sfn, arn)  # still waiting for maintenance to end
    finally:
        _set_endpoint_status(workflow, "InService")  # SageMaker's maintenance ends
    run = e2e.wait(workflow.sfn, arn)

    assert run.status == "SUCCEEDED" and run.output["status"] == "rejected"
    path = run.states_entered()
    assert path.count("CountPreflightPoll") >= 2
    assert path.index("WaitBeforeTraining") < path.index("EndpointChecked") < path.index("Train")
    statuses = [o["EndpointStatus"] for o in run.task_outputs("CheckEndpoint")]
    assert statuses[0] == "SystemUpdating" and statuses[-1] == "InService"


def test_update_rollback_failed_endpoint_is_recovered_by_a_new_update(workflow, first_hour):
    jobs_before = _training_jobs(workflow)
    _set_endpoint_status(workflow, "UpdateRollbackFailed")
    try:
        with _no_valid_champion(workflow):
            run = workflow.run_hour(wrong_validation_labels=0)  # 1.0 > 0.9 deploys
    finally:
        if workflow.endpoint_state()["EndpointStatus"] == "UpdateRollbackFailed":
            _set_endpoint_status(workflow, "InService")

    assert len(_training_jobs(workflow) - jobs_before) == 1
    path = run.states_entered()
    assert path[2:5] == ["CheckEndpoint", "EndpointCanTakeUpdate", "EndpointChecked"]
    assert "UpdateEndpoint" in path
    assert run.status == "SUCCEEDED", run.explain()
    assert run.output["status"] == "deployed"
    endpoint = workflow.endpoint_state()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == run.output["endpoint_config"]


def test_throttled_lookup_is_retried_then_the_run_goes_on(workflow, first_hour):
    fault = mx.inject_fault("sagemaker", "DescribeEndpoint", code="ThrottlingException", message="Rate exceeded")
    try:
        run = workflow.run_hour(wrong_validation_labels=7)  # rejected: the run is short once past the check
    finally:
        fault.remove()

    assert fault.failed == 1
    assert run.status == "SUCCEEDED" and run.output["status"] == "rejected"
    assert run.states_entered()[2:8] == [
        "CheckEndpoint",
        "CheckEndpointNotFound",  # not 'Could not find endpoint': not treated as a missing endpoint
        "CheckEndpointIsTransient",
        "CheckEndpointCountRetry",
        "CheckEndpointRetryWait",
        "CheckEndpoint",
    ]
    [failure] = run.task_failures()
    # the aws-sdk Cause carries the message and status, not the code: "Rate exceeded (Service: SageMaker, ...)"
    assert failure["error"] == "SageMaker.SageMakerException" and "Rate exceeded" in failure["cause"]


def test_validation_error_is_not_retried_and_is_notified(workflow, first_hour):
    before = workflow.inventory()
    message = "1 validation error detected: Value at 'executionRoleArn' failed to satisfy constraint"
    fault = mx.inject_fault("sagemaker", "CreateModel", code="ValidationException", message=message, times=5)
    try:
        with _no_valid_champion(workflow):
            run = workflow.run_hour(wrong_validation_labels=0)  # 1.0 > 0.9: a candidate that deploys
    finally:
        fault.remove()

    assert fault.failed == 1  # one attempt, no retry
    assert run.status == "FAILED" and run.error == "RetrainingFailed"
    assert run.states_entered()[-5:] == [
        "CreateModel",
        "CreateModelIsTransient",
        "NotifyFailure",
        "ReleaseLockBeforeFailed",
        "Failed",
    ]
    [failure] = run.task_failures()
    assert failure["error"] == "SageMaker.AmazonSageMakerException"
    assert workflow.inventory() == before
    [note] = workflow.mailbox.about(run)
    assert (
        "failed with SageMaker.AmazonSageMakerException" in note["Message"] and "ValidationException" in note["Message"]
    )


def _train_outputs(workflow, arn: str) -> list[dict[str, Any]]:
    """The Train state's result (as its ResultSelector shaped it) of a running execution."""
    events = workflow.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [
        json.loads(e["stateExitedEventDetails"]["output"])["training"]
        for e in events
        if e["type"] == "TaskStateExited" and e["stateExitedEventDetails"]["name"] == "Train"
    ]


def test_a_run_on_the_data_of_the_last_gated_run_ends_without_training(workflow, first_hour):
    workflow.upload(wrong_validation_labels=7)  # a candidate the gate rejects (0.8833 < 0.9)
    gated = e2e.wait(workflow.sfn, workflow.start())
    assert gated.output["status"] == "rejected", gated.output
    jobs_before, before = _training_jobs(workflow), workflow.inventory()

    again = e2e.wait(workflow.sfn, workflow.start())  # the next hour: no new data arrived

    assert again.status == "SUCCEEDED", (again.error, again.cause)
    out = again.output
    assert out["status"] == "unchanged" and out["objects"] == 2
    assert out["last_gated_execution"] == gated.arn
    assert _training_jobs(workflow) == jobs_before and workflow.inventory() == before
    path = again.states_entered()
    assert "Train" not in path and path[-3:] == ["IsDataUnchanged", "ReleaseLockBeforeUnchanged", "Unchanged"]
    assert workflow.mailbox.about(again, timeout=2) == []  # no notification unless notify_unchanged_data
    # the lock was released: a run on new data goes on (and trains)
    assert "Item" not in workflow.dynamodb_lock()

    workflow.s3.put_object(  # one object rewritten with other content: a new ETag
        Bucket=workflow.bucket,
        Key=f"{workflow.data_prefix}validation/validation-{workflow.hours:04d}.csv",
        Body=e2e.iris_like_csv(VALIDATION_ROWS, 2, 6),
    )
    changed = e2e.wait(workflow.sfn, workflow.start())
    assert "Train" in changed.states_entered() and changed.output["status"] == "rejected", changed.output
    assert len(_training_jobs(workflow) - jobs_before) == 1


def _own(names: set[str]) -> set[str]:
    """The names of the workflow's shape for the model churn: <prefix>-churn-rt-<32 hex>."""
    return {n for n in names if re.fullmatch(f"{NAME_PREFIX}-churn-rt-[0-9a-f]{{32}}", n)}


def test_retention_keeps_the_serving_and_the_previous_three(workflow, first_hour):
    """More deployments than retained + 1: exactly the serving config and the 3 previous ones (the default
    retraining_retain_previous_models) remain, with their models; what the workflow did not create survives."""
    serving = workflow.endpoint_state()["EndpointConfigName"]
    config = workflow.sagemaker.describe_endpoint_config(EndpointConfigName=serving)
    model = workflow.sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    # Foreign: of the workflow's shape but untagged, and of a similar name with a tag like the workflow's.
    shaped, similar = f"{NAME_PREFIX}-churn-rt-{'f' * 32}", f"{NAME_PREFIX}-churn-rt-manual-copy"
    lookalike_tag = [{"Key": "sfn-ml:execution", "Value": "0" * 32}]
    variant = {"VariantName": "AllTraffic", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
    for name, tags in ((shaped, []), (similar, lookalike_tag)):
        workflow.sagemaker.create_model(
            ModelName=name,
            ExecutionRoleArn=model["ExecutionRoleArn"],
            PrimaryContainer=model["PrimaryContainer"],
            **({"Tags": tags} if tags else {}),
        )
        workflow.sagemaker.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[{**variant, "ModelName": name}],
            **({"Tags": tags} if tags else {}),
        )

    deployed = []
    for _ in range(5):
        with _no_valid_champion(workflow):
            run = workflow.run_hour(wrong_validation_labels=4)  # 0.9333 > 0.9 deploys
        assert run.status == "SUCCEEDED", run.explain()
        assert run.output["status"] == "deployed"
        assert run.output["retention"]["status"] == "applied", run.output["retention"]
        assert run.states_entered()[-4:] == [
            "NotifyDeployed",
            "ApplyRetention",
            "ReleaseLockBeforeDeployed",
            "Deployed",
        ]
        deployed.append(run.output)
        [note] = workflow.mailbox.about(run)  # the deployment notice alone: no retention failure
        assert "new model deployed" in note["Subject"]

    latest = deployed[-1]
    assert workflow.endpoint_state()["EndpointConfigName"] == latest["endpoint_config"]
    assert latest["retention"]["kept_configs"] == [d["endpoint_config"] for d in reversed(deployed[-4:])]
    inventory = workflow.inventory()
    assert _own(inventory["configs"]) == {d["endpoint_config"] for d in deployed[-4:]} | {shaped}
    assert _own(inventory["models"]) == {d["model"] for d in deployed[-4:]} | {shaped}
    assert {shaped, similar} <= inventory["configs"] and {shaped, similar} <= inventory["models"]
    # Once older than the kept ones, a candidate by its name, spared by its tags.
    assert any(shaped in d["retention"]["ignored"] for d in deployed)
    # Deleted by the runs: the configs and models older than the four kept, created by the workflow.
    assert deployed[0]["endpoint_config"] not in inventory["configs"]
    assert deployed[0]["model"] not in inventory["models"]
    assert sum(len(d["retention"]["deleted_configs"]) for d in deployed) >= 2
    events = workflow.logs.filter_log_events(logGroupName=f"/aws/lambda/{NAME_PREFIX}-retraining-retention")["events"]
    assert any('"action": "retention"' in e["message"] for e in events)  # the real handler ran, as its role


def test_a_day_in_the_life(workflow, first_hour, capsys):
    """#8 §3: 24 consecutive hourly runs on the strict emulator, with the faults a year of hourly runs meets
    (scripts/day_in_the_life.py); after every hour the endpoint serves the best model that ever passed the gate, no
    rejected candidate was deployed or left anything behind, every failure was notified exactly once (a timed-out run
    by the execution alert rule, from Step Functions' status change event) and nothing is left running."""
    from scripts.day_in_the_life import DAY, Day

    workflow.sagemaker.delete_endpoint(EndpointName=workflow.endpoint)  # the day starts with no endpoint
    e2e.poll(
        lambda: {"EndpointStatus": _endpoint_gone(workflow)},
        "EndpointStatus",
        {"gone"},
        timeout=30,
    )
    day = Day(
        workflow.emulator,
        workflow.outputs,
        lock_table=f"{NAME_PREFIX}-endpoint-locks",
        queue_name=f"{NAME_PREFIX}-day",
    )
    rows = day.run()

    expected = [" + ".join(sorted([h.expect, "skipped"])) if h.fault == "duplicate_start" else h.expect for h in DAY]
    assert [r.outcome for r in rows] == expected
    assert len(rows) == 24
    assert len(day.deployed) == 6 and day.deployed == sorted(set(day.deployed))  # the champion only ever rises
    assert rows[-1].serving == 1.0
    assert all(r.trainings == 0 for r in rows if r.outcome in ("unchanged", "skipped"))
    timed_out = next(r for r in rows if r.outcome == "timed out")
    assert timed_out.notifications == 1  # the execution alert rule's notice: the run itself never got to notify
    assert "every rule held after every hour" in capsys.readouterr().out


def _endpoint_gone(workflow) -> str:
    try:
        return workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)["EndpointStatus"]
    except workflow.sagemaker.exceptions.ClientError:
        return "gone"
