"""Small, documented extensions of moto 5.2.5, so that our workflows run end to end on the local emulator.

moto executes Amazon States Language (its executor is ported from LocalStack's), but lacks some integrations and gets
a few details wrong. Each hook below fills one gap, as narrowly as it can, and says why; none of them interprets ASL.
They patch moto in-process: the demo and the tests run moto as ``ThreadedMotoServer`` in the same process.

=====================  ======================================================================================
hook                   what it patches, and why
=====================  ======================================================================================
executor_endpoint      sets ``MOTO_PORT``: the executor's AWS clients call ``http://localhost:$MOTO_PORT``
                       (default 5000), not the port our server listens on.
executor_on            ``default_user_config["stepfunctions"]["execute_state_machine"] = True`` (TOOLCHAIN.md),
                       unless ``install(..., execute_state_machines=False)``.
execution_names        ``StepFunctionsParserBackend.start_execution``: an execution started without a name
                       gets a UUID, as in AWS (moto names it ``None``, so ``$$.Execution.Name`` is null).
program_state_read     ``Program._get_state``: an execution ended by another thread (StopExecution, execution
                       timeout) between the program loop's two reads of its state ends ABORTED / TIMED_OUT, as
                       in AWS, not FAILED with "No such state None" (moto's race).
task_failure_cause     ``StepFunctionResponse.send_task_failure``: passes the request's ``cause`` on to the executing
                       backend (moto reads only ``error`` and drops it), so a Catch of a callback task sees
                       ``{"Error": ..., "Cause": ...}`` and a Fail state's ``CausePath`` finds it, as in AWS.
map_run_events         ``DistributedIterationComponent._map_run``: keeps the event log moto gives a Distributed Map
                       run's child executions (moto writes their events to a log it then drops; AWS keeps them
                       as child executions, listed by ListExecutions(mapRunArn), which moto lacks), so that
                       ``map_run_events(map_run_arn)`` can return them: the demo colours the Map's inner states
                       and counts their transitions. moto writes every child of a run to that one log.
jsonpath_definite      ``json_path.extract_json`` (and the modules that imported it): a definite path through a
                       literal index, e.g. ``$.Executions[0].ExecutionArn``, yields the value, as in AWS
                       (Jayway JsonPath); moto wraps it in a list. Indefinite paths (filters, wildcards,
                       slices, unions, ``..``) still yield lists.
aws_sdk_shapes         ``StateTaskServiceAwsSdk._normalise_parameters/_normalise_response``: maps the
                       PascalCase ASL parameters to the API's member names (``StateMachineArn`` ->
                       ``stateMachineArn``) and the response back (``executions`` -> ``Executions``), with
                       botocore's service model, as LocalStack does (moto's port left both empty, so e.g.
                       ``aws-sdk:sfn:listExecutions`` fails with KeyError).
express_children       ``AmazonStateLanguageParser.parse``: a Distributed Map whose ``ProcessorConfig`` says
                       ``"ExecutionType": "EXPRESS"`` is accepted, as AWS accepts it ("Distributed Map state",
                       https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html); moto's
                       grammar knows only STANDARD. Its children run as moto runs STANDARD ones: the same states
                       and results (Express differs in billing, history and at-least-once start, none of which
                       the emulator models). DescribeStateMachine still returns the definition as written.
item_reader_errors     ``ResourceEvalS3.eval_resource``: a Distributed Map whose ItemReader cannot read its source
                       (no such key, access denied, the key's kms:Decrypt refused) fails with
                       ``States.ItemReaderFailed``, the S3 error in Cause, as AWS names it ("Error names",
                       https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html); moto
                       says ``States.Runtime``.
map_iteration_errors   ``iteration_worker.CustomErrorName``: an inline Map iteration that fails with a ``States.*``
                       error (``States.TaskFailed`` of a failed job) fails the Map state with that error, which its
                       Catch sees, as in AWS ("Map state": if any iteration fails, the Map state fails); moto
                       wrapped the name in a CustomErrorName, which refuses the ``States.`` prefix, and so failed
                       with ``States.Runtime`` instead.
terminal_errors        ``ErrorEqualsDecl._eval_body``: ``States.ALL`` in a Retry or Catch does not match
                       ``States.Runtime`` or ``States.DataLimitExceeded``, which AWS documents as errors
                       States.ALL cannot catch (same page); moto's States.ALL matched them, so a workflow seemed
                       to handle failures that end an AWS execution at once.
aws_sdk_error_names    ``_SERVICE_ERROR_NAMES``: errors of ``aws-sdk:sagemaker:*`` are named
                       ``SageMaker.<Error>`` as in AWS (moto: ``sagemaker.sagemakerException``), so a Catch
                       on ``SageMaker.ResourceNotFoundException`` / ``SageMaker.SageMakerException`` matches;
                       those of ``aws-sdk:s3:*`` ``S3.S3Exception`` (moto: ``s3.s3Exception``).
sagemaker_integration  the Task factory, for ``arn:aws:states:::sagemaker:*``: ``.sync`` for
                       createTrainingJob / createProcessingJob / createTransformJob (moto: "Unsupported .sync
                       callback procedure"), polling Describe<Job> until the job ends; the output is the
                       Describe<Job> response, a Failed/Stopped job fails the task with ``States.TaskFailed``
                       and the response as cause. Errors are named as AWS names them
                       (``SageMaker.AmazonSageMakerException``, ``SageMaker.ResourceInUseException``...)
                       instead of ``States.Runtime``.
sagemaker_actions      ``StepFunctionsParserBackend._validate_definition``: CreateStateMachine/UpdateStateMachine
                       refuse (InvalidDefinition) an ``arn:aws:states:::sagemaker:`` Task whose action or pattern the
                       optimized integration lacks (``SAGEMAKER_OPTIMIZED_ACTIONS``, from "Create and manage Amazon
                       SageMaker AI jobs with Step Functions"), as AWS does at creation, not at run time.
sagemaker_jobs         ``SageMakerModelBackend.create_{training,processing,transform}_job`` (and the
                       CreateProcessingJob response, which drops ``Environment`` in moto): a job is
                       ``InProgress`` while a local stand-in container (scripts/local_containers.py) runs it
                       on the data in the emulated S3, then ``Completed`` with its model artifact and
                       FinalMetricDataList, or ``Failed`` with a FailureReason (moto: ``Completed`` at once,
                       metric ``train:progress = 100``). Job names must be unique, as in AWS.
sagemaker_metrics      (part of sagemaker_jobs) FinalMetricDataList comes ONLY from the job's
                       ``AlgorithmSpecification.MetricDefinitions`` regexes over its log lines; without them only
                       a built-in algorithm image (``is_builtin_algorithm_image``: SageMaker's own registry
                       accounts, "Docker Registry Paths and Example Code") publishes its documented metrics
                       (``BUILTIN_ALGORITHM_METRICS``, "Evaluation Metrics Computed by the XGBoost Algorithm");
                       a custom image (any image in a user's ECR) publishes nothing ("Define Training Metrics").
sagemaker_endpoints    ``SageMakerModelBackend``: UpdateEndpoint (missing in moto); endpoints go
                       ``Creating``/``Updating`` -> ``InService`` after ``endpoint_transition_seconds`` (moto:
                       ``InService`` at once); an endpoint whose model data is missing in S3 ends ``Failed``
                       (create) or rolls back to its old config with a FailureReason (update), as in AWS;
                       CreateModel / CreateEndpointConfig / CreateEndpoint refuse an existing name.
endpoint_rollouts      (part of sagemaker_endpoints) UpdateEndpoint with ``DeploymentConfig.BlueGreenUpdatePolicy``
                       (deployment guardrails): the endpoint stays ``Updating`` for ``endpoint_rollout_seconds``
                       (the time-compressed rollout: traffic shifting and baking), the old config serving, then
                       ``InService`` with the new config. If any alarm of ``AutoRollbackConfiguration`` is in
                       ALARM state in the emulated CloudWatch when the endpoint is looked at during the rollout
                       (a test sets it with ``set_alarm_state``), the endpoint goes ``RollingBack`` for
                       ``endpoint_transition_seconds`` and then ``InService`` with the OLD config and a
                       FailureReason naming the alarm, as "Auto-Rollback Configuration and Monitoring" documents
                       ("SageMaker AI initiates a complete rollback to the old endpoint"). DescribeEndpoint then
                       carries the request's ``LastDeploymentConfig``. The FailureReason wording is the emulator's;
                       a missing alarm counts as not in ALARM (AWS's answer to one is not modelled).
sagemaker_list_models  ``SageMakerResponse.list_models``: ListModels honours ``NameContains`` as in AWS (moto
                       ignores it and lists every model), so that code which relies on the filter is seen to.
                       ``set_endpoint_status(name, status, failure_reason=, hold_seconds=, then=)`` forces any
                       DescribeEndpoint status (``ENDPOINT_STATUSES``); UpdateEndpoint is refused (ValidationException)
                       while Creating/Updating/SystemUpdating/RollingBack/Deleting and when Failed, accepted when
                       InService, OutOfService or UpdateRollbackFailed (fixed by a new UpdateEndpoint, DescribeEndpoint
                       API reference).
s3_policy_conditions   ``FakeBucket.get_permission``: a bucket policy statement applies only when its
                       Condition holds (StringEquals, StringNotEquals, Bool, Null), for a request with
                       ``aws:SecureTransport = true`` (the emulator stands in for AWS's HTTPS endpoints).
                       moto treats a condition it cannot evaluate (all but StringEquals) as met, and a
                       statement whose condition fails as a Deny, so the artifact bucket's TLS-only statement
                       denied every object read and write. An object request's encryption headers are its
                       condition keys ``s3:x-amz-server-side-encryption(-aws-kms-key-id)`` (``S3Response.
                       _key_response``), so with ``kms_key_arn`` set an upload naming the key is admitted and
                       one without it is refused, for every caller, as AWS does. A denial is S3's AccessDenied
                       error (moto answers a bare 403). moto checks multipart uploads as "s3:PostObject", which
                       no policy names: a policy does not stop them here.
timing                 scripts/moto_timing.py: ListExecutions lists an execution only some time after its start
                       (eventually consistent, as AWS documents); DynamoDB conditional writes are atomic.
events                 scripts/moto_events.py: Step Functions executions put their status change events on the
                       default bus (moto emits none), and rules deliver them to SNS topics, only where the topic's
                       policy and key let EventBridge publish, as in AWS (moto cannot deliver to SNS at all).
empty_inputs           (part of sagemaker_jobs) a training channel whose S3 prefix holds no object fails the job
                       with ``ClientError: Data download failed:No S3 objects found under S3 URL ...``.
fault_injection        ``BaseResponse.call_action``: ``inject_fault(service, operation, code=..., http_status=...,
                       times=N, match=regex)`` makes that AWS call fail N times for every caller (executor,
                       Lambda handlers, tests), answered in the service's own protocol as AWS answers errors
                       (ThrottlingException 400, ServiceUnavailable 503, InternalFailure 500,
                       ResourceLimitExceeded, AccessDeniedException); Step Functions then names it as it names
                       that error ("Handling errors in Step Functions"). ``fail_job(kind, name_pattern, reason)``
                       ends matching training/processing/transform jobs ``Failed`` with that FailureReason.
lambda_handlers        ``LambdaFunction._invoke_lambda``: runs the function's deployed code (the zip it was
                       created with, its Handler and Environment) in-process, instead of in Docker, which is
                       not available here (moto without Docker answers every invoke with an error). So
                       ``lambda:invoke`` and ``lambda:invoke.waitForTaskToken`` run our real handlers. Limits:
                       this interpreter's Python, not the function's runtime; no timeout; one invocation at a
                       time; log records are kept (CloudWatch Logs), print() output is not.
iam                    ``BaseClient._make_api_call`` and ``StateTaskService._eval_execution`` (scripts/moto_iam.py):
                       the calls a state machine's Task states make, a Lambda handler makes, and a SageMaker
                       job or endpoint makes for its data, image and keys are allowed only if the caller's
                       role policies allow them, with the error AWS gives; tests, Terraform and the demo stay
                       unrestricted. On by default; ``install(..., enforce_iam=False)`` turns it off.
=====================  ======================================================================================

Use (``Emulator.install_extensions`` in scripts/emulator.py does the first step)::

    with emulator.running() as emu:
        moto_extensions.install(emu.endpoint)      # before creating state machines: it also turns the executor on
        ...                                        # terraform apply, start executions...
        moto_extensions.uninstall()

``register_container()`` chooses another stand-in for an image (e.g. one that fails, or a weaker model); the
defaults train and serve a scikit-learn classifier.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import datetime
import fnmatch
import hashlib
import importlib
import io
import json
import logging
import os
import re
import shutil
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

from scripts import local_containers

# The moto version these hooks were written against and tested with. They reach into moto's internals (class and
# function names, private attributes), which change between releases: install() refuses any other version.
PINNED_MOTO_VERSION = "5.2.5"

LOG = logging.getLogger("sfn_ml.moto_extensions")

JOB_KINDS = ("training", "processing", "transform")


class UnsupportedMotoVersion(RuntimeError):
    """The installed moto is not the version these hooks were written for."""


# ---------------------------------------------------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class _Options:
    endpoint: str
    endpoint_transition_seconds: float
    workdir: Path
    endpoint_rollout_seconds: float = 6.0


@dataclass
class _Installed:
    options: _Options
    undo: list[Callable[[], None]] = field(default_factory=list)
    lambda_sandboxes: dict[tuple[str, str, str], _LambdaSandbox] = field(default_factory=dict)
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)


_STATE: _Installed | None = None
_INSTALL_LOCK = threading.Lock()


def check_moto_version() -> None:
    import moto

    if moto.__version__ != PINNED_MOTO_VERSION:
        raise UnsupportedMotoVersion(
            f"scripts/moto_extensions.py was written for moto {PINNED_MOTO_VERSION} and patches its internals; "
            f"moto {moto.__version__} is installed. Install moto=={PINNED_MOTO_VERSION} (constraints.txt), or port "
            "the hooks to the new version and update PINNED_MOTO_VERSION."
        )


def install(
    endpoint: str,
    *,
    execute_state_machines: bool = True,
    endpoint_transition_seconds: float = 2.0,
    enforce_iam: bool = True,
    endpoint_rollout_seconds: float | None = None,
) -> None:
    """Install every hook for the moto server at ``endpoint`` (e.g. ``http://127.0.0.1:5123``), in this process.

    ``execute_state_machines`` also turns moto's Step Functions executor on (TOOLCHAIN.md): do it before creating
    state machines. ``endpoint_transition_seconds``: how long an endpoint stays Creating/Updating. Installing again
    replaces the previous installation. ``enforce_iam``: evaluate IAM for the calls made as a role (hook ``iam``).
    ``endpoint_rollout_seconds``: how long a blue/green UpdateEndpoint (with DeploymentConfig) stays Updating
    (default: three endpoint transitions).
    """
    global _STATE
    check_moto_version()
    uninstall()
    with _INSTALL_LOCK:
        options = _Options(
            endpoint=endpoint.rstrip("/"),
            endpoint_transition_seconds=endpoint_transition_seconds,
            workdir=Path(tempfile.mkdtemp(prefix="sfn-ml-emulator-")),
            endpoint_rollout_seconds=(
                3 * endpoint_transition_seconds if endpoint_rollout_seconds is None else endpoint_rollout_seconds
            ),
        )
        state = _Installed(options)
        state.undo.append(lambda: shutil.rmtree(options.workdir, ignore_errors=True))
        try:
            _hook_executor_endpoint(state)
            if execute_state_machines:
                _hook_executor_on(state)
            _hook_execution_names(state)
            _hook_program_state_read(state)
            _hook_task_failure_cause(state)
            _hook_map_run_events(state)
            _hook_jsonpath_definite(state)
            _hook_aws_sdk_shapes(state)
            _hook_aws_sdk_error_names(state)
            _hook_item_reader_errors(state)
            _hook_express_children(state)
            _hook_terminal_errors(state)
            _hook_map_iteration_errors(state)
            _hook_sagemaker_integration(state)
            _hook_sagemaker_actions_at_creation(state)
            _hook_sagemaker_jobs(state)
            _hook_sagemaker_endpoints(state)
            _hook_sagemaker_list_models(state)
            _hook_s3_policy_conditions(state)
            _hook_lambda_handlers(state)
            importlib.import_module("scripts.moto_timing").install(state, _patch)
            importlib.import_module("scripts.moto_events").install(state, _patch)
            if enforce_iam:
                _hook_iam(state)
            _hook_fault_injection(state)
        except BaseException:
            _undo(state)
            raise
        _STATE = state
    atexit.unregister(uninstall)
    atexit.register(uninstall)  # scratch files go even when the caller never uninstalls


def uninstall() -> None:
    """Remove every hook (restoring moto's own code) and the scratch files; a no-op when nothing is installed."""
    global _STATE
    with _INSTALL_LOCK:
        if _STATE is not None:
            _undo(_STATE)
            _STATE = None


def installed() -> bool:
    return _STATE is not None


@contextlib.contextmanager
def installed_for(endpoint: str, **options: Any) -> Iterator[None]:
    """``install()`` for the duration of a block."""
    install(endpoint, **options)
    try:
        yield
    finally:
        uninstall()


def _undo(state: _Installed) -> None:
    while state.undo:
        state.undo.pop()()


def _options() -> _Options:
    if _STATE is None:
        raise RuntimeError("moto_extensions is not installed")
    return _STATE.options


def _patch(state: _Installed, owner: Any, name: str, value: Any) -> Any:
    """Set ``owner.name = value`` until uninstall(); return the original."""
    original = getattr(owner, name)
    had_own = name in vars(owner)
    # Restore the attribute exactly as it was defined (a staticmethod or classmethod object, not the function that
    # getattr returns), or the restored method takes ``self`` and breaks the next installation.
    raw = vars(owner)[name] if had_own else None
    setattr(owner, name, value)

    def undo() -> None:
        if had_own:
            setattr(owner, name, raw)
        else:
            delattr(owner, name)

    state.undo.append(undo)
    return original


_CLIENTS_LOCK = threading.Lock()


def _client(service: str, region: str = "us-east-1") -> Any:
    """A boto3 client of the emulator, for the hooks' own calls (S3 data, logs); one per service and region.

    Clients are thread-safe, creating them is not: they are made under a lock, from a session of their own.
    """
    import boto3
    from botocore.config import Config

    state = _STATE
    if state is None:
        raise RuntimeError("moto_extensions is not installed")
    with _CLIENTS_LOCK:
        client = state.clients.get((service, region))
        if client is None:
            client = state.clients[(service, region)] = boto3.session.Session().client(
                service,
                endpoint_url=state.options.endpoint,
                region_name=region,
                aws_access_key_id="test",
                aws_secret_access_key="test",  # noqa: S106 - the emulator's dummy credentials
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
            )
    return client


# ---------------------------------------------------------------------------------------------------------------------
# Step Functions executor
# ---------------------------------------------------------------------------------------------------------------------
def _hook_executor_endpoint(state: _Installed) -> None:
    """The executor's boto3 clients (moto.stepfunctions.parser.asl.utils.boto_client) call localhost:$MOTO_PORT."""
    port = urlparse(state.options.endpoint).port
    if port is None:
        raise ValueError(f"the emulator endpoint must name its port, got {state.options.endpoint!r}")
    previous = os.environ.get("MOTO_PORT")
    os.environ["MOTO_PORT"] = str(port)

    def undo() -> None:
        if previous is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = previous

    state.undo.append(undo)


def _hook_executor_on(state: _Installed) -> None:
    from moto.core.config import default_user_config

    previous = copy.deepcopy(default_user_config.get("stepfunctions"))
    default_user_config["stepfunctions"] = {**(previous or {}), "execute_state_machine": True}
    state.undo.append(lambda: default_user_config.__setitem__("stepfunctions", previous))


def _hook_execution_names(state: _Installed) -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):
        return original(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)

    _patch(state, StepFunctionsParserBackend, "start_execution", start_execution)


def _hook_program_state_read(state: _Installed) -> None:
    """moto's program loop reads the program state twice: ``while env.is_running(): _get_state(env.next_state_name)``.

    Another thread may end the program between the two reads (StopExecution -> ``set_stop``, the execution timeout ->
    ``set_timed_out``); the second read then yields ``None``, ``_get_state`` raises "No such state None", and the
    loop's ``except`` overwrites the real outcome (ABORTED, TIMED_OUT) with a States.Runtime failure. AWS ends such an
    execution with the outcome that ended it (StopExecution: status ABORTED, ExecutionAborted event;
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html). Fix: a ``None`` name
    (only returned once the state is no longer ProgramRunning, and it never runs again) maps to a state that does
    nothing, so the loop re-checks ``is_running()``, exits, and reports the state the other thread set. Not a leniency:
    a missing *named* state still raises, and the execution still ends the way the other thread ended it.
    """
    from moto.stepfunctions.parser.asl.component.program.program import Program

    original = Program._get_state

    class _ProgramLeftRunning:
        def eval(self, env: Any) -> None:
            return None

    def _get_state(self, state_name):
        if state_name is None:
            # Logged so that a run that ever takes this path can be told apart (see the docstring).
            LOG.warning("program loop of %s: the execution was ended by another thread between two reads", self)
            return _ProgramLeftRunning()
        return original(self, state_name)

    _get_state.__wrapped__ = original  # moto's own, for the test that shows the race without this hook
    _patch(state, Program, "_get_state", _get_state)


def _hook_task_failure_cause(state: _Installed) -> None:
    import inspect

    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self):
        backend = self.stepfunction_backend
        arguments = {"error": self._get_param("error")}
        if "cause" in inspect.signature(backend.send_task_failure).parameters:  # the executing (parser) backend
            arguments["cause"] = self._get_param("cause")
        backend.send_task_failure(self._get_param("taskToken"), **arguments)
        return EmptyResult()

    _patch(state, StepFunctionResponse, "send_task_failure", send_task_failure)


