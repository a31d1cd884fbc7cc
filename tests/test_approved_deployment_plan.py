"""Plan tests of the approved-deployment workflow: resources, the rendered ASL, the approval API, the image pipeline,
IAM (parsed), refused inputs, and the example."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests import asl_endpoint_checks as ec
from tests import tfharness as h

sys.path.insert(0, str(h.REPO / "lambda_src" / "approval"))
import approval_core

pytestmark = pytest.mark.plan

MACHINE = "churn-approved-deployment"
ACCOUNT = "123456789012"
KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SAGEMAKER_NAME = h.SAGEMAKER_NAME
CD_REPOSITORY_URL = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/churn-approved"
CD_REPOSITORY_ARN = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/churn-approved"
STATE_MACHINE_ARN = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{MACHINE}"


@pytest.fixture(scope="module")
def cd(tf_fixture):
    return tf_fixture("approved_deployment")


@pytest.fixture(scope="module")
def plan(planned):
    return planned("approved_deployment")


@pytest.fixture(scope="module")
def asl(plan):
    return h.definitions(plan)[MACHINE]


def _policy(plan, suffix):
    hits = [p for a, p in h.policies(plan).items() if a.endswith(suffix)]
    assert len(hits) == 1, (suffix, sorted(h.policies(plan)))
    return {s["Sid"]: s for s in h.statements(hits[0])}


# ---------------------------------------------------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------------------------------------------------
def test_execution_alerts_cover_the_machine(plan):
    """The submodule's own rule (modules/event_alerts); the apply tests check that the topic lets it publish."""
    rule = h.one(plan, 'module.execution_alerts.aws_cloudwatch_event_rule.this["execution-alerts"]')
    assert rule["name"] == "churn-ad-execution-alerts"
    machine = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{MACHINE}"

    def alerted(status: str, error: object = None, arn: str = machine) -> bool:
        return h.pattern_matches(rule["event_pattern"], h.execution_event(arn, status, error))

    assert alerted("TIMED_OUT") and alerted("ABORTED") and alerted("FAILED", "States.Runtime")
    assert alerted("FAILED", "ApprovedDeploymentUnnotified") and alerted("FAILED", "absent")
    # Outcomes the workflow notified itself are not notified twice.
    for notified in ("ApprovedDeploymentFailed", "ApprovalRejected", "ApprovalExpired"):
        assert not alerted("FAILED", notified), notified
    assert not alerted("SUCCEEDED") and not alerted("TIMED_OUT", arn=machine + "-other")


def test_resource_counts(plan):
    assert h.counts_by_type(plan) == {
        # shared platform
        "aws_s3_bucket": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_policy": 1,
        "aws_sns_topic": 2,  # notifications, approvals
        "aws_sns_topic_policy": 2,
        "aws_sns_topic_subscription": 1,
        "aws_kms_key": 1,  # the notifications topic's, for the execution alerts (the approvals topic needs none)
        "aws_cloudwatch_event_rule": 1,  # execution alerts
        "aws_cloudwatch_event_target": 1,
        # workflow
        "aws_ecr_repository": 1,
        "aws_ecr_lifecycle_policy": 1,
        # roles: SageMaker, workflow functions, state machine, responder, inference, retention, CodeBuild, CodePipeline
        "aws_iam_role": 8,
        "aws_iam_role_policy": 8,
        "aws_lambda_function": 5,  # input, approval request, approval responder, inference, retention
        "aws_cloudwatch_log_group": 8,  # 5 functions, state machine, API access log, CodeBuild
        "aws_sfn_state_machine": 1,
        # the machine's failed/timed-out/aborted/throttled and the 5 functions' errors; one dashboard
        "aws_cloudwatch_metric_alarm": 9,
        "aws_cloudwatch_dashboard": 1,
        "aws_dynamodb_table": 2,  # approval records, endpoint locks (the deployed build)
        "aws_secretsmanager_secret": 1,
        "aws_apigatewayv2_api": 1,
        "aws_apigatewayv2_integration": 2,
        "aws_apigatewayv2_route": 3,
        "aws_apigatewayv2_stage": 1,
        "aws_lambda_permission": 2,
        # pipeline
        "aws_codestarconnections_connection": 1,
        "aws_codebuild_project": 1,
        "aws_codepipeline": 1,
    }


def test_workflow_is_off_by_default(planned):
    plan = planned("root")
    counts = h.counts_by_type(plan)
    for rtype in ("aws_codepipeline", "aws_codebuild_project", "aws_apigatewayv2_api"):
        assert rtype not in counts
    # The retraining workflow's endpoint locks only.
    tables = list(h.of_type(plan, "aws_dynamodb_table"))
    assert tables == ["module.this.module.endpoint_lock[0].aws_dynamodb_table.this"]
    assert counts["aws_sfn_state_machine"] == 1  # the retraining workflow only


def test_without_a_repository_there_is_no_pipeline_but_the_workflow(cd):
    plan = cd.plan(
        approved_deployment_create_pipeline=False,
        approved_deployment_repository=None,
        approved_deployment_create_inference_api=False,
    )
    counts = h.counts_by_type(plan)
    for rtype in ("aws_codepipeline", "aws_codebuild_project", "aws_codestarconnections_connection"):
        assert rtype not in counts
    assert counts["aws_sfn_state_machine"] == 1
    assert counts["aws_apigatewayv2_route"] == 2  # the approval routes only
    assert plan.outputs["approved_deployment_pipeline_name"] is None


