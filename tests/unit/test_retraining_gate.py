"""gate.handler: the deploy decision, champion comparison, and every fail-closed error."""

from __future__ import annotations

import datetime
import json
import math

import gate
import pytest
from botocore.exceptions import ClientError
from gate import (
    TAG_METRIC_NAME,
    TAG_METRIC_VALUE,
    ChampionMetricInvalid,
    ChampionMetricMissing,
    MalformedEvent,
    MetricMissing,
    MetricNotNumeric,
    MetricOutOfRange,
)

METRIC = "validation:accuracy"
ENDPOINT = "churn-endpoint"
CONFIG = "churn-config-2024-01-01"
ENDPOINT_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{ENDPOINT}"
CONFIG_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/{CONFIG}"
WHEN = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def make_event(value=0.93, *, goal="maximize", threshold=0.9, compare=False, **overrides):
    event = {
        "metrics": {METRIC: value, "train:accuracy": 0.99},
        "metric_name": METRIC,
        "goal": goal,
        "threshold": threshold,
        "compare_with_champion": compare,
        "endpoint_name": ENDPOINT,
    }
    event.update(overrides)
    return event


def without(event, key):
    return {k: v for k, v in event.items() if k != key}


def champion_tags(value, name=METRIC):
    return {"team": "ml", TAG_METRIC_NAME: name, TAG_METRIC_VALUE: value}


def stub_champion(stubber, tags):
    """Stub the lookup chain: endpoint -> its endpoint config -> the config's tags."""
    stubber.add_response(
        "describe_endpoint",
        {
            "EndpointName": ENDPOINT,
            "EndpointArn": ENDPOINT_ARN,
            "EndpointConfigName": CONFIG,
            "EndpointStatus": "InService",
            "CreationTime": WHEN,
            "LastModifiedTime": WHEN,
        },
        {"EndpointName": ENDPOINT},
    )
    stubber.add_response(
        "describe_endpoint_config",
        {
            "EndpointConfigName": CONFIG,
            "EndpointConfigArn": CONFIG_ARN,
            "ProductionVariants": [{"VariantName": "AllTraffic"}],
            "CreationTime": WHEN,
        },
        {"EndpointConfigName": CONFIG},
    )
    stubber.add_response(
        "list_tags",
        {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]},
        {"ResourceArn": CONFIG_ARN},
    )


def stub_no_endpoint(stubber):
    stubber.add_client_error(
        "describe_endpoint",
        service_error_code="ValidationException",
        service_message=f'Could not find endpoint "{ENDPOINT_ARN}".',
        http_status_code=400,
        expected_params={"EndpointName": ENDPOINT},
    )


# Threshold only. With compare_with_champion false the handler must not even create a client (the
# autouse fixture makes client creation fail the test), so these go through the handler directly.


@pytest.mark.parametrize(
    ("goal", "value", "threshold", "deploy"),
    [
        ("maximize", 0.93, 0.9, True),
        ("maximize", 0.85, 0.9, False),
        ("maximize", 0.9, 0.9, False),  # equality does not deploy
        ("minimize", 2.5, 3.0, True),
        ("minimize", 3.5, 3.0, False),
        ("minimize", 3.0, 3.0, False),  # equality does not deploy
        ("maximize", 1, 0, True),  # ints are numbers
    ],
)
def test_threshold(goal, value, threshold, deploy):
    result = gate.handler(make_event(value, goal=goal, threshold=threshold), None)
    assert result["deploy"] is deploy
    assert result["champion_value"] is None
    assert str(value) in result["reason"]
    assert str(threshold) in result["reason"]
    assert result["reason"].endswith("; deploying." if deploy else "; not deploying.")