_MAP_RUN_LOGS: dict[str, Any] = {}  # map run ARN -> the EventManager of its child executions
_MAP_RUN_LOCK = threading.Lock()


def _hook_map_run_events(state: _Installed) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )

    original = DistributedIterationComponent._map_run

    def _map_run(self, env, eval_input):
        # _eval_body has just given env a fresh EventManager for the children: keep a reference to it.
        with _MAP_RUN_LOCK:
            _MAP_RUN_LOGS[eval_input.map_run_record.map_run_arn] = env.event_manager
        return original(self, env, eval_input)

    _patch(state, DistributedIterationComponent, "_map_run", _map_run)
    state.undo.append(_MAP_RUN_LOGS.clear)


def map_run_events(map_run_arn: str) -> list[dict[str, Any]]:
    """The history events of a Distributed Map run's child executions (all of them in one list, as moto logs them).

    Event ids count within that list. Empty when the run is unknown (e.g. it ran before install()).
    """
    with _MAP_RUN_LOCK:
        log = _MAP_RUN_LOGS.get(map_run_arn)
    return [] if log is None else _json_ready(log.get_event_history())


# Jayway JsonPath (which Step Functions uses): a path is indefinite with `..`, a filter, a wildcard, a slice or a union.
_INDEFINITE_PATH = re.compile(r"\.\.|\*|\[[^\]]*[?:,]")


