"""Plan tests of modules/legacy_batch_inference used alone: what it creates from the shared platform it is given,
what is known at plan, and the inputs it refuses, each message naming the variable or models["<key>"].<field>."""

from __future__ import annotations

import re

import pytest

from tests import tfharness as h

pytestmark = pytest.mark.plan

SCRIPTS = h.REPO / "examples" / "legacy_batch_inference" / "model"
ACCOUNT = "123456789012"


def model(**fields):
    return {"scripts_path": str(SCRIPTS), "image_tag": "iris-v1", **fields}


@pytest.fixture(scope="module")
def fx(tf_fixture):
    return tf_fixture("legacy_batch_inference")


def refusal(fx, **tf_vars) -> str:
    """Terraform's message on one line, the quotes of a check's message unescaped."""
    return re.sub(r"\s+", " ", fx.plan_error(**tf_vars).replace("\\n", "\n").replace('\\"', '"'))


def test_alone_it_creates_the_workflow_on_the_given_platform(fx):
    plan = fx.plan(models={"iris": model(), "hourly": model(schedule_expression="rate(1 hour)")})
    counts = h.counts_by_type(plan)
    assert counts["aws_sfn_state_machine"] == 1
    assert "aws_s3_bucket" not in counts and "aws_sns_topic" not in counts  # the platform is given, not created
    rules = sorted(r["name"] for r in h.of_type(plan, "aws_cloudwatch_event_rule").values())
    assert rules == [
        "solo-bi-all_models",
        "solo-bi-execution-failed",
        "solo-bi-hourly",
        "solo-bi-processing-job-failed",
    ]
    targets = [t for a, t in h.of_type(plan, "aws_cloudwatch_event_target").items() if "_alerts[0]" in a]
    assert [t["arn"] for t in targets] == ["arn:aws:sns:us-east-1:123456789012:team-notifications"] * 2
    objects = {o["key"] for o in h.of_type(plan, "aws_s3_bucket_object").values()}
    assert "solo/batch-inference/manifest.json" in objects
    assert {o["bucket"] for o in h.of_type(plan, "aws_s3_bucket_object").values()} == {"team-artifacts"}


def test_names_and_rule_arns_are_known_at_plan(fx):
    plan = fx.plan(models={"iris": model()})
    out = plan.outputs
    assert out["state_machine_arn"] == f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:solo-batch-inference"
    assert out["data_uri"] == "s3://team-artifacts/solo/batch-inference/"
    assert out["manifest_uri"] == "s3://team-artifacts/solo/batch-inference/manifest.json"
    assert out["sagemaker_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/solo-bi-sagemaker"
    assert out["notification_rule_arns"] == [
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/solo-bi-execution-failed",
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/solo-bi-processing-job-failed",
    ]


def test_without_execution_alerts_only_the_job_alert_publishes(fx):
    plan = fx.plan(models={"iris": model()}, create_execution_alerts=False)
    assert plan.outputs["notification_rule_arns"] == [
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/solo-bi-processing-job-failed"
    ]


@pytest.mark.parametrize(
    ("tf_vars", "named", "allowed"),
    [
        ({"models": {"iris": model(instance_type="m5.large")}}, 'models["iris"].instance_type', "ml.m5.xlarge"),
        (
            {"models": {"hourly": model(schedule_expression="cron(0 2 * * * *)")}},
            'models["hourly"].schedule_expression',
            "exactly one of day-of-month and day-of-week set to ?",
        ),
        (
            {"models": {"iris": model(image_tag=None, image_uri="docker.io/legacy:1")}},
            'models["iris"].image_uri',
            "ECR image URI",
        ),
        ({"models": {"iris": model(input_uri="/data/iris.csv")}}, 'models["iris"].input_uri', "S3 URI"),
        ({"models": {"iris": model(volume_size_gb=0)}}, 'models["iris"].volume_size_gb', "from 1 to 16384"),
        ({"models": {"iris": model()}, "create_ecr_repository": False}, 'models["iris"].image_tag', "image_uri"),
        ({"models": {"iris": model()}, "create_sagemaker_role": False}, "sagemaker_role_arn", "must be set"),
        ({"models": {"iris": model()}, "sagemaker_role_arn": "team-role"}, "The sagemaker_role_arn", "IAM role ARN"),
        ({"models": {"iris": model()}, "kms_key_arn": "alias/team"}, "The kms_key_arn", "KMS key ARN"),
        ({"models": {"iris": model()}, "schedule_expression": "cron(0 2 1 * MON *)"}, "The schedule_expression", "?"),
        ({"models": {"iris": model()}, "name_prefix": "team--bi"}, "The name_prefix", "double hyphen"),
    ],
)
def test_bad_inputs_are_refused_naming_the_variable_or_model_field(fx, tf_vars, named, allowed):
    message = refusal(fx, **tf_vars)
    assert named in message, message
    assert allowed in message, message
