"""approval_core: link signatures (signing, verification, expiry, tampering) and the signing key in Secrets Manager."""

from __future__ import annotations

import base64
import datetime
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src" / "approval"))

import approval_core as core
from approval_core import LinkExpired, LinkInvalid, SigningKeyUnavailable

# One botocore session: loading service models per test would make the suite slow.
SESSION = botocore.session.get_session()
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
# Real task tokens are long base64-like strings with '+', '/' and '='.
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAY+abc/DEF=ghi+jkl/MNO==" * 8
NOW = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
EXPIRES = int(NOW.timestamp()) + 3600
SECRET = "churn-cd-approval-signing-key"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{SECRET}-AbCdEf"


def fields_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def signed(action="approve", expires=EXPIRES, token=TOKEN, key=KEY) -> core.SignedLink:
    return core.parse_link(fields_of(core.link_url("https://api.example.com/approval", key, action, expires, token)))


# ---------------------------------------------------------------------------------------------------------------------
# Signing and links
# ---------------------------------------------------------------------------------------------------------------------
def test_signature_is_deterministic_base64url_of_hmac_sha256():
    sig = core.sign(KEY, "approve", EXPIRES, TOKEN)
    assert sig == core.sign(KEY, "approve", EXPIRES, TOKEN)
    assert len(sig) == 43 and "=" not in sig and "+" not in sig and "/" not in sig
    assert len(base64.urlsafe_b64decode(sig + "=")) == 32


def test_signature_binds_every_field_and_the_key():
    base = core.sign(KEY, "approve", EXPIRES, TOKEN)
    assert core.sign(KEY, "reject", EXPIRES, TOKEN) != base
    assert core.sign(KEY, "approve", EXPIRES + 1, TOKEN) != base
    assert core.sign(KEY, "approve", EXPIRES, TOKEN + "x") != base
    assert core.sign(OTHER_KEY, "approve", EXPIRES, TOKEN) != base


def test_link_url_encodes_the_token_and_round_trips():
    url = core.link_url("https://api.example.com/approval", KEY, "approve", EXPIRES, TOKEN)
    query = urlsplit(url).query
    assert "+" not in query and "/" not in query  # '+' would read as a space, '/' is kept out for mail clients
    assert "%2B" in query and "%2F" in query and "%3D" in query
    link = core.parse_link(fields_of(url))
    assert link == core.SignedLink("approve", EXPIRES, TOKEN, core.sign(KEY, "approve", EXPIRES, TOKEN))


def test_link_url_refuses_unknown_actions():
    with pytest.raises(ValueError, match="action"):
        core.link_url("https://x", KEY, "deploy", EXPIRES, TOKEN)


def test_valid_link_verifies():
    core.verify([KEY], signed(), NOW)


def test_a_previous_key_still_verifies_after_rotation():
    core.verify([OTHER_KEY, KEY], signed(key=KEY), NOW)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda link: link._replace(action="reject"),  # approve link turned into a reject link
        lambda link: link._replace(expires_at=link.expires_at + 86400),  # expiry pushed back
        lambda link: link._replace(token=link.token[:-2] + "AA"),  # another task's token
        lambda link: link._replace(signature=("A" if link.signature[0] != "A" else "B") + link.signature[1:]),
    ],
    ids=["action", "expiry", "token", "signature"],
)
def test_tampered_links_are_invalid(tamper):
    with pytest.raises(LinkInvalid, match="altered"):
        core.verify([KEY], tamper(signed()), NOW)


def test_a_link_signed_with_another_key_is_invalid():
    with pytest.raises(LinkInvalid):
        core.verify([KEY], signed(key=OTHER_KEY), NOW)


def test_expired_links_are_refused_after_the_signature_check():
    link = signed(expires=int(NOW.timestamp()))
    with pytest.raises(LinkExpired):
        core.verify([KEY], link, NOW)
    with pytest.raises(LinkExpired):
        core.verify([KEY], link, NOW + datetime.timedelta(days=1))
    core.verify([KEY], link, NOW - datetime.timedelta(seconds=1))
    # an expired link whose expiry was moved forward is tampering, not a valid link
    with pytest.raises(LinkInvalid):
        core.verify([KEY], link._replace(expires_at=link.expires_at + 3600), NOW)


def test_no_key_fails_closed():
    with pytest.raises(SigningKeyUnavailable):
        core.verify([], signed(), NOW)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, "action"),
        ({"action": "deploy", "expires": "1", "token": "t", "signature": "s" * 43}, "action"),
        ({"action": "approve", "expires": "-1", "token": "t", "signature": "s" * 43}, "expiry"),
        ({"action": "approve", "expires": "1e9", "token": "t", "signature": "s" * 43}, "expiry"),
        ({"action": "approve", "expires": "1" * 13, "token": "t", "signature": "s" * 43}, "expiry"),
        ({"action": "approve", "expires": "1", "token": "", "signature": "s" * 43}, "token"),
        ({"action": "approve", "expires": "1", "token": "a b", "signature": "s" * 43}, "token"),
        ({"action": "approve", "expires": "1", "token": "t" * 2049, "signature": "s" * 43}, "token"),
        ({"action": "approve", "expires": "1", "token": "t", "signature": "s" * 42}, "signature"),
        ({"action": "approve", "expires": "1", "token": "t", "signature": "s" * 42 + "="}, "signature"),
    ],
)
def test_malformed_links_are_invalid(fields, reason):
    with pytest.raises(LinkInvalid, match=reason):
        core.parse_link(fields)


