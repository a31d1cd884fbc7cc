"""IAM evaluation for the local emulator: calls made *as a role* are allowed only if that role's policies allow them.

moto 5.2.5 evaluates no IAM for the calls our workflows make (its ``INITIAL_NO_AUTH_ACTION_COUNT`` switch would
authenticate every caller, Terraform and the tests included, and its condition support is a stub that treats every
operator but StringEquals as met). AWS evaluates every call against the caller's identity-based policies
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit Deny wins,
otherwise an Allow whose Action, Resource and Condition all match is needed, otherwise the call is implicitly denied.

Who acts as a role (everyone else, i.e. the tests, Terraform and the demo, stays unrestricted):

=====================  ======================================================================================
caller                 how its role is known
=====================  ======================================================================================
Step Functions         ``StateTaskService._eval_execution`` is wrapped: while a Task state of an execution runs,
executor               this thread acts as the execution's ``$$.Execution.RoleArn`` (the state machine's role), as
                       it does while a Distributed Map's ItemReader reads its items (``ResourceEvalS3``), so
                       every boto3 call the task makes (``boto_client_for``: optimized and aws-sdk integrations,
                       the ``.sync`` Describe polling) is evaluated against that role. A denial is a botocore
                       ``ClientError`` with the service's access-denied code, so the executor names it as AWS does
                       (aws-sdk: ``<Service>.<BaseName>Exception`` with AccessDenied in ``Cause``; optimized
                       SageMaker: ``SageMaker.AmazonSageMakerException``; Lambda: ``Lambda.AWSLambdaException``,
                       which this hook also fixes in moto's Lambda task, that says ``Lambda.AccessDeniedException``).
Lambda handlers        ``acting_as(function.role)`` around the in-process handler (scripts/moto_extensions.py,
                       invoke_handler): the handler's boto3 calls are evaluated against its execution role.
SageMaker jobs         ``job_started(kind, job)``, the first line of each job runner: checks the image pull
                       (ECR, https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html) and the KMS keys
                       the job names (and in VPC mode the network interfaces, ``vpc_needs``), then the job's
                       thread acts as its ``RoleArn`` for S3 and KMS calls (its log writes stay unrestricted: a
                       role without logs permissions loses logs, not the job). boto3's
                       managed transfers run on s3transfer's threads: their tasks act as their creator's role.
                       A denial fails the job with ``ClientError: Data download failed:Unable to download object
                       s3://... (AccessDenied: Access Denied)`` as SageMaker reports it, or ``ClientError: User: ...
                       is not authorized to perform: ecr:BatchGetImage on resource: ...`` for an image.
Endpoints              ``model_data_denied(backend, config_name)``: the model's ``ExecutionRoleArn`` must allow
                       ``s3:GetObject`` on its ``ModelDataUrl`` (and its key), the image pull and, with the
                       model's VpcConfig, the network interfaces.
=====================  ======================================================================================

The evaluation happens in this process, in ``botocore.client.BaseClient._make_api_call`` (every caller above runs in
the same process as the ThreadedMotoServer), from a table of each API call the workflows make to the IAM action,
resource ARN and condition keys AWS checks (``_REQUESTS``, each row citing the Service Authorization Reference).
A call not in the table is checked as ``<prefix>:<Operation>`` on ``*`` (fail closed for resource-scoped policies).
Policies: the role's inline policies and its attached managed policies (default version), from moto's IAM backend;
statements are parsed with moto's ``IAMPolicyStatement`` element matching, with conditions evaluated here
(StringEquals/NotEquals/EqualsIgnoreCase/Like/NotLike, ArnEquals/ArnLike/ArnNotEquals/ArnNotLike, Bool, Null, the
``...IfExists`` forms); an operator not implemented here never makes an Allow apply and always lets a Deny apply
(fail closed). S3 requests on SSE-KMS objects also need the KMS key (``_s3_kms_needs``: kms:Decrypt to read,
kms:GenerateDataKey to write). Not modelled: permission boundaries, SCPs, resource-based policies (bucket and key
policies), session policies.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

LOG = logging.getLogger("sfn_ml.moto_iam")
_ENABLED = False
_ACTING = threading.local()  # .role: the role ARN this thread acts as; .scope: None (all calls) or a set of services


class AccessDenied(Exception):
    """A call the role's policies do not allow: the message AWS gives (``User: ... is not authorized to ...``)."""

    def __init__(self, role_arn: str, action: str, resource: str) -> None:
        self.role_arn, self.action, self.resource = role_arn, action, resource
        super().__init__(
            f"User: {assumed_role_arn(role_arn)} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action"
        )


