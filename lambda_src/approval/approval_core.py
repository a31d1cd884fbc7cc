"""Shared plumbing of the approved-deployment Lambdas: named errors, lazy clients, the signing key, signed links.

Security model (docs/approved_deployment.md has the full story):

* An approval link carries the action (approve or reject), an expiry (the epoch second at which the waiting
  Task state times out), the Step Functions task token, and an HMAC-SHA256 signature over the three.
  Without the module's signing key nobody can forge or alter a link: a task token seen in the execution
  history is not enough to use the public approval API, a reject link cannot be turned into an approve link,
  and the expiry cannot be moved.
* The key is 32 random bytes that live only in a Secrets Manager secret the module creates *without* a value
  (Terraform cannot generate randomness offline and must not hold the key in its state). The request function
  generates it on first use and stores it with a conditional write: ``PutSecretValue`` with a fixed
  ``ClientRequestToken``. Two concurrent first uses race; the loser's write is refused
  (``ResourceExistsException``) and it re-reads the winner's key, so every link is signed with the stored key.
  The responder never creates a key: with no key it refuses every link (fail closed).
* Each approval request has one record in DynamoDB, keyed by the SHA-256 of its task token; the first decision
  moves it out of ``pending`` with a conditional update, so a link works once and approve/reject exclude each
  other.

Importing this module makes no AWS call, creates no client and does not import boto3.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from typing import Any, NamedTuple
from urllib.parse import urlencode

# Clients by service name, created on first use and reused across warm invocations; tests put theirs here.
_CLIENTS: dict[str, Any] = {}

logger = logging.getLogger("sfn_ml.approval")
logger.setLevel(logging.INFO)

SIGNATURE_VERSION = "v1"
ACTIONS = ("approve", "reject")
KEY_BYTES = 32
# The version id of the first key: a fixed ClientRequestToken turns PutSecretValue into a conditional write.
INITIAL_KEY_VERSION = "5f0c1c4e-9a7d-4c1b-8e2f-a991a0000001"
_TOKEN = re.compile(r"[\x21-\x7e]{1,2048}")  # printable ASCII without spaces, up to SendTaskSuccess' 2048
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of 32 bytes, unpadded
_EXPIRES = re.compile(r"[0-9]{1,12}")

# Record statuses.
PENDING = "pending"
DECIDING = "deciding"
APPROVED = "approved"
REJECTED = "rejected"
CLOSED = "closed"

# The error the responder sends on a rejection: the name the state machine's Catch matches.
REJECTION_ERROR = "ApprovalRejected"


class ApprovalError(Exception):
    """Base of the errors the functions raise.

    Lambda reports the exception's class name as the error type, so each subclass name is the exact string
    a Step Functions ``Catch`` clause matches in ``ErrorEquals``.
    """


class MalformedEvent(ApprovalError):
    """The event does not have the documented shape."""


class ConfigurationError(ApprovalError):
    """An environment variable the function needs is missing or invalid."""


class SigningKeyUnavailable(ApprovalError):
    """The signing key cannot be read (or, for the request function, created)."""


class LinkInvalid(ApprovalError):
    """The link is malformed, or its signature does not match: tampered with or not ours."""


class LinkExpired(ApprovalError):
    """The link's signature is valid but its expiry has passed."""


def aws_client(service: str) -> Any:
    """The module-wide client of ``service``, created on first call."""
    client = _CLIENTS.get(service)
    if client is None:
        import boto3  # deferred so that importing a handler stays cheap and side-effect free
        from botocore.config import Config

        client = boto3.client(service, config=Config(retries={"mode": "standard"}))
        _CLIENTS[service] = client
    return client


def env(name: str) -> str:
    """The value of environment variable ``name``, or ConfigurationError: fail closed on misconfiguration."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


def log_event(action: str, **fields: Any) -> None:
    """Log one event as a single JSON line. Never pass a task token, a signature or a link."""
    logger.info(json.dumps({"action": action, **fields}, sort_keys=True, default=str))


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_timestamp(value: object) -> datetime.datetime:
    """An ISO 8601 UTC timestamp such as Step Functions' ``$$.State.EnteredTime`` (2024-01-01T10:00:00.123Z)."""
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    return moment.astimezone(datetime.timezone.utc)


