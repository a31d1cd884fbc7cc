"""Lambda ``gate.handler``: decide whether a freshly trained model may be deployed. Fails closed.

Event::

    {"metrics": {"validation:accuracy": 0.93, ...},   # metrics.handler's "metrics"
     "metric_name": "validation:accuracy",
     "goal": "maximize" | "minimize",
     "threshold": 0.9,
     "compare_with_champion": true | false,
     "endpoint_name": "my-endpoint",                  # required when compare_with_champion is true
     "invalid_metrics": ["..."],                      # optional: metrics.handler's "invalid_metrics"
     "metric_min": 0, "metric_max": 1,                # optional: the metric's possible range; null = unbounded
     "metrics_namespace": "my-prefix/Retraining",     # optional, with state_machine_name: publish the decision
     "state_machine_name": "my-prefix-churn-retraining"}

Result::

    {"deploy": bool, "reason": str, "metric_name": str, "metric_value": float,
     "threshold": float, "goal": str, "champion_value": float | None, "champion_problem": str | None,
     "metrics_published": bool}

The candidate must be strictly better than the threshold and, when comparing, strictly better than the
champion: the metric recorded in the tags of the endpoint config the endpoint currently serves. Equality
never deploys. The champion is looked up only for a candidate that passes the threshold.

A candidate value outside [metric_min, metric_max] (an accuracy above 1, a negative error) is not a
measurement to trust: MetricOutOfRange. The module resolves the range (the user's metric_min / metric_max,
else a safe default for well-known metric names, see docs) and passes it; a null bound is unbounded.

A champion whose recorded metric cannot be trusted (tags missing, another metric name, not a finite number,
outside the range) is no valid champion: otherwise one bad tag would block every later candidate forever.
The candidate is then judged on the threshold alone, ``champion_problem`` says why, and so does the reason,
which the workflow's notification (deployed or rejected) carries.

Custom metrics: when the event names a namespace and the state machine, each decision is published to
CloudWatch (PutMetricData, dimension ``StateMachine``): ``GatedMetricValue`` (the candidate's value),
``GateThreshold`` and ``GateDeploy`` (1 deploy, 0 skip), so that a dashboard graphs the metric against its
threshold. Publishing never changes the decision: a PutMetricData failure is logged (outcome
"metrics-not-published", with the error) and the decision is returned as made, ``metrics_published`` false.
A failed publish must not fail a run whose decision is sound, nor be retried into a second decision; the
log line and the missing data points (the dashboard shows the gap) say it happened.

Errors (class name = Step Functions error name): MalformedEvent, MetricMissing, MetricNotNumeric,
MetricOutOfRange; any other botocore error propagates unchanged.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal, NamedTuple, TypedDict

from common import (
    MalformedEvent,
    RetrainingError,
    cloudwatch_client,
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

# CloudWatch limits (PutMetricData): a namespace of 1-255 of these characters, not starting with "AWS/"; a
# dimension value of 1-1024 characters.
_NAMESPACE = re.compile(r"[0-9A-Za-z.\-_/#:]{1,255}")
METRIC_VALUE = "GatedMetricValue"
METRIC_THRESHOLD = "GateThreshold"
METRIC_DEPLOY = "GateDeploy"
DIMENSION = "StateMachine"


class MetricMissing(RetrainingError):
    """The metric to gate on is not among the training job's metrics."""


class MetricNotNumeric(RetrainingError):
    """The candidate's metric value is not a finite number."""


class MetricOutOfRange(RetrainingError):
    """The candidate's metric value is outside the metric's possible range."""


class ChampionMetricMissing(RetrainingError):
    """The deployed endpoint config lacks the metric tags, so the champion cannot be compared."""


class ChampionMetricInvalid(RetrainingError):
    """The champion's recorded metric is for another metric name, not a finite number or out of range."""


class _GateEventRequired(TypedDict):
    metrics: dict[str, float]
    metric_name: str
    goal: Literal["maximize", "minimize"]
    threshold: float
    compare_with_champion: bool