def test_handler_output_shape():
    result = gate.handler(make_event(0.93), None)
    assert result == {
        "deploy": True,
        "reason": "validation:accuracy = 0.93 passes the threshold (> 0.9); deploying.",
        "metric_name": METRIC,
        "metric_value": 0.93,
        "threshold": 0.9,
        "goal": "maximize",
        "champion_value": None,
        "champion_problem": None,
        "metrics_published": False,
    }
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_metric_is_picked_by_name():
    event = make_event(0.5, metrics={"train:accuracy": 0.99, METRIC: 0.5, "validation:f1": 0.97})
    result = gate.handler(event, None)
    assert (result["metric_value"], result["deploy"]) == (0.5, False)


def test_endpoint_name_is_ignored_without_champion_comparison():
    assert gate.handler(make_event(endpoint_name=None), None)["deploy"] is True


# Champion comparison.


@pytest.mark.parametrize(
    ("goal", "value", "threshold", "champion", "deploy"),
    [
        ("maximize", 0.95, 0.9, "0.93", True),
        ("maximize", 0.93, 0.9, "0.93", False),  # equal to the champion does not deploy
        ("maximize", 0.92, 0.9, "0.93", False),
        ("minimize", 2.0, 3.0, "2.5", True),
        ("minimize", 2.5, 3.0, "2.5", False),
        ("minimize", 2.8, 3.0, "2.5", False),
    ],
)
def test_champion_comparison(handler_stubber, goal, value, threshold, champion, deploy):
    stub_champion(handler_stubber, champion_tags(champion))
    result = gate.handler(make_event(value, goal=goal, threshold=threshold, compare=True), None)
    assert result["deploy"] is deploy
    assert result["champion_value"] == float(champion)
    assert champion in result["reason"]
    assert ENDPOINT in result["reason"]


def test_champion_output_shape(handler_stubber):
    stub_champion(handler_stubber, champion_tags("0.91"))
    result = gate.handler(make_event(0.93, compare=True), None)
    assert result == {
        "deploy": True,
        "reason": (
            "validation:accuracy = 0.93 passes the threshold (> 0.9) "
            "and beats the champion on endpoint churn-endpoint (0.91); deploying."
        ),
        "metric_name": METRIC,
        "metric_value": 0.93,
        "threshold": 0.9,
        "goal": "maximize",
        "champion_value": 0.91,
        "champion_problem": None,
        "metrics_published": False,
    }


def test_no_endpoint_means_threshold_only(handler_stubber):
    stub_no_endpoint(handler_stubber)
    result = gate.handler(make_event(0.93, compare=True), None)
    assert result["deploy"] is True
    assert result["champion_value"] is None
    assert "does not exist, so there is no champion" in result["reason"]


def test_no_endpoint_still_needs_the_threshold(handler_stubber):
    # A failing candidate is rejected before any lookup: the stubber has no response queued.
    result = gate.handler(make_event(0.85, compare=True), None)
    assert result["deploy"] is False
    assert result["champion_value"] is None


def test_champion_tags_are_paginated(stubber):
    stubber.add_response("list_tags", {"Tags": [{"Key": "team", "Value": "ml"}], "NextToken": "t1"})
    stubber.add_response(
        "list_tags",
        {"Tags": [{"Key": TAG_METRIC_NAME, "Value": METRIC}, {"Key": TAG_METRIC_VALUE, "Value": "0.9"}]},
        {"ResourceArn": CONFIG_ARN, "NextToken": "t1"},
    )
    assert gate._tags(stubber.client, CONFIG_ARN) == {
        "team": "ml",
        TAG_METRIC_NAME: METRIC,
        TAG_METRIC_VALUE: "0.9",
    }


@pytest.mark.parametrize(
    "tags",
    [
        {"team": "ml"},
        {TAG_METRIC_NAME: METRIC},
        {TAG_METRIC_VALUE: "0.9"},
    ],
    ids=["no-tags", "no-value", "no-name"],
)
def test_champion_metric_missing_means_no_valid_champion(handler_stubber, tags):
    """A champion without its tags must not block every later candidate: judged on the threshold alone."""
    stub_champion(handler_stubber, tags)
    result = gate.handler(make_event(0.99, compare=True), None)
    assert result["deploy"] is True
    assert result["champion_value"] is None
    assert "sfn-ml:metric-" in result["champion_problem"]
    assert "has no valid recorded metric" in result["reason"]
    assert "judged on the threshold alone; deploying." in result["reason"]


