"""Unit tests of scripts/http_api.py: API Gateway's part for the emulated HTTP APIs, with stand-in clients."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest

from scripts import http_api

API = "https://abc123def4.execute-api.us-east-1.amazonaws.com"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:responder"


class FakeApiGateway:
    def __init__(self, routes: list[dict[str, Any]], integration: dict[str, Any]) -> None:
        self.routes, self.integration = routes, integration

    def get_routes(self, ApiId: str) -> dict[str, Any]:
        assert ApiId == "abc123def4"
        return {"Items": self.routes}

    def get_integration(self, ApiId: str, IntegrationId: str) -> dict[str, Any]:
        assert IntegrationId == "int1"
        return self.integration


class FakeLambda:
    class exceptions:
        class ResourceNotFoundException(Exception):
            pass

    def __init__(self, answer: Any, source_arn: str | None = "arn:aws:execute-api:us-east-1::abc123def4/*/*/approval"):
        self.answer, self.source_arn, self.events = answer, source_arn, []

    def get_policy(self, FunctionName: str) -> dict[str, Any]:
        if self.source_arn is None:
            raise self.exceptions.ResourceNotFoundException()
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": self.source_arn}},
        }
        return {"Policy": json.dumps({"Statement": [statement]})}

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        assert FunctionName == FUNCTION
        self.events.append(json.loads(Payload))
        return {"Payload": io.BytesIO(json.dumps(self.answer).encode())}


def api(answer: Any = None, authorization: str = "NONE", **lambda_options: Any) -> tuple[http_api.HttpApi, FakeLambda]:
    routes = [
        {"RouteKey": "GET /approval", "Target": "integrations/int1", "AuthorizationType": authorization},
        {"RouteKey": "POST /approval", "Target": "integrations/int1", "AuthorizationType": authorization},
    ]
    integration = {"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0", "IntegrationUri": FUNCTION}
    answer = answer if answer is not None else {"statusCode": 200, "headers": {"X": "1"}, "body": "<h1>Hi</h1>"}
    fake = FakeLambda(answer, **lambda_options)
    return http_api.HttpApi(FakeApiGateway(routes, integration), fake), fake


def test_get_is_a_payload_2_event_with_the_query():
    gateway, fn = api()
    response = gateway.request("GET", f"{API}/approval?action=approve&token=a%2Bb")
    assert (response.status, response.title, response.route_key) == (200, "Hi", "GET /approval")
    [event] = fn.events
    assert event["version"] == "2.0" and event["routeKey"] == "GET /approval"
    assert event["rawQueryString"] == "action=approve&token=a%2Bb"
    assert event["queryStringParameters"] == {"action": "approve", "token": "a+b"}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["http"]["sourceIp"] == http_api.DEFAULT_SOURCE_IP
    assert "body" not in event


def test_form_bodies_are_base64_encoded_as_http_apis_pass_them():
    gateway, fn = api()
    gateway.request(
        "POST", f"{API}/approval", body="a=1&b=2", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    [event] = fn.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"a=1&b=2"
    assert event["headers"]["content-type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("url", "options", "status"),
    [
        (f"{API}/other", {}, 404),
        (f"{API}/approval", {"authorization": "AWS_IAM"}, 403),
        (f"{API}/approval", {"source_arn": None}, 500),  # API Gateway may not invoke the function
        (f"{API}/approval", {"source_arn": "arn:aws:execute-api:us-east-1::abc123def4/*/*/predict"}, 500),
    ],
    ids=["no-route", "signed-route", "no-permission", "permission-for-another-route"],
)
def test_what_api_gateway_refuses_never_reaches_the_function(url, options, status):
    gateway, fn = api(**options)
    assert gateway.request("GET", url).status == status
    assert fn.events == []


def test_an_answer_without_status_code_is_a_200_with_json():
    gateway, _ = api(answer={"result": "setosa"})
    response = gateway.request("GET", f"{API}/approval")
    assert response.status == 200 and response.json() == {"result": "setosa"}


def test_the_browser_submits_the_pages_form_with_its_hidden_fields():
    page = http_api.Response(
        200,
        {},
        '<form method="post"><input type="hidden" name="token" value="a&amp;b">'
        '<input name="name"><textarea name="comment">x</textarea><button type="submit">Go</button></form>',
    )
    form = http_api.form_of(page, f"{API}/approval?token=t")
    assert form.method == "POST" and form.action == f"{API}/approval?token=t"  # no action: the page's own URL
    assert form.fields == {"token": "a&b", "name": "", "comment": "x"}
    gateway, fn = api()
    http_api.Browser(gateway).submit(page, f"{API}/approval?token=t", name="alice")
    body = base64.b64decode(fn.events[0]["body"]).decode()
    assert body == "token=a%26b&name=alice&comment=x"


def test_approval_links_are_read_from_the_mail():
    mail = f"Hello\n\nAPPROVE (opens a confirmation page):\n{API}/approval?action=approve\n\nREJECT (x):\n{API}/r\n"
    assert http_api.approval_links(mail) == {"approve": f"{API}/approval?action=approve", "reject": f"{API}/r"}