def assumed_role_arn(role_arn: str) -> str:
    """The ARN AWS names a role session by in an access-denied message."""
    parts = role_arn.split(":")
    account, name = parts[4], parts[5].split("/")[-1]
    return f"arn:aws:sts::{account}:assumed-role/{name}/emulator"


# ---------------------------------------------------------------------------------------------------------------------
# Policy evaluation
# ---------------------------------------------------------------------------------------------------------------------
def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's ``*`` / ``?`` wildcards (no other character is special)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _operator_holds(operator: str, expected: list[Any], actual: str | None) -> bool | None:
    """Whether one condition operator holds for one key; None: the operator is not implemented here."""
    base = operator[: -len("IfExists")] if operator.endswith("IfExists") else operator
    if base == "Null":
        return (actual is None) == (str(expected[0]).lower() == "true")
    if actual is None:
        return operator.endswith("IfExists") or base in (
            "StringNotEquals",
            "StringNotLike",
            "ArnNotEquals",
            "ArnNotLike",
        )
    values = [str(v) for v in expected]
    tests: dict[str, Callable[[], bool]] = {
        "StringEquals": lambda: actual in values,
        "StringNotEquals": lambda: actual not in values,
        "StringEqualsIgnoreCase": lambda: actual.lower() in [v.lower() for v in values],
        "StringNotEqualsIgnoreCase": lambda: actual.lower() not in [v.lower() for v in values],
        "StringLike": lambda: any(_wildcard(v, actual) for v in values),
        "StringNotLike": lambda: not any(_wildcard(v, actual) for v in values),
        "ArnEquals": lambda: any(_wildcard(v, actual) for v in values),
        "ArnLike": lambda: any(_wildcard(v, actual) for v in values),
        "ArnNotEquals": lambda: not any(_wildcard(v, actual) for v in values),
        "ArnNotLike": lambda: not any(_wildcard(v, actual) for v in values),
        "Bool": lambda: actual.lower() in [v.lower() for v in values],
    }
    test = tests.get(base)
    return None if test is None else test()


def _conditions_hold(conditions: dict[str, dict[str, Any]], context: dict[str, str], effect: str) -> bool:
    """All of a statement's conditions hold (keys are case-insensitive). Unknown operators fail closed."""
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, keys in (conditions or {}).items():
        for key, expected in keys.items():
            held = _operator_holds(operator, _as_list(expected), lowered.get(key.lower()))
            if held is None:
                held = effect == "Deny"  # not implemented: an Allow does not apply, a Deny does
            if not held:
                return False
    return True


def _statement_applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    def matches(element: str, value: str, ignore_case: bool) -> bool:
        return any(_wildcard(p, value, ignore_case) for p in _as_list(statement[element]))

    if "Action" in statement and not matches("Action", action, True):
        return False
    if "NotAction" in statement and matches("NotAction", action, True):
        return False
    if "Resource" in statement and not matches("Resource", resource, False):
        return False
    if "NotResource" in statement and matches("NotResource", resource, False):
        return False
    return _conditions_hold(statement.get("Condition") or {}, context, statement.get("Effect", "Allow"))


def role_policies(role_arn: str) -> list[dict[str, Any]]:
    """The role's inline and attached managed policy documents, from moto's IAM backend ([] if no such role)."""
    from moto.iam.access_control import IAMPolicy
    from moto.iam.models import iam_backends

    account = role_arn.split(":")[4]
    backend = iam_backends[account]["global"]
    role = next((r for r in backend.roles.values() if r.arn == role_arn), None)
    if role is None:
        return []
    documents = [json.loads(doc) if isinstance(doc, str) else doc for doc in role.policies.values()]
    documents += [IAMPolicy(policy)._policy_json for policy in role.managed_policies.values()]
    return documents


