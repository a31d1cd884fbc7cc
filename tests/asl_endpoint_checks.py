"""Plan-test assertions shared by the retraining and approved-deployment workflows: the endpoint states
(definitions/deploy_endpoint.states.json.tftpl) and the transient-error retry loops of their SageMaker tasks.

These read the rendered ASL as data (which rule names which status, where each Catch goes); they do not run it.
"""

from __future__ import annotations

from typing import Any

from tests import tfharness as h

BUSY = ("Creating", "Updating", "SystemUpdating", "RollingBack")
# SageMaker's base exceptions, per integration (AWS_FACTS.md "Error names"): they cover throttling and validation alike.
OPTIMIZED_BASE = "SageMaker.AmazonSageMakerException"
SDK_BASE = "SageMaker.SageMakerException"
# Names AWS never produces for a SageMaker task: a Retry or Catch on them is dead code.
NEVER_PRODUCED = {
    "SageMaker.ThrottlingException",
    "ThrottlingException",
    "SageMaker.InternalFailure",
    "SageMaker.ServiceUnavailable",
    "SageMaker.ValidationException",
}


def _mentions(rule: dict[str, Any], status: str) -> bool:
    if rule.get("StringEquals") == status:
        return True
    return any(_mentions(r, status) for key in ("And", "Or") for r in rule.get(key, [])) or (
        "Not" in rule and _mentions(rule["Not"], status)
    )


def _has_poll_bound(rule: dict[str, Any]) -> bool:
    return "NumericGreaterThanEquals" in rule or any(_has_poll_bound(r) for r in rule.get("And", []))


def status_targets(choice: dict[str, Any], status: str) -> tuple[str, str | None]:
    """(where the status goes while the poll budget lasts, where it goes once it is spent, or None)."""
    bounded = next((r["Next"] for r in choice["Choices"] if _mentions(r, status) and _has_poll_bound(r)), None)
    first = next((r["Next"] for r in choice["Choices"] if _mentions(r, status) and not _has_poll_bound(r)), None)
    return first or choice["Default"], bounded


def assert_endpoint_status_paths(asl: dict[str, Any], max_polls: int, after_check: str) -> None:
    st = asl["States"]
    for choice_name, go, busy_count, busy_wait, back_to, refuse in (
        (
            "EndpointCanTakeUpdate",
            "EndpointChecked",
            "CountPreflightPoll",
            "WaitBeforeTraining",
            "CheckEndpoint",
            "EndpointCannotTakeUpdate",
        ),
        (
            "CanUpdateEndpoint",
            "UpdateEndpoint",
            "CountSettlePoll",
            "WaitForEndpointToSettle",
            "LookUpEndpoint",
            "EndpointNotUpdatable",
        ),
    ):
        choice = st[choice_name]
        # InService takes the update; UpdateRollbackFailed is recovered by a new UpdateEndpoint (AWS documents it)
        for status in ("InService", "UpdateRollbackFailed"):
            assert status_targets(choice, status) == (go, None), (choice_name, status)
        # busy statuses clear by themselves: wait, within the poll budget
        for status in BUSY:
            assert status_targets(choice, status) == (busy_count, "EndpointBusyTimedOut"), (choice_name, status)
        # Failed can only be deleted; OutOfService and Deleting need an operator: notify
        for status in ("Failed", "OutOfService", "Deleting", "SomeFutureStatus"):
            assert status_targets(choice, status) == (refuse, None), (choice_name, status)
        bounds = [c for r in choice["Choices"] for c in r.get("And", []) if "NumericGreaterThanEquals" in c]
        assert [b["NumericGreaterThanEquals"] for b in bounds] == [max_polls], choice_name
        assert st[busy_count]["Next"] == busy_wait and st[busy_wait]["Next"] == back_to
        assert st[refuse]["Next"] == "NotifyFailure"
    assert st["EndpointChecked"]["Next"] == after_check
    assert st["EndpointBusyTimedOut"]["Next"] == "NotifyFailure"
    # after the update: UpdateRollbackFailed (and every other end state that is not our config InService) failed
    ready = st["EndpointReady"]
    for status in ("Failed", "OutOfService", "UpdateRollbackFailed", "Deleting"):
        assert status_targets(ready, status)[0] == "EndpointFailed", status
    for status in BUSY:
        assert status_targets(ready, status)[0] == "CountPoll", status


