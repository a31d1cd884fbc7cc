"""Tests of the emulator's extensions (scripts/moto_extensions.py) themselves, on a moto server in this process."""

from __future__ import annotations

import copy
import io
import json
import sys
import tarfile
import textwrap
import threading
import time

import pytest

from scripts import local_containers, moto_timing
from scripts import moto_extensions as mx
from tests import e2e_support as e2e

ROLE = "arn:aws:iam::123456789012:role/sagemaker-test"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/test-training:v1"
# A built-in algorithm image (SageMaker's XGBoost registry in us-east-1): it publishes its metrics without
# MetricDefinitions; the custom IMAGE publishes none (see tests/test_emulator_strict.py).
BUILTIN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
TRANSITION_SECONDS = 1.0


@pytest.fixture(scope="module")
def emu(emulator):
    # The hooks other than IAM, with roles that have no policies: IAM evaluation is tested in test_emulator_iam.py.
    from moto.core.config import default_user_config

    emulator.executor_before = copy.deepcopy(default_user_config.get("stepfunctions"))
    emulator.install_extensions(endpoint_transition_seconds=TRANSITION_SECONDS, enforce_iam=False)
    yield emulator
    mx.uninstall()


@pytest.fixture(scope="module")
def clients(emu):
    return {name: emu.client(name) for name in ("s3", "sagemaker", "stepfunctions", "lambda", "iam", "logs")}


@pytest.fixture(scope="module")
def sfn(clients):
    return clients["stepfunctions"]


@pytest.fixture(scope="module")
def sagemaker(clients):
    return clients["sagemaker"]


@pytest.fixture(scope="module")
def bucket(clients):
    """A bucket with the artifact store's TLS-only policy, holding a good and a noisy data set."""
    s3 = clients["s3"]
    name = e2e.unique("ext-data")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(tls_only_policy(name)))
    s3.put_object(Bucket=name, Key="data/train/part-1.csv", Body=e2e.iris_like_csv(90, seed=1))
    s3.put_object(Bucket=name, Key="data/train/part-2.csv", Body=e2e.iris_like_csv(60, seed=2))
    s3.put_object(Bucket=name, Key="data/validation/validation.csv", Body=e2e.iris_like_csv(30, seed=3, wrong_labels=3))
    s3.put_object(Bucket=name, Key="batch/input.csv", Body=features_only(e2e.iris_like_csv(12, seed=4)))
    return name


def tls_only_policy(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def features_only(csv: str) -> str:
    return "".join(line.split(",", 1)[1] + "\n" for line in csv.splitlines())


def training_request(bucket: str, name: str, image: str = IMAGE, **hyperparameters: str) -> dict:
    return {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
        "HyperParameters": hyperparameters or {"max_depth": "5", "eta": "0.2"},
        "InputDataConfig": [
            {
                "ChannelName": channel,
                "ContentType": "text/csv",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{bucket}/data/{channel}/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
            for channel in ("train", "validation")
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/models/"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def train(sagemaker, bucket: str, name: str | None = None, **kwargs) -> dict:
    name = name or e2e.unique("job")
    sagemaker.create_training_job(**training_request(bucket, name, **kwargs))
    return e2e.poll(
        lambda: sagemaker.describe_training_job(TrainingJobName=name), "TrainingJobStatus", {"Completed", "Failed"}
    )


def metrics(job: dict) -> dict[str, float]:
    return {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])}


# ---------------------------------------------------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------------------------------------------------
def test_refuses_another_moto_version(monkeypatch):
    import moto

    monkeypatch.setattr(moto, "__version__", "5.3.0")
    with pytest.raises(mx.UnsupportedMotoVersion, match=r"written for moto 5\.2\.5.*moto 5\.3\.0 is installed"):
        mx.install("http://127.0.0.1:1")


def test_uninstall_restores_moto(emu):
    from moto.awslambda.models import LambdaFunction
    from moto.core.config import default_user_config
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory

    patched = (LambdaFunction._invoke_lambda, SageMakerModelBackend.create_training_job)
    mx.uninstall()
    try:
        assert not mx.installed()
        assert LambdaFunction._invoke_lambda is not patched[0]
        assert SageMakerModelBackend.create_training_job is not patched[1]
        assert not hasattr(SageMakerModelBackend, "update_endpoint")
        assert state_task_factory.state_task_service_for.__module__.startswith("moto.")
        assert default_user_config["stepfunctions"] == emu.executor_before
    finally:
        emu.install_extensions(endpoint_transition_seconds=TRANSITION_SECONDS, enforce_iam=False)
    assert LambdaFunction._invoke_lambda.__module__ == "scripts.moto_extensions"
    assert default_user_config["stepfunctions"]["execute_state_machine"] is True


# ---------------------------------------------------------------------------------------------------------------------
# Step Functions executor
# ---------------------------------------------------------------------------------------------------------------------


def test_distributed_map_children_events_are_kept(sfn):
    definition = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Inner",
                    "States": {"Inner": {"Type": "Pass", "Next": "Last"}, "Last": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    run = e2e.run(sfn, e2e.state_machine(sfn, definition), {"items": [1, 2]})
    assert run.status == "SUCCEEDED", run.explain()
    assert "Inner" not in run.states_entered()  # moto keeps the children out of the parent's history, as AWS does
    [arn] = [e["mapRunStartedEventDetails"]["mapRunArn"] for e in run.events if e["type"] == "MapRunStarted"]
    children = mx.map_run_events(arn)
    entered = [e["stateEnteredEventDetails"]["name"] for e in children if e["type"].endswith("StateEntered")]
    assert sorted(entered) == ["Inner", "Inner", "Last", "Last"]
    json.dumps(children)  # JSON-ready, like GetExecutionHistory's events
    assert mx.map_run_events("arn:aws:states:us-east-1:123456789012:mapRun:none/none:none") == []


def test_unnamed_execution_gets_a_uuid_name(sfn):
    arn = e2e.state_machine(
        sfn,
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"name.$": "$$.Execution.Name"}, "End": True}}},
    )
    execution = e2e.run(sfn, arn)
    name = execution.arn.rsplit(":", 1)[1]
    assert len(name) == 36 and name.count("-") == 4
    assert execution.output == {"name": name}


