"""approval_request.handler: the approval mail (signed links that expire with the task), the pending record."""

from __future__ import annotations

import base64
import datetime
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
from botocore.stub import ANY, Stubber

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src" / "approval"))

import approval_core as core
import approval_request as request_fn
from approval_core import ConfigurationError, MalformedEvent

# One botocore session: loading service models per test would make the suite slow.
SESSION = botocore.session.get_session()
KEY = bytes(range(32))
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAY+abc/DEF=ghi+jkl/MNO==" * 8
SECRET = "churn-cd-approval-signing-key"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{SECRET}-AbCdEf"
TOPIC = "arn:aws:sns:us-east-1:123456789012:churn-approvals"
TABLE = "churn-cd-approvals"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/approval"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:churn-approved-deployment:pipeline-1234"
NOW = datetime.datetime(2024, 5, 1, 12, 0, 5, tzinfo=datetime.timezone.utc)
ENTERED = "2024-05-01T12:00:00.123Z"
ENTERED_AT = datetime.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=datetime.timezone.utc)
REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-approved"
CONFIG = request_fn.Config(URL, TOPIC, TABLE, SECRET, "churn")


def make_event(**overrides):
    event = {
        "task_token": TOKEN,
        "execution_arn": EXECUTION,
        "execution_name": "pipeline-1234",
        "entered_time": ENTERED,
        "timeout_seconds": 86400,
        "commit_id": "3f2a1b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
        "image_uri": f"{REPOSITORY}:3f2a1b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
        "training_job": "churn-3f2a1b9c0d1e-0123456789ab",
        "model_name": "churn-3f2a1b9c0d1e-0123456789ac",
        "transform_job": "churn-3f2a1b9c0d1e-0123456789ad",
        "transform_output": "s3://churn-123456789012-us-east-1/churn/approved-deployment/transform/pipeline-1234/",
        "endpoint_name": "churn-approved",
    }
    event.update(overrides)
    return event


def client(service):
    return SESSION.create_client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def stubs():
    sns, dynamodb, secrets = Stubber(client("sns")), Stubber(client("dynamodb")), Stubber(client("secretsmanager"))
    with sns, dynamodb, secrets:
        yield sns, dynamodb, secrets
        for stub in (sns, dynamodb, secrets):
            stub.assert_no_pending_responses()


class Capture:
    value = None

    def __eq__(self, other):
        self.value = other
        return True


def expect_key(secrets):
    secrets.add_response(
        "get_secret_value",
        {"ARN": SECRET_ARN, "Name": SECRET, "VersionId": "v" * 32, "SecretString": base64.b64encode(KEY).decode()},
        {"SecretId": SECRET, "VersionStage": "AWSCURRENT"},
    )


def run(stubs, event=None):
    sns, dynamodb, secrets = stubs
    return request_fn.request_approval(
        request_fn.parse_event(event or make_event()),
        CONFIG,
        sns=sns.client,
        dynamodb=dynamodb.client,
        secretsmanager=secrets.client,
        region="us-east-1",
        now=NOW,
    )


def test_the_links_expire_when_the_task_times_out():
    request = request_fn.parse_event(make_event())
    assert request.expires_at == ENTERED_AT + datetime.timedelta(seconds=86400)


def test_request_records_pending_and_mails_signed_links(stubs):
    sns, dynamodb, secrets = stubs
    expect_key(secrets)
    item = Capture()
    dynamodb.add_response(
        "put_item",
        {},
        {
            "TableName": TABLE,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(request_id) OR #status = :pending",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":pending": {"S": "pending"}},
        },
    )
    message = Capture()
    sns.add_response(
        "publish",
        {"MessageId": "m-1"},
        {"TopicArn": TOPIC, "Subject": "[churn] approve deployment of commit 3f2a1b9c0d1e?", "Message": message},
    )
    result = run(stubs)

    expires = int(ENTERED_AT.timestamp()) + 86400
    assert result == {"request_id": core.request_id(TOKEN), "expires_at": "2024-05-02T12:00:00Z"}
    record = item.value
    assert record["request_id"] == {"S": core.request_id(TOKEN)}
    assert record["status"] == {"S": "pending"}
    assert record["expires_at"] == {"N": str(expires)}
    assert int(record["expires_ttl"]["N"]) == expires + 90 * 86400
    assert record["commit_id"]["S"].startswith("3f2a1b9c0d1e")
    assert TOKEN not in str(record)  # the table never holds a task token

    text = message.value
    links = [line for line in text.splitlines() if line.startswith(URL)]
    assert len(links) == 2
    for action, link in zip(("approve", "reject"), links, strict=True):
        fields = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        assert fields["action"] == action and fields["expires"] == str(expires) and fields["token"] == TOKEN
        core.verify([KEY], core.parse_link(fields), NOW)  # signed with the stored key
    assert "s3://churn-123456789012-us-east-1/churn/approved-deployment/transform/pipeline-1234/" in text
    assert "https://s3.console.aws.amazon.com/s3/buckets/churn-123456789012-us-east-1?region=us-east-1&prefix=" in text
    assert "Decide before 2024-05-02T12:00:00Z" in text
    assert "Opening a link changes nothing" in text


