"""EventBridge hooks of the emulator: the events AWS services put on the default bus, and their delivery to SNS.

Registered by ``scripts/moto_extensions.install()`` (hook ``events``); the hooks only make moto behave like AWS.
Without them nothing reaches the module's EventBridge rules in the emulator: moto's Step Functions emits no events,
and moto's EventBridge cannot deliver to an SNS topic (``Rule.send_to_targets`` raises NotImplementedError). So an
execution that timed out, was aborted or failed outside a Catch was never alerted there, and no test could see it.

==========================  =================================================================================
hook                        what it patches, and why
==========================  =================================================================================
execution_status_events     ``Execution.start`` and ``BaseExecutionWorkerCommunication.terminated`` (moto's
                            Step Functions executor): a Standard workflow execution puts a "Step Functions
                            Execution Status Change" event (source ``aws.states``) on the account's default
                            bus when it starts (RUNNING) and when it ends (SUCCEEDED, FAILED, TIMED_OUT,
                            ABORTED), as AWS does ("EventBridge (CloudWatch Events) for Step Functions execution
                            status changes", Step Functions Developer Guide, cw-events.html: "the detail section
                            in the event data provides the same information as the DescribeExecution API";
                            Express workflows emit none). ``detail`` is DescribeExecution's response (dates in
                            epoch milliseconds, ``error``/``cause`` when the execution has them, as
                            DescribeExecution gives them; the guide's older examples omit them, so the
                            module's patterns also match an event without ``error``). Events go to every
                            ENABLED rule of the default bus whose pattern matches (moto's matcher), once each.
                            Child executions of a Distributed Map emit none here (moto runs them inside the
                            parent, not as executions).
sns_targets                 ``Rule.send_to_targets``: a rule's SNS target receives the event (through the
                            target's input transformer, moto's) as an SNS Publish by ``events.amazonaws.com``,
                            delivered only when AWS would deliver it ("Why isn't my Amazon SNS topic receiving
                            EventBridge notifications?", AWS re:Post knowledge center): the topic's policy must
                            allow the service principal ``events.amazonaws.com`` ``sns:Publish`` on the topic
                            (with ``aws:SourceArn`` = the rule's ARN and ``aws:SourceAccount`` in the context),
                            and an encrypted topic needs a customer managed key whose key policy allows
                            ``events.amazonaws.com`` ``kms:GenerateDataKey`` and ``kms:Decrypt`` (an AWS
                            managed key, ``alias/aws/sns``, cannot grant that, so EventBridge cannot publish
                            to its topics). An undelivered event is dropped, as AWS drops it (it counts as a
                            FailedInvocation); ``failed_deliveries()`` lists them, with the reason.
==========================  =================================================================================
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LOG = logging.getLogger(__name__)

STATUS_CHANGE = "Step Functions Execution Status Change"
EVENTS_PRINCIPAL = "events.amazonaws.com"

_FAILED: list[FailedDelivery] = []
_FAILED_LOCK = threading.Lock()


@dataclass(frozen=True)
class FailedDelivery:
    rule_arn: str
    target_arn: str
    reason: str


def failed_deliveries() -> list[FailedDelivery]:
    """Events a rule matched but could not deliver (denied by the topic's policy or key), oldest first."""
    with _FAILED_LOCK:
        return list(_FAILED)


def install(state: Any, patch_until_uninstall: Callable[[Any, Any, str, Any], Any]) -> None:
    """Install the hooks into moto_extensions' installation ``state``; its ``_patch`` undoes them on uninstall."""

    def patch(owner: Any, name: str, value: Any) -> Any:
        return patch_until_uninstall(state, owner, name, value)

    _hook_execution_status_events(patch)
    _hook_sns_targets(patch)
    state.undo.append(_clear_failed)


def _clear_failed() -> None:
    with _FAILED_LOCK:
        _FAILED.clear()


# ---------------------------------------------------------------------------------------------------------------------
# Putting events on the default bus
# ---------------------------------------------------------------------------------------------------------------------
def _iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def put_service_event(
    account: str, region: str, source: str, detail_type: str, resources: list[str], detail: dict
) -> int:
    """Put an AWS service's event on the account's default bus: every ENABLED rule whose pattern matches gets it.

    AWS services put their events on the default bus themselves (PutEvents refuses a source starting with ``aws.``
    from a caller). Returns how many rules matched.
    """
    from moto.events.models import events_backends

    backend = events_backends[account][region]
    now = datetime.datetime.now(datetime.timezone.utc)
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": now.timestamp(),  # moto keeps it numeric inside and writes ISO 8601 on delivery, as AWS's events have
        "region": region,
        "resources": resources,
        "detail": detail,
        "ingestion-time": now.timestamp(),  # moto's input transformer reads it
    }
    matched = 0
    bus = backend.describe_event_bus("default")
    for rule in list(bus.rules.values()):
        # A scheduled rule has no event pattern and matches no event (PutRule takes one or the other); moto's empty
        # pattern would match every event.
        if rule.state != "ENABLED" or not rule.event_pattern.get_pattern():
            continue
        if not rule.event_pattern.matches_event(event):
            continue
        matched += 1
        try:
            rule.send_to_targets(copy.deepcopy(event))
        except NotImplementedError:  # a target type moto cannot deliver to (AWS would): not a failure of the emitter
            LOG.warning("the emulator cannot deliver %s to the targets of %s", detail_type, rule.arn)
        except Exception:  # a target that fails never fails the service that emitted the event
            LOG.exception("delivering %s to the targets of %s failed", detail_type, rule.arn)
    return matched


