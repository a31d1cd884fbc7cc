"""Call the Lambda functions behind an API Gateway HTTP API on the local emulator, as API Gateway would.

moto stores HTTP APIs (routes, integrations, stages) but does not serve them, and a browser cannot reach
``https://<api id>.execute-api.<region>.amazonaws.com`` here. This module plays the part of API Gateway for one
request, from the emulated API's own configuration, so that what is tested is the deployed wiring:

1. the URL's host names the API; the route is chosen by its route key (``GET /approval``, then ``ANY /approval``,
   then ``$default``); no route: 404 ``{"message":"Not Found"}``;
2. a route with an authorizer (``AWS_IAM``, ``JWT``, ``CUSTOM``) gets 403 ``{"message":"Forbidden"}``: this helper
   sends unsigned, anonymous requests, like a browser;
3. the route's integration must be ``AWS_PROXY`` to a Lambda function with payload format 2.0, and the function's
   resource policy must let ``apigateway.amazonaws.com`` invoke it for this route's ARN
   (``arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>``; an empty account is accepted too:
   the provider derives the API's execution ARN from the account it looked up, which the emulator's provider
   settings skip); otherwise 500
   ``{"message":"Internal Server Error"}``, as API Gateway answers when it cannot invoke;
4. the function is invoked with ``lambda:Invoke`` and a payload format 2.0 event: the method, path, query string,
   headers, source address and user agent, and the body (form and other non-text bodies base64-encoded, as HTTP APIs
   pass them). On the emulator, scripts/moto_extensions.py runs the function's deployed code in-process;
5. the function's answer becomes the response: ``{"statusCode", "headers", "body"}`` as given; any other JSON value
   is a 200 with that JSON as the body (payload 2.0's inference); a function error is a 500.

Also a minimal browser for HTML forms (``Browser``): open a link, read the page's form, submit it, as a person would
with the approval links (GET shows a confirmation page, only its form's POST decides).

Not modelled: custom domains, stage variables, CORS, throttling, request/response parameter mapping, multiple
cookies, timeouts.
"""

from __future__ import annotations

import base64
import datetime
import fnmatch
import html.parser
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

_HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com$")
# Content types whose bodies an HTTP API passes as text; everything else is base64-encoded (isBase64Encoded).
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
DEFAULT_SOURCE_IP = "203.0.113.10"  # TEST-NET-3: an address no real client has
DEFAULT_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) sfn-ml-local-browser/1.0"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    route_key: str | None = None
    function: str | None = None

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def title(self) -> str:
        """The HTML page's <title> (or first <h1>), unescaped; empty for other bodies."""
        match = re.search(r"<title>(.*?)</title>", self.body, re.S) or re.search(r"<h1>(.*?)</h1>", self.body, re.S)
        return html.unescape(match.group(1)).strip() if match else ""

    @property
    def text(self) -> str:
        """The page's visible text, tags removed (for messages and assertions)."""
        visible = re.sub(r"<(style|script|title)[^>]*>.*?</\1>", " ", self.body, flags=re.S)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", visible)).split())


def _json_response(status: int, message: str, route_key: str | None = None) -> Response:
    return Response(status, {"Content-Type": "application/json"}, json.dumps({"message": message}), route_key)


def event(
    method: str,
    url: str,
    *,
    route_key: str,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    source_ip: str = DEFAULT_SOURCE_IP,
    user_agent: str = DEFAULT_USER_AGENT,
    stage: str = "$default",
) -> dict[str, Any]:
    """An API Gateway HTTP API event, payload format 2.0, for ``method url``."""
    parts = urlsplit(url)
    match = _HOST.match(parts.hostname or "")
    api_id = match.group("api") if match else ""
    all_headers = {"host": parts.hostname or "", "user-agent": user_agent, "x-forwarded-for": source_ip}
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value  # repeated parameters, comma-joined
    now = datetime.datetime.now(datetime.timezone.utc)
    result: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": api_id,
            "domainName": parts.hostname or "",
            "domainPrefix": api_id,
            "http": {
                "method": method.upper(),
                "path": parts.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": user_agent,
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes)[:16].decode(),
            "routeKey": route_key,
            "stage": stage,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        result["queryStringParameters"] = query
    if body is not None:
        content_type = all_headers.get("content-type", "").split(";")[0].strip().lower()
        raw = body.encode() if isinstance(body, str) else body
        if content_type.startswith(_TEXT_TYPES):
            result["body"] = raw.decode("utf-8")
        else:
            result["body"] = base64.b64encode(raw).decode()
            result["isBase64Encoded"] = True
    return result


