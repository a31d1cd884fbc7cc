"""Lambda ``gate.handler``: decide whether a freshly trained model may be deployed. Fails closed.

Event::

    {"metrics": {"validation:accuracy": 0.93, ...},   # metrics.handler's "metrics"
     "metric_name": "validation:accuracy",
     "goal": "maximize" | "minimize",
     "threshold": 0.9,
     "compare_with_champion": true | false,
     "endpoint_name": "my-endpoint",                  # required when compare_with_champion is true
     "invalid_metrics": ["..."]}                      # optional: metrics.handler's "invalid_metrics"

Result::

    {"deploy": bool, "reason": str, "metric_name": str, "metric_value": float,
     "threshold": float, "goal": str, "champion_value": float | None}

The candidate must be strictly better than the threshold and, when comparing, strictly better than the
champion: the metric recorded in the tags of the endpoint config the endpoint currently serves. Equality
never deploys. The champion is looked up only for a candidate that passes the threshold.

Errors (class name = Step Functions error name): MalformedEvent, MetricMissing, MetricNotNumeric,
ChampionMetricMissing, ChampionMetricInvalid; any other botocore error propagates unchanged.
"""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple, TypedDict

from common import (
    MalformedEvent,
    RetrainingError,
    errors_logged,
    finite_float,
    is_sagemaker_name,
    log_decision,
    sagemaker_client,
)

# Tags the state machine puts on every endpoint config it deploys.
TAG_METRIC_NAME = "sfn-ml:metric-name"
TAG_METRIC_VALUE = "sfn-ml:metric-value"

GOALS = ("maximize", "minimize")


class MetricMissing(RetrainingError):
    """The metric to gate on is not among the training job's metrics."""


class MetricNotNumeric(RetrainingError):
    """The candidate's metric value is not a finite number."""


class ChampionMetricMissing(RetrainingError):
    """The deployed endpoint config lacks the metric tags, so the champion cannot be compared."""


class ChampionMetricInvalid(RetrainingError):
    """The champion's recorded metric is for another metric name or is not a finite number."""


class _GateEventRequired(TypedDict):
    metrics: dict[str, float]
    metric_name: str
    goal: Literal["maximize", "minimize"]
    threshold: float
    compare_with_champion: bool


class GateEvent(_GateEventRequired, total=False):
    endpoint_name: str
    invalid_metrics: list[str]


class GateResult(TypedDict):
    deploy: bool
    reason: str
    metric_name: str
    metric_value: float
    threshold: float
    goal: str
    champion_value: float | None


class GateRequest(NamedTuple):
    """A validated gate event."""

    metrics: dict[str, Any]
    metric_name: str
    goal: str
    threshold: float
    compare_with_champion: bool
    endpoint_name: str | None = None
    invalid_metrics: tuple[str, ...] = ()


def parse_event(event: object) -> GateRequest:
    """Validate the event, or raise MalformedEvent."""
    if not isinstance(event, dict):
        raise MalformedEvent(f"event must be a JSON object, got {type(event).__name__}")
    metrics = event.get("metrics")
    if not isinstance(metrics, dict):
        raise MalformedEvent(f"metrics must be an object of metric name to value, got {metrics!r}")
    metric_name = event.get("metric_name")
    if not isinstance(metric_name, str) or not metric_name:
        raise MalformedEvent(f"metric_name must be a non-empty string, got {metric_name!r}")
    goal = event.get("goal")
    if not isinstance(goal, str) or goal not in GOALS:
        raise MalformedEvent(f"goal must be 'maximize' or 'minimize', got {goal!r}")
    threshold = finite_float(event.get("threshold"))
    if threshold is None:
        raise MalformedEvent(f"threshold must be a finite number, got {event.get('threshold')!r}")
    compare = event.get("compare_with_champion")
    if not isinstance(compare, bool):
        raise MalformedEvent(f"compare_with_champion must be true or false, got {compare!r}")
    endpoint_name = event.get("endpoint_name")
    if compare and not is_sagemaker_name(endpoint_name):
        raise MalformedEvent(
            f"endpoint_name must be a SageMaker endpoint name when comparing with the champion, got {endpoint_name!r}"
        )
    invalid_metrics = event.get("invalid_metrics", [])
    if not isinstance(invalid_metrics, list) or not all(isinstance(n, str) for n in invalid_metrics):
        raise MalformedEvent(f"invalid_metrics must be a list of strings, got {invalid_metrics!r}")
    return GateRequest(
        metrics=metrics,
        metric_name=metric_name,
        goal=goal,
        threshold=threshold,
        compare_with_champion=compare,
        endpoint_name=endpoint_name if compare else None,
        invalid_metrics=tuple(invalid_metrics),
    )


