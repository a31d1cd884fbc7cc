"""Each platform submodule, used on its own by another workspace, through a thin fixture."""

from __future__ import annotations

import json

import pytest

from tests import tfharness as h

pytestmark = pytest.mark.plan


def test_artifact_store(tf_fixture):
    fx = tf_fixture("artifact_store")
    plan = fx.plan()
    assert h.counts_by_type(plan) == {
        "aws_s3_bucket": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_policy": 1,
    }
    bucket = h.one(plan, "aws_s3_bucket.this")
    assert bucket["bucket"] == "team-ml-artifacts" and bucket["force_destroy"] is False
    assert all(h.one(plan, "aws_s3_bucket_public_access_block.this")[k] for k in (
        "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))  # fmt: skip
    policy = json.loads(h.one(plan, "aws_s3_bucket_policy.this")["policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]
    key = "arn:aws:kms:us-east-1:210987654321:key/abcd"
    policy = json.loads(h.one(fx.plan(kms_key_arn=key), "aws_s3_bucket_policy.this")["policy"])
    kms = policy["Statement"][1]
    assert kms["Effect"] == "Deny" and kms["Condition"]["StringNotEquals"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": [key]
    }
    assert "bucket_name must be a valid S3 bucket name: 3-63" in fx.plan_error(bucket_name="Team_Bucket")
    # Known at plan, so a consuming workspace's policies and definitions that name the bucket are too.
    assert plan.outputs["store"] == {"bucket_name": "team-ml-artifacts", "bucket_arn": "arn:aws:s3:::team-ml-artifacts"}


def test_ecr_repository(tf_fixture):
    fx = tf_fixture("ecr_repository")
    plan = fx.plan()
    repo = h.one(plan, "aws_ecr_repository.this")
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"] == [{"scan_on_push": True}]
    rules = json.loads(h.one(plan, "aws_ecr_lifecycle_policy.this")["policy"])["rules"]
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]
    assert rules[1]["selection"]["countNumber"] == 30
    assert "The max_image_count must be a whole number from 1 to 10000" in fx.plan_error(max_image_count=0)
    assert "The name must be 2-256 characters" in fx.plan_error(name="Team/Training")


def test_iam_state_machine_role_for_processing_and_transform(tf_fixture):
    fx = tf_fixture("iam")
    plan = fx.plan()
    assert h.counts_by_type(plan) == {"aws_iam_role": 2, "aws_iam_role_policy": 2}
    [sfn] = [p for a, p in h.policies(plan).items() if a.endswith("state_machine[0]")]
    by_sid = {s["Sid"]: s for s in h.statements(sfn)}
    assert by_sid["SageMakerProcessingJobs"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:210987654321:processing-job/team-*"
    ]
    assert by_sid["SageMakerTransformJobs"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:210987654321:transform-job/team-*"
    ]
    assert set(by_sid["SageMakerSyncManagedRules"]["Resource"]) == {
        "arn:aws:events:eu-west-1:210987654321:rule/StepFunctionsGetEventsForSageMakerProcessingJobsRule",
        "arn:aws:events:eu-west-1:210987654321:rule/StepFunctionsGetEventsForSageMakerTransformJobsRule",
    }
    assert by_sid["PassSageMakerRole"]["Resource"] == ["arn:aws:iam::210987654321:role/team-bi-sagemaker"]
    assert by_sid["GlueJobs"]["Resource"] == ["arn:aws:glue:eu-west-1:210987654321:job/etl"]
    assert "SageMakerDeploy" not in by_sid and "InvokeFunctions" not in by_sid
    trust = json.loads(h.one(plan, "aws_iam_role.state_machine[0]")["assume_role_policy"])
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ["210987654321"]}}


def test_iam_sagemaker_role_from_uris_and_fixed_shape_names(tf_fixture):
    fx = tf_fixture("iam")
    plan = fx.plan(
        sagemaker_s3_read_uris=["s3://lake/features/2024/", "s3://refdata"],
        sagemaker_s3_write_uris=["s3://team-out/models/"],
        sagemaker_image_uris=[
            "123456789012.dkr.ecr.us-east-2.amazonaws.com/shared/scorer@sha256:" + "b" * 64,
            "210987654321.dkr.ecr.eu-west-1.amazonaws.com/own:v3",
            "210987654321.dkr.ecr.eu-west-1.amazonaws.com/own:v4",
        ],
        sagemaker_name_suffix_pattern="-bi-" + "?" * 12,
    )
    stmts = h.statements(json.loads(h.one(plan, "aws_iam_role_policy.sagemaker[0]")["policy"]))
    sm = {s["Sid"]: s for s in stmts}
    assert set(sm["PullImages"]["Resource"]) == {
        "arn:aws:ecr:us-east-2:123456789012:repository/shared/scorer",
        "arn:aws:ecr:eu-west-1:210987654321:repository/own",
    }
    assert set(sm["ReadData"]["Resource"]) == {
        "arn:aws:s3:::lake/features/2024/*",
        "arn:aws:s3:::refdata/*",
        "arn:aws:s3:::team-out/models/*",
    }
    assert sm["WriteOutputs"]["Resource"] == ["arn:aws:s3:::team-out/models/*"]
    listed = {
        (s["Resource"][0], s["Condition"]["StringLike"]["s3:prefix"][0])
        for s in stmts
        if s["Sid"].startswith("ListData")
    }
    assert listed == {
        ("arn:aws:s3:::lake", "features/2024/*"),
        ("arn:aws:s3:::refdata", "*"),
        ("arn:aws:s3:::team-out", "models/*"),
    }
    sfn = {s["Sid"]: s for s in h.statements(json.loads(h.one(plan, "aws_iam_role_policy.state_machine[0]")["policy"]))}
    assert sfn["SageMakerProcessingJobs"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:210987654321:processing-job/team-bi-" + "?" * 12
    ]


@pytest.mark.parametrize(
    ("tf_vars", "variable"),
    [
        ({"sagemaker_image_uris": ["docker.io/library/python:3.12"]}, "sagemaker_image_uris"),
        ({"sagemaker_s3_read_uris": ["lake/features/"]}, "sagemaker_s3_read_uris"),
        ({"sagemaker_name_suffix_pattern": "rt-*"}, "sagemaker_name_suffix_pattern"),
    ],
)
def test_iam_refuses_malformed_uris_and_patterns(tf_fixture, tf_vars, variable):
    message = tf_fixture("iam").plan_error(**tf_vars)
    assert f"The {variable} must" in message, message


def test_iam_with_own_sagemaker_role(tf_fixture):
    fx = tf_fixture("iam")
    own = "arn:aws:iam::210987654321:role/platform-sagemaker"
    plan = fx.plan(create_sagemaker_role=False, sagemaker_role_arn=own)
    assert h.counts_by_type(plan) == {"aws_iam_role": 1, "aws_iam_role_policy": 1}
    [sfn] = h.policies(plan).values()
    assert {s["Sid"]: s for s in h.statements(sfn)}["PassSageMakerRole"]["Resource"] == [own]
    assert "sagemaker_job_types may only contain" in fx.plan_error(sagemaker_job_types=["notebook"])


def test_lambda_function(tf_fixture):
    fx = tf_fixture("lambda_function")
    package = str(h.REPO / "lambda_src" / "packages" / "retraining.zip")
    plan = fx.plan(package_path=package, log_retention_days=30)
    fn = h.one(plan, 'aws_lambda_function.this["gate"]')
    assert fn["function_name"] == "team-gate" and fn["tracing_config"] == [{"mode": "Active"}]
    assert fn["source_code_hash"]  # filebase64sha256 of the committed package
    assert h.one(plan, 'aws_cloudwatch_log_group.this["gate"]')["retention_in_days"] == 30
    assert "log_retention_days must be one of the values" in fx.plan_error(log_retention_days=42, package_path=package)


def test_state_machine(tf_fixture):
    fx = tf_fixture("state_machine")
    machine = h.one(fx.plan(), "aws_sfn_state_machine.this")
    assert machine["type"] == "STANDARD"
    assert machine["tracing_configuration"] == [{"enabled": True}]
    assert machine["logging_configuration"][0]["level"] == "ALL"
    assert "log_level must be ALL, ERROR, FATAL or OFF" in fx.plan_error(log_level="DEBUG")


def test_schedule(tf_fixture):
    fx = tf_fixture("schedule")
    plan = fx.plan()
    rules = {v["name"]: v for v in h.of_type(plan, "aws_cloudwatch_event_rule").values()}
    assert rules["team-flow-hourly"]["schedule_expression"] == "rate(1 hour)"
    assert rules["team-flow-nightly"]["is_enabled"] is False
    start = json.loads(h.one(plan, "aws_iam_role_policy.this")["policy"])["Statement"]
    assert start == [{
        "Sid": "StartTheStateMachine", "Effect": "Allow", "Action": "states:StartExecution",
        "Resource": "arn:aws:states:eu-west-1:210987654321:stateMachine:team-flow",
    }]  # fmt: skip
    trust = json.loads(h.one(plan, "aws_iam_role.this")["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}
    no_dlq = h.counts_by_type(fx.plan(create_dead_letter_queue=False))
    assert "aws_sqs_queue" not in no_dlq and no_dlq["aws_cloudwatch_event_target"] == 2


@pytest.mark.parametrize("expression", ["every hour", "rate(0 hours)", "rate(1 hours)", "cron(0 2 * * ?)"])
def test_schedule_refuses_bad_expressions(tf_fixture, expression):
    bad = {"x": {"schedule_expression": expression, "input": "{}", "enabled": True, "description": "x"}}
    assert "Each schedule_expression must be rate(1 hour)" in tf_fixture("schedule").plan_error(schedules=bad)


def test_notifications(tf_fixture):
    fx = tf_fixture("notifications")
    plan = fx.plan()
    arn = "arn:aws:sns:us-east-1:210987654321:team-notifications"
    assert plan.outputs["topic"] == {"arn": arn, "name": "team-notifications"}  # known at plan
    # By default a customer managed key, which EventBridge (a publisher here) can use; alias/aws/sns it cannot.
    key = h.one(plan, "aws_kms_key.this[0]")
    assert key["enable_key_rotation"] is True
    by_sid = {st["Sid"]: st for st in h.statements(json.loads(key["policy"]))}
    assert by_sid["AccountAdministers"]["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    assert by_sid["ServicesEncryptForTheTopic"]["Principal"] == {"Service": "events.amazonaws.com"}
    assert sorted(by_sid["ServicesEncryptForTheTopic"]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    own = fx.plan(create_kms_key="false")
    assert "aws_kms_key" not in h.counts_by_type(own)
    assert h.one(own, "aws_sns_topic.this")["kms_master_key_id"] == "alias/aws/sns"
    subscription = h.one(plan, 'aws_sns_topic_subscription.email["team"]')
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "ml-team@example.com")
    assert "The email_addresses must map non-empty names to e-mail addresses" in fx.plan_error(
        email_addresses={"x": "nobody"}
    )
