"""Plan tests of the legacy batch inference workflow: resources for 1, 3 and 300 models, the rendered ASL, IAM, the
uploaded scripts and manifests, alerts, and the inputs that must be refused at plan."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess

import pytest

from scripts import moto_extensions as mx
from tests import tfharness as h

pytestmark = pytest.mark.plan

SCRIPTS = h.REPO / "examples" / "legacy_batch_inference" / "model"
SCRIPT_FILES = sorted(p.name for p in SCRIPTS.iterdir() if p.is_file())
ACCOUNT = "123456789012"
BUCKET = f"legacy-{ACCOUNT}-us-east-1"
DATA = f"s3://{BUCKET}/legacy/batch-inference/"
MACHINE = "legacy-batch-inference"
KMS = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
REPOSITORY = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/legacy-batch-inference"
SAGEMAKER_NAME = h.SAGEMAKER_NAME
SAGEMAKER_POLICY = "batch_inference[0].module.iam.aws_iam_role_policy.sagemaker[0]"
# Every model adds its scripts (uploaded from scripts_path); nothing else: its item is in the one manifest of every
# model (models.json), so a model whose code is already in S3 (code_uri) adds no resource at all.
OBJECTS_PER_MODEL = len(SCRIPT_FILES)


def model(**fields):
    return {"scripts_path": str(SCRIPTS), "image_tag": "iris-v1", **fields}


def models(n: int, **fields) -> dict[str, dict]:
    return {f"model-{i:03d}": model(**fields) for i in range(n)}


@pytest.fixture(scope="module")
def fx(tf_fixture):
    return tf_fixture("batch_inference")


@pytest.fixture(scope="module")
def plan1(planned):
    return planned("batch_inference", batch_inference_models={"iris": model()})


@pytest.fixture(scope="module")
def plan3(planned):
    return planned(
        "batch_inference",
        batch_inference_models={
            "iris": model(),
            "wine": model(
                image_tag=None,
                image_uri=f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/wine:v3",
                preprocess_scripts=["preprocess.py", "postprocess.py"],
                predict_script=None,
                inference_instance_type="ml.c5.xlarge",
                inference_volume_size_gb=100,
                max_runtime_seconds=1800,
                inference_arguments=["--threshold", 0.5],
                environment={"LOG_LEVEL": "DEBUG"},
            ),
            "hourly": model(schedule_expression="rate(1 hour)"),
        },
        batch_inference_max_concurrency=25,
        batch_inference_tolerated_failure_percentage=10,
    )


@pytest.fixture(scope="module")
def plan300(planned):
    return planned("batch_inference", batch_inference_models=models(300))


@pytest.fixture(scope="module")
def plan_kms(planned):
    return planned("batch_inference", batch_inference_models={"iris": model()}, kms_key_arn=KMS)


def asl(plan, machine: str = MACHINE) -> dict:
    return h.definitions(plan)[machine]


def processor(plan, machine: str = MACHINE) -> dict:
    return asl(plan, machine)["States"]["RunModels"]["ItemProcessor"]


def manifest(plan) -> list[dict]:
    return json.loads(h.one(plan, "batch_inference[0].aws_s3_bucket_object.manifest")["content"])


def all_models(plan) -> list[dict]:
    return json.loads(h.one(plan, "batch_inference[0].aws_s3_bucket_object.models")["content"])


def policy(plan, suffix) -> dict[str, dict]:
    hits = [p for a, p in h.policies(plan).items() if a.endswith(suffix)]
    assert len(hits) == 1, suffix
    return {s["Sid"]: s for s in h.statements(hits[0])}


# ---------------------------------------------------------------------------------------------------------------------
# Resources: what one model costs, and that the next ones cost only their scripts and manifest
# ---------------------------------------------------------------------------------------------------------------------
def test_one_model(plan1):
    assert h.counts_by_type(plan1) == {
        # the shared platform
        "aws_s3_bucket": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_policy": 1,
        "aws_sns_topic": 1,
        "aws_sns_topic_policy": 1,
        # the topic's own key, so that EventBridge can publish the alerts
        "aws_kms_key": 1,
        # the workflow: SageMaker and state machine roles (+ the Map's policy), repository, machine and its logs,
        # the shared schedule with its role and dead-letter queue, the two alert rules and their targets
        "aws_iam_role": 3,
        "aws_iam_role_policy": 4,
        "aws_ecr_repository": 1,
        "aws_ecr_lifecycle_policy": 1,
        "aws_sfn_state_machine": 1,
        "aws_cloudwatch_metric_alarm": 5,  # the machine's failed/timed-out/aborted/throttled, the schedule's DLQ
        "aws_cloudwatch_dashboard": 1,
        "aws_cloudwatch_log_group": 1,
        "aws_cloudwatch_event_rule": 3,
        "aws_cloudwatch_event_target": 3,
        "aws_sqs_queue": 1,
        "aws_sqs_queue_policy": 1,
        # the model's scripts, the shared manifest and the manifest of every model
        "aws_s3_bucket_object": OBJECTS_PER_MODEL + 2,
    }


def test_models_whose_code_is_in_s3_add_no_resource(fx):
    def code_in_s3(n: int) -> dict:
        return {f"m{i}": {"code_uri": f"s3://ml-code/m{i}/", "image_tag": "v1"} for i in range(n)}

    one, three = (fx.plan(batch_inference_models=code_in_s3(n)) for n in (1, 3))
    assert h.counts_by_type(three) == h.counts_by_type(one)
    assert [i["name"] for i in all_models(three)] == ["m0", "m1", "m2"]
    assert [i["code_uri"] for i in manifest(three)] == ["s3://ml-code/m0/", "s3://ml-code/m1/", "s3://ml-code/m2/"]


def test_more_models_add_only_their_scripts(plan1, plan300):
    one, many = h.counts_by_type(plan1), h.counts_by_type(plan300)
    extra = {t: many.get(t, 0) - one.get(t, 0) for t in set(one) | set(many)}
    assert {t: n for t, n in extra.items() if n} == {"aws_s3_bucket_object": 299 * OBJECTS_PER_MODEL}
    # the definition and the IAM policies do not grow with the models: they are the same for 1 and for 300
    assert asl(plan300) == asl(plan1)
    assert policy(plan300, "batch_inference[0].aws_iam_role_policy.map") == policy(
        plan1, "batch_inference[0].aws_iam_role_policy.map"
    )
    assert policy(plan300, "aws_iam_role_policy.sagemaker[0]") == policy(plan1, "aws_iam_role_policy.sagemaker[0]")
    assert len(manifest(plan300)) == 300
    assert len(h.of_type(plan300, "aws_cloudwatch_event_rule")) == 3  # the shared schedule and the two alerts


def test_three_models_one_with_its_own_schedule(plan1, plan3):
    one, three = h.counts_by_type(plan1), h.counts_by_type(plan3)
    extra = {t: three.get(t, 0) - one.get(t, 0) for t in set(one) | set(three)}
    # wine and hourly: their scripts; hourly also its schedule rule and target
    assert {t: n for t, n in extra.items() if n} == {
        "aws_s3_bucket_object": 2 * OBJECTS_PER_MODEL,
        "aws_cloudwatch_event_rule": 1,
        "aws_cloudwatch_event_target": 1,
    }
    rule = h.one(plan3, 'aws_cloudwatch_event_rule.this["hourly"]')
    assert rule["name"] == "legacy-bi-hourly"
    assert rule["schedule_expression"] == "rate(1 hour)"
    target = h.one(plan3, 'aws_cloudwatch_event_target.this["hourly"]')
    assert json.loads(target["input"]) == {"trigger": "schedule", "workflow": "batch-inference", "model": "hourly"}
    shared = h.one(plan3, 'aws_cloudwatch_event_rule.this["all_models"]')
    assert shared["name"] == "legacy-bi-all_models"
    assert shared["schedule_expression"] == "cron(0 2 * * ? *)"
    assert json.loads(h.one(plan3, 'aws_cloudwatch_event_target.this["all_models"]')["input"]) == {
        "trigger": "schedule",
        "workflow": "batch-inference",
    }
    # the shared schedule runs the models without a schedule of their own
    assert [i["name"] for i in manifest(plan3)] == ["iris", "wine"]
    # a run of one model finds it in the manifest of every model, in name order
    assert [i["name"] for i in all_models(plan3)] == ["hourly", "iris", "wine"]


def test_disabled_model_leaves_the_shared_run_and_its_rule_is_off(fx):
    plan = fx.plan(
        batch_inference_models={
            "iris": model(),
            "paused": model(enabled=False),
            "paused-hourly": model(enabled=False, schedule_expression="rate(1 hour)"),
        }
    )
    assert [i["name"] for i in manifest(plan)] == ["iris"]
    assert h.one(plan, 'aws_cloudwatch_event_rule.this["paused-hourly"]')["is_enabled"] is False
    # still runnable on demand: its item and scripts are there
    assert [i["name"] for i in all_models(plan)] == ["iris", "paused", "paused-hourly"]


def test_workflow_off_by_default(planned):
    plan = planned("root")
    assert not [a for a in h.resources(plan) if "batch_inference" in a]


def test_workflow_off_without_models_creates_nothing(fx):
    plan = fx.plan(batch_inference_models={})
    assert not [a for a in h.resources(plan) if "batch_inference" in a]
    assert plan.outputs["batch_inference_models"] == {}
    assert plan.outputs["batch_inference_state_machine_arn"] is None


def test_no_shared_schedule(fx):
    plan = fx.plan(batch_inference_models={"iris": model()}, batch_inference_schedule_expression=None)
    rules = [r["name"] for r in h.of_type(plan, "aws_cloudwatch_event_rule").values()]
    assert sorted(rules) == ["legacy-bi-execution-failed", "legacy-bi-processing-job-failed"]  # alerts, no schedule
    assert "aws_sfn_state_machine" in h.counts_by_type(plan)


def test_outputs(plan3):
    out = plan3.outputs
    assert out["batch_inference_data_uri"] == DATA
    assert out["batch_inference_manifest_uri"] == f"{DATA}manifest.json"
    iris = out["batch_inference_models"]["iris"]
    assert iris["code_uri"] == f"{DATA}models/iris/code/"
    assert iris["input_uri"] == f"{DATA}data/iris/input/"
    assert iris["output_uri"] == f"{DATA}data/iris/output/"
    assert iris["image_uri"] == f"{REPOSITORY}:iris-v1"
    assert json.loads(iris["execution_input"])["model"] == "iris"
    assert out["batch_inference_models"]["wine"]["image_uri"] == f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/wine:v3"


# ---------------------------------------------------------------------------------------------------------------------
# Scripts and manifests
# ---------------------------------------------------------------------------------------------------------------------
def test_scripts_are_uploaded_with_content_hashes(plan1):
    objects = h.of_type(plan1, "aws_s3_bucket_object")
    code = {v["key"]: v for a, v in objects.items() if "aws_s3_bucket_object.code[" in a}
    assert sorted(code) == [f"legacy/batch-inference/models/iris/code/{f}" for f in SCRIPT_FILES]
    for key, obj in code.items():
        path = SCRIPTS / key.rsplit("/", 1)[1]
        assert obj["bucket"] == BUCKET
        assert obj["source"].endswith(f"examples/legacy_batch_inference/model/{path.name}")
        assert obj["etag"] == hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324 - S3's ETag is an MD5
        assert obj["metadata"] == {"content-sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def test_a_changed_script_changes_its_hash_and_caches_are_not_uploaded(fx, tmp_path):
    scripts = tmp_path / "model"
    shutil.copytree(SCRIPTS, scripts)
    (scripts / "__pycache__").mkdir()
    (scripts / "__pycache__" / "predict.cpython-311.pyc").write_bytes(b"\0")
    (scripts / ".predict.py.swp").write_text("x")
    (scripts / "lib").mkdir()
    (scripts / "lib" / "helpers.py").write_text("RATE = 1\n")

    def hashes():
        plan = fx.plan(batch_inference_models={"iris": model(scripts_path=str(scripts))})
        code = {
            v["key"].split("/code/")[1]: v for a, v in h.of_type(plan, "aws_s3_bucket_object").items() if "code" in a
        }
        return {k: (v["etag"], v["metadata"]["content-sha256"]) for k, v in code.items()}

    before = hashes()
    assert sorted(before) == sorted([*SCRIPT_FILES, "lib/helpers.py"])
    (scripts / "lib" / "helpers.py").write_text("RATE = 2\n")
    after = hashes()
    assert after["lib/helpers.py"] != before["lib/helpers.py"]
    assert {k: v for k, v in after.items() if k != "lib/helpers.py"} == {
        k: v for k, v in before.items() if k != "lib/helpers.py"
    }


def test_code_kept_in_s3_is_not_uploaded_and_can_be_read(fx):
    plan = fx.plan(batch_inference_models={"iris": {"code_uri": "s3://ml-code/iris/v3/", "image_tag": "iris-v3"}})
    assert not [a for a in h.resources(plan) if "aws_s3_bucket_object.code[" in a]
    (item,) = manifest(plan)
    assert item["code_uri"] == "s3://ml-code/iris/v3/"
    assert (
        item["preprocess"][0]["app_specification"]["ContainerEntrypoint"][-1] == "/opt/ml/processing/code/preprocess.py"
    )
    by_sid = policy(plan, SAGEMAKER_POLICY)
    assert by_sid["ReadData"]["Resource"] == ["arn:aws:s3:::ml-code/iris/v3/*"]
    assert "WriteOutputs" not in by_sid
    assert by_sid["ListData0"]["Resource"] == ["arn:aws:s3:::ml-code"]
    assert by_sid["ListData0"]["Condition"] == {"StringLike": {"s3:prefix": ["iris/v3/*"]}}


def test_manifest_item_carries_each_steps_request(plan3):
    items = {i["name"]: i for i in manifest(plan3)}
    iris = items["iris"]
    assert "job_name_prefix" not in iris  # job names are "<prefix>-bi-<32 hex>"; the jobs' tags name the model
    assert iris["code_uri"] == f"{DATA}models/iris/code/"
    assert [s["id"] for s in iris["preprocess"]] == ["pre0"]
    pre = iris["preprocess"][0]
    assert pre["app_specification"] == {
        "ImageUri": SKLEARN,
        "ContainerEntrypoint": ["python3", "/opt/ml/processing/code/preprocess.py"],
    }
    assert pre["processing_resources"] == {
        "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30}
    }
    assert pre["stopping_condition"] == {"MaxRuntimeInSeconds": 3600}  # one hour by default
    assert pre["timeout_seconds"] > 3600
    assert pre["environment"] == {"SFN_ML_MODEL": "iris", "SFN_ML_STEP": "preprocess", "SFN_ML_STEP_ID": "pre0"}
    assert iris["inference"]["app_specification"] == {
        "ImageUri": f"{REPOSITORY}:iris-v1",
        "ContainerEntrypoint": ["python3", "/opt/ml/processing/code/predict.py"],
    }
    assert iris["postprocess"]["app_specification"]["ContainerEntrypoint"][-1].endswith("/postprocess.py")

    wine = items["wine"]
    assert [s["id"] for s in wine["preprocess"]] == ["pre0", "pre1"]
    assert wine["preprocess"][1]["app_specification"]["ContainerEntrypoint"][-1].endswith("/postprocess.py")
    # no predict_script: the image's own entrypoint, with the model's arguments (as strings)
    assert wine["inference"]["app_specification"] == {
        "ImageUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/wine:v3",
        "ContainerArguments": ["--threshold", "0.5"],
    }
    assert wine["inference"]["processing_resources"]["ClusterConfig"] == {
        "InstanceCount": 1,
        "InstanceType": "ml.c5.xlarge",
        "VolumeSizeInGB": 100,
    }
    assert wine["preprocess"][0]["processing_resources"]["ClusterConfig"]["InstanceType"] == "ml.m5.large"
    for step in [*wine["preprocess"], wine["inference"], wine["postprocess"]]:
        assert step["stopping_condition"] == {"MaxRuntimeInSeconds": 1800}
        assert step["environment"]["LOG_LEVEL"] == "DEBUG"


def test_job_names_stay_within_sagemaker_limits(fx):
    name = "m" * 63
    plan = fx.plan(name_prefix="p" * 26, batch_inference_models={name: model()})
    shape = re.compile(r"States\.Format\('([a-z0-9-]+)\{\}', States\.Hash\(States\.UUID\(\), 'MD5'\)\)")
    for task, job in _jobs(plan, f"{'p' * 26}-batch-inference").items():
        fixed = shape.fullmatch(job["Parameters"]["ProcessingJobName.$"])
        assert fixed and fixed.group(1) == "p" * 26 + "-bi-", task
        longest = fixed.group(1) + "0" * 32  # an MD5 is 32 hex digits
        assert len(longest) <= 63 and SAGEMAKER_NAME.match(longest), longest


# ---------------------------------------------------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------------------------------------------------
def test_every_transition_lands_on_a_state_of_its_scope(plan3):
    definition = asl(plan3)

    def check(states: dict) -> None:
        for name, state in states.items():
            nexts = {state[k] for k in ("Next", "Default") if k in state}
            nexts |= {c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])}
            assert nexts <= set(states), f"{name} -> {nexts - set(states)}"
            if "ItemProcessor" in state:
                check(state["ItemProcessor"]["States"])

    check(definition["States"])
    for name in definition["States"]:
        h.shortest_path(definition, name)


def test_runs_every_shared_model_or_one_named_model(plan3):
    states = asl(plan3)["States"]
    assert asl(plan3)["StartAt"] == "SelectModels"
    choice = states["SelectModels"]
    assert choice["Choices"][0]["Next"] == "OneModel"
    assert {"Variable": "$.model", "IsString": True} in choice["Choices"][0]["And"]
    assert choice["Choices"][1] == {"Variable": "$.model", "IsPresent": True, "Next": "InvalidInput"}
    assert choice["Default"] == "AllModels"
    assert states["AllModels"]["Result"]["key"] == "legacy/batch-inference/manifest.json"
    assert states["InvalidInput"]["Next"] == "NotifyFailure"
    # one model: found by name in the manifest of every model, written as the run's one-item manifest
    assert h.shortest_path(asl(plan3), "RunModels") == ["SelectModels", "AllModels", "RunModels"]
    assert [s for s in h.shortest_path(asl(plan3), "OneModelManifest")] == [
        "SelectModels",
        "OneModel",
        "IsModelKnown",
        "WriteModelManifest",
        "OneModelManifest",
    ]
    find = states["OneModel"]
    assert find["Type"] == "Map" and find["Label"] == "find"
    assert find["ItemReader"]["Parameters"] == {"Bucket": BUCKET, "Key": "legacy/batch-inference/models.json"}
    assert find["ItemSelector"] == {"item.$": "$$.Map.Item.Value", "wanted.$": "$.model"}
    # Express children: a request each, not state transitions (the lookup runs for every run of one model)
    assert find["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
    assert find["ItemProcessor"]["States"]["IsWantedModel"]["Choices"] == [
        {"Variable": "$.item.name", "StringEqualsPath": "$.wanted", "Next": "WantedModel"}
    ]
    assert find["ItemProcessor"]["States"]["WantedModel"]["Parameters"] == {"item.$": "$.item"}
    assert find["ResultSelector"]["items.$"] == "$[*].item"  # [] when no child found it
    assert find["Catch"][0]["Next"] == "NotifyFailure"
    assert states["IsModelKnown"]["Default"] == "UnknownModel"
    assert states["UnknownModel"]["Next"] == "NotifyFailure"
    write = states["WriteModelManifest"]
    assert write["Resource"] == "arn:aws:states:::aws-sdk:s3:putObject"
    key_format = "States.Format('legacy/batch-inference/runs/{}/manifest.json', $$.Execution.Name)"
    assert write["Parameters"] == {
        "Bucket": BUCKET,
        "Key.$": key_format,
        "Body.$": "$.found.items",  # Step Functions writes a JSON Body as JSON (a string would be quoted)
        "ContentType": "application/json",
    }
    assert write["Retry"][0]["ErrorEquals"] == ["S3.S3Exception", "S3.SdkClientException"]
    assert write["Catch"][0]["Next"] == "NotifyFailure"
    assert states["OneModelManifest"]["Parameters"]["key.$"] == key_format


def test_fans_out_with_a_distributed_map_and_the_users_concurrency(plan3):
    states = asl(plan3)["States"]
    run = states["RunModels"]
    assert run["Type"] == "Map"
    assert run["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert run["MaxConcurrency"] == 25
    assert run["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": BUCKET, "Key.$": "$.manifest.key"},
    }
    assert run["ItemSelector"] == {
        "model.$": "$$.Map.Item.Value",
        "run_id.$": "$$.Execution.Name",
        "run_tag.$": "States.Hash($$.Execution.Name, 'MD5')",
        "retries": {"RunInference": {"attempts": 0}, "RunPostprocess": {"attempts": 0}},
    }
    assert run["ToleratedFailurePercentagePath"] == "$.manifest.tolerated_failure_percentage"
    assert states["AllModels"]["Result"]["tolerated_failure_percentage"] == 10
    assert states["OneModelManifest"]["Parameters"]["tolerated_failure_percentage"] == 10
    assert run["Catch"][0]["Next"] == "NotifyFailure"
    # after the Map: count the failed models on the Map Run, fail the run (and notify) when any failed
    assert h.shortest_path(asl(plan3), "ModelsFailed") == [
        "SelectModels",
        "AllModels",
        "RunModels",
        "FindMapRun",
        "WhichMapRun",
        "FirstMapRun",
        "DescribeMapRun",
        "AnyModelFailed",
        "NotifyModelsFailed",
        "ModelsFailed",
    ]
    assert states["FindMapRun"]["Resource"] == "arn:aws:states:::aws-sdk:sfn:listMapRuns"
    assert states["FindMapRun"]["Parameters"] == {"ExecutionArn.$": "$$.Execution.Id"}
    # a run of one model has two Map Runs: RunModels' is the one its label names
    assert run["Label"] == "models"
    assert states["WhichMapRun"]["Choices"] == [
        {"Variable": "$.map_run.arns[0]", "StringMatches": "*/models:*", "Next": "FirstMapRun"}
    ]
    assert states["FirstMapRun"]["Parameters"] == {"arn.$": "$.map_run.arns[0]"}
    assert states["SecondMapRun"]["Parameters"] == {"arn.$": "$.map_run.arns[1]"}
    assert states["DescribeMapRun"]["Resource"] == "arn:aws:states:::aws-sdk:sfn:describeMapRun"
    failed = {c["Variable"] for c in states["AnyModelFailed"]["Choices"][0]["Or"]}
    assert failed == {f"$.map_run.counts.{k}" for k in ("Failed", "TimedOut", "Aborted")}
    assert states["AnyModelFailed"]["Default"] == "Succeeded"


def test_each_model_runs_preprocess_then_inference_then_postprocess(plan3):
    proc = processor(plan3)
    assert h.shortest_path(proc, "ModelSucceeded") == [
        "Preprocess",
        "RunInference",
        "InferenceJobStatus",
        "RunPostprocess",
        "PostprocessJobStatus",
        "ModelSucceeded",
    ]
    pre = proc["States"]["Preprocess"]
    assert pre["Type"] == "Map" and pre["ItemsPath"] == "$.model.preprocess"
    assert pre["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert pre["MaxConcurrency"] == 0  # the model's preprocess jobs all run at once
    inner = pre["ItemProcessor"]["States"]
    assert inner["PreprocessJobStatus"]["Choices"][0] == {
        "Variable": "$.job.ProcessingJobStatus",
        "StringEquals": "Completed",
        "Next": "PreprocessJobDone",
    }
    assert inner["PreprocessJobNotCompleted"]["Type"] == "Fail"
    for status, task in (("InferenceJobStatus", "inference_job"), ("PostprocessJobStatus", "postprocess_job")):
        choice = proc["States"][status]
        assert choice["Choices"][0]["Variable"] == f"$.{task}.ProcessingJobStatus"
        assert choice["Choices"][0]["StringEquals"] == "Completed"
        assert proc["States"][choice["Default"]]["Next"] == "NotifyModelFailure"


def _jobs(plan, machine: str = MACHINE) -> dict[str, dict]:
    proc = processor(plan, machine)
    jobs = {n: s for n, s in proc["States"].items() if s["Type"] == "Task" and "sagemaker" in s["Resource"]}
    jobs["RunPreprocessJob"] = proc["States"]["Preprocess"]["ItemProcessor"]["States"]["RunPreprocessJob"]
    return jobs


def test_processing_jobs(plan3):
    jobs = _jobs(plan3)
    assert sorted(jobs) == ["RunInference", "RunPostprocess", "RunPreprocessJob"]
    runs = f"s3://{BUCKET}/legacy/batch-inference/runs/"
    data_in = {"RunPreprocessJob": "$.model.input_uri"}
    data_out = {
        "RunPreprocessJob": f"States.Format('{runs}{{}}/{{}}/preprocessed/{{}}/', $.run_id, $.model.name, $.step.id)",
        "RunInference": f"States.Format('{runs}{{}}/{{}}/predictions/', $.run_id, $.model.name)",
        "RunPostprocess": "States.Format('{}{}/', $.model.output_uri, $.run_id)",
    }
    data_in["RunInference"] = f"States.Format('{runs}{{}}/{{}}/preprocessed/', $.run_id, $.model.name)"
    data_in["RunPostprocess"] = data_out["RunInference"]
    for name, job in jobs.items():
        assert job["Resource"] == "arn:aws:states:::sagemaker:createProcessingJob.sync", name
        p = job["Parameters"]
        step = "$.step" if name == "RunPreprocessJob" else f"$.model.{name.removeprefix('Run').lower()}"
        # a fresh name per attempt, in the fixed shape the IAM policy allows
        assert p["ProcessingJobName.$"] == "States.Format('legacy-bi-{}', States.Hash(States.UUID(), 'MD5'))"
        assert p["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/legacy-bi-sagemaker"
        assert p["AppSpecification.$"] == f"{step}.app_specification"
        assert p["ProcessingResources.$"] == f"{step}.processing_resources"
        assert p["StoppingCondition.$"] == f"{step}.stopping_condition"
        assert job["TimeoutSecondsPath"] == f"{step}.timeout_seconds"
        inputs = {i["InputName"]: i["S3Input"] for i in p["ProcessingInputs"]}
        assert inputs["code"]["S3Uri.$"] == "$.model.code_uri"
        assert inputs["code"]["LocalPath"] == "/opt/ml/processing/code"
        uri = inputs["input"].get("S3Uri.$")
        assert uri == data_in[name], name
        assert inputs["input"]["LocalPath"] == "/opt/ml/processing/input"
        (output,) = p["ProcessingOutputConfig"]["Outputs"]
        assert output["S3Output"]["S3Uri.$"] == data_out[name]
        assert output["S3Output"]["LocalPath"] == "/opt/ml/processing/output"
        assert "KmsKeyId" not in p["ProcessingOutputConfig"]
        assert {t["Key"] for t in p["Tags"]} == {"sfn-ml:model", "sfn-ml:run", "sfn-ml:step"}


SAGEMAKER_TASKS = ("RunPreprocessJob", "RunInference", "RunPostprocess")


def test_every_task_retries_transient_errors_and_is_caught(plan3):
    definition = asl(plan3)
    proc = processor(plan3)
    tasks = {n: s for n, s in definition["States"].items() if s["Type"] == "Task"}
    tasks.update({f"child.{n}": s for n, s in proc["States"].items() if s["Type"] == "Task"})
    inner_states = proc["States"]["Preprocess"]["ItemProcessor"]["States"]
    inner = inner_states["RunPreprocessJob"]
    assert len(tasks) == 8  # WriteModelManifest too
    for name, task in tasks.items():
        if name.removeprefix("child.") in SAGEMAKER_TASKS:
            continue
        assert task["Retry"], name
        for r in task["Retry"]:
            assert r["BackoffRate"] > 1 and r["MaxAttempts"] >= 2 and r["MaxDelaySeconds"] <= 300, name
            assert "States.ALL" not in r["ErrorEquals"], f"{name} retries every error"
            assert not any(e.startswith("SageMaker.") for e in r["ErrorEquals"]), name
    # SageMaker's base exception carries validation errors too, and ResourceLimitExceeded is a quota: no SageMaker
    # task retries by name; only a transient Cause loops back (below).
    sagemaker_tasks = [(n, tasks[n]) for n in ("child.RunInference", "child.RunPostprocess")]
    for name, task in [*sagemaker_tasks, ("RunPreprocessJob", inner)]:
        assert "Retry" not in task, name
        short = name.removeprefix("child.")
        assert task["Catch"][0] == {
            "ErrorEquals": ["SageMaker.AmazonSageMakerException"],
            "ResultPath": "$.error",
            "Next": f"{short}IsTransient",
        }, name
    # no States.ALL here: every other error leaves the inline Map for its Catch
    assert len(inner["Catch"]) == 1
    # a notice that could not be published ends in an error name the execution alert rule does not leave out
    expected = {
        "NotifyFailure": "FailedUnnotified",
        "NotifyModelsFailed": "ModelsFailedUnnotified",
        "child.NotifyModelFailure": "ModelFailedUnnotified",
    }
    for name, task in tasks.items():
        targets = {c["Next"] for c in task["Catch"] if "States.ALL" in c["ErrorEquals"]}
        default = "NotifyModelFailure" if name.startswith("child.") else "NotifyFailure"
        assert targets == {expected.get(name, default)}, name
    # the inner job's failures reach the model's notification through the Preprocess Map's Catch
    assert proc["States"]["Preprocess"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyModelFailure"}
    ]
    assert inner_states["PreprocessJobFailed"] == {
        "Comment": inner_states["PreprocessJobFailed"]["Comment"],
        "Type": "Fail",
        "Error": "PreprocessJobFailed",  # not the task's States.TaskFailed: a Fail state raises no States.* name
        "CausePath": "$.error.Cause",
    }
    fails = {
        "ModelFailed": proc["States"]["ModelFailed"],
        "ModelFailedUnnotified": proc["States"]["ModelFailedUnnotified"],
        **{
            n: definition["States"][n] for n in ("Failed", "FailedUnnotified", "ModelsFailed", "ModelsFailedUnnotified")
        },
    }
    assert {n: (f["Type"], f["Error"]) for n, f in fails.items()} == {
        "ModelFailed": ("Fail", "ModelFailed"),
        "ModelFailedUnnotified": ("Fail", "ModelFailedUnnotified"),
        "Failed": ("Fail", "BatchInferenceFailed"),
        "FailedUnnotified": ("Fail", "BatchInferenceFailedUnnotified"),
        "ModelsFailed": ("Fail", "ModelsFailed"),
        "ModelsFailedUnnotified": ("Fail", "ModelsFailedUnnotified"),
    }
    # a published notice ends in the error name the rule leaves out
    assert definition["States"]["NotifyFailure"]["Next"] == "Failed"
    assert definition["States"]["NotifyModelsFailed"]["Next"] == "ModelsFailed"
    assert proc["States"]["NotifyModelFailure"]["Next"] == "ModelFailed"


def test_sagemaker_tasks_retry_only_a_transient_cause_a_bounded_number_of_times(plan3):
    proc = processor(plan3)
    inner_states = proc["States"]["Preprocess"]["ItemProcessor"]["States"]
    # the counters start at 0 in each model's item (and each preprocess step's item)
    assert asl(plan3)["States"]["RunModels"]["ItemSelector"]["retries"] == {
        "RunInference": {"attempts": 0},
        "RunPostprocess": {"attempts": 0},
    }
    assert proc["States"]["Preprocess"]["ItemSelector"]["retries"] == {"RunPreprocessJob": {"attempts": 0}}
    for task, states, failure in [
        ("RunPreprocessJob", inner_states, "PreprocessJobFailed"),
        ("RunInference", proc["States"], "NotifyModelFailure"),
        ("RunPostprocess", proc["States"], "NotifyModelFailure"),
    ]:
        choice = states[f"{task}IsTransient"]
        assert choice["Type"] == "Choice" and choice["Default"] == failure, task
        missing, transient = choice["Choices"]
        assert missing == {"Variable": "$.error.Cause", "IsPresent": False, "Next": failure}
        patterns, bound = transient["And"]
        matched = {c["StringMatches"] for c in patterns["Or"]}
        assert {"*Throttling*", "*ServiceUnavailable*", "*Status Code: 5*"} <= matched, task
        # nothing deterministic is ever retried
        assert not any(w in p for p in matched for w in ("Validation", "AccessDenied", "ResourceLimit")), task
        assert bound == {"Variable": f"$.retries.{task}.attempts", "NumericLessThan": 4}
        assert transient["Next"] == f"{task}CountRetry"
        count = states[f"{task}CountRetry"]
        assert count["Parameters"] == {"attempts.$": f"States.MathAdd($.retries.{task}.attempts, 1)"}
        assert count["ResultPath"] == f"$.retries.{task}" and count["Next"] == f"{task}RetryWait"
        wait = states[f"{task}RetryWait"]
        assert wait["Type"] == "Wait" and wait["Seconds"] == 20 and wait["Next"] == task


def test_tags_hold_only_values_sagemaker_accepts(plan3):
    # Execution names may hold "!", "'", "(" and ")", which a SageMaker tag value refuses: the run's tag is the
    # MD5 of the execution name (the S3 paths keep the name itself).
    selector = asl(plan3)["States"]["RunModels"]["ItemSelector"]
    assert selector["run_id.$"] == "$$.Execution.Name"
    assert selector["run_tag.$"] == "States.Hash($$.Execution.Name, 'MD5')"
    proc = processor(plan3)
    assert proc["States"]["Preprocess"]["ItemSelector"]["run_tag.$"] == "$.run_tag"
    jobs = _jobs(plan3)
    assert set(jobs) == set(SAGEMAKER_TASKS)
    for name, job in jobs.items():
        tags = {t["Key"]: t["Value.$"] for t in job["Parameters"]["Tags"]}
        assert tags["sfn-ml:run"] == "$.run_tag", name
        assert tags["sfn-ml:model"] == "$.model.name", name
    # the other tag values come from the manifest: model names (validated at plan: letters, digits, hyphens) and
    # step ids; all of them fit SageMaker's tag value pattern and length
    tag_value = re.compile(r"^[\w .:/=+@-]{0,256}$")
    for item in manifest(plan3):
        assert tag_value.match(item["name"]), item["name"]
        for step in [*item["preprocess"], item["inference"], item["postprocess"]]:
            assert tag_value.match(step["id"]), step["id"]


def test_notifications(plan3):
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:legacy-notifications"
    states, proc = asl(plan3)["States"], processor(plan3)["States"]
    for state in (states["NotifyFailure"], states["NotifyModelsFailed"], proc["NotifyModelFailure"]):
        assert state["Resource"] == "arn:aws:states:::sns:publish"
        assert state["Parameters"]["TopicArn"] == topic
    assert "$.model.name" in proc["NotifyModelFailure"]["Parameters"]["Message.$"]
    assert "$.error.Cause" in proc["NotifyModelFailure"]["Parameters"]["Message.$"]
    assert "$.map_run.counts.Failed" in states["NotifyModelsFailed"]["Parameters"]["Message.$"]


def test_rendered_definitions_pass_asl_validator_and_the_emulators_parser(plan3, plan_kms, tmp_path):
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    for i, definition in enumerate((asl(plan3), asl(plan_kms))):
        path = tmp_path / f"definition-{i}.json"
        path.write_text(json.dumps(definition))
        run = subprocess.run([str(h.ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr
        # raises on what moto could not run (with the emulator's rewrite of what only moto refuses: Express children)
        AmazonStateLanguageParser.parse(mx.express_item_processors_as_standard(json.dumps(definition)))


# ---------------------------------------------------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------------------------------------------------
def test_state_machine_policy_is_scoped_to_the_prefixs_processing_jobs(plan3):
    by_sid = policy(plan3, "batch_inference[0].module.iam.aws_iam_role_policy.state_machine[0]")
    for s in by_sid.values():
        assert s["Effect"] == "Allow"
        if "*" in s["Resource"]:
            assert h.star_statement_is_unavoidable(s), s
    jobs = by_sid["SageMakerProcessingJobs"]
    # exactly the workflow's name shape: prefix "legacy" does not cover the jobs of a workspace named "legacy-prod"
    assert jobs["Resource"] == [f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:processing-job/legacy-bi-{'?' * 32}"]
    assert set(jobs["Action"]) == {
        "sagemaker:CreateProcessingJob",
        "sagemaker:DescribeProcessingJob",
        "sagemaker:StopProcessingJob",
        "sagemaker:AddTags",
    }
    assert by_sid["SageMakerSyncManagedRules"]["Resource"] == [
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerProcessingJobsRule"
    ]
    assert set(by_sid["SageMakerSyncManagedRules"]["Action"]) == {
        "events:PutTargets",
        "events:PutRule",
        "events:DescribeRule",
    }
    passrole = by_sid["PassSageMakerRole"]
    assert passrole["Action"] == ["iam:PassRole"]
    assert passrole["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/legacy-bi-sagemaker"]
    assert passrole["Condition"] == {"StringEquals": {"iam:PassedToService": ["sagemaker.amazonaws.com"]}}
    assert "SageMakerTrainingJobs" not in by_sid and "SageMakerDeploy" not in by_sid
    assert by_sid["Notify"]["Resource"] == [f"arn:aws:sns:us-east-1:{ACCOUNT}:legacy-notifications"]
    # PassRole nowhere else, on any of the workflow's policies
    for address, doc in h.policies(plan3).items():
        for s in h.statements(doc):
            if "iam:PassRole" in s["Action"]:
                assert address.endswith("batch_inference[0].module.iam.aws_iam_role_policy.state_machine[0]"), address


def test_distributed_map_policy(plan3):
    by_sid = policy(plan3, "batch_inference[0].aws_iam_role_policy.map")
    states = f"arn:aws:states:us-east-1:{ACCOUNT}"
    assert by_sid["StartChildExecutions"]["Resource"] == [f"{states}:stateMachine:{MACHINE}"]
    assert by_sid["StartChildExecutions"]["Action"] == ["states:StartExecution"]
    assert by_sid["ManageChildExecutions"]["Resource"] == [f"{states}:execution:{MACHINE}/*"]
    assert by_sid["ListOwnMapRuns"]["Resource"] == [f"{states}:execution:{MACHINE}:*"]
    assert by_sid["DescribeOwnMapRuns"]["Resource"] == [f"{states}:mapRun:{MACHINE}/*"]
    assert sorted(by_sid["ReadManifests"]["Resource"]) == [
        f"arn:aws:s3:::{BUCKET}/legacy/batch-inference/manifest.json",
        f"arn:aws:s3:::{BUCKET}/legacy/batch-inference/models.json",
        f"arn:aws:s3:::{BUCKET}/legacy/batch-inference/runs/*/manifest.json",
    ]
    # a run of one model writes its one-item manifest, and nothing else
    assert by_sid["WriteRunManifests"]["Action"] == ["s3:PutObject"]
    assert by_sid["WriteRunManifests"]["Resource"] == [
        f"arn:aws:s3:::{BUCKET}/legacy/batch-inference/runs/*/manifest.json"
    ]
    assert all(s["Resource"] != ["*"] for s in by_sid.values())
    attached = h.one(plan3, "batch_inference[0].aws_iam_role_policy.map")
    assert attached["role"] == "legacy-bi-states"


def test_sagemaker_role_reads_its_prefix_and_pulls_its_images(plan3):
    by_sid = policy(plan3, "batch_inference[0].module.iam.aws_iam_role_policy.sagemaker[0]")
    assert by_sid["ArtifactBucketObjects"]["Resource"] == [f"arn:aws:s3:::{BUCKET}/legacy/batch-inference/*"]
    assert sorted(by_sid["PullImages"]["Resource"]) == sorted(
        [
            "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
            f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/legacy-batch-inference",
            f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/wine",
        ]
    )
    # nothing outside the module's prefix: no other data grants
    assert not [sid for sid in by_sid if sid.startswith(("ReadData", "WriteOutputs", "ListData"))]


def test_models_outside_the_bucket_get_exactly_their_data(fx):
    plan = fx.plan(
        batch_inference_models={
            "iris": model(input_uri="s3://data-lake/iris/2024/", output_uri="s3://scores/iris/"),
            "wine": model(input_uri="s3://data-lake/wine/"),
        }
    )
    by_sid = policy(plan, SAGEMAKER_POLICY)
    # outputs are read back too (a later step reads what an earlier one wrote)
    assert sorted(by_sid["ReadData"]["Resource"]) == [
        "arn:aws:s3:::data-lake/iris/2024/*",
        "arn:aws:s3:::data-lake/wine/*",
        "arn:aws:s3:::scores/iris/*",
    ]
    assert by_sid["WriteOutputs"]["Resource"] == ["arn:aws:s3:::scores/iris/*"]
    listings = {
        (st["Resource"][0], st["Condition"]["StringLike"]["s3:prefix"][0])
        for sid, st in by_sid.items()
        if sid.startswith("ListData")
    }
    assert listings == {
        ("arn:aws:s3:::data-lake", "iris/2024/*"),
        ("arn:aws:s3:::data-lake", "wine/*"),
        ("arn:aws:s3:::scores", "iris/*"),
    }
    # the policy of the created role (its name is known only once the role exists)
    assert h.one(plan, "batch_inference[0].module.iam.aws_iam_role.sagemaker[0]")["name"] == "legacy-bi-sagemaker"


def test_many_data_locations_and_repositories_are_granted_by_bucket_and_account(fx):
    many = {
        f"m{i:02d}": model(
            input_uri=f"s3://data-lake/m{i:02d}/",
            image_tag=None,
            image_uri=f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/m{i:02d}:v1",
        )
        for i in range(25)
    }
    plan = fx.plan(batch_inference_models=many)
    data = policy(plan, SAGEMAKER_POLICY)
    assert data["ReadData"]["Resource"] == ["arn:aws:s3:::data-lake/*"]
    pulls = policy(plan, "batch_inference[0].module.iam.aws_iam_role_policy.sagemaker[0]")["PullImages"]["Resource"]
    assert f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/*" in pulls
    assert len(pulls) == 3  # the account's repositories here, the created one, SageMaker's scikit-learn
    for doc in h.policies(plan).values():
        assert len(json.dumps(doc, separators=(",", ":"))) < 10240


def test_own_sagemaker_role_is_used_and_not_created(fx):
    own = f"arn:aws:iam::{ACCOUNT}:role/team-batch"
    plan = fx.plan(
        batch_inference_models={"iris": model(input_uri="s3://data-lake/iris/")},
        batch_inference_create_sagemaker_role=False,
        batch_inference_sagemaker_role_arn=own,
    )
    assert h.counts_by_type(plan)["aws_iam_role"] == 2  # the state machine's and the schedule's
    assert not [a for a in h.policies(plan) if a.endswith("aws_iam_role_policy.sagemaker[0]")]
    assert _jobs(plan)["RunInference"]["Parameters"]["RoleArn"] == own
    by_sid = policy(plan, "batch_inference[0].module.iam.aws_iam_role_policy.state_machine[0]")
    assert by_sid["PassSageMakerRole"]["Resource"] == [own]


# ---------------------------------------------------------------------------------------------------------------------
# KMS and alerts
# ---------------------------------------------------------------------------------------------------------------------
def test_without_a_customer_managed_key_the_alerts_use_the_modules_key(plan1):
    """EventBridge cannot publish to a topic under alias/aws/sns: the module's own key makes the alerts work."""
    assert len([a for a in h.resources(plan1) if "_alerts[0].aws_cloudwatch_event" in a]) == 4  # 2 rules, 2 targets
    key = h.one(plan1, "aws_kms_key.this[0]")
    assert key["enable_key_rotation"] is True
    by_sid = {st["Sid"]: st for st in h.statements(json.loads(key["policy"]))}
    assert by_sid["ServicesEncryptForTheTopic"]["Principal"] == {"Service": "events.amazonaws.com"}
    assert "alias/aws/sns" not in json.dumps(h.one(plan1, "aws_sns_topic.this"))


