"""The root module's shared inputs are checked at plan: each bad value is refused with a message that names the
variable and says what is allowed (AWS's own limits: S3 bucket names, tag rules, the names built from name_prefix)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.plan

BAD = [
    # A double hyphen: ECR refuses it in "<prefix>-training" (repository names join groups with single separators).
    ({"name_prefix": "ml--prod"}, "name_prefix", "single hyphens"),
    ({"name_prefix": ""}, "name_prefix", "1-26 letters and digits"),
    ({"name_prefix": "-ml"}, "name_prefix", "no leading"),
    ({"name_prefix": "a" * 27}, "name_prefix", "1-26"),
    ({"name_prefix": "sthree-ml"}, "name_prefix", "sthree-"),
    ({"name_prefix": "ml_prod"}, "name_prefix", "letters and digits"),
    ({"tags": {"aws:owner": "me"}}, "tags", 'reserved prefix "aws:"'),
    ({"tags": {"AWS:owner": "me"}}, "tags", "reserved prefix"),
    ({"tags": {"k" * 129: "v"}}, "tags", "each key 1-128"),
    ({"tags": {"owner": "v" * 257}}, "tags", "each value 0-256"),
    ({"tags": {"owner": "a;b"}}, "tags", "letters, digits, spaces"),
    ({"tags": {f"k{i}": "v" for i in range(51)}}, "tags", "at most 50"),
    ({"artifact_bucket_name": "My_Bucket"}, "artifact_bucket_name", "valid S3 bucket name"),
    ({"artifact_bucket_name": ""}, "artifact_bucket_name", "valid S3 bucket name"),
    ({"artifact_bucket_name": "ab"}, "artifact_bucket_name", "3-63"),
    ({"artifact_bucket_name": "my..bucket"}, "artifact_bucket_name", "no two adjacent dots"),
    ({"artifact_bucket_name": "192.168.1.10"}, "artifact_bucket_name", "not an IP address"),
    ({"artifact_bucket_name": "xn--bucket"}, "artifact_bucket_name", "xn--"),
    ({"artifact_bucket_name": "bucket-s3alias"}, "artifact_bucket_name", "-s3alias"),
    ({"notification_emails": {"team": "nobody"}}, "notification_emails", "name@domain.tld"),
    ({"kms_key_arn": ""}, "kms_key_arn", "KMS key ARN"),
    ({"kms_key_arn": "alias/ml"}, "kms_key_arn", "KMS key ARN"),
    ({"retraining_alarm_kinds": ["errors"]}, "retraining_alarm_kinds", '"executions", "dead_letter_queue"'),
    ({"batch_inference_alarm_kinds": ["dlq"]}, "batch_inference_alarm_kinds", '"lambda_errors"'),
    ({"approved_deployment_alarm_kinds": ["all"]}, "approved_deployment_alarm_kinds", "[] creates no alarm"),
    ({"create_artifact_bucket": False}, "artifact_bucket_name", "must be set when create_artifact_bucket is false"),
]


@pytest.mark.parametrize(("tf_vars", "variable", "allowed"), BAD, ids=[f"{v}-{i}" for i, (_, v, _) in enumerate(BAD)])
def test_bad_shared_input_is_refused_naming_the_variable(tf_fixture, tf_vars, variable, allowed):
    message = tf_fixture("root_inputs").plan_error(**tf_vars)
    assert f"The {variable}" in message or f"value of {variable}" in message, message
    assert allowed in message, message


def test_a_bad_model_field_names_the_model_and_the_root_variable(tf_fixture):
    model = {"training_image_uri": "docker.io/library/trainer:v1", "metric_definitions": []}
    message = tf_fixture("root_inputs").plan_error(retraining_models={"churn": model})
    # Terraform prints the message as a quoted string: models[\"churn\"].
    assert 'The models[\\"churn\\"].training_image_uri must be an ECR image URI' in message, message
    assert "retraining_models" in message, message
