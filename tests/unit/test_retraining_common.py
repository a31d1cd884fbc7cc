"""Shared plumbing: import-time behaviour, the lazy cached client, and the validators."""

from __future__ import annotations

import importlib
import math
import os
import subprocess
import sys
from pathlib import Path

import boto3
import common
import pytest


def test_importing_the_handlers_creates_no_client(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("boto3 client created at import time")

    monkeypatch.setattr(boto3, "client", refuse)
    monkeypatch.setattr(boto3.session.Session, "client", refuse)
    originals = {name: importlib.import_module(name) for name in ("common", "gate", "metrics")}
    for name in originals:
        monkeypatch.delitem(sys.modules, name)  # restored after the test

    fresh_gate = importlib.import_module("gate")
    importlib.import_module("metrics")

    assert fresh_gate is not originals["gate"]
    assert sys.modules["common"] is not originals["common"]
    assert sys.modules["common"]._CLIENTS == {}


def test_importing_the_handlers_does_not_import_boto3():
    # boto3 takes ~200 ms to import; the handlers defer it to the first client they need.
    code = "import sys, gate, metrics; print(sorted(m for m in sys.modules if m.startswith('boto')))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(Path(common.__file__).parent)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_client_is_created_once_and_cached(monkeypatch):
    created = []

    def fake_client(service, **kwargs):
        created.append(service)
        return object()

    monkeypatch.setattr(boto3, "client", fake_client)
    first = common.sagemaker_client()
    assert common.sagemaker_client() is first
    assert created == ["sagemaker"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 0.5), (3, 3.0), (-1e300, -1e300), (0, 0.0)],
)
def test_finite_float_accepts_finite_numbers(value, expected):
    assert common.finite_float(value) == expected


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, False, None, "1", 10**400, [1]])
def test_finite_float_rejects_everything_else(value):
    assert common.finite_float(value) is None


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("a", True),
        ("my-endpoint-1", True),
        ("a--b", True),
        ("a" * 63, True),
        ("", False),
        ("a" * 64, False),
        ("-a", False),
        ("a-", False),
        ("a_b", False),
        ("a.b", False),
        ("a\n", False),
        (None, False),
        (1, False),
    ],
)
def test_is_sagemaker_name(name, valid):
    assert common.is_sagemaker_name(name) is valid
