"""inference.handler: POST {"data": "<csv row>"} -> {"result": ...}; bad payloads get a 400 with the reason."""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src" / "inference_api"))

import inference

ENDPOINT = "churn-approved"


@pytest.fixture
def runtime():
    client = botocore.session.get_session().create_client(
        "sagemaker-runtime", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def post(body, *, encoded=False, method="POST"):
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "requestContext": {"http": {"method": method}},
        "body": base64.b64encode(text.encode()).decode() if encoded else text,
        "isBase64Encoded": encoded,
    }


def respond(runtime, event):
    return inference.respond(event, runtime=runtime.client, endpoint_name=ENDPOINT, content_type="text/csv")


def prediction(runtime, row, answer=b"setosa\n"):
    runtime.add_response(
        "invoke_endpoint",
        {"Body": StreamingBody(io.BytesIO(answer), len(answer)), "ContentType": "text/csv"},
        {"EndpointName": ENDPOINT, "ContentType": "text/csv", "Accept": "text/csv", "Body": row.encode()},
    )


def test_a_row_gets_the_prediction(runtime):
    prediction(runtime, "4.5,1.3,0.3,0.3")
    answer = respond(runtime, post({"data": "4.5,1.3,0.3,0.3"}))
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"result": "setosa"}
    assert answer["headers"]["Content-Type"] == "application/json"


def test_spaces_are_trimmed_and_base64_bodies_read(runtime):
    prediction(runtime, "4.5,1.3,0.3,0.3")
    answer = respond(runtime, post({"data": " 4.5, 1.3 ,0.3,0.3 "}, encoded=True))
    assert json.loads(answer["body"]) == {"result": "setosa"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "JSON object"),
        ("not json", "not valid JSON"),
        ([1, 2], "JSON object"),
        ({"values": "4.5"}, '"data" must be a string'),
        ({"data": [4.5, 1.3]}, '"data" must be a string'),
        ({"data": ""}, "empty"),
        ({"data": "4.5,abc,0.3"}, "value 2"),
        ({"data": "4.5,,0.3"}, "value 2"),
        ({"data": "4.5,nan,0.3"}, "finite"),
        ({"data": "4.5,inf"}, "finite"),
        ({"data": "4.5,1.3\n0.3,0.3"}, "single row"),
        ({"data": ",".join(["1"] * 10001)}, "at most 10000"),
        ({"data": "1," * 40000}, "at most 65536 bytes"),
    ],
)
def test_bad_payloads_get_400_with_the_reason(runtime, body, reason):
    answer = respond(runtime, post(body))
    assert answer["statusCode"] == 400
    assert reason in json.loads(answer["body"])["error"]


def test_only_post_is_accepted(runtime):
    assert respond(runtime, post({"data": "1"}, method="GET"))["statusCode"] == 405


def test_model_errors_and_unavailable_endpoints_do_not_leak_details(runtime):
    runtime.add_client_error("invoke_endpoint", "ModelError", "Traceback (most recent call last): secret/path.py")
    answer = respond(runtime, post({"data": "1,2"}))
    assert answer["statusCode"] == 502 and "Traceback" not in answer["body"]
    runtime.add_client_error("invoke_endpoint", "ValidationError", "Endpoint churn-approved of account 1234 not found")
    answer = respond(runtime, post({"data": "1,2"}))
    assert answer["statusCode"] == 503 and "1234" not in answer["body"]


def test_an_unconfigured_function_answers_500(monkeypatch):
    monkeypatch.delenv("ENDPOINT_NAME", raising=False)
    assert inference.handler(post({"data": "1"}), None)["statusCode"] == 500


def test_the_handler_uses_the_injected_client(runtime, monkeypatch):
    monkeypatch.setenv("ENDPOINT_NAME", ENDPOINT)
    monkeypatch.setattr(inference, "_CLIENTS", {"sagemaker-runtime": runtime.client})
    prediction(runtime, "1,2")
    assert json.loads(inference.handler(post({"data": "1,2"}), None)["body"]) == {"result": "setosa"}
