"""Plan tests of modules/hourly_retraining alone (tests/fixtures/hourly_retraining): many models from one call,
each with its own machine, schedule and IAM; adding a model leaves the others' planned resources unchanged."""

from __future__ import annotations

import json

import pytest

from tests import tfharness as h

pytestmark = pytest.mark.plan

CHURN = {
    "training_image_uri": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/churn:v1",
    "metric_definitions": [{"name": "validation:accuracy", "regex": "validation-accuracy=([0-9.]+)"}],
}
FRAUD = {
    "training_image_uri": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    "inference_image_uri": "111122223333.dkr.ecr.us-east-1.amazonaws.com/fraud-serving:v3",
    "input_channels": {"train": "s3://fraud-lake/train/"},
    "metric_name": "validation:error",
    "metric_goal": "minimize",
    "metric_threshold": 0.1,
    "endpoint_name": "fraud-live",
    "glue_job_name": "fraud-etl",
    "schedule_expression": "cron(0 6 * * ? *)",
    "schedule_enabled": False,
}


@pytest.fixture(scope="module")
def fx(tf_fixture):
    return tf_fixture("hourly_retraining")


@pytest.fixture(scope="module")
def one(planned):
    return planned("hourly_retraining", models={"churn": CHURN})


@pytest.fixture(scope="module")
def two(planned):
    return planned("hourly_retraining", models={"churn": CHURN, "fraud": FRAUD})


def _message(fx, **tf_vars):
    return " ".join(fx.plan_error(**tf_vars).replace('\\"', '"').split())


def _policy(plan, suffix):
    hits = [p for a, p in h.policies(plan).items() if a.endswith(suffix)]
    assert len(hits) == 1, suffix
    return {s["Sid"]: s for s in h.statements(hits[0])}


def test_adding_a_model_leaves_the_first_models_resources_unchanged(one, two):
    first, both = h.resources(one), h.resources(two)
    # Every resource of the one-model plan is planned at the same address with the same values.
    assert set(first) < set(both)
    # The workflow's one dashboard (modules/workflow_monitoring) graphs every model, so it gains the new one's widgets.
    dashboard = "module.this.module.monitoring[0].aws_cloudwatch_dashboard.this[0]"
    for address, values in first.items():
        if address != dashboard:
            assert both[address] == values, address
    # What the second model adds is its own: every new address names it, but none of the shared ones.
    added = set(both) - set(first)
    assert added and all('"fraud' in a for a in added), sorted(added)
    assert not [a for a in first if "fraud" in json.dumps(first[a])]


def test_two_models_get_separate_machines_schedules_and_roles(two):
    machines = {v["name"]: v for v in h.of_type(two, "aws_sfn_state_machine").values()}
    assert set(machines) == {"team-churn-retraining", "team-fraud-retraining"}
    roles = {v["name"] for v in h.of_type(two, "aws_iam_role").values()}
    assert roles == {
        "team-churn-rt-sagemaker",
        "team-churn-rt-states",
        "team-churn-rt-schedule",
        "team-fraud-rt-sagemaker",
        "team-fraud-rt-states",
        "team-fraud-rt-schedule",
        "team-rt-lambda",  # the shared functions' role
        "team-rt-retention-lambda",  # the retention function's own role: the only one that deletes
    }
    rules = {v["name"]: v for v in h.of_type(two, "aws_cloudwatch_event_rule").values()}
    assert rules["team-churn-rt-hourly"]["schedule_expression"] == "rate(1 hour)"
    assert rules["team-churn-rt-hourly"]["is_enabled"] is True
    assert rules["team-fraud-rt-hourly"]["schedule_expression"] == "cron(0 6 * * ? *)"
    assert rules["team-fraud-rt-hourly"]["is_enabled"] is False
    assert {"team-rt-churn-executions", "team-rt-fraud-executions"} <= set(rules)
    # Each machine's definition is its own model's, and the shared functions get the model from the event.
    asl = h.definitions(two)
    churn, fraud = asl["team-churn-retraining"]["States"], asl["team-fraud-retraining"]["States"]
    assert fraud["Train"]["Parameters"]["RoleArn"] == "arn:aws:iam::210987654321:role/team-fraud-rt-sagemaker"
    assert fraud["Train"]["Parameters"]["TrainingJobName.$"].startswith("States.Format('{}-rt-{}', 'team-fraud',")
    assert churn["Train"]["Parameters"]["TrainingJobName.$"].startswith("States.Format('{}-rt-{}', 'team-churn',")
    assert fraud["Gate"]["Parameters"]["Payload"]["endpoint_name"] == "fraud-live"
    assert fraud["Gate"]["Parameters"]["Payload"]["goal"] == "minimize"
    assert churn["Gate"]["Parameters"]["Payload"]["endpoint_name"] == "team-churn"
    assert fraud["RunEtl"]["Parameters"]["JobName"] == "fraud-etl" and "RunEtl" not in churn
    assert churn["GetMetrics"]["Parameters"]["FunctionName"] == fraud["GetMetrics"]["Parameters"]["FunctionName"]
    assert fraud["AcquireLock"]["Parameters"]["Item"]["lock_key"] == {"S": "fraud-live"}


