"""Plan tests of the root module's retraining workflow (modules/hourly_retraining, one model "churn" in the fixture):
resources, the rendered ASL, IAM, and refused inputs. Multi-model behaviour: tests/test_hourly_retraining_plan.py."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests import asl_endpoint_checks as ec
from tests import tfharness as h

pytestmark = pytest.mark.plan

SAGEMAKER_NAME = h.SAGEMAKER_NAME


MACHINE = "churn-churn-retraining"  # "<name_prefix>-<model>-retraining"


def model(**fields):
    """Plan variables that set fields of the fixture's one model, over its defaults."""
    return {"retraining_model": fields}


@pytest.fixture(scope="module")
def root(tf_fixture):
    return tf_fixture("root")


@pytest.fixture(scope="module")
def plan(planned):
    return planned("root")


@pytest.fixture(scope="module")
def asl(plan):
    return h.definitions(plan)[MACHINE]


def test_resource_counts(plan):
    assert h.counts_by_type(plan) == {
        "aws_s3_bucket": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_policy": 1,
        "aws_ecr_repository": 1,
        "aws_ecr_lifecycle_policy": 1,
        "aws_sns_topic": 1,
        "aws_sns_topic_policy": 1,
        # the model's SageMaker and state machine roles, the functions' role, the retention function's, the schedule's
        "aws_iam_role": 5,
        # and the functions' role's read policy and the retention role's delete policy for the model, and the gate's
        # put-metrics policy
        "aws_iam_role_policy": 8,
        "aws_lambda_function": 4,  # metrics, gate, fingerprint, retention
        "aws_cloudwatch_log_group": 5,
        "aws_sfn_state_machine": 1,
        # the machine's failed/timed-out/aborted/throttled, the schedule's DLQ, the 4 functions' errors; a dashboard
        "aws_cloudwatch_metric_alarm": 9,
        "aws_cloudwatch_dashboard": 1,
        "aws_cloudwatch_event_rule": 2,  # the schedule and the execution alerts
        "aws_cloudwatch_event_target": 2,
        "aws_sqs_queue": 1,
        "aws_sqs_queue_policy": 1,
        "aws_dynamodb_table": 1,
        "aws_kms_key": 1,  # the notifications topic's, so that EventBridge can publish to it
    }


def test_workflow_off_leaves_only_the_shared_platform(root):
    counts = h.counts_by_type(root.plan(retraining_enabled=False))
    assert "aws_sfn_state_machine" not in counts
    assert "aws_lambda_function" not in counts
    assert "aws_cloudwatch_event_rule" not in counts  # no schedule, and no machine to alert on
    assert counts["aws_s3_bucket"] == 1


