"""Deployment guardrails end to end on the local emulator: examples/hourly_retraining applied with
retraining_endpoint_deployment_config (a canary blue/green UpdateEndpoint with the module's default rollback alarms),
one rollout that completes and one that an alarm rolls back.

The emulator models the rollout (scripts/moto_extensions.py, hook endpoint_rollouts): UpdateEndpoint with a
DeploymentConfig keeps the endpoint Updating for the compressed rollout, then serves the new config; an
AutoRollbackConfiguration alarm in ALARM state during it (set here with cloudwatch set_alarm_state, as a burst of 5xx
errors on the canary would) sends it RollingBack and then InService with the old config. The workflow must tell the
two apart: deployed and recorded as champion, or rolled back, notified once and not recorded.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests import e2e_support as e2e
from tests.test_e2e_retraining import EXAMPLE, build

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_rollout")]

NAME_PREFIX = "rbe2e"
ALARM_5XX = f"{NAME_PREFIX}-churn-rt-rollback-5xx"
TRANSITION_SECONDS = 2
ROLLOUT_SECONDS = 8

# The smallest rollout AWS allows: a maximum execution timeout of 600 s, which the workflow's wait must cover (so a
# 600 s wait, polled every 2 s: 300 polls, within the 500 the module allows).
MODULE_OVERRIDE = """# Written by tests/test_e2e_rollout.py: a canary rollout with the default rollback alarms.
module "ml_workflows" {
  retraining_endpoint_poll_seconds         = 2
  retraining_endpoint_wait_timeout_seconds = 600
  retraining_endpoint_deployment_config = {
    traffic_routing_type              = "CANARY"
    size_type                         = "CAPACITY_PERCENT"
    size_value                        = 50
    wait_interval_seconds             = 60
    maximum_execution_timeout_seconds = 600
    create_alarms                     = true
  }
}
"""


def _workflow(emulator: Any, outputs: dict[str, Any]) -> Any:
    flow = build(NAME_PREFIX)(emulator, outputs)
    flow.cloudwatch = emulator.client("cloudwatch")
    return flow


workflow = e2e.workflow_fixture(
    EXAMPLE,
    NAME_PREFIX,
    MODULE_OVERRIDE,
    _workflow,
    endpoint_transition_seconds=TRANSITION_SECONDS,
    endpoint_rollout_seconds=ROLLOUT_SECONDS,
)


@pytest.fixture(scope="module")
def first_hour(workflow) -> e2e.Execution:
    """The first run creates the endpoint (CreateEndpoint: no deployment config), a candidate at 0.9333."""
    run = workflow.run_hour(wrong_validation_labels=4)
    assert run.status == "SUCCEEDED" and run.output["status"] == "deployed", run.output
    return run


def test_the_module_created_the_rollback_alarms(workflow, first_hour):
    alarms = workflow.cloudwatch.describe_alarms(AlarmNamePrefix=f"{NAME_PREFIX}-churn-rt-rollback-")["MetricAlarms"]
    by_name = {a["AlarmName"]: a for a in alarms}
    assert set(by_name) == {ALARM_5XX, f"{NAME_PREFIX}-churn-rt-rollback-latency"}
    assert {d["Name"]: d["Value"] for d in by_name[ALARM_5XX]["Dimensions"]} == {
        "EndpointName": workflow.endpoint,
        "VariantName": "AllTraffic",
    }


def test_a_rollout_that_completes_serves_the_new_config_and_records_the_champion(workflow, first_hour):
    run = workflow.run_hour(wrong_validation_labels=2)  # 0.9667 beats the 0.9333 champion

    assert run.status == "SUCCEEDED" and run.output["status"] == "deployed", run.output
    entered = run.states_entered()
    assert "UpdateEndpoint" in entered and "EndpointRolledBack" not in entered
    # The rollout kept the endpoint Updating for longer than one plain transition: several polls after the update.
    after_update = entered[entered.index("UpdateEndpoint") :]
    assert after_update.count("DescribeEndpoint") >= ROLLOUT_SECONDS // 2 - 1
    endpoint = workflow.endpoint_state()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == run.output["endpoint_config"]
    policy = endpoint["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    assert policy["TrafficRoutingConfiguration"]["CanarySize"] == {"Type": "CAPACITY_PERCENT", "Value": 50}
    assert endpoint["LastDeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"] == [
        {"AlarmName": ALARM_5XX},
        {"AlarmName": f"{NAME_PREFIX}-churn-rt-rollback-latency"},
    ]
    # The champion now is this candidate: its config's metric tag is what the next gate compares with.
    assert float(workflow.config_tags(endpoint["EndpointConfigName"])["sfn-ml:metric-value"]) == pytest.approx(
        1 - 2 / 60, abs=1e-4
    )
    [note] = workflow.mailbox.about(run)
    assert note["Subject"] == f"[{NAME_PREFIX}] retraining churn: new model deployed"


def test_a_rollout_rolled_back_by_an_alarm_keeps_the_old_config_and_is_notified_once(workflow, first_hour):
    serving = workflow.endpoint_state()["EndpointConfigName"]
    champion = workflow.config_tags(serving)["sfn-ml:metric-value"]
    workflow.upload(wrong_validation_labels=0)  # 1.0: the best candidate there could be
    arn = workflow.start()
    deadline = time.monotonic() + 120
    while "UpdateEndpoint" not in e2e.wait_states(workflow.sfn, arn) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workflow.endpoint_state()["EndpointStatus"] == "Updating"
    # 5xx errors on the canary: the alarm SageMaker watches goes into ALARM during the rollout.
    workflow.cloudwatch.set_alarm_state(AlarmName=ALARM_5XX, StateValue="ALARM", StateReason="5xx on the new fleet")
    try:
        run = e2e.wait(workflow.sfn, arn, timeout=120)
    finally:
        workflow.cloudwatch.set_alarm_state(AlarmName=ALARM_5XX, StateValue="OK", StateReason="test over")

    assert run.status == "FAILED" and run.error == "RetrainingFailed"
    assert run.states_entered()[-5:] == [
        "EndpointReady",
        "EndpointRolledBack",
        "NotifyFailure",
        "ReleaseLockBeforeFailed",
        "Failed",
    ]
    endpoint = workflow.endpoint_state()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == serving  # the old config is back in service
    assert ALARM_5XX in endpoint["FailureReason"]
    # The candidate is not the champion: the serving config and its recorded metric are unchanged.
    assert workflow.config_tags(serving)["sfn-ml:metric-value"] == champion
    notes = workflow.mailbox.about(run)
    assert len(notes) == 1
    assert "failed with EndpointDeploymentRolledBack" in notes[0]["Message"]
    assert f"serves {serving} again" in notes[0]["Message"]
    assert ALARM_5XX in notes[0]["Message"]
    # The lock is released: the next hour's run may deploy.
    assert "Item" not in workflow.dynamodb.get_item(
        TableName=f"{NAME_PREFIX}-endpoint-locks", Key={"lock_key": {"S": workflow.endpoint}}, ConsistentRead=True
    )
