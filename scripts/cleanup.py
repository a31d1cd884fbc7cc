"""Lists, and with ``--delete`` removes, what the workflows' executions created that Terraform does not manage.

Terraform manages the state machines, roles, functions and buckets; the executions themselves create SageMaker
training, processing and transform jobs, models, endpoint configs and endpoints. ``terraform destroy`` leaves those
behind, and the endpoints (and running jobs) bill by the hour. This tool finds them for one ``name_prefix`` and
region, by the names and tags the workflows give them, and nothing else:

=======================  ==================================================================  =====================
workflow                 name (lower case, ``<p>`` = lower(name_prefix))                      tags required
=======================  ==================================================================  =====================
hourly retraining        ``<p>-<model key>-rt-<32 hex>``: training jobs, models, endpoint     ``sfn-ml:execution``
                         configs (modules/hourly_retraining, modules/conventions)             (32 hex digits)
approved deployment      ``<p>-ad-<32 hex>``: training and transform jobs, models, endpoint   ``sfn-ml:execution``,
                         configs (modules/approved_deployment)                                ``sfn-ml:commit``
legacy batch inference   ``<job name prefix>-<step id>-<12 hex>``, where the job name prefix  ``sfn-ml:run`` (32
                         is lower("<name_prefix>-<model>") cut to 45 characters (without a     hex), ``sfn-ml:model``,
                         trailing hyphen): processing jobs (modules/legacy_batch_inference)   ``sfn-ml:step``
=======================  ==================================================================  =====================

An endpoint may have any name (``endpoint_name`` of a model), so an endpoint is ours when it carries the workflow's
tags (CreateEndpoint in definitions/deploy_endpoint.states.json.tftpl tags it as above) **and** serves an endpoint
config whose name has one of the shapes above. The model key of retraining has no hyphen and every suffix has a fixed
length, so the shapes of one prefix never match another prefix's names (``ml`` never takes ``ml-prod``'s resources).
Anything that fails a check is left alone, however similar its name.

Dry run by default: prints what it would stop or delete, grouped, with counts. ``--delete`` stops the running jobs
(they would otherwise keep billing and could use a model being deleted), then deletes endpoints, then endpoint
configs, then models, so that nothing is ever left pointing at a deleted resource. Only throttling is retried; any
other error is reported for its resource and makes the exit status 1.

Usage: python -m scripts.cleanup --name-prefix <name_prefix> [--region R] [--endpoint-url URL] [--delete]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from botocore.config import Config
from botocore.exceptions import ClientError

TAG_EXECUTION = "sfn-ml:execution"
TAG_COMMIT = "sfn-ml:commit"
TAG_RUN = "sfn-ml:run"
TAG_MODEL = "sfn-ml:model"
TAG_STEP = "sfn-ml:step"

RETRAINING = "hourly retraining"
APPROVED = "approved deployment"
BATCH = "legacy batch inference"

# The error codes SageMaker (and the AWS query/JSON protocols in general) use for throttling. Nothing else is retried:
# a validation or access error will not clear by itself.
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)

_HEX32 = re.compile(r"[0-9a-f]{32}")
# The same name_prefix rule as the workflow submodules' variables (1-26 letters, digits and single hyphens).
_NAME_PREFIX = re.compile(r"[a-zA-Z0-9](-?[a-zA-Z0-9])*")


@dataclass(frozen=True)
class Kind:
    """One kind of resource: how it is listed, stopped or deleted, and in which order (``order`` ascending)."""

    key: str
    title: str
    list_op: str
    list_key: str
    name_field: str
    arn_field: str
    action_op: str
    action_arg: str
    verb: str
    # ListTrainingJobs/ListProcessingJobs/ListTransformJobs accept StatusEquals; only InProgress jobs bill and can be
    # stopped (a Stopping job is already on its way out). SageMaker API reference, ListTrainingJobs: "StatusEquals: A
    # filter that retrieves only training jobs with a specific status."
    list_args: tuple[tuple[str, str], ...] = ()


# The order of this tuple is the order of the actions: jobs first (a transform job uses a model), then each endpoint
# before its config, each config before its model.
KINDS = (
    Kind(
        "training-job",
        "running training jobs",
        "list_training_jobs",
        "TrainingJobSummaries",
        "TrainingJobName",
        "TrainingJobArn",
        "stop_training_job",
        "TrainingJobName",
        "stop",
        (("StatusEquals", "InProgress"),),
    ),
    Kind(
        "processing-job",
        "running processing jobs",
        "list_processing_jobs",
        "ProcessingJobSummaries",
        "ProcessingJobName",
        "ProcessingJobArn",
        "stop_processing_job",
        "ProcessingJobName",
        "stop",
        (("StatusEquals", "InProgress"),),
    ),
    Kind(
        "transform-job",
        "running transform jobs",
        "list_transform_jobs",
        "TransformJobSummaries",
        "TransformJobName",
        "TransformJobArn",
        "stop_transform_job",
        "TransformJobName",
        "stop",
        (("StatusEquals", "InProgress"),),
    ),
    Kind(
        "endpoint",
        "endpoints",
        "list_endpoints",
        "Endpoints",
        "EndpointName",
        "EndpointArn",
        "delete_endpoint",
        "EndpointName",
        "delete",
    ),
    Kind(
        "endpoint-config",
        "endpoint configs",
        "list_endpoint_configs",
        "EndpointConfigs",
        "EndpointConfigName",
        "EndpointConfigArn",
        "delete_endpoint_config",
        "EndpointConfigName",
        "delete",
    ),
    Kind(
        "model",
        "models",
        "list_models",
        "Models",
        "ModelName",
        "ModelArn",
        "delete_model",
        "ModelName",
        "delete",
    ),
)


@dataclass(frozen=True)
class Resource:
    kind: Kind
    name: str
    arn: str
    workflow: str


class Ownership:
    """Decides from a name and its tags whether one of the workflows of ``name_prefix`` created a resource."""

    def __init__(self, name_prefix: str) -> None:
        self.prefix = name_prefix.lower()
        p = re.escape(self.prefix)
        # modules/hourly_retraining: name_expressions, "<lower(name_prefix)>-<model key [a-z0-9]{1,24}>-rt-<hash>".
        self._retraining = re.compile(rf"{p}-[a-z0-9]{{1,24}}-rt-[0-9a-f]{{32}}")
        # modules/approved_deployment: cd_name_expression, "<lower(name_prefix)>-ad-<hash>".
        self._approved = re.compile(rf"{p}-ad-[0-9a-f]{{32}}")
        self._batch = re.compile(rf"{p}-bi-[0-9a-f]{{32}}")  # modules/legacy_batch_inference's job_name_expression

    def shape(self, name: str) -> str | None:
        """The workflow whose name shape ``name`` has (retraining and approved deployment), else None."""
        n = name.lower()
        if self._retraining.fullmatch(n):
            return RETRAINING
        if self._approved.fullmatch(n):
            return APPROVED
        return None

    def may_be_batch_job(self, name: str) -> bool:
        """Cheap pre-filter before reading tags: batch inference job names have their shape."""
        return self._batch.fullmatch(name.lower()) is not None

    def named_workflow(self, name: str, tags: dict[str, str]) -> str | None:
        """The workflow of a job, model or endpoint config named in one of its shapes and tagged as it tags them."""
        workflow = self.shape(name)
        if workflow is None or not _HEX32.fullmatch(tags.get(TAG_EXECUTION, "")):
            return None
        if workflow == APPROVED and TAG_COMMIT not in tags:
            return None
        return workflow

    def batch_workflow(self, name: str, tags: dict[str, str]) -> str | None:
        """Batch inference processing jobs: "<prefix>-bi-<32 hex>", tagged with their model, step and run."""
        model, step = tags.get(TAG_MODEL), tags.get(TAG_STEP)
        if not (_HEX32.fullmatch(tags.get(TAG_RUN, "")) and model and step):
            return None
        return BATCH if self._batch.fullmatch(name.lower()) else None


class Caller:
    """Calls the client, retrying throttling only (with capped exponential backoff and full jitter)."""

    def __init__(self, client: Any, sleep: Callable[[float], None] = time.sleep, max_attempts: int = 8) -> None:
        self.client = client
        self.sleep = sleep
        self.max_attempts = max_attempts

    def __call__(self, op: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(1, self.max_attempts + 1):
            try:
                return getattr(self.client, op)(**kwargs)
            except ClientError as exc:
                if error_code(exc) not in THROTTLING_CODES or attempt == self.max_attempts:
                    raise
                # Jitter spreads retries, it protects nothing: a pseudo-random generator is right here.
                self.sleep(random.uniform(0, min(20.0, 0.5 * 2**attempt)))  # noqa: S311
        raise AssertionError("unreachable")

    def paginate(self, op: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a List call, page by page (each page retried on throttling by itself)."""
        token: str | None = None
        while True:
            page = self(op, **kwargs, **({"NextToken": token} if token else {}))
            yield from page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def tags_of(call: Caller, arn: str) -> dict[str, str]:
    # ListTags is paginated (NextToken, MaxResults >= 50; SageMaker API reference, ListTags). The List* calls return no
    # tags, so each candidate costs one ListTags call; the name shape is checked first to keep those few.
    return {t["Key"]: t.get("Value", "") for t in call.paginate("list_tags", "Tags", ResourceArn=arn, MaxResults=100)}