@pytest.mark.parametrize(
    "tags",
    [
        champion_tags("nan"),
        champion_tags("inf"),
        champion_tags("-Infinity"),
        champion_tags("high"),
        champion_tags(""),
        champion_tags("0.9", name="validation:f1"),
        champion_tags("1.5"),  # an accuracy above 1: out of [0, 1]
        champion_tags("-0.1"),
    ],
    ids=["nan", "inf", "-inf", "word", "empty", "other-metric", "above-max", "below-min"],
)
def test_invalid_champion_means_no_valid_champion(handler_stubber, tags):
    stub_champion(handler_stubber, tags)
    result = gate.handler(make_event(0.99, compare=True, metric_min=0, metric_max=1), None)
    assert result["deploy"] is True
    assert result["champion_value"] is None
    assert result["champion_problem"]
    assert result["champion_problem"] in result["reason"]


def test_invalid_champion_still_needs_the_threshold(handler_stubber):
    # Failing the threshold rejects before any lookup (no response queued), whatever the champion holds.
    result = gate.handler(make_event(0.85, compare=True, metric_min=0, metric_max=1), None)
    assert result["deploy"] is False


def test_a_poisoned_champion_is_replaced_by_the_next_candidate(handler_stubber):
    """A tag of 1e9 on a maximized accuracy would otherwise beat every candidate forever."""
    stub_champion(handler_stubber, champion_tags("1000000000"))
    result = gate.handler(make_event(0.95, compare=True, metric_min=0, metric_max=1), None)
    assert result["deploy"] is True
    assert "outside its range [0.0, 1.0]" in result["reason"]


# The metric's possible range.


@pytest.mark.parametrize(
    ("value", "goal", "low", "high"),
    [
        (1.2, "maximize", 0, 1),  # an accuracy above 1
        (-0.5, "minimize", 0, None),  # a negative error
        (-1e-9, "minimize", 0, None),
    ],
)
def test_candidate_out_of_range_never_deploys(value, goal, low, high):
    threshold = 0.9 if goal == "maximize" else 3.0
    event = make_event(value, goal=goal, threshold=threshold, metric_min=low, metric_max=high)
    with pytest.raises(MetricOutOfRange, match="outside its possible range"):
        gate.handler(event, None)


@pytest.mark.parametrize(("value", "deploy"), [(0.0, True), (1.0, False), (0.95, False)])
def test_range_bounds_are_inclusive(value, deploy):
    event = make_event(value, goal="minimize", threshold=0.5, metric_min=0, metric_max=1)
    assert gate.handler(event, None)["deploy"] is deploy


def test_null_bounds_are_unbounded():
    event = make_event(-5.0, goal="minimize", threshold=3.0, metric_min=None, metric_max=None)
    assert gate.handler(event, None)["deploy"] is True


def test_conflicting_duplicates_never_deploy():
    # metrics.handler names a metric reported with different values in invalid_metrics and drops its value.
    event = make_event(metrics={"train:accuracy": 0.99}, invalid_metrics=[METRIC])
    with pytest.raises(MetricNotNumeric, match="several different values"):
        gate.handler(event, None)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ValidationException", "1 validation error detected"),
        ("AccessDeniedException", "not authorized to perform sagemaker:DescribeEndpoint"),
        ("ThrottlingException", "Rate exceeded"),
    ],
)
def test_other_aws_errors_propagate(handler_stubber, code, message):
    handler_stubber.add_client_error("describe_endpoint", service_error_code=code, service_message=message)
    with pytest.raises(ClientError) as raised:
        gate.handler(make_event(0.99, compare=True), None)
    assert raised.value.response["Error"]["Code"] == code


