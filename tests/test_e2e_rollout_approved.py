"""Deployment guardrails in the approved-deployment workflow, end to end on the local emulator:
examples/approved_deployment applied with approved_deployment_endpoint_deployment_config (a canary blue/green
UpdateEndpoint with the module's default rollback alarms); an approved commit's rollout that completes and one that an
alarm rolls back (set with cloudwatch set_alarm_state during the rollout, hook endpoint_rollouts of
scripts/moto_extensions.py). Approvals go through the signed links, as in tests/test_e2e_approved_deployment.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests import e2e_support as e2e
from tests.test_e2e_approved_deployment import EXAMPLE, build

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_rollout_approved")]

NAME_PREFIX = "are2e"  # apart from tests/test_e2e_approved_deployment.py, whose leftovers may share the emulator
ALARM_5XX = f"{NAME_PREFIX}-cd-rollback-5xx"
ROLLOUT_SECONDS = 8

MODULE_OVERRIDE = """# Written by tests/test_e2e_rollout_approved.py: a canary rollout with the default rollback alarms.
module "ml_workflows" {
  approved_deployment_endpoint_poll_seconds         = 2
  approved_deployment_endpoint_wait_timeout_seconds = 600
  approved_deployment_endpoint_deployment_config = {
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
    {"repository": None},
    endpoint_transition_seconds=2,
    endpoint_rollout_seconds=ROLLOUT_SECONDS,
)


def _approve(workflow, commit: str) -> str:
    arn = workflow.start(commit)
    links = workflow.approval_mail(arn)
    page = workflow.browser.open(links["approve"])
    workflow.browser.submit(page, links["approve"], name="alice@example.com", comment="rollout test")
    return arn


@pytest.fixture(scope="module")
def created(workflow) -> e2e.Execution:
    """The first approved commit creates the endpoint (CreateEndpoint takes no deployment config)."""
    run = e2e.wait(workflow.sfn, _approve(workflow, "a" * 40), timeout=120)
    assert run.status == "SUCCEEDED" and run.output["status"] == "deployed", run.explain()
    return run


def test_an_approved_rollout_that_completes_serves_the_new_config(workflow, created):
    commit = "b" * 40
    run = e2e.wait(workflow.sfn, _approve(workflow, commit), timeout=120)

    assert run.status == "SUCCEEDED" and run.output["status"] == "deployed", run.explain()
    entered = run.states_entered()
    assert "UpdateEndpoint" in entered and "EndpointRolledBack" not in entered
    endpoint = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)
    assert endpoint["EndpointConfigName"] == run.output["endpoint_config"]
    assert endpoint["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    assert {a["AlarmName"] for a in endpoint["LastDeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]} == {
        ALARM_5XX,
        f"{NAME_PREFIX}-cd-rollback-latency",
    }
    assert workflow.config_tags(endpoint["EndpointConfigName"])["sfn-ml:commit"] == commit


def test_an_approved_rollout_rolled_back_by_an_alarm_keeps_the_old_config(workflow, created):
    serving = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)["EndpointConfigName"]
    arn = _approve(workflow, "c" * 40)
    deadline = time.monotonic() + 120
    while "UpdateEndpoint" not in e2e.wait_states(workflow.sfn, arn) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)["EndpointStatus"] == "Updating"
    workflow.cloudwatch.set_alarm_state(AlarmName=ALARM_5XX, StateValue="ALARM", StateReason="5xx on the new fleet")
    try:
        run = e2e.wait(workflow.sfn, arn, timeout=120)
    finally:
        workflow.cloudwatch.set_alarm_state(AlarmName=ALARM_5XX, StateValue="OK", StateReason="test over")

    assert run.status == "FAILED" and run.error == "ApprovedDeploymentFailed", run.explain()
    entered = run.states_entered()
    assert "EndpointRolledBack" in entered, entered
    rolled_back = entered.index("EndpointRolledBack")
    assert entered[rolled_back - 1 : rolled_back + 2] == ["EndpointReady", "EndpointRolledBack", "NotifyFailure"]
    assert entered[-1] == "Failed"
    endpoint = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)
    assert endpoint["EndpointStatus"] == "InService" and endpoint["EndpointConfigName"] == serving
    notes = workflow.mailbox.about(arn.rsplit(":", 1)[1], subject="run failed")
    assert len(notes) == 1
    assert "EndpointDeploymentRolledBack" in notes[0].text and f"serves {serving} again" in notes[0].text
