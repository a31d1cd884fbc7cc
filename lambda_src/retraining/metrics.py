"""Lambda ``metrics.handler``: the final metrics of a completed SageMaker training job.

Event::

    {"TrainingJobName": "<name>"}

Result::

    {"training_job_name": "<name>", "status": "Completed",
     "metrics": {"<MetricName>": <finite float>, ...},
     "invalid_metrics": ["<MetricName with no single finite value>", ...],
     "conflicting_metrics": ["<MetricName reported more than once with different values>", ...]}

A metric reported more than once with the same value counts once. One reported with different values (or once
as a number and once not) has no value to trust: it is left out of ``metrics`` and named in ``invalid_metrics``
(which the gate refuses) and in ``conflicting_metrics`` (for the log).

Errors (class name = Step Functions error name): MalformedEvent, TrainingJobFailed, MetricsUnavailable.
"""

from __future__ import annotations

from typing import Any, TypedDict

from common import (
    MalformedEvent,
    RetrainingError,
    errors_logged,
    finite_float,
    is_sagemaker_name,
    log_decision,
    sagemaker_client,
)


class TrainingJobFailed(RetrainingError):
    """The training job's status is not Completed (Failed, Stopped, still InProgress...)."""


class MetricsUnavailable(RetrainingError):
    """The training job reported no final metrics."""


class MetricsEvent(TypedDict):
    TrainingJobName: str


class MetricsResult(TypedDict):
    training_job_name: str
    status: str
    metrics: dict[str, float]
    invalid_metrics: list[str]
    conflicting_metrics: list[str]


def parse_event(event: object) -> str:
    """The training job name from the event, or MalformedEvent."""
    if not isinstance(event, dict):
        raise MalformedEvent(f"event must be a JSON object, got {type(event).__name__}")
    name = event.get("TrainingJobName")
    if not is_sagemaker_name(name):
        raise MalformedEvent(
            f"TrainingJobName must be a SageMaker name (1-63 letters, digits and inner hyphens), got {name!r}"
        )
    return name


def final_metrics(sagemaker: Any, training_job_name: str) -> MetricsResult:
    """Describe the job and collect its FinalMetricDataList by metric name. Fails closed on doubt.

    Values that are not finite numbers, and names reported with conflicting values, are left out of
    ``metrics`` and named in ``invalid_metrics`` (conflicts also in ``conflicting_metrics``).
    """
    job = sagemaker.describe_training_job(TrainingJobName=training_job_name)
    status = job["TrainingJobStatus"]
    if status != "Completed":
        reason = job.get("FailureReason") or "no FailureReason reported"
        raise TrainingJobFailed(f"training job {training_job_name} is {status}, not Completed: {reason}")
    reported = job.get("FinalMetricDataList") or []
    if not reported:
        raise MetricsUnavailable(f"training job {training_job_name} reported no FinalMetricDataList")

    # Every value reported per name, in order of first appearance (a dict keeps insertion order).
    values: dict[str, list[object]] = {}
    for item in reported:
        values.setdefault(item["MetricName"], []).append(item.get("Value"))

    metrics: dict[str, float] = {}
    invalid: list[str] = []
    conflicting: list[str] = []
    for name, reported_values in values.items():
        numbers = [finite_float(v) for v in reported_values]
        if len(set(numbers)) > 1:  # different values, or a number and a non-number: no value to trust
            conflicting.append(name)
            invalid.append(name)
        elif numbers[0] is None:
            invalid.append(name)
        else:
            metrics[name] = numbers[0]
    return {
        "training_job_name": training_job_name,
        "status": status,
        "metrics": metrics,
        "invalid_metrics": invalid,
        "conflicting_metrics": conflicting,
    }


def handler(event: MetricsEvent, context: object) -> MetricsResult:
    with errors_logged("metrics"):
        training_job_name = parse_event(event)
        result = final_metrics(sagemaker_client(), training_job_name)
    log_decision(
        "metrics",
        outcome="ok",
        training_job_name=training_job_name,
        metrics=result["metrics"],
        invalid_metrics=result["invalid_metrics"],
        conflicting_metrics=result["conflicting_metrics"],
    )
    return result
