"""Unit-test fixtures: the Lambda sources on sys.path, stubbed SageMaker clients (never any network)."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "lambda_src" / "retraining"))
sys.path.insert(0, str(ROOT / "scripts"))

import common  # noqa: E402


@pytest.fixture
def stubber():
    """A Stubber on a real SageMaker client, which therefore never reaches AWS; use ``stubber.client``."""
    client = botocore.session.get_session().create_client(
        "sagemaker",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def handler_stubber(stubber, monkeypatch):
    """``stubber``, with its client injected as the one the handlers use."""
    monkeypatch.setitem(common._CLIENTS, "sagemaker", stubber.client)
    return stubber


def _no_client(*args, **kwargs):
    raise AssertionError("a test made the code create a real boto3 client")


@pytest.fixture(autouse=True)
def _isolated_clients(monkeypatch):
    """Start every test with an empty client cache, and fail if the code would create a real client."""
    monkeypatch.setattr(common, "_CLIENTS", {})
    monkeypatch.setattr(boto3, "client", _no_client)
    monkeypatch.setattr(boto3.session.Session, "client", _no_client)