def find(call: Caller, ownership: Ownership, progress: TextIO) -> list[Resource]:
    """Every resource of the prefix's workflows, in action order.

    The List calls are made without NameContains: it is only a substring filter (SageMaker API reference,
    ListModels: "returns only models whose name contains the specified string"), endpoints may have any name, and
    boto/boto3#4020 reports ListModels results missing with it, so the names are matched here instead.
    """
    found: list[Resource] = []
    for kind in KINDS:
        seen = 0
        ours = 0
        # MaxResults 100, the largest page these List calls accept (SageMaker API reference, ListModels: "Valid
        # Range: Minimum value of 1. Maximum value of 100"; the default page is 10).
        for item in call.paginate(kind.list_op, kind.list_key, MaxResults=100, **dict(kind.list_args)):
            seen += 1
            name, arn = item[kind.name_field], item[kind.arn_field]
            workflow = _owner(call, ownership, kind, name, arn)
            if workflow is not None:
                ours += 1
                found.append(Resource(kind, name, arn, workflow))
            if seen % 100 == 0:
                print(f"  listing {kind.title}: {seen} seen, {ours} ours so far", file=progress, flush=True)
        print(f"listed {kind.title}: {seen} seen, {ours} ours", file=progress, flush=True)
    return found


def _owner(call: Caller, ownership: Ownership, kind: Kind, name: str, arn: str) -> str | None:
    if kind.key == "endpoint":
        tags = tags_of(call, arn)
        if not _HEX32.fullmatch(tags.get(TAG_EXECUTION, "")):
            return None
        config = call("describe_endpoint", EndpointName=name).get("EndpointConfigName", "")
        workflow = ownership.named_workflow(config, tags)
        return workflow
    if kind.key == "processing-job":
        if not ownership.may_be_batch_job(name):
            return None
        return ownership.batch_workflow(name, tags_of(call, arn))
    if ownership.shape(name) is None:
        return None
    return ownership.named_workflow(name, tags_of(call, arn))