class GateEvent(_GateEventRequired, total=False):
    endpoint_name: str
    invalid_metrics: list[str]
    metric_min: float | None
    metric_max: float | None
    metrics_namespace: str
    state_machine_name: str


class GateResult(TypedDict):
    deploy: bool
    reason: str
    metric_name: str
    metric_value: float
    threshold: float
    goal: str
    champion_value: float | None
    champion_problem: str | None
    metrics_published: bool


class GateRequest(NamedTuple):
    """A validated gate event."""

    metrics: dict[str, Any]
    metric_name: str
    goal: str
    threshold: float
    compare_with_champion: bool
    endpoint_name: str | None = None
    invalid_metrics: tuple[str, ...] = ()
    metric_min: float | None = None
    metric_max: float | None = None
    metrics_namespace: str | None = None
    state_machine_name: str | None = None

    def in_range(self, value: float) -> bool:
        return (self.metric_min is None or value >= self.metric_min) and (
            self.metric_max is None or value <= self.metric_max
        )

    def range_text(self) -> str:
        low = "-inf" if self.metric_min is None else repr(self.metric_min)
        high = "+inf" if self.metric_max is None else repr(self.metric_max)
        return f"[{low}, {high}]"


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
    bounds = {}
    for key in ("metric_min", "metric_max"):
        raw = event.get(key)
        bounds[key] = None if raw is None else finite_float(raw)
        if raw is not None and bounds[key] is None:
            raise MalformedEvent(f"{key} must be a finite number or null, got {raw!r}")
    low, high = bounds["metric_min"], bounds["metric_max"]
    if low is not None and high is not None and not low < high:
        raise MalformedEvent(f"metric_min ({low!r}) must be less than metric_max ({high!r})")
    if (low is not None and threshold < low) or (high is not None and threshold > high):
        raise MalformedEvent(f"threshold {threshold!r} is outside the metric's range [{low!r}, {high!r}]")
    namespace, machine = event.get("metrics_namespace"), event.get("state_machine_name")
    if (namespace is None) != (machine is None):
        raise MalformedEvent("metrics_namespace and state_machine_name must be given together, or neither")
    if namespace is not None and (
        not isinstance(namespace, str) or not _NAMESPACE.fullmatch(namespace) or namespace.startswith("AWS/")
    ):
        raise MalformedEvent(
            "metrics_namespace must be 1-255 letters, digits or . - _ / # : not starting with 'AWS/', "
            f"got {namespace!r}"
        )
    if machine is not None and (not isinstance(machine, str) or not 1 <= len(machine) <= 1024):
        raise MalformedEvent(f"state_machine_name must be a string of 1-1024 characters, got {machine!r}")
    return GateRequest(
        metrics=metrics,
        metric_name=metric_name,
        goal=goal,
        threshold=threshold,
        compare_with_champion=compare,
        endpoint_name=endpoint_name if compare else None,
        invalid_metrics=tuple(invalid_metrics),
        metric_min=low,
        metric_max=high,
        metrics_namespace=namespace,
        state_machine_name=machine,
    )


def candidate_value(metrics: dict[str, Any], name: str, invalid_metrics: tuple[str, ...] = ()) -> float:
    """The candidate's value for metric ``name``, or MetricMissing / MetricNotNumeric."""
    if name not in metrics:
        if name in invalid_metrics:
            raise MetricNotNumeric(
                f"the training job reported no single finite value for {name!r} "
                "(a value that is not a finite number, or several different values)"
            )
        raise MetricMissing(f"metric {name!r} not in metrics; available: {sorted(metrics)}")
    value = finite_float(metrics[name])
    if value is None:
        raise MetricNotNumeric(f"metric {name!r} must be a finite number, got {metrics[name]!r}")
    return value