def is_allowed(role_arn: str, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    """AWS's evaluation of identity-based policies: an explicit Deny wins, else an Allow is needed."""
    context = {"aws:SecureTransport": "true", "aws:PrincipalArn": role_arn, **(context or {})}
    allowed = False
    for document in role_policies(role_arn):
        for statement in _as_list(document.get("Statement", [])):
            if _statement_applies(statement, action, resource, context):
                if statement.get("Effect") == "Deny":
                    return False
                allowed = True
    return allowed


def check(role_arn: str, action: str, resource: str, context: dict[str, str] | None = None) -> None:
    """Raise AccessDenied unless ``role_arn`` may do ``action`` on ``resource`` (a no-op when enforcement is off)."""
    if not _ENABLED:
        return
    if is_allowed(role_arn, action, resource, context):
        LOG.debug("IAM allowed: %s may %s on %s", role_arn, action, resource)
    else:
        LOG.info("IAM denied: %s may not %s on %s (context %s)", role_arn, action, resource, context)
        raise AccessDenied(role_arn, action, resource)


# ---------------------------------------------------------------------------------------------------------------------
# From an API call to what IAM checks
# ---------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: dict[str, str] | None = None
    via: str | None = None  # the S3 object ("bucket/key") whose SSE-KMS key this need is, for the error message


def _lower(name: Any) -> str:
    return str(name or "").lower()


def _sagemaker(kind: str, name_key: str) -> Callable[[dict, str, str], list[Need]]:
    # SageMaker resource ARNs carry the lowercased name:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html#amazonsagemaker-resources-for-iam-policies
    def needs(params: dict, region: str, account: str) -> list[Need]:
        return [Need("", f"arn:aws:sagemaker:{region}:{account}:{kind}/{_lower(params.get(name_key))}")]

    return needs


def _arn_param(key: str) -> Callable[[dict, str, str], list[Need]]:
    return lambda params, region, account: [Need("", str(params.get(key) or "*"))]


def _lambda_function(params: dict, region: str, account: str) -> list[Need]:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html (function resource)
    name = str(params.get("FunctionName", ""))
    arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
    if params.get("Qualifier") and arn.count(":") == 6:
        arn = f"{arn}:{params['Qualifier']}"
    return [Need("", arn)]


def _s3_object(params: dict, region: str, account: str) -> list[Need]:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html (object resource)
    return [Need("", f"arn:aws:s3:::{params.get('Bucket')}/{params.get('Key')}")]


def _s3_bucket(params: dict, region: str, account: str) -> list[Need]:
    return [Need("", f"arn:aws:s3:::{params.get('Bucket')}", {"s3:prefix": str(params.get("Prefix", ""))})]


def _s3_kms_needs(operation: str, params: dict, region: str, account: str) -> list[Need]:
    """SSE-KMS: S3 uses an object's KMS key on behalf of the caller, so the caller needs kms:GenerateDataKey on the
    key to write the object (PutObject, CreateMultipartUpload; the key from the request's headers, else the bucket's
    default encryption) and kms:Decrypt to read it (GetObject) or to add parts to a multipart upload
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#aws-managed-customer-managed-keys,
    https://repost.aws/knowledge-center/s3-large-file-encryption-kms-key). HeadObject returns metadata only and
    needs no key. An object under the AWS managed key aws/s3 (SSE-KMS without a key id) needs nothing here: that
    key's policy lets every principal of the account use it through S3. Key policies are not modelled."""
    from moto.s3.models import s3_backends

    backend = s3_backends[account]["aws"]
    bucket, key = str(params.get("Bucket", "")), str(params.get("Key", ""))
    if operation == "GetObject":
        try:
            stored = backend.get_object(bucket, key)
        except Exception:  # no such bucket: S3 answers NoSuchBucket itself
            stored = None
        algorithm, key_id = getattr(stored, "encryption", None), getattr(stored, "kms_key_id", None)
        actions: tuple[str, ...] = ("kms:Decrypt",)
    elif operation in ("PutObject", "CreateMultipartUpload"):
        algorithm, key_id = params.get("ServerSideEncryption"), params.get("SSEKMSKeyId")
        if not algorithm:
            default = (getattr(backend.buckets.get(bucket), "encryption", None) or {}).get("Rule", {})
            default = default.get("ApplyServerSideEncryptionByDefault", {})
            algorithm, key_id = default.get("SSEAlgorithm"), key_id or default.get("KMSMasterKeyID")
        actions = ("kms:GenerateDataKey",) if operation == "PutObject" else ("kms:GenerateDataKey", "kms:Decrypt")
    else:
        return []
    if algorithm not in ("aws:kms", "aws:kms:dsse") or not key_id:
        return []
    key_id = str(key_id)
    arn = key_id if key_id.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key_id}"
    return [
        Need(action, arn, {"kms:ViaService": f"s3.{region}.amazonaws.com"}, via=f"{bucket}/{key}") for action in actions
    ]