def assert_not_found_only_by_cause(asl: dict[str, Any]) -> None:
    """A missing endpoint leads to creation; every other DescribeEndpoint error does not."""
    st = asl["States"]
    for task, check, found_next in (
        ("CheckEndpoint", "CheckEndpointNotFound", "EndpointChecked"),
        ("LookUpEndpoint", "LookUpEndpointNotFound", "CreateEndpoint"),
    ):
        catch = st[task]["Catch"]
        assert catch[0] == {"ErrorEquals": [SDK_BASE], "ResultPath": "$.error", "Next": check}, task
        assert catch[1]["ErrorEquals"] == ["States.ALL"] and catch[1]["Next"] == "NotifyFailure"
        rules = st[check]["Choices"]
        to_found = [r for r in rules if r["Next"] == found_next]
        assert to_found == [
            {"Variable": "$.error.Cause", "StringMatches": "*Could not find endpoint*", "Next": found_next}
        ]
        assert st[check]["Default"] == f"{task}IsTransient"
        assert "Retry" not in st[task], f"{task} must not retry {SDK_BASE}: it also means 'not found'"
    # CreateEndpoint is reachable only through the not-found rule (and its own transient retry)
    into_create = {n for n, nexts in h.transitions(asl).items() if "CreateEndpoint" in nexts}
    assert into_create == {"LookUpEndpointNotFound", "CreateEndpointRetryWait"}


def sagemaker_tasks(asl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in asl["States"].items() if s["Type"] == "Task" and ":sagemaker:" in s["Resource"]}


def assert_sagemaker_retries_only_transient(asl: dict[str, Any], expected_tasks: set[str]) -> None:
    st = asl["States"]
    tasks = sagemaker_tasks(asl)
    assert set(tasks) == expected_tasks
    for name, task in tasks.items():
        base = SDK_BASE if ":aws-sdk:" in task["Resource"] else OPTIMIZED_BASE
        assert "Retry" not in task, f"{name}: a Retry of {base} would retry validation errors too"
        names = {e for c in task["Catch"] for e in c["ErrorEquals"]}
        assert not names & NEVER_PRODUCED, name
        assert task["Catch"][-1] == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}
        # the base exception goes (perhaps through the not-found check) to the transient check of this task
        first = task["Catch"][0]
        assert first["ErrorEquals"] == [base], name
        check = st[f"{name}IsTransient"]
        assert first["Next"] in (f"{name}IsTransient", f"{name}NotFound"), name
        assert check["Default"] == "NotifyFailure"
        assert check["Choices"][0] == {"Variable": "$.error.Cause", "IsPresent": False, "Next": "NotifyFailure"}
        rule = check["Choices"][1]
        patterns = {c["StringMatches"] for c in rule["And"][0]["Or"]}
        assert {"*Throttling*", "*Status Code: 5*", "*ServiceUnavailable*", "*InternalFailure*"} <= patterns
        # deterministic codes match no pattern
        for code in (
            "ValidationException",
            "AccessDeniedException",
            "ResourceLimitExceeded",
            "Could not find endpoint",
        ):
            assert not any(p.strip("*") in code for p in patterns), (name, code)
        bound = rule["And"][1]
        assert bound == {"Variable": f"$.run.retries.{name}.attempts", "NumericLessThan": 4}
        assert rule["Next"] == f"{name}CountRetry"
        count = st[f"{name}CountRetry"]
        assert count["Parameters"] == {"attempts.$": f"States.MathAdd($.run.retries.{name}.attempts, 1)"}
        assert count["ResultPath"] == f"$.run.retries.{name}" and count["Next"] == f"{name}RetryWait"
        assert st[f"{name}RetryWait"]["Type"] == "Wait" and st[f"{name}RetryWait"]["Next"] == name
    # every counter starts at 0 before the first SageMaker task
    prepare = st["PrepareRun"]
    assert prepare["ResultPath"] == "$.run"
    assert prepare["Result"]["retries"] == {n: {"attempts": 0} for n in tasks}
    assert prepare["Result"]["preflight"] == {"polls": 0} and prepare["Result"]["settle"] == {"polls": 0}
    for name in tasks:
        assert "PrepareRun" in h.shortest_path(asl, name), name
