"""Lambda ``retention.handler``: after a successful deployment, delete the superseded models and endpoint configs.

Used by both workflows that deploy: the hourly retraining (name prefix ``<prefix>-<model>-rt-``) and the approved
deployment (``<prefix>-ad-``, its own function and role, same package). Event (from the state machine, after the
endpoint is InService on the config the run deployed)::

    {"endpoint_name": "<endpoint>", "endpoint_config": "<config the run deployed>",
     "name_prefix": "<prefix>-<model>-rt-", "retain_previous": <0..100>,
     "prune_models": "unreferenced" | "of_deleted_configs"}

``prune_models`` (optional, default ``unreferenced``) says which models are candidates for deletion:
``unreferenced``, every model of the workflow's shape that no remaining config names (the retraining, whose
candidates live only between CreateModel and CreateEndpointConfig of one run under the endpoint's lock);
``of_deleted_configs``, only the models the configs deleted by this run named (the approved deployment: a candidate
waits for its approver for up to days with its model and no config, so a model without a config may still be
deployed and is never taken for superseded; rejected and expired candidates discard their own model, below).

The workflow's names are ``<name_prefix>`` + 32 hex digits, and everything it creates carries the tag
``sfn-ml:execution`` = MD5 of the execution name (32 hex digits). An endpoint config or model is the workflow's own
only if both hold; anything else (another name, no or another tag) is never touched. Kept: the config the endpoint
serves, the ``retain_previous`` newest of the older ones (by CreationTime), and every model a remaining config names
(production and shadow variants). Deleted, oldest first and at most ``MAX_DELETIONS`` of each kind per run (the
rest on the next run): the other configs, then the models no remaining config names. While a backlog of configs
remains (the first runs after an upgrade), only configs are deleted.

Fails closed: on any doubt (the endpoint is not InService on the config the run deployed, a config of the workflow
is newer than the serving one, a listing or a description fails) it deletes nothing and raises RetentionRefused;
a deletion that fails stops the run with RetentionIncomplete, naming what was deleted before. The state machine
catches both, notifies, and still ends the deployment as deployed.

Result::

    {"status": "applied", "serving_config": "...", "kept_configs": [...], "kept_models": [...],
     "deleted_configs": [...], "deleted_models": [...], "ignored": [...], "remaining_candidates": <int>}

Discarding a candidate that will never be deployed (approved deployment: rejected, expired or superseded)::

    {"action": "discard_candidate", "model_name": "<prefix>-ad-<32 hex>", "execution_name": "<$$.Execution.Name>",
     "name_prefix": "<prefix>-ad-"}

deletes that one model only if its name has the workflow's shape and its ``sfn-ml:execution`` tag is the MD5 of
``execution_name``: the execution that asks created it. Those paths end before CreateEndpointConfig, so no config of
the workflow names the model. Result: ``{"status": "discarded", "deleted_models": ["..."]}``.

Errors (class name = Step Functions error name): MalformedEvent, RetentionRefused, RetentionIncomplete.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from common import (
    MalformedEvent,
    RetrainingError,
    errors_logged,
    is_sagemaker_name,
    log_decision,
    sagemaker_client,
)

EXECUTION_TAG = "sfn-ml:execution"
MAX_RETAIN = 100
# Deletions per kind and run: a first run after an upgrade may find thousands of superseded resources; each costs a
# ListTags and a Delete call, so a bounded batch per run keeps the function far inside its timeout.
MAX_DELETIONS = 100
_HEX32 = re.compile(r"[0-9a-f]{32}")
_PREFIX = re.compile(r"[a-z0-9](-*[a-z0-9])*-(rt|ad)-")
PRUNE_MODELS = ("unreferenced", "of_deleted_configs")
DISCARD = "discard_candidate"


class RetentionRefused(RetrainingError):
    """Something is not as the workflow left it: nothing was deleted."""


class RetentionIncomplete(RetrainingError):
    """A deletion failed; the resources deleted before it are named in the message."""


class RetentionEvent(TypedDict):
    endpoint_name: str
    endpoint_config: str
    name_prefix: str
    retain_previous: int
    prune_models: str


class DiscardEvent(TypedDict):
    model_name: str
    execution_name: str
    name_prefix: str


@dataclass(frozen=True)
class Listed:
    """One endpoint config or model as ListEndpointConfigs / ListModels report it."""

    name: str
    created: datetime


@dataclass
class ConfigSelection:
    keep: list[str]
    candidates: list[str]  # oldest first
    newer_than_serving: list[str]


@dataclass
class Outcome:
    serving_config: str
    kept_configs: list[str]
    kept_models: list[str] = field(default_factory=list)
    deleted_configs: list[str] = field(default_factory=list)
    deleted_models: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    remaining_candidates: int = 0


def _parse_prefix(event: dict[str, Any]) -> str:
    prefix = event.get("name_prefix")
    if not isinstance(prefix, str) or len(prefix) > 31 or _PREFIX.fullmatch(prefix) is None:
        raise MalformedEvent(
            f"name_prefix must look like '<prefix>-<model>-rt-' or '<prefix>-ad-' (lower case), got {prefix!r}"
        )
    return prefix


def parse_event(event: object) -> RetentionEvent:
    """The event's fields, checked, or MalformedEvent."""
    if not isinstance(event, dict):
        raise MalformedEvent(f"event must be a JSON object, got {type(event).__name__}")
    for key in ("endpoint_name", "endpoint_config"):
        if not is_sagemaker_name(event.get(key)):
            raise MalformedEvent(f"{key} must be a SageMaker name, got {event.get(key)!r}")
    prefix = _parse_prefix(event)
    retain = event.get("retain_previous")
    if isinstance(retain, bool) or not isinstance(retain, int) or not 0 <= retain <= MAX_RETAIN:
        raise MalformedEvent(f"retain_previous must be a whole number from 0 to {MAX_RETAIN}, got {retain!r}")
    prune = event.get("prune_models", PRUNE_MODELS[0])
    if prune not in PRUNE_MODELS:
        raise MalformedEvent(f"prune_models must be one of {', '.join(PRUNE_MODELS)}, got {prune!r}")
    return RetentionEvent(
        endpoint_name=event["endpoint_name"],
        endpoint_config=event["endpoint_config"],
        name_prefix=prefix,
        retain_previous=retain,
        prune_models=prune,
    )