def _epoch_ms(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return int(value.timestamp() * 1000)


def execution_detail(execution: Any, status: str | None = None) -> dict[str, Any]:
    """The event's ``detail``: DescribeExecution's response for ``execution`` (moto's), dates in epoch ms."""
    described = dict(execution.to_describe_output())
    detail: dict[str, Any] = {
        "executionArn": described["executionArn"],
        "stateMachineArn": described["stateMachineArn"],
        "name": described["name"],
        "status": status or str(getattr(described["status"], "value", described["status"])),
        "startDate": _epoch_ms(described.get("startDate")),
        "stopDate": None if status == "RUNNING" else _epoch_ms(described.get("stopDate")),
        "input": described.get("input"),
        "output": described.get("output"),
        "inputDetails": described.get("inputDetails"),
        "outputDetails": described.get("outputDetails"),
    }
    for key in ("error", "cause"):
        if status != "RUNNING" and described.get(key) is not None:
            detail[key] = described[key]
    return detail


def _emit_status_change(execution: Any, status: str | None = None) -> None:
    from moto.stepfunctions.parser.api import StateMachineType

    if execution.sm_type != StateMachineType.STANDARD:
        return  # "Express Workflows do not emit events to EventBridge"
    try:
        detail = execution_detail(execution, status)
        put_service_event(
            execution.account_id, execution.region_name, "aws.states", STATUS_CHANGE, [detail["executionArn"]], detail
        )
    except Exception:  # best-effort delivery, as in AWS: never fail the execution
        LOG.exception("emitting the status change event of %s failed", getattr(execution, "exec_arn", "?"))


def _hook_execution_status_events(patch: Callable[[Any, str, Any], Any]) -> None:
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution

    original_start = Execution.start
    original_terminated = BaseExecutionWorkerCommunication.terminated

    def start(self: Any) -> None:
        _emit_status_change(self, "RUNNING")  # before the worker runs, so RUNNING comes first
        original_start(self)

    def terminated(self: Any) -> None:
        original_terminated(self)
        _emit_status_change(self.execution)

    patch(Execution, "start", start)
    patch(BaseExecutionWorkerCommunication, "terminated", terminated)


# ---------------------------------------------------------------------------------------------------------------------
# Delivering to SNS targets
# ---------------------------------------------------------------------------------------------------------------------
def _principal_services(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        services = principal.get("Service", [])
        return [services] if isinstance(services, str) else list(services)
    return []


def service_allowed(policy: Any, service: str, action: str, resource: str, context: dict[str, str]) -> bool:
    """A resource policy's answer for a service principal: an explicit Deny wins, else an Allow naming it is needed."""
    from scripts import moto_iam

    document = json.loads(policy) if isinstance(policy, str) else (policy or {})
    allowed = False
    for statement in moto_iam._as_list(document.get("Statement", [])):
        services = _principal_services(statement)
        if "*" not in services and service not in services:
            continue
        if moto_iam._statement_applies(statement, action, resource, context):
            if statement.get("Effect") == "Deny":
                return False
            allowed = True
    return allowed


def _topic_refusal(topic: Any, rule_arn: str, account: str, region: str) -> str | None:
    """Why EventBridge may not publish to ``topic`` on behalf of ``rule_arn`` (None: it may)."""
    context = {"aws:SourceArn": rule_arn, "aws:SourceAccount": account, "aws:SecureTransport": "true"}
    if not service_allowed(topic._policy_json, EVENTS_PRINCIPAL, "sns:Publish", topic.arn, context):
        return f"the policy of topic {topic.arn} does not allow {EVENTS_PRINCIPAL} sns:Publish for {rule_arn}"
    key_id = topic.kms_master_key_id
    if not key_id:
        return None
    if key_id.startswith("alias/aws/") or ":alias/aws/" in key_id:
        return f"topic {topic.arn} is encrypted with the AWS managed key {key_id}, which EventBridge cannot use"
    from moto.kms.models import kms_backends

    key_region = key_id.split(":")[3] if key_id.startswith("arn:") else region
    key_account = key_id.split(":")[4] if key_id.startswith("arn:") else account
    try:
        key = kms_backends[key_account][key_region].describe_key(key_id)
    except Exception:  # moto raises its NotFound for an unknown key
        return f"the KMS key {key_id} of topic {topic.arn} does not exist"
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        if not service_allowed(key.policy, EVENTS_PRINCIPAL, action, key.arn, context):
            return f"the policy of KMS key {key.arn} (topic {topic.arn}) does not allow {EVENTS_PRINCIPAL} {action}"
    return None


def _hook_sns_targets(patch: Callable[[Any, str, Any], Any]) -> None:
    from moto.events.models import Rule
    from moto.events.utils import EventTemplateParser
    from moto.sns.models import sns_backends

    original = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        sns_targets = [t for t in self.targets if t["Arn"].split(":")[2] == "sns"]
        others = [t for t in self.targets if t not in sns_targets]
        # moto's own targets; one without an input transformer gets the event as it is, as in AWS (moto would pass it
        # through a default template that expects a numeric "time", where AWS's is an ISO 8601 string).
        for transformed in (True, False):
            rest = copy.copy(self)
            rest.targets = [t for t in others if bool(t.get("InputTransformer")) == transformed]
            if rest.targets:
                original(rest, original_event, transform_input and transformed)
        for target in sns_targets:
            topic_arn = target["Arn"]
            region, account = topic_arn.split(":")[3], topic_arn.split(":")[4]
            backend = sns_backends[account][region]
            topic = backend.topics.get(topic_arn)
            reason = (
                f"topic {topic_arn} does not exist"
                if topic is None
                else _topic_refusal(topic, self.arn, self.account_id, self.region_name)
            )
            if reason:
                LOG.warning("EventBridge rule %s could not deliver to %s: %s", self.arn, topic_arn, reason)
                with _FAILED_LOCK:
                    _FAILED.append(FailedDelivery(self.arn, topic_arn, reason))
                continue
            sent = datetime.datetime.fromtimestamp(float(original_event["time"]), datetime.timezone.utc)
            delivered = {**original_event, "time": _iso(sent)}
            if transform_input and target.get("InputTransformer"):
                transformer = target["InputTransformer"]
                body = EventTemplateParser.parse(
                    input_template=transformer.get("InputTemplate"),
                    input_paths_map=transformer.get("InputPathsMap", {}),
                    event=delivered,
                )
            else:
                body = {k: v for k, v in delivered.items() if k != "ingestion-time"}
            message = body if isinstance(body, str) else json.dumps(body)
            backend.publish(message=message, arn=topic_arn)

    patch(Rule, "send_to_targets", send_to_targets)
