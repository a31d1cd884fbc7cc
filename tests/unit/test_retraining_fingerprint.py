"""fingerprint.handler: what changes the fingerprint of a run's inputs, pagination, and malformed events."""

from __future__ import annotations

import botocore.session
import common
import fingerprint
import pytest
from botocore.stub import Stubber
from fingerprint import MalformedEvent

CHANNELS = {"train": "s3://data-bucket/m/train/", "validation": "s3://data-bucket/m/validation/"}
DIGEST = "ab" * 32


@pytest.fixture
def s3():
    client = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def obj(key, size=10, etag='"e1"'):
    return {"Key": key, "Size": size, "ETag": etag}


def stub_listing(stub, listing, channels=CHANNELS):
    """listing: {prefix: [page, ...]}, each page a list of objects; channels are listed in name order."""
    for channel in sorted(channels):
        prefix = channels[channel].split("data-bucket/", 1)[1]
        pages = listing[prefix]
        for i, page in enumerate(pages):
            expected = {"Bucket": "data-bucket", "Prefix": prefix}
            response = {"Contents": page, "KeyCount": len(page), "IsTruncated": i < len(pages) - 1}
            if i > 0:
                expected["ContinuationToken"] = f"token-{i}"
            if i < len(pages) - 1:
                response["NextContinuationToken"] = f"token-{i + 1}"
            stub.add_response("list_objects_v2", response, expected)


def run(s3, listing, channels=CHANNELS, digest=DIGEST):
    stub_listing(s3, listing, channels)
    return fingerprint.fingerprint(
        s3.client, fingerprint.parse_event({"channels": channels, "config_digest": digest})[0], digest
    )


BASE = {"m/train/": [[obj("m/train/a.csv"), obj("m/train/b.csv", 20)]], "m/validation/": [[obj("m/validation/v.csv")]]}


def test_same_objects_same_fingerprint_and_counts(s3):
    first, second = run(s3, BASE), run(s3, BASE)
    assert first == second
    assert first["objects"] == 3 and first["bytes"] == 40
    assert len(first["fingerprint"]) == 64


@pytest.mark.parametrize(
    "changed",
    [
        {"m/train/": [[obj("m/train/a.csv"), obj("m/train/b.csv", 21)]]},  # a size
        {"m/train/": [[obj("m/train/a.csv", etag='"e2"'), obj("m/train/b.csv", 20)]]},  # new content, same size
        {"m/train/": [[obj("m/train/a.csv"), obj("m/train/c.csv", 20)]]},  # another key
        {"m/train/": [[obj("m/train/a.csv"), obj("m/train/b.csv", 20), obj("m/train/c.csv")]]},  # one more object
        {"m/validation/": [[]]},  # a channel emptied
    ],
)
def test_any_change_of_an_object_changes_the_fingerprint(s3, changed):
    assert run(s3, BASE)["fingerprint"] != run(s3, {**BASE, **changed})["fingerprint"]


def test_the_training_settings_change_the_fingerprint(s3):
    assert run(s3, BASE)["fingerprint"] != run(s3, BASE, digest="cd" * 32)["fingerprint"]


def test_an_object_moved_to_another_channel_changes_the_fingerprint(s3):
    swapped = {"train": CHANNELS["validation"], "validation": CHANNELS["train"]}
    assert run(s3, BASE)["fingerprint"] != run(s3, BASE, channels=swapped)["fingerprint"]


def test_every_page_is_listed(s3):
    paged = {"m/train/": [[obj("m/train/a.csv")], [obj("m/train/b.csv", 20)]], "m/validation/": BASE["m/validation/"]}
    one_page = run(s3, BASE)
    two_pages = run(s3, paged)
    assert two_pages == one_page  # the same objects, whatever the page size


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {"config_digest": DIGEST},
        {"channels": {}, "config_digest": DIGEST},
        {"channels": {"train": "https://bucket/x"}, "config_digest": DIGEST},
        {"channels": {"train": "s3://Bad_Bucket/x"}, "config_digest": DIGEST},
        {"channels": {"bad name": "s3://bucket/x"}, "config_digest": DIGEST},
        {"channels": CHANNELS},
        {"channels": CHANNELS, "config_digest": "XYZ"},
    ],
)
def test_malformed_events_are_refused(event):
    with pytest.raises(MalformedEvent):
        fingerprint.parse_event(event)


def test_handler_uses_the_module_client_and_reports_the_listing(s3, monkeypatch):
    monkeypatch.setitem(common._CLIENTS, "s3", s3.client)
    stub_listing(s3, BASE)
    result = fingerprint.handler({"channels": CHANNELS, "config_digest": DIGEST}, None)
    assert result["objects"] == 3


def test_a_listing_that_fails_fails_the_handler(s3, monkeypatch):
    monkeypatch.setitem(common._CLIENTS, "s3", s3.client)
    s3.add_client_error("list_objects_v2", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(Exception, match="AccessDenied"):
        fingerprint.handler({"channels": CHANNELS, "config_digest": DIGEST}, None)