def test_each_models_roles_reach_only_its_own_jobs_images_data_and_endpoint(two):
    sfn = {m: _policy(two, f'module.iam["{m}"].aws_iam_role_policy.state_machine[0]') for m in ("churn", "fraud")}
    sm = {m: _policy(two, f'module.iam["{m}"].aws_iam_role_policy.sagemaker[0]') for m in ("churn", "fraud")}
    read = {m: _policy(two, f'aws_iam_role_policy.lambda_read["{m}"]') for m in ("churn", "fraud")}
    arn = "arn:aws:sagemaker:us-east-1:210987654321"
    for m, endpoint in (("churn", "team-churn"), ("fraud", "fraud-live")):
        other = "fraud" if m == "churn" else "churn"
        pattern = f"team-{m}-rt-" + "?" * 32
        assert sfn[m]["SageMakerTrainingJobs"]["Resource"] == [f"{arn}:training-job/{pattern}"]
        assert set(sfn[m]["SageMakerDeploy"]["Resource"]) == {
            f"{arn}:model/{pattern}",
            f"{arn}:endpoint-config/{pattern}",
            f"{arn}:endpoint/{endpoint}",
        }
        assert sfn[m]["PassSageMakerRole"]["Resource"] == [f"arn:aws:iam::210987654321:role/team-{m}-rt-sagemaker"]
        assert sfn[m]["DescribeLockHolder"]["Resource"] == [
            f"arn:aws:states:us-east-1:210987654321:execution:team-{m}-retraining:*"
        ]
        assert set(read[m]["ReadSageMaker"]["Resource"]) == {
            f"{arn}:training-job/{pattern}",
            f"{arn}:endpoint-config/{pattern}",
            f"{arn}:endpoint/{endpoint}",
        }
        # Nothing of one model's policies names the other model.
        for policy in (sfn[m], sm[m], read[m]):
            text = json.dumps(policy)
            assert f"team-{other}" not in text and (other != "fraud" or "fraud-" not in text), (m, text)
        # The other model's names are matched by none of this model's patterns.
        others = [f"team-{other}-rt-" + "0a" * 16]
        for s in list(sfn[m].values()) + list(read[m].values()):
            for r in s["Resource"]:
                if r.startswith(f"{arn}:"):
                    assert not [n for n in others if h.iam_match(r.split("/", 1)[1], n)], r
    assert sm["churn"]["PullImages"]["Resource"] == ["arn:aws:ecr:eu-west-1:210987654321:repository/churn"]
    assert set(sm["fraud"]["PullImages"]["Resource"]) == {
        "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost",
        "arn:aws:ecr:us-east-1:111122223333:repository/fraud-serving",
    }
    assert set(sm["fraud"]["ReadData"]["Resource"]) == {
        "arn:aws:s3:::fraud-lake/train/*",
        "arn:aws:s3:::team-artifacts/team/retraining/fraud/models/*",
    }
    assert "GlueJobs" not in sfn["churn"]
    assert sfn["fraud"]["GlueJobs"]["Resource"] == ["arn:aws:glue:us-east-1:210987654321:job/fraud-etl"]