def test_outputs(plan):
    out = plan.outputs
    assert out["artifact_bucket_name"] == "churn-123456789012-us-east-1"
    assert out["retraining_endpoint_names"] == {"churn": "churn-churn"}
    assert out["retraining_training_image_uris"] == {
        "churn": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-rt-training:v1"
    }
    assert out["retraining_ecr_repository_url"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-rt-training"
    assert out["notifications_topic_arn"] == "arn:aws:sns:us-east-1:123456789012:churn-notifications"
    assert out["retraining_data_uris"] == {"churn": "s3://churn-123456789012-us-east-1/churn/retraining/churn/"}
    assert json.loads(out["retraining_schedule_inputs"]["churn"]) == {
        "trigger": "schedule",
        "workflow": "retraining",
        "model": "churn",
    }


def test_schedule_targets_the_machine_with_retries_and_dead_letters(plan):
    rule = h.one(plan, 'aws_cloudwatch_event_rule.this["hourly"]')
    assert rule["schedule_expression"] == "rate(1 hour)"
    assert rule["is_enabled"] is True
    target = h.one(plan, 'aws_cloudwatch_event_target.this["hourly"]')
    assert target["retry_policy"] == [{"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 10}]
    assert len(target["dead_letter_config"]) == 1
    assert json.loads(target["input"]) == {"trigger": "schedule", "workflow": "retraining", "model": "churn"}
    assert rule["name"] == "churn-churn-rt-hourly"


def test_every_transition_lands_on_a_state(asl):
    graph = h.transitions(asl)
    for state, nexts in graph.items():
        assert nexts <= set(asl["States"]), f"{state} -> {nexts - set(asl['States'])}"
    # every state is reachable from StartAt
    for name in asl["States"]:
        h.shortest_path(asl, name)


def test_deploy_path(asl):
    assert h.shortest_path(asl, "Deployed") == [
        "AcquireLock",
        "PrepareRun",
        "CheckEndpoint",
        "CheckEndpointNotFound",
        "EndpointChecked",
        "FingerprintData",
        "ReadLastFingerprint",
        "HasLastFingerprint",
        "Train",
        "GetMetrics",
        "Gate",
        "RecordFingerprint",
        "DeployDecision",
        "ConfirmLock",
        "CreateModel",
        "CreateEndpointConfig",
        "LookUpEndpoint",
        "CanUpdateEndpoint",
        "UpdateEndpoint",
        "StartWaiting",
        "WaitForEndpoint",
        "DescribeEndpoint",
        "EndpointReady",
        "NotifyDeployed",
        "ApplyRetention",
        "ReleaseLockBeforeDeployed",
        "Deployed",
    ]
    ready = asl["States"]["EndpointReady"]
    # success requires our endpoint config InService (a failed update rolls back to the old one, InService)
    success = ready["Choices"][0]
    assert success["Next"] == "NotifyDeployed"
    assert {
        "Variable": "$.endpoint.EndpointConfigName",
        "StringEqualsPath": "$.endpoint_config.EndpointConfigName",
    } in success["And"]
    assert asl["States"]["CountPoll"]["Next"] == "WaitForEndpoint"
    assert any(c.get("NumericGreaterThanEquals") == 60 and c["Next"] == "EndpointTimedOut" for c in ready["Choices"])


def test_existing_endpoint_is_updated_not_created(asl):
    lookup = asl["States"]["LookUpEndpoint"]
    assert lookup["Resource"].endswith("aws-sdk:sagemaker:describeEndpoint")
    assert lookup["Next"] == "CanUpdateEndpoint"
    assert asl["States"]["CanUpdateEndpoint"]["Choices"][0]["Next"] == "UpdateEndpoint"
    assert asl["States"]["UpdateEndpoint"]["Next"] == "StartWaiting"


def test_endpoint_is_checked_before_training_and_every_status_has_its_path(asl):
    ec.assert_endpoint_status_paths(asl, max_polls=60, after_check="FingerprintData")
    # nothing is trained before the endpoint is known to take an update (or not to exist)
    assert h.shortest_path(asl, "Train")[-7:] == [
        "CheckEndpoint",
        "CheckEndpointNotFound",
        "EndpointChecked",
        "FingerprintData",
        "ReadLastFingerprint",
        "HasLastFingerprint",
        "Train",
    ]
    assert "Train" not in h.shortest_path(asl, "EndpointCannotTakeUpdate")


def test_endpoint_not_found_is_told_apart_by_cause(asl):
    ec.assert_not_found_only_by_cause(asl)


def test_sagemaker_tasks_retry_only_transient_causes(asl):
    ec.assert_sagemaker_retries_only_transient(
        asl,
        {
            "Train",
            "CreateModel",
            "CreateEndpointConfig",
            "CheckEndpoint",
            "LookUpEndpoint",
            "CreateEndpoint",
            "UpdateEndpoint",
            "DescribeEndpoint",
        },
    )


def test_rejected_candidate_creates_nothing(asl):
    path = h.shortest_path(asl, "Rejected")
    assert path[-4:] == ["DeployDecision", "NotifyRejected", "ReleaseLockBeforeRejected", "Rejected"]
    assert not {"CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint"} & set(path)
    decision = asl["States"]["DeployDecision"]
    assert decision["Choices"] == [{"Variable": "$.decision.deploy", "BooleanEquals": True, "Next": "ConfirmLock"}]
    assert decision["Default"] == "NotifyRejected"


def test_concurrent_run_ends_cleanly(asl):
    # The guard's states in detail: tests/test_concurrency_guard.py.
    assert asl["StartAt"] == "AcquireLock"
    skip = asl["States"]["SkipConcurrentRun"]
    assert skip["Type"] == "Pass" and skip["End"] is True and skip["Parameters"]["status"] == "skipped"


def test_sagemaker_names_are_fresh_per_attempt_and_within_limits(asl):
    # "<prefix>-<model>-rt-<MD5 of a fresh UUID>": the fixed shape the IAM policies allow (32 hex digits).
    expr = "States.Format('{}-rt-{}', 'churn-churn', States.Hash(States.UUID(), 'MD5'))"
    assert asl["States"]["Train"]["Parameters"]["TrainingJobName.$"] == expr
    assert asl["States"]["CreateModel"]["Parameters"]["ModelName.$"] == expr
    assert asl["States"]["CreateEndpointConfig"]["Parameters"]["EndpointConfigName.$"] == expr
    longest = "a" * 24 + "-b" + "-rt-" + "f" * 32  # len(name_prefix) + 1 + len(model) <= 26
    assert len(longest) == 62 and SAGEMAKER_NAME.match(longest)


def test_training_job_parameters(asl):
    train = asl["States"]["Train"]
    assert train["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    p = train["Parameters"]
    assert p["RoleArn"] == "arn:aws:iam::123456789012:role/churn-churn-rt-sagemaker"
    assert p["AlgorithmSpecification"]["TrainingImage"].endswith("/churn-rt-training:v1")
    assert {c["ChannelName"] for c in p["InputDataConfig"]} == {"train", "validation"}
    assert p["OutputDataConfig"] == {"S3OutputPath": "s3://churn-123456789012-us-east-1/churn/retraining/churn/models/"}
    assert p["ResourceConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    assert p["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert train["TimeoutSeconds"] > 3600


def test_gate_receives_the_configuration(asl):
    payload = asl["States"]["Gate"]["Parameters"]["Payload"]
    assert payload["metric_name"] == "validation:accuracy"
    assert payload["goal"] == "maximize"
    assert payload["threshold"] == 0.9
    assert payload["compare_with_champion"] is False
    assert payload["endpoint_name"] == "churn-churn"
    assert payload["metrics.$"] == "$.evaluation.metrics"
    assert (payload["metric_min"], payload["metric_max"]) == (0, 1)  # accuracy's default range
    assert asl["States"]["GetMetrics"]["Parameters"]["FunctionName"].endswith(":function:churn-retraining-metrics")


def test_endpoint_config_records_the_metric_for_the_next_champion_comparison(asl):
    tags = {t["Key"]: t for t in asl["States"]["CreateEndpointConfig"]["Parameters"]["Tags"]}
    assert tags["sfn-ml:metric-name"]["Value"] == "validation:accuracy"
    assert tags["sfn-ml:metric-value"]["Value.$"] == "States.Format('{}', $.decision.metric_value)"


def test_every_task_retries_transient_errors_and_is_caught(asl):
    tasks = {n: s for n, s in asl["States"].items() if s["Type"] == "Task"}
    assert len(tasks) >= 10
    sagemaker = ec.sagemaker_tasks(asl)  # retried through their transient-cause loops (above)
    for name, task in tasks.items():
        assert ("Retry" in task) != (name in sagemaker), name
        for r in task.get("Retry", []):
            assert r["BackoffRate"] > 1 and r["MaxAttempts"] >= 2 and r["MaxDelaySeconds"] <= 300, name
            assert "States.ALL" not in r["ErrorEquals"], f"{name} retries every error"
            assert not set(r["ErrorEquals"]) & ec.NEVER_PRODUCED, name
            # base exceptions that also carry deterministic errors are not retried (Sfn: bounded, see locals.tf)
            assert not {
                "SNS.AmazonSNSException",
                "Glue.AWSGlueException",
                "Glue.ConcurrentRunsExceededException",
            } & set(r["ErrorEquals"]), name
        targets = {c["Next"] for c in task["Catch"] if "States.ALL" in c["ErrorEquals"]}
        if name == "RecordFingerprint":  # a record that fails costs the next run a training, never this run
            assert targets == {"DeployDecision"} == {task["Next"]}, name
        elif name.startswith("ReleaseLockBefore"):  # a failed release still ends the run the way it was ending
            assert targets == {name.removeprefix("ReleaseLockBefore")}, name
        elif name in ("ApplyRetention", "NotifyRetentionFailed"):  # the model is deployed: the run stays deployed
            assert targets == {"RetentionFailed" if name == "ApplyRetention" else "ReleaseLockBeforeDeployed"}, name
        else:
            # A notice that cannot be published ends the run under another error name, which the execution alert
            # rule notifies (a failure is notified exactly once, and never not at all).
            assert targets == (
                {"ReleaseLockBeforeFailedUnnotified"} if name == "NotifyFailure" else {"NotifyFailure"}
            ), name
    assert asl["States"]["NotifyFailure"]["Next"] == "ReleaseLockBeforeFailed"
    assert asl["States"]["ReleaseLockBeforeFailed"]["Next"] == "Failed"
    assert asl["States"]["ReleaseLockBeforeFailedUnnotified"]["Next"] == "FailedUnnotified"
    assert asl["States"]["Failed"]["Type"] == asl["States"]["FailedUnnotified"]["Type"] == "Fail"
    assert (asl["States"]["Failed"]["Error"], asl["States"]["FailedUnnotified"]["Error"]) == (
        "RetrainingFailed",
        "RetrainingFailedUnnotified",
    )


def test_notifications_cover_success_rejection_and_failure(asl):
    topic = "arn:aws:sns:us-east-1:123456789012:churn-notifications"
    for state in ("NotifyDeployed", "NotifyRejected", "NotifyFailure"):
        assert asl["States"][state]["Parameters"]["TopicArn"] == topic
    assert "$.decision.reason" in asl["States"]["NotifyRejected"]["Parameters"]["Message.$"]
    assert "$.endpoint.EndpointName" in asl["States"]["NotifyDeployed"]["Parameters"]["Message.$"]
    assert "$.error.Cause" in asl["States"]["NotifyFailure"]["Parameters"]["Message.$"]


def test_glue_step_only_when_a_job_is_named(root, asl):
    assert "RunEtl" not in asl["States"]
    with_glue = h.definitions(root.plan(**model(glue_job_name="prepare-churn")))[MACHINE]
    etl = with_glue["States"]["RunEtl"]
    assert etl["Resource"] == "arn:aws:states:::glue:startJobRun.sync"
    assert etl["Parameters"]["JobName"] == "prepare-churn"
    assert etl["Parameters"]["Arguments"] == {"--sfn_execution.$": "$$.Execution.Name"}
    # the endpoint is checked first, so no ETL runs for an endpoint that cannot take an update
    assert with_glue["States"]["AcquireLock"]["Next"] == "PrepareRun"
    assert with_glue["States"]["TakeOverLock"]["Next"] == "PrepareRun"
    assert with_glue["States"]["EndpointChecked"]["Next"] == "RunEtl"
    assert etl["Next"] == "FingerprintData"  # the ETL's output is what is fingerprinted


def test_kms_key_reaches_jobs_and_endpoint(planned):
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    plan = planned("root", kms_key_arn=key)
    asl = h.definitions(plan)[MACHINE]
    assert asl["States"]["Train"]["Parameters"]["OutputDataConfig"]["KmsKeyId"] == key
    assert asl["States"]["Train"]["Parameters"]["ResourceConfig"]["VolumeKmsKeyId"] == key
    assert asl["States"]["CreateEndpointConfig"]["Parameters"]["KmsKeyId"] == key
    sfn = {s["Sid"]: s for s in _policy(plan, "aws_iam_role_policy.state_machine[0]")}
    assert sfn["UseKmsKey"]["Resource"] == [key]
    assert "kms:CreateGrant" in sfn["UseKmsKey"]["Action"]
    bucket_policy = json.loads(h.one(plan, "aws_s3_bucket_policy.this")["policy"])
    assert "DenyUploadsWithoutTheKmsKey" in {s["Sid"] for s in bucket_policy["Statement"]}


def _policy(plan, suffix):
    hits = [p for a, p in h.policies(plan).items() if a.endswith(suffix)]
    assert len(hits) == 1, suffix
    return h.statements(hits[0])


def test_state_machine_policy_is_least_privilege(plan):
    stmts = _policy(plan, "aws_iam_role_policy.state_machine[0]")
    for s in stmts:
        assert s["Effect"] == "Allow"
        if "*" in s["Resource"]:
            assert h.star_statement_is_unavoidable(s), s
    by_sid = {s["Sid"]: s for s in stmts}
    assert by_sid["SageMakerTrainingJobs"]["Resource"] == [
        "arn:aws:sagemaker:us-east-1:123456789012:training-job/churn-churn-rt-" + "?" * 32
    ]
    assert {
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:StopTrainingJob",
        "sagemaker:AddTags",
    } == set(by_sid["SageMakerTrainingJobs"]["Action"])
    assert by_sid["SageMakerSyncManagedRules"]["Resource"] == [
        "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"
    ]
    passrole = by_sid["PassSageMakerRole"]
    assert passrole["Action"] == ["iam:PassRole"]
    assert passrole["Resource"] == ["arn:aws:iam::123456789012:role/churn-churn-rt-sagemaker"]
    assert passrole["Condition"] == {"StringEquals": {"iam:PassedToService": ["sagemaker.amazonaws.com"]}}
    assert set(by_sid["InvokeFunctions"]["Resource"]) == {
        f"arn:aws:lambda:us-east-1:123456789012:function:churn-retraining-{f}{suffix}"
        for f in ("metrics", "gate", "fingerprint", "retention")
        for suffix in ("", ":*")
    }
    assert by_sid["Notify"]["Resource"] == ["arn:aws:sns:us-east-1:123456789012:churn-notifications"]
    assert by_sid["DescribeLockHolder"]["Action"] == ["states:DescribeExecution"]
    assert by_sid["DescribeLockHolder"]["Resource"] == [
        "arn:aws:states:us-east-1:123456789012:execution:churn-churn-retraining:*"
    ]
    assert by_sid["EndpointLock"]["Resource"] == ["arn:aws:dynamodb:us-east-1:123456789012:table/churn-endpoint-locks"]
    assert "GlueJobs" not in by_sid
    # PassRole appears nowhere else
    assert [s["Sid"] for s in stmts if "iam:PassRole" in s["Action"]] == ["PassSageMakerRole"]


def test_sagemaker_and_lambda_policies_are_scoped(plan):
    sm = {s["Sid"]: s for s in _policy(plan, "aws_iam_role_policy.sagemaker[0]")}
    data = "arn:aws:s3:::churn-123456789012-us-east-1/churn/retraining/churn"
    assert set(sm["ReadData"]["Resource"]) == {f"{data}/data/train/*", f"{data}/data/validation/*", f"{data}/models/*"}
    assert sm["WriteOutputs"]["Resource"] == [f"{data}/models/*"]
    assert sm["PullImages"]["Resource"] == ["arn:aws:ecr:us-east-1:123456789012:repository/churn-rt-training"]
    lam = {s["Sid"]: s for s in _policy(plan, "lambda_iam[0].aws_iam_role_policy.lambda[0]")}
    assert set(lam) == {"FunctionLogs", "Tracing"}  # the SageMaker reads are per model:
    read = {s["Sid"]: s for s in _policy(plan, 'aws_iam_role_policy.lambda_read["churn"]')}
    assert set(read["ReadSageMaker"]["Resource"]) == {
        "arn:aws:sagemaker:us-east-1:123456789012:training-job/churn-churn-rt-" + "?" * 32,
        "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/churn-churn-rt-" + "?" * 32,
        "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-churn",
    }
    assert h.one(plan, 'aws_iam_role_policy.lambda_read["churn"]')["role"] == "churn-rt-lambda"
    for stmts in (sm.values(), lam.values(), read.values()):
        for s in stmts:
            if "*" in s["Resource"]:
                assert h.star_statement_is_unavoidable(s), s


def test_own_sagemaker_role_is_used_and_not_created(root):
    own = "arn:aws:iam::123456789012:role/team-sagemaker"
    # (and retention keeping the serving config alone: the root passes retraining_retain_previous_models through)
    plan = root.plan(
        retraining_create_sagemaker_role=False, retraining_sagemaker_role_arn=own, retraining_retain_previous_models=0
    )
    assert h.counts_by_type(plan)["aws_iam_role"] == 4  # state machine, functions, retention, schedule
    asl = h.definitions(plan)[MACHINE]
    assert asl["States"]["Train"]["Parameters"]["RoleArn"] == own
    assert asl["States"]["ApplyRetention"]["Parameters"]["Payload"]["retain_previous"] == 0
    by_sid = {s["Sid"]: s for s in _policy(plan, "aws_iam_role_policy.state_machine[0]")}
    assert by_sid["PassSageMakerRole"]["Resource"] == [own]


def test_rendered_definitions_pass_asl_validator(root, asl, tmp_path):
    with_glue = h.definitions(root.plan(**model(glue_job_name="prepare-churn", compare_with_champion=True)))[MACHINE]
    for i, d in enumerate((asl, with_glue)):
        path = tmp_path / f"definition-{i}.json"
        path.write_text(json.dumps(d))
        run = subprocess.run([str(h.ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def _message(fixture, **tf_vars):
    """The plan's refusal in one line, with the quotes of `models["<key>"]` unescaped."""
    return " ".join(fixture.plan_error(**tf_vars).replace('\\"', '"').split())


CHURN = 'models["churn"].'


@pytest.mark.parametrize(
    ("tf_vars", "variable", "allowed"),
    [
        ({"name_prefix": "a" * 27}, "name_prefix", "1-26 letters and digits"),
        ({"name_prefix": "churn_model"}, "name_prefix", "letters and digits in groups joined by single hyphens"),
        ({"name_prefix": "-churn"}, "name_prefix", "no leading, trailing or double hyphen"),
        ({"name_prefix": "churn--prod"}, "name_prefix", "ECR repositories (no double hyphen)"),
        (
            {"name_prefix": "a" * 21},
            "name_prefix and the key of " + CHURN[:-1],
            "len(name_prefix) + 1 + len(key) <= 26",
        ),
        (model(metric_threshold=-0.5), CHURN + "metric_threshold", "from 0 to 1e9"),
        (model(schedule_expression="every hour"), CHURN + "schedule_expression", "rate(1 hour)"),
        (model(schedule_expression="rate(1 hours)"), CHURN + "schedule_expression", "rate(N hours)"),
        (model(schedule_expression="cron(0 * * *)"), CHURN + "schedule_expression", "cron(<minutes> <hours>"),
        (model(schedule_expression="cron(0 * * * * *)"), CHURN + "schedule_expression", "exactly one of"),
        (model(schedule_expression="cron(0 * ? * ? *)"), CHURN + "schedule_expression", "exactly one of"),
        (model(metric_goal="max"), CHURN + "metric_goal", '"maximize" or "minimize"'),
        (model(training_instance_type="m5.large"), CHURN + "training_instance_type", "ml.m5.xlarge"),
        (model(endpoint_instance_type="m5.large"), CHURN + "endpoint_instance_type", "ml.m5.large"),
        (model(training_instance_count=0), CHURN + "training_instance_count", "from 1 to 100"),
        (model(training_instance_count=1.5), CHURN + "training_instance_count", "whole number"),
        (model(training_volume_size_gb=20000), CHURN + "training_volume_size_gb", "from 1 to 16384"),
        (model(training_max_runtime_seconds=0), CHURN + "training_max_runtime_seconds", "2419200 (28 days)"),
        (model(endpoint_instance_count=0), CHURN + "endpoint_instance_count", "from 1 to 1000"),
        (model(endpoint_name="my_endpoint"), CHURN + "endpoint_name", "letters, digits and hyphens"),
        (model(training_image_uri=None), CHURN + "training_image_uri", "must be set"),
        (model(training_image_uri="python:3.12"), CHURN + "training_image_uri", "ECR image URI"),
        (model(training_image_uri="docker.io/library/python:3"), CHURN + "training_image_uri", "ECR image URI"),
        (model(inference_image_uri="quay.io/team/server:1"), CHURN + "inference_image_uri", "ECR image URI"),
        (model(input_channels={"train": "/data/train"}), CHURN + "input_channels", "s3://bucket/prefix"),
        (model(hyperparameters={"k": "v" * 2501}), CHURN + "hyperparameters", "2500 characters"),
        (model(metric_definitions=[{"name": "x"}]), CHURN + "metric_definitions", "{ name, regex }"),
        (model(glue_job_name="etl/job"), CHURN + "glue_job_name", "letters, digits, spaces"),
        (model(compare_with_champion="sometimes"), CHURN + "compare_with_champion", "true or false"),
        ({"kms_key_arn": "alias/mine"}, "kms_key_arn", "KMS key ARN"),
        ({"retraining_sagemaker_role_arn": "team-sagemaker"}, "retraining_sagemaker_role_arn", "IAM role ARN"),
        (
            {"retraining_endpoint_wait_timeout_seconds": 86400, "retraining_endpoint_poll_seconds": 60},
            "retraining_endpoint_wait_timeout_seconds",
            "at most 500 times retraining_endpoint_poll_seconds",
        ),
        (model(metric_min=1, metric_max=0, metric_threshold=0.5), CHURN + "metric_min", "less than its metric_max"),
        (model(metric_min=0.5, metric_max=0.5, metric_threshold=0.5), CHURN + "metric_min", "less than its metric_max"),
        (model(metric_max=0.95, metric_threshold=0.96), CHURN + "metric_threshold", "within the metric's range"),
        (model(metric_threshold=2), CHURN + "metric_threshold", "within the metric's range"),  # accuracy is at most 1
        (
            model(
                metric_name="validation:rmse",
                metric_min=3,
                metric_definitions=[{"name": "validation:rmse", "regex": "rmse=([0-9.]+)"}],
            ),
            CHURN + "metric_threshold",
            "within the metric's range",
        ),
        ({"retraining_retain_previous_models": -1}, "retraining_retain_previous_models", "whole number from 0 to 100"),
        ({"retraining_retain_previous_models": 2.5}, "retraining_retain_previous_models", "whole number from 0 to 100"),
        ({"lambda_runtime": "python3.7"}, "lambda_runtime", "python3.8, python3.9"),
        ({"lambda_runtime": "python3.x"}, "lambda_runtime", "python3.14"),
    ],
)
def test_bad_inputs_are_refused_at_plan_naming_the_variable(root, tf_vars, variable, allowed):
    message = _message(root, **tf_vars)
    assert f"The {variable} must" in message, message
    assert allowed in message, message


@pytest.mark.parametrize(
    ("models", "allowed"),
    [
        ({"Churn": {}}, "1-24 lower-case letters and digits"),
        ({"churn-a": {}}, "1-24 lower-case letters and digits (no hyphen"),
        ({"fraud": {"training_image": "x"}}, "may only set training_image_uri"),
    ],
)
def test_bad_model_keys_and_fields_are_refused(root, models, allowed):
    message = _message(root, retraining_extra_models=models)
    assert allowed in message, message


# ---------------------------------------------------------------------------------------------------------------------
# The gated metric must be reported: by a definition, or by a SageMaker built-in algorithm image.
# ---------------------------------------------------------------------------------------------------------------------
XGBOOST_US_EAST_1 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SKLEARN_US_EAST_1 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


@pytest.mark.parametrize(
    "tf_vars",
    [
        pytest.param({"metric_definitions": []}, id="created-repository-no-definitions"),
        pytest.param(
            {"metric_definitions": [{"name": "validation:auc", "regex": "auc=([0-9.]+)"}]},
            id="definition-of-another-metric",
        ),
        pytest.param(
            {
                "metric_definitions": [],
                "training_image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            },
            id="copy-of-xgboost-in-own-account",
        ),
        pytest.param(
            {
                "metric_definitions": [],
                "training_image_uri": "246618743249.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            },
            id="xgboost-from-another-regions-registry",
        ),
        pytest.param(
            {
                "metric_definitions": [],
                "training_image_uri": SKLEARN_US_EAST_1,
            },
            id="framework-image-runs-a-script",
        ),
        pytest.param(
            {
                "metric_definitions": [],
                "training_image_uri": "382416733822.dkr.ecr.us-east-1.amazonaws.com/my-algorithm:1",
            },
            id="other-repository-in-the-algorithms-registry",
        ),
    ],
)
def test_custom_image_without_a_definition_of_the_metric_is_refused(root, tf_vars):
    message = _message(root, **model(**tf_vars))
    assert 'The models["churn"].metric_name must be the name of one of its metric_definitions' in message, message
    assert "training_image_uri" in message, message
    assert "none is named validation:accuracy." in message, message


def test_custom_image_with_a_definition_passes_it_to_the_training_job(asl):
    spec = asl["States"]["Train"]["Parameters"]["AlgorithmSpecification"]
    assert spec["MetricDefinitions"] == [{"Name": "validation:accuracy", "Regex": "validation-accuracy=([0-9.]+)"}]


@pytest.mark.parametrize(
    "image",
    [XGBOOST_US_EAST_1, "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"],
    ids=["xgboost", "linear-learner"],
)
def test_builtin_algorithm_image_needs_no_definition(root, image):
    plan = root.plan(
        **model(
            training_image_uri=image,
            metric_definitions=[],
            metric_name="validation:error",
            metric_goal="minimize",
            metric_threshold=0.1,
        )
    )
    spec = h.definitions(plan)[MACHINE]["States"]["Train"]["Parameters"]["AlgorithmSpecification"]
    assert spec == {"TrainingImage": image, "TrainingInputMode": "File"}


def test_image_unknown_at_plan_plans_when_a_definition_names_the_metric(tf_fixture):
    plan = tf_fixture("root_unknown_image").plan()
    assert h.counts_by_type(plan)["aws_sfn_state_machine"] == 1
    with pytest.raises(AssertionError, match="not known at plan time"):
        h.definitions(plan)  # it holds the image URI, known only once the repository exists


# ---------------------------------------------------------------------------------------------------------------------
# IAM from the inputs: exactly the images, data and output given.
# ---------------------------------------------------------------------------------------------------------------------
OTHER_ACCOUNT_TRAINER = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/trainer@sha256:" + "a" * 64
OTHER_ACCOUNT_SERVER = "111122223333.dkr.ecr.us-east-1.amazonaws.com/serving:v2"


def test_sagemaker_role_gets_exactly_the_given_images_channels_and_output(root):
    plan = root.plan(
        retraining_create_ecr_repository=False,
        **model(
            training_image_uri=OTHER_ACCOUNT_TRAINER,
            inference_image_uri=OTHER_ACCOUNT_SERVER,
            input_channels={"train": "s3://data-lake/churn/train/", "features": "s3://other-bucket/features"},
        ),
    )
    assert "aws_ecr_repository" not in h.counts_by_type(plan)
    stmts = _policy(plan, "aws_iam_role_policy.sagemaker[0]")
    sm = {s["Sid"]: s for s in stmts}
    assert set(sm["PullImages"]["Resource"]) == {
        "arn:aws:ecr:eu-west-1:210987654321:repository/team/trainer",
        "arn:aws:ecr:us-east-1:111122223333:repository/serving",
    }
    output = "arn:aws:s3:::churn-123456789012-us-east-1/churn/retraining/churn/models/*"
    assert set(sm["ReadData"]["Resource"]) == {
        "arn:aws:s3:::data-lake/churn/train/*",
        "arn:aws:s3:::other-bucket/features*",
        output,
    }
    assert sm["ReadData"]["Action"] == ["s3:GetObject"]
    assert sm["WriteOutputs"]["Resource"] == [output]
    assert set(sm["WriteOutputs"]["Action"]) == {"s3:PutObject", "s3:AbortMultipartUpload"}
    listing = sorted((s["Resource"], s["Condition"]) for s in stmts if s["Action"] == ["s3:ListBucket"])
    assert listing == sorted(
        [
            (["arn:aws:s3:::data-lake"], {"StringLike": {"s3:prefix": ["churn/train/*"]}}),
            (["arn:aws:s3:::other-bucket"], {"StringLike": {"s3:prefix": ["features*"]}}),
            (
                ["arn:aws:s3:::churn-123456789012-us-east-1"],
                {"StringLike": {"s3:prefix": ["churn/retraining/churn/models/*"]}},
            ),
        ]
    )
    # Nothing else touches S3 or ECR; no S3 or ECR action on "*" but the ECR login.
    s3_or_ecr = {a for s in stmts for a in s["Action"] if a.startswith(("s3:", "ecr:"))}
    assert s3_or_ecr == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListBucket",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetAuthorizationToken",
    }
    for s in stmts:
        if "*" in s["Resource"]:
            assert h.star_statement_is_unavoidable(s), s


def _sagemaker_patterns(plan):
    """Every SageMaker job/model/endpoint-config pattern of the plan's state machine and Lambda policies."""
    found = set()
    for policy in h.policies(plan).values():
        for s in h.statements(policy):
            for r in s["Resource"]:
                if r.startswith("arn:aws:sagemaker:") and any(
                    t in r for t in (":training-job/", ":model/", ":endpoint-config/", ":transform-job/")
                ):
                    found.add(r.split("/", 1)[1])
    return found


def _names_of(prefix, model="churn"):
    """Names the workflows give SageMaker resources: "<prefix>-<model>-rt-<32 hex>" (retraining, per model) and
    "<prefix>-ad-<32 hex>" (approved deployment)."""
    return [f"{prefix}-{model}-rt-{'0123456789abcdef' * 2}", f"{prefix}-ad-{'fedcba9876543210' * 2}"]


ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-rt-training:v1"
DEFINITION = [{"name": "validation:accuracy", "regex": "validation-accuracy=([0-9.]+)"}]


def test_name_patterns_of_ml_do_not_cover_ml_prod(root):
    prod_model = {"prod": {"training_image_uri": ECR_IMAGE, "metric_definitions": DEFINITION}}
    ml = _sagemaker_patterns(root.plan(name_prefix="ml", retraining_extra_models=prod_model))
    prod = _sagemaker_patterns(root.plan(name_prefix="ml-prod"))
    assert ml == {"ml-churn-rt-" + "?" * 32, "ml-prod-rt-" + "?" * 32}
    assert prod == {"ml-prod-churn-rt-" + "?" * 32}
    # Each (prefix, model)'s pattern matches its own retraining names and no name of another prefix or model, nor
    # of the approval workflow; also for prefixes and keys built to look like a suffix ("rt", "ml-churn-rt-abcdef").
    owners = [("ml", "churn"), ("ml", "prod"), ("ml-prod", "churn")]
    lookalikes = [
        ("ml-prod", "prod"),
        ("ml", "rt"),
        ("ml-rt", "churn"),
        ("ml-churn", "rt"),
        ("ml-churn-rt-abcdef", "x"),
    ]
    names = {(p, m): _names_of(p, m)[0] for p, m in owners + lookalikes}
    approval = [_names_of(p)[1] for p in ("ml", "ml-prod", "ml-churn", "ml-prod-churn")]
    for pattern in ml | prod:
        matched = [key for key, name in names.items() if h.iam_match(pattern, name)]
        assert len(matched) == 1 and matched[0] in owners, (pattern, matched)
        assert pattern.startswith("-".join(matched[0]) + "-rt-")
        assert not [n for n in approval if h.iam_match(pattern, n)]


def test_every_allowed_prefix_gives_valid_names():
    # The longest allowed: len(name_prefix) + 1 + len(model) <= 26 (model keys are lower-case letters and digits).
    for prefix, model in (("a", "b"), ("a" * 24, "b"), ("A-b--c" + "d" * 18, "x"), ("a", "b" * 24)):
        assert len(prefix) + 1 + len(model) <= 26
        for name in _names_of(prefix, model):
            assert len(name) <= 63 and SAGEMAKER_NAME.match(name), name
    assert len(_names_of("a" * 24, "b")[0]) == 62


# ---------------------------------------------------------------------------------------------------------------------
# Tags the workflow writes are valid SageMaker tags for every input the variables allow.
# ---------------------------------------------------------------------------------------------------------------------
SAGEMAKER_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]{0,256}$")


def test_execution_tag_is_a_hash_of_the_execution_name(asl):
    tags = asl["States"]["Train"]["Parameters"]["Tags"]
    assert tags == [{"Key": "sfn-ml:execution", "Value.$": "States.Hash($$.Execution.Name, 'MD5')"}]
    ec_tags = {t["Key"]: t for t in asl["States"]["CreateEndpointConfig"]["Parameters"]["Tags"]}
    assert ec_tags["sfn-ml:execution"]["Value.$"] == "States.Hash($$.Execution.Name, 'MD5')"
    # Not one tag takes the raw execution name (a manual start may be named "run (2)!").
    assert '$$.Execution.Name"' not in json.dumps([s.get("Parameters", {}).get("Tags") for s in asl["States"].values()])


@pytest.mark.parametrize("metric", ["validation:accuracy", "train:mse", "f1 score", "précision@5", "a" * 255])
def test_metric_names_the_validation_allows_are_valid_tag_values(root, metric):
    plan = root.plan(**model(metric_name=metric, metric_definitions=[{"name": metric, "regex": "m=([0-9.]+)"}]))
    asl = h.definitions(plan)[MACHINE]
    tags = {t["Key"]: t for t in asl["States"]["CreateEndpointConfig"]["Parameters"]["Tags"]}
    assert tags["sfn-ml:metric-name"]["Value"] == metric
    assert SAGEMAKER_TAG_VALUE.match(metric)


@pytest.mark.parametrize("metric", ["val(acc)", "acc!", "a,b", "x" * 256, " leading", "tab\tname", "semi;colon"])
def test_metric_names_a_tag_refuses_are_refused_at_plan(root, metric):
    message = _message(root, **model(metric_name=metric, metric_definitions=[{"name": metric, "regex": "m=(.*)"}]))
    assert (
        'The models["churn"].metric_name must be 1-255 characters of letters, digits, spaces and _ . : / = + - @'
        in message
    ), message


def test_redrive_policy_covers_exactly_the_workflows_executions(plan):
    policy = json.loads(plan.outputs["redrive_policy_json"])
    (stmt,) = policy["Statement"]
    assert stmt["Resource"] == "arn:aws:states:us-east-1:123456789012:execution:churn-churn-retraining:*"
    assert "states:RedriveExecution" in stmt["Action"]
    # A redriven execution reruns the failed Task, whose name expression draws a fresh UUID: no name is reused.
    asl = h.definitions(plan)[MACHINE]
    assert "States.UUID()" in asl["States"]["Train"]["Parameters"]["TrainingJobName.$"]


def test_the_largest_allowed_wait_stays_far_inside_the_execution_history_limit(root):
    # 500 polls is the most the variables allow (wait timeout <= 500 * poll seconds)
    asl = h.definitions(root.plan(retraining_endpoint_wait_timeout_seconds=30000, retraining_endpoint_poll_seconds=60))[
        MACHINE
    ]
    ec.assert_endpoint_status_paths(asl, max_polls=500, after_check="FingerprintData")
    assert any(c.get("NumericGreaterThanEquals") == 500 for c in asl["States"]["EndpointReady"]["Choices"])
    # A poll is Wait (2 events) + Task (5) + Choice (2) + Pass (2); three waits can run in one execution.
    polls = 3 * 500 * 11
    # Every transient retry is a failed Task (5) + Choice (2) + Pass (2) + Wait (2), at most 4 per SageMaker task;
    # a Lambda/SNS/Sfn/Glue Retry adds 3 events per attempt; every other state runs once on the way (~5 events).
    retries = len(ec.sagemaker_tasks(asl)) * 4 * 11
    others = 5 * len(asl["States"]) + sum(
        3 * r["MaxAttempts"] for s in asl["States"].values() for r in s.get("Retry", [])
    )
    assert polls + retries + others < 25_000 * 0.8, (polls, retries, others)


@pytest.mark.parametrize(
    ("tf_vars", "expected"),
    [
        ({}, (0, 1)),
        ({"metric_name": "validation:rmse", "metric_goal": "minimize", "metric_threshold": 3}, (0, None)),
        ({"metric_name": "train:LogLoss", "metric_goal": "minimize", "metric_threshold": 0.5}, (0, None)),
        ({"metric_name": "validation:r2", "metric_threshold": 0.5}, (None, 1)),
        ({"metric_name": "validation:custom-score", "metric_threshold": 50}, (None, None)),
        ({"metric_max": 100, "metric_threshold": 90}, (0, 100)),  # accuracy in percent: the user's max wins
        ({"metric_name": "validation:custom-score", "metric_min": -5, "metric_max": 5, "metric_threshold": 1}, (-5, 5)),
    ],
)
def test_metric_range_defaults_by_well_known_name(root, tf_vars, expected):
    if "metric_name" in tf_vars:  # a custom image reports only the metrics it has definitions for
        tf_vars = {**tf_vars, "metric_definitions": [{"name": tf_vars["metric_name"], "regex": "m=([0-9.]+)"}]}
    payload = h.definitions(root.plan(**model(**tf_vars)))[MACHINE]["States"]["Gate"]["Parameters"]["Payload"]
    assert (payload["metric_min"], payload["metric_max"]) == expected


# Nothing fails silently: executions that fail outside a Catch, time out or are aborted reach the topic.


def test_failed_timed_out_and_aborted_executions_are_notified(plan):
    rule = h.one(plan, 'aws_cloudwatch_event_rule.this["churn-executions"]')
    assert rule["name"] == "churn-rt-churn-executions"
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:churn-churn-retraining"
    pattern = rule["event_pattern"]
    alerted = {
        (status, error): h.pattern_matches(pattern, h.execution_event(machine, status, error))
        for status, error in [
            ("TIMED_OUT", None),
            ("ABORTED", None),
            ("FAILED", "States.Runtime"),  # outside any Catch
            ("FAILED", "RetrainingFailedUnnotified"),  # caught, but its notice could not be published
            ("FAILED", "absent"),  # an event without the error field: notified (a duplicate, never silence)
            ("FAILED", "RetrainingFailed"),  # caught and notified by the workflow itself: not twice
            ("SUCCEEDED", None),
            ("RUNNING", None),
        ]
    }
    assert alerted == {
        ("TIMED_OUT", None): True,
        ("ABORTED", None): True,
        ("FAILED", "States.Runtime"): True,
        ("FAILED", "RetrainingFailedUnnotified"): True,
        ("FAILED", "absent"): True,
        ("FAILED", "RetrainingFailed"): False,
        ("SUCCEEDED", None): False,
        ("RUNNING", None): False,
    }
    other = machine.replace("churn-churn-retraining", "churn-other-retraining")
    assert not h.pattern_matches(pattern, h.execution_event(other, "TIMED_OUT", None))
    target = h.one(plan, 'aws_cloudwatch_event_target.this["churn-executions"]')
    assert target["arn"] == "arn:aws:sns:us-east-1:123456789012:churn-notifications"
    (transformer,) = target["input_transformer"]
    assert set(transformer["input_paths"]) == {"name", "status", "execution"}
    assert json.loads(transformer["input_template"].replace("<", "").replace(">", ""))  # a JSON string
    (retry,) = target["retry_policy"]
    assert retry["maximum_retry_attempts"] > 0
    # The root has no rule of its own: each workflow submodule has its rules.
    assert not [a for a in h.resources(plan) if a.startswith("module.this.aws_cloudwatch_event_rule")]


def test_topic_is_encrypted_with_a_key_eventbridge_may_use(plan):
    key = h.one(plan, "aws_kms_key.this[0]")
    assert key["enable_key_rotation"] is True
    by_sid = {st["Sid"]: st for st in h.statements(json.loads(key["policy"]))}
    assert by_sid["AccountAdministers"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    events = by_sid["ServicesEncryptForTheTopic"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert sorted(events["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    topic = h.one(plan, "aws_sns_topic.this")
    assert topic.get("kms_master_key_id") in (None, "")  # the new key's ARN, known after apply
    assert "alias/aws/sns" not in json.dumps(topic)


def test_execution_alerts_can_be_switched_off(root):
    counts = h.counts_by_type(root.plan(create_execution_alerts=False))
    assert counts["aws_cloudwatch_event_rule"] == 1  # the schedule only
    assert counts["aws_kms_key"] == 1


def test_without_the_modules_key_the_topic_uses_kms_key_arn(root):
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    plan = root.plan(create_notifications_kms_key=False, kms_key_arn=key)
    assert "aws_kms_key" not in h.counts_by_type(plan)
    assert h.one(plan, "aws_sns_topic.this")["kms_master_key_id"] == key


FINGERPRINT_KEY = {"lock_key": {"S": f"data#{MACHINE}"}}


def test_unchanged_data_ends_the_run_before_training_and_each_gated_run_is_recorded(plan, asl):
    st = asl["States"]
    data = "s3://churn-123456789012-us-east-1/churn/retraining/churn/data"
    fingerprint = st["FingerprintData"]
    assert fingerprint["Parameters"]["FunctionName"].endswith(":function:churn-retraining-fingerprint")
    payload = fingerprint["Parameters"]["Payload"]
    assert payload["channels"] == {"train": f"{data}/train/", "validation": f"{data}/validation/"}
    assert re.fullmatch("[0-9a-f]{64}", payload["config_digest"])
    read = st["ReadLastFingerprint"]
    assert read["Resource"] == "arn:aws:states:::dynamodb:getItem"
    assert read["Parameters"]["Key"] == FINGERPRINT_KEY and read["Parameters"]["ConsistentRead"] is True
    # no record yet -> train; equal fingerprints -> release the lock and end "unchanged" (no notification asked)
    assert st["HasLastFingerprint"]["Default"] == "Train"
    assert st["IsDataUnchanged"]["Choices"] == [
        {
            "Variable": "$.last_data.Item.fingerprint.S",
            "StringEqualsPath": "$.data.fingerprint",
            "Next": "ReleaseLockBeforeUnchanged",
        }
    ]
    assert st["IsDataUnchanged"]["Default"] == "Train"
    assert "NotifyUnchanged" not in st
    path = h.shortest_path(asl, "Unchanged")
    assert path[-3:] == ["IsDataUnchanged", "ReleaseLockBeforeUnchanged", "Unchanged"]
    assert "Train" not in path and st["Unchanged"]["End"] is True
    assert st["Unchanged"]["Parameters"]["status"] == "unchanged"
    # Every run that reached the gate records its fingerprint, deployed or rejected, before the decision.
    assert st["Gate"]["Next"] == "RecordFingerprint"
    record = st["RecordFingerprint"]
    assert record["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert record["Parameters"]["Item"]["lock_key"] == FINGERPRINT_KEY["lock_key"]
    assert record["Parameters"]["Item"]["fingerprint"] == {"S.$": "$.data.fingerprint"}
    # The fingerprint function may list exactly the model's channels.
    read_policy = {s["Sid"]: s for s in _policy(plan, 'aws_iam_role_policy.lambda_read["churn"]')}
    listing = [s for sid, s in read_policy.items() if sid.startswith("ListChannel")]
    assert sorted(([s["Resource"], s["Condition"]] for s in listing), key=json.dumps) == [
        [
            ["arn:aws:s3:::churn-123456789012-us-east-1"],
            {"StringLike": {"s3:prefix": [f"churn/retraining/churn/data/{c}/*"]}},
        ]
        for c in ("train", "validation")
    ]
    assert all(s["Action"] == ["s3:ListBucket"] for s in listing)


def test_skipping_unchanged_data_can_be_switched_off_or_notified(root, asl):
    off = h.definitions(root.plan(**model(skip_unchanged_data=False)))[MACHINE]["States"]
    assert not {"FingerprintData", "RecordFingerprint", "Unchanged", "ReleaseLockBeforeUnchanged"} & set(off)
    assert off["EndpointChecked"]["Next"] == "Train" and off["Gate"]["Next"] == "DeployDecision"

    notified = h.definitions(root.plan(**model(notify_unchanged_data=True, hyperparameters={"max_depth": 6})))[MACHINE]
    st = notified["States"]
    assert st["IsDataUnchanged"]["Choices"][0]["Next"] == "NotifyUnchanged"
    assert st["NotifyUnchanged"]["Parameters"]["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:churn-notifications"
    assert st["NotifyUnchanged"]["Next"] == "ReleaseLockBeforeUnchanged"
    # other training settings on the same data train again: they are part of the fingerprint
    digest = asl["States"]["FingerprintData"]["Parameters"]["Payload"]["config_digest"]
    assert st["FingerprintData"]["Parameters"]["Payload"]["config_digest"] != digest


@pytest.mark.parametrize("field", ["skip_unchanged_data", "notify_unchanged_data"])
def test_skip_switches_must_be_booleans(root, field):
    message = _message(root, **model(**{field: "sometimes"}))
    assert f'The models["churn"].{field} must be true or false.' in message, message


def test_topic_lets_cloudwatch_alarms_publish_and_use_the_key(plan):
    """Alarm actions (modules/workflow_monitoring): only on behalf of the workflows' alarms, in this account.

    The key policy is known at plan; the topic policy (same principal and conditions, CloudWatchAlarmsPublish)
    names the topic's ARN, known after apply."""
    alarms = h.of_type(plan, "aws_cloudwatch_metric_alarm").values()
    alarm_arns = [f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{a['alarm_name']}" for a in alarms]
    assert alarm_arns
    for document, sid in [(h.one(plan, "aws_kms_key.this[0]")["policy"], "CloudWatchAlarmsEncryptForTheTopic")]:
        by_sid = {st["Sid"]: st for st in h.statements(json.loads(document))}
        st = by_sid[sid]
        assert st["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert st["Condition"]["StringEquals"]["aws:SourceAccount"] in ("123456789012", ["123456789012"])
        source = st["Condition"]["ArnLike"]["aws:SourceArn"]
        assert sorted([source] if isinstance(source, str) else source) == sorted(alarm_arns)