def test_aws_sdk_list_executions_maps_parameters_and_result(sfn):
    definition = e2e.one_task(
        "arn:aws:states:::aws-sdk:sfn:listExecutions",
        {"StateMachineArn.$": "$$.StateMachine.Id", "StatusFilter": "RUNNING", "MaxResults": 2},
        ResultSelector={"running.$": "States.ArrayLength($.Executions)", "first.$": "$.Executions[0].ExecutionArn"},
    )
    # The shapes only: without the ListExecutions lag (scripts/moto_timing.py), which hides a just-started execution.
    with moto_timing.lag(0):
        execution = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"running": 1, "first": execution.arn}


def test_aws_sdk_sagemaker_errors_are_named_as_in_aws(sfn):
    definition = e2e.one_task(
        "arn:aws:states:::aws-sdk:sagemaker:describeEndpoint",
        {"EndpointName": e2e.unique("missing")},
        Catch=[{"ErrorEquals": ["SageMaker.SageMakerException"], "ResultPath": "$.caught", "Next": "Caught"}],
    )
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    execution = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert execution.status == "SUCCEEDED"
    assert execution.states_entered() == ["Task", "Caught"]
    assert execution.output["caught"]["Error"] == "SageMaker.SageMakerException"
    assert "Could not find endpoint" in execution.output["caught"]["Cause"]


def test_sagemaker_request_response_errors_are_named_as_in_aws(sfn, sagemaker):
    name = e2e.unique("model")
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    definition = e2e.one_task(
        "arn:aws:states:::sagemaker:createModel",
        {"ModelName": name, "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMAGE}},
    )
    execution = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert execution.status == "FAILED"
    assert execution.error == "SageMaker.AmazonSageMakerException"
    assert "Cannot create already existing model" in execution.cause


def test_an_item_reader_that_cannot_read_fails_with_item_reader_failed(sfn, bucket):
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]
    definition = e2e.distributed_map({"Bucket": bucket, "Key": "no/such/manifest.json"}, Catch=catch)
    run = e2e.run(sfn, e2e.state_machine(sfn, definition), {})
    assert run.status == "SUCCEEDED", run.explain()
    assert run.output["error"]["Error"] == "States.ItemReaderFailed"  # moto alone: States.Runtime
    assert "NoSuchKey" in run.output["error"]["Cause"]


def test_a_distributed_map_may_have_express_children(sfn, bucket, clients):
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    clients["s3"].put_object(Bucket=bucket, Key="express/items.json", Body=b'[{"n": 1}, {"n": 2}]')
    twice = {"Parameters": {"twice.$": "States.MathAdd($.n, $.n)"}}
    definition = e2e.distributed_map({"Bucket": bucket, "Key": "express/items.json"}, twice, "EXPRESS")
    arn = e2e.state_machine(sfn, definition)
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == definition
    run = e2e.run(sfn, arn, {})
    assert run.status == "SUCCEEDED", run.explain()
    assert run.output == [{"twice": 2}, {"twice": 4}]
    with pytest.raises(Exception, match="expecting '\"STANDARD\"'"):  # moto's own parser
        AmazonStateLanguageParser.parse.__wrapped__(json.dumps(definition))


def test_an_inline_map_fails_with_its_iterations_states_error(sfn, clients, emu):
    """An iteration's States.Timeout fails the Map with States.Timeout, which its Catch names (moto alone:
    States.Runtime, "Custom Error Names MUST NOT begin with the prefix 'States.'")."""
    queue = emu.client("sqs").create_queue(QueueName=e2e.unique("iteration"))["QueueUrl"]
    waits = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 1,
        "End": True,
    }
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Wait", "States": {"Wait": waits}},
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    run = e2e.run(sfn, e2e.state_machine(sfn, definition), {"items": [1]})
    assert run.status == "SUCCEEDED", run.explain()
    assert run.output["error"]["Error"] == "States.Timeout"


def test_states_all_does_not_catch_a_runtime_error(sfn):
    """A Parameters path missing from the input is a States.Runtime error, which ends an AWS execution even under a
    Catch of States.ALL (moto alone catches it)."""
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]
    definition = e2e.one_task("arn:aws:states:::aws-sdk:sfn:listStateMachines", {"MaxResults.$": "$.missing"})
    task = definition["States"]["Task"]
    del task["End"]
    task.update(Catch=catch, Next="Caught")
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    uncaught = e2e.run(sfn, e2e.state_machine(sfn, definition), {})
    assert (uncaught.status, uncaught.error) == ("FAILED", "States.Runtime"), uncaught.explain()
    assert "could not be found in the input" in uncaught.cause


def test_sagemaker_sync_is_refused_for_actions_without_it(sfn):
    definition = e2e.one_task("arn:aws:states:::sagemaker:createModel.sync", {"ModelName": "x"})
    # Refused at creation, as AWS does (tests/test_emulator_strict.py covers every supported action).
    with pytest.raises(sfn.exceptions.InvalidDefinition, match=r"createModel\.sync is not recognized"):
        e2e.state_machine(sfn, definition)


