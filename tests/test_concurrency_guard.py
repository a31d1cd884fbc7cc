"""The retraining workflow's concurrency guard (an endpoint lock in DynamoDB) and the emulator's timing hooks.

On AWS, ListExecutions is eventually consistent (a just-started execution may be missing, even from its own
listing), EventBridge delivers at least once (two executions can start in the same instant), and a redriven
execution resumes with its own execution ARN. scripts/moto_timing.py makes the emulator behave so; these tests show
that the guard holds under each: never two runs on one endpoint, never an uncaught failure.

Plan tests assert the states and IAM; the e2e tests apply examples/hourly_retraining on the emulator.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from scripts import local_containers, moto_timing
from scripts import moto_extensions as mx
from tests import e2e_support as e2e
from tests import tfharness as h
from tests.test_e2e_retraining import EXAMPLE, MODULE_OVERRIDE, build

# The e2e tests share one apply (the `workflow` fixture): one worker runs the module under `--dist loadgroup`.
pytestmark = pytest.mark.xdist_group("concurrency_guard")

NAME_PREFIX = "cge2e"
LOCK_TABLE = f"{NAME_PREFIX}-endpoint-locks"
SKIPPED_PATH = [
    "AcquireLock",
    "ReadLock",
    "IsLockHeld",
    "DescribeLockHolder",
    "IsLockHolderRunning",
    "SkipConcurrentRun",
]


# ---------------------------------------------------------------------------------------------------------------------
# Plan: the states and the IAM
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plan(planned):
    return planned("root")


@pytest.fixture(scope="module")
def asl(plan):
    return h.definitions(plan)["churn-churn-retraining"]


LOCK_KEY = {"lock_key": {"S": "churn-churn"}}


def test_lock_is_acquired_atomically_or_by_a_redriven_holder(asl):
    states = asl["States"]
    assert asl["StartAt"] == "AcquireLock"
    assert not any("listExecutions" in s.get("Resource", "") for s in states.values())
    acquire = states["AcquireLock"]
    assert acquire["Resource"] == "arn:aws:states:::dynamodb:putItem"
    params = acquire["Parameters"]
    assert params["TableName"] == "churn-endpoint-locks"
    assert params["Item"]["lock_key"] == {"S": "churn-churn"}
    assert params["Item"]["holder"] == {"S.$": "$$.Execution.Id"}
    assert params["ConditionExpression"] == "attribute_not_exists(lock_key) OR holder = :self"
    assert params["ExpressionAttributeValues"] == {":self": {"S.$": "$$.Execution.Id"}}
    assert acquire["Next"] == "PrepareRun"  # then the endpoint check, then training
    assert acquire["Catch"][0] == {
        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
        "ResultPath": "$.guard",
        "Next": "ReadLock",
    }
    assert acquire["Catch"][1]["ErrorEquals"] == ["States.ALL"] and acquire["Catch"][1]["Next"] == "NotifyFailure"
    # A failed condition is the answer, never retried.
    assert all("DynamoDB.ConditionalCheckFailedException" not in r["ErrorEquals"] for r in acquire["Retry"])


def test_a_held_lock_is_checked_by_describe_execution_and_taken_over_only_from_an_ended_holder(asl):
    states = asl["States"]
    read = states["ReadLock"]
    assert read["Resource"] == "arn:aws:states:::dynamodb:getItem"
    assert read["Parameters"] == {"TableName": "churn-endpoint-locks", "Key": LOCK_KEY, "ConsistentRead": True}
    assert "ResultSelector" not in read  # a missing item must not make a path fail with States.Runtime
    held = states["IsLockHeld"]
    assert held["Choices"] == [{"Variable": "$.guard.Item.holder.S", "IsPresent": False, "Next": "AcquireLock"}]
    describe = states["DescribeLockHolder"]
    assert describe["Resource"] == "arn:aws:states:::aws-sdk:sfn:describeExecution"
    assert describe["Parameters"] == {"ExecutionArn.$": "$.guard.Item.holder.S"}
    assert describe["Catch"][0]["ErrorEquals"] == ["Sfn.ExecutionDoesNotExistException"]
    assert describe["Catch"][0]["Next"] == "TakeOverLock"
    running = states["IsLockHolderRunning"]
    assert running["Choices"] == [
        {"Variable": "$.guard.holder.status", "StringEquals": "RUNNING", "Next": "SkipConcurrentRun"}
    ]
    assert running["Default"] == "TakeOverLock"
    take = states["TakeOverLock"]
    assert take["Parameters"]["ConditionExpression"] == "holder = :previous"
    assert take["Parameters"]["ExpressionAttributeValues"] == {":previous": {"S.$": "$.guard.Item.holder.S"}}
    assert take["Catch"][0]["ErrorEquals"] == ["DynamoDB.ConditionalCheckFailedException"]
    assert take["Catch"][0]["Next"] == "ReadLock"
    assert take["Next"] == "PrepareRun"
    assert states["SkipConcurrentRun"]["End"] is True


def test_the_lock_is_confirmed_before_the_endpoint_and_released_on_every_end_path(asl):
    states = asl["States"]
    assert states["DeployDecision"]["Choices"][0]["Next"] == "ConfirmLock"
    confirm = states["ConfirmLock"]
    assert confirm["Resource"] == "arn:aws:states:::dynamodb:updateItem"
    assert confirm["Parameters"]["ConditionExpression"] == "holder = :self"
    assert confirm["Next"] == "CreateModel"
    assert {c["Next"] for c in confirm["Catch"]} == {"NotifyFailure"}
    for end in ("Deployed", "Rejected", "Failed"):
        release = states[f"ReleaseLockBefore{end}"]
        assert release["Resource"] == "arn:aws:states:::dynamodb:deleteItem"
        assert release["Parameters"]["Key"] == LOCK_KEY
        assert release["Parameters"]["ConditionExpression"] == "holder = :self"
        assert release["Parameters"]["ExpressionAttributeValues"] == {":self": {"S.$": "$$.Execution.Id"}}
        assert release["Next"] == end and {c["Next"] for c in release["Catch"]} == {end}
    assert states["NotifyDeployed"]["Next"] == "ApplyRetention"  # still under the lock
    assert states["ApplyRetention"]["Next"] == "ReleaseLockBeforeDeployed"
    assert states["NotifyRejected"]["Next"] == "ReleaseLockBeforeRejected"
    assert states["NotifyFailure"]["Next"] == "ReleaseLockBeforeFailed"
    # Every path into an end state other than the skip goes through a release.
    graph = h.transitions(asl)
    for name, state in states.items():
        if state.get("End") or state["Type"] in ("Fail", "Succeed"):
            into = {n for n, nexts in graph.items() if name in nexts}
            assert name == "SkipConcurrentRun" or into == {f"ReleaseLockBefore{name}"}, (name, into)


def test_lock_table_and_iam(plan):
    table = h.one(plan, "module.endpoint_lock[0].aws_dynamodb_table.this")
    assert table["name"] == "churn-endpoint-locks"
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["hash_key"] == "lock_key"
    assert table["point_in_time_recovery"] == [{"enabled": True}]
    [policy] = [p for a, p in h.policies(plan).items() if a.endswith("aws_iam_role_policy.state_machine[0]")]
    statements = h.statements(policy)
    by_sid = {s["Sid"]: s for s in statements}
    assert sorted(by_sid["EndpointLock"]["Action"]) == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert by_sid["EndpointLock"]["Resource"] == ["arn:aws:dynamodb:us-east-1:123456789012:table/churn-endpoint-locks"]
    assert by_sid["DescribeLockHolder"]["Action"] == ["states:DescribeExecution"]
    assert by_sid["DescribeLockHolder"]["Resource"] == [
        "arn:aws:states:us-east-1:123456789012:execution:churn-churn-retraining:*"
    ]
    assert not any("states:ListExecutions" in s["Action"] for s in statements)


def test_lock_table_is_encrypted_with_the_given_key(planned):
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    table = h.one(planned("root", kms_key_arn=key), "module.endpoint_lock[0].aws_dynamodb_table.this")
    assert table["server_side_encryption"] == [{"enabled": True, "kms_key_arn": key}]


def test_approved_deployment_records_the_build_it_deploys_and_refuses_an_older_one(planned):
    plan = planned("approved_deployment")
    asl = h.definitions(plan)["churn-approved-deployment"]
    states = asl["States"]
    assert states["RequestApproval"]["Next"] == "RecordDeployment"
    record = states["RecordDeployment"]
    assert record["Resource"] == "arn:aws:states:::dynamodb:updateItem"
    params = record["Parameters"]
    assert params["TableName"] == "churn-endpoint-locks"
    endpoint = plan.outputs["approved_deployment_endpoint_name"]
    assert params["Key"] == {"lock_key": {"S": f"serving#{endpoint}"}}
    assert params["ConditionExpression"] == (
        "attribute_not_exists(built_at) OR built_at < :mine OR recorded_by = :self"
    )
    assert params["ExpressionAttributeValues"][":mine"] == {"S.$": "$$.Execution.StartTime"}
    assert params["ExpressionAttributeValues"][":self"] == {"S.$": "$$.Execution.Id"}
    # Then the endpoint's lock (shared with the retraining), and only then the endpoint config.
    assert record["Next"] == "AcquireEndpointLock"
    assert states["AcquireEndpointLock"]["Next"] == "CreateEndpointConfig"
    assert record["Catch"][0]["ErrorEquals"] == ["DynamoDB.ConditionalCheckFailedException"]
    assert record["Catch"][0]["Next"] == "DiscardSupersededCandidate"  # never deployed: its model is deleted
    assert states["DiscardSupersededCandidate"]["Next"] == "NotifySuperseded"
    assert states["NotifySuperseded"]["Next"] == "Superseded"
    assert states["Superseded"]["Parameters"]["status"] == "superseded" and states["Superseded"]["End"] is True
    # Nothing touches the endpoint before the record.
    assert not {"CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint"} & set(
        h.shortest_path(asl, "RecordDeployment")
    )
    [policy] = [
        p for a, p in h.policies(plan).items() if a.endswith("workflow_iam.aws_iam_role_policy.state_machine[0]")
    ]
    by_sid = {s["Sid"]: s for s in h.statements(policy)}
    assert by_sid["EndpointLock"]["Resource"] == ["arn:aws:dynamodb:us-east-1:123456789012:table/churn-endpoint-locks"]


# ---------------------------------------------------------------------------------------------------------------------
# The emulator's timing hooks (scripts/moto_timing.py)
# ---------------------------------------------------------------------------------------------------------------------
workflow = e2e.workflow_fixture(
    EXAMPLE, NAME_PREFIX, MODULE_OVERRIDE, build(NAME_PREFIX), endpoint_transition_seconds=2
)


def test_list_executions_lags_behind_a_start_describe_does_not(workflow):
    sfn = workflow.sfn
    definition = e2e.one_task(
        "arn:aws:states:::aws-sdk:sfn:listExecutions",
        {"StateMachineArn.$": "$$.StateMachine.Id", "StatusFilter": "RUNNING"},
        ResultSelector={"listed.$": "$.Executions"},
    )
    arn = e2e.state_machine(sfn, definition)
    assert moto_timing.DEFAULT_LIST_EXECUTIONS_LAG_SECONDS > 0
    with moto_timing.lag(3600):
        run = e2e.run(sfn, arn)
        assert run.status == "SUCCEEDED", run.cause
        assert run.output == {"listed": []}  # not even itself
        assert sfn.list_executions(stateMachineArn=arn)["executions"] == []
        assert sfn.describe_execution(executionArn=run.arn)["status"] == "SUCCEEDED"
    with moto_timing.lag(0):
        assert [e["executionArn"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]] == [run.arn]


def test_execution_start_time_is_an_iso_string_as_in_aws(workflow):
    definition = {
        "StartAt": "Pass",
        "States": {"Pass": {"Type": "Pass", "Parameters": {"started.$": "$$.Execution.StartTime"}, "End": True}},
    }
    run = e2e.run(workflow.sfn, e2e.state_machine(workflow.sfn, definition))
    assert run.status == "SUCCEEDED", run.cause
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", run.output["started"]), run.output


def test_conditional_writes_are_atomic_under_same_instant_writers(workflow):
    ddb = workflow.dynamodb
    key = e2e.unique("atomic")
    barrier = threading.Barrier(8)
    won: list[int] = []
    lost: list[int] = []

    def write(i: int) -> None:
        barrier.wait()
        try:
            ddb.put_item(
                TableName=LOCK_TABLE,
                Item={"lock_key": {"S": key}, "holder": {"S": str(i)}},
                ConditionExpression="attribute_not_exists(lock_key)",
            )
            won.append(i)
        except ddb.exceptions.ConditionalCheckFailedException:
            lost.append(i)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 7
    item = ddb.get_item(TableName=LOCK_TABLE, Key={"lock_key": {"S": key}}, ConsistentRead=True)["Item"]
    assert item["holder"] == {"S": str(won[0])}


# ---------------------------------------------------------------------------------------------------------------------
# The guard on the emulator
# ---------------------------------------------------------------------------------------------------------------------
class SlowTraining:
    """Training jobs of the workflow's image wait until released (a run that is still going)."""

    def __init__(self, workflow: Any) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.count = 0
        self._unregister = mx.register_container("training", f"{workflow.outputs['ecr_repository_url']}:*", self._train)

    def _train(self, run: local_containers.TrainingRun) -> dict[str, float]:
        self.count += 1
        self.started.release()
        self.release.wait(timeout=60)
        return local_containers.sklearn_training(run)

    def wait_started(self) -> None:
        assert self.started.acquire(timeout=60), "no training job started"

    def __enter__(self) -> SlowTraining:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self._unregister()