def report(resources: list[Resource], out: TextIO) -> None:
    for kind in KINDS:
        group = [r for r in resources if r.kind is kind]
        if not group:
            continue
        print(f"{kind.title} to {kind.verb} ({len(group)}):", file=out)
        for r in sorted(group, key=lambda r: r.name):
            print(f"  {r.name}  [{r.workflow}]", file=out)


def act(call: Caller, resources: list[Resource], out: TextIO) -> list[tuple[Resource, str]]:
    """Stops or deletes each resource in action order; returns the failures (resource, error), never raises."""
    failures: list[tuple[Resource, str]] = []
    total = len(resources)
    for i, r in enumerate(resources, 1):
        try:
            call(r.kind.action_op, **{r.kind.action_arg: r.name})
        except ClientError as exc:
            message = f"{error_code(exc)}: {exc.response.get('Error', {}).get('Message', '')}"
            failures.append((r, message))
            print(f"[{i}/{total}] {r.kind.verb} {r.kind.key} {r.name}: FAILED ({message})", file=out, flush=True)
        else:
            print(f"[{i}/{total}] {r.kind.verb} {r.kind.key} {r.name}: ok", file=out, flush=True)
    return failures


def run(client: Any, name_prefix: str, delete: bool, out: TextIO, progress: TextIO, sleep=time.sleep) -> int:
    """The command on a SageMaker client: 0 when everything found was handled (or on a dry run), 1 on any failure."""
    call = Caller(client, sleep=sleep)
    ownership = Ownership(name_prefix)
    try:
        resources = find(call, ownership, progress)
    except ClientError as exc:
        print(f"Listing failed, nothing was changed: {error_code(exc)}: {exc}", file=out)
        return 1
    region = client.meta.region_name
    print(f"{len(resources)} resources created by the {name_prefix!r} workflows in {region}:", file=out)
    report(resources, out)
    if not delete:
        print("Dry run: nothing was stopped or deleted. Run again with --delete to do it.", file=out)
        return 0
    failures = act(call, resources, out)
    done = len(resources) - len(failures)
    print(f"{done} of {len(resources)} handled, {len(failures)} failed.", file=out)
    for r, message in failures:
        print(f"  FAILED {r.kind.verb} {r.kind.key} {r.name}: {message}", file=out)
    return 1 if failures else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.cleanup",
        description=(
            "List (dry run, the default) or, with --delete, stop and delete the SageMaker jobs, endpoints, endpoint "
            "configs and models that the workflows of one name_prefix created and Terraform does not manage."
        ),
    )
    parser.add_argument("--name-prefix", required=True, help="the name_prefix the module was applied with")
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's)")
    parser.add_argument("--endpoint-url", help="SageMaker endpoint URL, e.g. of the local emulator")
    parser.add_argument("--delete", action="store_true", help="really stop and delete (default: only list)")
    args = parser.parse_args(argv)
    if not (_NAME_PREFIX.fullmatch(args.name_prefix) and len(args.name_prefix) <= 26):
        parser.error("--name-prefix must be 1-26 letters, digits and single hyphens, as the module's name_prefix.")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import boto3

    # botocore's own retries are off (one attempt): Caller retries throttling, and only throttling.
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    client = boto3.client("sagemaker", region_name=args.region, endpoint_url=args.endpoint_url, config=config)
    return run(client, args.name_prefix, args.delete, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