def _table(params: dict, region: str, account: str) -> list[Need]:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html (table resource)
    return [Need("", f"arn:aws:dynamodb:{region}:{account}:table/{params.get('TableName')}")]


def _glue_job(params: dict, region: str, account: str) -> list[Need]:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html (job resource)
    return [Need("", f"arn:aws:glue:{region}:{account}:job/{params.get('JobName')}")]


def _secret(params: dict, region: str, account: str) -> list[Need]:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html (secret resource:
    # its full ARN, with the random suffix; a SecretId given by name is looked up in the emulator)
    secret_id = str(params.get("SecretId", ""))
    if secret_id.startswith("arn:"):
        return [Need("", secret_id)]
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends[account][region].secrets.get(secret_id)
    arn = getattr(secret, "arn", None) or f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id}"
    return [Need("", arn)]


def _kms_key(params: dict, region: str, account: str) -> list[Need]:
    key = str(params.get("KeyId", "*"))
    return [Need("", key if key.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key}")]


# (service, operation) -> (IAM action or None for "<prefix>:<Operation>", the resources it is checked on).
# SageMaker: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
# Step Functions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html
# SNS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html (Publish: topic)
# Lambda: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html
#   (Invoke is authorized as lambda:InvokeFunction on the function, qualified by its version/alias)
# S3: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
#   (HeadObject is authorized as s3:GetObject, ListObjects/ListObjectsV2 as s3:ListBucket on the bucket)
# KMS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
# CloudWatch: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
_Resolver = Callable[[dict, str, str], list[Need]]
_REQUESTS: dict[tuple[str, str], tuple[str | None, _Resolver]] = {}
for _job, _kind in (
    ("TrainingJob", "training-job"),
    ("ProcessingJob", "processing-job"),
    ("TransformJob", "transform-job"),
    ("HyperParameterTuningJob", "hyper-parameter-tuning-job"),
):
    for _verb in ("Create", "Describe", "Stop"):
        _REQUESTS[("sagemaker", f"{_verb}{_job}")] = (None, _sagemaker(_kind, f"{_job}Name"))
for _verb in ("Create", "Describe", "Delete"):
    _REQUESTS[("sagemaker", f"{_verb}Model")] = (None, _sagemaker("model", "ModelName"))
    _REQUESTS[("sagemaker", f"{_verb}EndpointConfig")] = (None, _sagemaker("endpoint-config", "EndpointConfigName"))
for _verb in ("Create", "Describe", "Delete", "Update"):
    _REQUESTS[("sagemaker", f"{_verb}Endpoint")] = (None, _sagemaker("endpoint", "EndpointName"))
_REQUESTS.update(
    {
        ("sagemaker", "AddTags"): (None, _arn_param("ResourceArn")),
        ("sagemaker", "ListTags"): (None, _arn_param("ResourceArn")),
        ("sagemaker", "DeleteTags"): (None, _arn_param("ResourceArn")),
        ("stepfunctions", "ListExecutions"): ("states:ListExecutions", _arn_param("stateMachineArn")),
        ("stepfunctions", "StartExecution"): ("states:StartExecution", _arn_param("stateMachineArn")),
        ("stepfunctions", "DescribeExecution"): ("states:DescribeExecution", _arn_param("executionArn")),
        ("stepfunctions", "StopExecution"): ("states:StopExecution", _arn_param("executionArn")),
        ("stepfunctions", "ListMapRuns"): ("states:ListMapRuns", _arn_param("executionArn")),
        ("stepfunctions", "DescribeMapRun"): ("states:DescribeMapRun", _arn_param("mapRunArn")),
        ("sns", "Publish"): ("sns:Publish", lambda p, r, a: [Need("", str(p.get("TopicArn") or p.get("TargetArn")))]),
        ("lambda", "Invoke"): ("lambda:InvokeFunction", _lambda_function),
        ("s3", "GetObject"): ("s3:GetObject", _s3_object),
        ("s3", "HeadObject"): ("s3:GetObject", _s3_object),
        ("s3", "PutObject"): ("s3:PutObject", _s3_object),
        ("s3", "DeleteObject"): ("s3:DeleteObject", _s3_object),
        ("s3", "ListObjects"): ("s3:ListBucket", _s3_bucket),
        ("s3", "ListObjectsV2"): ("s3:ListBucket", _s3_bucket),
        ("kms", "Decrypt"): ("kms:Decrypt", _kms_key),
        ("secretsmanager", "GetSecretValue"): (None, _secret),
        ("secretsmanager", "DescribeSecret"): (None, _secret),
        ("secretsmanager", "PutSecretValue"): (None, _secret),
        ("secretsmanager", "UpdateSecretVersionStage"): (None, _secret),
        ("kms", "GenerateDataKey"): ("kms:GenerateDataKey", _kms_key),
        ("dynamodb", "GetItem"): (None, _table),
        ("dynamodb", "PutItem"): (None, _table),
        ("dynamodb", "UpdateItem"): (None, _table),
        ("dynamodb", "DeleteItem"): (None, _table),
        ("dynamodb", "Query"): (None, _table),
        ("glue", "StartJobRun"): (None, _glue_job),
        ("glue", "GetJobRun"): (None, _glue_job),
        ("glue", "GetJobRuns"): (None, _glue_job),
        ("glue", "BatchStopJobRun"): (None, _glue_job),
        # PutMetricData has no resource type; its namespace is the condition key cloudwatch:namespace
        # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
        ("cloudwatch", "PutMetricData"): (
            "cloudwatch:PutMetricData",
            lambda p, r, a: [Need("", "*", {"cloudwatch:namespace": str(p.get("Namespace", ""))})],
        ),
    }
)

# The IAM prefix of a botocore service name, where they differ.
_PREFIXES = {"stepfunctions": "states"}


def needs_of(service: str, operation: str, params: dict[str, Any], region: str, account: str) -> list[Need]:
    """What IAM checks for one API call: its own action on its resource, plus what the request implies."""
    service = "stepfunctions" if service == "sfn" else service  # botocore's model name of Step Functions
    prefix = _PREFIXES.get(service, service)
    action, resolve = _REQUESTS.get((service, operation), (None, lambda p, r, a: [Need("", "*")]))
    action = action or f"{prefix}:{operation}"
    needs = [Need(action, n.resource, n.context) for n in resolve(params, region, account)]
    if service == "s3":
        needs += _s3_kms_needs(operation, params, region, account)
    if service == "sagemaker" and operation.startswith("Create"):
        # Passing a role needs iam:PassRole on it; SageMaker is the service it is passed to
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService).
        for key in ("RoleArn", "ExecutionRoleArn"):
            if params.get(key):
                context = {"iam:PassedToService": "sagemaker.amazonaws.com"}
                needs.append(Need("iam:PassRole", str(params[key]), context))
        # Tags in a Create* request need sagemaker:AddTags on the new resource
        # (https://docs.aws.amazon.com/sagemaker/latest/dg/security_iam_id-based-policy-examples.html#api-tag).
        if params.get("Tags"):
            needs.append(Need("sagemaker:AddTags", needs[0].resource))
    return needs


