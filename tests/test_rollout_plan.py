"""Plan tests of the deployment guardrails option (modules/endpoint_rollout) in both workflow submodules: the rendered
UpdateEndpoint with and without a DeploymentConfig, the rollback branch, the alarms and their IAM, and bad inputs
refused at plan with the variable and field named."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests import asl_endpoint_checks as ec
from tests import tfharness as h

pytestmark = pytest.mark.plan

CANARY = {
    "traffic_routing_type": "CANARY",
    "size_type": "CAPACITY_PERCENT",
    "size_value": 20,
    "wait_interval_seconds": 300,
    "maximum_execution_timeout_seconds": 1800,
    "termination_wait_seconds": 120,
    "alarm_names": ["team-own-errors"],
    "create_alarms": True,
}


@pytest.fixture(scope="module")
def rt(tf_fixture):
    return tf_fixture("hourly_retraining")


@pytest.fixture(scope="module")
def ad(tf_fixture):
    return tf_fixture("approved_deployment_module")


@pytest.fixture(scope="module")
def rt_plain(planned):
    return planned("hourly_retraining")


@pytest.fixture(scope="module")
def rt_canary(planned):
    return planned("hourly_retraining", endpoint_deployment_config=CANARY)


def _states(plan) -> dict:
    [definition] = [d for d in h.definitions(plan).values() if "UpdateEndpoint" in d["States"]]
    return definition["States"]


def _message(fx, **tf_vars) -> str:
    return " ".join(fx.plan_error(**tf_vars).replace('\\"', '"').split())


def test_without_the_option_update_endpoint_is_plain_and_has_no_rollback_branch(rt_plain):
    states = _states(rt_plain)
    assert states["UpdateEndpoint"]["Parameters"] == {
        "EndpointName": "team-churn",
        "EndpointConfigName.$": "$.endpoint_config.EndpointConfigName",
    }
    assert "EndpointRolledBack" not in states
    nexts = [c["Next"] for c in states["EndpointReady"]["Choices"]]
    assert nexts == ["NotifyDeployed", "EndpointFailed", "EndpointTimedOut"]
    assert not h.of_type(rt_plain, "aws_cloudwatch_metric_alarm") or all(
        "rollback" not in a["alarm_name"] for a in h.of_type(rt_plain, "aws_cloudwatch_metric_alarm").values()
    )


def test_canary_renders_the_deployment_config_with_the_alarms(rt_canary):
    states = _states(rt_canary)
    params = states["UpdateEndpoint"]["Parameters"]
    assert params["EndpointName"] == "team-churn"
    assert params["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 300,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20},
            },
            "MaximumExecutionTimeoutInSeconds": 1800,
            "TerminationWaitInSeconds": 120,
        },
        "AutoRollbackConfiguration": {
            "Alarms": [
                {"AlarmName": "team-churn-rt-rollback-5xx"},
                {"AlarmName": "team-churn-rt-rollback-latency"},
                {"AlarmName": "team-own-errors"},
            ]
        },
    }
    # CreateEndpoint (a new endpoint) takes no deployment config.
    assert "DeploymentConfig" not in states["CreateEndpoint"]["Parameters"]


def test_a_rollback_is_told_apart_and_notified(rt_canary):
    states = _states(rt_canary)
    choices = states["EndpointReady"]["Choices"]
    # First our config InService (deployed), then any other config InService: rolled back.
    assert choices[0]["Next"] == "NotifyDeployed"
    assert choices[1] == {
        "Variable": "$.endpoint.EndpointStatus",
        "StringEquals": "InService",
        "Next": "EndpointRolledBack",
    }
    rolled = states["EndpointRolledBack"]
    assert rolled["Type"] == "Pass" and rolled["Next"] == "NotifyFailure" and rolled["ResultPath"] == "$.error"
    assert rolled["Parameters"]["Error"] == "EndpointDeploymentRolledBack"
    cause = rolled["Parameters"]["Cause.$"]
    assert (
        cause.startswith("States.Format(")
        and "team-churn-rt-rollback-5xx, team-churn-rt-rollback-latency, team-own-errors" in cause
    )
    # RollingBack is waited out (not an end), UpdateRollbackFailed is a failure.
    failure = choices[2]["Or"]
    assert {"Variable": "$.endpoint.EndpointStatus", "StringEquals": "UpdateRollbackFailed"} in failure
    assert not [c for c in failure if c["StringEquals"] == "RollingBack"]


def test_default_alarms_watch_the_endpoints_all_traffic_variant(rt_canary):
    alarms = {a["alarm_name"]: a for a in h.of_type(rt_canary, "aws_cloudwatch_metric_alarm").values()}
    five, latency = alarms["team-churn-rt-rollback-5xx"], alarms["team-churn-rt-rollback-latency"]
    for alarm in (five, latency):
        assert alarm["namespace"] == "AWS/SageMaker"
        assert alarm["dimensions"] == {"EndpointName": "team-churn", "VariantName": "AllTraffic"}
        assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["treat_missing_data"] == "notBreaching"
    assert (five["metric_name"], five["statistic"], five["threshold"]) == ("Invocation5XXErrors", "Sum", 1)
    assert (latency["metric_name"], latency["statistic"], latency["threshold"]) == ("ModelLatency", "Average", 1000000)


def test_roles_may_describe_exactly_the_rollback_alarms(rt_plain, rt_canary):
    arns = sorted(
        f"arn:aws:cloudwatch:us-east-1:210987654321:alarm:{n}"
        for n in ["team-churn-rt-rollback-5xx", "team-churn-rt-rollback-latency", "team-own-errors"]
    )
    for suffix in (
        'iam["churn"].aws_iam_role_policy.sagemaker[0]',
        'iam["churn"].aws_iam_role_policy.state_machine[0]',
    ):
        [policy] = [p for a, p in h.policies(rt_canary).items() if a.endswith(suffix)]
        [statement] = [s for s in h.statements(policy) if s.get("Sid") == "DescribeRollbackAlarms"]
        assert statement["Action"] in ("cloudwatch:DescribeAlarms", ["cloudwatch:DescribeAlarms"])
        assert sorted(statement["Resource"]) == arns
        [plain] = [p for a, p in h.policies(rt_plain).items() if a.endswith(suffix)]
        assert not [s for s in h.statements(plain) if s.get("Sid") == "DescribeRollbackAlarms"]


def test_linear_with_user_alarms_only_in_approved_deployment(ad):
    plan = ad.plan(
        endpoint_instance_count=4,
        endpoint_deployment_config={
            "traffic_routing_type": "LINEAR",
            "size_type": "INSTANCE_COUNT",
            "size_value": 1,
            "wait_interval_seconds": 60,
            "maximum_execution_timeout_seconds": 900,
            "alarm_names": ["churn-p99"],
        },
    )
    states = _states(plan)
    assert states["UpdateEndpoint"]["Parameters"]["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "WaitIntervalInSeconds": 60,
                "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1},
            },
            "MaximumExecutionTimeoutInSeconds": 900,
            "TerminationWaitInSeconds": 0,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-p99"}]},
    }
    assert "EndpointRolledBack" in states
    assert not [a for a in h.of_type(plan, "aws_cloudwatch_metric_alarm").values() if "rollback" in a["alarm_name"]]


def test_all_at_once_without_alarms_has_no_auto_rollback(ad):
    plan = ad.plan(
        endpoint_deployment_config={
            "traffic_routing_type": "ALL_AT_ONCE",
            "wait_interval_seconds": 0,
            "maximum_execution_timeout_seconds": 600,
        }
    )
    assert _states(plan)["UpdateEndpoint"]["Parameters"]["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
            "MaximumExecutionTimeoutInSeconds": 600,
            "TerminationWaitInSeconds": 0,
        }
    }


RT = "(In the root module, endpoint_deployment_config is retraining_endpoint_deployment_config.)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"traffic_routing_type": "BLUE"},
            'The endpoint_deployment_config.traffic_routing_type must be "ALL_AT_ONCE", "CANARY" or "LINEAR"',
        ),
        (
            {"size_type": "PERCENT"},
            'The endpoint_deployment_config.size_type must be "INSTANCE_COUNT" or "CAPACITY_PERCENT"',
        ),
        ({"size_value": 0}, "The endpoint_deployment_config.size_value must be a whole number of at least 1"),
        ({"size_value": 60}, "The endpoint_deployment_config.size_value must be at most 50 (percent) for CANARY"),
        ({"traffic_routing_type": "LINEAR", "size_value": 5}, "must be 10-50 (percent) for LINEAR"),
        (
            {"traffic_routing_type": "ALL_AT_ONCE"},
            "The endpoint_deployment_config.size_type and size_value must be null for the ALL_AT_ONCE",
        ),
        (
            {"wait_interval_seconds": 3601},
            "The endpoint_deployment_config.wait_interval_seconds must be a whole number from 0 to 3600",
        ),
        (
            {"maximum_execution_timeout_seconds": 599},
            "maximum_execution_timeout_seconds must be a whole number from 600 to 28800",
        ),
        (
            {"maximum_execution_timeout_seconds": None},
            "maximum_execution_timeout_seconds must be a whole number from 600 to 28800",
        ),
        ({"termination_wait_seconds": -1}, "termination_wait_seconds must be a whole number from 0 to 3600"),
        ({"alarm_names": [""]}, "alarm_names must be a list of CloudWatch alarm names of 1-255 characters"),
        (
            {"alarm_names": [f"a{i}" for i in range(9)]},
            "names 11 alarms (alarm_names, plus 2 with create_alarms); SageMaker AutoRollbackConfig takes at most 10",
        ),
        (
            {"wait_interval_seconds": 1700},
            "maximum_execution_timeout_seconds must be larger than wait_interval_seconds + termination_wait_seconds",
        ),
        ({"canary": True}, "The endpoint_deployment_config has no field canary"),
        (
            {"size_type": "INSTANCE_COUNT", "size_value": 1},
            "size_value (1 instances) must be at most 50% of the endpoint's instance count (1, churn) for CANARY",
        ),
    ],
)
def test_bad_configs_are_refused_naming_the_field(rt, change, expected):
    message = _message(rt, endpoint_deployment_config={**CANARY, **change})
    assert expected in message
    assert RT in message


def test_the_wait_must_cover_the_rollout(rt):
    message = _message(rt, endpoint_wait_timeout_seconds=1800, endpoint_deployment_config=CANARY)
    assert (
        "The endpoint_wait_timeout_seconds (in the root module: retraining_endpoint_wait_timeout_seconds) must be at "
        "least endpoint_deployment_config.maximum_execution_timeout_seconds + termination_wait_seconds (1920)"
    ) in message


def test_rendered_rollout_definitions_pass_asl_validator_and_keep_the_endpoint_paths(rt_canary, ad, tmp_path):
    ec.assert_endpoint_status_paths({"States": _states(rt_canary)}, max_polls=60, after_check="FingerprintData")
    linear = ad.plan(
        endpoint_deployment_config={
            "traffic_routing_type": "LINEAR",
            "size_type": "CAPACITY_PERCENT",
            "size_value": 25,
            "wait_interval_seconds": 120,
            "maximum_execution_timeout_seconds": 1200,
            "alarm_names": ["it's {odd}"],  # quote and braces are escaped in the States.Format of the cause
        }
    )
    for i, plan in enumerate((rt_canary, linear)):
        for j, definition in enumerate(d for d in h.definitions(plan).values() if "UpdateEndpoint" in d["States"]):
            path = tmp_path / f"definition-{i}-{j}.json"
            path.write_text(json.dumps(definition))
            run = subprocess.run([str(h.ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True)
            assert run.returncode == 0, run.stdout + run.stderr
    cause = _states(linear)["EndpointRolledBack"]["Parameters"]["Cause.$"]
    assert "(it\\'s \\{odd\\})" in cause
