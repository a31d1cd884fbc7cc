"""Apply, re-plan and destroy the legacy batch inference workflow against the local emulator (moto server):
examples/legacy_batch_inference as a user would run it, and the module with a customer managed key (alerts on)."""

from __future__ import annotations

import json
import shutil

import pytest

from tests import tfharness as h

# The module's tests share applies (module-scoped fixtures): one worker runs them under `--dist loadgroup`.
pytestmark = [pytest.mark.apply, pytest.mark.xdist_group("batch_inference_apply")]

EXAMPLE = h.REPO / "examples" / "legacy_batch_inference"
ACCOUNT = "123456789012"  # the emulator's


@pytest.fixture(scope="module", autouse=True)
def _bucket_policies_as_in_aws(emulator):
    """The artifact bucket's policy evaluated as AWS evaluates it (hook s3_policy_conditions of
    scripts/moto_extensions.py; moto alone counts every condition but StringEquals as met, so the TLS-only and
    KMS-only statements would refuse every upload): Terraform's uploads pass only over "HTTPS" and, with a key, only
    naming it. No state machine runs here (the executor stays off)."""
    from scripts import moto_extensions as mx

    emulator.install_extensions(execute_state_machines=False)
    try:
        yield
    finally:
        mx.uninstall()


def _replan(fixture: h.Fixture, tf_vars: dict) -> dict[str, list[str]]:
    """Actions of a refreshed plan after apply, by address, for every resource that would change."""
    var_file = fixture.dir / "replan.tfvars.json"
    var_file.write_text(json.dumps(tf_vars))
    plan = fixture.tf.plan(output=True, refresh=True, tf_var_file=var_file.name)
    return {
        a: rc["change"]["actions"]
        for a, rc in plan.resource_changes.items()
        if rc["mode"] == "managed" and rc["change"]["actions"] != ["no-op"]
    }


@pytest.fixture(scope="module")
def example(emulator, tmp_path_factory, _bucket_policies_as_in_aws):
    fixture = h.Fixture(EXAMPLE, tmp_path_factory.mktemp("legacy-example"), provider=None)
    for folder in ("model", "data"):  # the fixture copies only the .tf files; path.module needs these too
        shutil.copytree(EXAMPLE / folder, fixture.dir / folder)
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)  # re-init with the override in place
    tf_vars = {"lambda_runtime": "python3.8", "artifact_bucket_force_destroy": True, "name_prefix": "bitest"}
    fixture.apply(**tf_vars)
    yield fixture, fixture.output(), tf_vars
    fixture.destroy(**tf_vars)
    assert not [
        m
        for m in emulator.client("stepfunctions").list_state_machines()["stateMachines"]
        if m["name"].startswith("bitest")
    ]
    assert not [b for b in emulator.client("s3").list_buckets()["Buckets"] if b["Name"].startswith("bitest")]
    assert not [r for r in emulator.client("events").list_rules()["Rules"] if r["Name"].startswith("bitest")]


def test_example_applies_and_a_second_plan_changes_nothing(example):
    fixture, _, tf_vars = example
    assert _replan(fixture, tf_vars) == {}


def test_state_machine_and_roles(example, emulator):
    _, out, _ = example
    machine = emulator.client("stepfunctions").describe_state_machine(stateMachineArn=out["state_machine_arn"])
    assert machine["name"] == "bitest-batch-inference"
    assert machine["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/bitest-bi-states"
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == "SelectModels"
    assert definition["States"]["RunModels"]["MaxConcurrency"] == 5
    iam = emulator.client("iam")
    assert set(iam.list_role_policies(RoleName="bitest-bi-states")["PolicyNames"]) == {
        "workflow-integrations",
        "distributed-map",
    }
    assert iam.list_role_policies(RoleName="bitest-bi-sagemaker")["PolicyNames"] == ["sagemaker-jobs"]


def test_scripts_manifests_and_input_are_in_the_bucket(example, emulator):
    _, out, _ = example
    s3 = emulator.client("s3")
    bucket = f"bitest-{ACCOUNT}-us-east-1"
    assert out["data_uri"] == f"s3://{bucket}/bitest/batch-inference/"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="bitest/batch-inference/")["Contents"]}
    for model in ("iris", "iris-hourly"):
        for script in ("preprocess.py", "predict.py", "postprocess.py"):
            key = f"bitest/batch-inference/models/{model}/code/{script}"
            assert key in keys
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert body == (EXAMPLE / "model" / script).read_bytes()
        assert f"bitest/batch-inference/data/{model}/input/iris.csv" in keys
    shared = json.loads(s3.get_object(Bucket=bucket, Key="bitest/batch-inference/manifest.json")["Body"].read())
    assert [i["name"] for i in shared] == ["iris"]  # iris-hourly runs on its own schedule
    every = json.loads(s3.get_object(Bucket=bucket, Key="bitest/batch-inference/models.json")["Body"].read())
    assert [i["name"] for i in every] == ["iris", "iris-hourly"]  # where a run of one model finds it
    hourly = every[1]
    assert "ContainerEntrypoint" not in hourly["inference"]["app_specification"]  # the image's own entrypoint
    assert hourly["inference"]["processing_resources"]["ClusterConfig"]["InstanceType"] == "ml.c5.xlarge"


