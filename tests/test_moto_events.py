"""Tests of the emulator's EventBridge hooks (scripts/moto_events.py): status change events and SNS delivery."""

from __future__ import annotations

import copy
import json
import time

import pytest

from scripts import moto_events, moto_timing
from scripts import moto_extensions as mx
from scripts.mailbox import Mailbox
from tests import e2e_support as e2e

ACCOUNT = "123456789012"


def _until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def emu(emulator):
    from moto.core.config import default_user_config

    emulator.executor_before = copy.deepcopy(default_user_config.get("stepfunctions"))
    emulator.install_extensions(enforce_iam=False)
    yield emulator
    mx.uninstall()


@pytest.fixture(scope="module")
def clients(emu):
    return {name: emu.client(name) for name in ("stepfunctions", "events", "sns", "sqs", "kms")}


def _publish_policy(topic_arn: str, rule_arns: list[str]) -> str:
    """The notifications module's statement: events.amazonaws.com may publish on behalf of these rules."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": ACCOUNT},
                        "ArnLike": {"aws:SourceArn": rule_arns},
                    },
                }
            ],
        }
    )


def _key_policy(events_may_use: bool) -> str:
    statements = [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
    ]
    if events_may_use:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*",
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class Alerted:
    """A state machine, a rule on its failed/timed-out/aborted executions to a topic, and a mailbox on the topic."""

    def __init__(self, clients, *, policy_allows: bool = True, kms: str | None = None) -> None:
        sfn, events, sns = clients["stepfunctions"], clients["events"], clients["sns"]
        definition = {
            "StartAt": "Branch",
            "States": {
                "Branch": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Fail"}],
                    "Default": "Hold",
                },
                "Hold": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Done"},
                "Done": {"Type": "Succeed"},
                "Fail": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"},
            },
            "TimeoutSeconds": 3600,
        }
        self.sfn = sfn
        self.machine = e2e.state_machine(sfn, definition)
        name = e2e.unique("alerts")
        attributes = {} if kms is None else {"KmsMasterKeyId": kms}
        self.topic = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        pattern = {
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": [self.machine]},
        }
        self.rule = events.put_rule(Name=name, EventPattern=json.dumps(pattern))["RuleArn"]
        events.put_targets(
            Rule=name,
            Targets=[
                {
                    "Id": "notifications",
                    "Arn": self.topic,
                    "InputTransformer": {
                        "InputPathsMap": {"name": "$.detail.name", "status": "$.detail.status"},
                        "InputTemplate": '"execution <name> ended <status>"',
                    },
                }
            ],
        )
        allowed = [self.rule] if policy_allows else [self.rule + "-another"]
        sns.set_topic_attributes(
            TopicArn=self.topic, AttributeName="Policy", AttributeValue=_publish_policy(self.topic, allowed)
        )
        self.mailbox = Mailbox(clients["sqs"], sns, [self.topic], name)

    def run(self, name: str, **input_: object) -> e2e.Execution:
        arn = self.sfn.start_execution(stateMachineArn=self.machine, name=name, input=json.dumps(input_))[
            "executionArn"
        ]
        return e2e.wait(self.sfn, arn, timeout=20)

    def notices(self, name: str, timeout: float = 3) -> list[str]:
        return [m.text for m in self.mailbox.about(name, timeout=timeout)]


def test_failed_timed_out_and_aborted_executions_reach_the_topic_once_each(clients):
    alerted = Alerted(clients)
    assert alerted.run("fails", fail=True).status == "FAILED"
    (notice,) = alerted.notices("fails")
    assert "execution fails ended FAILED" in notice  # the target's input transformer built it

    assert alerted.run("succeeds", fail=False, wait=0).status == "SUCCEEDED"
    assert alerted.notices("succeeds", timeout=1) == []  # the rule's pattern leaves successes out

    arn = alerted.sfn.start_execution(
        stateMachineArn=alerted.machine, name="stopped", input='{"fail": false, "wait": 600}'
    )["executionArn"]
    _until(lambda: "Hold" in e2e.wait_states(alerted.sfn, arn), timeout=10)
    alerted.sfn.stop_execution(executionArn=arn)
    assert e2e.wait(alerted.sfn, arn, timeout=10).status == "ABORTED"
    assert len(alerted.notices("stopped")) == 1

    arn = alerted.sfn.start_execution(
        stateMachineArn=alerted.machine, name="late", input='{"fail": false, "wait": 600}'
    )["executionArn"]
    _until(lambda: "Hold" in e2e.wait_states(alerted.sfn, arn), timeout=10)
    moto_timing.time_out_execution(arn)
    assert e2e.wait(alerted.sfn, arn, timeout=10).status == "TIMED_OUT"
    assert len(alerted.notices("late")) == 1


def test_the_event_detail_is_describe_execution(clients, emu):
    """A rule targeting a queue (moto's own delivery) sees the whole event: the envelope and DescribeExecution."""
    sfn, events, sqs = clients["stepfunctions"], clients["events"], clients["sqs"]
    machine = e2e.state_machine(
        sfn, {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "E", "Cause": "C"}}}
    )
    queue = sqs.create_queue(QueueName=e2e.unique("events"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name = e2e.unique("all-events")
    events.put_rule(
        Name=name, EventPattern=json.dumps({"source": ["aws.states"], "detail": {"stateMachineArn": [machine]}})
    )
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue_arn}])

    arn = sfn.start_execution(stateMachineArn=machine, input='{"x": 1}')["executionArn"]
    assert e2e.wait(sfn, arn, timeout=10).status == "FAILED"
    received = []
    _until(
        lambda: (
            received.extend(json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue).get("Messages", []))
            or len(received) >= 2
        ),
        timeout=10,
    )
    started, ended = received
    assert [started["detail"]["status"], ended["detail"]["status"]] == ["RUNNING", "FAILED"]
    assert ended["source"] == "aws.states" and ended["detail-type"] == "Step Functions Execution Status Change"
    assert ended["resources"] == [arn]
    described = sfn.describe_execution(executionArn=arn)
    assert ended["detail"]["executionArn"] == arn and ended["detail"]["stateMachineArn"] == machine
    assert ended["detail"]["error"] == described["error"] == "E" and ended["detail"]["cause"] == "C"
    assert ended["detail"]["input"] == '{"x":1}' and ended["detail"]["stopDate"] >= ended["detail"]["startDate"]
    assert started["detail"]["stopDate"] is None and "error" not in started["detail"]


