"""Lambda ``approval_responder.handler``: the approval links' confirmation page and decision, behind an HTTP API.

``GET /approval?action=...&expires=...&token=...&signature=...`` (the link in the mail) only reads: it checks
the signature, the expiry and the request's record, and shows what is to be decided with a form. Mail scanners
and link previews that fetch the link therefore decide nothing.

``POST /approval`` (the form, ``application/x-www-form-urlencoded``: the same four signed fields, the approver's
``name`` and an optional ``comment``) decides: it checks the link again, claims the pending record with a
conditional update (so a link works once, and approve and reject exclude each other), then calls
``SendTaskSuccess`` (approve; output ``{"decision": "approved", "decided_by", "decided_at", ...}``) or
``SendTaskFailure`` with error ``ApprovalRejected`` (reject; the same fields as JSON in the cause). The state
machine's Catch matches that error name.

A tampered, expired, replayed or unknown link gets a page that says so, and changes nothing. Responses are
HTML with ``Cache-Control: no-store``, ``Referrer-Policy: no-referrer`` (the URL holds the token) and a CSP
that forbids scripts and framing.

Environment: APPROVAL_TABLE, SIGNING_KEY_SECRET.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import html
import json
import re
from typing import Any, NamedTuple, TypedDict
from urllib.parse import parse_qsl

from approval_core import (
    APPROVED,
    CLOSED,
    DECIDING,
    PENDING,
    REJECTED,
    REJECTION_ERROR,
    ApprovalError,
    LinkExpired,
    LinkInvalid,
    SignedLink,
    SigningKeyUnavailable,
    aws_client,
    env,
    error_code,
    iso,
    log_event,
    parse_link,
    read_keys,
    request_id,
    utc_now,
    verify,
)

MAX_BODY_BYTES = 16_384
MAX_COMMENT_LENGTH = 1000
# Who decided: also a SageMaker tag value on the endpoint config, hence the tag character set.
_DECIDER = re.compile(r"[\w .:/=+@-]{1,128}")
# Step Functions' answers for a token that no longer waits: the task timed out, or the execution ended.
_TOKEN_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}

HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


class FormInvalid(ApprovalError):
    """The confirmation form was submitted without a valid name or with an invalid comment."""


class HttpResponse(TypedDict):
    statusCode: int
    headers: dict[str, str]
    body: str


class Decision(NamedTuple):
    decided_by: str
    comment: str


class Request(NamedTuple):
    """What the handler needs from an API Gateway HTTP API (payload 2.0) event."""

    method: str
    fields: dict[str, str]
    source_ip: str
    user_agent: str


# ---------------------------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------------------------
def parse_fields(raw: str) -> dict[str, str]:
    """URL-encoded fields; a field given twice makes the request invalid (no guessing which one counts)."""
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=bool(raw), max_num_fields=10)
    except ValueError:
        raise LinkInvalid("the request's fields cannot be read") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise LinkInvalid(f"the field {name!r} is given more than once")
        fields[name] = value
    return fields


def _header(event: dict[str, Any], name: str) -> str:
    headers = event.get("headers") or {}
    return next((str(v) for k, v in headers.items() if k.lower() == name), "")


def parse_request(event: object) -> Request:
    """The method, the link's (GET: query) or form's (POST: body) fields, and the caller's address and agent."""
    if not isinstance(event, dict):
        raise LinkInvalid("not an HTTP request")
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method", "")).upper()
    source_ip = str(http.get("sourceIp", ""))[:64]
    user_agent = str(http.get("userAgent", ""))[:256]
    if method == "GET":
        return Request(method, parse_fields(str(event.get("rawQueryString") or "")), source_ip, user_agent)
    if method != "POST":
        return Request(method, {}, source_ip, user_agent)
    content_type = _header(event, "content-type").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise LinkInvalid("the decision must be sent by the confirmation page's form")
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise LinkInvalid("the form's body cannot be read") from None
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise LinkInvalid("the form's body is too large")
    return Request(method, parse_fields(body), source_ip, user_agent)


def parse_decision(fields: dict[str, str]) -> Decision:
    name = fields.get("name", "").strip()
    if not _DECIDER.fullmatch(name):
        raise FormInvalid(
            "Enter your name or e-mail address (1-128 letters, digits, spaces and . : / = + @ - _): "
            "it is recorded with the decision."
        )
    comment = fields.get("comment", "").strip().replace("\r\n", "\n")
    if len(comment) > MAX_COMMENT_LENGTH or not all(c.isprintable() or c == "\n" for c in comment):
        raise FormInvalid(f"The comment must be at most {MAX_COMMENT_LENGTH} printable characters.")
    return Decision(name, comment)


# ---------------------------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------------------------
def load_record(dynamodb: Any, table: str, rid: str) -> dict[str, str] | None:
    item = dynamodb.get_item(TableName=table, Key={"request_id": {"S": rid}}, ConsistentRead=True).get("Item")
    if not item:
        return None
    return {name: next(iter(value.values())) for name, value in item.items()}