# Access-denied error codes per service, as their APIs return them.
_DENIED_CODES = {"s3": "AccessDenied", "sns": "AuthorizationError"}


def _denied_error(service: str, operation: str, denied: AccessDenied, via: str | None = None) -> Exception:
    """The error AWS gives. S3 says only "Access Denied" for its own actions, and passes on KMS's message when the
    object's key may not be used (``via``: the object)."""
    from botocore.exceptions import ClientError

    code = _DENIED_CODES.get(service, "AccessDeniedException")
    status = 403 if service in ("s3", "sns", "lambda") else 400
    message = "Access Denied" if service == "s3" and via is None else str(denied)
    response = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "emulator-iam"},
    }
    if getattr(_ACTING, "scope", None) is not None:  # a job's own data access: FailureReason "ClientError: ..."
        return _job_access_denied_class()(response, operation, denied, via)
    return ClientError(response, operation)


@functools.cache
def _job_access_denied_class() -> type:
    from botocore.exceptions import ClientError

    from scripts.local_containers import ContainerClientError

    class JobAccessDenied(ClientError, ContainerClientError):
        """A job's own S3/KMS access denied: FailureReason ``ClientError: Data download failed:Unable to download
        object s3://... (AccessDenied: Access Denied)``, as SageMaker reports it (seen in
        aws/amazon-sagemaker-examples#4384); uploads are reported the same way, as "Data upload failed"."""

        def __init__(self, response: dict, operation: str, denied: AccessDenied, via: str | None = None) -> None:
            super().__init__(response, operation)
            resource = via or denied.resource.removeprefix("arn:aws:s3:::")
            message = response["Error"]["Message"]
            if operation in ("GetObject", "HeadObject", "ListObjects", "ListObjectsV2"):
                self.reason = (
                    f"Data download failed:Unable to download object s3://{resource} (AccessDenied: {message})"
                )
            elif operation in ("PutObject", "CreateMultipartUpload", "UploadPart"):
                self.reason = f"Data upload failed:Unable to upload object s3://{resource} (AccessDenied: {message})"
            else:
                self.reason = f"{operation} failed (AccessDenied: {message})"

        def __str__(self) -> str:
            return self.reason

    return JobAccessDenied


