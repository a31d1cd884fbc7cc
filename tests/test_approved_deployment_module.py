"""modules/approved_deployment alone: a plan with the shared platform given by name, the inputs it refuses (naming
the variable), and a consumer's workspace that creates the KMS key, bucket, topic, repository and SageMaker role
itself and passes them by reference (unknown at plan), planned and applied on the emulator."""

from __future__ import annotations

import json

import pytest

from tests import tfharness as h

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/my-sagemaker"
REPOSITORY_URL = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/models"


@pytest.fixture(scope="module")
def module(tf_fixture):
    return tf_fixture("approved_deployment_module")


@pytest.fixture(scope="module")
def plan(planned):
    return planned("approved_deployment_module")


def test_outputs_that_follow_from_names_are_known_at_plan(plan):
    out = plan.outputs
    assert out["state_machine_arn"] == f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:churn-approved-deployment"
    assert out["notification_rule_arns"] == [f"arn:aws:events:us-east-1:{ACCOUNT}:rule/churn-ad-execution-alerts"]
    assert out["lock_table_name"] == "churn-ad-endpoint-locks"
    assert out["ecr_repository_arn"] == f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/churn-approved"
    assert out["data_uri"] == "s3://churn-artifacts/churn/approved-deployment/"
    assert out["pipeline_name"] == "churn-cd"
    assert set(out["function_names"]) == {"input", "request", "responder", "retention", "inference"}


def test_its_own_lock_table_and_alert_rule(plan):
    assert h.one(plan, "module.endpoint_lock[0].aws_dynamodb_table.this")["name"] == "churn-ad-endpoint-locks"
    rule = h.one(plan, 'module.execution_alerts.aws_cloudwatch_event_rule.this["execution-alerts"]')
    pattern = json.loads(rule["event_pattern"])
    assert pattern["detail"]["stateMachineArn"] == [
        f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:churn-approved-deployment"
    ]
    target = h.one(plan, 'module.execution_alerts.aws_cloudwatch_event_target.this["execution-alerts"]')
    assert target["arn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:churn-notifications"
    definition = h.definitions(plan)["churn-approved-deployment"]
    tables = {
        s["Parameters"]["TableName"]
        for s in definition["States"].values()
        if s.get("Resource", "").startswith("arn:aws:states:::dynamodb:")
    }
    assert tables == {"churn-ad-endpoint-locks"}


def test_a_shared_lock_table_and_no_alerts(module):
    plan = module.plan(create_lock_table=False, lock_table_name="shared-locks", create_execution_alerts=False)
    assert "aws_cloudwatch_event_rule" not in h.counts_by_type(plan)
    assert [t["name"] for t in h.of_type(plan, "aws_dynamodb_table").values()] == ["churn-cd-approvals"]
    assert plan.outputs["notification_rule_arns"] == []
    sm = h.one(plan, "workflow_iam.aws_iam_role_policy.state_machine[0]")
    assert f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shared-locks" in sm["policy"]


def test_a_given_role_and_repository_are_used_not_created(module):
    plan = module.plan(
        create_sagemaker_role=False,
        sagemaker_role_arn=ROLE,
        create_ecr_repository=False,
        ecr_repository_url=REPOSITORY_URL,
    )
    counts = h.counts_by_type(plan)
    assert "aws_ecr_repository" not in counts
    assert not [r for r in h.of_type(plan, "aws_iam_role").values() if r["name"].endswith("-sagemaker")]
    out = plan.outputs
    assert out["sagemaker_role_arn"] == ROLE
    assert out["ecr_repository_arn"] == f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team/models"
    definition = json.dumps(h.definitions(plan)["churn-approved-deployment"])
    assert REPOSITORY_URL in definition and ROLE in definition
    buildspec = h.one(plan, "aws_codebuild_project.approved_deployment[0]")["source"][0]["buildspec"]
    assert REPOSITORY_URL in buildspec
    codebuild = h.one(plan, "aws_iam_role_policy.codebuild[0]")["policy"]
    assert f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team/models" in codebuild


REFUSED = [
    ("artifact_bucket_name", "Churn_Bucket", "S3 bucket name"),
    ("notifications_topic_arn", "churn-notifications", "SNS topic ARN"),
    ("sagemaker_role_arn", "arn:aws:iam::123456789012:user/alice", "IAM role ARN"),
    ("ecr_repository_url", "docker.io/library/python", "ECR repository URL"),
    ("ecr_repository_url", f"{REPOSITORY_URL}:v1", "without a tag"),
    ("lock_table_name", "x", "DynamoDB table name"),
    ("training_instance_type", "m5.xlarge", "ml.m5.xlarge"),
    ("endpoint_instance_type", "large", "ml.m5.large"),
    ("approval_timeout_seconds", 60, "from 300 (5 minutes) to 604800 (7 days)"),
    ("approval_emails", {"lead": "alice"}, "e-mail address"),
    ("retain_previous_models", 101, "whole number from 0 to 100"),
]


@pytest.mark.parametrize(("variable", "value", "allowed"), REFUSED, ids=[f"{v}={x!r}" for v, x, _ in REFUSED])
def test_bad_inputs_are_refused_naming_the_variable(module, variable, value, allowed):
    message = " ".join(module.plan_error(**{variable: value}).replace("\\n", " ").split())
    assert f"The {variable} must" in message, message
    assert allowed in message, message


COMBINATIONS = [
    ({"create_pipeline": True, "repository": None}, "The repository must be set when create_pipeline is true"),
    ({"create_pipeline": False}, "create_pipeline must be true when repository is set"),
    ({"create_sagemaker_role": False}, "The sagemaker_role_arn must be set when create_sagemaker_role is false"),
    ({"create_ecr_repository": False}, "The ecr_repository_url must be set when create_ecr_repository is false"),
    ({"create_lock_table": False}, "The lock_table_name must be set when create_lock_table is false"),
    ({"create_connection": False}, "The connection_arn must be set when create_connection is false"),
]


@pytest.mark.parametrize(("tf_vars", "expected"), COMBINATIONS, ids=[e[:40] for _, e in COMBINATIONS])
def test_bad_combinations_give_one_message_naming_the_variables(module, tf_vars, expected):
    message = " ".join(module.plan_error(**tf_vars).replace("\\n", " ").split())
    assert expected in message, message
    assert "null value" not in message.lower() and "coalesce" not in message


# ---------------------------------------------------------------------------------------------------------------------
# A consumer's workspace on the emulator: every platform input is unknown at plan
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def consumer(emulator, tmp_path_factory):
    fixture = h.Fixture(h.FIXTURES / "approved_deployment_consumer", tmp_path_factory.mktemp("consumer"), provider=None)
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)
    return fixture


