"""scripts/cleanup.py on moto (in-process ``mock_aws``): what the workflows tag is listed and removed, nothing else is.

The resources are created the way the workflows create them: the names of modules/hourly_retraining,
modules/approved_deployment and modules/legacy_batch_inference, and the tags of modules/conventions' execution_tag
and the definitions. moto's jobs are Completed at once and it has no StopTrainingJob/StopTransformJob: the running
jobs are set InProgress in moto's backend, and those two calls are answered by a botocore hook that records them
and sets the job Stopping, as AWS does.
"""

from __future__ import annotations

import io
import json
import uuid

import botocore.session
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker.models import sagemaker_backends

from scripts import cleanup

REGION = "us-east-1"
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/ml-sagemaker"
IMAGE = f"{DEFAULT_ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/ml-approved:latest"


def h32() -> str:
    return uuid.uuid4().hex


def execution_tags(*extra: tuple[str, str]) -> list[dict[str, str]]:
    return [{"Key": "sfn-ml:execution", "Value": h32()}] + [{"Key": k, "Value": v} for k, v in extra]


class _Response:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}


class Account:
    """A moto SageMaker with helpers to create resources, and hooks to answer or fail chosen calls."""

    def __init__(self, client) -> None:
        self.client = client
        self.backend = sagemaker_backends[DEFAULT_ACCOUNT_ID][REGION]
        self.stopped: list[tuple[str, str]] = []
        self.failing: dict[tuple[str, str], str] = {}
        self.failed_calls: list[tuple[str, str]] = []
        client.meta.events.register("before-call.sagemaker.*", self._before_call)

    def _before_call(self, model, params, **kwargs):
        # params is the serialized request: SageMaker's JSON body holds the arguments.
        body = json.loads(params.get("body") or b"{}")
        name = next((v for k, v in body.items() if k.endswith("Name")), None)
        code = self.failing.get((model.name, name))
        if code is not None:
            self.failed_calls.append((model.name, name))
            status = 400
            return _Response(status), {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {}}
        if model.name in ("StopTrainingJob", "StopTransformJob"):
            self.stopped.append((model.name, name))
            # As in AWS, a stopped job goes to Stopping (and is no longer InProgress).
            if model.name == "StopTrainingJob":
                self.backend.training_jobs[name].training_job_status = "Stopping"
            else:
                self.backend.transform_jobs[name].transform_job_status = "Stopping"
            return _Response(200), {"ResponseMetadata": {"HTTPStatusCode": 200}}
        return None

    def model(self, name: str, tags: list[dict[str, str]] | None = None) -> None:
        self.client.create_model(
            ModelName=name, PrimaryContainer={"Image": IMAGE}, ExecutionRoleArn=ROLE, Tags=tags or []
        )

    def config(self, name: str, model: str, tags: list[dict[str, str]] | None = None) -> None:
        self.client.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": model,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
            Tags=tags or [],
        )

    def endpoint(self, name: str, config: str, tags: list[dict[str, str]] | None = None) -> None:
        self.client.create_endpoint(EndpointName=name, EndpointConfigName=config, Tags=tags or [])

    def training_job(self, name: str, tags: list[dict[str, str]], running: bool = True) -> None:
        self.client.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            RoleArn=ROLE,
            OutputDataConfig={"S3OutputPath": "s3://bucket/ml/models/"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            Tags=tags,
        )
        if running:
            self.backend.training_jobs[name].training_job_status = "InProgress"

    def transform_job(self, name: str, model: str, tags: list[dict[str, str]]) -> None:
        self.client.create_transform_job(
            TransformJobName=name,
            ModelName=model,
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/t/"}}},
            TransformOutput={"S3OutputPath": "s3://bucket/out/"},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
            Tags=tags,
        )
        self.backend.transform_jobs[name].transform_job_status = "InProgress"

    def processing_job(self, name: str, tags: list[dict[str, str]]) -> None:
        self.client.create_processing_job(
            ProcessingJobName=name,
            ProcessingResources={
                "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}
            },
            AppSpecification={"ImageUri": IMAGE},
            RoleArn=ROLE,
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            Tags=tags,
        )
        self.backend.processing_jobs[name].processing_job_status = "InProgress"

    def names(self) -> dict[str, set[str]]:
        c = self.client
        return {
            "models": {m["ModelName"] for m in c.list_models(MaxResults=100)["Models"]},
            "configs": {e["EndpointConfigName"] for e in c.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]},
            "endpoints": {e["EndpointName"] for e in c.list_endpoints(MaxResults=100)["Endpoints"]},
            "processing": {
                j["ProcessingJobName"]
                for j in c.list_processing_jobs(StatusEquals="InProgress", MaxResults=100)["ProcessingJobSummaries"]
            },
        }