def parse_discard_event(event: dict[str, Any]) -> DiscardEvent:
    """A discard_candidate event's fields, checked, or MalformedEvent."""
    prefix = _parse_prefix(event)
    model = event.get("model_name")
    if not isinstance(model, str) or not is_workflow_name(model, prefix):
        raise MalformedEvent(f"model_name must be {prefix} and 32 hex digits, got {model!r}")
    execution = event.get("execution_name")
    if not isinstance(execution, str) or not 1 <= len(execution) <= 80:
        raise MalformedEvent(
            f"execution_name must be a Step Functions execution name (1-80 characters), got {execution!r}"
        )
    return DiscardEvent(model_name=model, execution_name=execution, name_prefix=prefix)


def execution_tag_value(execution_name: str) -> str:
    """The workflow's execution tag: States.Hash($$.Execution.Name, 'MD5'), 32 lower-case hex digits."""
    return hashlib.md5(execution_name.encode("utf-8")).hexdigest()  # noqa: S324 - a tag value, not a secret


def is_workflow_name(name: str, prefix: str) -> bool:
    """True for exactly the names the workflow builds: the prefix and 32 hex digits."""
    return name.startswith(prefix) and _HEX32.fullmatch(name[len(prefix) :]) is not None


def is_workflow_tagged(tags: dict[str, str]) -> bool:
    """True if the tags are those the workflow writes: its execution tag, an MD5 of 32 hex digits."""
    value = tags.get(EXECUTION_TAG)
    return isinstance(value, str) and _HEX32.fullmatch(value) is not None


def newest_first(items: Iterable[Listed]) -> list[Listed]:
    """By CreationTime, newest first; equal times by name, so that the order never depends on the listing's."""
    return sorted(items, key=lambda i: (i.created, i.name), reverse=True)


