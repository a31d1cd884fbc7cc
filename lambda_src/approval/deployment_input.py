"""Lambda ``deployment_input.handler``: validate an approved-deployment execution's input. Fails closed.

Event (the state machine passes the execution input unchanged, and its own configuration)::

    {"input": {"commit_id": "3f2a1b9c0d1e...", "image_uri": "<repository_url>:<commit_id>"},   # image_uri optional
     "repository_url": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-approved",
     "name_prefix": "churn"}

Result::

    {"commit_id": "3f2a1b9c0d1e...", "commit_short": "3f2a1b9c0d1e", "image_uri": "...",
     "name_stem": "churn-3f2a1b9c0d1e"}

The commit id must be a git commit (7-64 hexadecimal digits); the image must come from the workflow's own
repository, tagged with that commit or pinned by digest. SageMaker names are ``<name_stem>-<12 hex digits>``:
at most 26 + 1 + 12 + 1 + 12 = 52 characters of ``[a-z0-9-]``.

Errors (class name = Step Functions error name): InvalidDeploymentInput, MalformedEvent.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from approval_core import ApprovalError, MalformedEvent, log_event

_COMMIT = re.compile(r"[0-9a-f]{7,64}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_PREFIX = re.compile(r"[a-z0-9](-*[a-z0-9])*")
_REPOSITORY_URL = re.compile(r"[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.[a-z0-9.]+/[a-z0-9._/-]+")
COMMIT_SHORT_LENGTH = 12
MAX_PREFIX_LENGTH = 26


class InvalidDeploymentInput(ApprovalError):
    """The execution input names no valid commit, or an image from elsewhere than the workflow's repository."""


class DeploymentInput(TypedDict, total=False):
    commit_id: str
    image_uri: str


class DeploymentInputEvent(TypedDict):
    input: DeploymentInput
    repository_url: str
    name_prefix: str


class Deployment(TypedDict):
    commit_id: str
    commit_short: str
    image_uri: str
    name_stem: str


def validate(execution_input: Any, repository_url: str, name_prefix: str) -> Deployment:
    """The validated deployment, or InvalidDeploymentInput with the reason."""
    if not isinstance(execution_input, dict):
        raise InvalidDeploymentInput(
            f'the execution input must be a JSON object such as {{"commit_id": "<git commit>"}}, '
            f"got {type(execution_input).__name__}"
        )
    commit = execution_input.get("commit_id")
    if not isinstance(commit, str) or not _COMMIT.fullmatch(commit.lower()):
        raise InvalidDeploymentInput(f"commit_id must be a git commit id of 7-64 hexadecimal digits, got {commit!r}")
    commit = commit.lower()

    image = execution_input.get("image_uri")
    if image is None:
        image = f"{repository_url}:{commit}"
    if not isinstance(image, str):
        raise InvalidDeploymentInput(f"image_uri must be a string, got {type(image).__name__}")
    tagged, digest = f"{repository_url}:{commit}", f"{repository_url}@"
    if image != tagged and not (image.startswith(digest) and _DIGEST.fullmatch(image[len(digest) :])):
        raise InvalidDeploymentInput(
            f"image_uri must be {tagged} (the commit's image in the workflow's repository) or "
            f"{repository_url}@sha256:<digest>, got {image!r}"
        )
    short = commit[:COMMIT_SHORT_LENGTH]
    return {"commit_id": commit, "commit_short": short, "image_uri": image, "name_stem": f"{name_prefix}-{short}"}


def parse_event(event: object) -> tuple[Any, str, str]:
    if not isinstance(event, dict):
        raise MalformedEvent(f"event must be a JSON object, got {type(event).__name__}")
    repository_url = event.get("repository_url")
    if not isinstance(repository_url, str) or not _REPOSITORY_URL.fullmatch(repository_url):
        raise MalformedEvent(f"repository_url must be an ECR repository URL, got {repository_url!r}")
    prefix = event.get("name_prefix")
    if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX_LENGTH or not _PREFIX.fullmatch(prefix):
        raise MalformedEvent(f"name_prefix must be 1-26 lowercase letters, digits and inner hyphens, got {prefix!r}")
    if "input" not in event:
        raise MalformedEvent("event has no input")
    return event["input"], repository_url, prefix


def handler(event: DeploymentInputEvent, context: object) -> Deployment:
    try:
        deployment = validate(*parse_event(event))
    except ApprovalError as exc:
        log_event("deployment-input", outcome="refused", error=type(exc).__name__, message=str(exc))
        raise
    log_event("deployment-input", outcome="accepted", **deployment)
    return deployment