def lock_item(workflow: Any) -> dict[str, Any] | None:
    key = {"lock_key": {"S": workflow.endpoint}}
    return workflow.dynamodb.get_item(TableName=LOCK_TABLE, Key=key, ConsistentRead=True).get("Item")


def put_lock(workflow: Any, holder: str) -> None:
    workflow.dynamodb.put_item(
        TableName=LOCK_TABLE, Item={"lock_key": {"S": workflow.endpoint}, "holder": {"S": holder}}
    )


def test_a_lone_run_goes_on_while_the_list_is_empty_and_releases(workflow):
    """The list is empty (even of the run itself): the guard does not read it, and nothing fails at runtime."""
    with moto_timing.lag(3600):
        workflow.upload(wrong_validation_labels=4)
        arn = workflow.start()
        assert workflow.sfn.list_executions(stateMachineArn=workflow.outputs["state_machine_arn"])["executions"] == []
        run = e2e.wait(workflow.sfn, arn)
    assert run.status == "SUCCEEDED", run.explain()
    assert run.output["status"] == "deployed"
    assert run.states_entered()[:2] == ["AcquireLock", "PrepareRun"] and "Train" in run.states_entered()
    assert run.states_entered()[-2:] == ["ReleaseLockBeforeDeployed", "Deployed"]
    assert lock_item(workflow) is None


