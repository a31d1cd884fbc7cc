"""The emulator fails where AWS fails (issue 8, section 1): each test shows a hook refusing what AWS refuses."""

from __future__ import annotations

import pytest

from scripts import moto_extensions
from tests import e2e_support as e2e
from tests.test_moto_extensions import (  # noqa: F401  (module-scoped fixtures)
    BUILTIN_IMAGE,
    IMAGE,
    bucket,
    clients,
    emu,
    metrics,
    sagemaker,
    sfn,
    train,
    training_request,
)


# ---------------------------------------------------------------------------------------------------------------------
# Metrics as SageMaker emits them
# ---------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("uri", "builtin"),
    [
        ("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", True),
        ("246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1", True),
        ("382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1", True),
        # the registry of another region: not that region's SageMaker registry
        ("683313688378.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1", False),
        # a copy of the built-in image in a user's ECR is a custom image
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", False),
        ("my-registry.example/xgboost:1", False),
        ("", False),
    ],
)
def test_builtin_algorithm_images_are_only_those_of_sagemakers_registries(uri, builtin):
    assert moto_extensions.is_builtin_algorithm_image(uri) is builtin


def test_custom_image_without_metric_definitions_reports_no_metric(sagemaker, bucket):  # noqa: F811
    job = train(sagemaker, bucket, image=IMAGE)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert metrics(job) == {}


def test_custom_image_reports_what_its_metric_definitions_match(sagemaker, bucket):  # noqa: F811
    name = e2e.unique("job")
    request = training_request(bucket, name, image=IMAGE)
    request["AlgorithmSpecification"]["MetricDefinitions"] = [
        {"Name": "validation:accuracy", "Regex": r"validation-accuracy:([0-9.]+)"},
        {"Name": "never", "Regex": r"no-such-line:([0-9.]+)"},
    ]
    sagemaker.create_training_job(**request)
    job = e2e.poll(
        lambda: sagemaker.describe_training_job(TrainingJobName=name), "TrainingJobStatus", {"Completed", "Failed"}
    )
    assert metrics(job) == {"validation:accuracy": pytest.approx(0.9)}  # a definition that matches nothing: absent


def test_builtin_image_reports_only_its_documented_metrics(sagemaker, bucket):  # noqa: F811
    job = train(sagemaker, bucket, image=BUILTIN_IMAGE)
    assert set(metrics(job)) <= moto_extensions.BUILTIN_ALGORITHM_METRICS
    assert metrics(job)["validation:accuracy"] == pytest.approx(0.9)


# ---------------------------------------------------------------------------------------------------------------------
# Error names as Step Functions reports them ("Handling errors in Step Functions"; "AWS SDK service integrations":
# <Service>.<Name>Exception for modeled errors, the service's base exception for the others; "Handle Lambda service
# exceptions": Lambda.<Name>Exception; the SageMaker optimized integration: SageMaker.AmazonSageMakerException)
# ---------------------------------------------------------------------------------------------------------------------
def failed_task(sfn, resource: str, parameters: dict) -> e2e.Execution:  # noqa: F811
    execution = e2e.run(sfn, e2e.state_machine(sfn, e2e.one_task(resource, parameters)))
    assert execution.status == "FAILED"
    return execution


def test_aws_sdk_sagemaker_unmodeled_error_is_the_base_exception_with_the_detail_in_cause(sfn):  # noqa: F811
    # DescribeEndpoint of a missing endpoint answers ValidationException, which SageMaker's API does not model.
    out = failed_task(sfn, "arn:aws:states:::aws-sdk:sagemaker:describeEndpoint", {"EndpointName": "missing"})
    assert out.error == "SageMaker.SageMakerException"
    assert "Could not find endpoint" in out.cause and "Service: SageMaker" in out.cause


def test_aws_sdk_sfn_modeled_error_keeps_its_name(sfn):  # noqa: F811
    arn = "arn:aws:states:us-east-1:123456789012:execution:missing:missing"
    out = failed_task(sfn, "arn:aws:states:::aws-sdk:sfn:describeExecution", {"ExecutionArn": arn})
    assert out.error == "Sfn.ExecutionDoesNotExistException"
    assert "Service: Sfn" in out.cause


def test_optimized_sagemaker_unmodeled_error_is_amazon_sagemaker_exception(sfn):  # noqa: F811
    name = e2e.unique("model")
    params = {
        "ModelName": name,
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/sm",
        "PrimaryContainer": {"Image": IMAGE},
    }
    e2e.run(sfn, e2e.state_machine(sfn, e2e.one_task("arn:aws:states:::sagemaker:createModel", params)))
    out = failed_task(sfn, "arn:aws:states:::sagemaker:createModel", params)  # the name exists: ValidationException
    assert out.error == "SageMaker.AmazonSageMakerException"
    assert "Error Code: ValidationException" in out.cause and "Cannot create already existing model" in out.cause


def test_lambda_invoke_modeled_error_is_named_by_lambda(sfn):  # noqa: F811
    out = failed_task(sfn, "arn:aws:states:::lambda:invoke", {"FunctionName": "missing", "Payload": {}})
    assert out.error == "Lambda.ResourceNotFoundException"
    assert "Error Code: ResourceNotFoundException" in out.cause
