"""Plan tests of the retraining workflow's alarms and dashboard (modules/workflow_monitoring, through
tests/fixtures/hourly_retraining): metrics, dimensions, thresholds and actions; the switches on and off."""

from __future__ import annotations

import json

import pytest

from tests import tfharness as h
from tests.test_hourly_retraining_plan import CHURN, FRAUD

pytestmark = pytest.mark.plan

TOPIC = "arn:aws:sns:us-east-1:210987654321:team-notifications"


@pytest.fixture(scope="module")
def fx(tf_fixture):
    return tf_fixture("hourly_retraining")


@pytest.fixture(scope="module")
def on(planned):
    return planned("hourly_retraining", models={"churn": CHURN, "fraud": FRAUD})


def _alarms(plan):
    return {v["alarm_name"]: v for a, v in h.resources(plan).items() if "aws_cloudwatch_metric_alarm" in a}


def test_alarms_per_machine_queue_and_function(on):
    alarms = _alarms(on)
    arn = "arn:aws:states:us-east-1:210987654321:stateMachine:team-{}-retraining"
    expected = {}
    for model in ("churn", "fraud"):
        for kind, metric in [
            ("failed", "ExecutionsFailed"),
            ("timed-out", "ExecutionsTimedOut"),
            ("aborted", "ExecutionsAborted"),
            ("throttled", "ExecutionThrottled"),
        ]:
            expected[f"team-rt-{model}-{kind}"] = ("AWS/States", metric, {"StateMachineArn": arn.format(model)}, "Sum")
        expected[f"team-rt-{model}-dead-letters"] = (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": f"team-{model}-rt-schedule-dlq"},
            "Maximum",
        )
    for fn in ("metrics", "gate", "fingerprint", "retention"):
        expected[f"team-rt-{fn}-errors"] = ("AWS/Lambda", "Errors", {"FunctionName": f"team-retraining-{fn}"}, "Sum")
    assert set(alarms) == set(expected)
    for name, (namespace, metric, dimensions, stat) in expected.items():
        a = alarms[name]
        got = (a["namespace"], a["metric_name"], a["dimensions"], a["statistic"])
        assert got == (namespace, metric, dimensions, stat), name
        assert a["comparison_operator"] == "GreaterThanThreshold" and a["threshold"] == 0
        assert a["treat_missing_data"] == "notBreaching"
        assert a["alarm_actions"] == [TOPIC]
    # The queue the alarm watches is the schedule's own dead-letter queue.
    queues = {v["name"] for a, v in h.resources(on).items() if "aws_sqs_queue.dead_letter" in a}
    assert queues == {"team-churn-rt-schedule-dlq", "team-fraud-rt-schedule-dlq"}
    assert sorted(on.outputs["alarm_arns"]) == sorted(
        f"arn:aws:cloudwatch:us-east-1:210987654321:alarm:{n}" for n in expected
    )


def test_dashboard_widgets(on):
    boards = [v for a, v in h.resources(on).items() if "aws_cloudwatch_dashboard" in a]
    assert [b["dashboard_name"] for b in boards] == ["team-rt"]
    widgets = json.loads(boards[0]["dashboard_body"])["widgets"]
    metrics = [tuple(m[:6]) for w in widgets for m in w["properties"]["metrics"]]
    arn = "arn:aws:states:us-east-1:210987654321:stateMachine:team-churn-retraining"
    for metric in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionTime"):
        assert ("AWS/States", metric, "StateMachineArn", arn) in [m[:4] for m in metrics]
    for metric in ("GatedMetricValue", "GateThreshold"):
        assert ("team/Retraining", metric, "StateMachine", "team-fraud-retraining") in [m[:4] for m in metrics]
    for metric in ("Invocations", "Invocation5XXErrors"):
        assert ("AWS/SageMaker", metric, "EndpointName", "fraud-live", "VariantName", "AllTraffic") in metrics


def test_gate_gets_the_namespace_and_may_put_metrics_only_there(on):
    resources = h.resources(on).items()
    machines = {v["name"]: json.loads(v["definition"]) for a, v in resources if "aws_sfn_state_machine" in a}
    payload = machines["team-fraud-retraining"]["States"]["Gate"]["Parameters"]["Payload"]
    assert payload["metrics_namespace"] == "team/Retraining"
    assert payload["state_machine_name"] == "team-fraud-retraining"
    policies = [p for a, p in h.policies(on).items() if a.endswith("lambda_metrics[0]")]
    assert len(policies) == 1
    (statement,) = h.statements(policies[0])
    assert statement["Action"] == ["cloudwatch:PutMetricData"] and statement["Resource"] in ("*", ["*"])
    condition = statement["Condition"]["StringEquals"]["cloudwatch:namespace"]
    assert condition in ("team/Retraining", ["team/Retraining"])


