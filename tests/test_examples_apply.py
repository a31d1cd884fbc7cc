"""Apply and destroy examples/hourly_retraining against the local emulator (moto server), as `make demo` does."""

from __future__ import annotations

import json

import pytest

from tests import tfharness as h

# The module's tests share applies (module-scoped fixtures): one worker runs them under `--dist loadgroup`.
pytestmark = [pytest.mark.apply, pytest.mark.xdist_group("examples_apply")]


@pytest.fixture(scope="module")
def applied(emulator, tmp_path_factory):
    fixture = h.Fixture(h.REPO / "examples" / "hourly_retraining", tmp_path_factory.mktemp("example"), provider=None)
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)  # re-init with the override in place
    tf_vars = {
        "lambda_runtime": "python3.8",
        "artifact_bucket_force_destroy": True,
        "name_prefix": "applytest",
    }
    fixture.apply(**tf_vars)
    yield fixture, fixture.output()
    fixture.destroy(**tf_vars)
    # nothing is left behind
    assert not [
        m
        for m in emulator.client("stepfunctions").list_state_machines()["stateMachines"]
        if m["name"].startswith("applytest")
    ]
    assert not [b for b in emulator.client("s3").list_buckets()["Buckets"] if b["Name"].startswith("applytest")]


def test_state_machine_and_schedule_exist(applied, emulator):
    _, out = applied
    sfn = emulator.client("stepfunctions")
    machine = sfn.describe_state_machine(stateMachineArn=out["state_machine_arn"])
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == "AcquireLock"
    assert machine["roleArn"].endswith(":role/applytest-churn-rt-states")
    events = emulator.client("events")
    rule = events.describe_rule(Name=out["schedule_rule_name"])
    assert rule["ScheduleExpression"] == "rate(1 hour)" and rule["State"] == "ENABLED"
    target = events.list_targets_by_rule(Rule=out["schedule_rule_name"])["Targets"][0]
    assert target["Arn"] == out["state_machine_arn"]
    assert json.loads(target["Input"]) == json.loads(out["schedule_input"])


def test_account_is_read_from_the_caller_identity(applied):
    _, out = applied
    # the example passes no account_id: sts:GetCallerIdentity answered with the emulator's account
    assert out["artifact_bucket_name"] == "applytest-123456789012-us-east-1"


def test_platform_resources_exist(applied, emulator):
    _, out = applied
    s3 = emulator.client("s3")
    pab = s3.get_public_access_block(Bucket=out["artifact_bucket_name"])["PublicAccessBlockConfiguration"]
    assert all(pab.values())
    policy = json.loads(s3.get_bucket_policy(Bucket=out["artifact_bucket_name"])["Policy"])
    assert policy["Statement"][0]["Sid"] == "DenyInsecureTransport"
    repo = emulator.client("ecr").describe_repositories(repositoryNames=["applytest-rt-training"])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    functions = {f["FunctionName"]: f for f in emulator.client("lambda").list_functions()["Functions"]}
    assert functions["applytest-retraining-gate"]["Handler"] == "gate.handler"
    assert functions["applytest-retraining-metrics"]["Handler"] == "metrics.handler"
    topics = [t["TopicArn"] for t in emulator.client("sns").list_topics()["Topics"]]
    assert out["notifications_topic_arn"] in topics


def test_failed_executions_reach_the_topic_by_default(applied, emulator):
    """The example sets no KMS key: the execution alerts still work (the topic gets a key EventBridge may use)."""
    _, out = applied
    events = emulator.client("events")
    rule = events.describe_rule(Name="applytest-rt-churn-executions")
    pattern = json.loads(rule["EventPattern"])
    assert pattern["detail"]["stateMachineArn"] == [out["state_machine_arn"]]
    for status, error in [("TIMED_OUT", None), ("ABORTED", None), ("FAILED", "States.Runtime")]:
        assert h.pattern_matches(rule["EventPattern"], h.execution_event(out["state_machine_arn"], status, error))
    (target,) = events.list_targets_by_rule(Rule="applytest-rt-churn-executions")["Targets"]
    assert target["Arn"] == out["notifications_topic_arn"]
    topic = emulator.client("sns").get_topic_attributes(TopicArn=out["notifications_topic_arn"])["Attributes"]
    statements = {s["Sid"]: s for s in json.loads(topic["Policy"])["Statement"]}
    assert statements["ServicesPublish"]["Principal"] == {"Service": "events.amazonaws.com"}
    assert statements["ServicesPublish"]["Condition"]["ArnLike"]["aws:SourceArn"] in (rule["Arn"], [rule["Arn"]])
    assert topic["KmsMasterKeyId"] != "alias/aws/sns"
    key_policy = json.loads(
        emulator.client("kms").get_key_policy(KeyId=topic["KmsMasterKeyId"], PolicyName="default")["Policy"]
    )
    events_statement = next(s for s in key_policy["Statement"] if s["Sid"] == "ServicesEncryptForTheTopic")
    assert events_statement["Principal"] == {"Service": "events.amazonaws.com"}