def beats(value: float, reference: float, goal: str) -> bool:
    """Strictly better in the goal's direction; equal is not better."""
    return value > reference if goal == "maximize" else value < reference


def champion_value(
    sagemaker: Any, endpoint_name: str, metric_name: str, request: GateRequest | None = None
) -> float | None:
    """The metric recorded on the endpoint's current endpoint config; None if the endpoint does not exist.

    ChampionMetricMissing / ChampionMetricInvalid when the record cannot be trusted (outside ``request``'s range too).
    """
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
    if request is not None and not request.in_range(value):
        raise ChampionMetricInvalid(
            f"endpoint config {config_name} records {metric_name} = {value!r}, outside its range {request.range_text()}"
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
    if not request.in_range(value):
        raise MetricOutOfRange(
            f"metric {name!r} = {value!r} is outside its possible range {request.range_text()}: "
            "not a measurement to trust (set metric_min / metric_max if the range is wrong)"
        )
    op = ">" if goal == "maximize" else "<"
    candidate = f"{name} = {value!r}"
    champion = None
    champion_problem = None

    if not beats(value, threshold, goal):
        deploy = False
        reason = f"{candidate} fails the threshold ({goal}: must be {op} {threshold!r}); not deploying."
    elif not request.compare_with_champion:
        deploy = True
        reason = f"{candidate} passes the threshold ({op} {threshold!r}); deploying."
    else:
        endpoint = request.endpoint_name
        passed = f"{candidate} passes the threshold ({op} {threshold!r})"
        try:
            champion = champion_value(sagemaker, endpoint, name, request)
        except (ChampionMetricMissing, ChampionMetricInvalid) as exc:
            champion_problem = str(exc)
        if champion_problem is not None:
            deploy = True
            reason = (
                f"{passed}. The champion on endpoint {endpoint} has no valid recorded metric ({champion_problem}), "
                "so it is judged on the threshold alone; deploying."
            )
        elif champion is None:
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
        "champion_problem": champion_problem,
        "metrics_published": False,
    }


def publish_decision(cloudwatch: Any, namespace: str, state_machine_name: str, result: GateResult) -> None:
    """Put the decision's metric value, threshold and outcome as custom metrics of the state machine."""
    dimensions = [{"Name": DIMENSION, "Value": state_machine_name}]
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": METRIC_VALUE, "Dimensions": dimensions, "Value": result["metric_value"], "Unit": "None"},
            {"MetricName": METRIC_THRESHOLD, "Dimensions": dimensions, "Value": result["threshold"], "Unit": "None"},
            {"MetricName": METRIC_DEPLOY, "Dimensions": dimensions, "Value": float(result["deploy"]), "Unit": "Count"},
        ],
    )


def published(request: GateRequest, result: GateResult, cloudwatch: Any = None) -> GateResult:
    """``result`` with ``metrics_published``: publish it if the request asks; a failure is logged, never raised.

    The decision is never changed here: a skip stays a skip and a deploy a deploy.
    """
    if request.metrics_namespace is None or request.state_machine_name is None:
        return result
    try:
        publish_decision(
            cloudwatch if cloudwatch is not None else cloudwatch_client(),
            request.metrics_namespace,
            request.state_machine_name,
            result,
        )
    except Exception as exc:  # any failure to publish leaves the decision as made
        log_decision(
            "gate",
            outcome="metrics-not-published",
            error=type(exc).__name__,
            message=str(exc),
            namespace=request.metrics_namespace,
            state_machine_name=request.state_machine_name,
        )
        result["metrics_published"] = False
        return result
    result["metrics_published"] = True
    return result


def handler(event: GateEvent, context: object) -> GateResult:
    with errors_logged("gate"):
        request = parse_event(event)
        # A client is needed (and created, on first use) only to look up the champion.
        result = evaluate(request, sagemaker_client() if request.compare_with_champion else None)
    result = published(request, result)
    log_decision("gate", outcome="deploy" if result["deploy"] else "skip", **result)
    return result