class HttpApi:
    """API Gateway's part for the HTTP APIs stored in the emulator (see the module's docstring)."""

    def __init__(self, apigatewayv2: Any, lambda_client: Any) -> None:
        self.apigatewayv2 = apigatewayv2
        self.lambda_client = lambda_client

    def _route(self, api_id: str, method: str, path: str) -> dict[str, Any] | None:
        routes = {r["RouteKey"]: r for r in self.apigatewayv2.get_routes(ApiId=api_id)["Items"]}
        for key in (f"{method} {path}", f"ANY {path}", "$default"):
            if key in routes:
                return routes[key]
        return None

    def _may_invoke(self, function: str, source_arn: str) -> bool:
        try:
            policy = json.loads(self.lambda_client.get_policy(FunctionName=function)["Policy"])
        except self.lambda_client.exceptions.ResourceNotFoundException:
            return False
        for statement in policy.get("Statement", []):
            principal = statement.get("Principal", {})
            service = principal.get("Service") if isinstance(principal, dict) else principal
            if statement.get("Effect") != "Allow" or service != "apigateway.amazonaws.com":
                continue
            actions = statement.get("Action", [])
            if "lambda:InvokeFunction" not in ([actions] if isinstance(actions, str) else actions):
                continue
            wanted = statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")
            if wanted is None or fnmatch.fnmatchcase(source_arn, wanted):
                return True
            # The aws provider derives an API's execution_arn from the account it looked up; the emulator's provider
            # settings skip that lookup (skip_requesting_account_id), so the ARN in the policy has no account.
            parts = source_arn.split(":")
            if fnmatch.fnmatchcase(":".join([*parts[:4], "", *parts[5:]]), wanted):
                return True
        return False

    def request(
        self,
        method: str,
        url: str,
        *,
        body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        source_ip: str = DEFAULT_SOURCE_IP,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> Response:
        method = method.upper()
        parts = urlsplit(url)
        host = _HOST.match(parts.hostname or "")
        if parts.scheme != "https" or host is None:
            raise ValueError(f"not an HTTP API URL (https://<api id>.execute-api.<region>.amazonaws.com/...): {url}")
        api_id, region = host.group("api"), host.group("region")
        path = parts.path or "/"
        route = self._route(api_id, method, path)
        if route is None:
            return _json_response(404, "Not Found")
        route_key = route["RouteKey"]
        if route.get("AuthorizationType", "NONE") != "NONE":
            return _json_response(403, "Forbidden", route_key)
        integration_id = route.get("Target", "").removeprefix("integrations/")
        integration = self.apigatewayv2.get_integration(ApiId=api_id, IntegrationId=integration_id)
        uri = integration.get("IntegrationUri", "")
        function = re.sub(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(.*)/invocations$", r"\1", uri)
        if (
            integration.get("IntegrationType") != "AWS_PROXY"
            or integration.get("PayloadFormatVersion") != "2.0"
            or ":function:" not in function
        ):
            return _json_response(500, "Internal Server Error", route_key)
        account = function.split(":")[4]
        source_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/$default/{method}{path}"
        if not self._may_invoke(function, source_arn):
            return _json_response(500, "Internal Server Error", route_key)

        request = event(
            method, url, route_key=route_key, body=body, headers=headers, source_ip=source_ip, user_agent=user_agent
        )
        answer = self.lambda_client.invoke(FunctionName=function, Payload=json.dumps(request).encode())
        payload = answer["Payload"].read()
        if answer.get("FunctionError"):
            return _json_response(500, "Internal Server Error", route_key)
        result = json.loads(payload or b"null")
        if isinstance(result, dict) and "statusCode" in result:
            response_body = result.get("body") or ""
            if result.get("isBase64Encoded"):
                response_body = base64.b64decode(response_body).decode("utf-8", "replace")
            headers_out = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
            return Response(int(result["statusCode"]), headers_out, response_body, route_key, function)
        return Response(200, {"Content-Type": "application/json"}, json.dumps(result), route_key, function)


class _FormParser(html.parser.HTMLParser):
    """The first <form> of a page: its method, action and the named inputs' values (textareas too)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.method: str | None = None
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._done = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if self._done:
            return
        if tag == "form" and self.method is None:
            self._in_form = True
            self.method = attributes.get("method", "get").upper()
            self.action = attributes.get("action", "")
        elif self._in_form and tag == "input" and attributes.get("name"):
            if attributes.get("type", "text") not in ("submit", "button", "reset"):
                self.fields[attributes["name"]] = attributes.get("value", "")
        elif self._in_form and tag == "textarea" and attributes.get("name"):
            self._textarea = attributes["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


@dataclass
class Form:
    method: str
    action: str  # the URL the form submits to
    fields: dict[str, str] = field(default_factory=dict)


def form_of(page: Response, page_url: str) -> Form | None:
    """The page's first form, with the URL it submits to (no action attribute: the page's own URL, as browsers do)."""
    parser = _FormParser()
    parser.feed(page.body)
    if parser.method is None:
        return None
    action = page_url if not parser.action else parser.action
    if action.startswith("/"):
        parts = urlsplit(page_url)
        action = f"{parts.scheme}://{parts.netloc}{action}"
    return Form(parser.method, action, parser.fields)


class Browser:
    """Opens links and submits forms through ``HttpApi``, remembering nothing between requests (no cookies)."""

    def __init__(self, api: HttpApi, source_ip: str = DEFAULT_SOURCE_IP, user_agent: str = DEFAULT_USER_AGENT):
        self.api, self.source_ip, self.user_agent = api, source_ip, user_agent
        self.log: list[tuple[str, str, int, float]] = []  # (method, path, status, seconds)

    def _send(self, method: str, url: str, **kwargs: Any) -> Response:
        started = time.monotonic()
        response = self.api.request(method, url, source_ip=self.source_ip, user_agent=self.user_agent, **kwargs)
        self.log.append((method, urlsplit(url).path, response.status, time.monotonic() - started))
        return response

    def open(self, url: str) -> Response:
        """GET the link, as clicking it in a mail does."""
        return self._send("GET", url)

    def submit(self, page: Response, page_url: str, **values: str) -> Response:
        """Fill in the page's form with ``values`` and submit it, as a person pressing its button does."""
        form = form_of(page, page_url)
        if form is None:
            raise ValueError(f"the page has no form: {page.title!r}")
        fields = {**form.fields, **values}
        if form.method == "GET":
            parts = urlsplit(form.action)
            return self._send("GET", f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(fields)}")
        return self._send(
            "POST",
            form.action,
            body=urlencode(fields),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    def post_form(self, url: str, fields: dict[str, str]) -> Response:
        """POST ``fields`` as a form to ``url`` directly (what a forged or replayed submission does)."""
        return self._send(
            "POST", url, body=urlencode(fields), headers={"content-type": "application/x-www-form-urlencoded"}
        )


_LINK = re.compile(r"^(APPROVE|REJECT)\b.*\n(https://\S+)$", re.M)


def approval_links(message: str) -> dict[str, str]:
    """The Approve and Reject links of an approval mail (lambda_src/approval/approval_request.py writes them)."""
    return {action.lower(): url for action, url in _LINK.findall(message)}