def test_kms_key_encrypts_jobs_scripts_and_manifests(plan_kms):
    for job in _jobs(plan_kms).values():
        assert job["Parameters"]["ProcessingOutputConfig"]["KmsKeyId"] == KMS
    item = manifest(plan_kms)[0]
    for step in [*item["preprocess"], item["inference"], item["postprocess"]]:
        assert step["processing_resources"]["ClusterConfig"]["VolumeKmsKeyId"] == KMS
    for address, obj in h.of_type(plan_kms, "aws_s3_bucket_object").items():
        assert obj["kms_key_id"] == KMS and obj["server_side_encryption"] == "aws:kms", address
        if "aws_s3_bucket_object.code[" in address:
            # with SSE-KMS the ETag is no MD5: the content hash in the metadata detects changes
            assert "etag" not in obj or obj["etag"] is None
            assert set(obj["metadata"]) == {"content-sha256"}
    # the run's one-item manifest names the key (the bucket policy refuses an upload that does not)
    write = asl(plan_kms)["States"]["WriteModelManifest"]["Parameters"]
    assert (write["ServerSideEncryption"], write["SSEKMSKeyId"]) == ("aws:kms", KMS)


def test_alerts_on_failed_jobs_and_executions_with_a_customer_managed_key(plan_kms):
    rules = {v["name"]: v for v in h.of_type(plan_kms, "aws_cloudwatch_event_rule").values() if v["event_pattern"]}
    assert sorted(rules) == ["legacy-bi-execution-failed", "legacy-bi-processing-job-failed"]
    jobs = json.loads(rules["legacy-bi-processing-job-failed"]["event_pattern"])
    assert jobs == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Processing Job State Change"],
        "detail": {"ProcessingJobStatus": ["Failed", "Stopped"], "ProcessingJobName": [{"prefix": "legacy-bi-"}]},
    }
    executions = json.loads(rules["legacy-bi-execution-failed"]["event_pattern"])
    machine = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{MACHINE}"
    assert executions["detail-type"] == ["Step Functions Execution Status Change"]
    assert executions["detail"]["stateMachineArn"] == [machine, {"prefix": f"{machine}/"}]
    pattern = rules["legacy-bi-execution-failed"]["event_pattern"]
    child = f"{machine}/RunModels:0c6f0a5e-2a2c-4b1d-9c38-5f1b0f6bd2a1"

    def alerted(status: str, error: object = None, arn: str = machine) -> bool:
        return h.pattern_matches(pattern, h.execution_event(arn, status, error))

    for arn in (machine, child):
        assert alerted("TIMED_OUT", arn=arn) and alerted("ABORTED", arn=arn)
        assert alerted("FAILED", "States.Runtime", arn) and alerted("FAILED", "absent", arn)
        for unnotified in ("BatchInferenceFailedUnnotified", "ModelsFailedUnnotified", "ModelFailedUnnotified"):
            assert alerted("FAILED", unnotified, arn), unnotified
        # Failures the workflow notified itself are not notified twice; successes and starts are not failures.
        for notified in ("BatchInferenceFailed", "ModelsFailed", "ModelFailed"):
            assert not alerted("FAILED", notified, arn), notified
        assert not alerted("SUCCEEDED", arn=arn) and not alerted("RUNNING", arn=arn)
    assert not alerted("FAILED", "States.Runtime", machine + "-other")
    targets = [
        v
        for a, v in h.of_type(plan_kms, "aws_cloudwatch_event_target").items()
        if "_alerts[0].aws_cloudwatch_event" in a
    ]
    assert len(targets) == 2
    for t in targets:
        assert t["arn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:legacy-notifications"
        (transformer,) = t["input_transformer"]
        assert transformer["input_template"].startswith('"[legacy] ')
    # (the topic policy that lets events.amazonaws.com publish names the topic's ARN, known after apply: the apply
    # test checks it). The topic is under the module's own key (create_notifications_kms_key), not kms_key_arn.
    assert h.one(plan_kms, "aws_sns_topic.this").get("kms_master_key_id") in (None, "")


# ---------------------------------------------------------------------------------------------------------------------
# Refused inputs
# ---------------------------------------------------------------------------------------------------------------------
def refusal(fx, **tf_vars) -> str:
    """Terraform's message for refused inputs, on one line (it wraps messages at 80 columns)."""
    # a check's message comes quoted ("cannot convert \"...\" to bool"): its inner quotes are escaped
    return re.sub(r"\s+", " ", fx.plan_error(**tf_vars).replace("\\n", "\n").replace('\\"', '"'))


@pytest.mark.parametrize(
    ("batch_inference_models", "fields", "allowed"),
    [
        ({"iris": {"scripts_path": str(SCRIPTS)}}, ["image_uri", "image_tag"], "exactly one of"),
        ({"iris": model(image_uri=f"{REPOSITORY}:v1")}, ["image_uri", "image_tag"], "exactly one of"),
        ({"iris": model(image_tag=None, image_uri="python:3.11")}, ["image_uri"], "ECR image URI"),
        ({"iris": model(instance_type="m5.large")}, ["instance_type"], "SageMaker instance type"),
        ({"iris": model(inference_instance_type="ml.m5")}, ["inference_instance_type"], "SageMaker instance type"),
        ({"iris": model(volume_size_gb=0)}, ["volume_size_gb"], "from 1 to 16384"),
        ({"iris": model(inference_volume_size_gb=16385)}, ["inference_volume_size_gb"], "from 1 to 16384"),
        ({"iris": model(volume_size_gb=2.5)}, ["volume_size_gb"], "whole number"),
        ({"iris": model(max_runtime_seconds=0)}, ["max_runtime_seconds"], "from 1 to 777600"),
        ({"iris": model(postprocess_max_runtime_seconds=777601)}, ["postprocess_max_runtime_seconds"], "777600"),
        ({"iris_v2": model()}, ["key of batch_inference_models"], "letters, digits and hyphens"),
        ({"-iris": model()}, ["key of batch_inference_models"], "starting and ending with a letter or digit"),
        ({"i" * 64: model()}, ["key of batch_inference_models"], "1-63"),
        ({"a" * 24: model(schedule_expression="rate(1 hour)")}, ["schedule_expression"], "at most 23 characters"),
        ({"iris": model(instance_typ="ml.m5.large")}, ["may only set"], "typo"),
        ({"iris": model(preprocess_scripts=["clean.py"])}, ["scripts_path", "preprocess_scripts"], "must exist"),
        ({"iris": {"image_tag": "v1"}}, ["scripts_path", "code_uri"], "exactly one of scripts_path"),
        ({"iris": model(code_uri="s3://ml-code/iris/")}, ["scripts_path", "code_uri"], "exactly one of scripts_path"),
        ({"iris": {"image_tag": "v1", "code_uri": "s3://ml-code/iris"}}, ["code_uri"], 'ending with "/"'),
        ({"iris": model(preprocess_scripts=[])}, ["preprocess_scripts"], "1-10 scripts"),
        ({"iris": model(postprocess_script="../postprocess.py")}, ["postprocess_script"], 'without ".."'),
        ({"iris": model(output_uri="s3://scores/iris")}, ["output_uri"], 'ending with "/"'),
        ({"iris": model(input_uri="/data/iris.csv")}, ["input_uri"], "S3 URI"),
        ({"iris": model(schedule_expression="every hour")}, ["schedule_expression"], "rate(1 hour)"),
        ({"iris": model(enabled="sometimes")}, ["enabled"], "true or false"),
        ({"iris": model(environment={"SFN_ML_MODEL": "x"})}, ["environment"], "SFN_ML_"),
        (["iris"], ["batch_inference_models"], "map of model name => object"),
    ],
)
def test_bad_models_are_refused_at_plan_naming_the_field(fx, batch_inference_models, fields, allowed):
    message = refusal(fx, batch_inference_models=batch_inference_models)
    assert "batch_inference_models" in message, message
    for field in fields:
        assert field in message, message
    assert allowed in message, message


@pytest.mark.parametrize(
    ("tf_vars", "variable", "allowed"),
    [
        ({"batch_inference_max_concurrency": 0}, "batch_inference_max_concurrency", "from 1 to 10000"),
        ({"batch_inference_max_concurrency": 10001}, "batch_inference_max_concurrency", "from 1 to 10000"),
        (
            {"batch_inference_tolerated_failure_percentage": 101},
            "batch_inference_tolerated_failure_percentage",
            "from 0 to 100",
        ),
        ({"batch_inference_instance_type": "m5.large"}, "batch_inference_instance_type", "ml.m5.large"),
        ({"batch_inference_volume_size_gb": 0}, "batch_inference_volume_size_gb", "from 1 to 16384"),
        ({"batch_inference_max_runtime_seconds": 777601}, "batch_inference_max_runtime_seconds", "777600"),
        (
            {"batch_inference_schedule_expression": "daily"},
            "batch_inference_schedule_expression",
            "exactly one of day-of-month and day-of-week",
        ),
        (
            {"batch_inference_schedule_expression": "cron(0 2 * * * *)"},
            "batch_inference_schedule_expression",
            "set to ?",
        ),
        ({"batch_inference_sklearn_image_uri": "sklearn:1.2"}, "batch_inference_sklearn_image_uri", "ECR image URI"),
        ({"batch_inference_sagemaker_role_arn": "team-batch"}, "batch_inference_sagemaker_role_arn", "IAM role ARN"),
    ],
)
def test_bad_settings_are_refused_at_plan_naming_the_variable(fx, tf_vars, variable, allowed):
    message = refusal(fx, batch_inference_models={"iris": model()}, **tf_vars)
    assert f"The {variable} must" in message, message
    assert allowed in message, message


def test_redrive_policy_covers_the_batch_inference_executions(plan1):
    policy = json.loads(plan1.outputs["redrive_policy_json"])
    (statement,) = policy["Statement"]
    assert statement["Resource"] == "arn:aws:states:us-east-1:123456789012:execution:legacy-batch-inference:*"
