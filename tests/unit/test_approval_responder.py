"""approval_responder.handler: GET only shows, POST decides once; tampered, expired, replayed links change nothing."""

from __future__ import annotations

import base64
import datetime
import json
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import botocore.session
import pytest
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src" / "approval"))

import approval_core as core
import approval_responder as responder

# One botocore session: loading service models per test would make the suite slow.
SESSION = botocore.session.get_session()
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAY+abc/DEF=ghi+jkl/MNO==" * 8
RID = core.request_id(TOKEN)
SECRET = "churn-cd-approval-signing-key"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{SECRET}-AbCdEf"
TABLE = "churn-cd-approvals"
NOW = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
EXPIRES = int(NOW.timestamp()) + 3600
DECIDED_AT = "2024-05-01T12:00:00Z"


def client(service):
    return SESSION.create_client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def aws():
    stubs = {name: Stubber(client(name)) for name in ("dynamodb", "stepfunctions", "secretsmanager")}
    for stub in stubs.values():
        stub.activate()
    yield stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def link_fields(action="approve", expires=EXPIRES, token=TOKEN, key=KEY):
    return {
        "action": action,
        "expires": str(expires),
        "token": token,
        "signature": core.sign(key, action, expires, token),
    }


def get_event(fields):
    return {
        "version": "2.0",
        "routeKey": "GET /approval",
        "rawPath": "/approval",
        "rawQueryString": urlencode(fields) if isinstance(fields, dict) else fields,
        "headers": {"user-agent": "Mozilla/5.0"},
        "requestContext": {"http": {"method": "GET", "sourceIp": "198.51.100.7", "userAgent": "Mozilla/5.0"}},
        "isBase64Encoded": False,
    }