def test_a_just_started_run_missing_from_the_list_still_excludes_the_next(workflow):
    with moto_timing.lag(3600), SlowTraining(workflow) as slow:
        workflow.upload(wrong_validation_labels=7)
        earlier = workflow.start()
        slow.wait_started()
        assert workflow.sfn.list_executions(stateMachineArn=workflow.outputs["state_machine_arn"])["executions"] == []
        later = e2e.wait(workflow.sfn, workflow.start())
        assert e2e.wait_states(workflow.sfn, earlier)[-1] == "Train"
        assert lock_item(workflow)["holder"] == {"S": earlier}
    first = e2e.wait(workflow.sfn, earlier)
    assert later.status == "SUCCEEDED" and later.states_entered() == SKIPPED_PATH
    assert later.output["status"] == "skipped" and later.output["lock_holder"] == earlier
    assert workflow.mailbox.about(later, timeout=2) == []
    assert first.status == "SUCCEEDED" and first.output["status"] == "rejected"
    assert first.states_entered()[-2:] == ["ReleaseLockBeforeRejected", "Rejected"]
    assert lock_item(workflow) is None


def test_two_starts_in_the_same_instant_exactly_one_trains(workflow):
    with SlowTraining(workflow) as slow:
        workflow.upload(wrong_validation_labels=7)
        payload = workflow.outputs["schedule_input"]
        arns = moto_timing.start_together(workflow.sfn, workflow.outputs["state_machine_arn"], [payload, payload])
        slow.wait_started()
        # The one that does not hold the lock ends while the other still trains.
        holder = lock_item(workflow)["holder"]["S"]
        other = next(a for a in arns if a != holder)
        loser = e2e.wait(workflow.sfn, other)
        assert e2e.wait_states(workflow.sfn, holder)[-1] == "Train"
    winner = e2e.wait(workflow.sfn, holder)
    assert sorted(arns) == sorted([holder, other])
    assert slow.count == 1
    assert loser.status == "SUCCEEDED" and loser.states_entered() == SKIPPED_PATH
    assert winner.status == "SUCCEEDED" and "Train" in winner.states_entered()
    assert lock_item(workflow) is None


