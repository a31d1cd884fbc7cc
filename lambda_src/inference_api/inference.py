"""Lambda ``inference.handler``: the inference API, ``POST {"data": "4.5,1.3,0.3,0.3"}`` -> ``{"result": "setosa"}``.

Behind an API Gateway HTTP API (payload 2.0). The function checks the payload, sends the row to the SageMaker
endpoint with ``InvokeEndpoint`` (``text/csv``) and answers the endpoint's prediction as text.

Answers:

* 200 ``{"result": "<prediction>"}``;
* 400 ``{"error": "<reason>"}`` for a body that is not JSON, not an object, has no ``data`` string, or whose
  ``data`` is not one line of 1-10000 comma-separated finite numbers (at most 64 KiB);
* 405 for methods other than POST;
* 502 when the model fails on the row, 503 when the endpoint cannot be reached (no details leak: they are logged).

Environment: ENDPOINT_NAME, CONTENT_TYPE (default ``text/csv``).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import os
from typing import Any, TypedDict

_CLIENTS: dict[str, Any] = {}

logger = logging.getLogger("sfn_ml.inference")
logger.setLevel(logging.INFO)

MAX_DATA_BYTES = 65_536
MAX_FEATURES = 10_000
MAX_RESULT_CHARS = 65_536


class BadRequest(Exception):
    """The request's payload is not what the API accepts; the message is the reason given to the caller."""


class HttpResponse(TypedDict):
    statusCode: int
    headers: dict[str, str]
    body: str


def runtime_client() -> Any:
    client = _CLIENTS.get("sagemaker-runtime")
    if client is None:
        import boto3
        from botocore.config import Config

        client = boto3.client("sagemaker-runtime", config=Config(retries={"mode": "standard"}))
        _CLIENTS["sagemaker-runtime"] = client
    return client


def answer(status: int, payload: dict[str, Any]) -> HttpResponse:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(payload),
    }


def parse_body(event: dict[str, Any]) -> str:
    """The CSV row of a request, or BadRequest with the reason."""
    body = event.get("body")
    if not body:
        raise BadRequest('the body must be a JSON object such as {"data": "4.5,1.3,0.3,0.3"}')
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise BadRequest("the body is not valid base64-encoded UTF-8") from None
    if len(body.encode("utf-8")) > MAX_DATA_BYTES:
        raise BadRequest(f"the body must be at most {MAX_DATA_BYTES} bytes")
    try:
        payload = json.loads(body)
    except ValueError:
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest(f"the body must be a JSON object, got {type(payload).__name__}")
    data = payload.get("data")
    if not isinstance(data, str):
        raise BadRequest('"data" must be a string of comma-separated numbers, e.g. "4.5,1.3,0.3,0.3"')
    return parse_row(data)


def parse_row(data: str) -> str:
    row = data.strip()
    if not row:
        raise BadRequest('"data" is empty')
    if "\n" in row or "\r" in row:
        raise BadRequest('"data" must be a single row: no line breaks')
    fields = [f.strip() for f in row.split(",")]
    if len(fields) > MAX_FEATURES:
        raise BadRequest(f'"data" must have at most {MAX_FEATURES} values, got {len(fields)}')
    for position, field in enumerate(fields, 1):
        try:
            number = float(field)
        except ValueError:
            raise BadRequest(f'value {position} of "data" is not a number: {field[:40]!r}') from None
        if not math.isfinite(number):
            raise BadRequest(f'value {position} of "data" is not a finite number: {field[:40]!r}')
    return ",".join(fields)


def predict(runtime: Any, endpoint_name: str, content_type: str, row: str) -> str:
    response = runtime.invoke_endpoint(
        EndpointName=endpoint_name, ContentType=content_type, Accept="text/csv", Body=row.encode()
    )
    body = response["Body"]
    raw = body.read() if hasattr(body, "read") else body
    text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else str(raw)
    return text.strip()[:MAX_RESULT_CHARS]


def respond(event: object, *, runtime: Any, endpoint_name: str, content_type: str) -> HttpResponse:
    from botocore.exceptions import BotoCoreError, ClientError

    if not isinstance(event, dict):
        return answer(400, {"error": "not an HTTP request"})
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
    if method != "POST":
        return answer(405, {"error": "use POST with a JSON body"})
    try:
        row = parse_body(event)
    except BadRequest as exc:
        return answer(400, {"error": str(exc)})
    try:
        result = predict(runtime, endpoint_name, content_type, row)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        logger.error(json.dumps({"action": "invoke-endpoint", "error": code, "message": str(exc)[:1000]}))
        if code == "ModelError":
            return answer(502, {"error": "the model could not score this row"})
        return answer(503, {"error": "the model endpoint is not available"})
    except BotoCoreError as exc:
        logger.error(json.dumps({"action": "invoke-endpoint", "error": type(exc).__name__}))
        return answer(503, {"error": "the model endpoint is not available"})
    return answer(200, {"result": result})


def handler(event: dict[str, Any], context: object) -> HttpResponse:
    endpoint_name = os.environ.get("ENDPOINT_NAME", "").strip()
    if not endpoint_name:
        logger.error(json.dumps({"action": "configuration", "error": "ENDPOINT_NAME is not set"}))
        return answer(500, {"error": "the API is not configured"})
    content_type = os.environ.get("CONTENT_TYPE", "").strip() or "text/csv"
    return respond(event, runtime=runtime_client(), endpoint_name=endpoint_name, content_type=content_type)
