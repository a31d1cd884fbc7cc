"""Helpers of the tests that execute state machines on the local emulator (scripts/moto_extensions.py)."""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def unique(prefix: str) -> str:
    """A SageMaker-valid name that no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def iris_like_csv(rows: int, seed: int, wrong_labels: int = 0) -> str:
    """Rows of three well separated classes; see scripts.local_containers.iris_like_csv."""
    from scripts.local_containers import iris_like_csv as make

    return make(rows, seed, wrong_labels)


@dataclass
class Execution:
    arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    events: list[dict[str, Any]]

    def states_entered(self) -> list[str]:
        """Names of the states entered, in order (the path taken)."""
        return [e["stateEnteredEventDetails"]["name"] for e in self.events if e["type"].endswith("StateEntered")]

    def task_failures(self) -> list[dict[str, Any]]:
        return [e["taskFailedEventDetails"] for e in self.events if e["type"] == "TaskFailed"]

    def task_outputs(self, state: str) -> list[Any]:
        """Outputs of the Task state's successful attempts, parsed."""
        current, outputs = None, []
        for event in self.events:
            if event["type"].endswith("StateEntered"):
                current = event["stateEnteredEventDetails"]["name"]
            elif event["type"] == "TaskSucceeded" and current == state:
                outputs.append(json.loads(event["taskSucceededEventDetails"]["output"]))
        return outputs


def wait(sfn: Any, execution_arn: str, timeout: float = 120) -> Execution:
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] in TERMINAL:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} still {described['status']} after {timeout} s")
        time.sleep(0.2)
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return Execution(
        arn=execution_arn,
        status=described["status"],
        output=json.loads(described["output"]) if described.get("output") else None,
        error=described.get("error"),
        cause=described.get("cause"),
        events=events,
    )


def wait_states(sfn: Any, execution_arn: str) -> list[str]:
    """The states the execution has entered so far (it may still be running)."""
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]


def run(sfn: Any, state_machine_arn: str, payload: Any = None, timeout: float = 120, **kwargs: Any) -> Execution:
    started = sfn.start_execution(stateMachineArn=state_machine_arn, input=json.dumps(payload or {}), **kwargs)
    return wait(sfn, started["executionArn"], timeout)


# The role of the small state machines the emulator tests create. The emulator evaluates IAM (scripts/moto_iam.py):
# tests that are not about IAM run as a role that allows every action, so that what they assert is the behaviour
# under test; tests of IAM itself create roles of their own (tests/test_emulator_iam.py).
ANY_ACTION_ROLE = "sfn-test-any-action"


def any_action_role(sfn: Any) -> str:
    """The ARN of a role whose policy allows every action on every resource (created on first use)."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=sfn.meta.endpoint_url,
        region_name=sfn.meta.region_name,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    try:
        return iam.get_role(RoleName=ANY_ACTION_ROLE)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        pass
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = iam.create_role(RoleName=ANY_ACTION_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_role_policy(RoleName=ANY_ACTION_ROLE, PolicyName="any-action", PolicyDocument=json.dumps(policy))
    return arn


def state_machine(sfn: Any, definition: dict[str, Any], name: str | None = None, role_arn: str | None = None) -> str:
    return sfn.create_state_machine(
        name=name or unique("sm"),
        definition=json.dumps(definition),
        roleArn=role_arn or any_action_role(sfn),
    )["stateMachineArn"]


def one_task(resource: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A definition with a single Task state."""
    return {
        "StartAt": "Task",
        "States": {"Task": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True, **extra}},
    }


def zip_package(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def poll(describe: Any, status_key: str, done: set[str], timeout: float = 60) -> dict[str, Any]:
    """Call describe() until its status_key is in done."""
    deadline = time.monotonic() + timeout
    while True:
        result = describe()
        if result[status_key] in done:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{status_key} still {result[status_key]} after {timeout} s")
        time.sleep(0.2)