def test_a_run_aborted_without_releasing_is_taken_over(workflow):
    with SlowTraining(workflow) as slow:
        workflow.upload(wrong_validation_labels=7)
        aborted = workflow.start()
        slow.wait_started()
        workflow.sfn.stop_execution(executionArn=aborted, error="Operator", cause="stopped by the test")
        assert e2e.wait(workflow.sfn, aborted).status == "ABORTED"
        assert lock_item(workflow)["holder"] == {"S": aborted}  # nobody released it
        slow.release.set()
        run = e2e.wait(workflow.sfn, workflow.start())
    assert run.status == "SUCCEEDED", run.explain()
    path = run.states_entered()
    assert path[:6] == [
        "AcquireLock",
        "ReadLock",
        "IsLockHeld",
        "DescribeLockHolder",
        "IsLockHolderRunning",
        "TakeOverLock",
    ]
    assert path[6] == "PrepareRun" and "Train" in path and run.output["status"] == "rejected"
    assert lock_item(workflow) is None


def test_a_lock_of_an_execution_that_does_not_exist_is_taken_over(workflow):
    machine = workflow.outputs["state_machine_arn"]
    put_lock(workflow, machine.replace(":stateMachine:", ":execution:") + ":gone-" + e2e.unique("x"))
    workflow.upload(wrong_validation_labels=7)
    run = e2e.wait(workflow.sfn, workflow.start())
    assert run.status == "SUCCEEDED", run.explain()
    assert "TakeOverLock" in run.states_entered() and "IsLockHolderRunning" not in run.states_entered()
    assert [f["error"] for f in run.task_failures()][:2] == [
        "DynamoDB.ConditionalCheckFailedException",
        "Sfn.ExecutionDoesNotExistException",
    ]
    assert lock_item(workflow) is None


