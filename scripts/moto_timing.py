"""Timing and consistency hooks of the emulator: what AWS does when things happen at (nearly) the same moment.

Registered by ``scripts/moto_extensions.install()`` (hook ``timing``); the hooks only make moto stricter, never
more lenient than AWS.

=========================  ==================================================================================
hook                       what it patches, and why
=========================  ==================================================================================
list_executions_lag        ``StepFunctionBackend.list_executions``: an execution is not listed until
                           ``list_executions_lag_seconds`` after its start. AWS documents ListExecutions as
                           "eventually consistent. The results are best effort and may not reflect very recent
                           updates and changes" (Step Functions API Reference, ListExecutions): a just-started
                           execution may be missing, even from its own listing (moto lists it at once).
                           DescribeExecution (a read by ARN) sees it at once, in both.
conditional_writes_atomic  ``DynamoDBBackend.put_item/update_item/delete_item``: one lock around the
                           condition check and the write. DynamoDB documents conditional writes as atomic
                           ("Condition expressions", DynamoDB Developer Guide: the write succeeds only if the
                           condition holds when it is applied); moto's threaded server
                           checks and writes without a lock, so two same-instant writers could both win.
execution_start_time       ``ExecutionWorker._get_evaluation_environment``: ``$$.Execution.StartTime`` is an ISO 8601
                           string, as in AWS ("Accessing the Context object", Step Functions Developer Guide:
                           ``"StartTime": "2019-03-26T20:14:13.192Z"``); moto puts a datetime there, which a Task
                           cannot send (e.g. a DynamoDB attribute value fails with "not JSON serializable").
execution_timeout_now      ``time_out_execution(arn)``: the execution's ``TimeoutSeconds`` elapses now (time
                           compression: the retraining workflow's timeout is hours). It does what moto's
                           ``Program.eval`` does when its timer fires (``env.set_timed_out()``): the execution
                           ends ``TIMED_OUT`` with an ``ExecutionTimedOut`` event, as AWS ends an execution that
                           runs past its ``TimeoutSeconds`` ("Amazon States Language: TimeoutSeconds", Step
                           Functions Developer Guide: the execution fails with a States.Timeout error); a Task
                           waiting for a ``.sync`` job stops waiting.
ended_task_stops_waiting   ``StateTaskServiceCallback._eval_integration_pattern``: a ``.sync`` or
                           ``.waitForTaskToken`` Task whose execution has already ended (timed out or aborted
                           while the job was being created) does not start waiting. AWS stops a running Task
                           when its execution ends ("StopExecution", Step Functions API Reference; "Amazon
                           States Language: TimeoutSeconds"). moto reads the Task's timeout with
                           ``Timeout.eval``, which does nothing once the execution has ended, then pops
                           whatever is next on its evaluation stack (the Task's input) as the timeout: a
                           waiter thread then died with "TypeError: '>' not supported between instances of
                           'dict' and 'int'" (seen in the day-in-the-life test).
=========================  ==================================================================================

The lag defaults to ``DEFAULT_LIST_EXECUTIONS_LAG_SECONDS`` (1 s): long enough that an execution never sees
itself in a ListExecutions made by its first state (the case that broke a list-based guard), short enough that a
test that lists finished executions never waits for it (nothing sleeps for the lag: it only hides executions).
Change it with ``configure(list_executions_lag_seconds=...)`` (also before install) or for a block with
``lag(seconds)``.

``start_together(sfn, arn, inputs)`` starts several executions in the same instant (threads behind a barrier),
as EventBridge's at-least-once delivery can.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
from collections.abc import Callable, Iterator
from typing import Any

DEFAULT_LIST_EXECUTIONS_LAG_SECONDS = 1.0

_SETTINGS = {"list_executions_lag_seconds": DEFAULT_LIST_EXECUTIONS_LAG_SECONDS}


def configure(*, list_executions_lag_seconds: float | None = None) -> None:
    """Set the timing options (they apply at once, installed or not)."""
    if list_executions_lag_seconds is not None:
        if list_executions_lag_seconds < 0:
            raise ValueError("list_executions_lag_seconds must be >= 0")
        _SETTINGS["list_executions_lag_seconds"] = float(list_executions_lag_seconds)


@contextlib.contextmanager
def lag(seconds: float) -> Iterator[None]:
    """``list_executions_lag_seconds = seconds`` for the duration of a block."""
    previous = _SETTINGS["list_executions_lag_seconds"]
    configure(list_executions_lag_seconds=seconds)
    try:
        yield
    finally:
        _SETTINGS["list_executions_lag_seconds"] = previous


def install(state: Any, patch_until_uninstall: Callable[[Any, Any, str, Any], Any]) -> None:
    """Install the hooks into moto_extensions' installation ``state``; its ``_patch`` undoes them on uninstall."""

    def patch(owner: Any, name: str, value: Any) -> Any:
        return patch_until_uninstall(state, owner, name, value)

    _hook_list_executions_lag(patch)
    _hook_conditional_writes_atomic(patch)
    _hook_execution_start_time(patch)
    _hook_ended_task_stops_waiting(patch)
    state.undo.append(lambda: _SETTINGS.__setitem__("list_executions_lag_seconds", DEFAULT_LIST_EXECUTIONS_LAG_SECONDS))