def _hook_jsonpath_definite(state: _Installed) -> None:
    import moto.stepfunctions.parser.asl.parse.asl_parser  # noqa: F401 - loads every module that imports extract_json
    from jsonpath_ng.ext import parse
    from moto.stepfunctions.parser.asl.utils import json_path

    original = json_path.extract_json

    def extract_json(path: str, data: Any) -> Any:
        value = original(path, data)
        if isinstance(value, list) and "[" in path and not _INDEFINITE_PATH.search(path):
            matches = parse(path).find(data)
            if len(matches) == 1:
                return matches[0].value
        return value

    # Patch the function where it is defined and in every moto module that imported it by name.
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and getattr(module, "extract_json", None) is original:
            _patch(state, module, "extract_json", extract_json)


@cache
def _operation_model(service: str, api_action: str) -> Any:
    import boto3

    # boto3's default session: its loader has the model cached once the executor made a client of the service.
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    model = boto3.DEFAULT_SESSION._session.get_service_model(service)
    wanted = api_action.lower()
    for name in model.operation_names:
        if name.lower() == wanted:
            return model.operation_model(name)
    raise ValueError(f"{service} has no API action {api_action!r}")


def _hook_aws_sdk_shapes(state: _Installed) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
        StateTaskServiceAwsSdk,
    )

    def _normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
        operation = _operation_model(self._get_boto_service_name(boto_service_name), self.resource.api_action)
        if operation.input_shape is not None:
            self._to_boto_request(parameters, operation.input_shape)

    def _normalise_response(self, response, boto_service_name=None, service_action_name=None):
        operation = _operation_model(self._get_boto_service_name(boto_service_name), self.resource.api_action)
        if operation.output_shape is not None:
            self._from_boto_response(response, operation.output_shape)
        _timestamps_as_strings(response)

    _patch(state, StateTaskServiceAwsSdk, "_normalise_parameters", _normalise_parameters)
    _patch(state, StateTaskServiceAwsSdk, "_normalise_response", _normalise_response)


def _timestamps_as_strings(value: Any) -> None:
    """Timestamps in an aws-sdk Task's result, in place, as the ISO-8601 strings Step Functions passes on.

    An aws-sdk integration's result is JSON (the state's output), so its timestamps are strings, e.g.
    ``"CreationTime": "2024-05-01T12:00:00.123Z"`` (Step Functions' AWS SDK service integrations serialize the SDK's
    Instant values in ISO-8601). moto's port leaves botocore's datetime objects in the result, so any later
    DescribeExecution/GetExecutionHistory of an execution whose output holds one (e.g. ListEndpoints once an
    endpoint exists) failed with a 500 ("Object of type datetime is not JSON serializable").
    """
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in list(items):
        if isinstance(item, datetime.datetime):
            utc = item.astimezone(datetime.timezone.utc) if item.tzinfo else item
            value[key] = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
        else:
            _timestamps_as_strings(item)


# Service names as Step Functions writes them in aws-sdk error names (ServiceName.ErrorName, PascalCase).
AWS_SDK_SERVICE_ERROR_NAMES = {"sagemaker": "SageMaker", "s3": "S3"}


def _hook_aws_sdk_error_names(state: _Installed) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    added = {k: v for k, v in AWS_SDK_SERVICE_ERROR_NAMES.items() if k not in aws_sdk._SERVICE_ERROR_NAMES}
    aws_sdk._SERVICE_ERROR_NAMES.update(added)
    state.undo.append(lambda: [aws_sdk._SERVICE_ERROR_NAMES.pop(k, None) for k in added])