# ---------------------------------------------------------------------------------------------------------------------
# S3 bucket policies
# ---------------------------------------------------------------------------------------------------------------------
def test_tls_only_bucket_policy_lets_requests_through(clients, bucket):
    s3 = clients["s3"]
    s3.put_object(Bucket=bucket, Key="probe.txt", Body=b"ok")
    assert s3.get_object(Bucket=bucket, Key="probe.txt")["Body"].read() == b"ok"


def test_unconditional_deny_still_denies(clients):
    s3 = clients["s3"]
    name = e2e.unique("ext-denied")
    s3.create_bucket(Bucket=name)
    policy = tls_only_policy(name)
    del policy["Statement"][0]["Condition"]
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    with pytest.raises(s3.exceptions.ClientError) as denied:
        s3.put_object(Bucket=name, Key="x", Body=b"x")
    # S3's own error, as SDKs name it (moto answers a bare 403 without the hook).
    assert denied.value.response["Error"] == {"Code": "AccessDenied", "Message": "Access Denied"}
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# ---------------------------------------------------------------------------------------------------------------------
# SageMaker jobs and their stand-in containers
# ---------------------------------------------------------------------------------------------------------------------
def test_training_job_reports_the_validation_metric_it_measured(clients, sagemaker, bucket):
    name = e2e.unique("job")
    sagemaker.create_training_job(**training_request(bucket, name, image=BUILTIN_IMAGE))
    started = sagemaker.describe_training_job(TrainingJobName=name)
    assert started["TrainingJobStatus"] == "InProgress"
    assert "FinalMetricDataList" not in started and "ModelArtifacts" not in started

    job = e2e.poll(
        lambda: sagemaker.describe_training_job(TrainingJobName=name), "TrainingJobStatus", {"Completed", "Failed"}
    )
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    # 3 of the 30 validation rows are mislabelled and the classes are well separated: exactly 0.9.
    assert metrics(job)["validation:accuracy"] == pytest.approx(0.9)
    assert metrics(job)["validation:error"] == pytest.approx(0.1)
    assert metrics(job)["train:accuracy"] == 1.0
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
        "Starting",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert "MetricDefinitions" not in job["AlgorithmSpecification"]

    artifact = job["ModelArtifacts"]["S3ModelArtifacts"]
    assert artifact == f"s3://{bucket}/models/{name}/output/model.tar.gz"
    body = clients["s3"].get_object(Bucket=bucket, Key=artifact.split(f"{bucket}/", 1)[1])["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert sorted(tar.getnames()) == sorted([local_containers.MODEL_FILE, local_containers.MODEL_META_FILE])

    logs = clients["logs"].filter_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=name)
    assert any("validation-error:0.10000" in e["message"] for e in logs["events"])


def test_hyperparameters_select_a_weaker_candidate(sagemaker, bucket):
    strong = train(sagemaker, bucket, image=BUILTIN_IMAGE, algorithm="logistic_regression")
    weak = train(sagemaker, bucket, image=BUILTIN_IMAGE, algorithm="baseline")
    assert metrics(strong)["validation:accuracy"] == pytest.approx(0.9)
    assert metrics(weak)["validation:accuracy"] == pytest.approx(1 / 3)  # the most frequent class, of three


def test_bad_hyperparameters_fail_as_a_client_error(sagemaker, bucket):
    job = train(sagemaker, bucket, algorithm="svm")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: hyperparameter algorithm must be one of gradient_boosting")


def test_metric_definitions_take_metrics_from_the_logs(sagemaker, bucket):
    name = e2e.unique("job")
    request = training_request(bucket, name)
    request["AlgorithmSpecification"]["MetricDefinitions"] = [{"Name": "valid:err", "Regex": r"validation-error:(\S+)"}]
    sagemaker.create_training_job(**request)
    job = e2e.poll(
        lambda: sagemaker.describe_training_job(TrainingJobName=name), "TrainingJobStatus", {"Completed", "Failed"}
    )
    assert metrics(job) == {"valid:err": pytest.approx(0.1)}
    assert job["AlgorithmSpecification"]["MetricDefinitions"] == request["AlgorithmSpecification"]["MetricDefinitions"]


def test_training_job_without_data_fails_as_a_client_error(clients, sagemaker, bucket):
    name = e2e.unique("job")
    request = training_request(bucket, name)
    request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = f"s3://{bucket}/nothing-here/"
    sagemaker.create_training_job(**request)
    job = e2e.poll(
        lambda: sagemaker.describe_training_job(TrainingJobName=name), "TrainingJobStatus", {"Completed", "Failed"}
    )
    assert job["TrainingJobStatus"] == "Failed"
    # An empty prefix fails before the container runs, as in AWS (tests/test_emulator_strict.py).
    assert job["FailureReason"].startswith("ClientError: Data download failed:No S3 objects found under S3 URL")
    assert "ModelArtifacts" not in job and "FinalMetricDataList" not in job


def test_training_job_names_are_unique(sagemaker, bucket):
    job = train(sagemaker, bucket)
    with pytest.raises(sagemaker.exceptions.ClientError, match="must be unique"):
        sagemaker.create_training_job(**training_request(bucket, job["TrainingJobName"]))


def test_list_models_honours_name_contains(sagemaker):
    prefix = e2e.unique("listed")
    for name in (f"{prefix}-a", f"{prefix}-b", f"other-{prefix}x"):
        sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    listed = {
        m["ModelName"]
        for p in sagemaker.get_paginator("list_models").paginate(NameContains=f"{prefix}-")
        for m in p["Models"]
    }
    assert listed == {f"{prefix}-a", f"{prefix}-b"}
    assert f"other-{prefix}x" in {m["ModelName"] for m in sagemaker.list_models(MaxResults=100)["Models"]}