def select_configs(configs: Iterable[Listed], serving: str, prefix: str, retain: int) -> ConfigSelection:
    """Which of the workflow's configs to keep: the serving one and the ``retain`` newest older ones.

    Names not of the workflow's shape are left out altogether. Candidates come oldest first. Configs newer than the
    serving one are reported (the caller refuses to delete anything then: with the endpoint's lock held, the config
    just deployed is the newest).
    """
    own = newest_first(c for c in configs if is_workflow_name(c.name, prefix))
    by_name = {c.name: c for c in own}
    if serving not in by_name:
        return ConfigSelection(keep=[], candidates=[], newer_than_serving=[])
    serving_item = by_name[serving]
    newer = [c.name for c in own if c.name != serving and c.created > serving_item.created]
    older = [c for c in own if c.name != serving and c.name not in newer]
    keep = [serving] + [c.name for c in older[:retain]]
    candidates = [c.name for c in reversed(older[retain:])]
    return ConfigSelection(keep=keep, candidates=candidates, newer_than_serving=newer)


def select_models(models: Iterable[Listed], referenced: set[str], prefix: str) -> list[str]:
    """The workflow's models no remaining config names, oldest first (their tags are checked before deletion)."""
    own = newest_first(m for m in models if is_workflow_name(m.name, prefix))
    return [m.name for m in reversed(own) if m.name not in referenced]


def config_models(description: dict[str, Any]) -> set[str]:
    """The models an endpoint config names (production and shadow variants)."""
    variants = description.get("ProductionVariants", []) + description.get("ShadowProductionVariants", [])
    return {v["ModelName"] for v in variants if isinstance(v, dict) and isinstance(v.get("ModelName"), str)}


def _listed(pages: Iterable[dict[str, Any]], key: str, name_key: str) -> list[Listed]:
    items = []
    for page in pages:
        for item in page.get(key, []):
            name, created = item.get(name_key), item.get("CreationTime")
            if not isinstance(name, str) or not isinstance(created, datetime):
                raise RetentionRefused(f"{key} listed an item without a name or CreationTime: {item!r}")
            items.append(Listed(name, created))
    return items


def list_configs(client: Any, prefix: str) -> list[Listed]:
    pages = client.get_paginator("list_endpoint_configs").paginate(NameContains=prefix)
    return _listed(pages, "EndpointConfigs", "EndpointConfigName")


def list_models(client: Any, prefix: str) -> list[Listed]:
    pages = client.get_paginator("list_models").paginate(NameContains=prefix)
    return _listed(pages, "Models", "ModelName")