def test_schedules_and_repository(example, emulator):
    _, out, _ = example
    events = emulator.client("events")
    rules = out["schedule_rule_names"]
    assert rules == {"all_models": "bitest-bi-all_models", "iris-hourly": "bitest-bi-iris-hourly"}
    assert events.describe_rule(Name=rules["all_models"])["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert events.describe_rule(Name=rules["iris-hourly"])["ScheduleExpression"] == "rate(1 hour)"
    (target,) = events.list_targets_by_rule(Rule=rules["iris-hourly"])["Targets"]
    assert target["Arn"] == out["state_machine_arn"]
    assert json.loads(target["Input"])["model"] == "iris-hourly"
    assert out["models"]["iris-hourly"]["schedule_rule_name"] == rules["iris-hourly"]
    assert out["models"]["iris"]["schedule_rule_name"] is None
    repo = emulator.client("ecr").describe_repositories(repositoryNames=["bitest-batch-inference"])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert out["ecr_repository_url"] == repo["repositoryUri"]
    assert out["models"]["iris"]["image_uri"] == f"{repo['repositoryUri']}:iris-v1"


def test_an_execution_starts_for_one_model(example, emulator):
    _, out, _ = example
    sfn = emulator.client("stepfunctions")
    execution = sfn.start_execution(
        stateMachineArn=out["state_machine_arn"], input=out["models"]["iris"]["execution_input"]
    )
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"])["model"] == "iris"
    assert described["status"] in {"RUNNING", "SUCCEEDED", "FAILED"}


@pytest.fixture(scope="module")
def with_kms(emulator, tmp_path_factory, _bucket_policies_as_in_aws):
    key = emulator.client("kms").create_key(Description="batch inference apply test")["KeyMetadata"]["Arn"]
    fixture = h.Fixture(h.FIXTURES / "batch_inference", tmp_path_factory.mktemp("bi-kms"), provider=None)
    (fixture.dir / "providers.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n')
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)
    tf_vars = {
        "name_prefix": "bikms",
        "kms_key_arn": key,
        "artifact_bucket_force_destroy": True,
        "batch_inference_models": {"iris": {"scripts_path": str(EXAMPLE / "model"), "image_tag": "iris-v1"}},
    }
    fixture.apply(**tf_vars)
    yield fixture, fixture.output(), tf_vars, key
    fixture.destroy(**tf_vars)


def test_with_a_customer_managed_key_alerts_reach_the_topic(with_kms, emulator):
    fixture, out, tf_vars, key = with_kms
    assert _replan(fixture, tf_vars) == {}
    events = emulator.client("events")
    assert sorted(out["batch_inference_alert_rule_names"]) == [
        "bikms-bi-execution-failed",
        "bikms-bi-processing-job-failed",
    ]
    for name in out["batch_inference_alert_rule_names"]:
        pattern = json.loads(events.describe_rule(Name=name)["EventPattern"])
        assert pattern["source"] in (["aws.sagemaker"], ["aws.states"])
        (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
        assert target["Arn"] == out["notifications_topic_arn"]
        assert target["InputTransformer"]["InputTemplate"].startswith('"[bikms] ')
    topic = emulator.client("sns").get_topic_attributes(TopicArn=out["notifications_topic_arn"])["Attributes"]
    statements = {s["Sid"]: s for s in json.loads(topic["Policy"])["Statement"]}
    assert statements["ServicesPublish"]["Principal"] == {"Service": "events.amazonaws.com"}
    rule_arns = [events.describe_rule(Name=n)["Arn"] for n in out["batch_inference_alert_rule_names"]]
    source_arns = statements["ServicesPublish"]["Condition"]["ArnLike"]["aws:SourceArn"]
    assert sorted([source_arns] if isinstance(source_arns, str) else source_arns) == sorted(rule_arns)
    # The topic is under the module's own key (create_notifications_kms_key), whose policy lets EventBridge use it.
    assert topic["KmsMasterKeyId"] not in (key, "alias/aws/sns")
    kms = emulator.client("kms")
    assert kms.get_key_rotation_status(KeyId=topic["KmsMasterKeyId"])["KeyRotationEnabled"] is True
    key_policy = json.loads(kms.get_key_policy(KeyId=topic["KmsMasterKeyId"], PolicyName="default")["Policy"])
    by_sid = {s["Sid"]: s for s in key_policy["Statement"]}
    assert by_sid["ServicesEncryptForTheTopic"]["Principal"] == {"Service": "events.amazonaws.com"}
    head = emulator.client("s3").head_object(
        Bucket=out["artifact_bucket_name"], Key="bikms/batch-inference/models/iris/code/predict.py"
    )
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["Metadata"]["content-sha256"]


# ---------------------------------------------------------------------------------------------------------------------
# Inputs known only at apply: a workspace that creates its KMS key, bucket, topic, role and image repository itself
# and passes them by reference plans and applies on the first run (no count, for_each or map key depends on them).
# ---------------------------------------------------------------------------------------------------------------------
def _unknown_inputs_fixture(emulator, tmp_path_factory, name: str, tf_vars: dict):
    fixture = h.Fixture(h.FIXTURES / name, tmp_path_factory.mktemp(name), provider=None)
    (fixture.dir / "providers.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n')
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)
    plan = fixture.plan(**tf_vars)  # the first plan: the inputs are unknown here
    fixture.apply(**tf_vars)
    return fixture, plan


@pytest.fixture(scope="module")
def root_off_with_own_key_and_bucket(emulator, tmp_path_factory, _bucket_policies_as_in_aws):
    tf_vars = {"name_prefix": "offown", "with_batch_inference": False, "scripts_path": str(EXAMPLE / "model")}
    fixture, plan = _unknown_inputs_fixture(emulator, tmp_path_factory, "root_unknown_batch", tf_vars)
    yield fixture, plan, fixture.output(), tf_vars
    fixture.destroy(**tf_vars)


def test_root_without_batch_inference_plans_and_applies_with_a_key_and_bucket_of_its_own(
    root_off_with_own_key_and_bucket, emulator
):
    fixture, plan, out, tf_vars = root_off_with_own_key_and_bucket
    planned = plan.resource_changes
    key = planned["aws_kms_key.this"]["change"]
    assert "arn" in key["after_unknown"]  # the key's ARN was unknown at the first plan
    assert not [a for a in planned if "batch_inference" in a]
    assert out.get("batch_inference_state_machine_arn") is None and not out.get("batch_inference_models")
    topic = emulator.client("sns").get_topic_attributes(TopicArn=out["notifications_topic_arn"])["Attributes"]
    assert topic["TopicArn"] == out["notifications_topic_arn"]
    assert _replan(fixture, tf_vars) == {}


@pytest.fixture(scope="module")
def root_on_with_own_inputs(emulator, tmp_path_factory, _bucket_policies_as_in_aws):
    tf_vars = {"name_prefix": "onown", "with_batch_inference": True, "scripts_path": str(EXAMPLE / "model")}
    fixture, plan = _unknown_inputs_fixture(emulator, tmp_path_factory, "root_unknown_batch", tf_vars)
    yield fixture, plan, fixture.output(), tf_vars
    fixture.destroy(**tf_vars)


def test_root_with_batch_inference_plans_and_applies_with_a_bucket_key_role_and_image_of_its_own(
    root_on_with_own_inputs, emulator
):
    fixture, plan, out, tf_vars = root_on_with_own_inputs
    for address in (
        "aws_s3_bucket.artifacts",
        "aws_kms_key.this",
        "aws_iam_role.sagemaker",
        "aws_ecr_repository.legacy",
    ):
        assert plan.resource_changes[address]["change"]["actions"] == ["create"], address
    assert "id" in plan.resource_changes["aws_s3_bucket.artifacts"]["change"]["after_unknown"]
    sfn = emulator.client("stepfunctions")
    machine = sfn.describe_state_machine(stateMachineArn=out["batch_inference_state_machine_arn"])
    assert machine["name"] == "onown-batch-inference"
    definition = json.loads(machine["definition"])
    task = definition["States"]["RunModels"]["ItemProcessor"]["States"]
    role_arns = {s["Parameters"]["RoleArn"] for s in _tasks(task) if "RoleArn" in s.get("Parameters", {})}
    assert role_arns == {out["sagemaker_role_arn"]}  # the workspace's own role, no role created for the jobs
    iam = emulator.client("iam")
    assert not [r for r in iam.list_roles()["Roles"] if r["RoleName"] == "onown-bi-sagemaker"]
    s3 = emulator.client("s3")
    bucket, key = out["artifact_bucket_name"], "onown/batch-inference/models.json"
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == out["kms_key_arn"]
    (item,) = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert item["inference"]["app_specification"]["ImageUri"] == out["image_uri"]
    assert item["input_uri"] == f"s3://{bucket}/incoming/iris/"
    assert out["batch_inference_models"]["iris"]["image_uri"] == out["image_uri"]
    assert _replan(fixture, tf_vars) == {}


@pytest.fixture(scope="module")
def submodule_with_own_platform(emulator, tmp_path_factory, _bucket_policies_as_in_aws):
    tf_vars = {"name_prefix": "solo", "scripts_path": str(EXAMPLE / "model")}
    fixture, plan = _unknown_inputs_fixture(emulator, tmp_path_factory, "legacy_batch_inference_unknown", tf_vars)
    yield fixture, plan, fixture.output(), tf_vars
    fixture.destroy(**tf_vars)


def test_submodule_alone_plans_and_applies_with_the_workspaces_bucket_topic_and_key(
    submodule_with_own_platform, emulator
):
    fixture, plan, out, tf_vars = submodule_with_own_platform
    assert "arn" in plan.resource_changes["aws_sns_topic.notifications"]["change"]["after_unknown"]
    module = out["module"]
    sfn = emulator.client("stepfunctions")
    machine = sfn.describe_state_machine(stateMachineArn=module["state_machine_arn"])
    assert machine["name"] == "solo-batch-inference"
    definition = json.dumps(json.loads(machine["definition"]))
    assert out["topic_arn"] in definition and out["kms_key_arn"] in definition
    events = emulator.client("events")
    assert sorted(module["alert_rule_names"]) == ["solo-bi-execution-failed", "solo-bi-processing-job-failed"]
    for name in module["alert_rule_names"]:
        (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
        assert target["Arn"] == out["topic_arn"]
    assert sorted(events.describe_rule(Name=n)["Arn"] for n in module["alert_rule_names"]) == sorted(
        module["notification_rule_arns"]
    )
    assert module["schedule_rule_names"] == {"all_models": "solo-bi-all_models", "iris-hourly": "solo-bi-iris-hourly"}
    s3 = emulator.client("s3")
    bucket = out["artifact_bucket_name"]
    assert module["data_uri"] == f"s3://{bucket}/solo/batch-inference/"
    head = s3.head_object(Bucket=bucket, Key="solo/batch-inference/models/iris-hourly/code/predict.py")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == out["kms_key_arn"]
    # the created role may write the output location in the workspace's bucket
    policy = emulator.client("iam").get_role_policy(RoleName="solo-bi-sagemaker", PolicyName="sagemaker-jobs")
    document = policy["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    writes = {s["Sid"]: s for s in document["Statement"]}["WriteOutputs"]["Resource"]
    assert writes in (f"arn:aws:s3:::{bucket}/scores/iris-hourly/*", [f"arn:aws:s3:::{bucket}/scores/iris-hourly/*"])
    assert _replan(fixture, tf_vars) == {}


def _tasks(states: dict) -> list[dict]:
    """Every state of a (nested) ASL states map."""
    out = []
    for state in states.values():
        out.append(state)
        for branch in state.get("Branches", []):
            out.extend(_tasks(branch["States"]))
        if "ItemProcessor" in state:
            out.extend(_tasks(state["ItemProcessor"]["States"]))
        if "Iterator" in state:
            out.extend(_tasks(state["Iterator"]["States"]))
    return out