def _hook_item_reader_errors(state: _Installed) -> None:
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (
        ResourceEvalS3,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = ResourceEvalS3.eval_resource

    def eval_resource(self, env: Any) -> None:
        try:
            original(self, env)
        except ClientError as exc:
            error = StatesErrorName(typ=StatesErrorNameType.StatesItemReaderFailed)
            cause = f"The ItemReader could not read its source: {exc}"
            raise FailureEventException(
                failure_event=FailureEvent(
                    env=env,
                    error_name=error,
                    event_type=HistoryEventType.MapRunFailed,
                    event_details=EventDetails(
                        mapRunFailedEventDetails=MapRunFailedEventDetails(error=error.error_name, cause=cause)
                    ),
                )
            ) from None

    _patch(state, ResourceEvalS3, "eval_resource", eval_resource)


def express_item_processors_as_standard(definition: str) -> str:
    """The definition with every Distributed Map's Express children (``ProcessorConfig.ExecutionType``) as STANDARD,
    the only type moto's ASL grammar has; unchanged if it has none (or is no JSON, which the parser then refuses)."""
    if '"EXPRESS"' not in definition:
        return definition
    try:
        document = json.loads(definition)
    except ValueError:
        return definition

    def walk(states: dict[str, Any]) -> None:
        for state in states.values():
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            config = processor.get("ProcessorConfig") or {}
            if config.get("ExecutionType") == "EXPRESS":
                config["ExecutionType"] = "STANDARD"
            walk(processor.get("States") or {})
            for branch in state.get("Branches") or []:
                walk(branch.get("States") or {})

    walk(document.get("States") or {})
    return json.dumps(document)


def _hook_express_children(state: _Installed) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.parse

    def parse(definition: str) -> Any:
        return original(express_item_processors_as_standard(definition))

    parse.__wrapped__ = original  # moto's own, for the tests
    _patch(state, AmazonStateLanguageParser, "parse", staticmethod(parse))


def _hook_map_iteration_errors(state: _Installed) -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker

    def error_name(error_name: str) -> Any:
        if str(error_name).startswith("States."):
            try:
                return StatesErrorName.from_name(str(error_name))
            except Exception:  # a States.* name moto's enum lacks: keep it as it was raised
                return ErrorName(error_name=str(error_name))
        return CustomErrorName(error_name=error_name)

    _patch(state, iteration_worker, "CustomErrorName", error_name)


def _hook_terminal_errors(state: _Installed) -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl

    terminal = {"States.Runtime", "States.DataLimitExceeded"}
    original = ErrorEqualsDecl._eval_body

    def eval_body(self, env: Any) -> None:
        error_name = env.stack[-1]
        if getattr(error_name, "error_name", None) in terminal and ErrorEqualsDecl._STATE_ALL_ERROR in self.error_names:
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    _patch(state, ErrorEqualsDecl, "_eval_body", eval_body)


# ---------------------------------------------------------------------------------------------------------------------
# The SageMaker service integration (arn:aws:states:::sagemaker:*), with .sync for jobs
# ---------------------------------------------------------------------------------------------------------------------
# createXJob -> (boto3 describe method, the name parameter, the status field); Stopping/InProgress are not final.
SYNC_JOBS = {
    "createtrainingjob": ("describe_training_job", "TrainingJobName", "TrainingJobStatus"),
    "createprocessingjob": ("describe_processing_job", "ProcessingJobName", "ProcessingJobStatus"),
    "createtransformjob": ("describe_transform_job", "TransformJobName", "TransformJobStatus"),
}
# Modeled SageMaker errors keep their name in Step Functions; everything else is AmazonSageMakerException.
_SAGEMAKER_MODELED_ERRORS = {"ResourceInUse", "ResourceLimitExceeded", "ResourceNotFound", "ConflictException"}


def _json_ready(value: Any) -> Any:
    """Describe<Job> output as Step Functions passes it on: timestamps as epoch milliseconds."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1000)
    return value


def _sagemaker_task_class() -> type:
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    class StateTaskServiceSageMaker(StateTaskServiceCallback):
        """Request-response for any SageMaker action; ``.sync`` for the three job types AWS supports it for.

        waitForTaskToken is listed as supported only because moto's callback base class needs a task token to
        run ``.sync`` at all (without one it fails on ``None.interrupt_all()``); a ``.waitForTaskToken``
        resource is still refused when the machine is created, as AWS refuses it for SageMaker.
        """

        def __init__(self) -> None:
            super().__init__(
                supported_integration_patterns={ResourceCondition.Sync, ResourceCondition.WaitForTaskToken}
            )

        def _validate_service_integration_is_supported(self) -> None:
            condition = self.resource.condition
            action = self.resource.api_action
            if condition == ResourceCondition.Sync and action.lower() not in SYNC_JOBS:
                raise ValueError(f"SageMaker {action} has no .sync integration (only {sorted(SYNC_JOBS)})")
            if condition not in (None, ResourceCondition.Sync):
                raise ValueError(f"SageMaker integrations do not support .{condition}")
            _operation_model("sagemaker", action)  # an unknown action is refused, as by AWS

        def _from_error(self, env, ex):
            if isinstance(ex, ClientError):
                code = ex.response["Error"]["Code"]
                name = f"{code}Exception" if code in _SAGEMAKER_MODELED_ERRORS else "AmazonSageMakerException"
                error = f"SageMaker.{name.replace('ExceptionException', 'Exception')}"
                meta = ex.response.get("ResponseMetadata", {})
                cause = (
                    f"{ex.response['Error'].get('Message')} (Service: AmazonSageMaker; "
                    f"Status Code: {meta.get('HTTPStatusCode')}; Error Code: {code}; "
                    f"Request ID: {meta.get('RequestId')}; Proxy: null)"
                )
                return FailureEvent(
                    env=env,
                    error_name=CustomErrorName(error),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=EventDetails(
                        taskFailedEventDetails=TaskFailedEventDetails(
                            error=error,
                            cause=cause,
                            resource=self._get_sfn_resource(),
                            resourceType=self._get_sfn_resource_type(),
                        )
                    ),
                )
            return super()._from_error(env=env, ex=ex)

        def _eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
            client = boto_client_for(
                service="sagemaker", region=resource_runtime_part.region, state_credentials=state_credentials
            )
            action = self._get_boto_service_action()
            response = getattr(client, action)(**normalised_parameters)
            response.pop("ResponseMetadata", None)
            env.stack.append(response)

        def _build_sync_resolver(self, env, resource_runtime_part, normalised_parameters, state_credentials):
            describe, name_key, status_key = SYNC_JOBS[self.resource.api_action.lower()]
            env.stack.pop()  # the Create<Job> response
            name = normalised_parameters[name_key]
            client = boto_client_for(
                service="sagemaker", region=resource_runtime_part.region, state_credentials=state_credentials
            )

            def resolve() -> dict | None:
                job = getattr(client, describe)(**{name_key: name})
                job.pop("ResponseMetadata", None)
                status = job[status_key]
                if status not in ("Completed", "Failed", "Stopped"):
                    return None
                job = _json_ready(job)
                if status == "Completed":
                    return job
                raise FailureEventException(
                    FailureEvent(
                        env=env,
                        error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                        event_type=HistoryEventType.TaskFailed,
                        event_details=EventDetails(
                            taskFailedEventDetails=TaskFailedEventDetails(
                                resource=self._get_sfn_resource(),
                                resourceType=self._get_sfn_resource_type(),
                                error=StatesErrorNameType.StatesTaskFailed.to_name(),
                                cause=to_json_str(job),
                            )
                        ),
                    )
                )

            return resolve

    return StateTaskServiceSageMaker


# The actions of the SageMaker optimized integration, and which of them have .sync ("Create and manage Amazon
# SageMaker AI jobs with Step Functions", Step Functions Developer Guide). Any other arn:aws:states:::sagemaker:
# resource is refused by CreateStateMachine/UpdateStateMachine (InvalidDefinition, SCHEMA_VALIDATION_FAILED); the
# aws-sdk integration (arn:aws:states:::aws-sdk:sagemaker:...) is the way to call the others.
SAGEMAKER_OPTIMIZED_ACTIONS = {
    "createendpoint": False,
    "createendpointconfig": False,
    "createhyperparametertuningjob": True,
    "createlabelingjob": True,
    "createmodel": False,
    "createprocessingjob": True,
    "createtrainingjob": True,
    "createtransformjob": True,
    "updateendpoint": False,
}
_SAGEMAKER_RESOURCE = "arn:aws:states:::sagemaker:"


def _unsupported_sagemaker_resources(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(resource, JSON pointer) of every optimized SageMaker Task resource AWS does not support, nested states too."""
    if isinstance(node, dict):
        resource = node.get("Resource")
        if node.get("Type") == "Task" and isinstance(resource, str) and resource.startswith(_SAGEMAKER_RESOURCE):
            action, _, pattern = resource[len(_SAGEMAKER_RESOURCE) :].partition(".")
            sync_ok = SAGEMAKER_OPTIMIZED_ACTIONS.get(action.lower())
            if sync_ok is None or pattern not in ("", "sync") or (pattern == "sync" and not sync_ok):
                yield resource, f"{path}/Resource"
        for key, value in node.items():
            yield from _unsupported_sagemaker_resources(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _unsupported_sagemaker_resources(value, f"{path}/{index}")


def _hook_sagemaker_actions_at_creation(state: _Installed) -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.__dict__["_validate_definition"]

    def _validate_definition(definition: str) -> None:
        with contextlib.suppress(ValueError):  # not JSON: moto's own validation below refuses it
            for resource, pointer in _unsupported_sagemaker_resources(json.loads(definition)):
                raise JsonRESTError(  # moto's parser.api.InvalidDefinition serializes with an empty code
                    "InvalidDefinition",
                    f"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The resource provided {resource} "
                    "is not recognized. The value is not a valid resource ARN, or the resource is not available in "
                    f"this region. at {pointer}'",
                )
        original.__func__(definition=definition)

    StepFunctionsParserBackend._validate_definition = staticmethod(_validate_definition)
    state.undo.append(lambda: setattr(StepFunctionsParserBackend, "_validate_definition", original))


def _hook_sagemaker_integration(state: _Installed) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory

    task_class = _sagemaker_task_class()
    original = state_task_factory.state_task_service_for

    def state_task_service_for(service_name: str) -> Any:
        if service_name == "sagemaker":
            return task_class()
        return original(service_name)

    _patch(state, state_task_factory, "state_task_service_for", state_task_service_for)


# ---------------------------------------------------------------------------------------------------------------------
# SageMaker jobs, run by local stand-in containers
# ---------------------------------------------------------------------------------------------------------------------
_CONTAINERS: dict[str, list[tuple[str, Callable[..., Any]]]] = {kind: [] for kind in JOB_KINDS}
_DEFAULT_CONTAINERS: dict[str, Callable[..., Any] | None] = {
    "training": local_containers.sklearn_training,
    "transform": local_containers.sklearn_transform,
    "processing": local_containers.python_script_processing,
}


def register_container(kind: str, image_pattern: str, container: Callable[..., Any]) -> Callable[[], None]:
    """Run ``container`` for jobs of ``kind`` whose image matches ``image_pattern`` (fnmatch); returns an unregister.

    The latest registration wins. ``kind`` is training (image: AlgorithmSpecification.TrainingImage), transform
    (image: the model's PrimaryContainer.Image) or processing (AppSpecification.ImageUri).
    """
    if kind not in _CONTAINERS:
        raise ValueError(f"kind must be one of {JOB_KINDS}, got {kind!r}")
    entry = (image_pattern, container)
    _CONTAINERS[kind].insert(0, entry)
    return lambda: _CONTAINERS[kind].remove(entry) if entry in _CONTAINERS[kind] else None


def _container_for(kind: str, image: str) -> Callable[..., Any]:
    for pattern, container in _CONTAINERS[kind]:
        if fnmatch.fnmatchcase(image, pattern):
            return container
    default = _DEFAULT_CONTAINERS[kind]
    if default is None:
        raise local_containers.ContainerClientError(
            f"no local stand-in for {kind} image {image}: register one with "
            "scripts.moto_extensions.register_container()"
        )
    return default


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise local_containers.ContainerClientError(f"not an S3 URI: {uri!r}")
    return parsed.netloc, parsed.path.lstrip("/")


def _download_prefix(s3: Any, uri: str, dest: Path) -> list[tuple[str, Path]]:
    """Every object under ``uri`` (an S3Prefix), into ``dest``; returns (key relative to the prefix, file)."""
    bucket, prefix = _split_s3(uri)
    files = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith("/"):
                continue
            relative = obj["Key"][len(prefix) :].lstrip("/") or Path(obj["Key"]).name
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(target))
            files.append((relative, target))
    dest.mkdir(parents=True, exist_ok=True)
    return files


class _JobLog:
    """Lines a container logs: kept for MetricDefinitions and written to CloudWatch Logs, as SageMaker does."""

    def __init__(self, group: str, job_name: str) -> None:
        self.group, self.stream, self.lines = group, f"{job_name}/algo-1-{int(time.time())}", []
        self.lines_written = 0

    def __call__(self, line: str) -> None:
        self.lines.append(str(line))

    def flush(self, region: str) -> None:
        """Write the lines logged so far; a logging problem never changes the job's outcome."""
        try:
            self._write(region)
        except Exception as exc:
            LOG.warning("could not write the job's log lines to %s: %s", self.group, exc)
        self.lines_written = len(self.lines)

    def _write(self, region: str) -> None:
        if len(self.lines) <= self.lines_written:
            return
        logs = _client("logs", region)
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=self.group)
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_stream(logGroupName=self.group, logStreamName=self.stream)
        now = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName=self.group,
            logStreamName=self.stream,
            logEvents=[{"timestamp": now, "message": line} for line in self.lines[self.lines_written :]],
        )


class _InjectedJobFailure(Exception):
    """A job failure ``fail_job`` asked for: its message is the FailureReason, verbatim."""


_JOB_FAILURES: list[tuple[str, str, str]] = []