def tags_of(client: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in client.get_paginator("list_tags").paginate(ResourceArn=arn):
        tags.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
    return tags


def _arn(endpoint_arn: str, kind: str, name: str) -> str:
    """The ARN of a model or endpoint config in the endpoint's account and region (SageMaker ARNs are lower case)."""
    base = endpoint_arn.split(":endpoint/", 1)[0]
    return f"{base}:{kind}/{name.lower()}"


def apply_retention(client: Any, event: RetentionEvent, delete: bool = True) -> Outcome:
    """Gather, decide, then delete configs and models; see the module docstring."""
    prefix, serving = event["name_prefix"], event["endpoint_config"]
    try:
        endpoint = client.describe_endpoint(EndpointName=event["endpoint_name"])
        if endpoint.get("EndpointStatus") != "InService" or endpoint.get("EndpointConfigName") != serving:
            raise RetentionRefused(
                f"endpoint {event['endpoint_name']} is {endpoint.get('EndpointStatus')} on endpoint config "
                f"{endpoint.get('EndpointConfigName')}, not InService on {serving}: nothing was deleted"
            )
        endpoint_arn = endpoint["EndpointArn"]
        configs = list_configs(client, prefix)
        selection = select_configs(configs, serving, prefix, event["retain_previous"])
        if not selection.keep:
            raise RetentionRefused(
                f"the serving endpoint config {serving} is not among the workflow's: nothing was deleted"
            )
        if selection.newer_than_serving:
            raise RetentionRefused(
                f"endpoint configs newer than the serving {serving} exist ({', '.join(selection.newer_than_serving)}): "
                "nothing was deleted"
            )
        outcome = Outcome(serving_config=serving, kept_configs=selection.keep)
        # Oldest first, until MAX_DELETIONS of the workflow's own are found; untagged ones are skipped (ignored).
        to_delete: list[str] = []
        unexamined = list(selection.candidates)
        while unexamined and len(to_delete) < MAX_DELETIONS:
            name = unexamined.pop(0)
            if is_workflow_tagged(tags_of(client, _arn(endpoint_arn, "endpoint-config", name))):
                to_delete.append(name)
            else:
                outcome.ignored.append(name)
        outcome.remaining_candidates = len(unexamined)
        model_batch: list[str] = []
        referenced: set[str] = set()
        if event["prune_models"] == "of_deleted_configs":
            # Only the models of the configs deleted now; every config left (kept, ignored or still to examine on a
            # later run) is described, and a model any of them names stays.
            named: list[str] = []
            for name in to_delete:
                named.extend(sorted(config_models(client.describe_endpoint_config(EndpointConfigName=name))))
            for name in selection.keep + outcome.ignored + unexamined:
                referenced.update(config_models(client.describe_endpoint_config(EndpointConfigName=name)))
            for name in dict.fromkeys(named):
                if name in referenced or not is_workflow_name(name, prefix):
                    continue
                if is_workflow_tagged(tags_of(client, _arn(endpoint_arn, "model", name))):
                    model_batch.append(name)
                else:
                    outcome.ignored.append(name)
        elif not unexamined:
            # Every config left after this run (kept or ignored) is described: a model any of them names stays.
            for name in selection.keep + outcome.ignored:
                referenced.update(config_models(client.describe_endpoint_config(EndpointConfigName=name)))
            for name in select_models(list_models(client, prefix), referenced, prefix):
                if len(model_batch) == MAX_DELETIONS:
                    outcome.remaining_candidates += 1
                elif is_workflow_tagged(tags_of(client, _arn(endpoint_arn, "model", name))):
                    model_batch.append(name)
                else:
                    outcome.ignored.append(name)
        # else: a backlog of configs (after an upgrade) is worked off first; describing every config left would not
        # fit in one run, so no model is deleted until the configs are down to the kept ones.
        outcome.kept_models = sorted(referenced)
    except RetentionRefused:
        raise
    except Exception as exc:  # any doubt while gathering: delete nothing
        raise RetentionRefused(
            f"could not list or describe what to keep ({type(exc).__name__}: {exc}): nothing was deleted"
        ) from exc

    if delete:
        _delete_all(outcome, to_delete, model_batch, client)
    return outcome


def _delete_all(outcome: Outcome, configs: list[str], models: list[str], client: Any) -> None:
    steps: list[tuple[list[str], Callable[[str], Any], list[str]]] = [
        (configs, lambda n: client.delete_endpoint_config(EndpointConfigName=n), outcome.deleted_configs),
        (models, lambda n: client.delete_model(ModelName=n), outcome.deleted_models),
    ]
    for names, delete_one, done in steps:
        for name in names:
            try:
                delete_one(name)
            except Exception as exc:
                raise RetentionIncomplete(
                    f"deleting {name} failed ({type(exc).__name__}: {exc}); deleted before: endpoint configs "
                    f"{outcome.deleted_configs or 'none'}, models {outcome.deleted_models or 'none'}"
                ) from exc
            done.append(name)


def discard_candidate(client: Any, event: DiscardEvent) -> list[str]:
    """Delete the one model of a candidate that will never be deployed, if the asking execution created it."""
    name = event["model_name"]
    try:
        model = client.describe_model(ModelName=name)
        tags = tags_of(client, model["ModelArn"])
    except Exception as exc:
        raise RetentionRefused(
            f"could not describe model {name} or read its tags ({type(exc).__name__}: {exc}): nothing was deleted"
        ) from exc
    if tags.get(EXECUTION_TAG) != execution_tag_value(event["execution_name"]):
        raise RetentionRefused(
            f"model {name} does not carry this execution's {EXECUTION_TAG} tag "
            f"(found {tags.get(EXECUTION_TAG)!r}): nothing was deleted"
        )
    try:
        client.delete_model(ModelName=name)
    except Exception as exc:
        raise RetentionIncomplete(f"deleting {name} failed ({type(exc).__name__}: {exc}); nothing was deleted") from exc
    return [name]


def handler(event: object, context: object = None) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("action") == DISCARD:
        with errors_logged("retention"):
            discard = parse_discard_event(event)
            deleted = discard_candidate(sagemaker_client(), discard)
        log_decision("retention", outcome="discarded", model_name=discard["model_name"], deleted_models=deleted)
        return {"status": "discarded", "deleted_models": deleted}
    with errors_logged("retention"):
        parsed = parse_event(event)
        outcome = apply_retention(sagemaker_client(), parsed)
    result = {"status": "applied", **outcome.__dict__}
    log_decision("retention", outcome="applied", endpoint_name=parsed["endpoint_name"], **outcome.__dict__)
    return result
