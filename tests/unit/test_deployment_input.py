"""deployment_input.handler: only a git commit and an image of the workflow's own repository pass."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src" / "approval"))

import deployment_input
from approval_core import MalformedEvent
from deployment_input import InvalidDeploymentInput

REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-approved"
COMMIT = "3F2A1B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E4F5A"
SAGEMAKER_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")


def event(execution_input, prefix="churn"):
    return {"input": execution_input, "repository_url": REPOSITORY, "name_prefix": prefix}


def test_commit_and_image_pass_and_names_derive_from_the_commit():
    commit = COMMIT.lower()
    result = deployment_input.handler(event({"commit_id": COMMIT, "image_uri": f"{REPOSITORY}:{commit}"}), None)
    assert result == {
        "commit_id": commit,
        "commit_short": commit[:12],
        "image_uri": f"{REPOSITORY}:{commit}",
        "name_stem": f"churn-{commit[:12]}",
    }


def test_the_image_defaults_to_the_commits_tag():
    result = deployment_input.handler(event({"commit_id": "abc1234", "trigger": "manual"}), None)
    assert result["image_uri"] == f"{REPOSITORY}:abc1234"


def test_an_image_pinned_by_digest_passes():
    digest = "sha256:" + "a" * 64
    assert deployment_input.handler(event({"commit_id": "abc1234", "image_uri": f"{REPOSITORY}@{digest}"}), None)


def test_the_longest_names_fit_sagemaker():
    stem = deployment_input.handler(event({"commit_id": "f" * 64}, prefix="a" * 26), None)["name_stem"]
    longest = f"{stem}-{'0' * 12}"  # the state machine appends the last 12 hex digits of a UUID
    assert len(longest) == 52 and SAGEMAKER_NAME.fullmatch(longest)


@pytest.mark.parametrize(
    ("execution_input", "reason"),
    [
        ("abc1234", "JSON object"),
        ({}, "commit_id"),
        ({"commit_id": "abc12"}, "commit_id"),  # too short
        ({"commit_id": "main"}, "commit_id"),
        ({"commit_id": "abc1234; rm -rf /"}, "commit_id"),
        ({"commit_id": 1234567}, "commit_id"),
        ({"commit_id": "abc1234", "image_uri": "docker.io/library/python:3.12"}, "image_uri"),
        ({"commit_id": "abc1234", "image_uri": f"{REPOSITORY}:latest"}, "image_uri"),  # another tag
        ({"commit_id": "abc1234", "image_uri": f"{REPOSITORY}:abc1235"}, "image_uri"),  # another commit
        ({"commit_id": "abc1234", "image_uri": f"{REPOSITORY}-evil:abc1234"}, "image_uri"),
        ({"commit_id": "abc1234", "image_uri": f"{REPOSITORY}@sha256:short"}, "image_uri"),
        ({"commit_id": "abc1234", "image_uri": ["x"]}, "image_uri"),
    ],
)
def test_anything_else_is_refused_with_the_reason(execution_input, reason):
    with pytest.raises(InvalidDeploymentInput, match=reason):
        deployment_input.handler(event(execution_input), None)


@pytest.mark.parametrize(
    "bad",
    [
        "not an object",
        {"repository_url": REPOSITORY, "name_prefix": "churn"},  # no input
        {"input": {}, "repository_url": "docker.io/x", "name_prefix": "churn"},
        {"input": {}, "repository_url": REPOSITORY, "name_prefix": "Churn_1"},
        {"input": {}, "repository_url": REPOSITORY, "name_prefix": "a" * 27},
    ],
)
def test_a_misconfigured_state_machine_is_refused(bad):
    with pytest.raises(MalformedEvent):
        deployment_input.handler(bad, None)