def fail_job(kind: str, name_pattern: str, failure_reason: str) -> Callable[[], None]:
    """Make every job of ``kind`` (training, processing, transform) whose name matches ``name_pattern`` (fnmatch)
    end ``Failed`` with ``failure_reason`` (e.g. "AlgorithmError: ..." or "CapacityError: ..."); returns an undo.

    The job is created and goes InProgress as usual, then fails before its container runs, as a real job does when
    SageMaker cannot provision or the algorithm exits non-zero (DescribeTrainingJob: FailureReason).
    """
    if kind not in JOB_KINDS:
        raise ValueError(f"kind must be one of {JOB_KINDS}, got {kind!r}")
    entry = (kind, name_pattern, failure_reason)
    _JOB_FAILURES.insert(0, entry)
    return lambda: _JOB_FAILURES.remove(entry) if entry in _JOB_FAILURES else None


def _check_injected_failure(kind: str, name: str) -> None:
    for failing_kind, pattern, reason in list(_JOB_FAILURES):
        if failing_kind == kind and fnmatch.fnmatchcase(name, pattern):
            raise _InjectedJobFailure(reason)


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, _InjectedJobFailure):
        return str(exc)
    if isinstance(exc, local_containers.ContainerClientError):
        return f"ClientError: {exc}"
    return f"AlgorithmError: {type(exc).__name__}: {exc}"


def _metrics_from_logs(definitions: list[dict[str, str]], lines: list[str]) -> dict[str, float]:
    """Metrics by MetricDefinitions regex over the log lines, the last match of each, as SageMaker extracts them."""
    metrics = {}
    for definition in definitions:
        pattern = re.compile(definition["Regex"])
        for line in lines:
            match = pattern.search(line)
            if match:
                with contextlib.suppress(ValueError, IndexError):
                    metrics[definition["Name"]] = float(match.group(1))
    return metrics


# SageMaker's own registries: the accounts that serve the built-in algorithm images, per region. AWS documents
# them in "Docker Registry Paths and Example Code" (SageMaker Developer Guide, dg-ecr-paths), one page per region;
# the XGBoost (and scikit-learn) images come from one account per region, the first-party algorithms (linear-learner,
# k-means, ...) from another. A region missing here is simply not treated as built-in (the emulator is then stricter).
BUILTIN_ALGORITHM_REGISTRIES: dict[str, frozenset[str]] = {
    "us-east-1": frozenset({"683313688378", "382416733822"}),
    "us-east-2": frozenset({"257758044811", "404615174143"}),
    "us-west-1": frozenset({"746614075791", "632365934929"}),
    "us-west-2": frozenset({"246618743249", "174872318107"}),
    "eu-west-1": frozenset({"141502667606", "438346466558"}),
    "eu-central-1": frozenset({"492215442770", "664544806723"}),
    "ap-southeast-2": frozenset({"783357654285", "712309505854"}),
}

# The metrics the built-in XGBoost algorithm computes and publishes without MetricDefinitions ("Evaluation Metrics
# Computed by the XGBoost Algorithm", SageMaker Developer Guide, xgboost-tuning): ``<channel>:<eval_metric>`` for the
# train and validation channels.
BUILTIN_ALGORITHM_METRICS: frozenset[str] = frozenset(
    f"{channel}:{metric}"
    for channel in ("train", "validation")
    for metric in (
        "accuracy", "auc", "aucpr", "error", "f1", "logloss", "mae", "map", "merror", "mlogloss", "mse", "ndcg", "rmse"
    )
)  # fmt: skip

_ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)")


def is_builtin_algorithm_image(uri: str) -> bool:
    """True for an image in SageMaker's own registry of its region (a built-in algorithm), False for any other image.

    Any image in a user's ECR, even a copy of a built-in one, is a custom image: it publishes no metric to
    FinalMetricDataList without MetricDefinitions (SageMaker Developer Guide, "Define Training Metrics").
    """
    match = _ECR_IMAGE.match(uri or "")
    return bool(match) and match.group(1) in BUILTIN_ALGORITHM_REGISTRIES.get(match.group(2), frozenset())


def _job_metrics(
    image: str, definitions: list[dict[str, str]] | None, lines: list[str], reported: dict[str, float]
) -> dict[str, float]:
    """FinalMetricDataList as SageMaker fills it: from MetricDefinitions over the log lines when the job has them;
    without them, only a built-in algorithm image publishes (its documented metrics); a custom image, nothing."""
    if definitions:
        return _metrics_from_logs(definitions, lines)
    if is_builtin_algorithm_image(image):
        return {name: value for name, value in reported.items() if name in BUILTIN_ALGORITHM_METRICS}
    return {}


def _upload_output(s3: Any, bucket: str, key: str, body: bytes, kms_key_id: str | None) -> None:
    """One object of a job's outputs, as SageMaker writes it: with SSE-KMS under the KmsKeyId of the job's output
    configuration when it has one (OutputDataConfig, ProcessingOutputConfig, TransformOutput:
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OutputDataConfig.html), so that a bucket policy
    requiring the key's header admits it and the job's role needs kms:GenerateDataKey on the key. An upload S3
    refuses fails the job with ``ClientError: Data upload failed:...``, as a denied download does."""
    from botocore.exceptions import ClientError

    encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, **encryption)
    except ClientError as exc:
        if isinstance(exc, local_containers.ContainerClientError) or exc.response["Error"]["Code"] != "AccessDenied":
            raise
        message = exc.response["Error"].get("Message", "Access Denied")
        raise local_containers.ContainerClientError(
            f"Data upload failed:Unable to upload object s3://{bucket}/{key} (AccessDenied: {message})"
        ) from None


def _pack_model(model_dir: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(model_dir.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(model_dir)), recursive=False)
    return buffer.getvalue()


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


def _run_training_job(job: Any, requested_metric_definitions: list[dict[str, str]] | None, artifact: str) -> None:
    region = _region_of(job.arn)
    log = _JobLog("/aws/sagemaker/TrainingJobs", job.training_job_name)
    try:
        _iam().job_started("training", job)
        image = job.algorithm_specification.get("TrainingImage", "")
        _check_injected_failure("training", job.training_job_name)
        container = _container_for("training", image)
        s3 = _client("s3", region)
        with tempfile.TemporaryDirectory(dir=_options().workdir) as tmp:
            channels = {}
            for channel in job.input_data_config or []:
                source = channel["DataSource"]["S3DataSource"]
                dest = Path(tmp, "input", "data", channel["ChannelName"])
                if not _download_prefix(s3, source["S3Uri"], dest):
                    # A training channel with no object fails the job before the container starts. The text is the
                    # FailureReason users report from AWS (not found in the AWS docs corpus available here).
                    bucket = _split_s3(source["S3Uri"])[0]
                    raise local_containers.ContainerClientError(
                        f'Data download failed:No S3 objects found under S3 URL "{source["S3Uri"]}" given in input '
                        f"data source. Please ensure that the bucket exists in the selected region ({region}), that "
                        f'objects exist under that S3 prefix, and that the role "{job.role_arn}" has '
                        f'"s3:ListBucket" permissions on bucket "{bucket}".'
                    )
                channels[channel["ChannelName"]] = dest
            _transition(
                job, "training", "InProgress", "Training", "Training image download completed. Training in progress."
            )
            run = local_containers.TrainingRun(
                job_name=job.training_job_name,
                image=image,
                hyperparameters=dict(job.hyper_parameters or {}),
                channels=channels,
                model_dir=Path(tmp, "model"),
                log=log,
            )
            reported = container(run) or {}
            _transition(job, "training", "InProgress", "Uploading", "Uploading generated training model")
            run.model_dir.mkdir(parents=True, exist_ok=True)
            bucket, key = _split_s3(artifact)
            _upload_output(s3, bucket, key, _pack_model(run.model_dir), (job.output_data_config or {}).get("KmsKeyId"))
        metrics = _job_metrics(image, requested_metric_definitions, log.lines, reported)
        now = _utcnow()
        job.final_metric_data_list = [
            {"MetricName": name, "Value": float(value), "Timestamp": now} for name, value in metrics.items()
        ]
        job.model_artifacts = {"S3ModelArtifacts": artifact}
        log.flush(region)  # the logs are complete when the job ends, as with SageMaker
        _transition(job, "training", "Completed", "Completed", "Training job completed")
    except Exception as exc:  # the job fails, as a real one would; the workflow sees it through Describe
        LOG.info("training job %s failed: %s", job.training_job_name, exc)
        log(traceback.format_exc())
        job.failure_reason = _failure_reason(exc)
        log.flush(region)
        _transition(job, "training", "Failed", "Failed", f"Training job failed. {job.failure_reason}")


def _run_transform_job(backend: Any, job: Any) -> None:
    region = _region_of(job.arn)
    log = _JobLog("/aws/sagemaker/TransformJobs", job.transform_job_name)
    try:
        _iam().transform_started(backend, job)
        model = backend.describe_model(job.model_name)
        container_def = model.primary_container or (model.containers or [{}])[0]
        image = container_def.get("Image", "")
        _check_injected_failure("transform", job.transform_job_name)
        container = _container_for("transform", image)
        s3 = _client("s3", region)
        with tempfile.TemporaryDirectory(dir=_options().workdir) as tmp:
            model_dir = Path(tmp, "model")
            model_dir.mkdir()
            if container_def.get("ModelDataUrl"):
                bucket, key = _split_s3(container_def["ModelDataUrl"])
                try:
                    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                except s3.exceptions.NoSuchKey:
                    raise local_containers.ContainerClientError(
                        f"model data not found at {container_def['ModelDataUrl']}"
                    ) from None
                with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
                    tar.extractall(model_dir, filter="data")
            source = job.transform_input["DataSource"]["S3DataSource"]
            inputs = _download_prefix(s3, source["S3Uri"], Path(tmp, "input"))
            output_dir = Path(tmp, "output")
            output_dir.mkdir()
            container(
                local_containers.TransformRun(
                    job_name=job.transform_job_name,
                    image=image,
                    model_dir=model_dir,
                    inputs=inputs,
                    output_dir=output_dir,
                    content_type=job.transform_input.get("ContentType"),
                    input_filter=(job.data_processing or {}).get("InputFilter"),
                    environment=dict(job.environment or {}),
                    log=log,
                )
            )
            out_bucket, out_prefix = _split_s3(job.transform_output["S3OutputPath"])
            for path in local_containers.data_files(output_dir):
                key = "/".join(p for p in (out_prefix.rstrip("/"), str(path.relative_to(output_dir))) if p)
                _upload_output(s3, out_bucket, key, path.read_bytes(), job.transform_output.get("KmsKeyId"))
        log.flush(region)
        _transition(job, "transform", "Completed")
    except Exception as exc:
        LOG.info("transform job %s failed: %s", job.transform_job_name, exc)
        log(traceback.format_exc())
        job.failure_reason = _failure_reason(exc)
        log.flush(region)
        _transition(job, "transform", "Failed")