def test_outputs(plan):
    out = plan.outputs
    assert out["approved_deployment_state_machine_name"] == MACHINE
    assert out["approved_deployment_endpoint_name"] == "churn-approved"
    assert out["approved_deployment_data_uri"] == "s3://churn-123456789012-us-east-1/churn/approved-deployment/"
    assert out["approved_deployment_sagemaker_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/churn-cd-sagemaker"
    assert out["approved_deployment_pipeline_name"] == "churn-cd"
    assert out["approvals_table_name"] == "churn-cd-approvals"


def test_functions_and_their_configuration(plan):
    functions = {f["function_name"]: f for f in h.of_type(plan, "aws_lambda_function").values()}
    assert {n: f["handler"] for n, f in functions.items()} == {
        "churn-cd-input": "deployment_input.handler",
        "churn-cd-approval-request": "approval_request.handler",
        "churn-cd-approval-responder": "approval_responder.handler",
        "churn-cd-inference": "inference.handler",
        "churn-cd-retention": "retention.handler",
    }
    # (the request function's environment holds the API's URL, known only after apply)
    responder_env = functions["churn-cd-approval-responder"]["environment"][0]["variables"]
    assert responder_env == {
        "APPROVAL_TABLE": "churn-cd-approvals",
        "SIGNING_KEY_SECRET": "churn-cd-approval-signing-key",
    }
    assert functions["churn-cd-inference"]["environment"][0]["variables"] == {
        "ENDPOINT_NAME": "churn-approved",
        "CONTENT_TYPE": "text/csv",
    }


def test_approval_records_and_signing_key(plan):
    table = h.one(plan, "aws_dynamodb_table.approvals")
    assert table["hash_key"] == "request_id" and table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["ttl"][0]["attribute_name"], table["ttl"][0]["enabled"]) == ("expires_ttl", True)
    assert table["point_in_time_recovery"] == [{"enabled": True}]
    secret = h.one(plan, "aws_secretsmanager_secret.approval_signing_key")
    assert secret["name"] == "churn-cd-approval-signing-key"
    assert secret["recovery_window_in_days"] == 0
    # the module never writes the key: no version resource, nothing secret in the state
    assert "aws_secretsmanager_secret_version" not in h.counts_by_type(plan)
    topic = h.one(plan, 'module.approvals_topic.aws_sns_topic_subscription.email["leads"]')
    assert topic["protocol"] == "email"


# ---------------------------------------------------------------------------------------------------------------------
# The workflow definition
# ---------------------------------------------------------------------------------------------------------------------
def test_every_transition_lands_on_a_reachable_state(asl):
    graph = h.transitions(asl)
    for state, nexts in graph.items():
        assert nexts <= set(asl["States"]), f"{state} -> {nexts - set(asl['States'])}"
    for name in asl["States"]:
        h.shortest_path(asl, name)


def test_deploy_path_passes_through_the_transform_and_the_approval(asl):
    assert h.shortest_path(asl, "Deployed") == [
        "ValidateInput",
        "PrepareRun",
        "CheckEndpoint",
        "CheckEndpointNotFound",
        "EndpointChecked",
        "Train",
        "CreateModel",
        "ScoreTestSet",
        "RequestApproval",
        "RecordDeployment",
        "AcquireEndpointLock",  # the endpoint's lock, shared with the retraining of the same endpoint
        "CreateEndpointConfig",
        "LookUpEndpoint",
        "CanUpdateEndpoint",
        "UpdateEndpoint",
        "StartWaiting",
        "WaitForEndpoint",
        "DescribeEndpoint",
        "EndpointReady",
        "NotifyDeployed",
        "ApplyRetention",  # still under the endpoint's lock
        "ReleaseLockBeforeDeployed",
        "Deployed",
    ]
    # nothing is deployed before the approval
    before = h.shortest_path(asl, "RequestApproval")
    assert not {"CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint"} & set(before)
    assert asl["States"]["CanUpdateEndpoint"]["Choices"][0]["Next"] == "UpdateEndpoint"


def test_endpoint_is_checked_before_training_and_every_status_has_its_path(asl):
    ec.assert_endpoint_status_paths(asl, max_polls=60, after_check="Train")
    ec.assert_not_found_only_by_cause(asl)
    assert "Train" not in h.shortest_path(asl, "EndpointCannotTakeUpdate")


def test_sagemaker_tasks_retry_only_transient_causes(asl):
    ec.assert_sagemaker_retries_only_transient(
        asl,
        {
            "Train",
            "CreateModel",
            "ScoreTestSet",
            "CreateEndpointConfig",
            "CheckEndpoint",
            "LookUpEndpoint",
            "CreateEndpoint",
            "UpdateEndpoint",
            "DescribeEndpoint",
        },
    )


