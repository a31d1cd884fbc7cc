"""Shared plumbing for the retraining Lambdas: named errors, the lazy SageMaker client, decision logs.

Importing this module makes no AWS call, creates no client and does not even import boto3: cold-start
import time is benchmarked, and boto3 alone costs ~200 ms to import.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
from collections.abc import Iterator
from typing import Any

_SAGEMAKER_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")

# Clients by service name, created on first use and reused across warm invocations; tests put theirs here.
_CLIENTS: dict[str, Any] = {}

logger = logging.getLogger("sfn_ml.retraining")
logger.setLevel(logging.INFO)


class RetrainingError(Exception):
    """Base of the errors the state machine catches.

    Lambda reports the exception's class name as the error type, so each subclass name is the exact
    string a Step Functions ``Catch`` clause matches in ``ErrorEquals``.
    """


class MalformedEvent(RetrainingError):
    """The event does not have the documented shape."""


def _client(service: str) -> Any:
    """The module-wide client of one service, created on first call."""
    client = _CLIENTS.get(service)
    if client is None:
        import boto3  # deferred so that importing a handler stays cheap and side-effect free
        from botocore.config import Config

        client = boto3.client(service, config=Config(retries={"mode": "standard"}))
        _CLIENTS[service] = client
    return client


def sagemaker_client() -> Any:
    """The module-wide SageMaker client, created on first call."""
    return _client("sagemaker")


def s3_client() -> Any:
    """The module-wide S3 client, created on first call."""
    return _client("s3")


def cloudwatch_client() -> Any:
    """The module-wide CloudWatch client (custom metrics), created on first call."""
    return _client("cloudwatch")


def log_decision(action: str, **fields: Any) -> None:
    """Log one decision as a single JSON line."""
    logger.info(json.dumps({"action": action, **fields}, sort_keys=True, default=str))


@contextlib.contextmanager
def errors_logged(action: str) -> Iterator[None]:
    """Log a RetrainingError as a decision, then let it propagate to Step Functions."""
    try:
        yield
    except RetrainingError as exc:
        log_decision(action, outcome="error", error=type(exc).__name__, message=str(exc))
        raise


def finite_float(value: object) -> float | None:
    """``value`` as a float if it is a finite int or float (bools are not numbers), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def is_sagemaker_name(value: object) -> bool:
    """True if ``value`` is a valid SageMaker resource name (training job, endpoint...)."""
    return isinstance(value, str) and 1 <= len(value) <= 63 and _SAGEMAKER_NAME.fullmatch(value) is not None