def _run_processing_job(job: Any) -> None:
    region = _region_of(job.arn)
    log = _JobLog("/aws/sagemaker/ProcessingJobs", job.processing_job_name)
    try:
        _iam().job_started("processing", job)
        app = job.app_specification or {}
        _check_injected_failure("processing", job.processing_job_name)
        container = _container_for("processing", app.get("ImageUri", ""))
        s3 = _client("s3", region)
        with tempfile.TemporaryDirectory(dir=_options().workdir) as tmp:
            run = local_containers.ProcessingRun(
                job_name=job.processing_job_name,
                image=app.get("ImageUri", ""),
                entrypoint=list(app.get("ContainerEntrypoint") or []),
                arguments=list(app.get("ContainerArguments") or []),
                environment=dict(job.environment or {}),
                root=Path(tmp),
                max_runtime_seconds=(job.stopping_condition or {}).get("MaxRuntimeInSeconds"),
                log=log,
            )
            for item in job.processing_inputs or []:
                source = item.get("S3Input")
                if source:
                    _download_prefix(s3, source["S3Uri"], run.local(source["LocalPath"]))
            outputs = [
                o["S3Output"] for o in (job.processing_output_config or {}).get("Outputs", []) if "S3Output" in o
            ]
            for output in outputs:
                run.local(output["LocalPath"]).mkdir(parents=True, exist_ok=True)
            container(run)
            for output in outputs:
                local_dir = run.local(output["LocalPath"])
                bucket, prefix = _split_s3(output["S3Uri"])
                for path in local_containers.data_files(local_dir):
                    key = "/".join(p for p in (prefix.rstrip("/"), str(path.relative_to(local_dir))) if p)
                    _upload_output(
                        s3, bucket, key, path.read_bytes(), (job.processing_output_config or {}).get("KmsKeyId")
                    )
        log.flush(region)
        _transition(job, "processing", "Completed")
    except Exception as exc:
        LOG.info("processing job %s failed: %s", job.processing_job_name, exc)
        log(traceback.format_exc())
        job.failure_reason = _failure_reason(exc)
        job.exit_message = job.failure_reason
        log.flush(region)
        _transition(job, "processing", "Failed")


def _transition(job: Any, kind: str, status: str, secondary: str | None = None, message: str | None = None) -> None:
    now = _utcnow()
    setattr(job, f"{kind}_job_status", status)
    job.last_modified_time = now
    if kind == "training" and secondary:
        for previous in job.secondary_status_transitions:
            previous.setdefault("EndTime", now)
        job.secondary_status = secondary
        job.secondary_status_transitions.append({"Status": secondary, "StartTime": now, "StatusMessage": message})
    if status in ("Completed", "Failed", "Stopped"):
        setattr(job, f"{kind}_end_time", now)
        if kind == "training":
            job.secondary_status_transitions[-1]["EndTime"] = now


def _start(target: Callable[..., None], *args: Any) -> None:
    threading.Thread(target=target, args=args, name=f"sagemaker-job-{target.__name__}", daemon=True).start()


def _hook_sagemaker_jobs(state: _Installed) -> None:
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    def unique(store: dict, name: str, what: str) -> None:
        if name in store:
            raise ValidationError(
                message=f"{what} names must be unique within an AWS account and region, and a {what.lower()} "
                f"with this name already exists ({name})"
            )

    original_training = SageMakerModelBackend.create_training_job

    def create_training_job(self, training_job_name, *args, **kwargs):
        unique(self.training_jobs, training_job_name, "Training job")
        spec = kwargs.get("algorithm_specification")
        requested = copy.deepcopy((spec or {}).get("MetricDefinitions"))
        job = original_training(self, training_job_name, *args, **kwargs)
        # moto replaces MetricDefinitions with an example of its own; keep what was asked for.
        if requested:
            job.algorithm_specification["MetricDefinitions"] = requested
        else:
            job.algorithm_specification.pop("MetricDefinitions", None)
        artifact = job.model_artifacts["S3ModelArtifacts"]
        job.model_artifacts = None  # reported once the job has uploaded it
        job.final_metric_data_list = None
        job.training_end_time = None
        job.failure_reason = None
        job.secondary_status_transitions = []
        _transition(job, "training", "InProgress", "Starting", "Launching requested ML instances")
        job.training_end_time = None
        _start(_run_training_job, job, requested, artifact)
        return job

    original_transform = SageMakerModelBackend.create_transform_job

    def create_transform_job(self, transform_job_name, *args, **kwargs):
        unique(self.transform_jobs, transform_job_name, "Transform job")
        model_name = kwargs.get("model_name", args[0] if args else None)
        self.describe_model(model_name)  # AWS refuses a transform job of a model that does not exist
        job = original_transform(self, transform_job_name, *args, **kwargs)
        job.transform_job_status = "InProgress"
        job.transform_end_time = None
        job.failure_reason = None
        _start(_run_transform_job, self, job)
        return job

    original_processing = SageMakerModelBackend.create_processing_job

    def create_processing_job(self, *args, **kwargs):
        unique(self.processing_jobs, kwargs["processing_job_name"], "Processing job")
        job = original_processing(self, *args, **kwargs)
        job.processing_job_status = "InProgress"
        job.processing_end_time = None
        job.failure_reason = None
        job.environment = {}
        return job

    # moto's backend takes no Environment for processing jobs: the response layer passes it on, then starts the job.
    original_processing_response = SageMakerResponse.create_processing_job

    def create_processing_job_response(self):
        result = original_processing_response(self)
        job = self.sagemaker_backend.processing_jobs[self._get_param("ProcessingJobName")]
        job.environment = dict(self._get_param("Environment") or {})
        _start(_run_processing_job, job)
        return result

    _patch(state, SageMakerModelBackend, "create_training_job", create_training_job)
    _patch(state, SageMakerModelBackend, "create_transform_job", create_transform_job)
    _patch(state, SageMakerModelBackend, "create_processing_job", create_processing_job)
    _patch(state, SageMakerResponse, "create_processing_job", create_processing_job_response)


# ---------------------------------------------------------------------------------------------------------------------
# SageMaker endpoints: UpdateEndpoint, status transitions, unique names
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class _PendingEndpoint:
    due: float
    config_name: str
    previous_config_name: str | None  # None: the endpoint is being created
    rollback_alarms: list[str] = field(default_factory=list)  # a blue/green rollout watches these
    rolling_back_reason: str | None = None  # set once the rollout is being rolled back
    rollback_seconds: float = 0.0


_PENDING_ENDPOINTS: dict[str, _PendingEndpoint] = {}  # endpoint ARN -> its pending transition
_ENDPOINTS_LOCK = threading.RLock()


def _missing_model_data(backend: Any, config_name: str) -> str | None:
    """The first ModelDataUrl of the config's models that is not in S3 (or its model's role may not read), or None."""
    if (denied := _iam().model_data_denied(backend, config_name)) is not None:
        return denied
    config = backend.endpoint_configs.get(config_name)
    if config is None:
        return None
    s3 = _client("s3", backend.region_name)
    for variant in config.production_variants:
        model = backend._models.get(variant.get("ModelName"))
        if model is None:
            continue
        for container in [model.primary_container, *model.containers]:
            url = (container or {}).get("ModelDataUrl")
            if not url:
                continue
            bucket, key = _split_s3(url)
            try:
                s3.head_object(Bucket=bucket, Key=key)
            except Exception:
                return url
    return None


# DescribeEndpoint's EndpointStatus values (SageMaker API reference, DescribeEndpoint).
ENDPOINT_STATUSES = (
    "OutOfService", "Creating", "Updating", "SystemUpdating", "RollingBack",
    "InService", "Deleting", "Failed", "UpdateRollbackFailed",
)  # fmt: skip
# endpoint ARN -> (monotonic time when the forced status ends, the status it goes to then)
_HELD_ENDPOINTS: dict[str, tuple[float, str]] = {}