def test_a_topic_policy_without_the_rule_gets_nothing(clients):
    alerted = Alerted(clients, policy_allows=False)
    assert alerted.run("denied", fail=True).status == "FAILED"
    assert alerted.notices("denied", timeout=1) == []
    failed = [f for f in moto_events.failed_deliveries() if f.rule_arn == alerted.rule]
    assert failed and "does not allow events.amazonaws.com sns:Publish" in failed[-1].reason


def test_an_aws_managed_key_blocks_delivery_and_a_customer_key_must_allow_eventbridge(clients):
    managed = Alerted(clients, kms="alias/aws/sns")
    assert managed.run("managed", fail=True).status == "FAILED"
    assert managed.notices("managed", timeout=1) == []

    closed_key = clients["kms"].create_key(Policy=_key_policy(events_may_use=False))["KeyMetadata"]["Arn"]
    closed = Alerted(clients, kms=closed_key)
    assert closed.run("closed", fail=True).status == "FAILED"
    assert closed.notices("closed", timeout=1) == []
    assert "does not allow events.amazonaws.com kms:GenerateDataKey" in moto_events.failed_deliveries()[-1].reason

    open_key = clients["kms"].create_key(Policy=_key_policy(events_may_use=True))["KeyMetadata"]["Arn"]
    opened = Alerted(clients, kms=open_key)
    assert opened.run("opened", fail=True).status == "FAILED"
    assert len(opened.notices("opened")) == 1


def test_a_disabled_rule_delivers_nothing(clients):
    alerted = Alerted(clients)
    clients["events"].disable_rule(Name=alerted.rule.rsplit("/", 1)[1])
    assert alerted.run("disabled", fail=True).status == "FAILED"
    assert alerted.notices("disabled", timeout=1) == []


def test_a_scheduled_rule_gets_no_event(clients, caplog):
    """A rule with a schedule (and a state machine target, which moto cannot deliver to) matches no event."""
    events = clients["events"]
    alerted = Alerted(clients)
    name = e2e.unique("hourly")
    events.put_rule(Name=name, ScheduleExpression="rate(1 hour)")
    events.put_targets(
        Rule=name, Targets=[{"Id": "machine", "Arn": alerted.machine, "RoleArn": e2e.any_action_role(alerted.sfn)}]
    )
    with caplog.at_level("WARNING", logger="scripts.moto_events"):
        assert alerted.run("scheduled", fail=True).status == "FAILED"
        assert len(alerted.notices("scheduled")) == 1  # the pattern rule still gets it
    assert not [r for r in caplog.records if name in r.getMessage()]
