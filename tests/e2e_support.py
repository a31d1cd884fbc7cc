"""Helpers of the tests that execute state machines on the local emulator (scripts/moto_extensions.py), and the one
fixture factory of the e2e test modules: an example applied on the emulator, torn down after the module."""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import tfharness

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

    def explain(self) -> str:
        """What an assertion message needs to name a failure: the path taken, every failure event's error and cause
        (task, Lambda, execution), and the input of the last state entered (a Fail state's input carries the caught
        error of the state that failed)."""
        failures = [
            {"type": e["type"], **details}
            for e in self.events
            for key, details in e.items()
            if key.endswith("FailedEventDetails") or key.endswith("TimedOutEventDetails")
        ]
        entered = [e for e in self.events if e["type"].endswith("StateEntered")]
        last_input = entered[-1]["stateEnteredEventDetails"].get("input") if entered else None
        return json.dumps(
            {
                "status": self.status,
                "error": self.error,
                "cause": self.cause,
                "states_entered": self.states_entered(),
                "failures": failures,
                "last_state_input": last_input,
            },
            indent=1,
        )

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


def distributed_map(
    reader: dict[str, Any], item: dict[str, Any] | None = None, execution_type: str = "STANDARD", **extra: Any
) -> dict[str, Any]:
    """A definition with one Distributed Map state, "Items", over a JSON array in S3 (``reader``: the ItemReader's
    Parameters), each item through one state, "Item" (default: passed through); ``extra``: more fields of the Map
    state (a Catch, ...); a Catch's Next may be "Caught", a Pass state that ends the execution."""
    return {
        "StartAt": "Items",
        "States": {
            "Items": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": reader,
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
                    "StartAt": "Item",
                    "States": {"Item": {"Type": "Pass", "End": True, **(item or {})}},
                },
                "End": True,
                **extra,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
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


# ---------------------------------------------------------------------------------------------------------------------
# An example applied on the emulator for a test module
# ---------------------------------------------------------------------------------------------------------------------
# A customer managed key created in the same apply as the workflow (a file beside an example; the module call's
# override passes `kms_key_arn = aws_kms_key.e2e.arn`), and its ARN as output e2e_kms_key_arn.
KMS_KEY_TF = """# Written by an e2e test: the team's own KMS key, created in the same apply.
resource "aws_kms_key" "e2e" {
  description             = "e2e test key"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}

output "e2e_kms_key_arn" {
  value = aws_kms_key.e2e.arn
}
"""


def sse_kms(key_arn: str) -> dict[str, str]:
    """put_object arguments that name the key (the artifact bucket refuses uploads that do not, with a key)."""
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn}


def tf_vars(name_prefix: str, **extra: Any) -> dict[str, Any]:
    """The inputs of an example applied by an e2e module: its own name prefix (so that modules sharing one emulator
    never meet), the oldest runtime the module accepts, and a bucket Terraform may empty on destroy."""
    return {"name_prefix": name_prefix, "lambda_runtime": "python3.8", "artifact_bucket_force_destroy": True, **extra}


@contextlib.contextmanager
def applied(
    emulator: Any,
    workdir: Path,
    example: Path,
    variables: dict[str, Any],
    module_override: str,
    files: dict[str, str] | None = None,
    **extensions: Any,
) -> Iterator[dict[str, Any]]:
    """The example applied on the emulator with its extensions installed (endpoint_transition_seconds=..., the
    options of scripts/emulator.py's install_extensions), module_override as a `*_override.tf` of the module call and
    `files` (name => HCL, e.g. a resource the override refers to) beside it; yields the outputs; destroys what it
    applied and uninstalls the extensions, whatever happened."""
    from scripts import moto_extensions as mx

    emulator.install_extensions(**extensions)
    fixture = None
    try:
        fixture = tfharness.Fixture(example, workdir, provider=None)
        emulator.write_override(fixture.dir)
        (fixture.dir / "zz_e2e_module_override.tf").write_text(module_override)
        for name, text in (files or {}).items():
            (fixture.dir / name).write_text(text)
        fixture.apply(**variables)
        yield fixture.output()
    finally:
        try:
            if fixture is not None:
                fixture.destroy(**variables)
        finally:
            mx.uninstall()


def workflow_fixture(
    example: Path,
    name_prefix: str,
    module_override: str,
    build: Callable[[Any, dict[str, Any]], Any],
    extra_vars: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
    **extensions: Any,
) -> Any:
    """A module-scoped `workflow` fixture: the example applied once for the module (see applied), and
    build(emulator, outputs) made of it. A module that uses it is in the e2e layer (tests/conftest.py) and keeps
    its tests on one worker with an xdist_group marker, so that it is applied once per run."""

    @pytest.fixture(scope="module")
    def workflow(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        variables = tf_vars(name_prefix, **(extra_vars or {}))
        workdir = tmp_path_factory.mktemp(name_prefix)
        with applied(emulator, workdir, example, variables, module_override, files, **extensions) as outputs:
            yield build(emulator, outputs)

    return workflow


def subscribed_queue(emulator: Any, topic_arn: str, queue_name: str) -> tuple[Any, str]:
    """An SQS queue subscribed to the SNS topic (how the tests read notifications): the SQS client and its URL."""
    sqs = emulator.client("sqs")
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    emulator.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return sqs, queue_url
