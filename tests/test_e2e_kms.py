"""The hourly retraining workflow with a customer managed KMS key and a VPC, executed end to end on the emulator.

examples/hourly_retraining applied with `kms_key_arn` set to a key, and the jobs and models in a subnet and security
group, all created in the same apply (unknown at the first plan). The emulator holds the workflow to what AWS
enforces (scripts/moto_iam.py, scripts/moto_extensions.py): the artifact bucket's policy refuses every upload that
does not name the key; reading an SSE-KMS object needs kms:Decrypt on its key and writing one kms:GenerateDataKey,
for the training job's role, the endpoint's model role and every Lambda and state machine role; SageMaker writes a
job's outputs under the job's KmsKeyId; and in VPC mode SageMaker creates the network interfaces as the job's (and
the model's) role, which must be allowed the EC2 actions for them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import e2e_support as e2e
from tests.test_e2e_retraining import EXAMPLE, Mailbox, Workflow

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_kms")]

NAME_PREFIX = "kmse2e"
MODULE_OVERRIDE = """# Written by tests/test_e2e_kms.py: the team's own key and network, fast polling on the emulator.
module "ml_workflows" {
  kms_key_arn                              = aws_kms_key.e2e.arn
  sagemaker_subnet_ids                     = [aws_subnet.e2e.id]
  sagemaker_security_group_ids             = [aws_security_group.e2e.id]
  retraining_endpoint_poll_seconds         = 1
  retraining_endpoint_wait_timeout_seconds = 60
}
"""
NETWORK = """# Written by tests/test_e2e_kms.py: the team's own subnet and security group, created in the same apply.
resource "aws_vpc" "e2e" {
  cidr_block = "10.42.0.0/16"
}

resource "aws_subnet" "e2e" {
  vpc_id     = aws_vpc.e2e.id
  cidr_block = "10.42.1.0/24"
}

resource "aws_security_group" "e2e" {
  name   = "kmse2e-sagemaker"
  vpc_id = aws_vpc.e2e.id
}

output "e2e_network" {
  value = { subnet = aws_subnet.e2e.id, security_group = aws_security_group.e2e.id }
}
"""


def build(emulator: Any, outputs: dict[str, Any]) -> Workflow:
    topic = outputs["notifications_topic_arn"]
    sqs, queue_url = e2e.subscribed_queue(emulator, topic, f"{NAME_PREFIX}-notifications")
    workflow = Workflow(emulator, outputs, Mailbox(sqs, queue_url))
    workflow.encryption = e2e.sse_kms(outputs["e2e_kms_key_arn"])
    return workflow


workflow = e2e.workflow_fixture(
    EXAMPLE,
    NAME_PREFIX,
    MODULE_OVERRIDE,
    build,
    files={"zz_e2e_kms.tf": e2e.KMS_KEY_TF, "zz_e2e_network.tf": NETWORK},
    endpoint_transition_seconds=2,
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
    network = workflow.outputs["e2e_network"]
    vpc = {"Subnets": [network["subnet"]], "SecurityGroupIds": [network["security_group"]]}
    assert job["VpcConfig"] == vpc  # the emulator checked the role may create its interfaces there
    config = workflow.sagemaker.describe_endpoint_config(
        EndpointConfigName=workflow.endpoint_state()["EndpointConfigName"]
    )
    model = workflow.sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    assert model["VpcConfig"] == vpc
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