def test_registered_container_is_chosen_by_image(sagemaker, bucket):
    def broken(run):
        raise ValueError(f"boom in {run.image}")

    unregister = mx.register_container("training", "*/broken-training:*", broken)
    try:
        job = train(sagemaker, bucket, image="123456789012.dkr.ecr.us-east-1.amazonaws.com/broken-training:v2")
        assert job["FailureReason"] == (
            "AlgorithmError: ValueError: boom in 123456789012.dkr.ecr.us-east-1.amazonaws.com/broken-training:v2"
        )
        assert train(sagemaker, bucket)["TrainingJobStatus"] == "Completed"  # other images: the default
    finally:
        unregister()


def test_training_sync_output_is_the_describe_training_job_response(sfn, bucket):
    name = e2e.unique("job")
    request = training_request(bucket, name, image=BUILTIN_IMAGE)
    definition = e2e.one_task("arn:aws:states:::sagemaker:createTrainingJob.sync", request)
    execution = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert execution.status == "SUCCEEDED", execution.cause
    out = execution.output
    assert out["TrainingJobName"] == name and out["TrainingJobStatus"] == "Completed"
    assert out["ModelArtifacts"]["S3ModelArtifacts"].endswith(f"/{name}/output/model.tar.gz")
    assert metrics(out)["validation:accuracy"] == pytest.approx(0.9)
    assert isinstance(out["CreationTime"], int) and isinstance(out["TrainingEndTime"], int)  # epoch milliseconds
    types = [e["type"] for e in execution.events]
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")


def test_training_sync_failure_fails_the_task_with_the_job_as_cause(sfn, bucket):
    request = training_request(bucket, e2e.unique("job"))
    request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = f"s3://{bucket}/nothing-here/"
    definition = e2e.one_task(
        "arn:aws:states:::sagemaker:createTrainingJob.sync",
        request,
        Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}],
    )
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    execution = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert execution.states_entered() == ["Task", "Caught"]
    failure = execution.task_failures()[0]
    assert failure["error"] == "States.TaskFailed"
    cause = json.loads(failure["cause"])
    assert cause["TrainingJobStatus"] == "Failed"
    assert cause["FailureReason"].startswith("ClientError: Data download failed:No S3 objects found under S3 URL")


def test_transform_sync_predicts_with_the_trained_model(clients, sfn, sagemaker, bucket):
    job = train(sagemaker, bucket)
    model = e2e.unique("model")
    sagemaker.create_model(
        ModelName=model,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"]},
    )
    output = f"s3://{bucket}/batch-out/{model}/"
    definition = e2e.one_task(
        "arn:aws:states:::sagemaker:createTransformJob.sync",
        {
            "TransformJobName": e2e.unique("transform"),
            "ModelName": model,
            "TransformInput": {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/batch/"}},
                "ContentType": "text/csv",
                "SplitType": "Line",
            },
            "TransformOutput": {"S3OutputPath": output, "AssembleWith": "Line"},
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        },
    )
    execution = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["TransformJobStatus"] == "Completed"
    body = clients["s3"].get_object(Bucket=bucket, Key=f"batch-out/{model}/input.csv.out")["Body"].read().decode()
    # The rows cycle through the classes 0, 1, 2 (e2e.iris_like_csv), which the model learnt perfectly.
    assert body.split() == [str(i % 3) for i in range(12)]


PROCESSING_SCRIPT = textwrap.dedent(
    """\
    import csv, os, sys
    rows = list(csv.reader(open("/opt/ml/processing/input/rows.csv")))
    scale = float(os.environ["SCALE"])
    with open(os.path.join("/opt/ml/processing/output", sys.argv[2]), "w") as out:
        for row in rows:
            out.write(",".join(str(float(v) * scale) for v in row) + "\\n")
    print("scaled", len(rows), "rows")
    """
)


