"""A consuming workspace that creates everything it passes to the root module in the same apply (issue #9 §3).

tests/fixtures/root_unknown_all turns on all three workflows and gives the root module its own KMS key, bucket, five
roles, three ECR repositories (image URIs), two subnets and a security group, and e-mail addresses, all by reference:
every one is unknown at the first plan. The first plan must succeed (no count, for_each or map key depends on them),
the apply must succeed in one run, the applied resources must use exactly what was passed, and a second plan must
change nothing.
"""

from __future__ import annotations

import json

import pytest

from tests import tfharness as h

EXAMPLE_SCRIPTS = h.REPO / "examples" / "legacy_batch_inference" / "model"
TF_VARS = {"name_prefix": "every", "scripts_path": str(EXAMPLE_SCRIPTS)}
pytestmark = [pytest.mark.apply, pytest.mark.xdist_group("consumer_unknown")]  # one worker, one apply


@pytest.fixture(scope="module")
def consumer(emulator, tmp_path_factory):
    fixture = h.Fixture(h.FIXTURES / "root_unknown_all", tmp_path_factory.mktemp("root_unknown_all"), provider=None)
    (fixture.dir / "providers.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n')
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)  # re-init with the override in place
    plan = fixture.plan(**TF_VARS)  # the first plan: every input is unknown here
    try:
        fixture.apply(**TF_VARS)
        yield fixture, plan, fixture.output()
    finally:
        fixture.destroy(**TF_VARS)


def test_every_input_is_unknown_at_the_first_plan(consumer):
    _, plan, _ = consumer
    planned = plan.resource_changes
    unknown = {
        "aws_kms_key.this": "arn",
        "aws_s3_bucket.this": "id",
        'aws_iam_role.this["retraining-states"]': "arn",
        'aws_ecr_repository.this["trainer"]': "repository_url",
        'aws_subnet.this["a"]': "id",
        "aws_security_group.jobs": "id",
    }
    for address, attribute in unknown.items():
        assert attribute in planned[address]["change"]["after_unknown"], address
    # and the module's own resources are planned with them: all three workflows
    machines = [a for a in planned if a.endswith("aws_sfn_state_machine.this")]
    assert len(machines) == 3, machines


def test_the_workflows_use_exactly_what_was_passed(consumer, emulator):
    _, _, out = consumer
    sfn = emulator.client("stepfunctions")
    roles, repos, subnets = out["roles"], out["repositories"], out["subnet_ids"]

    retraining = sfn.describe_state_machine(stateMachineArn=out["retraining_state_machine_arns"]["churn"])
    assert retraining["roleArn"] == roles["retraining-states"]
    train = json.loads(retraining["definition"])["States"]["Train"]["Parameters"]
    assert train["RoleArn"] == roles["retraining-sagemaker"]
    assert train["AlgorithmSpecification"]["TrainingImage"] == f"{repos['trainer']}:v1"
    assert train["ResourceConfig"]["VolumeKmsKeyId"] == out["kms_key_arn"]
    assert sorted(train["VpcConfig"]["Subnets"]) == sorted(subnets.values())
    assert train["VpcConfig"]["SecurityGroupIds"] == [out["security_group_id"]]
    assert train["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{out['bucket']}/churn/train/"

    batch = sfn.describe_state_machine(stateMachineArn=out["batch_inference_state_machine_arn"])
    approved = sfn.describe_state_machine(stateMachineArn=out["approved_deployment_state_machine_arn"])
    assert roles["batch-sagemaker"] in batch["definition"]
    assert roles["approved-sagemaker"] in approved["definition"]
    assert repos["approved"] in approved["definition"]

    functions = emulator.client("lambda").list_functions()["Functions"]
    retraining_functions = [f for f in functions if f["Role"] == roles["retraining-lambda"]]
    assert retraining_functions, [f["FunctionName"] for f in functions if f["FunctionName"].startswith("every")]
    for function in retraining_functions:
        assert function["VpcConfig"]["SubnetIds"] == [subnets["a"]], function["FunctionName"]
        assert function["VpcConfig"]["SecurityGroupIds"] == [out["security_group_id"]], function["FunctionName"]

    sns = emulator.client("sns")
    endpoints = {
        s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=out["notifications_topic_arn"])["Subscriptions"]
    }
    assert out["team_email"] in endpoints


def test_the_role_outputs_name_the_role_each_approved_deployment_function_runs_as(consumer, emulator):
    _, _, out = consumer
    roles, names = out["approved_deployment_role_arns"], out["approved_deployment_function_names"]
    runs_as = {"input": "functions", "request": "functions", "responder": "responder", "retention": "retention"}
    lambda_ = emulator.client("lambda")
    for purpose, role in runs_as.items():
        assert lambda_.get_function(FunctionName=names[purpose])["Configuration"]["Role"] == roles[role], purpose


def test_a_second_plan_changes_nothing(consumer):
    fixture, _, _ = consumer
    var_file = fixture.dir / "replan.tfvars.json"
    var_file.write_text(json.dumps(TF_VARS))
    plan = fixture.tf.plan(output=True, refresh=True, tf_var_file=var_file.name)
    changed = {
        a: rc["change"]["actions"]
        for a, rc in plan.resource_changes.items()
        if rc["mode"] == "managed" and rc["change"]["actions"] != ["no-op"]
    }
    assert changed == {}
