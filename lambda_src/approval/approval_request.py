"""Lambda ``approval_request.handler``: ask the approvers, by mail, whether a candidate model may be deployed.

Invoked by the state machine's ``lambda:invoke.waitForTaskToken`` task, whose ``TimeoutSeconds`` bounds the
wait. The function records the request (DynamoDB, keyed by the SHA-256 of the task token, status ``pending``)
and publishes to the approvals topic a summary with links to the batch-transform output and two signed links,
Approve and Reject, that expire when the task times out. The links open a confirmation page of the responder;
nothing is decided until the approver confirms there.

Event::

    {"task_token": "<$$.Task.Token>", "execution_arn": "<$$.Execution.Id>", "execution_name": "<$$.Execution.Name>",
     "entered_time": "<$$.State.EnteredTime>", "timeout_seconds": 86400,
     "commit_id": "...", "image_uri": "...", "training_job": "...", "model_name": "...",
     "transform_job": "...", "transform_output": "s3://bucket/prefix/", "endpoint_name": "..."}

Result (ignored by the waiting task; logged)::

    {"request_id": "<sha256 of the token>", "expires_at": "2024-01-02T10:00:00Z"}

Environment: APPROVAL_URL (the responder's https URL), APPROVAL_TOPIC_ARN, APPROVAL_TABLE, SIGNING_KEY_SECRET,
NAME_PREFIX.

Errors (class name = Step Functions error name): MalformedEvent, ConfigurationError, SigningKeyUnavailable;
botocore errors of SNS, DynamoDB and Secrets Manager propagate (the state machine retries the transient ones).
"""

from __future__ import annotations

import datetime
import re
from typing import Any, NamedTuple, TypedDict
from urllib.parse import quote

from approval_core import (
    PENDING,
    ApprovalError,
    ConfigurationError,
    MalformedEvent,
    aws_client,
    env,
    is_task_token,
    iso,
    link_url,
    log_event,
    parse_timestamp,
    request_id,
    signing_key,
    utc_now,
)

RECORD_RETENTION_DAYS = 90  # DynamoDB's TTL deletes a record this long after its link expired
_S3_URI = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.*)")
_TEXT_FIELDS = (
    "execution_arn",
    "execution_name",
    "commit_id",
    "image_uri",
    "training_job",
    "model_name",
    "transform_job",
    "transform_output",
    "endpoint_name",
)


class ApprovalRequestEvent(TypedDict):
    task_token: str
    execution_arn: str
    execution_name: str
    entered_time: str
    timeout_seconds: int
    commit_id: str
    image_uri: str
    training_job: str
    model_name: str
    transform_job: str
    transform_output: str
    endpoint_name: str


class ApprovalRequestResult(TypedDict):
    request_id: str
    expires_at: str


class ApprovalRequest(NamedTuple):
    """A validated event."""

    task_token: str
    expires_at: datetime.datetime
    details: dict[str, str]


class Config(NamedTuple):
    approval_url: str
    topic_arn: str
    table: str
    secret_id: str
    name_prefix: str


def load_config() -> Config:
    url = env("APPROVAL_URL")
    if not url.startswith("https://"):
        raise ConfigurationError(f"APPROVAL_URL must be an https:// URL, got {url!r}")
    return Config(url, env("APPROVAL_TOPIC_ARN"), env("APPROVAL_TABLE"), env("SIGNING_KEY_SECRET"), env("NAME_PREFIX"))


def parse_event(event: object) -> ApprovalRequest:
    """Validate the event, or raise MalformedEvent."""
    if not isinstance(event, dict):
        raise MalformedEvent(f"event must be a JSON object, got {type(event).__name__}")
    token = event.get("task_token")
    if not is_task_token(token):
        raise MalformedEvent("task_token must be the task token of the waiting state ($$.Task.Token)")
    try:
        entered = parse_timestamp(event.get("entered_time"))
    except ValueError:
        raise MalformedEvent(
            f"entered_time must be an ISO 8601 UTC time ($$.State.EnteredTime), got {event.get('entered_time')!r}"
        ) from None
    timeout = event.get("timeout_seconds")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 31_536_000:
        raise MalformedEvent(f"timeout_seconds must be a whole number of seconds up to a year, got {timeout!r}")
    details = {}
    for field in _TEXT_FIELDS:
        value = event.get(field)
        if not isinstance(value, str) or not value or len(value) > 2048:
            raise MalformedEvent(f"{field} must be a non-empty string, got {value!r}")
        details[field] = value
    if not _S3_URI.fullmatch(details["transform_output"]):
        raise MalformedEvent(f"transform_output must be an s3:// URI, got {details['transform_output']!r}")
    return ApprovalRequest(token, entered + datetime.timedelta(seconds=timeout), details)