def processing_request(bucket: str, name: str, script: str) -> dict:
    return {
        "ProcessingJobName": name,
        "RoleArn": ROLE,
        "AppSpecification": {
            "ImageUri": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
            "ContainerEntrypoint": ["python3", "/opt/ml/processing/code/scale.py"],
            "ContainerArguments": ["--output", "scaled.csv"],
        },
        "Environment": {"SCALE": "10"},
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        "ProcessingInputs": [
            {"InputName": "code", "S3Input": s3_input(f"s3://{bucket}/{script}", "/opt/ml/processing/code")},
            {"InputName": "input", "S3Input": s3_input(f"s3://{bucket}/processing/rows/", "/opt/ml/processing/input")},
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "output",
                    "S3Output": {
                        "S3Uri": f"s3://{bucket}/processing/out/{name}/",
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
    }


def s3_input(uri: str, local_path: str) -> dict:
    return {
        "S3Uri": uri,
        "LocalPath": local_path,
        "S3DataType": "S3Prefix",
        "S3InputMode": "File",
        "S3DataDistributionType": "FullyReplicated",
    }


def test_processing_sync_runs_the_script_on_the_inputs(clients, sfn, sagemaker, bucket):
    s3 = clients["s3"]
    s3.put_object(Bucket=bucket, Key="processing/code/scale.py", Body=PROCESSING_SCRIPT)
    s3.put_object(Bucket=bucket, Key="processing/rows/rows.csv", Body="1,2\n3,4\n")
    name = e2e.unique("processing")
    definition = e2e.one_task(
        "arn:aws:states:::sagemaker:createProcessingJob.sync",
        processing_request(bucket, name, "processing/code/"),
    )
    execution = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["ProcessingJobStatus"] == "Completed"
    assert execution.output["Environment"] == {"SCALE": "10"}
    body = s3.get_object(Bucket=bucket, Key=f"processing/out/{name}/scaled.csv")["Body"].read().decode()
    assert body == "10.0,20.0\n30.0,40.0\n"


def test_failing_processing_script_fails_the_job_with_its_error(clients, sfn, bucket):
    clients["s3"].put_object(Bucket=bucket, Key="processing/broken/scale.py", Body="raise SystemExit('bad input')\n")
    definition = e2e.one_task(
        "arn:aws:states:::sagemaker:createProcessingJob.sync",
        processing_request(bucket, e2e.unique("processing"), "processing/broken/"),
    )
    execution = e2e.run(sfn, e2e.state_machine(sfn, definition))
    assert execution.status == "FAILED" and execution.error == "States.TaskFailed"
    cause = json.loads(execution.cause)
    assert cause["ProcessingJobStatus"] == "Failed"
    assert cause["FailureReason"] == "AlgorithmError: RuntimeError: the script exited with code 1: bad input"


# ---------------------------------------------------------------------------------------------------------------------
# SageMaker endpoints
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def deployable(sagemaker, bucket):
    """Two endpoint configs with trained model data, and one whose model data is missing."""
    job = train(sagemaker, bucket)
    artifact = job["ModelArtifacts"]["S3ModelArtifacts"]
    configs = {}
    for kind, url in (("good", artifact), ("other", artifact), ("missing", f"s3://{bucket}/models/none/model.tar.gz")):
        model = e2e.unique(f"model-{kind}")
        sagemaker.create_model(
            ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE, "ModelDataUrl": url}
        )
        configs[kind] = e2e.unique(f"config-{kind}")
        sagemaker.create_endpoint_config(
            EndpointConfigName=configs[kind],
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": model,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
    return configs


def endpoint_status(sagemaker, name: str) -> dict:
    return sagemaker.describe_endpoint(EndpointName=name)


def test_endpoint_is_creating_then_in_service(sagemaker, deployable):
    name = e2e.unique("endpoint")
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=deployable["good"])
    assert endpoint_status(sagemaker, name)["EndpointStatus"] == "Creating"
    with pytest.raises(sagemaker.exceptions.ClientError, match="Cannot create already existing endpoint"):
        sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=deployable["good"])
    with pytest.raises(sagemaker.exceptions.ClientError, match="Cannot update in-progress endpoint"):
        sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=deployable["other"])
    time.sleep(TRANSITION_SECONDS)
    ready = endpoint_status(sagemaker, name)
    assert ready["EndpointStatus"] == "InService" and ready["EndpointConfigName"] == deployable["good"]


def test_update_endpoint_switches_config_when_done(sagemaker, deployable):
    name = e2e.unique("endpoint")
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=deployable["good"])
    e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService"})
    sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=deployable["other"])
    updating = endpoint_status(sagemaker, name)
    assert updating["EndpointStatus"] == "Updating"
    assert updating["EndpointConfigName"] == deployable["good"]  # the old config serves until the update is done
    done = e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService", "Failed"})
    assert done["EndpointConfigName"] == deployable["other"] and "FailureReason" not in done


def test_endpoint_without_model_data_fails(sagemaker, deployable):
    name = e2e.unique("endpoint")
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=deployable["missing"])
    failed = e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService", "Failed"})
    assert failed["EndpointStatus"] == "Failed"
    assert "Failed to download model data" in failed["FailureReason"]


def test_failed_update_rolls_back_to_the_old_config(sagemaker, deployable):
    name = e2e.unique("endpoint")
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=deployable["good"])
    e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService"})
    sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=deployable["missing"])
    time.sleep(TRANSITION_SECONDS)
    after = e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService", "Failed"})
    assert after["EndpointStatus"] == "InService"
    assert after["EndpointConfigName"] == deployable["good"]
    assert "Failed to download model data" in after["FailureReason"]


BLUE_GREEN = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "WaitIntervalInSeconds": 60,
            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20},
        },
        "MaximumExecutionTimeoutInSeconds": 600,
    },
}


def _blue_green(alarm: str) -> dict:
    return {**BLUE_GREEN, "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": alarm}]}}


def _alarm(emu, state: str) -> str:
    """A CloudWatch alarm on the endpoint's 5xx errors, forced into ``state``."""
    cloudwatch = emu.client("cloudwatch")
    name = e2e.unique("rollback-5xx")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")
    return name


def _in_service(sagemaker, config: str) -> str:
    name = e2e.unique("endpoint")
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=config)
    e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService"})
    return name


def test_blue_green_update_stays_updating_for_the_rollout_then_serves_the_new_config(emu, sagemaker, deployable):
    name = _in_service(sagemaker, deployable["good"])
    alarm = _alarm(emu, "OK")
    started = time.monotonic()
    sagemaker.update_endpoint(
        EndpointName=name, EndpointConfigName=deployable["other"], DeploymentConfig=_blue_green(alarm)
    )
    # Longer than a plain update: still Updating (the old config serving) after one transition.
    time.sleep(TRANSITION_SECONDS + 0.3)
    during = endpoint_status(sagemaker, name)
    assert during["EndpointStatus"] == "Updating" and during["EndpointConfigName"] == deployable["good"]
    done = e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService", "Failed"})
    assert time.monotonic() - started >= 3 * TRANSITION_SECONDS
    assert done["EndpointConfigName"] == deployable["other"] and "FailureReason" not in done
    assert done["LastDeploymentConfig"] == _blue_green(alarm)


