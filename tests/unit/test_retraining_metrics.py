"""metrics.handler: final metrics of a completed training job, and every fail-closed error."""

from __future__ import annotations

import datetime
import json
import math

import metrics
import pytest
from metrics import MalformedEvent, MetricsUnavailable, TrainingJobFailed

JOB = "xgb-retrain-2024-01-01-00-00"


def job_description(status="Completed", final_metrics=None, **extra):
    """A DescribeTrainingJob response with the members the API marks required."""
    response = {
        "TrainingJobName": JOB,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{JOB}",
        "ModelArtifacts": {"S3ModelArtifacts": f"s3://bucket/{JOB}/output/model.tar.gz"},
        "TrainingJobStatus": status,
        "SecondaryStatus": status,
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "CreationTime": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        **extra,
    }
    if final_metrics is not None:
        response["FinalMetricDataList"] = [{"MetricName": name, "Value": value} for name, value in final_metrics]
    return response


def stub_job(stubber, response):
    stubber.add_response("describe_training_job", response, {"TrainingJobName": JOB})


def test_handler_output_shape(handler_stubber):
    stub_job(
        handler_stubber,
        job_description(final_metrics=[("validation:accuracy", 0.93), ("train:accuracy", 0.97)]),
    )
    result = metrics.handler({"TrainingJobName": JOB}, None)
    assert result == {
        "training_job_name": JOB,
        "status": "Completed",
        "metrics": {"validation:accuracy": 0.93, "train:accuracy": 0.97},
        "invalid_metrics": [],
        "conflicting_metrics": [],
    }
    assert json.loads(json.dumps(result, allow_nan=False)) == result  # a valid Step Functions payload


def test_repeated_metric_with_one_value_counts_once(stubber):
    stub_job(stubber, job_description(final_metrics=[("validation:rmse", 2.5), ("validation:rmse", 2.5)]))
    result = metrics.final_metrics(stubber.client, JOB)
    assert result["metrics"] == {"validation:rmse": 2.5}
    assert result["invalid_metrics"] == result["conflicting_metrics"] == []


def test_conflicting_duplicates_have_no_value(stubber):
    """A name reported with two values is not resolved by order: the gate must not pick one (fails closed)."""
    stub_job(
        stubber,
        job_description(final_metrics=[("validation:rmse", 3.0), ("validation:f1", 0.8), ("validation:rmse", 2.5)]),
    )
    result = metrics.final_metrics(stubber.client, JOB)
    assert result["metrics"] == {"validation:f1": 0.8}
    assert result["invalid_metrics"] == ["validation:rmse"]
    assert result["conflicting_metrics"] == ["validation:rmse"]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_reported_not_converted(stubber, bad):
    stub_job(stubber, job_description(final_metrics=[("validation:auc", bad), ("validation:f1", 0.8)]))
    result = metrics.final_metrics(stubber.client, JOB)
    assert result["metrics"] == {"validation:f1": 0.8}
    assert result["invalid_metrics"] == ["validation:auc"]


def test_valid_and_invalid_values_of_one_name_conflict(stubber):
    stub_job(
        stubber,
        job_description(
            final_metrics=[("a", 1.0), ("a", math.nan), ("b", math.nan), ("b", 2.0), ("c", math.nan), ("c", math.inf)],
        ),
    )
    result = metrics.final_metrics(stubber.client, JOB)
    assert result["metrics"] == {}
    assert result["invalid_metrics"] == ["a", "b", "c"]
    assert result["conflicting_metrics"] == ["a", "b"]  # c is only ever non-finite


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        ("Failed", "AlgorithmError: out of memory", "Failed, not Completed: AlgorithmError: out of memory"),
        ("Stopped", None, "Stopped, not Completed: no FailureReason reported"),
        ("InProgress", None, "InProgress"),
    ],
)
def test_training_job_not_completed(handler_stubber, status, reason, expected):
    extra = {"FailureReason": reason} if reason else {}
    stub_job(
        handler_stubber,
        job_description(status=status, final_metrics=[("validation:accuracy", 0.99)], **extra),
    )
    with pytest.raises(TrainingJobFailed, match=expected):
        metrics.handler({"TrainingJobName": JOB}, None)


@pytest.mark.parametrize("final_metrics", [None, []], ids=["absent", "empty"])
def test_metrics_unavailable(handler_stubber, final_metrics):
    stub_job(handler_stubber, job_description(final_metrics=final_metrics))
    with pytest.raises(MetricsUnavailable, match=JOB):
        metrics.handler({"TrainingJobName": JOB}, None)


@pytest.mark.parametrize(
    "event",
    [
        None,
        "name",
        ["name"],
        {},
        {"TrainingJobName": ""},
        {"TrainingJobName": None},
        {"TrainingJobName": 42},
        {"TrainingJobName": "-leading-hyphen"},
        {"TrainingJobName": "trailing-hyphen-"},
        {"TrainingJobName": "under_score"},
        {"TrainingJobName": "job\n"},
        {"TrainingJobName": "a" * 64},
        {"trainingjobname": JOB},
    ],
)
def test_malformed_event(event):
    # No stubbed response and no client: validation happens before any AWS call.
    with pytest.raises(MalformedEvent):
        metrics.handler(event, None)


@pytest.mark.parametrize("name", ["a", "A1", "a--b", "a" * 63])
def test_valid_names(name):
    assert metrics.parse_event({"TrainingJobName": name}) == name


def test_error_names_are_the_step_functions_error_names():
    # Lambda reports type(exc).__name__ as the error type that Catch/ErrorEquals matches.
    assert [cls.__name__ for cls in (MalformedEvent, TrainingJobFailed, MetricsUnavailable)] == [
        "MalformedEvent",
        "TrainingJobFailed",
        "MetricsUnavailable",
    ]


def test_one_json_log_line_per_decision(handler_stubber, caplog):
    stub_job(handler_stubber, job_description(final_metrics=[("validation:accuracy", 0.93)]))
    with caplog.at_level("INFO", logger="sfn_ml.retraining"):
        metrics.handler({"TrainingJobName": JOB}, None)
    (record,) = caplog.records
    assert json.loads(record.getMessage()) == {
        "action": "metrics",
        "outcome": "ok",
        "training_job_name": JOB,
        "metrics": {"validation:accuracy": 0.93},
        "invalid_metrics": [],
        "conflicting_metrics": [],
    }