def _evaluate_call(client: Any, operation: str, params: dict[str, Any]) -> None:
    role = getattr(_ACTING, "role", None)
    if not _ENABLED or role is None:
        return
    service = client.meta.service_model.service_name
    scope = getattr(_ACTING, "scope", None)
    if scope is not None and service not in scope:
        return
    account = role.split(":")[4]
    for need in needs_of(service, operation, params, client.meta.region_name, account):
        try:
            check(role, need.action, need.resource, need.context)
        except AccessDenied as denied:
            raise _denied_error(service, operation, denied, need.via) from None


@contextlib.contextmanager
def acting_as(role_arn: str | None, scope: set[str] | None = None) -> Iterator[None]:
    """This thread's boto3 calls act as ``role_arn`` (only calls to the services in ``scope``, if given)."""
    saved = getattr(_ACTING, "role", None), getattr(_ACTING, "scope", None)
    _ACTING.role, _ACTING.scope = role_arn, scope
    try:
        yield
    finally:
        _ACTING.role, _ACTING.scope = saved


# ---------------------------------------------------------------------------------------------------------------------
# SageMaker jobs and endpoints: their role's access to data, images and keys
# ---------------------------------------------------------------------------------------------------------------------
_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(?P<repo>[^:@]+)"
)


def image_needs(image: str) -> list[Need]:
    """Pulling an ECR image needs ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on its repository (in any account)
    and ecr:GetAuthorizationToken on ``*`` (https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html,
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html)."""
    match = _ECR_URI.match(image or "")
    if not match:
        return []
    repo = f"arn:aws:ecr:{match['region']}:{match['account']}:repository/{match['repo']}"
    return [
        Need("ecr:GetAuthorizationToken", "*"),
        Need("ecr:BatchGetImage", repo),
        Need("ecr:GetDownloadUrlForLayer", repo),
    ]


def _kms_needs(key: str | None, region: str, account: str, actions: tuple[str, ...]) -> list[Need]:
    if not key:
        return []
    arn = key if key.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key}"
    return [Need(a, arn) for a in actions]


def vpc_needs(vpc_config: dict[str, Any] | None, region: str, account: str) -> list[Need]:
    """What a job or model in VPC mode (a VpcConfig of subnets and security groups) needs of its role: SageMaker
    creates a network interface in each subnet, with the security groups, as that role
    (https://docs.aws.amazon.com/sagemaker/latest/dg/train-vpc.html, "Give SageMaker access to resources in your
    VPC"; resources and the ec2:Subnet key from
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html). The new interface's ID
    is the emulator's; the Describe* actions and DeleteNetworkInterfacePermission are checked on "*"."""
    if not vpc_config:
        return []
    ec2 = f"arn:aws:ec2:{region}:{account}"
    interface = f"{ec2}:network-interface/eni-emulator"
    subnets = [f"{ec2}:subnet/{s}" for s in vpc_config.get("Subnets", [])]
    groups = [f"{ec2}:security-group/{g}" for g in vpc_config.get("SecurityGroupIds", [])]
    needs = [Need("ec2:CreateNetworkInterface", r) for r in [interface, *subnets, *groups]]
    for subnet in subnets:
        context = {"ec2:Subnet": subnet}
        needs += [
            Need(a, interface, context) for a in ("ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface")
        ]
    needs += [
        Need(a, "*")
        for a in (
            "ec2:DeleteNetworkInterfacePermission",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeVpcs",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
        )
    ]
    return needs