def test_a_redriven_run_takes_back_its_own_lock(workflow):
    """A redriven execution keeps its ARN (RedriveExecution, AWS API Reference); moto has no redrive, so the run is
    started under the name of an execution whose lock is still held, as a redriven one finds it."""
    name = e2e.unique("redriven")
    own_arn = workflow.outputs["state_machine_arn"].replace(":stateMachine:", ":execution:") + f":{name}"
    put_lock(workflow, own_arn)
    workflow.upload(wrong_validation_labels=7)
    started = workflow.sfn.start_execution(
        stateMachineArn=workflow.outputs["state_machine_arn"], name=name, input=workflow.outputs["schedule_input"]
    )["executionArn"]
    assert started == own_arn
    run = e2e.wait(workflow.sfn, started)
    assert run.status == "SUCCEEDED", run.explain()
    assert run.states_entered()[:2] == ["AcquireLock", "PrepareRun"] and "Train" in run.states_entered()
    assert lock_item(workflow) is None


def serving_config(workflow) -> str | None:
    """The endpoint config the endpoint serves, or None while there is no endpoint (earlier tests may not deploy)."""
    endpoints = workflow.sagemaker.list_endpoints(NameContains=workflow.endpoint)["Endpoints"]
    if not any(e["EndpointName"] == workflow.endpoint for e in endpoints):
        return None
    return workflow.endpoint_state()["EndpointConfigName"]


def test_a_run_that_lost_its_lock_never_touches_the_endpoint(workflow):
    """A run redriven after another took its lock over resumes past AcquireLock: ConfirmLock stops it."""
    before = serving_config(workflow)
    with SlowTraining(workflow) as slow:
        workflow.upload(wrong_validation_labels=0)  # a candidate that would deploy
        arn = workflow.start()
        slow.wait_started()
        put_lock(workflow, arn + "-someone-else")
    run = e2e.wait(workflow.sfn, arn)
    assert run.status == "FAILED" and run.error == "RetrainingFailed"
    path = run.states_entered()
    assert path[-4:] == ["ConfirmLock", "NotifyFailure", "ReleaseLockBeforeFailed", "Failed"]
    assert "CreateModel" not in path
    assert serving_config(workflow) == before
    [note] = workflow.mailbox.about(run)
    assert "DynamoDB.ConditionalCheckFailedException" in note["Message"]
    assert lock_item(workflow)["holder"] == {"S": arn + "-someone-else"}  # not released by the loser
    workflow.dynamodb.delete_item(TableName=LOCK_TABLE, Key={"lock_key": {"S": workflow.endpoint}})