def is_task_token(value: object) -> bool:
    """True for a string that can be a Step Functions task token: 1-2048 printable ASCII characters, no space."""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def request_id(task_token: str) -> str:
    """The record key of an approval request: the token's SHA-256, so the table never stores tokens."""
    return hashlib.sha256(task_token.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------------
# Signatures and links
# ---------------------------------------------------------------------------------------------------------------------
class SignedLink(NamedTuple):
    """The signed fields of an approval link."""

    action: str
    expires_at: int
    token: str
    signature: str


def _message(action: str, expires_at: int, token: str) -> bytes:
    # Newline-separated: none of the fields can contain one (actions are fixed words, expiries digits, tokens
    # printable ASCII), so two different field tuples never produce the same message.
    return "\n".join((SIGNATURE_VERSION, action, str(expires_at), token)).encode()


def sign(key: bytes, action: str, expires_at: int, token: str) -> str:
    """The base64url (unpadded) HMAC-SHA256 of the link's fields."""
    digest = hmac.new(key, _message(action, expires_at, token), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_url(base_url: str, key: bytes, action: str, expires_at: int, token: str) -> str:
    """The approval link: every field URL-encoded (task tokens contain '+', '/' and '=')."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
    query = urlencode(
        {
            "action": action,
            "expires": str(expires_at),
            "token": token,
            "signature": sign(key, action, expires_at, token),
        }
    )
    return f"{base_url}?{query}"


def parse_link(fields: dict[str, str]) -> SignedLink:
    """The link's fields, checked for shape only (LinkInvalid); ``verify`` checks the signature and expiry."""
    action = fields.get("action", "")
    expires = fields.get("expires", "")
    token = fields.get("token", "")
    signature = fields.get("signature", "")
    if action not in ACTIONS:
        raise LinkInvalid("the link names no valid action")
    if not _EXPIRES.fullmatch(expires):
        raise LinkInvalid("the link has no valid expiry")
    if not is_task_token(token):
        raise LinkInvalid("the link has no valid task token")
    if not _SIGNATURE.fullmatch(signature):
        raise LinkInvalid("the link has no valid signature")
    return SignedLink(action, int(expires), token, signature)


def verify(keys: list[bytes], link: SignedLink, now: datetime.datetime) -> None:
    """Raise LinkInvalid unless one of ``keys`` signed the link, then LinkExpired if its expiry has passed.

    The signature is checked first, so an expiry moved into the future reads as tampering, not as valid.
    """
    if not keys:
        raise SigningKeyUnavailable("no signing key to verify links with")
    if not any(hmac.compare_digest(sign(k, link.action, link.expires_at, link.token), link.signature) for k in keys):
        raise LinkInvalid("the link's signature does not match: it was altered or was not issued by this workflow")
    if now.timestamp() >= link.expires_at:
        raise LinkExpired("the link has expired")


# ---------------------------------------------------------------------------------------------------------------------
# The signing key in Secrets Manager
# ---------------------------------------------------------------------------------------------------------------------
def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _decode_key(secret: dict[str, Any]) -> bytes:
    value = secret.get("SecretString")
    try:
        key = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyUnavailable("the signing key secret does not hold base64 text") from None
    if len(key) < KEY_BYTES:
        raise SigningKeyUnavailable(f"the signing key must be at least {KEY_BYTES} bytes, the secret holds {len(key)}")
    return key


def read_keys(
    secretsmanager: Any, secret_id: str, stages: tuple[str, ...] = ("AWSCURRENT", "AWSPREVIOUS")
) -> list[bytes]:
    """The keys stored under ``stages``, in that order; stages without a value are skipped."""
    from botocore.exceptions import ClientError  # loaded with the client already; kept off the import path

    keys = []
    for stage in stages:
        try:
            secret = secretsmanager.get_secret_value(SecretId=secret_id, VersionStage=stage)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                continue
            raise
        keys.append(_decode_key(secret))
    return keys


def signing_key(secretsmanager: Any, secret_id: str) -> bytes:
    """The current signing key; generated and stored (conditional write) if the secret has no value yet."""
    from botocore.exceptions import ClientError

    current = read_keys(secretsmanager, secret_id, ("AWSCURRENT",))
    if current:
        return current[0]
    candidate = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()
    try:
        secretsmanager.put_secret_value(
            SecretId=secret_id,
            ClientRequestToken=INITIAL_KEY_VERSION,
            SecretString=candidate,
            VersionStages=["AWSCURRENT"],
        )
        log_event("signing-key", outcome="created", secret_id=secret_id)
    except ClientError as exc:
        if error_code(exc) != "ResourceExistsException":
            raise
        log_event("signing-key", outcome="created-concurrently", secret_id=secret_id)
    # Read back whatever won: our candidate, or the key of a concurrent first use.
    current = read_keys(secretsmanager, secret_id, ("AWSCURRENT",))
    if not current:
        raise SigningKeyUnavailable(f"secret {secret_id} still has no AWSCURRENT value after writing one")
    return current[0]