def test_an_alarm_in_alarm_during_the_rollout_rolls_back_to_the_old_config(emu, sagemaker, deployable):
    name = _in_service(sagemaker, deployable["good"])
    alarm = _alarm(emu, "OK")
    sagemaker.update_endpoint(
        EndpointName=name, EndpointConfigName=deployable["other"], DeploymentConfig=_blue_green(alarm)
    )
    assert endpoint_status(sagemaker, name)["EndpointStatus"] == "Updating"
    emu.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="5xx on the canary")
    rolling = endpoint_status(sagemaker, name)
    assert rolling["EndpointStatus"] == "RollingBack"
    with pytest.raises(sagemaker.exceptions.ClientError, match="Cannot update in-progress endpoint"):
        sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=deployable["other"])
    back = e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService", "Failed"})
    assert back["EndpointStatus"] == "InService"
    assert back["EndpointConfigName"] == deployable["good"]  # the old config is back in service
    assert alarm in back["FailureReason"] and "rolled back" in back["FailureReason"]


def test_an_alarm_outside_the_rollout_or_a_plain_update_does_not_roll_back(emu, sagemaker, deployable):
    tripped = _alarm(emu, "ALARM")
    # A plain update (no DeploymentConfig) ignores alarms and takes one transition.
    name = _in_service(sagemaker, deployable["good"])
    sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=deployable["other"])
    done = e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService", "Failed"})
    assert done["EndpointConfigName"] == deployable["other"] and "LastDeploymentConfig" not in done
    # A blue/green update without AutoRollbackConfiguration has nothing to watch.
    sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=deployable["good"], DeploymentConfig=BLUE_GREEN)
    done = e2e.poll(lambda: endpoint_status(sagemaker, name), "EndpointStatus", {"InService", "Failed"})
    assert done["EndpointConfigName"] == deployable["good"] and tripped


def test_update_of_a_missing_endpoint_is_refused(sagemaker, deployable):
    with pytest.raises(sagemaker.exceptions.ClientError, match="Could not find endpoint"):
        sagemaker.update_endpoint(EndpointName=e2e.unique("nowhere"), EndpointConfigName=deployable["good"])


def test_models_and_endpoint_configs_refuse_existing_names(sagemaker, deployable):
    with pytest.raises(sagemaker.exceptions.ClientError, match="Cannot create already existing endpoint configuration"):
        sagemaker.create_endpoint_config(
            EndpointConfigName=deployable["good"],
            ProductionVariants=[
                {"VariantName": "v", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
            ],
        )


# ---------------------------------------------------------------------------------------------------------------------
# Lambda handlers
# ---------------------------------------------------------------------------------------------------------------------
HANDLER = textwrap.dedent(
    """\
    import os
    import boto3
    from common import greeting

    CALLS = []

    class NotAllowed(Exception):
        pass

    def handler(event, context):
        CALLS.append(event)
        if event.get("fail"):
            raise NotAllowed(f"refusing {event['fail']}")
        if "bucket" in event:  # the handler's own AWS calls reach the emulator
            boto3.client("s3").put_object(Bucket=event["bucket"], Key=event["key"], Body=event["body"].encode())
        return {"greeting": greeting(os.environ["WHO"]), "calls": len(CALLS), "function": context.function_name}
    """
)


def lambda_role(clients) -> str:
    """A role Lambda may assume (moto checks), made once per module."""
    if "lambda_role" not in clients:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        role = clients["iam"].create_role(RoleName=e2e.unique("lambda"), AssumeRolePolicyDocument=json.dumps(trust))
        clients["lambda_role"] = role["Role"]["Arn"]
    return clients["lambda_role"]


def create_function(
    clients, files: dict[str, str], env: dict[str, str] | None = None, handler: str = "app.handler"
) -> str:
    name = e2e.unique("fn")
    clients["lambda"].create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role(clients),
        Handler=handler,
        Code={"ZipFile": e2e.zip_package(files)},
        Environment={"Variables": env or {}},
        Timeout=30,
    )
    return name


def invoke(clients, name: str, event: dict) -> tuple[dict, str | None]:
    response = clients["lambda"].invoke(FunctionName=name, Payload=json.dumps(event))
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_lambda_runs_the_packaged_handler_warm(clients):
    name = create_function(
        clients, {"app.py": HANDLER, "common.py": "def greeting(who):\n    return f'hello {who}'\n"}, {"WHO": "sfn"}
    )
    assert invoke(clients, name, {}) == ({"greeting": "hello sfn", "calls": 1, "function": name}, None)
    assert invoke(clients, name, {})[0]["calls"] == 2  # module state survives between invocations, as in Lambda


def test_lambda_error_carries_the_exception_name(clients):
    name = create_function(
        clients, {"app.py": HANDLER, "common.py": "def greeting(who):\n    return who\n"}, {"WHO": "x"}
    )
    payload, function_error = invoke(clients, name, {"fail": "this"})
    assert function_error
    assert payload["errorType"] == "NotAllowed" and payload["errorMessage"] == "refusing this"


def test_lambda_packages_with_same_module_names_stay_apart(clients):
    first = create_function(
        clients, {"app.py": HANDLER, "common.py": "def greeting(who):\n    return 'one ' + who\n"}, {"WHO": "a"}
    )
    second = create_function(
        clients, {"app.py": HANDLER, "common.py": "def greeting(who):\n    return 'two ' + who\n"}, {"WHO": "b"}
    )
    for _ in range(2):
        assert invoke(clients, first, {})[0]["greeting"] == "one a"
        assert invoke(clients, second, {})[0]["greeting"] == "two b"


def test_lambda_handler_calls_reach_the_emulator(clients, bucket):
    name = create_function(
        clients, {"app.py": HANDLER, "common.py": "def greeting(who):\n    return who\n"}, {"WHO": "x"}
    )
    invoke(clients, name, {"bucket": bucket, "key": "from-lambda.txt", "body": "written by the handler"})
    assert clients["s3"].get_object(Bucket=bucket, Key="from-lambda.txt")["Body"].read() == b"written by the handler"
    log_events = clients["logs"].filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    assert any(e["message"].startswith("REPORT RequestId:") for e in log_events)