def post_event(fields, *, base64_body=True, content_type="application/x-www-form-urlencoded"):
    body = urlencode(fields)
    return {
        "version": "2.0",
        "routeKey": "POST /approval",
        "rawPath": "/approval",
        "rawQueryString": "",
        "headers": {"content-type": content_type, "user-agent": "Mozilla/5.0"},
        "requestContext": {"http": {"method": "POST", "sourceIp": "198.51.100.7", "userAgent": "Mozilla/5.0"}},
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


def expect_keys(aws, current=KEY, previous=None):
    value = {"ARN": SECRET_ARN, "Name": SECRET, "VersionId": "v" * 32}
    aws["secretsmanager"].add_response(
        "get_secret_value",
        {**value, "SecretString": base64.b64encode(current).decode()},
        {"SecretId": SECRET, "VersionStage": "AWSCURRENT"},
    )
    if previous is None:
        aws["secretsmanager"].add_client_error(
            "get_secret_value",
            service_error_code="ResourceNotFoundException",
            expected_params={"SecretId": SECRET, "VersionStage": "AWSPREVIOUS"},
        )
    else:
        aws["secretsmanager"].add_response(
            "get_secret_value",
            {**value, "SecretString": base64.b64encode(previous).decode()},
            {"SecretId": SECRET, "VersionStage": "AWSPREVIOUS"},
        )


def record(status="pending", expires=EXPIRES, **extra):
    item = {
        "request_id": {"S": RID},
        "status": {"S": status},
        "expires_at": {"N": str(expires)},
        "commit_id": {"S": "3f2a1b9c0d1e"},
        "endpoint_name": {"S": "churn-approved"},
        "transform_output": {"S": "s3://bucket/churn/approved-deployment/transform/run-1/"},
        "execution_arn": {"S": "arn:aws:states:us-east-1:123456789012:execution:churn-approved-deployment:run-1"},
    }
    item.update({k: {"S": v} for k, v in extra.items()})
    return item


def expect_record(aws, item):
    aws["dynamodb"].add_response(
        "get_item",
        {"Item": item} if item else {},
        {"TableName": TABLE, "Key": {"request_id": {"S": RID}}, "ConsistentRead": True},
    )


def respond(aws, event):
    return responder.respond(
        event,
        dynamodb=aws["dynamodb"].client,
        sfn=aws["stepfunctions"].client,
        secretsmanager=aws["secretsmanager"].client,
        table=TABLE,
        secret_id=SECRET,
        now=NOW,
    )


class Capture:
    value = None

    def __eq__(self, other):
        self.value = other
        return True


def expect_claim(aws, *, fail=False):
    values = Capture()
    params = {
        "TableName": TABLE,
        "Key": {"request_id": {"S": RID}},
        "UpdateExpression": Capture(),
        "ConditionExpression": "#status = :pending",
        "ExpressionAttributeNames": Capture(),
        "ExpressionAttributeValues": values,
    }
    if fail:
        aws["dynamodb"].add_client_error("update_item", "ConditionalCheckFailedException", expected_params=params)
    else:
        aws["dynamodb"].add_response("update_item", {}, params)
    return values


def expect_settle(aws, status):
    values = Capture()
    aws["dynamodb"].add_response(
        "update_item",
        {},
        {
            "TableName": TABLE,
            "Key": {"request_id": {"S": RID}},
            "UpdateExpression": Capture(),
            "ConditionExpression": "#status = :deciding AND #at = :at",
            "ExpressionAttributeNames": Capture(),
            "ExpressionAttributeValues": values,
        },
    )
    return values


def decide_form(action="approve", name="Ada Lovelace", comment="", **link):
    return {**link_fields(action, **link), "name": name, "comment": comment}


# ---------------------------------------------------------------------------------------------------------------------
# GET: shows, never decides
# ---------------------------------------------------------------------------------------------------------------------
def test_get_shows_a_confirmation_page_and_changes_nothing(aws):
    expect_keys(aws)
    expect_record(aws, record())
    page = respond(aws, get_event(link_fields()))
    assert page["statusCode"] == 200
    body = page["body"]
    assert "Approve this deployment?" in body and "Nothing has been decided yet." in body
    assert '<form method="post">' in body and 'name="name" required' in body
    assert "3f2a1b9c0d1e" in body and "churn-approved" in body
    # the form carries the signed fields, HTML-escaped
    for name, value in link_fields().items():
        assert f'name="{name}" value="{value}"' in body.replace("&#x27;", "'")
    # no update_item, no send_task_*: the stubs would fail on any unexpected call


def test_get_of_a_reject_link_offers_only_rejection(aws):
    expect_keys(aws)
    expect_record(aws, record())
    body = respond(aws, get_event(link_fields("reject")))["body"]
    assert "Reject this deployment?" in body and "Approve and deploy" not in body


def test_pages_forbid_caching_referrers_framing_and_scripts(aws):
    expect_keys(aws)
    expect_record(aws, record())
    headers = respond(aws, get_event(link_fields()))["headers"]
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"  # the URL carries the token
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "form-action 'self'" in headers["Content-Security-Policy"]


def test_record_values_are_escaped(aws):
    expect_keys(aws)
    expect_record(aws, record(commit_id="<script>alert(1)</script>"))
    body = respond(aws, get_event(link_fields()))["body"]
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_get_of_a_decided_request_says_so(aws):
    expect_keys(aws)
    expect_record(aws, record("approved", decided_by="Grace", decided_at="2024-05-01T11:00:00Z"))
    page = respond(aws, get_event(link_fields("reject")))
    assert page["statusCode"] == 409
    assert "already decided" in page["body"] and "approved by Grace at 2024-05-01T11:00:00Z" in page["body"]


def test_get_of_an_unknown_request_is_invalid(aws):
    expect_keys(aws)
    expect_record(aws, None)
    assert respond(aws, get_event(link_fields()))["statusCode"] == 403


def test_a_key_rotated_since_the_mail_still_verifies(aws):
    expect_keys(aws, current=OTHER_KEY, previous=KEY)
    expect_record(aws, record())
    assert respond(aws, get_event(link_fields()))["statusCode"] == 200


# ---------------------------------------------------------------------------------------------------------------------
# Links that must change nothing
# ---------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "tamper",
    [
        lambda f: {**f, "action": "reject"},
        lambda f: {**f, "expires": str(int(f["expires"]) + 86400)},
        lambda f: {**f, "token": f["token"][:-4] + "AAAA"},
        lambda f: {**f, "signature": core.sign(OTHER_KEY, f["action"], int(f["expires"]), f["token"])},
        lambda f: {k: v for k, v in f.items() if k != "signature"},
    ],
    ids=["action", "expiry", "token", "foreign-key", "unsigned"],
)
def test_tampered_links_get_a_clear_page_and_change_nothing(aws, method, tamper):
    fields = tamper(link_fields())
    if "signature" in fields:
        expect_keys(aws)
    event = get_event(fields) if method == "GET" else post_event({**fields, "name": "Mallory"})
    page = respond(aws, event)
    assert page["statusCode"] == 403
    assert "This link is not valid" in page["body"] and "Nothing was changed" in page["body"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_expired_links_get_a_clear_page_and_change_nothing(aws, method):
    fields = link_fields(expires=int(NOW.timestamp()) - 1)
    expect_keys(aws)
    event = get_event(fields) if method == "GET" else post_event({**fields, "name": "Ada"})
    page = respond(aws, event)
    assert page["statusCode"] == 410 and "expired" in page["body"]


def test_duplicated_fields_are_invalid(aws):
    query = urlencode(link_fields()) + "&action=reject"
    assert respond(aws, get_event(query))["statusCode"] == 403


def test_without_a_key_every_link_is_refused(aws):
    aws["secretsmanager"].add_client_error("get_secret_value", service_error_code="ResourceNotFoundException")
    aws["secretsmanager"].add_client_error("get_secret_value", service_error_code="ResourceNotFoundException")
    page = respond(aws, get_event(link_fields()))
    assert page["statusCode"] == 503 and "Nothing was changed" in page["body"]


def test_other_methods_are_refused(aws):
    event = get_event(link_fields())
    event["requestContext"]["http"]["method"] = "PUT"
    assert respond(aws, event)["statusCode"] == 405


def test_a_post_that_is_not_the_form_is_refused(aws):
    page = respond(aws, post_event(decide_form(), content_type="application/json"))
    assert page["statusCode"] == 403


# ---------------------------------------------------------------------------------------------------------------------
# POST: decides, once
# ---------------------------------------------------------------------------------------------------------------------
def test_post_approve_claims_the_record_then_sends_task_success(aws):
    expect_keys(aws)
    expect_record(aws, record())
    claimed = expect_claim(aws)
    output = Capture()
    aws["stepfunctions"].add_response("send_task_success", {}, {"taskToken": TOKEN, "output": output})
    settled = expect_settle(aws, "approved")

    page = respond(aws, post_event(decide_form(comment="Predictions look right.")))

    assert page["statusCode"] == 200 and "Approved by Ada Lovelace at 2024-05-01T12:00:00Z" in page["body"]
    recorded = {v["S"] for v in claimed.value.values()}
    assert {"deciding", "approved", "Ada Lovelace", DECIDED_AT, "198.51.100.7", "Mozilla/5.0"} <= recorded
    assert json.loads(output.value) == {
        "decision": "approved",
        "decided_by": "Ada Lovelace",
        "decided_at": DECIDED_AT,
        "comment": "Predictions look right.",
        "source_ip": "198.51.100.7",
        "request_id": RID,
    }
    assert settled.value[":status"] == {"S": "approved"} and settled.value[":at"] == {"S": DECIDED_AT}


def test_post_reject_sends_task_failure_with_the_error_name_the_catch_matches(aws):
    expect_keys(aws)
    expect_record(aws, record())
    expect_claim(aws)
    cause = Capture()
    aws["stepfunctions"].add_response(
        "send_task_failure", {}, {"taskToken": TOKEN, "error": "ApprovalRejected", "cause": cause}
    )
    expect_settle(aws, "rejected")
    page = respond(aws, post_event(decide_form("reject", name="grace@example.com", comment="Recall dropped.")))
    assert page["statusCode"] == 200 and "Rejected by grace@example.com" in page["body"]
    decision = json.loads(cause.value)
    assert decision["decision"] == "rejected" and decision["decided_by"] == "grace@example.com"
    assert decision["comment"] == "Recall dropped." and decision["decided_at"] == DECIDED_AT


def test_form_body_may_arrive_unencoded(aws):
    expect_keys(aws)
    expect_record(aws, record())
    expect_claim(aws)
    aws["stepfunctions"].add_response("send_task_success", {}, None)
    expect_settle(aws, "approved")
    assert respond(aws, post_event(decide_form(), base64_body=False))["statusCode"] == 200


def test_replayed_link_after_a_decision_changes_nothing(aws):
    expect_keys(aws)
    expect_record(aws, record("approved", decided_by="Ada", decided_at=DECIDED_AT))
    page = respond(aws, post_event(decide_form("reject", name="Mallory")))
    assert page["statusCode"] == 409 and "already decided" in page["body"]


def test_a_concurrent_decision_wins_the_conditional_write(aws):
    expect_keys(aws)
    expect_record(aws, record())
    expect_claim(aws, fail=True)
    expect_record(aws, record("rejected", decided_by="Grace", decided_at=DECIDED_AT))
    page = respond(aws, post_event(decide_form()))
    assert page["statusCode"] == 409 and "rejected by Grace" in page["body"]


@pytest.mark.parametrize("name", ["", "   ", "<b>", "x" * 129, "Robert'); DROP TABLE"])
def test_a_decision_needs_a_valid_name_and_changes_nothing_without_one(aws, name):
    expect_keys(aws)
    expect_record(aws, record())
    page = respond(aws, post_event(decide_form(name=name)))
    assert page["statusCode"] == 400
    assert "Enter your name" in page["body"] and '<form method="post">' in page["body"]


def test_a_comment_too_long_is_refused(aws):
    expect_keys(aws)
    expect_record(aws, record())
    assert respond(aws, post_event(decide_form(comment="x" * 1001)))["statusCode"] == 400


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_a_task_that_no_longer_waits_closes_the_request(aws, code):
    expect_keys(aws)
    expect_record(aws, record())
    expect_claim(aws)
    aws["stepfunctions"].add_client_error("send_task_success", service_error_code=code)
    settled = expect_settle(aws, "closed")
    page = respond(aws, post_event(decide_form()))
    assert page["statusCode"] == 410 and "no longer waits" in page["body"]
    assert settled.value[":status"] == {"S": "closed"} and settled.value[":note"] == {"S": code}


def test_a_transient_failure_releases_the_claim_so_the_link_can_be_used_again(aws):
    expect_keys(aws)
    expect_record(aws, record())
    expect_claim(aws)
    aws["stepfunctions"].add_client_error("send_task_success", service_error_code="ThrottlingException")
    settled = expect_settle(aws, "pending")
    page = respond(aws, post_event(decide_form()))
    assert page["statusCode"] == 503 and "try again" in page["body"]
    assert settled.value[":status"] == {"S": "pending"}


def test_an_unexpected_error_fails_closed_with_a_page(aws, monkeypatch):
    for name, value in {"APPROVAL_TABLE": TABLE, "SIGNING_KEY_SECRET": SECRET}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(
        core,
        "_CLIENTS",
        {
            "dynamodb": aws["dynamodb"].client,
            "stepfunctions": aws["stepfunctions"].client,
            "secretsmanager": aws["secretsmanager"].client,
        },
    )
    monkeypatch.setattr(responder, "utc_now", lambda: NOW)
    expect_keys(aws)
    aws["dynamodb"].add_client_error("get_item", service_error_code="InternalServerError")
    page = responder.handler(get_event(link_fields()), None)
    assert page["statusCode"] == 500 and "Nothing was changed" in page["body"]


def test_the_handler_refuses_to_run_unconfigured(monkeypatch):
    monkeypatch.delenv("APPROVAL_TABLE", raising=False)
    page = responder.handler(get_event(link_fields()), None)
    assert page["statusCode"] == 500


def test_mail_links_open_the_confirmation_page(aws):
    """End to end: the link the request function mails is the link the responder accepts."""
    url = core.link_url("https://abc.execute-api.us-east-1.amazonaws.com/approval", KEY, "approve", EXPIRES, TOKEN)
    expect_keys(aws)
    expect_record(aws, record())
    assert respond(aws, get_event(urlsplit(url).query))["statusCode"] == 200
