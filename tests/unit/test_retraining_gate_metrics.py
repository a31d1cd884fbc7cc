"""gate.handler's custom metrics: what it publishes, and that a publishing failure never changes the decision."""

from __future__ import annotations

import json
import logging

import botocore.session
import common
import gate
import pytest
from botocore.stub import Stubber
from gate import MalformedEvent

METRIC = "validation:accuracy"
NAMESPACE = "acme-ml/Retraining"
MACHINE = "acme-ml-churn-retraining"


def make_event(value=0.93, threshold=0.9, **overrides):
    event = {
        "metrics": {METRIC: value},
        "metric_name": METRIC,
        "goal": "maximize",
        "threshold": threshold,
        "compare_with_champion": False,
        "metrics_namespace": NAMESPACE,
        "state_machine_name": MACHINE,
    }
    event.update(overrides)
    return event


@pytest.fixture
def cloudwatch(monkeypatch):
    """A Stubber on a real CloudWatch client, injected as the one the gate uses; never reaches AWS."""
    client = botocore.session.get_session().create_client(
        "cloudwatch", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    monkeypatch.setitem(common._CLIENTS, "cloudwatch", client)
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def expected_data(value, threshold, deploy):
    dimensions = [{"Name": "StateMachine", "Value": MACHINE}]
    return {
        "Namespace": NAMESPACE,
        "MetricData": [
            {"MetricName": "GatedMetricValue", "Dimensions": dimensions, "Value": value, "Unit": "None"},
            {"MetricName": "GateThreshold", "Dimensions": dimensions, "Value": threshold, "Unit": "None"},
            {"MetricName": "GateDeploy", "Dimensions": dimensions, "Value": 1.0 if deploy else 0.0, "Unit": "Count"},
        ],
    }


@pytest.mark.parametrize(("value", "deploy"), [(0.93, True), (0.85, False), (0.9, False)])
def test_publishes_value_threshold_and_outcome(cloudwatch, value, deploy):
    cloudwatch.add_response("put_metric_data", {}, expected_data(value, 0.9, deploy))
    result = gate.handler(make_event(value), None)
    assert result["deploy"] is deploy
    assert result["metrics_published"] is True


@pytest.mark.parametrize(("value", "deploy"), [(0.93, True), (0.85, False)])
def test_failed_publish_keeps_the_decision_and_logs(cloudwatch, caplog, value, deploy):
    cloudwatch.add_client_error("put_metric_data", service_error_code="AccessDenied", http_status_code=403)
    with caplog.at_level(logging.INFO, logger="sfn_ml.retraining"):
        result = gate.handler(make_event(value), None)
    assert result["deploy"] is deploy
    assert result["metrics_published"] is False
    lines = [json.loads(r.getMessage()) for r in caplog.records]
    failures = [line for line in lines if line["outcome"] == "metrics-not-published"]
    assert len(failures) == 1
    assert failures[0]["error"] == "ClientError" and "AccessDenied" in failures[0]["message"]
    assert failures[0]["namespace"] == NAMESPACE and failures[0]["state_machine_name"] == MACHINE
    decisions = [line for line in lines if line["outcome"] in ("deploy", "skip")]
    assert [d["outcome"] for d in decisions] == ["deploy" if deploy else "skip"]


def test_any_exception_while_publishing_keeps_a_skip(monkeypatch):
    class Broken:
        def put_metric_data(self, **kwargs):
            raise RuntimeError("endpoint unreachable")

    monkeypatch.setitem(common._CLIENTS, "cloudwatch", Broken())
    result = gate.handler(make_event(0.5), None)
    assert result["deploy"] is False and result["metrics_published"] is False


def test_no_namespace_publishes_nothing(cloudwatch):
    event = {k: v for k, v in make_event().items() if k not in ("metrics_namespace", "state_machine_name")}
    result = gate.handler(event, None)  # the stubber has no response queued: any call would fail the test
    assert result["deploy"] is True and result["metrics_published"] is False


def test_an_error_before_the_decision_publishes_nothing(cloudwatch):
    with pytest.raises(gate.MetricOutOfRange):
        gate.handler(make_event(1.5, metric_max=1), None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"metrics_namespace": None}, "given together"),
        ({"state_machine_name": None}, "given together"),
        ({"metrics_namespace": "AWS/States"}, "not starting with 'AWS/'"),
        ({"metrics_namespace": "bad namespace"}, "metrics_namespace must be"),
        ({"metrics_namespace": "x" * 256}, "metrics_namespace must be"),
        ({"state_machine_name": ""}, "state_machine_name must be"),
        ({"state_machine_name": 7}, "state_machine_name must be"),
    ],
)
def test_malformed_metrics_settings_are_refused(cloudwatch, overrides, message):
    event = make_event()
    for key, value in overrides.items():
        if value is None:
            del event[key]
        else:
            event[key] = value
    with pytest.raises(MalformedEvent, match=message):
        gate.handler(event, None)