def _job_vpc_config(kind: str, job: Any) -> dict[str, Any] | None:
    if kind == "training":
        return getattr(job, "vpc_config", None)
    if kind == "processing":
        return ((getattr(job, "network_config", None) or {}).get("VpcConfig")) or None
    return None


def _job_image_and_keys(kind: str, job: Any) -> tuple[str, list[Need]]:
    region, account = job.arn.split(":")[3], job.arn.split(":")[4]
    if kind == "training":
        image = (job.algorithm_specification or {}).get("TrainingImage", "")
        keys = _kms_needs((job.output_data_config or {}).get("KmsKeyId"), region, account, ("kms:GenerateDataKey",))
        keys += _kms_needs(
            (getattr(job, "resource_config", None) or {}).get("VolumeKmsKeyId"), region, account, ("kms:CreateGrant",)
        )
    elif kind == "processing":
        image = (job.app_specification or {}).get("ImageUri", "")
        keys = _kms_needs(
            (job.processing_output_config or {}).get("KmsKeyId"), region, account, ("kms:GenerateDataKey",)
        )
    else:
        image = ""
        keys = _kms_needs((job.transform_output or {}).get("KmsKeyId"), region, account, ("kms:GenerateDataKey",))
    return image, keys


def job_started(kind: str, job: Any, image: str | None = None) -> None:
    """The first step of a job runner: raise (``ClientError: ...``) if the job's role may not pull its image or use
    its KMS keys; then the rest of the job's thread reads and writes S3 (and KMS) as the job's role."""
    if not _ENABLED:
        return
    from scripts.local_containers import ContainerClientError

    role = job.role_arn if kind != "transform" else None
    found_image, keys = _job_image_and_keys(kind, job)
    if kind == "transform":
        return  # a transform job runs as its model's ExecutionRoleArn: see transform_started
    region, account = job.arn.split(":")[3], job.arn.split(":")[4]
    network = vpc_needs(_job_vpc_config(kind, job), region, account)
    for need in image_needs(image or found_image) + keys + network:
        try:
            check(role, need.action, need.resource, need.context)
        except AccessDenied as denied:
            raise ContainerClientError(str(denied)) from None
    _ACTING.role, _ACTING.scope = role, {"s3", "kms"}


def transform_started(backend: Any, job: Any) -> None:
    """A transform job acts as the ExecutionRoleArn of its model (it has no role of its own)."""
    if not _ENABLED:
        return
    from scripts.local_containers import ContainerClientError

    model = backend.describe_model(job.model_name)
    container = model.primary_container or (model.containers or [{}])[0]
    region, account = job.arn.split(":")[3], job.arn.split(":")[4]
    role = model.execution_role_arn
    _, keys = _job_image_and_keys("transform", job)
    keys = [Need(n.action, n.resource) for n in keys]
    keys += _kms_needs(
        (getattr(job, "transform_resources", None) or {}).get("VolumeKmsKeyId"), region, account, ("kms:CreateGrant",)
    )
    keys += vpc_needs(getattr(model, "vpc_config", None), region, account)  # a transform runs in its model's VPC
    for need in image_needs(container.get("Image", "")) + keys:
        try:
            check(role, need.action, need.resource, need.context)
        except AccessDenied as denied:
            raise ContainerClientError(str(denied)) from None
    _ACTING.role, _ACTING.scope = role, {"s3", "kms"}