def test_the_approval_waits_for_the_token_with_a_timeout(asl):
    approval = asl["States"]["RequestApproval"]
    assert approval["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert approval["TimeoutSeconds"] == 86400
    payload = approval["Parameters"]["Payload"]
    assert payload["task_token.$"] == "$$.Task.Token"
    assert payload["entered_time.$"] == "$$.State.EnteredTime"
    # the links expire when the task times out: the function gets the same number
    assert payload["timeout_seconds"] == approval["TimeoutSeconds"]
    assert payload["transform_output.$"] == "$.transform.S3OutputPath"
    assert (
        approval["Parameters"]["FunctionName"]
        == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:churn-cd-approval-request"
    )
    assert approval["ResultPath"] == "$.approval"


def test_rejection_and_timeout_are_caught_by_explicit_error_names(asl):
    catches = asl["States"]["RequestApproval"]["Catch"]
    assert catches[0] == {
        "ErrorEquals": ["ApprovalRejected"],
        "ResultPath": "$.error",
        "Next": "DiscardRejectedCandidate",
    }
    assert catches[1] == {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "DiscardExpiredCandidate"}
    assert catches[-1]["ErrorEquals"] == ["States.ALL"]
    # the responder sends exactly the error name the Catch matches
    assert catches[0]["ErrorEquals"][0] == approval_core.REJECTION_ERROR
    assert asl["States"]["NotifyRejected"]["Next"] == "ApprovalRejected"
    rejected = asl["States"]["ApprovalRejected"]
    assert rejected["Type"] == "Fail" and rejected["Error"] == "ApprovalRejected"
    assert rejected["CausePath"] == "$.error.Cause"  # who rejected it, when, why: in the execution's result
    assert asl["States"]["NotifyExpired"]["Next"] == "ApprovalExpired"
    assert asl["States"]["ApprovalExpired"] == {
        "Type": "Fail",
        "Error": "ApprovalExpired",
        "Cause": "Nobody approved or rejected the candidate within 86400 seconds; its approval links have expired.",
    }
    for path in (h.shortest_path(asl, "ApprovalRejected"), h.shortest_path(asl, "ApprovalExpired")):
        assert not {"CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint"} & set(path)


def test_input_is_validated_and_names_are_fresh_and_of_the_workflows_shape(asl):
    validate = asl["States"]["ValidateInput"]
    assert validate["Parameters"]["Payload"] == {
        "input.$": "$",
        "repository_url": CD_REPOSITORY_URL,
        "name_prefix": "churn",
    }
    assert validate["Catch"][0]["Next"] == "NotifyFailure"
    # "<prefix>-ad-<MD5 of a fresh UUID>": the fixed shape the IAM policies allow; the commit is in a tag.
    expression = "States.Format('{}-ad-{}', 'churn', States.Hash(States.UUID(), 'MD5'))"
    assert asl["States"]["Train"]["Parameters"]["TrainingJobName.$"] == expression
    assert asl["States"]["CreateModel"]["Parameters"]["ModelName.$"] == expression
    assert asl["States"]["ScoreTestSet"]["Parameters"]["TransformJobName.$"] == expression
    assert asl["States"]["CreateEndpointConfig"]["Parameters"]["EndpointConfigName.$"] == expression
    longest = "a" * 26 + "-ad-" + "0123456789abcdef" * 2
    assert len(longest) == 62 and SAGEMAKER_NAME.match(longest)
    tags = {t["Key"]: t for t in asl["States"]["Train"]["Parameters"]["Tags"]}
    assert tags["sfn-ml:execution"] == {"Key": "sfn-ml:execution", "Value.$": "States.Hash($$.Execution.Name, 'MD5')"}
    assert tags["sfn-ml:commit"]["Value.$"] == "$.deployment.commit_id"


def test_training_and_model_use_the_commits_image(asl):
    train = asl["States"]["Train"]
    assert train["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    p = train["Parameters"]
    assert p["AlgorithmSpecification"] == {"TrainingImage.$": "$.deployment.image_uri", "TrainingInputMode": "File"}
    assert p["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/churn-cd-sagemaker"
    assert p["HyperParameters"] == {"epochs": "10"}
    assert {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in p["InputDataConfig"]} == {
        "train": "s3://churn-123456789012-us-east-1/churn/approved-deployment/data/train/",
        "validation": "s3://churn-123456789012-us-east-1/churn/approved-deployment/data/validation/",
    }
    assert {"Key": "sfn-ml:commit", "Value.$": "$.deployment.commit_id"} in p["Tags"]
    assert asl["States"]["CreateModel"]["Parameters"]["PrimaryContainer"]["Image.$"] == "$.deployment.image_uri"


def test_batch_transform_scores_the_test_set(asl):
    transform = asl["States"]["ScoreTestSet"]
    assert transform["Resource"] == "arn:aws:states:::sagemaker:createTransformJob.sync"
    p = transform["Parameters"]
    assert p["ModelName.$"] == "$.model.ModelName"
    assert p["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == (
        "s3://churn-123456789012-us-east-1/churn/approved-deployment/data/test/"
    )
    assert p["TransformInput"]["SplitType"] == "Line"
    assert p["TransformOutput"]["S3OutputPath.$"] == (
        "States.Format('s3://churn-123456789012-us-east-1/churn/approved-deployment/transform/{}/', $$.Execution.Name)"
    )
    assert p["TransformResources"] == {"InstanceType": "ml.m5.large", "InstanceCount": 1}
    assert transform["TimeoutSeconds"] == 3600
    assert transform["Next"] == "RequestApproval"


def test_endpoint_config_records_commit_and_approver(asl):
    p = asl["States"]["CreateEndpointConfig"]["Parameters"]
    tags = {t["Key"]: t for t in p["Tags"]}
    assert tags["sfn-ml:approved-by"]["Value.$"] == "$.approval.decided_by"
    assert tags["sfn-ml:approved-at"]["Value.$"] == "$.approval.decided_at"
    assert tags["sfn-ml:commit"]["Value.$"] == "$.deployment.commit_id"
    assert p["ProductionVariants"][0]["ModelName.$"] == "$.model.ModelName"
    deployed = asl["States"]["Deployed"]["Parameters"]
    assert deployed["approval.$"] == "$.approval"  # who approved, when: in the execution's output
    message = asl["States"]["NotifyDeployed"]["Parameters"]["Message.$"]
    assert "$.approval.decided_by" in message and "$.approval.decided_at" in message


def test_retention_after_the_deployment_and_never_deployed_candidates_discard_their_model(asl):
    states = asl["States"]
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:churn-cd-retention"
    retention = states["ApplyRetention"]
    assert retention["Resource"] == "arn:aws:states:::lambda:invoke"
    assert retention["Parameters"] == {
        "FunctionName": function,
        "Payload": {
            "endpoint_name": "churn-approved",
            "endpoint_config.$": "$.endpoint_config.EndpointConfigName",
            "name_prefix": "churn-ad-",  # the names CreateModel and CreateEndpointConfig build, 32 hex digits after it
            "retain_previous": 3,  # approved_deployment_retain_previous_models' default
            # a model without a config may be a candidate waiting for its approver: only the deleted configs' models
            "prune_models": "of_deleted_configs",
        },
    }
    assert retention["Next"] == "ReleaseLockBeforeDeployed"  # still under the lock
    assert [c["Next"] for c in retention["Catch"]] == ["RetentionFailed"]  # never NotifyFailure: it is deployed
    assert states["RetentionFailed"]["Next"] == "NotifyRetentionFailed"
    assert "States.JsonToString($.retention_error)" in states["NotifyRetentionFailed"]["Parameters"]["Message.$"]
    assert states["Deployed"]["Parameters"]["retention.$"] == "$.retention"

    # Rejected, expired and superseded candidates are never deployed: each run deletes its own model, then notifies.
    into = {"Rejected": "RequestApproval", "Expired": "RequestApproval", "Superseded": "RecordDeployment"}
    for outcome, source in into.items():
        name = f"Discard{outcome}Candidate"
        assert name in {c["Next"] for c in states[source]["Catch"]}, outcome
        discard = states[name]
        assert discard["Parameters"] == {
            "FunctionName": function,
            "Payload": {
                "action": "discard_candidate",
                "model_name.$": "$.model.ModelName",
                "execution_name.$": "$$.Execution.Name",  # its MD5 must be the model's sfn-ml:execution tag
                "name_prefix": "churn-ad-",
            },
        }
        assert discard["Next"] == f"Notify{outcome}"
        assert discard["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.discard", "Next": f"Notify{outcome}"}
        ]
        assert "States.JsonToString($.discard)" in states[f"Notify{outcome}"]["Parameters"]["Message.$"], outcome
        path = h.shortest_path(asl, name)
        assert "ScoreTestSet" in path and not {"CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint"} & set(path)
    assert states["Superseded"]["Parameters"]["discard.$"] == "$.discard"


def test_every_task_retries_transient_errors_and_is_caught(asl):
    tasks = {n: s for n, s in asl["States"].items() if s["Type"] == "Task"}
    assert len(tasks) >= 12
    # A notice that cannot be published ends under the one error name the execution alert rule notifies.
    terminal = {"NotifyFailure": "ReleaseLockBeforeFailedUnnotified", "NotifyRejected": "FailedUnnotified"}
    terminal["NotifyExpired"] = "FailedUnnotified"
    # Retention never fails the run: a candidate's discard goes on to its notice, the retention to its own notice.
    terminal |= {f"Discard{o}Candidate": f"Notify{o}" for o in ("Rejected", "Expired", "Superseded")}
    terminal["DiscardFailedCandidate"] = "ReleaseLockBeforeFailed"  # after the failure notice
    terminal |= {"ApplyRetention": "RetentionFailed", "NotifyRetentionFailed": "ReleaseLockBeforeDeployed"}
    # A failed release still ends the run the way it was ending.
    terminal |= {f"ReleaseLockBefore{end}": end for end in ("Deployed", "Failed", "FailedUnnotified")}
    sagemaker = ec.sagemaker_tasks(asl)  # retried through their transient-cause loops (above)
    for name, task in tasks.items():
        assert ("Retry" in task) != (name in sagemaker), name
        for r in task.get("Retry", []):
            assert r["BackoffRate"] > 1 and r["MaxAttempts"] >= 2 and r["MaxDelaySeconds"] <= 300, name
            assert "States.ALL" not in r["ErrorEquals"], f"{name} retries every error"
            assert not set(r["ErrorEquals"]) & ec.NEVER_PRODUCED, name
        targets = {c["Next"] for c in task["Catch"] if "States.ALL" in c["ErrorEquals"]}
        assert targets == {terminal.get(name, "NotifyFailure")}, name
    nexts = {"NotifyFailure": "IsCandidateLeftBehind", "DiscardFailedCandidate": "ReleaseLockBeforeFailed"}
    nexts |= {"NotifyRejected": "ApprovalRejected"}
    nexts |= {"NotifyExpired": "ApprovalExpired", "NotifyDeployed": "ApplyRetention"}
    nexts |= {"ApplyRetention": "ReleaseLockBeforeDeployed", "NotifyRetentionFailed": "ReleaseLockBeforeDeployed"}
    assert {n: asl["States"][n]["Next"] for n in nexts} == nexts
    assert asl["States"]["FailedUnnotified"]["Error"] == "ApprovedDeploymentUnnotified"


def test_a_failed_run_discards_the_model_no_config_names_yet(asl):
    """After the failure notice, a run that created its model and no endpoint config yet deletes that model (the
    retention function's discard_candidate, which checks the execution's tag); otherwise it goes straight on."""
    states = asl["States"]
    choice = states["IsCandidateLeftBehind"]
    assert choice["Type"] == "Choice" and choice["Default"] == "ReleaseLockBeforeFailed"
    [rule] = choice["Choices"]
    assert rule["Next"] == "DiscardFailedCandidate"
    assert rule["And"] == [
        {"Variable": "$.model.ModelName", "IsPresent": True},
        {"Variable": "$.endpoint_config", "IsPresent": False},
    ]
    assert states["CreateModel"]["ResultPath"] == "$.model"  # what the choice reads is where the tasks write it
    assert states["CreateEndpointConfig"]["ResultPath"] == "$.endpoint_config"
    discard = states["DiscardFailedCandidate"]
    assert discard["Parameters"]["Payload"] == states["DiscardRejectedCandidate"]["Parameters"]["Payload"]
    assert discard["Parameters"]["Payload"]["action"] == "discard_candidate"
    assert discard["ResultPath"] == "$.discard" and discard["Next"] == "ReleaseLockBeforeFailed"


def test_the_deployment_takes_the_endpoint_lock_the_retraining_takes(asl):
    """The same item (key: the endpoint name) in the lock table, taken after the approval, waited for while a running
    execution holds it (bounded), taken over from one that ended, released on every end path after it."""
    states = asl["States"]
    acquire = states["AcquireEndpointLock"]["Parameters"]
    assert acquire["Item"]["lock_key"] == {"S": "churn-approved"}
    assert acquire["ConditionExpression"] == "attribute_not_exists(lock_key) OR holder = :self"
    assert states["RecordDeployment"]["Next"] == "AcquireEndpointLock"
    assert states["AcquireEndpointLock"]["Next"] == states["TakeOverEndpointLock"]["Next"] == "CreateEndpointConfig"
    waits = states["IsEndpointLockHolderRunning"]["Choices"]
    bound = waits[0]["And"][1]
    assert bound["Variable"] == "$.run.lock.polls" and 1 <= bound["NumericGreaterThanEquals"] <= 100
    assert waits[0]["Next"] == "EndpointLockTimedOut" and waits[1]["Next"] == "CountLockPoll"
    assert states["PrepareRun"]["Result"]["lock"] == {"polls": 0}
    for end in ("Deployed", "Failed", "FailedUnnotified"):
        release = states[f"ReleaseLockBefore{end}"]
        assert release["Parameters"]["Key"]["lock_key"] == {"S": "churn-approved"}
        assert release["Parameters"]["ConditionExpression"] == "holder = :self"
        assert release["Next"] == end
    # Every way into CreateEndpointConfig passes the lock (or is its own transient-error retry).
    into = {s for s, nexts in h.transitions(asl).items() if "CreateEndpointConfig" in nexts}
    assert into == {"AcquireEndpointLock", "TakeOverEndpointLock", "CreateEndpointConfigRetryWait"}
    notify = {n for n in asl["States"] if n.startswith("Notify")}
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:churn-notifications"
    assert {asl["States"][n]["Parameters"]["TopicArn"] for n in notify} == {topic}


def test_rendered_definitions_pass_asl_validator(cd, asl, tmp_path):
    with_kms = h.definitions(cd.plan(kms_key_arn=KMS))[MACHINE]
    assert with_kms["States"]["ScoreTestSet"]["Parameters"]["TransformOutput"]["KmsKeyId"] == KMS
    assert with_kms["States"]["ScoreTestSet"]["Parameters"]["TransformResources"]["VolumeKmsKeyId"] == KMS
    assert with_kms["States"]["CreateEndpointConfig"]["Parameters"]["KmsKeyId"] == KMS
    for i, d in enumerate((asl, with_kms)):
        path = tmp_path / f"definition-{i}.json"
        path.write_text(json.dumps(d))
        run = subprocess.run([str(h.ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


# ---------------------------------------------------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------------------------------------------------
def test_no_policy_grants_star_beyond_actions_without_resource_level_permissions(plan):
    for address, policy in h.policies(plan).items():
        for s in h.statements(policy):
            assert s["Effect"] == "Allow", address
            if "*" in s["Resource"]:
                assert h.star_statement_is_unavoidable(s), (address, s)


def test_only_the_responder_may_send_task_results(plan):
    senders = [
        address
        for address, policy in h.policies(plan).items()
        for s in h.statements(policy)
        if {"states:SendTaskSuccess", "states:SendTaskFailure"} & set(s["Action"])
    ]
    assert senders == ["module.this.module.approved_deployment[0].module.responder_iam.aws_iam_role_policy.lambda[0]"]
    responder = _policy(plan, "responder_iam.aws_iam_role_policy.lambda[0]")
    # AWS offers no resource type and no condition key for SendTask*: "*" is the narrowest possible
    assert set(responder["ReportApprovalDecisions"]["Action"]) == {"states:SendTaskFailure", "states:SendTaskSuccess"}
    assert responder["ReportApprovalDecisions"]["Resource"] == ["*"]
    assert set(responder["ClaimApprovalRequests"]["Action"]) == {"dynamodb:GetItem", "dynamodb:UpdateItem"}
    assert responder["ClaimApprovalRequests"]["Resource"] == [
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/churn-cd-approvals"
    ]
    key = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:churn-cd-approval-signing-key-??????"
    assert responder["SigningKeyRead"] == {
        "Sid": "SigningKeyRead",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [key],
    }
    assert "ReadSageMaker" not in responder


def test_workflow_functions_publish_record_and_create_the_key(plan):
    fn = _policy(plan, "workflow_iam.aws_iam_role_policy.lambda[0]")
    assert fn["PublishApprovalRequests"]["Resource"] == [f"arn:aws:sns:us-east-1:{ACCOUNT}:churn-approvals"]
    assert fn["RecordApprovalRequests"]["Action"] == ["dynamodb:PutItem"]
    assert set(fn["SigningKeyReadAndFirstWrite"]["Action"]) == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
    }
    assert "ReadSageMaker" not in fn
    inference = _policy(plan, "inference_iam[0].aws_iam_role_policy.lambda[0]")
    assert inference["InvokeTheApprovedEndpoint"]["Resource"] == [
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/churn-approved"
    ]


def test_state_machine_policy_is_least_privilege(plan):
    sm = _policy(plan, "workflow_iam.aws_iam_role_policy.state_machine[0]")
    names = "churn-ad-" + "?" * 32
    assert sm["SageMakerTrainingJobs"]["Resource"] == [f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/{names}"]
    assert sm["SageMakerTransformJobs"]["Resource"] == [f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:transform-job/{names}"]
    assert set(sm["SageMakerSyncManagedRules"]["Resource"]) == {
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/StepFunctionsGetEventsFor{kind}JobsRule"
        for kind in ("SageMakerTraining", "SageMakerTransform")
    }
    assert f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/churn-approved" in sm["SageMakerDeploy"]["Resource"]
    assert not [r for r in sm["SageMakerDeploy"]["Resource"] if r.endswith(":endpoint/churn-endpoint")]
    passrole = sm["PassSageMakerRole"]
    assert passrole["Action"] == ["iam:PassRole"]
    assert passrole["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/churn-cd-sagemaker"]
    assert passrole["Condition"] == {"StringEquals": {"iam:PassedToService": ["sagemaker.amazonaws.com"]}}
    assert set(sm["InvokeFunctions"]["Resource"]) == {
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:churn-cd-{f}{suffix}"
        for f in ("input", "approval-request", "retention")
        for suffix in ("", ":*")
    }
    assert sm["Notify"]["Resource"] == [f"arn:aws:sns:us-east-1:{ACCOUNT}:churn-notifications"]
    passers = [a for a, p in h.policies(plan).items() for s in h.statements(p) if "iam:PassRole" in s["Action"]]
    assert passers == [
        "module.this.module.approved_deployment[0].module.workflow_iam.aws_iam_role_policy.state_machine[0]"
    ]


def test_only_the_retention_role_deletes_and_only_the_workflows_names(plan):
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"
    deleters = {
        address
        for address, policy in h.policies(plan).items()
        for s in h.statements(policy)
        if {"sagemaker:DeleteModel", "sagemaker:DeleteEndpointConfig"} & set(s["Action"])
    }
    assert deleters == {"module.this.module.approved_deployment[0].module.retention_iam.aws_iam_role_policy.lambda[0]"}
    roles = {r["name"] for r in h.of_type(plan, "aws_iam_role").values()}
    assert "churn-cd-retention-lambda" in roles
    policy = _policy(plan, "retention_iam.aws_iam_role_policy.lambda[0]")
    pattern = "churn-ad-" + "?" * 32
    assert policy["ListModelsAndEndpointConfigs"]["Resource"] == ["*"]  # List calls have no resource types
    assert set(policy["ListModelsAndEndpointConfigs"]["Action"]) == {
        "sagemaker:ListModels",
        "sagemaker:ListEndpointConfigs",
    }
    assert policy["ReadEndpoint"]["Action"] == ["sagemaker:DescribeEndpoint"]
    assert policy["ReadEndpoint"]["Resource"] == [f"{arn}:endpoint/churn-approved"]
    assert set(policy["PruneOwnEndpointConfigs"]["Action"]) == {
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:ListTags",
        "sagemaker:DeleteEndpointConfig",
    }
    assert policy["PruneOwnEndpointConfigs"]["Resource"] == [f"{arn}:endpoint-config/{pattern}"]
    assert set(policy["PruneOwnModels"]["Action"]) == {
        "sagemaker:DescribeModel",
        "sagemaker:ListTags",
        "sagemaker:DeleteModel",
    }
    assert policy["PruneOwnModels"]["Resource"] == [f"{arn}:model/{pattern}"]
    own = "churn-ad-" + "0a" * 16
    others = ["churn-churn-rt-" + "0a" * 16, "churn-ad-manual", own + "0", "churnx-ad-" + "0a" * 16]
    assert h.iam_match(pattern, own) and not [n for n in others if h.iam_match(pattern, n)]
    sagemaker_actions = {a for st in policy.values() for a in st["Action"] if a.startswith("sagemaker:")}
    assert not {a for a in sagemaker_actions if a.startswith(("sagemaker:Create", "sagemaker:Update"))}


def test_retained_configs_follow_the_variable(cd):
    asl = h.definitions(cd.plan(approved_deployment_retain_previous_models=0))[MACHINE]
    assert asl["States"]["ApplyRetention"]["Parameters"]["Payload"]["retain_previous"] == 0


def test_sagemaker_role_reads_only_the_workflows_data_and_repository(plan):
    sm = _policy(plan, "workflow_iam.aws_iam_role_policy.sagemaker[0]")
    data = "arn:aws:s3:::churn-123456789012-us-east-1/churn/approved-deployment"
    assert set(sm["ReadData"]["Resource"]) == {
        f"{data}/data/train/*",
        f"{data}/data/validation/*",
        f"{data}/data/test/*",
        f"{data}/models/*",
        f"{data}/transform/*",
    }
    assert set(sm["WriteOutputs"]["Resource"]) == {f"{data}/models/*", f"{data}/transform/*"}
    assert sm["PullImages"]["Resource"] == [CD_REPOSITORY_ARN]


def test_sagemaker_role_reads_channels_and_test_set_in_other_buckets(cd):
    plan = cd.plan(
        approved_deployment_training_channels={"train": "s3://team-data/iris/train/"},
        approved_deployment_test_data_uri="s3://holdout-bucket/iris/test/",
    )
    stmts = h.statements(
        next(p for a, p in h.policies(plan).items() if a.endswith("workflow_iam.aws_iam_role_policy.sagemaker[0]"))
    )
    sm = {s["Sid"]: s for s in stmts}
    data = "arn:aws:s3:::churn-123456789012-us-east-1/churn/approved-deployment"
    assert set(sm["ReadData"]["Resource"]) == {
        "arn:aws:s3:::team-data/iris/train/*",
        "arn:aws:s3:::holdout-bucket/iris/test/*",
        f"{data}/models/*",
        f"{data}/transform/*",
    }
    listed = {
        (s["Resource"][0], s["Condition"]["StringLike"]["s3:prefix"][0])
        for s in stmts
        if s["Action"] == ["s3:ListBucket"]
    }
    assert listed == {
        ("arn:aws:s3:::team-data", "iris/train/*"),
        ("arn:aws:s3:::holdout-bucket", "iris/test/*"),
        ("arn:aws:s3:::churn-123456789012-us-east-1", "churn/approved-deployment/models/*"),
        ("arn:aws:s3:::churn-123456789012-us-east-1", "churn/approved-deployment/transform/*"),
    }


def test_retraining_and_approval_roles_cannot_touch_each_others_jobs(planned):
    plan = planned("approved_deployment", create_retraining_workflow=True)
    policies = h.policies(plan)

    def patterns(module):
        (policy,) = [p for a, p in policies.items() if a.endswith(f"{module}.aws_iam_role_policy.state_machine[0]")]
        return {
            r.split("/", 1)[1]
            for s in h.statements(policy)
            for r in s["Resource"]
            if r.startswith("arn:aws:sagemaker:") and r.split(":")[5].split("/")[0] != "endpoint"
        }

    retraining, approval = patterns('module.iam["churn"]'), patterns("workflow_iam")
    assert retraining == {"churn-churn-rt-" + "?" * 32} and approval == {"churn-ad-" + "?" * 32}
    retraining_name, approval_name = "churn-churn-rt-" + "0a" * 16, "churn-ad-" + "0a" * 16
    assert all(h.iam_match(p, retraining_name) and not h.iam_match(p, approval_name) for p in retraining)
    assert all(h.iam_match(p, approval_name) and not h.iam_match(p, retraining_name) for p in approval)


def test_codebuild_may_push_only_to_its_repository(plan):
    cb = _policy(plan, "aws_iam_role_policy.codebuild[0]")
    ecr_writes = {"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"}
    pushing = [s for s in cb.values() if ecr_writes & set(s["Action"])]
    assert len(pushing) == 1 and pushing[0]["Resource"] == [CD_REPOSITORY_ARN]
    assert cb["EcrLogin"]["Action"] == ["ecr:GetAuthorizationToken"]
    assert cb["PipelineArtifacts"]["Resource"] == ["arn:aws:s3:::churn-123456789012-us-east-1/churn-cd/*"]
    assert cb["BuildLogs"]["Resource"] == [
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/codebuild/churn-cd-image:*"
    ]
    assert not [s for s in cb.values() if any(a.startswith(("states:", "iam:", "sagemaker:")) for a in s["Action"])]


def test_codepipeline_uses_the_connection_for_the_repository_only_and_starts_only_its_machine(plan):
    cp = _policy(plan, "aws_iam_role_policy.codepipeline[0]")
    connection = cp["UseTheConnectionForTheRepository"]
    assert connection["Action"] == ["codestar-connections:UseConnection"]
    assert connection["Condition"] == {"StringEquals": {"codestar-connections:FullRepositoryId": ["acme/churn-model"]}}
    assert set(cp["StartTheDeployment"]["Action"]) == {"states:StartExecution", "states:DescribeStateMachine"}
    assert cp["StartTheDeployment"]["Resource"] == [STATE_MACHINE_ARN]
    assert cp["FollowTheDeployment"]["Resource"] == [f"arn:aws:states:us-east-1:{ACCOUNT}:execution:{MACHINE}:*"]
    assert cp["BuildTheImage"]["Resource"] == [f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/churn-cd-image"]
    assert "ReadTheRepository" not in cp
    assert not [s for s in cp.values() if any(a.startswith(("ecr:", "iam:")) for a in s["Action"])]


# ---------------------------------------------------------------------------------------------------------------------
# Pipeline
# ---------------------------------------------------------------------------------------------------------------------
def test_pipeline_source_build_start(plan):
    pipeline = h.one(plan, "aws_codepipeline.approved_deployment[0]")
    stages = {s["name"]: s["action"][0] for s in pipeline["stage"]}
    assert list(stages) == ["Source", "BuildImage", "Deploy"]
    source = stages["Source"]
    assert (source["category"], source["owner"], source["provider"]) == ("Source", "AWS", "CodeStarSourceConnection")
    # (its configuration names the connection the module creates, whose ARN is known after apply)
    assert source["namespace"] == "SourceVariables" and source["output_artifacts"] == ["source"]
    build = stages["BuildImage"]
    assert (build["category"], build["provider"]) == ("Build", "CodeBuild")
    assert build["configuration"]["ProjectName"] == "churn-cd-image"
    assert json.loads(build["configuration"]["EnvironmentVariables"]) == [
        {"name": "COMMIT_ID", "value": "#{SourceVariables.CommitId}", "type": "PLAINTEXT"}
    ]
    start = stages["Deploy"]
    assert (start["category"], start["owner"], start["provider"], start["version"]) == (
        "Invoke",
        "AWS",
        "StepFunctions",
        "1",
    )
    assert start["input_artifacts"] == build["output_artifacts"] == ["execution_input"]
    assert start["configuration"] == {
        "StateMachineArn": STATE_MACHINE_ARN,
        "ExecutionNamePrefix": "pipeline",
        "InputType": "FilePath",
        "Input": "execution_input.json",
    }
    assert pipeline["artifact_store"][0]["location"] == "churn-123456789012-us-east-1"
    connection = h.one(plan, "aws_codestarconnections_connection.approved_deployment[0]")
    assert connection["provider_type"] == "GitHub"


def test_codebuild_runs_the_platforms_buildspec(plan):
    project = h.one(plan, "aws_codebuild_project.approved_deployment[0]")
    assert project["environment"][0]["privileged_mode"] is True
    assert project["source"][0]["type"] == "CODEPIPELINE"
    spec = yaml.safe_load(project["source"][0]["buildspec"])
    assert spec["env"]["variables"] == {
        "REPOSITORY_URI": CD_REPOSITORY_URL,
        "REPOSITORY_NAME": "churn-approved",
        "DOCKERFILE": "Dockerfile",
        "BUILD_CONTEXT": ".",
    }
    assert spec["artifacts"]["files"] == ["execution_input.json"]
    commands = "\n".join(c for phase in spec["phases"].values() for c in phase["commands"])
    assert 'docker push "$IMAGE_URI"' in commands and 'IMAGE_URI="$REPOSITORY_URI:$COMMIT_ID"' in commands
    assert all(phase["on-failure"] == "ABORT" for phase in spec["phases"].values())


def test_codecommit_source_is_started_by_an_event_rule(cd):
    plan = cd.plan(approved_deployment_source_type="codecommit", approved_deployment_repository="churn-model")
    counts = h.counts_by_type(plan)
    assert "aws_codestarconnections_connection" not in counts
    pipeline = h.one(plan, "aws_codepipeline.approved_deployment[0]")
    source = pipeline["stage"][0]["action"][0]
    assert source["provider"] == "CodeCommit"
    assert source["configuration"]["PollForSourceChanges"] == "false"
    rule = h.one(plan, "aws_cloudwatch_event_rule.source_push[0]")
    pattern = json.loads(rule["event_pattern"])
    assert pattern["resources"] == [f"arn:aws:codecommit:us-east-1:{ACCOUNT}:churn-model"]
    assert pattern["detail"]["referenceName"] == ["main"]
    cp = _policy(plan, "aws_iam_role_policy.codepipeline[0]")
    assert cp["ReadTheRepository"]["Resource"] == [f"arn:aws:codecommit:us-east-1:{ACCOUNT}:churn-model"]
    assert "UseTheConnectionForTheRepository" not in cp
    events = _policy(plan, "aws_iam_role_policy.source_events[0]")
    assert events["StartThePipeline"]["Resource"] == [f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:churn-cd"]


@pytest.mark.parametrize(
    ("arn", "service"),
    [
        (
            "arn:aws:codestar-connections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            "codestar-connections",
        ),
        (
            "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            "codeconnections",
        ),
    ],
)
def test_a_given_connection_is_used_not_created(cd, arn, service):
    plan = cd.plan(approved_deployment_create_connection=False, approved_deployment_connection_arn=arn)
    assert "aws_codestarconnections_connection" not in h.counts_by_type(plan)
    source = h.one(plan, "aws_codepipeline.approved_deployment[0]")["stage"][0]["action"][0]
    assert source["configuration"] == {
        "ConnectionArn": arn,
        "FullRepositoryId": "acme/churn-model",
        "BranchName": "main",
        "OutputArtifactFormat": "CODE_ZIP",
        "DetectChanges": "true",
    }
    connection = _policy(plan, "aws_iam_role_policy.codepipeline[0]")["UseTheConnectionForTheRepository"]
    assert connection["Action"] == [f"{service}:UseConnection"] and connection["Resource"] == [arn]
    assert plan.outputs["approved_deployment_connection_arn"] == arn


# ---------------------------------------------------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------------------------------------------------
def test_approval_routes_are_get_and_post_and_inference_is_signed(plan):
    routes = {r["route_key"]: r for r in h.of_type(plan, "aws_apigatewayv2_route").values()}
    assert set(routes) == {"GET /approval", "POST /approval", "POST /predict"}
    assert routes["GET /approval"]["authorization_type"] == "NONE"  # mail links; the signature is the credential
    assert routes["POST /predict"]["authorization_type"] == "AWS_IAM"
    integrations = list(h.of_type(plan, "aws_apigatewayv2_integration").values())
    assert {i["payload_format_version"] for i in integrations} == {"2.0"}
    stage = h.one(plan, "aws_apigatewayv2_stage.approval")
    assert stage["name"] == "$default" and stage["auto_deploy"] is True
    log_format = json.loads(stage["access_log_settings"][0]["format"])
    # the approval links carry the token and signature in the query string: never logged
    assert not [v for v in log_format.values() if "query" in v.lower() or "path" in v.lower() or "Uri" in v]
    limits = {s["route_key"]: s["throttling_rate_limit"] for s in stage["route_settings"]}
    assert limits == {"GET /approval": 5, "POST /approval": 5}
    permissions = h.of_type(plan, "aws_lambda_permission")
    assert {p["statement_id"] for p in permissions.values()} == {"AllowApprovalRoutes", "AllowInferenceRoute"}
    assert {p["principal"] for p in permissions.values()} == {"apigateway.amazonaws.com"}


def test_public_inference_only_on_request(cd):
    routes = {
        r["route_key"]: r
        for r in h.of_type(
            cd.plan(approved_deployment_inference_api_authorization="NONE"), "aws_apigatewayv2_route"
        ).values()
    }
    assert routes["POST /predict"]["authorization_type"] == "NONE"


# ---------------------------------------------------------------------------------------------------------------------
# Inputs refused at plan
# ---------------------------------------------------------------------------------------------------------------------
REFUSED = [
    ("approved_deployment_approval_timeout_seconds", 60, "from 300 (5 minutes) to 604800 (7 days)"),
    ("approved_deployment_approval_timeout_seconds", 700000, "604800"),
    ("approved_deployment_source_type", "github", '"codestar_connection" or "codecommit"'),
    ("approved_deployment_connection_arn", "arn:aws:iam::123456789012:role/x", "connection ARN"),
    ("approved_deployment_connection_provider", "GitLab", '"GitHub" or "Bitbucket"'),
    ("approved_deployment_dockerfile", "../Dockerfile", "relative path inside the repository"),
    ("approved_deployment_branch", "-main", "git branch name"),
    ("approved_deployment_repository", "acme/churn model", "owner/name"),
    ("approved_deployment_endpoint_name", "churn_endpoint", "letters, digits and hyphens"),
    ("approved_deployment_test_data_uri", "https://example.com/test.csv", "s3://bucket/prefix"),
    ("approved_deployment_transform_instance_type", "m5.large", "ml.m5.large"),
    ("approved_deployment_content_type", "csv", "MIME type"),
    ("approved_deployment_build_context", "/abs", "relative path"),
    ("approved_deployment_approval_emails", {"lead": "not-an-address"}, "e-mail address"),
    ("approved_deployment_inference_api_authorization", "JWT", '"AWS_IAM" or "NONE"'),
    ("approved_deployment_training_instance_type", "m5.xlarge", "ml.m5.xlarge"),
    ("approved_deployment_endpoint_instance_type", "large", "ml.m5.large"),
    ("approved_deployment_sagemaker_role_arn", "arn:aws:iam::123456789012:user/alice", "IAM role ARN"),
    ("approved_deployment_retain_previous_models", -1, "whole number from 0 to 100"),
    ("approved_deployment_retain_previous_models", 2.5, "whole number from 0 to 100"),
]


@pytest.mark.parametrize(("variable", "value", "allowed"), REFUSED, ids=[f"{v}={x!r}" for v, x, _ in REFUSED])
def test_bad_inputs_are_refused_at_plan_naming_the_variable(cd, variable, value, allowed):
    # Terraform wraps its messages; tftest's error holds them escaped: compare on single-spaced text.
    message = " ".join(cd.plan_error(**{variable: value}).replace("\\n", " ").split())
    assert f"The {variable} must" in message, message
    assert allowed in message, message


# ---------------------------------------------------------------------------------------------------------------------
# The example
# ---------------------------------------------------------------------------------------------------------------------
def test_the_example_plans(tmp_path):
    example = h.Fixture(h.REPO / "examples" / "approved_deployment", tmp_path / "example", provider=None)
    # The example configures a real provider; an override file keeps this plan offline.
    (example.dir / "zz_offline_override.tf").write_text(h.OFFLINE_PROVIDER)
    plan = example.plan(account_id=ACCOUNT, lambda_runtime="python3.8")
    counts = h.counts_by_type(plan)
    assert counts["aws_codepipeline"] == 1 and counts["aws_codebuild_project"] == 1
    assert set(h.definitions(plan)) == {"churn-approved-deployment"}
    routes = {r["route_key"] for r in h.of_type(plan, "aws_apigatewayv2_route").values()}
    assert routes == {"GET /approval", "POST /approval", "POST /predict"}


def test_each_workflow_may_describe_the_other_s_executions_which_hold_the_shared_endpoint_lock(plan, planned):
    """The lock's holder may be a retraining run or an approved deployment: each role may DescribeExecution its own
    and its peer's executions (and only those) to tell whether the holder still runs."""
    alone = _policy(plan, "workflow_iam.aws_iam_role_policy.state_machine[0]")
    own = f"arn:aws:states:us-east-1:{ACCOUNT}:execution:{MACHINE}:*"
    assert alone["DescribeLockHolder"]["Resource"] == [own]
    assert alone["EndpointLock"]["Resource"] == [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/churn-endpoint-locks"]

    both = planned("approved_deployment", create_retraining_workflow=True)
    retraining = f"arn:aws:states:us-east-1:{ACCOUNT}:execution:churn-churn-retraining:*"
    approval = _policy(both, "workflow_iam.aws_iam_role_policy.state_machine[0]")
    assert sorted(approval["DescribeLockHolder"]["Resource"]) == sorted([own, retraining])
    (policy,) = [
        p for a, p in h.policies(both).items() if a.endswith('module.iam["churn"].aws_iam_role_policy.state_machine[0]')
    ]
    rt = {s["Sid"]: s for s in h.statements(policy)}
    assert sorted(rt["DescribeLockHolder"]["Resource"]) == sorted([retraining, own])
    assert rt["EndpointLock"]["Resource"] == approval["EndpointLock"]["Resource"]  # one table