def test_retention_deletes_only_each_models_own_names(two):
    arn = "arn:aws:sagemaker:us-east-1:210987654321"
    base = _policy(two, "module.retention_iam[0].aws_iam_role_policy.lambda[0]")
    # The List actions take no resource (SageMaker API permissions reference: only ListTags does): "*" is required.
    lists = base["ListModelsAndEndpointConfigs"]
    assert set(lists["Action"]) == {"sagemaker:ListEndpointConfigs", "sagemaker:ListModels"}
    assert lists["Resource"] == ["*"]
    assert not [x for st in base.values() for x in st["Action"] if x.startswith("sagemaker:Delete")]
    for m, endpoint in (("churn", "team-churn"), ("fraud", "fraud-live")):
        other = "fraud" if m == "churn" else "churn"
        policy = _policy(two, f'aws_iam_role_policy.retention["{m}"]')
        pattern = f"team-{m}-rt-" + "?" * 32
        assert policy["ReadEndpoint"]["Action"] == ["sagemaker:DescribeEndpoint"]
        assert policy["ReadEndpoint"]["Resource"] == [f"{arn}:endpoint/{endpoint}"]
        assert set(policy["PruneOwnEndpointConfigs"]["Action"]) == {
            "sagemaker:DescribeEndpointConfig",
            "sagemaker:ListTags",
            "sagemaker:DeleteEndpointConfig",
        }
        assert policy["PruneOwnEndpointConfigs"]["Resource"] == [f"{arn}:endpoint-config/{pattern}"]
        assert set(policy["PruneOwnModels"]["Action"]) == {"sagemaker:ListTags", "sagemaker:DeleteModel"}
        assert policy["PruneOwnModels"]["Resource"] == [f"{arn}:model/{pattern}"]
        own = f"team-{m}-rt-" + "0a" * 16
        others = [f"team-{other}-rt-" + "0a" * 16, f"team-{m}-rt-manual", own + "0"]
        for kind in ("endpoint-config", "model"):
            resource = f"{arn}:{kind}/{pattern}".split("/", 1)[1]
            assert h.iam_match(resource, own)
            assert not [n for n in others if h.iam_match(resource, n)]
    # The retention function runs as that role (its ARN is known only at apply); the shared role cannot delete.
    shared = _policy(two, "module.lambda_iam[0].aws_iam_role_policy.lambda[0]")
    assert not [x for st in shared.values() for x in st["Action"] if x.startswith("sagemaker:Delete")]
    functions = {v["function_name"]: v for v in h.of_type(two, "aws_lambda_function").values()}
    assert functions["team-retraining-retention"]["handler"] == "retention.handler"
    for name, asl in h.definitions(two).items():
        task = asl["States"]["ApplyRetention"]
        assert task["Parameters"]["Payload"]["retain_previous"] == 3, name
        assert task["Parameters"]["Payload"]["name_prefix"] in {"team-churn-rt-", "team-fraud-rt-"}
        assert task["Parameters"]["FunctionName"].endswith(":function:team-retraining-retention")
        assert [c["Next"] for c in task["Catch"]] == ["RetentionFailed"]  # never NotifyFailure: the model is deployed
        assert asl["States"]["NotifyDeployed"]["Next"] == "ApplyRetention"
        assert asl["States"]["NotifyRetentionFailed"]["Next"] == "ReleaseLockBeforeDeployed"
    sfn = _policy(two, 'module.iam["churn"].aws_iam_role_policy.state_machine[0]')
    assert any(r.endswith(":function:team-retraining-retention") for st in sfn.values() for r in st["Resource"])


def test_outputs_are_maps_by_model_and_rule_arns_known_at_plan(two):
    out = two.outputs
    assert out["state_machine_names"] == {"churn": "team-churn-retraining", "fraud": "team-fraud-retraining"}
    assert out["endpoint_names"] == {"churn": "team-churn", "fraud": "fraud-live"}
    assert out["data_uris"]["fraud"] == "s3://team-artifacts/team/retraining/fraud/"
    assert json.loads(out["schedule_inputs"]["fraud"]) == {
        "trigger": "schedule",
        "workflow": "retraining",
        "model": "fraud",
    }
    assert out["notification_rule_arns"] == [
        "arn:aws:events:us-east-1:210987654321:rule/team-rt-churn-executions",
        "arn:aws:events:us-east-1:210987654321:rule/team-rt-fraud-executions",
    ]