def candidate_value(metrics: dict[str, Any], name: str, invalid_metrics: tuple[str, ...] = ()) -> float:
    """The candidate's value for metric ``name``, or MetricMissing / MetricNotNumeric."""
    if name not in metrics:
        if name in invalid_metrics:
            raise MetricNotNumeric(f"the training job reported a value for {name!r} that is not a finite number")
        raise MetricMissing(f"metric {name!r} not in metrics; available: {sorted(metrics)}")
    value = finite_float(metrics[name])
    if value is None:
        raise MetricNotNumeric(f"metric {name!r} must be a finite number, got {metrics[name]!r}")
    return value


def beats(value: float, reference: float, goal: str) -> bool:
    """Strictly better in the goal's direction; equal is not better."""
    return value > reference if goal == "maximize" else value < reference


def champion_value(sagemaker: Any, endpoint_name: str, metric_name: str) -> float | None:
    """The metric recorded on the endpoint's current endpoint config; None if the endpoint does not exist."""
    from botocore.exceptions import ClientError  # already loaded with the client; kept off the import path

    try:
        endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        not_found = "Could not find endpoint" in error.get("Message", "")
        if error.get("Code") == "ValidationException" and not_found:
            return None
        raise
    config_name = endpoint.get("EndpointConfigName")
    if not config_name:
        raise ChampionMetricMissing(f"endpoint {endpoint_name} reports no EndpointConfigName")
    config_arn = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)["EndpointConfigArn"]
    tags = _tags(sagemaker, config_arn)

    missing = [key for key in (TAG_METRIC_NAME, TAG_METRIC_VALUE) if key not in tags]
    if missing:
        raise ChampionMetricMissing(
            f"endpoint config {config_name} of endpoint {endpoint_name} has no tag {', '.join(missing)}"
        )
    if tags[TAG_METRIC_NAME] != metric_name:
        raise ChampionMetricInvalid(
            f"endpoint config {config_name} records metric {tags[TAG_METRIC_NAME]!r}, not {metric_name!r}"
        )
    try:
        value = float(tags[TAG_METRIC_VALUE])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ChampionMetricInvalid(
            f"endpoint config {config_name} records {metric_name} = {tags[TAG_METRIC_VALUE]!r}, not a finite number"
        )
    return value


def _tags(sagemaker: Any, resource_arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    kwargs = {"ResourceArn": resource_arn}
    while True:
        page = sagemaker.list_tags(**kwargs)
        tags.update((tag["Key"], tag["Value"]) for tag in page.get("Tags", []))
        if not page.get("NextToken"):
            return tags
        kwargs["NextToken"] = page["NextToken"]


def evaluate(request: GateRequest, sagemaker: Any) -> GateResult:
    """Apply the decision rules; ``sagemaker`` is used (and may be None otherwise) only to compare."""
    name, goal, threshold = request.metric_name, request.goal, request.threshold
    value = candidate_value(request.metrics, name, request.invalid_metrics)
    op = ">" if goal == "maximize" else "<"
    candidate = f"{name} = {value!r}"
    champion = None

    if not beats(value, threshold, goal):
        deploy = False
        reason = f"{candidate} fails the threshold ({goal}: must be {op} {threshold!r}); not deploying."
    elif not request.compare_with_champion:
        deploy = True
        reason = f"{candidate} passes the threshold ({op} {threshold!r}); deploying."
    else:
        endpoint = request.endpoint_name
        passed = f"{candidate} passes the threshold ({op} {threshold!r})"
        champion = champion_value(sagemaker, endpoint, name)
        if champion is None:
            deploy = True
            reason = f"{passed} and endpoint {endpoint} does not exist, so there is no champion; deploying."
        elif beats(value, champion, goal):
            deploy = True
            reason = f"{passed} and beats the champion on endpoint {endpoint} ({champion!r}); deploying."
        else:
            deploy = False
            reason = (
                f"{passed} but does not beat the champion on endpoint {endpoint} "
                f"({goal}: must be {op} {champion!r}); not deploying."
            )
    return {
        "deploy": deploy,
        "reason": reason,
        "metric_name": name,
        "metric_value": value,
        "threshold": threshold,
        "goal": goal,
        "champion_value": champion,
    }


def handler(event: GateEvent, context: object) -> GateResult:
    with errors_logged("gate"):
        request = parse_event(event)
        # A client is needed (and created, on first use) only to look up the champion.
        result = evaluate(request, sagemaker_client() if request.compare_with_champion else None)
    log_decision("gate", outcome="deploy" if result["deploy"] else "skip", **result)
    return result
