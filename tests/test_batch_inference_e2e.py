"""The legacy batch inference workflow, executed end to end on the local emulator.

examples/legacy_batch_inference is applied against moto server with the emulator's extensions installed
(scripts/moto_extensions.py, issue 5): the Distributed Map reads the manifest from the emulated S3 and runs one child
execution per model, and each Processing job runs the model's real script (scripts/local_containers.py runs
`python3 /opt/ml/processing/code/<script>` on the job's inputs downloaded from S3 and uploads its outputs). The
model's inference image, which Docker would build from image/Dockerfile, is played by a stand-in registered below:
the example's predict.py with the model that image/train.py trains, as the image bakes them in. The module gets a
customer managed key created in the same apply (the demo runs the example without one).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from typing import Any

import pytest

from scripts import local_containers
from scripts import moto_extensions as mx
from tests import e2e_support as e2e
from tests import tfharness

# One worker runs the whole module (one apply) under `pytest -n N --dist loadgroup`.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_batch_inference")]

EXAMPLE = tfharness.REPO / "examples" / "legacy_batch_inference"
NAME_PREFIX = "bie2e"
# With a customer managed key (the demo runs the example without one): the bucket then refuses uploads that do not
# name it, and every role reads and writes through it (the state machine's Distributed Map reads the manifest).
KMS_OVERRIDE = """# Written by tests/test_batch_inference_e2e.py: our own key, for the module and the example data.
module "ml_workflows" {
  kms_key_arn = aws_kms_key.e2e.arn
}