@pytest.fixture
def account(monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        # A client from a botocore session: the unit conftest forbids boto3.client (no real AWS in unit tests);
        # mock_aws answers every botocore client created while it is active.
        client = botocore.session.get_session().create_client(
            "sagemaker", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield Account(client)


@pytest.fixture
def workflows(account):
    """One prefix's resources as the three workflows leave them, and look-alikes that are not theirs."""
    ours: dict[str, set[str]] = {"models": set(), "configs": set(), "endpoints": set(), "processing": set()}
    # Hourly retraining (prefix "ml", model "churn"): model, endpoint config, endpoint named by the caller.
    rt = f"ml-churn-rt-{h32()}"
    account.model(rt, execution_tags())
    account.config(rt, rt, execution_tags(("sfn-ml:metric-name", "validation:accuracy")))
    account.endpoint("churn-live", rt, execution_tags())
    account.training_job(f"ml-churn-rt-{h32()}", execution_tags())
    ours["models"].add(rt)
    ours["configs"].add(rt)
    ours["endpoints"].add("churn-live")
    # Approved deployment: "ml-ad-<hash>", tagged with the execution and the commit.
    ad = f"ml-ad-{h32()}"
    account.model(ad, execution_tags(("sfn-ml:commit", "0123abcd")))
    account.config(ad, ad, execution_tags(("sfn-ml:commit", "0123abcd")))
    account.endpoint("ml-approved", ad, execution_tags(("sfn-ml:commit", "0123abcd")))
    account.transform_job(f"ml-ad-{h32()}", ad, execution_tags(("sfn-ml:commit", "0123abcd")))
    ours["models"].add(ad)
    ours["configs"].add(ad)
    ours["endpoints"].add("ml-approved")
    # Legacy batch inference: "<lower(prefix)>-bi-<32 hex>", tagged run/model/step.
    bi = f"ml-bi-{h32()}"
    account.processing_job(
        bi,
        [
            {"Key": "sfn-ml:run", "Value": h32()},
            {"Key": "sfn-ml:model", "Value": "iris"},
            {"Key": "sfn-ml:step", "Value": "inf"},
        ],
    )
    ours["processing"].add(bi)

    foreign: dict[str, set[str]] = {"models": set(), "configs": set(), "endpoints": set(), "processing": set()}
    # Our shapes without our tags, or with tags that are not the workflows'.
    untagged = f"ml-churn-rt-{h32()}"
    account.model(untagged)
    account.config(untagged, untagged)
    account.endpoint("ml-churn", untagged, [{"Key": "team", "Value": "data"}])
    foreign["models"].add(untagged)
    foreign["configs"].add(untagged)
    foreign["endpoints"].add("ml-churn")
    bad_value = f"ml-churn-rt-{h32()}"
    account.model(bad_value, [{"Key": "sfn-ml:execution", "Value": "run (2)!"}])
    foreign["models"].add(bad_value)
    no_commit = f"ml-ad-{h32()}"
    account.model(no_commit, execution_tags())
    foreign["models"].add(no_commit)
    # Another prefix's resources: "ml-prod" retraining model "x" and approved deployment; tagged, but not "ml"'s.
    other = f"ml-prod-x-rt-{h32()}"
    account.model(other, execution_tags())
    account.config(other, other, execution_tags())
    account.endpoint("ml-prod-x", other, execution_tags())
    other_ad = f"ml-prod-ad-{h32()}"
    account.model(other_ad, execution_tags(("sfn-ml:commit", "0123abcd")))
    foreign["models"] |= {other, other_ad}
    foreign["configs"].add(other)
    foreign["endpoints"].add("ml-prod-x")
    # A tagged endpoint serving a config that is not ours.
    account.model("hand-made")
    account.config("hand-made", "hand-made")
    account.endpoint("ml-hand", "hand-made", execution_tags())
    foreign["models"].add("hand-made")
    foreign["configs"].add("hand-made")
    foreign["endpoints"].add("ml-hand")
    # Batch-shaped jobs without the run tag, of the "ml-prod" prefix (tagged as ours), in the old shape, and untagged.
    run = {"Key": "sfn-ml:run", "Value": h32()}
    model_step = [{"Key": "sfn-ml:model", "Value": "iris"}, {"Key": "sfn-ml:step", "Value": "inf"}]
    for name, tags in (
        (f"ml-bi-{h32()}", model_step),
        (f"ml-prod-bi-{h32()}", [run, *model_step]),
        (f"ml-iris-inf-{h32()[:12]}", [run, *model_step]),
        (f"ml-bi-{h32()}", []),
    ):
        account.processing_job(name, tags)
        foreign["processing"].add(name)
    # A finished training job of ours: nothing to stop.
    account.training_job(f"ml-churn-rt-{h32()}", execution_tags(), running=False)
    return ours, foreign


def run(account, delete: bool, prefix: str = "ml") -> tuple[int, str]:
    out, progress = io.StringIO(), io.StringIO()
    code = cleanup.run(account.client, prefix, delete, out, progress, sleep=lambda s: None)
    return code, out.getvalue()


def test_dry_run_lists_ours_grouped_and_deletes_nothing(account, workflows):
    ours, foreign = workflows
    before = account.names()
    code, out = run(account, delete=False)
    assert code == 0
    assert account.names() == before
    assert account.stopped == []
    assert "9 resources created by the 'ml' workflows" in out
    assert "endpoints to delete (2):" in out and "models to delete (2):" in out
    assert "running training jobs to stop (1):" in out and "running processing jobs to stop (1):" in out
    for group in ours.values():
        for name in group:
            assert f"  {name}  [" in out
    for group in foreign.values():
        for name in group:
            assert f"  {name}  [" not in out
    assert "Dry run" in out


def test_delete_removes_exactly_ours_in_order(account, workflows):
    ours, foreign = workflows
    before = account.names()
    code, out = run(account, delete=True)
    assert code == 0, out
    after = account.names()
    for key in before:
        assert after[key] == before[key] - ours[key]
        assert foreign[key] <= after[key]
    assert sorted(n for n, _ in account.stopped) == ["StopTrainingJob", "StopTransformJob"]
    assert all(name.startswith(("ml-churn-rt-", "ml-ad-")) for _, name in account.stopped)
    # Jobs, then endpoints, then configs, then models.
    actions = [line.split()[2] for line in out.splitlines() if line.startswith("[")]
    order = [cleanup.KINDS.index(next(k for k in cleanup.KINDS if k.key == a)) for a in actions]
    assert order == sorted(order) and len(actions) == 9
    # Nothing of ours is left for a second run.
    code, out = run(account, delete=False)
    assert code == 0 and "0 resources created" in out


def test_failed_delete_is_reported_and_exits_non_zero(account, workflows):
    ours, _ = workflows
    model = sorted(ours["models"])[0]
    account.failing[("DeleteModel", model)] = "ValidationException"
    code, out = run(account, delete=True)
    assert code == 1
    assert f"FAILED delete model {model}: ValidationException" in out
    assert "8 of 9 handled, 1 failed." in out
    # A validation error is not retried.
    assert account.failed_calls == [("DeleteModel", model)]
    # The others were still handled.
    assert account.names()["models"] & ours["models"] == {model}


def test_throttling_is_retried_other_errors_are_not(account):
    name = f"ml-churn-rt-{h32()}"
    account.model(name, execution_tags())
    calls = {"n": 0}

    def throttle_twice(model, params, **kwargs):
        if model.name == "DeleteModel":
            calls["n"] += 1
            if calls["n"] <= 2:
                return _Response(400), {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
        return None

    account.client.meta.events.register_first("before-call.sagemaker.DeleteModel", throttle_twice)
    code, out = run(account, delete=True)
    assert code == 0, out
    assert calls["n"] == 3
    assert name not in account.names()["models"]


def test_list_calls_follow_every_page(account):
    # moto pages ListTrainingJobs (not ListModels): one job per page makes the tool follow NextToken to the end.
    names = [f"ml-churn-rt-{h32()}" for _ in range(3)]
    for n in names:
        account.training_job(n, execution_tags())
    seen: list[dict] = []

    def one_per_page(params, **kwargs):
        seen.append(dict(params))
        return {**params, "MaxResults": 1}

    account.client.meta.events.register("provide-client-params.sagemaker.ListTrainingJobs", one_per_page)
    code, out = run(account, delete=False)
    assert code == 0
    assert len(seen) >= 3 and any("NextToken" in p for p in seen)
    assert "running training jobs to stop (3):" in out
    for n in names:
        assert f"  {n}  [" in out


def test_refuses_a_bad_prefix():
    with pytest.raises(SystemExit):
        cleanup.parse_args(["--name-prefix", "a--b"])