def _is_condition_failure(exc: Exception) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


def claim(dynamodb: Any, table: str, rid: str, fields: dict[str, str]) -> bool:
    """Move the record from pending to deciding with ``fields``; False if it is no longer pending."""
    from botocore.exceptions import ClientError

    names = {f"#f{i}": name for i, name in enumerate(fields)}
    values = {f":v{i}": {"S": value} for i, value in enumerate(fields.values())}
    assignments = ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"request_id": {"S": rid}},
            UpdateExpression=f"SET #status = :deciding, {assignments}",
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames={"#status": "status", **names},
            ExpressionAttributeValues={":pending": {"S": PENDING}, ":deciding": {"S": DECIDING}, **values},
        )
    except ClientError as exc:
        if _is_condition_failure(exc):
            return False
        raise
    return True


def settle(dynamodb: Any, table: str, rid: str, status: str, decided_at: str, note: str = "") -> None:
    """Move our claim (deciding, at ``decided_at``) to ``status``: approved, rejected, closed, or back to pending."""
    from botocore.exceptions import ClientError

    values = {":deciding": {"S": DECIDING}, ":status": {"S": status}, ":at": {"S": decided_at}}
    update = "SET #status = :status"
    if note:
        update += ", #note = :note"
        values[":note"] = {"S": note}
    names = {"#status": "status", "#at": "decided_at", **({"#note": "note"} if note else {})}
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"request_id": {"S": rid}},
            UpdateExpression=update,
            ConditionExpression="#status = :deciding AND #at = :at",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as exc:
        # The decision itself has been sent (or not) already; the record is bookkeeping. Log and carry on.
        log_event("approval-record", outcome="not-updated", request_id=rid, status=status, error=error_code(exc))


# ---------------------------------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------------------------------
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse}td{padding:.2em .8em .2em 0;vertical-align:top;word-break:break-all}"
    ".approve{background:#1a7f37;color:#fff}.reject{background:#cf222e;color:#fff}"
    "button{font-size:1.1em;padding:.5em 1.2em;border:0;border-radius:4px}.error{color:#cf222e}"
)


def page(status: int, title: str, *paragraphs: str, body_html: str = "") -> HttpResponse:
    text = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    document = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{text}{body_html}</body></html>"
    )
    return {"statusCode": status, "headers": dict(HEADERS), "body": document}


_DETAILS = (
    ("Commit", "commit_id"),
    ("Image", "image_uri"),
    ("Training job", "training_job"),
    ("Model", "model_name"),
    ("Endpoint", "endpoint_name"),
    ("Test-set predictions", "transform_output"),
    ("Execution", "execution_arn"),
)


def confirmation_page(link: SignedLink, record: dict[str, str], error: str = "", status: int = 200) -> HttpResponse:
    approve = link.action == "approve"
    rows = "".join(f"<tr><td>{label}</td><td>{html.escape(record.get(key, ''))}</td></tr>" for label, key in _DETAILS)
    expires = iso(datetime.datetime.fromtimestamp(link.expires_at, datetime.timezone.utc))
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(str(value), quote=True)}">'
        for name, value in (
            ("action", link.action),
            ("expires", link.expires_at),
            ("token", link.token),
            ("signature", link.signature),
        )
    )
    form = (
        f"<table>{rows}</table><p>This link expires at {html.escape(expires)}.</p>"
        + (f'<p class="error">{html.escape(error)}</p>' if error else "")
        + f'<form method="post">{hidden}'
        "<p><label>Your name or e-mail address (recorded with the decision)<br>"
        '<input name="name" required maxlength="128" size="40"></label></p>'
        '<p><label>Comment (optional)<br><textarea name="comment" maxlength="1000" rows="3" cols="60">'
        "</textarea></label></p>"
        + (
            '<p><button class="approve" type="submit">Approve and deploy</button></p>'
            if approve
            else '<p><button class="reject" type="submit">Reject</button></p>'
        )
        + "</form>"
    )
    title = "Approve this deployment?" if approve else "Reject this deployment?"
    lead = (
        "Confirm to deploy this model to the endpoint."
        if approve
        else "Confirm to reject this model: it will not be deployed."
    )
    return page(status, title, lead, "Nothing has been decided yet.", body_html=form)


def decided_page(record: dict[str, str]) -> HttpResponse:
    status = record.get("status", "")
    if status == CLOSED:
        return page(
            410,
            "This request is closed",
            "The workflow no longer waits for this decision (it timed out or was stopped). Nothing was changed.",
        )
    if status == DECIDING:
        return page(409, "This request is being decided", "Another decision on this request is in progress.")
    who = record.get("decided_by", "someone")
    when = record.get("decided_at", "")
    return page(
        409,
        "This request was already decided",
        f"It was {status or 'decided'} by {who} at {when}. Each request can be decided once; nothing was changed.",
    )