def test_switches_off_create_no_alarm_and_no_dashboard(fx):
    plan = fx.plan(models={"churn": CHURN}, create_alarms="false", create_dashboard="false")
    types = {a for a in h.resources(plan) if "aws_cloudwatch_metric_alarm" in a or "aws_cloudwatch_dashboard" in a}
    assert types == set()
    assert plan.outputs["alarm_arns"] == []


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["executions"], {"AWS/States"}),
        (["dead_letter_queue", "lambda_errors"], {"AWS/SQS", "AWS/Lambda"}),
        ([], set()),
    ],
)
def test_alarm_kinds_choose_which_alarms(fx, kinds, expected):
    plan = fx.plan(models={"churn": CHURN}, alarm_kinds=kinds)
    assert {a["namespace"] for a in _alarms(plan).values()} == expected
    assert len(plan.outputs["alarm_arns"]) == len(_alarms(plan))
    assert [a for a in h.resources(plan) if "aws_cloudwatch_dashboard" in a], "the dashboard does not depend on them"


def test_a_bad_alarm_kind_is_refused_naming_the_variable(fx):
    message = fx.plan_error(models={"churn": CHURN}, alarm_kinds=["executions", "throttles"])
    assert "The alarm_kinds may hold only" in message, message


def test_the_root_passes_each_workflows_alarm_kinds(tf_fixture):
    plan = tf_fixture("root_inputs").plan(retraining_models={"churn": CHURN}, retraining_alarm_kinds=["lambda_errors"])
    namespaces = {a["namespace"] for a in _alarms(plan).values()}
    assert namespaces == {"AWS/Lambda"}, sorted(_alarms(plan))


def _kinds(plan):
    return {
        name: (a["namespace"], a["metric_name"], a["dimensions"], a["alarm_actions"], a["threshold"])
        for name, a in _alarms(plan).items()
    }


def test_batch_inference_alarms_machine_and_dead_letter_queue(tf_fixture):
    from tests.test_legacy_batch_inference_module_plan import model

    fx = tf_fixture("legacy_batch_inference")
    plan = fx.plan(models={"iris": model()}, schedule_expression="rate(1 hour)")
    kinds = _kinds(plan)
    account = json.dumps(plan.outputs["state_machine_arn"]).split(":")[4]
    arn = f"arn:aws:states:us-east-1:{account}:stateMachine:solo-batch-inference"
    (topic,) = next(iter(kinds.values()))[3]
    assert topic.startswith("arn:aws:sns:")
    assert {n: k[:3] for n, k in kinds.items()} == {
        "solo-bi-batch-inference-failed": ("AWS/States", "ExecutionsFailed", {"StateMachineArn": arn}),
        "solo-bi-batch-inference-timed-out": ("AWS/States", "ExecutionsTimedOut", {"StateMachineArn": arn}),
        "solo-bi-batch-inference-aborted": ("AWS/States", "ExecutionsAborted", {"StateMachineArn": arn}),
        "solo-bi-batch-inference-throttled": ("AWS/States", "ExecutionThrottled", {"StateMachineArn": arn}),
        "solo-bi-schedule-dead-letters": (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": "solo-bi-schedule-dlq"},
        ),
    }
    assert all(k[3] == [topic] and k[4] == 0 for k in kinds.values())
    boards = [v for a, v in h.resources(plan).items() if "aws_cloudwatch_dashboard" in a]
    assert [b["dashboard_name"] for b in boards] == ["solo-bi"]
    off = fx.plan(models={"iris": model()}, create_alarms="false", create_dashboard="false")
    assert _alarms(off) == {} and off.outputs["alarm_arns"] == []
    assert not [a for a in h.resources(off) if "aws_cloudwatch_dashboard" in a]


def test_approved_deployment_alarms_machine_and_functions(planned):
    plan = planned("approved_deployment_module")
    kinds = _kinds(plan)
    machines = {n for n, k in kinds.items() if k[0] == "AWS/States"}
    assert machines == {f"churn-cd-approved-deployment-{k}" for k in ("failed", "timed-out", "aborted", "throttled")}
    functions = {k[2]["FunctionName"] for k in kinds.values() if k[0] == "AWS/Lambda"}
    assert {
        "churn-cd-input",
        "churn-cd-approval-request",
        "churn-cd-approval-responder",
        "churn-cd-retention",
    } <= functions
    assert not [k for k in kinds.values() if k[0] == "AWS/SQS"]  # no schedule, no dead-letter queue
    boards = [v for a, v in h.resources(plan).items() if "aws_cloudwatch_dashboard" in a]
    widgets = json.loads(boards[0]["dashboard_body"])["widgets"]
    metrics = [tuple(m) for w in widgets for m in w["properties"]["metrics"]]
    assert (
        "AWS/SageMaker",
        "Invocation5XXErrors",
        "EndpointName",
        "churn-approved",
        "VariantName",
        "AllTraffic",
    ) in metrics