resource "aws_s3_bucket_object" "input" {
  kms_key_id             = aws_kms_key.e2e.arn
  server_side_encryption = "aws:kms"
  etag                   = null # conflicts with kms_key_id (an SSE-KMS object's ETag is no MD5)
}
"""
JOB_NAME = re.compile(r"^bie2e-bi-[0-9a-f]{32}$")  # the model, step and run are in the job's tags


class Workflow:
    def __init__(self, emulator: Any, outputs: dict[str, Any], queue_url: str) -> None:
        self.outputs = outputs
        self.key = outputs["e2e_kms_key_arn"]
        self.sfn = emulator.client("stepfunctions")
        self.s3 = emulator.client("s3")
        self.sagemaker = emulator.client("sagemaker")
        self.sqs = emulator.client("sqs")
        self.queue_url = queue_url
        self.notes: list[dict[str, str]] = []

    def run(self, execution_input: str, name: str | None = None) -> e2e.Execution:
        named = {} if name is None else {"name": name}
        arn = self.sfn.start_execution(
            stateMachineArn=self.outputs["state_machine_arn"], input=execution_input, **named
        )["executionArn"]
        return e2e.wait(self.sfn, arn, timeout=180)

    def objects(self, uri: str) -> dict[str, bytes]:
        bucket, prefix = uri[len("s3://") :].split("/", 1)
        listed = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        return {o["Key"][len(prefix) :]: self.s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}

    def set_input(self, model: str, body: bytes | None) -> None:
        bucket, prefix = self.outputs["models"][model]["input_uri"][len("s3://") :].split("/", 1)
        if body is None:
            self.s3.delete_object(Bucket=bucket, Key=f"{prefix}iris.csv")
        else:
            self.s3.put_object(Bucket=bucket, Key=f"{prefix}iris.csv", Body=body, **e2e.sse_kms(self.key))

    def notifications(self, run_id: str, timeout: float = 10) -> list[dict[str, str]]:
        deadline = time.monotonic() + timeout
        while True:
            for message in self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                self.notes.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            found = [n for n in self.notes if run_id in n["Message"]]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def jobs_of(self, run_id: str) -> list[dict[str, Any]]:
        jobs = []
        for summary in self.sagemaker.list_processing_jobs(MaxResults=100)["ProcessingJobSummaries"]:
            tags = {
                t["Key"]: t["Value"] for t in self.sagemaker.list_tags(ResourceArn=summary["ProcessingJobArn"])["Tags"]
            }
            # the run's tag is the MD5 of the execution name (a tag value SageMaker accepts for every name)
            if tags.get("sfn-ml:run") == hashlib.md5(run_id.encode(), usedforsecurity=False).hexdigest():
                jobs.append(
                    {
                        **self.sagemaker.describe_processing_job(ProcessingJobName=summary["ProcessingJobName"]),
                        "tags": tags,
                    }
                )
        return jobs


@pytest.fixture(scope="module")
def workflow(emulator, tmp_path_factory) -> Any:
    # The inference image: its entrypoint is predict.py, and it holds the trained legacy model (image/Dockerfile).
    model_file = tmp_path_factory.mktemp("iris-image") / "model.joblib"
    subprocess.run([sys.executable, str(EXAMPLE / "image" / "train.py"), "--output", str(model_file)], check=True)

    def iris_image(run: local_containers.ProcessingRun) -> None:
        run.environment = {**run.environment, "MODEL_PATH": str(model_file)}
        if not run.entrypoint:  # predict_script = null: the image's own ENTRYPOINT, with predict.py's default paths
            # spelled out, so that the stand-in maps them to its local root as it does for downloaded scripts
            run.entrypoint = ["python3", str(EXAMPLE / "model" / "predict.py")]
            run.arguments = ["--input-dir", "/opt/ml/processing/input", "--output-dir", "/opt/ml/processing/output"]
        local_containers.python_script_processing(run)

    emulator.install_extensions()
    unregister = mx.register_container("processing", f"*/{NAME_PREFIX}-batch-inference:iris-*", iris_image)
    fixture = None
    tf_vars = {"name_prefix": NAME_PREFIX, "lambda_runtime": "python3.8", "artifact_bucket_force_destroy": True}
    try:
        fixture = tfharness.Fixture(EXAMPLE, tmp_path_factory.mktemp("legacy_batch_inference"), provider=None)
        for folder in ("model", "data"):
            (fixture.dir / folder).symlink_to(EXAMPLE / folder)
        emulator.write_override(fixture.dir)
        (fixture.dir / "zz_e2e_kms.tf").write_text(e2e.KMS_KEY_TF)
        (fixture.dir / "zz_e2e_kms_override.tf").write_text(KMS_OVERRIDE)
        fixture.tf.setup(cleanup_on_exit=False)
        fixture.apply(**tf_vars)
        outputs = fixture.output()

        sqs = emulator.client("sqs")
        queue_url = sqs.create_queue(QueueName=f"{NAME_PREFIX}-notifications")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        emulator.client("sns").subscribe(
            TopicArn=outputs["notifications_topic_arn"], Protocol="sqs", Endpoint=queue_arn
        )
        yield Workflow(emulator, outputs, queue_url)
    finally:
        try:
            if fixture is not None:
                fixture.destroy(**tf_vars)
        finally:
            unregister()
            mx.uninstall()


def test_one_model_runs_its_three_steps(workflow):
    run = workflow.run(workflow.outputs["models"]["iris"]["execution_input"])
    assert run.status == "SUCCEEDED", run.explain()
    entered = run.states_entered()
    # RunModels' Map Run is the first or the second ListMapRuns names (OneModel has one too): either path is right
    which = "FirstMapRun" if "FirstMapRun" in entered else "SecondMapRun"
    assert entered == [
        "SelectModels",
        "OneModel",
        "IsModelKnown",
        "WriteModelManifest",
        "OneModelManifest",
        "RunModels",
        "FindMapRun",
        "WhichMapRun",
        which,
        "DescribeMapRun",
        "AnyModelFailed",
        "Succeeded",
    ]
    run_id = run.output["run_id"]
    # the run's one-item manifest, found in the manifest of every model and written under the key
    bucket, prefix = workflow.outputs["data_uri"][len("s3://") :].split("/", 1)
    written = workflow.s3.get_object(Bucket=bucket, Key=f"{prefix}runs/{run_id}/manifest.json")
    assert [i["name"] for i in json.loads(written["Body"].read())] == ["iris"]
    assert written["SSEKMSKeyId"] == workflow.key
    assert run.output["models"] == 1 and run.output["scope"] == "iris"

    # the legacy model's own output, where the model's output_uri says, per run
    output = workflow.objects(f"{workflow.outputs['models']['iris']['output_uri']}{run_id}/")
    summary = json.loads(output["summary.json"])
    assert summary["rows"] == 150 and summary["species"]["setosa"] == 50
    assert output["scored.csv"].decode().splitlines()[0] == "id,species,probability,needs_review"
    # and the intermediate data of the run
    runs = workflow.objects(f"{workflow.outputs['data_uri']}runs/{run_id}/iris/")
    assert set(runs) == {
        "preprocessed/pre0/features.csv",
        "preprocessed/pre0/preprocess_report.json",
        "predictions/predictions.csv",
    }

    # every object the run wrote (the jobs' outputs) is under the key, as are Terraform's (scripts, manifests)
    for uri in (f"{workflow.outputs['models']['iris']['output_uri']}{run_id}/", workflow.outputs["data_uri"]):
        bucket, prefix = uri[len("s3://") :].split("/", 1)
        for item in workflow.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
            assert workflow.s3.head_object(Bucket=bucket, Key=item["Key"]).get("SSEKMSKeyId") == workflow.key

    jobs = workflow.jobs_of(run_id)
    assert sorted(j["tags"]["sfn-ml:step"] for j in jobs) == ["inf", "post", "pre0"]
    for job in jobs:
        assert JOB_NAME.match(job["ProcessingJobName"]), job["ProcessingJobName"]
        assert job["ProcessingJobStatus"] == "Completed"
        assert job["RoleArn"].endswith(f":role/{NAME_PREFIX}-bi-sagemaker")
        assert job["tags"]["sfn-ml:model"] == "iris"
    by_step = {j["tags"]["sfn-ml:step"]: j for j in jobs}
    assert by_step["pre0"]["AppSpecification"]["ImageUri"].endswith("/sagemaker-scikit-learn:1.2-1-cpu-py3")
    assert by_step["inf"]["AppSpecification"]["ImageUri"] == workflow.outputs["models"]["iris"]["image_uri"]
    assert by_step["inf"]["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert workflow.notifications(run_id, timeout=2) == []


def test_the_nightly_run_fans_out_over_the_shared_manifest(workflow):
    run = workflow.run(json.dumps({"trigger": "schedule", "workflow": "batch-inference"}))  # the shared rule's input
    assert run.status == "SUCCEEDED", run.explain()
    assert run.states_entered()[:3] == ["SelectModels", "AllModels", "RunModels"]
    # iris only: iris-hourly runs on its own schedule
    assert run.output["models"] == 1 and run.output["scope"] == "shared schedule"
    assert {j["tags"]["sfn-ml:model"] for j in workflow.jobs_of(run.output["run_id"])} == {"iris"}


def test_a_model_with_its_own_schedule_runs_the_images_entrypoint(workflow):
    rule_input = workflow.outputs["models"]["iris-hourly"]["execution_input"]
    run = workflow.run(rule_input)
    failures = [j.get("FailureReason") for j in workflow.jobs_of(run.arn.rsplit(":", 1)[1])]
    assert run.status == "SUCCEEDED", (run.error, failures)
    jobs = {j["tags"]["sfn-ml:step"]: j for j in workflow.jobs_of(run.output["run_id"])}
    assert "ContainerEntrypoint" not in jobs["inf"]["AppSpecification"]
    assert jobs["inf"]["Environment"]["LOG_LEVEL"] == "INFO"
    output = workflow.objects(f"{workflow.outputs['models']['iris-hourly']['output_uri']}{run.output['run_id']}/")
    assert json.loads(output["summary.json"])["rows"] == 150


def test_a_failing_model_is_notified_and_fails_the_run(workflow):
    workflow.set_input("iris", b"ID,Sepal Length (cm)\n")  # no usable row: preprocess.py exits 1
    try:
        run = workflow.run(workflow.outputs["models"]["iris"]["execution_input"])
    finally:
        workflow.set_input("iris", (EXAMPLE / "data" / "iris.csv").read_bytes())
    assert run.status == "FAILED"
    assert run.error == "ModelsFailed"
    assert run.states_entered()[-3:] == ["AnyModelFailed", "NotifyModelsFailed", "ModelsFailed"]
    run_id = run.arn.rsplit(":", 1)[1]
    (job,) = workflow.jobs_of(run_id)  # the failed preprocess job was not retried, nothing ran after it
    assert job["ProcessingJobStatus"] == "Failed"
    assert "exited with code 1" in job["FailureReason"]

    notes = {n["Subject"]: n["Message"] for n in workflow.notifications(run_id)}
    deadline = time.monotonic() + 10
    while len(notes) < 2 and time.monotonic() < deadline:
        notes.update({n["Subject"]: n["Message"] for n in workflow.notifications(run_id, timeout=1)})
    model_note = notes[f"[{NAME_PREFIX}] batch inference: a model failed"]
    assert f"Batch inference of model iris failed in run {run_id}" in model_note
    run_note = notes[f"[{NAME_PREFIX}] batch inference: models failed"]
    assert "1 of 1 models failed" in run_note


def test_a_throttled_job_start_is_retried_and_the_run_tag_is_valid_for_any_execution_name(workflow):
    # "!", "(" and ")" are allowed in execution names, not in SageMaker tag values: the tag holds the name's MD5
    name = f"manual-(2)!-{int(time.time())}"
    fault = mx.inject_fault("sagemaker", "CreateProcessingJob", code="ThrottlingException", message="Rate exceeded")
    try:
        run = workflow.run(workflow.outputs["models"]["iris"]["execution_input"], name=name)
    finally:
        fault.remove()
    assert run.status == "SUCCEEDED", run.explain()
    assert fault.failed == 1
    jobs = workflow.jobs_of(name)
    assert sorted(j["tags"]["sfn-ml:step"] for j in jobs) == ["inf", "post", "pre0"]
    for job in jobs:
        assert job["ProcessingJobStatus"] == "Completed"
        assert re.fullmatch(r"[0-9a-f]{32}", job["tags"]["sfn-ml:run"])
    # the S3 paths keep the execution name itself
    assert workflow.objects(f"{workflow.outputs['models']['iris']['output_uri']}{name}/")


def test_a_resource_limit_is_not_retried_and_is_notified(workflow):
    fault = mx.inject_fault("sagemaker", "CreateProcessingJob", code="ResourceLimitExceeded", message="quota", times=5)
    try:
        run = workflow.run(workflow.outputs["models"]["iris"]["execution_input"])
    finally:
        fault.remove()
    assert run.status == "FAILED" and run.error == "ModelsFailed"
    assert fault.failed == 1  # raise the quota or lower batch_inference_max_concurrency: retrying does not clear it
    run_id = run.arn.rsplit(":", 1)[1]
    assert workflow.jobs_of(run_id) == []
    notes = {n["Subject"]: n["Message"] for n in workflow.notifications(run_id)}
    deadline = time.monotonic() + 10
    while len(notes) < 2 and time.monotonic() < deadline:
        notes.update({n["Subject"]: n["Message"] for n in workflow.notifications(run_id, timeout=1)})
    model_note = notes[f"[{NAME_PREFIX}] batch inference: a model failed"]
    assert "SageMaker.ResourceLimitExceededException" in model_note


def test_an_unknown_model_fails_before_fanning_out(workflow):
    run = workflow.run(json.dumps({"model": "no-such-model"}))
    assert run.status == "FAILED" and run.error == "BatchInferenceFailed"
    assert run.states_entered() == [
        "SelectModels",
        "OneModel",
        "IsModelKnown",
        "UnknownModel",
        "NotifyFailure",
        "Failed",
    ]
    (note,) = workflow.notifications(run.arn.rsplit(":", 1)[1])
    assert note["Subject"] == f"[{NAME_PREFIX}] batch inference: run failed"