def test_lambda_invoke_in_a_state_machine_and_catch_by_error_name(clients, sfn):
    name = create_function(
        clients, {"app.py": HANDLER, "common.py": "def greeting(who):\n    return who\n"}, {"WHO": "x"}
    )
    definition = e2e.one_task(
        "arn:aws:states:::lambda:invoke",
        {"FunctionName": name, "Payload.$": "$"},
        Catch=[{"ErrorEquals": ["NotAllowed"], "ResultPath": "$.error", "Next": "Caught"}],
    )
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    arn = e2e.state_machine(sfn, definition)
    ok = e2e.run(sfn, arn, {"hello": 1})
    assert ok.output["Payload"]["greeting"] == "x"
    caught = e2e.run(sfn, arn, {"fail": "it"})
    assert caught.states_entered() == ["Task", "Caught"]
    assert caught.output["error"]["Error"] == "NotAllowed"


WAITER = textwrap.dedent(
    """\
    import json, boto3

    def handler(event, context):
        boto3.client("s3").put_object(Bucket=event["bucket"], Key=event["key"], Body=event["token"].encode())
        return {"asked": True}
    """
)


def test_lambda_wait_for_task_token(clients, sfn, bucket):
    name = create_function(clients, {"app.py": WAITER})
    key = f"tokens/{e2e.unique('token')}"
    definition = e2e.one_task(
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        {"FunctionName": name, "Payload": {"bucket": bucket, "key": key, "token.$": "$$.Task.Token"}},
        TimeoutSeconds=60,
    )
    started = sfn.start_execution(stateMachineArn=e2e.state_machine(sfn, definition), input="{}")
    deadline = time.monotonic() + 30
    token = None
    while token is None and time.monotonic() < deadline:
        try:
            token = clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        except clients["s3"].exceptions.NoSuchKey:
            time.sleep(0.1)
    assert token, "the handler never received the task token"
    sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
    execution = e2e.wait(sfn, started["executionArn"])
    assert execution.status == "SUCCEEDED" and execution.output == {"approved": True}


def test_task_failure_carries_its_cause_to_the_catch(clients, sfn, bucket):
    name = create_function(clients, {"app.py": WAITER})
    key = f"tokens/{e2e.unique('token')}"
    definition = e2e.one_task(
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        {"FunctionName": name, "Payload": {"bucket": bucket, "key": key, "token.$": "$$.Task.Token"}},
        TimeoutSeconds=60,
        Catch=[{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "Rejected"}],
    )
    definition["States"]["Rejected"] = {"Type": "Fail", "Error": "Rejected", "CausePath": "$.error.Cause"}
    started = sfn.start_execution(stateMachineArn=e2e.state_machine(sfn, definition), input="{}")
    deadline = time.monotonic() + 30
    token = None
    while token is None and time.monotonic() < deadline:
        try:
            token = clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        except clients["s3"].exceptions.NoSuchKey:
            time.sleep(0.1)
    assert token, "the handler never received the task token"
    sfn.send_task_failure(taskToken=token, error="Rejected", cause='{"by": "bob"}')
    execution = e2e.wait(sfn, started["executionArn"])
    assert execution.states_entered() == ["Task", "Rejected"]
    assert [f["cause"] for f in execution.task_failures()] == ['{"by": "bob"}']
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Rejected", '{"by": "bob"}')


def test_lambda_invocations_of_threads_do_not_mix(clients):
    name = create_function(
        clients, {"app.py": HANDLER, "common.py": "def greeting(who):\n    return who\n"}, {"WHO": "x"}
    )
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(invoke(clients, name, {})[0]["greeting"])) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["x"] * 4


def _stop_between_the_program_loops_two_reads(monkeypatch, sfn) -> dict:
    """Run Pass -> Pass, and StopExecution exactly between the loop's ``is_running()`` and its ``next_state_name``.

    moto's program loop (``Program._eval_body``) is paused, by a patched ``Environment.is_running``, right after its
    second ``is_running()`` said True (the first state is done); the test then stops the execution (moto's
    ``set_stop``, from the server's request thread) and lets the loop go on. Returns the DescribeExecution response.
    """
    from moto.stepfunctions.parser.asl.component.program.program import Program
    from moto.stepfunctions.parser.asl.eval.environment import Environment

    original = Environment.is_running
    paused, resume = threading.Event(), threading.Event()
    loop_checks = []

    def is_running(env):
        running = original(env)
        caller = sys._getframe(1)
        if caller.f_code.co_name == "_eval_body" and type(caller.f_locals.get("self")) is Program:
            loop_checks.append(running)
            if running and len(loop_checks) == 2:
                paused.set()
                assert resume.wait(60)
        return running

    monkeypatch.setattr(Environment, "is_running", is_running)
    arn = e2e.state_machine(
        sfn,
        {
            "StartAt": "First",
            "States": {"First": {"Type": "Pass", "Next": "Second"}, "Second": {"Type": "Pass", "End": True}},
        },
    )
    execution_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert paused.wait(60), "the program loop never reached its second state"
    sfn.stop_execution(executionArn=execution_arn, error="Stopped", cause="by the test")
    resume.set()
    for _ in range(600):
        described = sfn.describe_execution(executionArn=execution_arn)
        events = sfn.get_execution_history(executionArn=execution_arn)["events"]
        if described["status"] != "RUNNING" and events[-1]["type"].startswith("Execution"):
            return {"status": described["status"], "last_event": events[-1]}
        time.sleep(0.05)
    raise AssertionError("the execution never ended")