# The candidate's metric.


def test_metric_missing_lists_available_names():
    event = make_event(metrics={"train:accuracy": 0.99, "validation:f1": 0.9})
    with pytest.raises(MetricMissing, match=r"\['train:accuracy', 'validation:f1'\]"):
        gate.handler(event, None)


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, "0.95", True, False, None, [0.95], {"value": 0.95}, 10**400],
    ids=["nan", "inf", "-inf", "string", "true", "false", "none", "list", "dict", "huge-int"],
)
def test_metric_not_numeric(value):
    with pytest.raises(MetricNotNumeric):
        gate.handler(make_event(value), None)


def test_metric_reported_invalid_by_the_metrics_step():
    event = make_event(metrics={"train:accuracy": 0.99}, invalid_metrics=[METRIC])
    with pytest.raises(MetricNotNumeric, match="not a finite number"):
        gate.handler(event, None)


# Malformed events: rejected before any AWS call (no stubbed responses, no client).

MALFORMED = {
    "not-a-dict": None,
    "a-list": [make_event()],
    "no-metrics": without(make_event(), "metrics"),
    "metrics-not-object": make_event(metrics=[0.93]),
    "no-metric-name": without(make_event(), "metric_name"),
    "empty-metric-name": make_event(metric_name=""),
    "metric-name-not-string": make_event(metric_name=1),
    "no-goal": without(make_event(), "goal"),
    "bad-goal": make_event(goal="max"),
    "goal-not-string": make_event(goal=["maximize"]),
    "no-threshold": without(make_event(), "threshold"),
    "threshold-none": make_event(threshold=None),
    "threshold-string": make_event(threshold="0.9"),
    "threshold-bool": make_event(threshold=True),
    "threshold-nan": make_event(threshold=math.nan),
    "threshold-inf": make_event(threshold=math.inf),
    "no-compare": without(make_event(), "compare_with_champion"),
    "compare-string": make_event(compare="true"),
    "compare-int": make_event(compare=1),
    "no-endpoint": without(make_event(compare=True), "endpoint_name"),
    "empty-endpoint": make_event(compare=True, endpoint_name=""),
    "bad-endpoint": make_event(compare=True, endpoint_name="my_endpoint"),
    "invalid-metrics-not-list": make_event(invalid_metrics=METRIC),
    "min-string": make_event(metric_min="0"),
    "max-nan": make_event(metric_max=math.nan),
    "min-not-below-max": make_event(metric_min=1, metric_max=1),
    "threshold-above-max": make_event(threshold=2, metric_max=1),
    "threshold-below-min": make_event(threshold=-1, metric_min=0),
}


@pytest.mark.parametrize("event", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_event(event):
    with pytest.raises(MalformedEvent):
        gate.handler(event, None)


def test_error_names_are_the_step_functions_error_names():
    errors = (
        MalformedEvent,
        MetricMissing,
        MetricNotNumeric,
        MetricOutOfRange,
        ChampionMetricMissing,
        ChampionMetricInvalid,
    )
    assert [cls.__name__ for cls in errors] == [
        "MalformedEvent",
        "MetricMissing",
        "MetricNotNumeric",
        "MetricOutOfRange",
        "ChampionMetricMissing",
        "ChampionMetricInvalid",
    ]
    assert (TAG_METRIC_NAME, TAG_METRIC_VALUE) == ("sfn-ml:metric-name", "sfn-ml:metric-value")


def test_one_json_log_line_per_decision(caplog):
    with caplog.at_level("INFO", logger="sfn_ml.retraining"):
        result = gate.handler(make_event(0.85), None)
        with pytest.raises(MetricMissing):
            gate.handler(make_event(metrics={}), None)
    decision, error = (json.loads(record.getMessage()) for record in caplog.records)
    assert decision == {"action": "gate", "outcome": "skip", **result}
    assert error["outcome"] == "error"
    assert error["error"] == "MetricMissing"