def set_endpoint_status(
    name: str,
    status: str,
    *,
    failure_reason: str | None = None,
    hold_seconds: float | None = None,
    then: str = "InService",
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> None:
    """Put endpoint ``name`` in ``status`` (any DescribeEndpoint status), e.g. SystemUpdating or UpdateRollbackFailed,
    with ``failure_reason``; after ``hold_seconds`` (when given) it goes to ``then``. A pending Creating/Updating
    transition of the endpoint is dropped. UpdateEndpoint/CreateEndpoint then answer as AWS does in that status."""
    if status not in ENDPOINT_STATUSES or then not in ENDPOINT_STATUSES:
        raise ValueError(f"status and then must be one of {', '.join(ENDPOINT_STATUSES)}, got {status!r}, {then!r}")
    from moto.sagemaker.models import sagemaker_backends

    endpoint = sagemaker_backends[account_id][region].endpoints.get(name)
    if endpoint is None:
        raise KeyError(f"no endpoint {name!r} in {account_id}/{region}")
    with _ENDPOINTS_LOCK:
        _PENDING_ENDPOINTS.pop(endpoint.arn, None)
        _HELD_ENDPOINTS.pop(endpoint.arn, None)
        endpoint.endpoint_status = status
        endpoint.failure_reason = failure_reason
        endpoint.last_modified_time = _utcnow()
        if hold_seconds is not None:
            _HELD_ENDPOINTS[endpoint.arn] = (time.monotonic() + hold_seconds, then)


def _advance_endpoint(backend: Any, name: str) -> None:
    """Apply the endpoint's pending transition if its time has come (lazily, when someone looks)."""
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        return
    with _ENDPOINTS_LOCK:
        held = _HELD_ENDPOINTS.get(endpoint.arn)
        if held is not None:
            if time.monotonic() < held[0]:
                return
            del _HELD_ENDPOINTS[endpoint.arn]
            endpoint.endpoint_status = held[1]
            endpoint.last_modified_time = _utcnow()
            return
        pending = _PENDING_ENDPOINTS.get(endpoint.arn)
        if pending is None:
            return
        if pending.rolling_back_reason is None and pending.rollback_alarms:
            tripped = _alarms_in_alarm(backend, pending.rollback_alarms)
            if tripped:
                # "If any of your alarms trip during the specified monitoring period, SageMaker AI initiates a
                # complete rollback to the old endpoint" (Auto-Rollback Configuration and Monitoring).
                pending.rolling_back_reason = (
                    f"Deployment of endpoint config {pending.config_name} rolled back: auto-rollback alarm(s) "
                    f"{', '.join(tripped)} in ALARM state during the rollout."
                )
                pending.due = time.monotonic() + pending.rollback_seconds
                endpoint.endpoint_status = "RollingBack"
                endpoint.last_modified_time = _utcnow()
                return
        if time.monotonic() < pending.due:
            return
        del _PENDING_ENDPOINTS[endpoint.arn]
        if pending.rolling_back_reason is not None:
            endpoint.endpoint_status = "InService"  # the old config, which never stopped serving
            endpoint.failure_reason = pending.rolling_back_reason
            endpoint.last_modified_time = _utcnow()
            return
        missing = _missing_model_data(backend, pending.config_name)
        endpoint.last_modified_time = _utcnow()
        if missing is None:
            config = backend.endpoint_configs[pending.config_name]
            endpoint.endpoint_config_name = pending.config_name
            endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
            endpoint.endpoint_status = "InService"
            endpoint.failure_reason = None
            return
        reason = (
            f'Failed to download model data for container "container_1" from URL: "{missing}". Please ensure that '
            "there is an object located at the URL and that the role passed to CreateModel has permissions to "
            "download the object."
        )
        endpoint.failure_reason = reason
        # A failed update rolls the endpoint back to the config it served; a failed creation leaves it Failed.
        endpoint.endpoint_status = "Failed" if pending.previous_config_name is None else "InService"


def _alarms_in_alarm(backend: Any, names: list[str]) -> list[str]:
    """Those of the alarms (in the endpoint's account and region) whose state is ALARM in the emulated CloudWatch."""
    from moto.cloudwatch.models import cloudwatch_backends

    alarms = cloudwatch_backends[backend.account_id][backend.region_name].alarms
    return [n for n in names if n in alarms and alarms[n].state_value == "ALARM"]


def _hook_sagemaker_list_models(state: _Installed) -> None:
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    def list_models(self):
        contains = self._get_param("NameContains")
        models = [m for m in self.sagemaker_backend.list_models() if not contains or contains in m.model_name]
        return ActionResult({"Models": [m.response_object for m in models]})

    _patch(state, SageMakerResponse, "list_models", list_models)


def _hook_sagemaker_endpoints(state: _Installed) -> None:
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sagemaker.utils import arn_formatter

    transition = state.options.endpoint_transition_seconds
    rollout = state.options.endpoint_rollout_seconds

    original_create_model = SageMakerModelBackend.create_model

    def create_model(self, model_name, *args, **kwargs):
        if model_name in self._models:
            arn = arn_formatter("model", model_name, self.account_id, self.region_name)
            raise ValidationError(message=f'Cannot create already existing model "{arn}".')
        return original_create_model(self, model_name, *args, **kwargs)

    original_create_config = SageMakerModelBackend.create_endpoint_config

    def create_endpoint_config(self, endpoint_config_name, *args, **kwargs):
        if endpoint_config_name in self.endpoint_configs:
            arn = FakeEndpointConfig.arn_formatter(endpoint_config_name, self.account_id, self.region_name)
            raise ValidationError(message=f'Cannot create already existing endpoint configuration "{arn}".')
        return original_create_config(self, endpoint_config_name, *args, **kwargs)

    original_create_endpoint = SageMakerModelBackend.create_endpoint

    def create_endpoint(self, endpoint_name, endpoint_config_name, tags):
        if endpoint_name in self.endpoints:
            arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise ValidationError(message=f'Cannot create already existing endpoint "{arn}".')
        if endpoint_config_name not in self.endpoint_configs:
            self.describe_endpoint_config(endpoint_config_name)  # raises moto's "Could not find" error
        endpoint = original_create_endpoint(self, endpoint_name, endpoint_config_name, tags)
        endpoint.endpoint_status = "Creating"
        with _ENDPOINTS_LOCK:
            _PENDING_ENDPOINTS[endpoint.arn] = _PendingEndpoint(
                time.monotonic() + transition, endpoint_config_name, None
            )
        return endpoint

    def update_endpoint(
        self, endpoint_name: str, endpoint_config_name: str, deployment_config: dict[str, Any] | None = None
    ) -> str:
        _advance_endpoint(self, endpoint_name)
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None:
            arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        self.describe_endpoint_config(endpoint_config_name)  # raises if it does not exist
        # UpdateRollbackFailed is fixed by a new UpdateEndpoint (DescribeEndpoint API reference, EndpointStatus).
        if endpoint.endpoint_status not in ("InService", "OutOfService", "UpdateRollbackFailed"):
            raise ValidationError(
                message=f'Cannot update in-progress endpoint "{endpoint.arn}".'
                if endpoint.endpoint_status in ("Creating", "Updating", "SystemUpdating", "RollingBack")
                else f'Cannot update endpoint "{endpoint.arn}" in status {endpoint.endpoint_status}.'
            )
        endpoint.endpoint_status = "Updating"
        endpoint.last_modified_time = _utcnow()
        blue_green = (deployment_config or {}).get("BlueGreenUpdatePolicy") is not None
        alarms = [
            a["AlarmName"] for a in ((deployment_config or {}).get("AutoRollbackConfiguration") or {}).get("Alarms", [])
        ]
        if deployment_config is not None:
            endpoint.last_deployment_config = deployment_config
        with _ENDPOINTS_LOCK:
            _PENDING_ENDPOINTS[endpoint.arn] = _PendingEndpoint(
                time.monotonic() + (rollout if blue_green else transition),
                endpoint_config_name,
                endpoint.endpoint_config_name,
                rollback_alarms=alarms if blue_green else [],
                rollback_seconds=transition,
            )
        return endpoint.arn

    original_describe = SageMakerModelBackend.describe_endpoint

    def describe_endpoint(self, endpoint_name):
        _advance_endpoint(self, endpoint_name)
        response = original_describe(self, endpoint_name)
        # DescribeEndpoint's LastDeploymentConfig: "The most recent deployment configuration for the endpoint"
        # (SageMaker API reference, DescribeEndpoint); moto has no such field.
        last = getattr(self.endpoints.get(endpoint_name), "last_deployment_config", None)
        if last is not None and isinstance(response, dict):
            response = {**response, "LastDeploymentConfig": last}
        return response

    original_list = SageMakerModelBackend.list_endpoints

    def list_endpoints(self, *args, **kwargs):
        for name in list(self.endpoints):
            _advance_endpoint(self, name)
        return original_list(self, *args, **kwargs)

    original_delete = SageMakerModelBackend.delete_endpoint

    def delete_endpoint(self, endpoint_name):
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is not None:
            with _ENDPOINTS_LOCK:
                _PENDING_ENDPOINTS.pop(endpoint.arn, None)
        return original_delete(self, endpoint_name)

    def update_endpoint_response(self):
        arn = self.sagemaker_backend.update_endpoint(
            endpoint_name=self._get_param("EndpointName"),
            endpoint_config_name=self._get_param("EndpointConfigName"),
            deployment_config=self._get_param("DeploymentConfig"),
        )
        return ActionResult({"EndpointArn": arn})

    _patch(state, SageMakerModelBackend, "create_model", create_model)
    _patch(state, SageMakerModelBackend, "create_endpoint_config", create_endpoint_config)
    _patch(state, SageMakerModelBackend, "create_endpoint", create_endpoint)
    _patch(state, SageMakerModelBackend, "describe_endpoint", describe_endpoint)
    _patch(state, SageMakerModelBackend, "list_endpoints", list_endpoints)
    _patch(state, SageMakerModelBackend, "delete_endpoint", delete_endpoint)
    SageMakerModelBackend.update_endpoint = update_endpoint
    SageMakerResponse.update_endpoint = update_endpoint_response
    state.undo.append(lambda: delattr(SageMakerModelBackend, "update_endpoint"))
    state.undo.append(lambda: delattr(SageMakerResponse, "update_endpoint"))
    state.undo.append(_PENDING_ENDPOINTS.clear)
    state.undo.append(_HELD_ENDPOINTS.clear)


# ---------------------------------------------------------------------------------------------------------------------
# S3 bucket policies: conditions
# ---------------------------------------------------------------------------------------------------------------------
# Condition keys every request to the emulator carries, as a request to AWS over HTTPS would.
S3_REQUEST_CONTEXT = {"aws:SecureTransport": "true"}
# Object requests' own condition keys: the encryption headers of a write
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys).
S3_HEADER_KEYS = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id")
_S3_REQUEST = threading.local()  # .context: the condition keys of the object request this thread is serving
# What S3 answers a request its bucket policy denies (moto answers 403 with no body, which SDKs cannot name).
S3_ACCESS_DENIED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
    "<RequestId>emulator</RequestId><HostId>emulator</HostId></Error>"
)

_CONDITION_OPERATORS: dict[str, Callable[[list[str], str | None], bool]] = {
    # A key missing from the request matches no positive operator and every negated one, as in AWS.
    "StringEquals": lambda expected, actual: actual is not None and actual in expected,
    "StringNotEquals": lambda expected, actual: actual is None or actual not in expected,
    "Bool": lambda expected, actual: actual is not None and actual.lower() in [e.lower() for e in expected],
    "Null": lambda expected, actual: (actual is None) == (expected[0].lower() == "true"),
}


def _conditions_met(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool | None:
    """Whether a statement's Condition block holds for ``context``; None if it uses an operator we do not know."""
    for operator, keys in conditions.items():
        test = _CONDITION_OPERATORS.get(operator)
        if test is None:
            return None
        for key, expected in keys.items():
            values = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
            if not test(values, {k.lower(): v for k, v in context.items()}.get(key.lower())):
                return False
    return True


def _hook_s3_policy_conditions(state: _Installed) -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket
    from moto.s3.responses import S3Response

    original_key_response = S3Response._key_response

    def key_response(self, request: Any, full_url: str) -> Any:
        headers = {k.lower(): v for k, v in request.headers.items()}
        _S3_REQUEST.context = {
            **S3_REQUEST_CONTEXT,
            **{f"s3:{name}": headers[name] for name in S3_HEADER_KEYS if name in headers},
        }
        try:
            response = original_key_response(self, request, full_url)
        finally:
            _S3_REQUEST.context = None
        if response == (403, {}, ""):  # the bucket policy denied it
            return 403, {"Content-Type": "application/xml"}, S3_ACCESS_DENIED
        return response

    def get_permission(self, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy)
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        applicable = []
        for statement in statements:
            met = _conditions_met(
                statement.get("Condition", {}), getattr(_S3_REQUEST, "context", None) or S3_REQUEST_CONTEXT
            )
            if met is False:
                continue  # the statement does not apply to this request
            if met is True:
                statement = {k: v for k, v in statement.items() if k != "Condition"}
            applicable.append(statement)  # met is None: left to moto, which treats it as met
        if not applicable:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**policy, "Statement": applicable})).is_action_permitted(action, resource)

    _patch(state, FakeBucket, "get_permission", get_permission)
    _patch(state, S3Response, "_key_response", key_response)