def model_data_denied(backend: Any, config_name: str) -> str | None:
    """The first ModelDataUrl of the config's models that the model's ExecutionRoleArn may not read (nor decrypt,
    when it is SSE-KMS), or None."""
    if not _ENABLED:
        return None
    config = backend.endpoint_configs.get(config_name)
    if config is None:
        return None
    for variant in config.production_variants:
        model = backend._models.get(variant.get("ModelName"))
        if model is None:
            continue
        for container in [model.primary_container, *model.containers]:
            url = (container or {}).get("ModelDataUrl")
            needs = image_needs((container or {}).get("Image", ""))
            if url:
                bucket, _, key = url.removeprefix("s3://").partition("/")
                needs.append(Need("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"))
                region, account = model.arn.split(":")[3], model.arn.split(":")[4]
                needs += _s3_kms_needs("GetObject", {"Bucket": bucket, "Key": key}, region, account)
            region, account = model.arn.split(":")[3], model.arn.split(":")[4]
            needs += vpc_needs(getattr(model, "vpc_config", None), region, account)  # the endpoint's interfaces
            for need in needs:
                if not is_allowed(model.execution_role_arn, need.action, need.resource, need.context):
                    LOG.info("IAM denied: %s may not %s on %s", model.execution_role_arn, need.action, need.resource)
                    return url or (container or {}).get("Image")
    return None


# ---------------------------------------------------------------------------------------------------------------------
# Installation (called by scripts/moto_extensions.install, hook ``iam``)
# ---------------------------------------------------------------------------------------------------------------------
def install(patch: Callable[[Any, str, Any], Any], undo: Callable[[Callable[[], None]], None]) -> None:
    """Turn enforcement on. ``patch(owner, name, value)``: as moto_extensions._patch; ``undo(fn)``: a cleanup."""
    global _ENABLED
    from botocore.client import BaseClient
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    original_call = BaseClient._make_api_call

    def _make_api_call(self, operation_name, api_params):
        _evaluate_call(self, operation_name, api_params)
        return original_call(self, operation_name, api_params)

    original_eval = StateTaskService._eval_execution

    def _eval_execution(self, env):
        role = env.states.context_object.context_object_data["Execution"].get("RoleArn")
        with acting_as(role):
            return original_eval(self, env)

    # A Distributed Map's ItemReader reads its items as the state machine's role
    # (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html#itemreader-iam-policies).
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (
        ResourceEvalS3,
    )

    original_item_reader = ResourceEvalS3.eval_resource

    def item_reader_eval(self, env):
        with acting_as(env.aws_execution_details.role_arn):
            return original_item_reader(self, env)

    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
        StateTaskServiceLambda,
    )

    original_lambda_error = StateTaskServiceLambda._error_cause_from_client_error

    def _error_cause_from_client_error(client_error):
        # Lambda's Invoke does not model AccessDeniedException: Step Functions reports it under the SDK's base
        # exception, Lambda.AWSLambdaException, the code only in Cause (as AWS users see it, e.g.
        # awslabs/aws-deployment-framework#460, aws-samples/lambda-refarch-imagerecognition#19); moto says
        # Lambda.AccessDeniedException.
        error, cause = original_lambda_error(client_error)
        if client_error.response["Error"]["Code"] == "AccessDeniedException":
            error = "Lambda.AWSLambdaException"
        return error, cause

    # boto3's managed transfers (download_file, upload_file) run their S3 calls on s3transfer's worker threads: a
    # task acts as the role its creator acted as.
    from s3transfer.tasks import Task

    original_task_init, original_task_call = Task.__init__, Task.__call__

    def task_init(self, *args, **kwargs):
        original_task_init(self, *args, **kwargs)
        self._emulator_iam_acting = getattr(_ACTING, "role", None), getattr(_ACTING, "scope", None)

    def task_call(self, *args, **kwargs):
        role, scope = getattr(self, "_emulator_iam_acting", (None, None))
        with acting_as(role, scope):
            return original_task_call(self, *args, **kwargs)

    patch(Task, "__init__", task_init)
    patch(Task, "__call__", task_call)
    patch(BaseClient, "_make_api_call", _make_api_call)
    patch(StateTaskService, "_eval_execution", _eval_execution)
    patch(ResourceEvalS3, "eval_resource", item_reader_eval)
    patch(StateTaskServiceLambda, "_error_cause_from_client_error", staticmethod(_error_cause_from_client_error))
    _ENABLED = True

    def disable() -> None:
        global _ENABLED
        _ENABLED = False

    undo(disable)


__all__ = [
    "AccessDenied",
    "acting_as",
    "check",
    "image_needs",
    "is_allowed",
    "job_started",
    "model_data_denied",
    "needs_of",
    "role_policies",
    "transform_started",
]
