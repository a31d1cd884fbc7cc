"""The emulator fails where AWS fails (issue 8, section 1): each test shows a hook refusing what AWS refuses."""

from __future__ import annotations

import re

import pytest

from scripts import moto_extensions
from tests import e2e_support as e2e
from tests.test_moto_extensions import (  # noqa: F401  (module-scoped fixtures)
    BUILTIN_IMAGE,
    IMAGE,
    bucket,
    clients,
    deployable,
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


# ---------------------------------------------------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture
def faults():
    yield moto_extensions.inject_fault
    moto_extensions.clear_faults()


@pytest.fixture(scope="module")
def once(emu):  # noqa: F811
    """A SageMaker client that makes each call once (boto3 retries throttling and 5xx by itself)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sagemaker",
        endpoint_url=emu.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_injected_fault_fails_the_named_call_n_times_then_clears(once, faults):
    fault = faults("sagemaker", "ListEndpoints", code="ThrottlingException", message="Rate exceeded", times=2)
    for _ in range(2):
        with pytest.raises(once.exceptions.ClientError) as raised:
            once.list_endpoints()
        assert raised.value.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Endpoints" in once.list_endpoints()  # the third call goes through
    assert fault.failed == 2
    once.list_models()  # another operation of the same service was never affected


def test_injected_5xx_carries_its_status(once, faults):
    faults("sagemaker", "ListModels", code="ServiceUnavailable", http_status=503)
    with pytest.raises(once.exceptions.ClientError) as raised:
        once.list_models()
    assert raised.value.response["Error"]["Code"] == "ServiceUnavailable"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_injected_fault_matches_only_its_request(once, faults):
    faults("sagemaker", "DescribeEndpoint", code="AccessDeniedException", match="only-this-one")
    with pytest.raises(once.exceptions.ClientError, match="Could not find endpoint"):
        once.describe_endpoint(EndpointName="another")  # not matched: the real answer
    with pytest.raises(once.exceptions.ClientError, match="AccessDeniedException"):
        once.describe_endpoint(EndpointName="only-this-one")


def test_injected_throttling_reaches_the_executor_as_aws_names_it(sfn, faults):  # noqa: F811
    faults("sagemaker", "ListEndpoints", code="ThrottlingException", message="Rate exceeded")
    out = failed_task(sfn, "arn:aws:states:::aws-sdk:sagemaker:listEndpoints", {})
    # ThrottlingException is not modeled by SageMaker's API: the base exception, the detail in Cause.
    assert out.error == "SageMaker.SageMakerException"
    assert "Rate exceeded" in out.cause


def test_injected_resource_limit_on_the_optimized_integration_is_named(sfn, faults):  # noqa: F811
    faults("sagemaker", "CreateModel", code="ResourceLimitExceeded", message="quota")
    params = {"ModelName": e2e.unique("m"), "ExecutionRoleArn": "arn:aws:iam::123456789012:role/sm"}
    params["PrimaryContainer"] = {"Image": IMAGE}
    out = failed_task(sfn, "arn:aws:states:::sagemaker:createModel", params)
    assert out.error == "SageMaker.ResourceLimitExceededException"
    assert "Error Code: ResourceLimitExceeded" in out.cause


def test_a_retry_outlasts_an_injected_fault(sfn, faults):  # noqa: F811
    fault = faults("sagemaker", "ListEndpoints", code="ThrottlingException", times=2)
    definition = e2e.one_task(
        "arn:aws:states:::aws-sdk:sagemaker:listEndpoints",
        {},
        Retry=[{"ErrorEquals": ["SageMaker.SageMakerException"], "IntervalSeconds": 1, "MaxAttempts": 2}],
    )
    out = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert out.status == "SUCCEEDED", out.cause
    assert fault.failed == 2


def test_fail_job_ends_a_matching_training_job_failed_with_the_reason(sagemaker, bucket):  # noqa: F811
    undo = moto_extensions.fail_job("training", "doomed-*", "CapacityError: Unable to provision requested ML compute")
    try:
        doomed = train(sagemaker, bucket, name=e2e.unique("doomed"), image=BUILTIN_IMAGE)
        spared = train(sagemaker, bucket, name=e2e.unique("spared"), image=BUILTIN_IMAGE)
    finally:
        undo()
    assert doomed["TrainingJobStatus"] == "Failed"
    assert doomed["FailureReason"] == "CapacityError: Unable to provision requested ML compute"
    assert "FinalMetricDataList" not in doomed or doomed["FinalMetricDataList"] == []
    assert spared["TrainingJobStatus"] == "Completed"


def test_fail_job_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        moto_extensions.fail_job("tuning", "*", "x")


def test_injected_lambda_service_error_is_named_as_step_functions_names_it(sfn, faults):  # noqa: F811
    # "Handle Lambda service exceptions": a Lambda 500 ServiceException reaches the state as Lambda.ServiceException.
    faults("lambda", "Invoke", code="ServiceException", message="Internal error", http_status=500, times=10)
    out = failed_task(sfn, "arn:aws:states:::lambda:invoke", {"FunctionName": "any", "Payload": {}})
    assert out.error == "Lambda.ServiceException"
    assert "Internal error" in out.cause


# ---------------------------------------------------------------------------------------------------------------------
# Endpoint lifecycle (DescribeEndpoint EndpointStatus; UpdateEndpoint refuses an endpoint that is not stable)
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def live_endpoint(sagemaker, deployable):  # noqa: F811
    name = e2e.unique("ep")
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=deployable["good"])
    e2e.poll(lambda: sagemaker.describe_endpoint(EndpointName=name), "EndpointStatus", {"InService", "Failed"})
    return name


@pytest.mark.parametrize("status", ["Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting", "Failed"])
def test_update_endpoint_is_refused_while_not_stable(sagemaker, deployable, live_endpoint, status):  # noqa: F811
    moto_extensions.set_endpoint_status(live_endpoint, status, failure_reason="injected")
    try:
        described = sagemaker.describe_endpoint(EndpointName=live_endpoint)
        assert described["EndpointStatus"] == status and described["FailureReason"] == "injected"
        with pytest.raises(sagemaker.exceptions.ClientError) as raised:
            sagemaker.update_endpoint(EndpointName=live_endpoint, EndpointConfigName=deployable["other"])
        assert raised.value.response["Error"]["Code"] == "ValidationException"
    finally:
        moto_extensions.set_endpoint_status(live_endpoint, "InService")


@pytest.mark.parametrize("status", ["InService", "OutOfService", "UpdateRollbackFailed"])
def test_update_endpoint_is_accepted_when_stable(sagemaker, deployable, live_endpoint, status):  # noqa: F811
    moto_extensions.set_endpoint_status(live_endpoint, status)
    sagemaker.update_endpoint(EndpointName=live_endpoint, EndpointConfigName=deployable["good"])
    assert sagemaker.describe_endpoint(EndpointName=live_endpoint)["EndpointStatus"] == "Updating"
    e2e.poll(lambda: sagemaker.describe_endpoint(EndpointName=live_endpoint), "EndpointStatus", {"InService"})


def test_a_held_status_ends_in_the_given_status(sagemaker, live_endpoint):  # noqa: F811
    moto_extensions.set_endpoint_status(live_endpoint, "SystemUpdating", hold_seconds=0, then="OutOfService")
    assert sagemaker.describe_endpoint(EndpointName=live_endpoint)["EndpointStatus"] == "OutOfService"
    moto_extensions.set_endpoint_status(live_endpoint, "InService")


def test_every_describe_endpoint_status_can_be_set_and_no_other(live_endpoint):
    assert len(moto_extensions.ENDPOINT_STATUSES) == 9
    with pytest.raises(ValueError, match="must be one of"):
        moto_extensions.set_endpoint_status(live_endpoint, "Broken")


def test_create_endpoint_refuses_an_existing_name(sagemaker, deployable, live_endpoint):  # noqa: F811
    with pytest.raises(sagemaker.exceptions.ClientError, match="Cannot create already existing endpoint"):
        sagemaker.create_endpoint(EndpointName=live_endpoint, EndpointConfigName=deployable["good"])


# ---------------------------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------------------------
def test_training_channel_without_objects_fails_the_job_as_a_client_error(sagemaker, bucket):  # noqa: F811
    name = e2e.unique("job")
    request = training_request(bucket, name, image=BUILTIN_IMAGE)
    request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = f"s3://{bucket}/nothing-here/"
    sagemaker.create_training_job(**request)
    job = e2e.poll(
        lambda: sagemaker.describe_training_job(TrainingJobName=name), "TrainingJobStatus", {"Completed", "Failed"}
    )
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith(
        f'ClientError: Data download failed:No S3 objects found under S3 URL "s3://{bucket}/nothing-here/"'
    )


# The SageMaker optimized integration's actions ("Create and manage Amazon SageMaker AI jobs with Step Functions").
@pytest.mark.parametrize("action", ["describeEndpoint", "deleteEndpoint", "createTrainingJob.waitForTaskToken"])
def test_optimized_sagemaker_refuses_an_unsupported_action_at_creation(sfn, action):  # noqa: F811
    definition = e2e.one_task(f"arn:aws:states:::sagemaker:{action}", {"EndpointName": "x"})
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        e2e.state_machine(sfn, definition)


@pytest.mark.parametrize(
    "action",
    [
        "createEndpoint", "createEndpointConfig", "createModel", "updateEndpoint",
        "createTrainingJob.sync", "createProcessingJob.sync", "createTransformJob.sync",
        "createHyperParameterTuningJob", "createLabelingJob",
    ],
)  # fmt: skip
def test_optimized_sagemaker_accepts_the_supported_actions(sfn, action):  # noqa: F811
    e2e.state_machine(sfn, e2e.one_task(f"arn:aws:states:::sagemaker:{action}", {}))


def test_aws_sdk_timestamps_reach_the_state_as_iso_strings(sfn):  # noqa: F811
    """An aws-sdk Task's result is JSON: timestamps are strings, and the execution can be described afterwards."""
    target = e2e.state_machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    definition = e2e.one_task("arn:aws:states:::aws-sdk:sfn:describeStateMachine", {"StateMachineArn": target})
    out = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert out.status == "SUCCEEDED", out.cause
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", out.output["CreationDate"]), out.output