# ---------------------------------------------------------------------------------------------------------------------
# Lambda: run the deployed handler code in-process
# ---------------------------------------------------------------------------------------------------------------------
# One invocation at a time: a handler runs with its package's modules in sys.modules and its environment in
# os.environ, both process-wide. Handlers must not invoke Lambda functions themselves (that would wait on this lock).
_LAMBDA_LOCK = threading.Lock()


class _LambdaContext:
    """The attributes of the Lambda context object that handlers commonly use."""

    def __init__(self, fn: Any, request_id: str) -> None:
        self.function_name = fn.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = fn.function_arn
        self.memory_limit_in_mb = int(fn.memory_size or 128)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{fn.function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{request_id.replace('-', '')}"
        self._deadline = time.monotonic() + float(fn.timeout or 3)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _LambdaSandbox:
    """One warm "container" of a function: its unpacked package and, after the first call, its loaded modules.

    The package's top-level modules (e.g. ``common``, ``gate``) are put in ``sys.modules`` only while one of its
    invocations runs, so two packages with modules of the same name never see each other's.
    """

    def __init__(self, root: Path, handler: str) -> None:
        if "." not in handler:
            raise ValueError(f"Lambda handler must be <module>.<function>, got {handler!r}")
        self.root = root
        self.module_name, self.function_name = handler.rsplit(".", 1)
        self.local = {p.stem for p in root.glob("*.py")} | {
            p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()
        }
        self.modules: dict[str, ModuleType] = {}

    def _is_local(self, name: str) -> bool:
        return name.split(".", 1)[0] in self.local

    @contextlib.contextmanager
    def loaded(self) -> Iterator[None]:
        saved = {n: m for n, m in sys.modules.items() if self._is_local(n)}
        for name in saved:
            del sys.modules[name]
        sys.modules.update(self.modules)
        sys.path.insert(0, str(self.root))
        try:
            yield
        finally:
            with contextlib.suppress(ValueError):
                sys.path.remove(str(self.root))
            self.modules = {n: m for n, m in sys.modules.items() if self._is_local(n)}
            for name in self.modules:
                del sys.modules[name]
            sys.modules.update(saved)

    def handler(self) -> Callable[[Any, Any], Any]:
        module = importlib.import_module(self.module_name)  # cold start the first time; warm afterwards
        return getattr(module, self.function_name)


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _CapturedLog(logging.Handler):
    """Log records of one thread, formatted as the Lambda Python runtime writes them."""

    def __init__(self, request_id: str) -> None:
        super().__init__(logging.DEBUG)
        self.thread = threading.get_ident()
        self.request_id = request_id
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            stamp = datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat()
            self.lines.append(f"[{record.levelname}]\t{stamp}\t{self.request_id}\t{record.getMessage()}")


def _sandbox_for(fn: Any) -> _LambdaSandbox:
    state = _STATE
    assert state is not None
    code = fn.code_bytes or b""
    if not code:
        raise RuntimeError(f"function {fn.function_name} has no zip package (image functions are not supported)")
    digest = hashlib.sha256(code).hexdigest()
    key = (fn.function_arn, digest, fn.handler)
    sandbox = state.lambda_sandboxes.get(key)
    if sandbox is None:
        root = state.options.workdir / "lambda" / f"{fn.function_name}-{digest[:12]}"
        if not root.exists():
            root.mkdir(parents=True)
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                archive.extractall(root)  # noqa: S202 - the function's own package, as Lambda unpacks it
            importlib.invalidate_caches()
        sandbox = state.lambda_sandboxes[key] = _LambdaSandbox(root, fn.handler)
    return sandbox


def invoke_handler(fn: Any, event: Any) -> tuple[str, bool, str]:
    """Run moto LambdaFunction ``fn``'s handler on ``event``: (JSON payload, whether it errored, log text)."""
    options = _options()
    request_id = str(uuid.uuid4())
    if isinstance(event, str | bytes):
        event = json.loads(event or "{}")
    region = _region_of(fn.function_arn)
    environment = {
        **{k: str(v) for k, v in (fn.environment_vars or {}).items()},
        "AWS_ENDPOINT_URL": options.endpoint,  # the handler's boto3 clients call the emulator
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "test",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "_HANDLER": fn.handler,
    }
    capture = _CapturedLog(request_id)
    root_logger = logging.getLogger()
    lines = [f"START RequestId: {request_id} Version: $LATEST"]
    errored = False
    with _LAMBDA_LOCK:
        sandbox = _sandbox_for(fn)
        root_logger.addHandler(capture)
        started = time.monotonic()
        try:
            with sandbox.loaded(), _environ(environment), _iam().acting_as(fn.role):
                result = sandbox.handler()(event, _LambdaContext(fn, request_id))
            payload = json.dumps(result)
        except Exception as exc:
            errored = True
            payload = json.dumps(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "requestId": request_id,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
            )
            capture.lines.append(f"[ERROR] {type(exc).__name__}: {exc}")
        finally:
            root_logger.removeHandler(capture)
        elapsed = (time.monotonic() - started) * 1000
    lines += capture.lines
    lines += [f"END RequestId: {request_id}", f"REPORT RequestId: {request_id}\tDuration: {elapsed:.2f} ms"]
    return payload, errored, "\n".join(lines)


def _hook_lambda_handlers(state: _Installed) -> None:
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self, event=None):
        self.logs_backend.ensure_log_group(self.logs_group_name)
        payload, errored, logs = invoke_handler(self, event)
        self.save_logs(logs)
        return payload, errored, logs

    _patch(state, LambdaFunction, "_invoke_lambda", _invoke_lambda)
    state.undo.append(state.lambda_sandboxes.clear)


# ---------------------------------------------------------------------------------------------------------------------
# IAM (scripts/moto_iam.py)
# ---------------------------------------------------------------------------------------------------------------------
def _iam() -> ModuleType:
    from scripts import moto_iam

    return moto_iam


def _hook_iam(state: _Installed) -> None:
    """Calls made as a role are evaluated against its policies: see scripts/moto_iam.py."""
    _iam().install(lambda owner, name, value: _patch(state, owner, name, value), state.undo.append)


# ---------------------------------------------------------------------------------------------------------------------
# Fault injection: a named AWS call fails N times, for any caller
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Fault:
    """One injected fault; ``remaining`` counts down as calls fail, ``failed`` counts the calls it failed."""

    service: str
    operation: str
    code: str
    message: str
    http_status: int
    remaining: int
    match: re.Pattern[str] | None
    failed: int = 0

    def remove(self) -> None:
        with _FAULT_LOCK:
            if self in _FAULTS:
                _FAULTS.remove(self)


_FAULTS: list[Fault] = []
_FAULT_LOCK = threading.Lock()
# boto3 service names as a caller writes them -> moto's names for the same service (BaseResponse.service_name).
_MOTO_SERVICE_NAMES = {"lambda": "awslambda", "sfn": "stepfunctions", "states": "stepfunctions"}


def inject_fault(
    service: str,
    operation: str,
    *,
    code: str,
    message: str | None = None,
    http_status: int = 400,
    times: int = 1,
    match: str | None = None,
) -> Fault:
    """Make the next ``times`` calls of ``service``'s ``operation`` (e.g. "sagemaker", "DescribeEndpoint") fail.

    Every caller sees it: the Step Functions executor's clients, the Lambda handlers the emulator runs, tests. The
    answer is the error AWS would give, serialized in the service's protocol with ``code`` (e.g.
    ``ThrottlingException`` 400, ``ServiceUnavailable`` 503, ``InternalFailure`` 500, ``ResourceLimitExceeded`` 400,
    ``AccessDeniedException`` 400), so a boto3 caller gets a ClientError with that code and the executor names it as
    Step Functions does. ``match``: a regex the request's path or body must contain (e.g. an endpoint name).
    Returns the fault: ``.remove()`` it, or read ``.failed``.
    """
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    fault = Fault(
        service=_MOTO_SERVICE_NAMES.get(service.lower(), service.lower()),
        operation=operation,
        code=code,
        message=message or f"Injected fault: {code}",
        http_status=http_status,
        remaining=times,
        match=re.compile(match) if match else None,
    )
    with _FAULT_LOCK:
        _FAULTS.append(fault)
    return fault


def clear_faults() -> None:
    """Remove every injected fault."""
    with _FAULT_LOCK:
        _FAULTS.clear()


def _take_fault(service: str, operation: str, request_text: str) -> Fault | None:
    with _FAULT_LOCK:
        for fault in _FAULTS:
            if fault.service == service and fault.operation == operation:
                if fault.match and not fault.match.search(request_text):
                    continue
                fault.remaining -= 1
                fault.failed += 1
                if fault.remaining <= 0:
                    _FAULTS.remove(fault)
                return fault
    return None


def _hook_fault_injection(state: _Installed) -> None:
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult, BaseResponse

    # Defined outside moto's packages, so moto serializes it with the called service's model (not moto.core's).
    class InjectedFault(ServiceException):
        pass

    original = BaseResponse.call_action

    def call_action(self):
        service = getattr(self, "service_name", None) or ""
        if any(f.service == service for f in list(_FAULTS)):
            body = self.body.decode(errors="replace") if isinstance(self.body, bytes) else str(self.body or "")
            fault = _take_fault(service, self._get_action(), f"{self.path} {body}")
            if fault is not None:
                error = InjectedFault(fault.code, fault.message)
                _, headers, body = self.serialized(ActionResult(error))
                headers["status"] = fault.http_status
                headers, body = self._enrich_response(headers, body)  # the request id, as every answer has
                return fault.http_status, headers, body
        return original(self)

    _patch(state, BaseResponse, "call_action", call_action)
    state.undo.append(clear_faults)
