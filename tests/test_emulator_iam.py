"""Tests of the emulator's IAM evaluation (scripts/moto_iam.py): calls made as a role need its policies."""

from __future__ import annotations

import copy
import json

import pytest

from scripts import moto_extensions as mx
from scripts import moto_iam
from tests import e2e_support as e2e

ACCOUNT = "123456789012"
REGION = "us-east-1"
SAGEMAKER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@pytest.fixture(scope="module")
def emu(emulator):
    from moto.core.config import default_user_config

    before = copy.deepcopy(default_user_config.get("stepfunctions"))
    emulator.install_extensions(endpoint_transition_seconds=0.5)  # enforce_iam is on by default
    yield emulator
    mx.uninstall()
    default_user_config["stepfunctions"] = before


@pytest.fixture(scope="module")
def clients(emu):
    return {name: emu.client(name) for name in ("s3", "sagemaker", "stepfunctions", "lambda", "iam", "kms")}


def make_role(clients, statements: list[dict], service: str = "states.amazonaws.com", managed: bool = False) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }
    iam = clients["iam"]
    name = e2e.unique("role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    if not statements:
        return arn
    if managed:
        policy = iam.create_policy(PolicyName=e2e.unique("policy"), PolicyDocument=document)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    else:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
    return arn


def machine(clients, definition: dict, role: str) -> str:
    return clients["stepfunctions"].create_state_machine(
        name=e2e.unique("iam"), definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]


# ---------------------------------------------------------------------------------------------------------------------
# Policy evaluation
# ---------------------------------------------------------------------------------------------------------------------
PASS_ROLE_TARGET = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-exec"


def pass_role_statement(service: str | None) -> dict:
    statement = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": PASS_ROLE_TARGET}
    if service:
        statement["Condition"] = {"StringEquals": {"iam:PassedToService": service}}
    return statement


def test_pass_role_needs_the_passed_to_service_value(clients):
    sagemaker = {"iam:PassedToService": "sagemaker.amazonaws.com"}
    good = make_role(clients, [pass_role_statement("sagemaker.amazonaws.com")])
    other = make_role(clients, [pass_role_statement("glue.amazonaws.com")])
    assert moto_iam.is_allowed(good, "iam:PassRole", PASS_ROLE_TARGET, sagemaker)
    assert not moto_iam.is_allowed(good, "iam:PassRole", PASS_ROLE_TARGET)  # no PassedToService in the request
    assert not moto_iam.is_allowed(other, "iam:PassRole", PASS_ROLE_TARGET, sagemaker)
    assert not moto_iam.is_allowed(good, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/other", sagemaker)


def test_prefix_resource_patterns_are_literal_and_case_sensitive(clients):
    role = make_role(
        clients,
        [
            {
                "Effect": "Allow",
                "Action": "sagemaker:CreateTrainingJob",
                "Resource": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/ml-*",
            }
        ],
        managed=True,  # attached managed policies count as well as inline ones
    )
    job = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/"
    assert moto_iam.is_allowed(role, "sagemaker:CreateTrainingJob", job + "ml-1234")
    assert moto_iam.is_allowed(role, "SageMaker:createTrainingJob", job + "ml-1234")  # actions ignore case
    assert moto_iam.is_allowed(role, "sagemaker:CreateTrainingJob", job + "ml-prod-1")  # `ml-*` covers ml-prod-*
    assert not moto_iam.is_allowed(role, "sagemaker:CreateTrainingJob", job + "mlx-1")
    assert not moto_iam.is_allowed(role, "sagemaker:CreateTrainingJob", job + "ML-1")  # resources do not
    assert not moto_iam.is_allowed(role, "sagemaker:DescribeTrainingJob", job + "ml-1")


def test_explicit_deny_wins_and_unknown_operators_fail_closed(clients):
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:topic"
    role = make_role(
        clients,
        [
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
            {"Effect": "Deny", "Action": "sns:Publish", "Resource": arn},
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}},
            },
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::b",
                "Condition": {"StringLike": {"s3:prefix": ["data/*"]}},
            },
        ],
    )
    assert not moto_iam.is_allowed(role, "sns:Publish", arn)
    assert moto_iam.is_allowed(role, "sns:Publish", arn + "-2")
    assert not moto_iam.is_allowed(role, "s3:GetObject", "arn:aws:s3:::b/k")  # DateLessThan: not implemented
    assert moto_iam.is_allowed(role, "s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "data/train/"})
    assert not moto_iam.is_allowed(role, "s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "other/"})
    assert not moto_iam.is_allowed(f"arn:aws:iam::{ACCOUNT}:role/no-such-role", "sns:Publish", arn + "-2")


def test_request_table():
    needs = moto_iam.needs_of(
        "sagemaker",
        "CreateTrainingJob",
        {"TrainingJobName": "ML-Job", "RoleArn": PASS_ROLE_TARGET, "Tags": [{"Key": "k", "Value": "v"}]},
        REGION,
        ACCOUNT,
    )
    job = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/ml-job"
    assert [(n.action, n.resource) for n in needs] == [
        ("sagemaker:CreateTrainingJob", job),
        ("iam:PassRole", PASS_ROLE_TARGET),
        ("sagemaker:AddTags", job),
    ]
    assert needs[1].context == {"iam:PassedToService": "sagemaker.amazonaws.com"}
    sm = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:m"
    assert moto_iam.needs_of("sfn", "ListExecutions", {"stateMachineArn": sm}, REGION, ACCOUNT)[0].resource == sm
    (invoke,) = moto_iam.needs_of("lambda", "Invoke", {"FunctionName": "f", "Qualifier": "3"}, REGION, ACCOUNT)
    assert (invoke.action, invoke.resource) == (
        "lambda:InvokeFunction",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f:3",
    )


def test_put_metric_data_is_checked_with_its_namespace(clients):
    """PutMetricData takes no resource: a policy limits it by cloudwatch:namespace, as the gate's role does."""
    (need,) = moto_iam.needs_of("cloudwatch", "PutMetricData", {"Namespace": "team/Retraining"}, REGION, ACCOUNT)
    assert (need.action, need.resource, need.context) == (
        "cloudwatch:PutMetricData",
        "*",
        {"cloudwatch:namespace": "team/Retraining"},
    )
    role = make_role(
        clients,
        [
            {
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": "team/Retraining"}},
            }
        ],
        service="lambda.amazonaws.com",
    )
    assert moto_iam.is_allowed(role, need.action, need.resource, need.context)
    assert not moto_iam.is_allowed(role, need.action, need.resource, {"cloudwatch:namespace": "other/Namespace"})


# ---------------------------------------------------------------------------------------------------------------------
# The Step Functions executor calls as the state machine's role
# ---------------------------------------------------------------------------------------------------------------------
def endpoint_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}"


def test_aws_sdk_call_is_evaluated_against_the_machine_role(clients):
    definition = e2e.one_task("arn:aws:states:::aws-sdk:sagemaker:describeEndpoint", {"EndpointName.$": "$.name"})
    allowed = make_role(
        clients, [{"Effect": "Allow", "Action": "sagemaker:DescribeEndpoint", "Resource": endpoint_arn("mine-*")}]
    )
    sfn = clients["stepfunctions"]
    ok = e2e.run(sfn, machine(clients, definition, allowed), {"name": "mine-1"})
    # allowed, so the call reaches SageMaker, which has no such endpoint
    assert ok.status == "FAILED" and "Could not find endpoint" in (ok.cause or ""), ok.cause
    denied = e2e.run(sfn, machine(clients, definition, allowed), {"name": "theirs-1"})
    assert denied.status == "FAILED"
    assert denied.error == "SageMaker.SageMakerException", denied.error  # unmodeled: the SDK's base exception
    # moto's aws-sdk Cause is "<message> (Service: SageMaker, Status Code: 400, Request ID: ...)": AWS's also names
    # the Error Code (AccessDeniedException); that format is the error-names hook's (issue 8, item 1.3).
    assert "is not authorized to perform" in denied.cause
    assert f"sagemaker:DescribeEndpoint on resource: {endpoint_arn('theirs-1')}" in denied.cause


def test_list_executions_is_checked_on_the_state_machine_arn(clients):
    definition = e2e.one_task(
        "arn:aws:states:::aws-sdk:sfn:listExecutions",
        {"StateMachineArn.$": "$.machine", "StatusFilter": "RUNNING"},
        ResultSelector={"running.$": "States.ArrayLength($.Executions)"},
    )
    sfn = clients["stepfunctions"]
    own = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:iam-*"
    role = make_role(clients, [{"Effect": "Allow", "Action": "states:ListExecutions", "Resource": own}])
    arn = machine(clients, definition, role)
    assert e2e.run(sfn, arn, {"machine": arn}).status == "SUCCEEDED"
    other = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:other"
    denied = e2e.run(sfn, arn, {"machine": other})
    assert denied.status == "FAILED"
    assert f"states:ListExecutions on resource: {other}" in denied.cause


def test_an_item_reader_reads_as_the_machine_role_and_needs_the_manifest_key(clients):
    bucket, _ = kms_bucket(clients)
    s3 = clients["s3"]
    s3.put_object(Bucket=bucket, Key="mine/items.json", Body=b"[1, 2]", ServerSideEncryption="AES256")
    s3.put_object(Bucket=bucket, Key="mine/sealed.json", Body=b"[1, 2]")  # the bucket's key
    s3.put_object(Bucket=bucket, Key="theirs/items.json", Body=b"[1, 2]", ServerSideEncryption="AES256")
    children = {"Effect": "Allow", "Action": ["states:StartExecution", "states:DescribeExecution"], "Resource": "*"}
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/mine/*"}
    role = make_role(clients, [children, read])
    sfn = clients["stepfunctions"]
    arn = machine(clients, e2e.distributed_map({"Bucket": bucket, "Key.$": "$.key"}), role)

    ok = e2e.run(sfn, arn, {"key": "mine/items.json"})
    assert ok.status == "SUCCEEDED", ok.explain()
    assert ok.output == [1, 2]
    # S3 says only "Access Denied" for its own action, and passes on KMS's message for the key.
    for denied_key, said in (("theirs/items.json", "(AccessDenied)"), ("mine/sealed.json", "kms:Decrypt")):
        denied = e2e.run(sfn, arn, {"key": denied_key})
        assert denied.status == "FAILED", denied_key
        # https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-error-representation
        assert denied.error == "States.ItemReaderFailed", (denied_key, denied.error, denied.cause)
        assert said in denied.cause, denied.cause


def create_model_definition() -> dict:
    return e2e.one_task(
        "arn:aws:states:::sagemaker:createModel",
        {
            "ModelName.$": "$.name",
            "ExecutionRoleArn": PASS_ROLE_TARGET,
            "PrimaryContainer": {"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/x:1"},
            "Tags": [{"Key": "workflow", "Value": "test"}],
        },
    )


def create_model_statements(pass_role_service: str | None, add_tags: bool = True) -> list[dict]:
    models = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/m-*"
    actions = ["sagemaker:CreateModel"] + (["sagemaker:AddTags"] if add_tags else [])
    return [{"Effect": "Allow", "Action": actions, "Resource": models}, pass_role_statement(pass_role_service)]


def test_optimized_sagemaker_call_needs_pass_role_with_the_service_and_add_tags(clients):
    sfn = clients["stepfunctions"]
    for service in ("sagemaker.amazonaws.com", None):  # a PassRole with no condition passes to any service
        good = make_role(clients, create_model_statements(service))
        run = e2e.run(sfn, machine(clients, create_model_definition(), good), {"name": e2e.unique("m")})
        assert run.status == "SUCCEEDED", run.cause
    for statements, missing in (
        (create_model_statements("glue.amazonaws.com"), "iam:PassRole"),  # PassRole to another service only
        (create_model_statements("sagemaker.amazonaws.com", add_tags=False), "sagemaker:AddTags"),
    ):
        role = make_role(clients, statements)
        run = e2e.run(sfn, machine(clients, create_model_definition(), role), {"name": e2e.unique("m")})
        assert run.status == "FAILED"
        assert run.error == "SageMaker.AmazonSageMakerException", run.error
        assert f"is not authorized to perform: {missing}" in run.cause and "AccessDenied" in run.cause


def test_lambda_invoke_needs_invoke_function_on_the_function(clients):
    fn_role = make_role(clients, [], service="lambda.amazonaws.com")
    name = e2e.unique("fn")
    clients["lambda"].create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=fn_role,
        Handler="app.handler",
        Code={"ZipFile": e2e.zip_package({"app.py": "def handler(event, context):\n    return {'ok': True}\n"})},
    )
    fn_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    definition = e2e.one_task("arn:aws:states:::lambda:invoke", {"FunctionName": name, "Payload": {}})
    sfn = clients["stepfunctions"]
    allowed = make_role(clients, [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": fn_arn}])
    assert e2e.run(sfn, machine(clients, definition, allowed)).status == "SUCCEEDED"
    other = make_role(clients, [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": fn_arn + "-x"}])
    denied = e2e.run(sfn, machine(clients, definition, other))
    assert denied.status == "FAILED"
    assert denied.error == "Lambda.AWSLambdaException", denied.error
    assert f"lambda:InvokeFunction on resource: {fn_arn}" in denied.cause


# ---------------------------------------------------------------------------------------------------------------------
# Lambda handlers call AWS as their function's role
# ---------------------------------------------------------------------------------------------------------------------
READER = """
import boto3

def handler(event, context):
    s3 = boto3.client("s3")
    try:
        return {"body": s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read().decode()}
    except Exception as exc:
        return {"error": exc.response["Error"]["Code"]}
"""


def test_lambda_handler_calls_as_its_role(clients):
    bucket = e2e.unique("iam-fn")
    clients["s3"].create_bucket(Bucket=bucket)
    for key in ("mine/a.txt", "theirs/a.txt"):
        clients["s3"].put_object(Bucket=bucket, Key=key, Body=b"data")
    role = make_role(
        clients,
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/mine/*"}],
        service="lambda.amazonaws.com",
    )
    name = e2e.unique("fn")
    clients["lambda"].create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": e2e.zip_package({"app.py": READER})},
    )

    def invoke(key: str) -> dict:
        payload = json.dumps({"bucket": bucket, "key": key})
        return json.loads(clients["lambda"].invoke(FunctionName=name, Payload=payload)["Payload"].read())

    assert invoke("mine/a.txt") == {"body": "data"}
    assert invoke("theirs/a.txt") == {"error": "AccessDenied"}
    assert clients["s3"].get_object(Bucket=bucket, Key="theirs/a.txt")["Body"].read() == b"data"  # tests: no role


# ---------------------------------------------------------------------------------------------------------------------
# Jobs read, write and pull as their own role
# ---------------------------------------------------------------------------------------------------------------------
TRAIN_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:v1"
TRAIN_REPOSITORY = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/train"


def put_training_data(s3, bucket: str) -> None:
    """The train and validation channels train_as reads, under data/."""
    s3.put_object(Bucket=bucket, Key="data/train/part.csv", Body=e2e.iris_like_csv(60, seed=1))
    s3.put_object(Bucket=bucket, Key="data/validation/v.csv", Body=e2e.iris_like_csv(30, seed=2))


def job_role_with(clients, bucket: str, statements: list[dict]) -> str:
    """job_role (data/ readable, the train repository) with one more inline policy of these statements, if any."""
    role = job_role(clients, bucket, "data/", TRAIN_REPOSITORY)
    if statements:
        document = json.dumps({"Version": "2012-10-17", "Statement": statements})
        clients["iam"].put_role_policy(RoleName=role.split("/")[-1], PolicyName="extra", PolicyDocument=document)
    return role


def job_role(clients, bucket: str, read_prefix: str, repository: str) -> str:
    return make_role(
        clients,
        [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/{read_prefix}*"},
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/models/*"},
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "Resource": repository},
        ],
        service="sagemaker.amazonaws.com",
    )


def train_as(
    clients, bucket: str, role: str, image: str, output_key: str | None = None, vpc: dict | None = None
) -> dict:
    name = e2e.unique("job")
    clients["sagemaker"].create_training_job(
        TrainingJobName=name,
        RoleArn=role,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        HyperParameters={"max_depth": "5"},
        InputDataConfig=[
            {
                "ChannelName": channel,
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/data/{channel}/"}},
            }
            for channel in ("train", "validation")
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/models/", **({"KmsKeyId": output_key} if output_key else {})},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 600},
        **({"VpcConfig": vpc} if vpc else {}),
    )
    return e2e.poll(
        lambda: clients["sagemaker"].describe_training_job(TrainingJobName=name),
        "TrainingJobStatus",
        {"Completed", "Failed"},
    )


def test_training_job_reads_writes_and_pulls_as_its_role(clients):
    bucket = e2e.unique("iam-job")
    s3 = clients["s3"]
    s3.create_bucket(Bucket=bucket)
    put_training_data(s3, bucket)
    image = TRAIN_IMAGE
    foreign = f"999999999999.dkr.ecr.{REGION}.amazonaws.com/train:v1"  # another account's repository
    repository = TRAIN_REPOSITORY

    ok = train_as(clients, bucket, job_role(clients, bucket, "data/", repository), image)
    assert ok["TrainingJobStatus"] == "Completed", ok.get("FailureReason")

    no_validation = train_as(clients, bucket, job_role(clients, bucket, "data/train/", repository), image)
    assert no_validation["TrainingJobStatus"] == "Failed"
    assert no_validation["FailureReason"].startswith("ClientError: ")
    assert no_validation["FailureReason"] == (
        f"ClientError: Data download failed:Unable to download object s3://{bucket}/data/validation/v.csv "
        "(AccessDenied: Access Denied)"
    )

    pull = train_as(clients, bucket, job_role(clients, bucket, "data/", repository), foreign)
    assert pull["TrainingJobStatus"] == "Failed"
    assert pull["FailureReason"].startswith("ClientError: ")
    assert "ecr:BatchGetImage" in pull["FailureReason"]
    assert "arn:aws:ecr:us-east-1:999999999999:repository/train" in pull["FailureReason"]

    foreign_repo = f"arn:aws:ecr:{REGION}:999999999999:repository/train"
    assert train_as(clients, bucket, job_role(clients, bucket, "data/", foreign_repo), foreign)[
        "TrainingJobStatus"
    ] == ("Completed")


def kms_bucket(clients) -> tuple[str, str]:
    """A bucket whose default encryption is SSE-KMS with a new key, as modules/artifact_store makes it."""
    key = clients["kms"].create_key(Description="emulator iam test")["KeyMetadata"]["Arn"]
    bucket = e2e.unique("iam-kms")
    clients["s3"].create_bucket(Bucket=bucket)
    clients["s3"].put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]
        },
    )
    return bucket, key


def key_statement(key: str, actions: list[str]) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": key}


def test_sse_kms_objects_need_decrypt_to_read_and_generate_data_key_to_write(clients):
    s3 = clients["s3"]
    bucket, key = kms_bucket(clients)
    s3.put_object(Bucket=bucket, Key="data/kms.csv", Body=b"1,2")  # the bucket default: SSE-KMS with the key
    s3.put_object(Bucket=bucket, Key="data/s3.csv", Body=b"1,2", ServerSideEncryption="AES256")
    assert s3.head_object(Bucket=bucket, Key="data/kms.csv")["SSEKMSKeyId"] == key
    objects = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{bucket}/*"}
    s3_only = make_role(clients, [objects])
    decrypt_only = make_role(clients, [objects, key_statement(key, ["kms:Decrypt"])])
    both = make_role(clients, [objects, key_statement(key, ["kms:Decrypt", "kms:GenerateDataKey"])])

    def denied(call) -> str:
        with pytest.raises(Exception) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == "AccessDenied"
        return raised.value.response["Error"]["Message"]

    with moto_iam.acting_as(s3_only):
        assert s3.get_object(Bucket=bucket, Key="data/s3.csv")["Body"].read() == b"1,2"  # SSE-S3: no key needed
        assert s3.head_object(Bucket=bucket, Key="data/kms.csv")["ContentLength"] == 3  # metadata: no key needed
        message = denied(lambda: s3.get_object(Bucket=bucket, Key="data/kms.csv"))
        assert f"is not authorized to perform: kms:Decrypt on resource: {key}" in message
        # A write takes the bucket's default key unless the request names another encryption.
        message = denied(lambda: s3.put_object(Bucket=bucket, Key="out/a", Body=b"x"))
        assert f"kms:GenerateDataKey on resource: {key}" in message
        s3.put_object(Bucket=bucket, Key="out/sse-s3", Body=b"x", ServerSideEncryption="AES256")
        denied(lambda: s3.create_multipart_upload(Bucket=bucket, Key="out/big"))
    with moto_iam.acting_as(decrypt_only):
        assert s3.get_object(Bucket=bucket, Key="data/kms.csv")["Body"].read() == b"1,2"
        named = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key}
        denied(lambda: s3.put_object(Bucket=bucket, Key="out/a", Body=b"x", **named))
    with moto_iam.acting_as(both):
        s3.put_object(Bucket=bucket, Key="out/a", Body=b"x")
        assert s3.get_object(Bucket=bucket, Key="out/a")["Body"].read() == b"x"
    assert s3.get_object(Bucket=bucket, Key="out/a")["SSEKMSKeyId"] == key


def require_key_header(clients, bucket: str, key: str) -> None:
    """The bucket policy modules/artifact_store writes when kms_key_arn is set."""
    statement = {
        "Sid": "DenyUploadsWithoutTheKmsKey",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key}},
    }
    clients["s3"].put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def test_the_artifact_bucket_policy_admits_only_uploads_that_name_its_key(clients):
    """Every caller, role or not (Terraform, the tests), as in AWS: the bucket's Deny wins over any Allow."""
    s3 = clients["s3"]
    bucket, key = kms_bucket(clients)
    require_key_header(clients, bucket, key)
    role = make_role(
        clients,
        [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
            key_statement("*", ["kms:GenerateDataKey"]),  # any key: only the bucket policy refuses
        ],
    )
    refused = [
        {},  # the bucket's default key applies, but the request does not name it
        {"ServerSideEncryption": "AES256"},
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": f"{key[:-4]}0000"},  # another key
    ]
    for acting in (None, role):
        with moto_iam.acting_as(acting):
            for encryption in refused:
                with pytest.raises(Exception) as raised:
                    s3.put_object(Bucket=bucket, Key="a", Body=b"x", **encryption)
                assert raised.value.response["Error"]["Code"] == "AccessDenied", encryption
                assert raised.value.response["Error"]["Message"] == "Access Denied"
            s3.put_object(Bucket=bucket, Key="a", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key)
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"  # reads are not refused


def test_a_job_needs_the_key_of_its_sse_kms_inputs_and_outputs(clients):
    bucket, key = kms_bucket(clients)
    s3 = clients["s3"]
    put_training_data(s3, bucket)
    image = TRAIN_IMAGE

    def role_with(actions: list[str]) -> str:
        return job_role_with(clients, bucket, [key_statement(key, actions)] if actions else [])

    no_key = train_as(clients, bucket, role_with([]), image)
    assert no_key["TrainingJobStatus"] == "Failed"
    assert no_key["FailureReason"].startswith(
        f"ClientError: Data download failed:Unable to download object s3://{bucket}/data/"
    ), no_key["FailureReason"]
    assert f"kms:Decrypt on resource: {key}" in no_key["FailureReason"]

    read_only = train_as(clients, bucket, role_with(["kms:Decrypt"]), image)
    assert read_only["TrainingJobStatus"] == "Failed"
    assert read_only["FailureReason"].startswith(
        f"ClientError: Data upload failed:Unable to upload object s3://{bucket}/models/"
    ), read_only["FailureReason"]
    assert f"kms:GenerateDataKey on resource: {key}" in read_only["FailureReason"]

    ok = train_as(clients, bucket, role_with(["kms:Decrypt", "kms:GenerateDataKey"]), image)
    assert ok["TrainingJobStatus"] == "Completed", ok.get("FailureReason")

    # With the artifact store's policy, only a job that names the key in its output configuration may write: SageMaker
    # encrypts its outputs with that key.
    require_key_header(clients, bucket, key)
    unnamed = train_as(clients, bucket, role_with(["kms:Decrypt", "kms:GenerateDataKey"]), image)
    assert unnamed["TrainingJobStatus"] == "Failed"
    assert unnamed["FailureReason"].startswith("ClientError: Data upload failed:"), unnamed["FailureReason"]
    named = train_as(clients, bucket, role_with(["kms:Decrypt", "kms:GenerateDataKey"]), image, output_key=key)
    assert named["TrainingJobStatus"] == "Completed", named.get("FailureReason")
    artifact = named["ModelArtifacts"]["S3ModelArtifacts"].removeprefix(f"s3://{bucket}/")
    assert s3.head_object(Bucket=bucket, Key=artifact)["SSEKMSKeyId"] == key


def test_a_job_in_vpc_mode_needs_its_network_interfaces(clients):
    bucket = e2e.unique("iam-vpc")
    s3 = clients["s3"]
    s3.create_bucket(Bucket=bucket)
    put_training_data(s3, bucket)
    image = TRAIN_IMAGE
    repository = TRAIN_REPOSITORY
    vpc = {"Subnets": ["subnet-0a1b2c3d"], "SecurityGroupIds": ["sg-0a1b2c3d"]}
    ec2 = f"arn:aws:ec2:{REGION}"
    # What modules/iam grants in VPC mode (vpc.tf): interfaces only in the given subnets, with the given groups.
    network = [
        {
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterface",
            "Resource": [
                f"{ec2}:{ACCOUNT}:network-interface/*",
                f"{ec2}:*:subnet/subnet-0a1b2c3d",
                f"{ec2}:*:security-group/sg-0a1b2c3d",
            ],
        },
        {
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
            "Resource": f"{ec2}:{ACCOUNT}:network-interface/*",
            "Condition": {"ArnLike": {"ec2:Subnet": f"{ec2}:*:subnet/subnet-0a1b2c3d"}},
        },
        {
            "Effect": "Allow",
            "Action": [
                "ec2:DeleteNetworkInterfacePermission",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
            ],
            "Resource": "*",
        },
    ]

    def role(statements: list[dict]) -> str:
        return job_role_with(clients, bucket, statements)

    without = train_as(clients, bucket, job_role(clients, bucket, "data/", repository), image, vpc=vpc)
    assert without["TrainingJobStatus"] == "Failed"
    assert "ec2:CreateNetworkInterface" in without["FailureReason"], without["FailureReason"]
    other_subnet = train_as(clients, bucket, role(network), image, vpc={**vpc, "Subnets": ["subnet-99999999"]})
    assert other_subnet["TrainingJobStatus"] == "Failed"
    assert "subnet/subnet-99999999" in other_subnet["FailureReason"]
    ok = train_as(clients, bucket, role(network), image, vpc=vpc)
    assert ok["TrainingJobStatus"] == "Completed", ok.get("FailureReason")


def test_enforcement_can_be_turned_off(emu, clients):
    role = make_role(clients, [])
    assert moto_iam.is_allowed(role, "sns:Publish", "*") is False
    mx.install(emu.endpoint, endpoint_transition_seconds=0.5, enforce_iam=False)
    try:
        moto_iam.check(role, "sns:Publish", "*")  # no error: off
    finally:
        mx.install(emu.endpoint, endpoint_transition_seconds=0.5)
    with pytest.raises(moto_iam.AccessDenied, match=r"is not authorized to perform: sns:Publish on resource: \*"):
        moto_iam.check(role, "sns:Publish", "*")


def test_endpoint_reads_model_data_as_the_model_role(clients):
    bucket = e2e.unique("iam-ep")
    clients["s3"].create_bucket(Bucket=bucket)
    clients["s3"].put_object(Bucket=bucket, Key="models/a/model.tar.gz", Body=b"not read by the stand-in")
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/serve:v1"
    repository = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/serve"
    sagemaker = clients["sagemaker"]

    def endpoint_as(read_prefix: str) -> dict:
        role = job_role(clients, bucket, read_prefix, repository)
        name = e2e.unique("ep")
        sagemaker.create_model(
            ModelName=name,
            ExecutionRoleArn=role,
            PrimaryContainer={"Image": image, "ModelDataUrl": f"s3://{bucket}/models/a/model.tar.gz"},
        )
        sagemaker.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {"VariantName": "v", "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
            ],
        )
        sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
        return e2e.poll(
            lambda: sagemaker.describe_endpoint(EndpointName=name), "EndpointStatus", {"InService", "Failed"}
        )

    assert endpoint_as("models/")["EndpointStatus"] == "InService"
    failed = endpoint_as("data/")
    assert failed["EndpointStatus"] == "Failed"
    assert f"s3://{bucket}/models/a/model.tar.gz" in failed["FailureReason"]
    assert "the role passed to CreateModel has permissions to download the object" in failed["FailureReason"]
