"""The hourly retraining workflow with a customer managed KMS key, executed end to end on the local emulator.

examples/hourly_retraining applied with `kms_key_arn` set to a key created in the same apply. The emulator holds the
workflow to what AWS enforces with a key (scripts/moto_iam.py, scripts/moto_extensions.py): the artifact bucket's
policy refuses every upload that does not name the key, reading an SSE-KMS object needs kms:Decrypt on its key and
writing one kms:GenerateDataKey, for the training job's role, the endpoint's model role and every Lambda and
state machine role, and SageMaker writes a job's outputs under the job's KmsKeyId.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import e2e_support as e2e
from tests.test_e2e_retraining import EXAMPLE, Mailbox, Workflow

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_kms")]

NAME_PREFIX = "kmse2e"
MODULE_OVERRIDE = """# Written by tests/test_e2e_kms.py: the team's own key, fast polling on the emulator.
module "ml_workflows" {
  kms_key_arn                              = aws_kms_key.e2e.arn
  retraining_endpoint_poll_seconds         = 1
  retraining_endpoint_wait_timeout_seconds = 60
}
"""


def build(emulator: Any, outputs: dict[str, Any]) -> Workflow:
    topic = outputs["notifications_topic_arn"]
    sqs, queue_url = e2e.subscribed_queue(emulator, topic, f"{NAME_PREFIX}-notifications")
    workflow = Workflow(emulator, outputs, Mailbox(sqs, queue_url))
    workflow.encryption = e2e.sse_kms(outputs["e2e_kms_key_arn"])
    return workflow


workflow = e2e.workflow_fixture(
    EXAMPLE, NAME_PREFIX, MODULE_OVERRIDE, build, files={"zz_e2e_kms.tf": e2e.KMS_KEY_TF}, endpoint_transition_seconds=2
)


@pytest.fixture(scope="module")
def key(workflow) -> str:
    return workflow.outputs["e2e_kms_key_arn"]


def test_data_that_does_not_name_the_key_is_refused(workflow):
    with pytest.raises(Exception) as refused:
        workflow.s3.put_object(Bucket=workflow.bucket, Key=f"{workflow.data_prefix}train/plain.csv", Body=b"1,2")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_a_run_deploys_with_every_artifact_under_the_key(workflow, key):
    run = workflow.run_hour(wrong_validation_labels=4)
    assert run.status == "SUCCEEDED", run.explain()
    assert run.output["status"] == "deployed", run.explain()
    assert workflow.endpoint_state()["EndpointStatus"] == "InService"

    job = workflow.sagemaker.describe_training_job(TrainingJobName=run.output["training_job"])
    assert job["OutputDataConfig"]["KmsKeyId"] == key
    assert job["ResourceConfig"]["VolumeKmsKeyId"] == key
    artifact = job["ModelArtifacts"]["S3ModelArtifacts"].removeprefix(f"s3://{workflow.bucket}/")
    head = workflow.s3.head_object(Bucket=workflow.bucket, Key=artifact)
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key)

    # Everything in the bucket (Terraform's uploads, the data, the job's outputs) is under the key.
    listed = workflow.s3.list_objects_v2(Bucket=workflow.bucket).get("Contents", [])
    assert listed
    for item in listed:
        head = workflow.s3.head_object(Bucket=workflow.bucket, Key=item["Key"])
        assert head.get("SSEKMSKeyId") == key, item["Key"]
