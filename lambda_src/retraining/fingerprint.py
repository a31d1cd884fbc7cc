"""Lambda ``fingerprint.handler``: a fingerprint of a training run's inputs, to skip training on unchanged data.

Event::

    {"channels": {"<channel name>": "s3://bucket/prefix/", ...},   # the training job's S3Prefix channels
     "config_digest": "<hex>"}                                      # digest of the training settings (Terraform)

Result::

    {"fingerprint": "<64 hex>", "objects": <int>, "bytes": <int>}

The fingerprint is the SHA-256 of the channels' names and URIs, ``config_digest``, and for every object under each
prefix its key, size and ETag, in a fixed order. Every object a SageMaker ``S3Prefix`` channel would read (every key
that starts with the prefix: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html) is
listed, page by page (ListObjectsV2 returns at most 1,000 keys per call:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). An object rewritten with other content gets
another ETag, and one rewritten with the same content keeps its size and ETag (for single-part uploads the ETag is the
MD5 of the content; for multipart uploads it is not, so re-uploading the same content in other parts counts as a
change: a needless training, never a missed one). A changed image, hyperparameter or instance type changes
``config_digest`` and so the fingerprint.

The state machine compares the result with the fingerprint it recorded for the last run that reached the gate and
skips training when both are equal. The function only reads (s3:ListBucket on the channels' prefixes); anything it
cannot list fails the run, as any other task does: it never reports "unchanged" on doubt.

Errors (class name = Step Functions error name): MalformedEvent.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, TypedDict

from common import MalformedEvent, errors_logged, log_decision, s3_client

# s3://bucket/prefix: bucket names as S3 allows them (3-63 characters), any prefix (possibly empty).
_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.*)$")
_CHANNEL = re.compile(r"^[A-Za-z0-9.\-_]{1,64}$")
_DIGEST = re.compile(r"^[0-9a-f]{1,128}$")


class FingerprintEvent(TypedDict):
    channels: dict[str, str]
    config_digest: str


class FingerprintResult(TypedDict):
    fingerprint: str
    objects: int
    bytes: int


def parse_event(event: object) -> tuple[dict[str, tuple[str, str]], str]:
    """{channel: (bucket, prefix)} and the config digest, or MalformedEvent."""
    if not isinstance(event, dict):
        raise MalformedEvent(f"event must be a JSON object, got {type(event).__name__}")
    channels = event.get("channels")
    if not isinstance(channels, dict) or not channels:
        raise MalformedEvent(f"channels must map channel names to s3:// URIs, got {channels!r}")
    parsed = {}
    for name, uri in channels.items():
        match = _S3_URI.match(uri) if isinstance(uri, str) else None
        if not isinstance(name, str) or not _CHANNEL.match(name) or match is None:
            raise MalformedEvent(f"channels[{name!r}] must be an s3://bucket/prefix URI of a channel name, got {uri!r}")
        parsed[name] = (match.group(1), match.group(2))
    digest = event.get("config_digest")
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise MalformedEvent(f"config_digest must be a lower-case hex digest, got {digest!r}")
    return parsed, digest


def fingerprint(s3: Any, channels: dict[str, tuple[str, str]], config_digest: str) -> FingerprintResult:
    """List every object of every channel and hash what identifies the run's inputs."""
    sha = hashlib.sha256()
    sha.update(f"config\t{config_digest}\n".encode())
    objects = size = 0
    for name in sorted(channels):
        bucket, prefix = channels[name]
        sha.update(f"channel\t{name}\ts3://{bucket}/{prefix}\n".encode())
        # ListObjectsV2 returns keys in UTF-8 binary order, so the order is fixed for the same objects.
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                sha.update(f"object\t{obj['Key']}\t{obj['Size']}\t{obj.get('ETag', '')}\n".encode())
                objects += 1
                size += int(obj["Size"])
    return {"fingerprint": sha.hexdigest(), "objects": objects, "bytes": size}


def handler(event: FingerprintEvent, context: object) -> FingerprintResult:
    with errors_logged("fingerprint"):
        channels, digest = parse_event(event)
        result = fingerprint(s3_client(), channels, digest)
    log_decision("fingerprint", outcome="ok", channels=sorted(channels), **result)
    return result