def test_stop_between_the_loops_two_reads_aborts_the_execution(monkeypatch, sfn):
    """StopExecution ends an execution ABORTED (ExecutionAborted event), however it interleaves with the executor."""
    ended = _stop_between_the_program_loops_two_reads(monkeypatch, sfn)
    assert ended["status"] == "ABORTED"
    assert ended["last_event"]["type"] == "ExecutionAborted"


def test_without_the_hook_the_same_interleaving_fails_with_no_such_state_none(monkeypatch, sfn):
    """moto's own ``Program._get_state``: the race that made `make test` rerun tests (FAILED, "No such state None")."""
    from moto.stepfunctions.parser.asl.component.program.program import Program

    monkeypatch.setattr(Program, "_get_state", Program._get_state.__wrapped__)
    ended = _stop_between_the_program_loops_two_reads(monkeypatch, sfn)
    assert ended["last_event"]["type"] == "ExecutionFailed"
    assert "No such state None" in ended["last_event"]["executionFailedEventDetails"]["cause"]


def test_uninstall_restores_a_staticmethod_as_a_staticmethod():
    """A hook that replaces a staticmethod (moto_iam's Lambda error names) must leave it callable on an instance:
    restoring the bare function made the next run's Lambda errors a TypeError (States.Runtime)."""

    class Owner:
        @staticmethod
        def name(x):
            return x

    state = mx._Installed(options=None)
    mx._patch(state, Owner, "name", staticmethod(lambda x: -x))
    assert Owner().name(2) == -2
    mx._undo(state)
    assert isinstance(vars(Owner)["name"], staticmethod)
    assert Owner().name(2) == 2


def test_time_out_execution_ends_it_timed_out_as_its_timeout_would(sfn):
    """moto_timing.time_out_execution: the TimeoutSeconds of a running execution elapses now (time compression)."""
    definition = {
        "TimeoutSeconds": 7200,
        "StartAt": "Hold",
        "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Done"}, "Done": {"Type": "Succeed"}},
    }
    machine = e2e.state_machine(sfn, definition)
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    deadline = time.monotonic() + 10
    while "Hold" not in e2e.wait_states(sfn, arn) and time.monotonic() < deadline:
        time.sleep(0.1)

    moto_timing.time_out_execution(arn)
    run = e2e.wait(sfn, arn, timeout=10)

    assert run.status == "TIMED_OUT"
    assert run.events[-1]["type"] == "ExecutionTimedOut"
    assert "Done" not in run.states_entered()
    with pytest.raises(ValueError, match="not RUNNING"):  # only a running execution can time out
        moto_timing.time_out_execution(arn)


def _time_out_while_the_training_job_is_created(monkeypatch, sfn, bucket, pattern) -> tuple[e2e.Execution, list[str]]:
    """Run a ``.sync`` training Task whose execution times out in the instant its job is created, with ``pattern`` as
    the Task's ``_eval_integration_pattern``; the errors of every thread that died meanwhile."""
    from moto.sagemaker.models import SageMakerModelBackend

    started, evaluated = threading.Event(), threading.Event()
    execution: dict[str, str] = {}
    original = SageMakerModelBackend.create_training_job

    def create_then_time_out(self, *args, **kwargs):
        job = original(self, *args, **kwargs)
        if started.wait(10):
            moto_timing.time_out_execution(execution["arn"])
        return job

    def eval_integration_pattern(self, *args, **kwargs):
        try:
            return pattern(self, *args, **kwargs)
        finally:
            evaluated.set()

    died: list[str] = []
    monkeypatch.setattr(
        threading, "excepthook", lambda hook: died.append(f"{hook.exc_type.__name__}: {hook.exc_value}")
    )
    monkeypatch.setattr(SageMakerModelBackend, "create_training_job", create_then_time_out)
    monkeypatch.setattr(_task_callback_class(), "_eval_integration_pattern", eval_integration_pattern)
    request = training_request(bucket, e2e.unique("job"), image=BUILTIN_IMAGE)
    definition = e2e.one_task("arn:aws:states:::sagemaker:createTrainingJob.sync", request, TimeoutSeconds=3600)
    machine = e2e.state_machine(sfn, definition)
    execution["arn"] = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    started.set()
    run = e2e.wait(sfn, execution["arn"], timeout=20)
    assert evaluated.wait(20), "the Task never evaluated its integration pattern"
    return run, died


def _task_callback_class():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )

    return StateTaskServiceCallback


def test_a_task_whose_execution_ended_while_its_job_was_created_does_not_wait(monkeypatch, sfn, bucket):
    """moto_timing's ended_task_stops_waiting: no waiter thread is started for a Task whose execution has ended."""
    hooked = _task_callback_class()._eval_integration_pattern
    run, died = _time_out_while_the_training_job_is_created(monkeypatch, sfn, bucket, hooked)
    assert run.status == "TIMED_OUT", run.explain()
    assert died == []  # a waiter would have been started before the pattern's evaluation returned


def test_without_the_hook_the_ended_task_starts_a_waiter_that_dies(monkeypatch, sfn, bucket):
    """moto's own _eval_integration_pattern: the Task's input is popped as its timeout (the day-in-the-life trace)."""
    moto_own = _task_callback_class()._eval_integration_pattern.__wrapped__
    run, died = _time_out_while_the_training_job_is_created(monkeypatch, sfn, bucket, moto_own)
    assert run.status == "TIMED_OUT", run.explain()
    deadline = time.monotonic() + 10
    while not died and time.monotonic() < deadline:  # the waiter thread dies moments after it starts
        time.sleep(0.05)
    assert any("'>' not supported between instances of 'dict' and 'int'" in d for d in died), died