def test_an_execution_starts_with_the_rule_input(applied, emulator):
    _, out = applied
    sfn = emulator.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=out["state_machine_arn"], input=out["schedule_input"])
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {"trigger": "schedule", "workflow": "retraining", "model": "churn"}
    assert described["status"] in {"RUNNING", "SUCCEEDED", "FAILED"}


def test_second_apply_changes_nothing(applied):
    fixture, _ = applied
    plan = fixture.tf.plan(
        output=True,
        tf_var_file=fixture.var_file(
            {"lambda_runtime": "python3.8", "artifact_bucket_force_destroy": True, "name_prefix": "applytest"}
        ),
    )
    changed = {
        a: rc["change"]["actions"] for a, rc in plan.resource_changes.items() if rc["change"]["actions"] != ["no-op"]
    }
    assert changed == {}


def test_a_consumer_passing_its_own_resources_by_reference_applies_on_the_first_run(emulator, tmp_path_factory):
    """tests/fixtures/hourly_retraining_consumer creates the KMS key, bucket, topic, ECR repository and SageMaker role
    it gives modules/hourly_retraining: all unknown at the first plan, which must plan and apply as one run."""
    fixture = h.Fixture(h.FIXTURES / "hourly_retraining_consumer", tmp_path_factory.mktemp("consumer"), provider=None)
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)  # re-init with the override in place
    try:
        fixture.apply()
        out = fixture.output()
        sfn = emulator.client("stepfunctions")
        assert set(out["state_machine_arns"]) == {"churn", "fraud"}
        for key, arn in out["state_machine_arns"].items():
            definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
            train = definition["States"]["Train"]["Parameters"]
            assert train["RoleArn"] == out["sagemaker_role_arn"], key
            assert train["ResourceConfig"]["VolumeKmsKeyId"] == out["kms_key_arn"], key
            assert train["AlgorithmSpecification"]["TrainingImage"].split("/")[-1].startswith("consumer-trainer:")
        table = emulator.client("dynamodb").describe_table(TableName=out["lock_table_name"])["Table"]
        assert table["SSEDescription"]["KMSMasterKeyArn"] == out["kms_key_arn"]
        rules = emulator.client("events")
        assert rules.describe_rule(Name=out["schedule_rule_names"]["fraud"])["State"] == "DISABLED"
    finally:
        fixture.destroy()


def test_the_submodules_only_example_applies_and_wires_topic_and_bucket(emulator, tmp_path_factory):
    """examples/submodules_only: hourly retraining of two models with the team's own bucket and topic (platform
    submodules, no root module): applies on the first run, each model's machine exists, the topic lets EventBridge
    publish for exactly the workflow's alert rules, and a second plan is empty."""
    fixture = h.Fixture(h.REPO / "examples" / "submodules_only", tmp_path_factory.mktemp("submodules"), provider=None)
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)  # re-init with the override in place
    tf_vars = {"lambda_runtime": "python3.8", "bucket_force_destroy": True, "name_prefix": "subonly"}
    fixture.apply(**tf_vars)
    try:
        out = fixture.output()
        assert set(out["state_machine_arns"]) == {"churn", "fraud"}
        sfn = emulator.client("stepfunctions")
        for arn in out["state_machine_arns"].values():
            assert sfn.describe_state_machine(stateMachineArn=arn)["status"] == "ACTIVE"
        emulator.client("s3").head_bucket(Bucket=out["bucket_name"])
        policy = json.loads(
            emulator.client("sns").get_topic_attributes(TopicArn=out["topic_arn"])["Attributes"]["Policy"]
        )
        allowed = {
            arn
            for st in policy["Statement"]
            if st.get("Principal") == {"Service": "events.amazonaws.com"}
            for arn in _as_list(st.get("Condition", {}).get("ArnLike", {}).get("aws:SourceArn", []))
        }
        rules = {r["Arn"] for r in emulator.client("events").list_rules(NamePrefix="subonly-")["Rules"]}
        alert_rules = {a for a in rules if "execution" in a.rsplit("/", 1)[1]}
        assert len(alert_rules) == 2 and alert_rules <= allowed, (alert_rules, allowed)
        replan = fixture.tf.plan(output=True, refresh=True, tf_var_file=fixture.var_file(tf_vars))
        changed = [a for a, rc in replan.resource_changes.items() if rc["change"]["actions"] != ["no-op"]]
        assert not changed, changed
    finally:
        fixture.destroy(**tf_vars)


def _as_list(value):
    return value if isinstance(value, list) else [value]