def _started_before(execution: Any, cutoff: datetime.datetime) -> bool:
    start = execution.start_date
    if isinstance(start, str):  # moto keeps an ISO string on some paths
        start = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    if start.tzinfo is None:
        start = start.replace(tzinfo=datetime.timezone.utc)
    return start <= cutoff


def _hook_list_executions_lag(patch: Callable[[Any, str, Any], Any]) -> None:
    from moto.stepfunctions.models import PAGINATION_MODEL, StepFunctionBackend
    from moto.utilities.paginator import paginate

    # moto's method is wrapped by its paginator: filter the full list, then paginate it again, as moto does.
    unpaginated = StepFunctionBackend.list_executions.__wrapped__

    def list_executions(self, state_machine_arn, status_filter=None):
        executions = unpaginated(self, state_machine_arn, status_filter)
        seconds = _SETTINGS["list_executions_lag_seconds"]
        if seconds <= 0:
            return executions
        cutoff = datetime.datetime.now(tz=datetime.timezone.utc) - datetime.timedelta(seconds=seconds)
        return [e for e in executions if _started_before(e, cutoff)]

    patch(StepFunctionBackend, "list_executions", paginate(pagination_model=PAGINATION_MODEL)(list_executions))


_WRITE_LOCK = threading.Lock()


def _hook_conditional_writes_atomic(patch: Callable[[Any, str, Any], Any]) -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in ("put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def atomic(self, *args, _original=original, **kwargs):
            with _WRITE_LOCK:  # one lock for all tables: stricter than AWS's per-item atomicity, never laxer
                return _original(self, *args, **kwargs)

        patch(DynamoDBBackend, name, atomic)


def aws_timestamp(value: datetime.datetime) -> str:
    """A timestamp as Step Functions writes it in the Context object: UTC, milliseconds, ``Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _hook_execution_start_time(patch: Callable[[Any, str, Any], Any]) -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker._get_evaluation_environment

    def _get_evaluation_environment(self):
        env = original(self)
        execution = env.states.context_object.context_object_data["Execution"]
        if isinstance(execution.get("StartTime"), datetime.datetime):
            execution["StartTime"] = aws_timestamp(execution["StartTime"])
        return env

    patch(ExecutionWorker, "_get_evaluation_environment", _get_evaluation_environment)


def time_out_execution(execution_arn: str) -> None:
    """End the RUNNING execution ``execution_arn`` as its TimeoutSeconds would (see execution_timeout_now)."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    parts = execution_arn.split(":")
    if len(parts) < 8 or parts[5] != "execution":
        raise ValueError(f"not an execution ARN: {execution_arn!r}")
    region, account = parts[3], parts[4]
    execution = stepfunctions_parser_backends[account][region].describe_execution(execution_arn)
    worker = getattr(execution, "exec_worker", None)
    if execution.status != "RUNNING" or worker is None or worker.env is None:
        raise ValueError(f"execution {execution_arn} is {execution.status}, not RUNNING")
    worker.env.set_timed_out()


def start_together(sfn: Any, state_machine_arn: str, inputs: list[str]) -> list[str]:
    """Start one execution per input in the same instant (threads released by one barrier); their ARNs, in order."""
    barrier = threading.Barrier(len(inputs))
    arns: list[str | None] = [None] * len(inputs)
    errors: list[BaseException] = []

    def start(index: int, payload: str) -> None:
        try:
            barrier.wait()
            arns[index] = sfn.start_execution(stateMachineArn=state_machine_arn, input=payload)["executionArn"]
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i, p)) for i, p in enumerate(inputs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [a for a in arns if a is not None]


def _hook_ended_task_stops_waiting(patch: Callable[[Any, str, Any], Any]) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )

    original = StateTaskServiceCallback._eval_integration_pattern

    def _eval_integration_pattern(self, env, *args, **kwargs):
        if not env.is_running():  # the execution ended while the job was created: nothing waits for it
            return None
        return original(self, env, *args, **kwargs)

    _eval_integration_pattern.__wrapped__ = original  # moto's own, for the test that shows the defect without it
    patch(StateTaskServiceCallback, "_eval_integration_pattern", _eval_integration_pattern)