def test_no_model_creates_nothing_but_the_lock_table(fx):
    assert set(h.counts_by_type(fx.plan(models={}))) == {"aws_dynamodb_table"}
    assert h.counts_by_type(fx.plan(models={}, create_lock_table=False, lock_table_name="shared-locks")) == {}


@pytest.mark.parametrize(
    ("tf_vars", "expected"),
    [
        (
            {"models": {"churn": {**CHURN, "training_image_uri": None}}},
            'The models["churn"].training_image_uri must be set',
        ),
        (
            {"models": {"churn": {"metric_definitions": CHURN["metric_definitions"]}}},
            'The models["churn"].training_image_uri must be set',
        ),
        ({"models": {"churn-a": CHURN}}, "Each key of models must be 1-24 lower-case letters and digits"),
        ({"models": {"Churn": CHURN}}, "Each key of models must be 1-24 lower-case letters and digits"),
        ({"models": {"churn": {**CHURN, "schedule": "rate(1 hour)"}}}, "Each of models may only set"),
        (
            {"models": {"churn": {**CHURN, "schedule_expression": "cron(0 6 1 * MON *)"}}},
            'The models["churn"].schedule_expression must be',
        ),
        ({"name_prefix": "a" * 21, "models": {"churn": CHURN}}, 'The name_prefix and the key of models["churn"] must'),
        ({"name_prefix": "team--ml"}, "The name_prefix must be 1-24 letters, digits and single hyphens"),
        ({"create_sagemaker_role": False}, "The sagemaker_role_arn, state_machine_role_arn and lambda_role_arn must"),
        ({"create_lambda_role": False}, "The sagemaker_role_arn, state_machine_role_arn and lambda_role_arn must"),
        (
            {"sagemaker_role_arn": "arn:aws:iam::210987654321:user/bob"},
            "The sagemaker_role_arn must be an IAM role ARN",
        ),
        ({"create_lock_table": False}, "The lock_table_name must be set when create_lock_table is false"),
        ({"retain_previous_models": -1}, "The retain_previous_models must be a whole number from 0 to 100"),
        ({"retain_previous_models": 1.5}, "The retain_previous_models must be a whole number from 0 to 100"),
        (
            {"endpoint_wait_timeout_seconds": 86400, "endpoint_poll_seconds": 60},
            "The endpoint_wait_timeout_seconds must be at most 500 times endpoint_poll_seconds",
        ),
    ],
)
def test_bad_inputs_are_refused_naming_the_variable(fx, tf_vars, expected):
    message = _message(fx, **tf_vars)
    assert expected in message, message
    assert "null value" not in message and "Call to function" not in message, message


def test_own_roles_are_used_and_none_is_created(fx):
    own = {
        "create_sagemaker_role": False,
        "sagemaker_role_arn": "arn:aws:iam::210987654321:role/team-sagemaker",
        "create_lambda_role": False,
        "lambda_role_arn": "arn:aws:iam::210987654321:role/team-lambda",
    }
    plan = fx.plan(models={"churn": CHURN, "fraud": FRAUD}, **own)
    roles = {v["name"] for v in h.of_type(plan, "aws_iam_role").values()}
    assert roles == {"team-churn-rt-states", "team-fraud-rt-states", "team-churn-rt-schedule", "team-fraud-rt-schedule"}
    # Every function runs as the given role, the retention function too.
    assert {v["role"] for v in h.of_type(plan, "aws_lambda_function").values()} == {own["lambda_role_arn"]}
    assert not [a for a in h.of_type(plan, "aws_iam_role_policy") if "retention" in a]
    for name, asl in h.definitions(plan).items():
        assert asl["States"]["Train"]["Parameters"]["RoleArn"] == own["sagemaker_role_arn"], name