def test_a_decided_request_is_not_reopened(stubs):
    _sns, dynamodb, secrets = stubs
    expect_key(secrets)
    dynamodb.add_client_error("put_item", service_error_code="ConditionalCheckFailedException")
    with pytest.raises(Exception, match="ConditionalCheckFailed"):
        run(stubs)
    # no mail: sns has no stubbed response, and assert_no_pending_responses holds


def test_first_use_creates_the_key(stubs):
    sns, dynamodb, secrets = stubs
    secrets.add_client_error("get_secret_value", service_error_code="ResourceNotFoundException")
    secrets.add_response(
        "put_secret_value",
        {"ARN": SECRET_ARN, "Name": SECRET, "VersionId": core.INITIAL_KEY_VERSION},
        {
            "SecretId": SECRET,
            "ClientRequestToken": core.INITIAL_KEY_VERSION,
            "SecretString": ANY,
            "VersionStages": ["AWSCURRENT"],
        },
    )
    expect_key(secrets)
    dynamodb.add_response("put_item", {}, None)
    sns.add_response("publish", {"MessageId": "m-1"}, None)
    run(stubs)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"task_token": ""}, "task_token"),
        ({"task_token": "with space"}, "task_token"),
        ({"task_token": None}, "task_token"),
        ({"entered_time": "yesterday"}, "entered_time"),
        ({"entered_time": "2024-05-01T12:00:00"}, "entered_time"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": True}, "timeout_seconds"),
        ({"timeout_seconds": "86400"}, "timeout_seconds"),
        ({"commit_id": ""}, "commit_id"),
        ({"transform_output": "https://example.com/out"}, "transform_output"),
        ({"execution_arn": None}, "execution_arn"),
    ],
)
def test_malformed_events_are_refused(overrides, field):
    with pytest.raises(MalformedEvent, match=field):
        request_fn.parse_event(make_event(**overrides))


def test_non_object_events_are_refused():
    with pytest.raises(MalformedEvent, match="JSON object"):
        request_fn.parse_event(["not", "an", "object"])


def test_subject_is_short_ascii():
    text = request_fn.subject("churn", "ä" * 50)
    assert text.isascii() and len(text) < 100


def test_configuration_is_required_and_https(monkeypatch):
    for name in ("APPROVAL_URL", "APPROVAL_TOPIC_ARN", "APPROVAL_TABLE", "SIGNING_KEY_SECRET", "NAME_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="APPROVAL_URL"):
        request_fn.handler(make_event(), None)
    monkeypatch.setenv("APPROVAL_URL", "http://insecure.example.com/approval")
    with pytest.raises(ConfigurationError, match="https"):
        request_fn.handler(make_event(), None)


def test_handler_wires_the_injected_clients(monkeypatch, stubs):
    sns, dynamodb, secrets = stubs
    for name, value in {
        "APPROVAL_URL": URL,
        "APPROVAL_TOPIC_ARN": TOPIC,
        "APPROVAL_TABLE": TABLE,
        "SIGNING_KEY_SECRET": SECRET,
        "NAME_PREFIX": "churn",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(
        core, "_CLIENTS", {"sns": sns.client, "dynamodb": dynamodb.client, "secretsmanager": secrets.client}
    )
    expect_key(secrets)
    dynamodb.add_response("put_item", {}, None)
    sns.add_response("publish", {"MessageId": "m-1"}, None)
    assert request_fn.handler(make_event(), None)["request_id"] == core.request_id(TOKEN)