def test_request_id_is_the_tokens_sha256_so_no_token_is_stored():
    rid = core.request_id(TOKEN)
    assert len(rid) == 64 and TOKEN not in rid
    assert rid == core.request_id(TOKEN) != core.request_id(TOKEN + "x")


def test_timestamps_of_step_functions_parse():
    moment = core.parse_timestamp("2024-05-01T12:00:00.123Z")
    assert moment == datetime.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=datetime.timezone.utc)
    with pytest.raises(ValueError):
        core.parse_timestamp("2024-05-01T12:00:00")  # no zone
    assert core.iso(moment) == "2024-05-01T12:00:00Z"


def test_missing_configuration_fails_closed(monkeypatch):
    monkeypatch.delenv("APPROVAL_TABLE", raising=False)
    with pytest.raises(core.ConfigurationError, match="APPROVAL_TABLE"):
        core.env("APPROVAL_TABLE")


# ---------------------------------------------------------------------------------------------------------------------
# The signing key
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture
def secrets():
    client = SESSION.create_client(
        "secretsmanager", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _value(key: bytes) -> dict:
    return {"ARN": SECRET_ARN, "Name": SECRET, "VersionId": "v" * 32, "SecretString": base64.b64encode(key).decode()}


def _no_value(stub, stage="AWSCURRENT"):
    stub.add_client_error(
        "get_secret_value",
        service_error_code="ResourceNotFoundException",
        expected_params={"SecretId": SECRET, "VersionStage": stage},
    )


def test_existing_key_is_read_not_written(secrets):
    secrets.add_response("get_secret_value", _value(KEY), {"SecretId": SECRET, "VersionStage": "AWSCURRENT"})
    assert core.signing_key(secrets.client, SECRET) == KEY


class Capture:
    """Matches any value in a Stubber's expected_params and keeps it."""

    value = None

    def __eq__(self, other):
        self.value = other
        return True


def test_first_use_generates_and_stores_the_key_with_a_conditional_write(secrets):
    _no_value(secrets)
    candidate = Capture()
    secrets.add_response(
        "put_secret_value",
        {"ARN": SECRET_ARN, "Name": SECRET, "VersionId": core.INITIAL_KEY_VERSION},
        {
            "SecretId": SECRET,
            "ClientRequestToken": core.INITIAL_KEY_VERSION,  # fixed: a second first use cannot overwrite
            "SecretString": candidate,
            "VersionStages": ["AWSCURRENT"],
        },
    )
    secrets.add_response("get_secret_value", _value(OTHER_KEY), {"SecretId": SECRET, "VersionStage": "AWSCURRENT"})
    # the key used is the one read back after the write, never an unsaved candidate
    assert core.signing_key(secrets.client, SECRET) == OTHER_KEY
    generated = base64.b64decode(candidate.value)
    assert len(generated) == 32 and generated != bytes(32)
    assert 32 <= len(core.INITIAL_KEY_VERSION) <= 64


def test_a_concurrent_first_use_wins_and_its_key_is_used(secrets):
    _no_value(secrets)
    secrets.add_client_error("put_secret_value", service_error_code="ResourceExistsException")
    secrets.add_response("get_secret_value", _value(OTHER_KEY), {"SecretId": SECRET, "VersionStage": "AWSCURRENT"})
    assert core.signing_key(secrets.client, SECRET) == OTHER_KEY


def test_other_write_errors_propagate(secrets):
    _no_value(secrets)
    secrets.add_client_error("put_secret_value", service_error_code="AccessDeniedException")
    with pytest.raises(Exception, match="AccessDenied"):
        core.signing_key(secrets.client, SECRET)


def test_a_short_or_garbled_key_fails_closed(secrets):
    secrets.add_response("get_secret_value", _value(b"short"), {"SecretId": SECRET, "VersionStage": "AWSCURRENT"})
    with pytest.raises(SigningKeyUnavailable, match="at least 32 bytes"):
        core.signing_key(secrets.client, SECRET)
    garbled = {**_value(KEY), "SecretString": "not base64!"}
    secrets.add_response("get_secret_value", garbled, {"SecretId": SECRET, "VersionStage": "AWSCURRENT"})
    with pytest.raises(SigningKeyUnavailable, match="base64"):
        core.signing_key(secrets.client, SECRET)


def test_read_keys_returns_current_then_previous_and_skips_missing_stages(secrets):
    secrets.add_response("get_secret_value", _value(KEY), {"SecretId": SECRET, "VersionStage": "AWSCURRENT"})
    secrets.add_response("get_secret_value", _value(OTHER_KEY), {"SecretId": SECRET, "VersionStage": "AWSPREVIOUS"})
    assert core.read_keys(secrets.client, SECRET) == [KEY, OTHER_KEY]
    secrets.add_response("get_secret_value", _value(KEY), {"SecretId": SECRET, "VersionStage": "AWSCURRENT"})
    _no_value(secrets, "AWSPREVIOUS")
    assert core.read_keys(secrets.client, SECRET) == [KEY]