INVALID = (403, "This link is not valid", "It was altered, or it was not issued by this workflow. Nothing was changed.")
EXPIRED = (410, "This link has expired", "The time to decide has passed. Nothing was changed.")


# ---------------------------------------------------------------------------------------------------------------------
# The decision
# ---------------------------------------------------------------------------------------------------------------------
def show(link: SignedLink, *, dynamodb: Any, table: str) -> HttpResponse:
    """GET: read only."""
    record = load_record(dynamodb, table, request_id(link.token))
    if record is None or record.get("expires_at") != str(link.expires_at):
        return page(*INVALID)
    if record.get("status") != PENDING:
        return decided_page(record)
    return confirmation_page(link, record)


def decide(
    link: SignedLink,
    request: Request,
    *,
    dynamodb: Any,
    sfn: Any,
    table: str,
    now: datetime.datetime,
) -> HttpResponse:
    """POST: claim the record, then tell Step Functions."""
    rid = request_id(link.token)
    record = load_record(dynamodb, table, rid)
    if record is None or record.get("expires_at") != str(link.expires_at):
        return page(*INVALID)
    if record.get("status") != PENDING:
        return decided_page(record)
    try:
        decision = parse_decision(request.fields)
    except FormInvalid as exc:
        return confirmation_page(link, record, error=str(exc), status=400)

    decided_at = iso(now)
    outcome = {
        "decision": APPROVED if link.action == "approve" else REJECTED,
        "decided_by": decision.decided_by,
        "decided_at": decided_at,
        "comment": decision.comment,
        "source_ip": request.source_ip,
        "request_id": rid,
    }
    recorded = {k: v for k, v in outcome.items() if k != "request_id"}
    recorded["user_agent"] = request.user_agent
    if not claim(dynamodb, table, rid, recorded):
        return decided_page(load_record(dynamodb, table, rid) or {})

    try:
        if link.action == "approve":
            sfn.send_task_success(taskToken=link.token, output=json.dumps(outcome))
        else:
            sfn.send_task_failure(taskToken=link.token, error=REJECTION_ERROR, cause=json.dumps(outcome))
    except Exception as exc:  # any failure must release or close the claim
        code = error_code(exc)
        if code in _TOKEN_GONE:
            settle(dynamodb, table, rid, CLOSED, decided_at, note=code)
            log_event("approval-decision", outcome="closed", request_id=rid, error=code)
            return page(
                410,
                "This request is closed",
                "The workflow no longer waits for this decision (it timed out or was stopped). Nothing was changed.",
            )
        settle(dynamodb, table, rid, PENDING, decided_at)
        log_event("approval-decision", outcome="failed", request_id=rid, error=code or type(exc).__name__)
        return page(503, "The decision could not be delivered", "Nothing was changed. Please try again in a minute.")

    settle(dynamodb, table, rid, outcome["decision"], decided_at)
    log_event("approval-decision", outcome=outcome["decision"], request_id=rid, decided_by=decision.decided_by)
    if link.action == "approve":
        return page(200, "Approved", f"Approved by {decision.decided_by} at {decided_at}. The deployment continues.")
    return page(200, "Rejected", f"Rejected by {decision.decided_by} at {decided_at}. The model will not be deployed.")


def respond(
    event: object,
    *,
    dynamodb: Any,
    sfn: Any,
    secretsmanager: Any,
    table: str,
    secret_id: str,
    now: datetime.datetime,
) -> HttpResponse:
    try:
        request = parse_request(event)
        if request.method not in ("GET", "POST"):
            return page(405, "Method not allowed", "Open the link from the approval mail.")
        link = parse_link(request.fields)
        verify(read_keys(secretsmanager, secret_id), link, now)
    except LinkInvalid as exc:
        log_event("approval-link", outcome="invalid", reason=str(exc))
        return page(*INVALID)
    except LinkExpired:
        log_event("approval-link", outcome="expired")
        return page(*EXPIRED)
    except SigningKeyUnavailable as exc:
        log_event("approval-link", outcome="no-key", reason=str(exc))
        return page(503, "Links cannot be verified now", "Nothing was changed. Please tell the platform team.")
    if request.method == "GET":
        return show(link, dynamodb=dynamodb, table=table)
    return decide(link, request, dynamodb=dynamodb, sfn=sfn, table=table, now=now)


def handler(event: dict[str, Any], context: object) -> HttpResponse:
    try:
        return respond(
            event,
            dynamodb=aws_client("dynamodb"),
            sfn=aws_client("stepfunctions"),
            secretsmanager=aws_client("secretsmanager"),
            table=env("APPROVAL_TABLE"),
            secret_id=env("SIGNING_KEY_SECRET"),
            now=utc_now(),
        )
    except Exception as exc:  # fail closed with a page, never a stack trace
        log_event("approval-responder", outcome="error", error=type(exc).__name__, message=str(exc)[:500])
        return page(500, "Something went wrong", "Nothing was changed. Please try again later.")