@pytest.mark.apply
@pytest.mark.xdist_group("approved_deployment_consumer")  # one worker, one `consumer` fixture
def test_consumer_plans_with_every_input_unknown_pipeline_included(consumer):
    plan = consumer.plan(create_pipeline=True)
    created = {a for a, rc in plan.resource_changes.items() if rc["change"]["actions"] == ["create"]}
    assert "aws_kms_key.this" in created and "aws_s3_bucket.artifacts" in created
    assert any(a.endswith("aws_codepipeline.approved_deployment[0]") for a in created)
    assert any(a.endswith("module.state_machine.aws_sfn_state_machine.this") for a in created)


@pytest.mark.apply
@pytest.mark.xdist_group("approved_deployment_consumer")  # one worker, one `consumer` fixture
def test_consumer_applies_on_the_first_run(consumer, emulator):
    consumer.apply()
    try:
        out = consumer.output()
        mod = out["module"]
        sfn = emulator.client("stepfunctions")
        machine = sfn.describe_state_machine(stateMachineArn=mod["state_machine_arn"])
        definition = machine["definition"]
        # the consumer's topic, role and repository, known only at apply, are in the definition
        assert out["topic_arn"] in definition
        assert out["sagemaker_role_arn"] in definition
        assert out["repository_url"] in definition
        assert mod["sagemaker_role_arn"] == out["sagemaker_role_arn"]
        assert mod["data_uri"] == f"s3://{out['bucket']}/adconsumer/approved-deployment/"
        table = emulator.client("dynamodb").describe_table(TableName=mod["approvals_table_name"])["Table"]
        assert table["SSEDescription"]["KMSMasterKeyArn"] == out["kms_key_arn"]
        events = emulator.client("events")
        (rule_name,) = mod["execution_alert_rule_names"]
        (target,) = events.list_targets_by_rule(Rule=rule_name)["Targets"]
        assert target["Arn"] == out["topic_arn"]
        assert events.describe_rule(Name=rule_name)["Arn"] in mod["notification_rule_arns"]
        # a second plan changes nothing
        plan = consumer.plan()
        changed = {
            a: rc["change"]["actions"]
            for a, rc in plan.resource_changes.items()
            if rc["change"]["actions"] != ["no-op"]
        }
        assert changed == {}
    finally:
        consumer.destroy()