def console_links(details: dict[str, str], region: str) -> dict[str, str]:
    """Console pages of the transform output and the execution (they need a console sign-in: no data in mail)."""
    bucket, key = _S3_URI.fullmatch(details["transform_output"]).groups()  # type: ignore[union-attr]
    s3 = f"https://s3.console.aws.amazon.com/s3/buckets/{bucket}?region={region}&prefix={quote(key)}"
    execution = (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{quote(details['execution_arn'], safe='')}"
    )
    return {"transform_output_console": s3, "execution_console": execution}


def record_item(request: ApprovalRequest, now: datetime.datetime) -> dict[str, Any]:
    """The DynamoDB item of a pending request (no task token: the key is its hash)."""
    item = {
        "request_id": {"S": request_id(request.task_token)},
        "status": {"S": PENDING},
        "requested_at": {"S": iso(now)},
        "expires_at": {"N": str(int(request.expires_at.timestamp()))},
        "expires_ttl": {"N": str(int(request.expires_at.timestamp()) + RECORD_RETENTION_DAYS * 86400)},
    }
    item.update({field: {"S": value} for field, value in request.details.items()})
    return item


def save_request(dynamodb: Any, table: str, item: dict[str, Any]) -> None:
    """Write the pending record; a re-invocation for the same token may rewrite it only while it is pending."""
    dynamodb.put_item(
        TableName=table,
        Item=item,
        ConditionExpression="attribute_not_exists(request_id) OR #status = :pending",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":pending": {"S": PENDING}},
    )


def message(request: ApprovalRequest, links: dict[str, str], console: dict[str, str]) -> str:
    d = request.details
    return "\n".join(
        [
            "A candidate model is waiting for your approval before it is deployed.",
            "",
            f"Commit:           {d['commit_id']}",
            f"Image:            {d['image_uri']}",
            f"Training job:     {d['training_job']}",
            f"Model:            {d['model_name']}",
            f"Endpoint:         {d['endpoint_name']}",
            "",
            "Predictions on the test set (batch transform job " + d["transform_job"] + "):",
            f"  {d['transform_output']}",
            f"  {console['transform_output_console']}",
            "",
            f"Execution: {d['execution_arn']}",
            f"  {console['execution_console']}",
            "",
            f"Decide before {iso(request.expires_at)}; after that the deployment is abandoned.",
            "",
            "APPROVE (opens a confirmation page):",
            links["approve"],
            "",
            "REJECT (opens a confirmation page):",
            links["reject"],
            "",
            "Opening a link changes nothing: only the button on its page decides. Each request can be decided once.",
            "Do not forward this mail: the links are the permission to decide.",
        ]
    )


def subject(name_prefix: str, commit_id: str) -> str:
    # SNS subjects: ASCII, under 100 characters.
    text = f"[{name_prefix}] approve deployment of commit {commit_id[:12]}?"
    return text.encode("ascii", "replace").decode()[:99]


def request_approval(
    request: ApprovalRequest,
    config: Config,
    *,
    sns: Any,
    dynamodb: Any,
    secretsmanager: Any,
    region: str,
    now: datetime.datetime,
) -> ApprovalRequestResult:
    key = signing_key(secretsmanager, config.secret_id)
    expires = int(request.expires_at.timestamp())
    links = {
        action: link_url(config.approval_url, key, action, expires, request.task_token)
        for action in ("approve", "reject")
    }
    save_request(dynamodb, config.table, record_item(request, now))
    sns.publish(
        TopicArn=config.topic_arn,
        Subject=subject(config.name_prefix, request.details["commit_id"]),
        Message=message(request, links, console_links(request.details, region)),
    )
    return {"request_id": request_id(request.task_token), "expires_at": iso(request.expires_at)}


def handler(event: ApprovalRequestEvent, context: object) -> ApprovalRequestResult:
    try:
        config = load_config()
        request = parse_event(event)
        result = request_approval(
            request,
            config,
            sns=aws_client("sns"),
            dynamodb=aws_client("dynamodb"),
            secretsmanager=aws_client("secretsmanager"),
            region=env("AWS_REGION"),
            now=utc_now(),
        )
    except ApprovalError as exc:
        log_event("approval-request", outcome="error", error=type(exc).__name__, message=str(exc))
        raise
    log_event("approval-request", outcome="sent", **result, execution=request.details["execution_arn"])
    return result
