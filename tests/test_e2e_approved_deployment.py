"""The approved-deployment workflow, executed end to end on the local emulator, approved by a person's clicks.

examples/approved_deployment is applied against moto server with the emulator's extensions installed
(scripts/moto_extensions.py), without the image pipeline (``repository = null``: moto has no CodeStar connections, and
the pipeline's only job is to start the state machine with a commit id and an image URI, which the tests do).
The input check and the approval request Lambdas run their real code from the deployed package; training and the
batch transform of the test set run the scikit-learn stand-ins on the data in the emulated S3.

The approval goes the way a person's would: the approval mail (SNS, read through an SQS queue) holds the signed
links; each link is opened and its confirmation page's form submitted through scripts/http_api.py, which plays
API Gateway: it resolves the deployed HTTP API's route and integration, checks the function's invoke permission and
invokes the deployed responder function with a payload format 2.0 event. Outcomes are asserted from the execution
history, the emulated resources (endpoint, endpoint configs, the DynamoDB record) and the SNS messages.

The module refuses approved_deployment_approval_timeout_seconds below 300 (a validation), so the expiry test runs a
copy of the deployed definition whose approval wait is 3 seconds, the only values Terraform would render differently.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from scripts import http_api
from scripts import moto_extensions as mx
from scripts.mailbox import Mailbox
from tests import e2e_support as e2e
from tests import tfharness

# One worker runs the whole module (one apply) under `pytest -n N --dist loadgroup`.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e_approved_deployment")]

EXAMPLE = tfharness.REPO / "examples" / "approved_deployment"
NAME_PREFIX = "ade2e"
SHORT_TIMEOUT = 3
COMMITS = {
    "approved": "3f2a1b9c0d1e4f5a6b7c8d9e0f1a2b3c4d5e6f7a",
    "rejected": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
    "expired": "0123456789abcdef0123456789abcdef01234567",
}

# Test-only arguments of the module call: poll the endpoint every second (the example keeps the defaults).
MODULE_OVERRIDE = """# Written by tests/test_e2e_approved_deployment.py: fast polling on the emulator.
module "ml_workflows" {
  approved_deployment_endpoint_poll_seconds         = 1
  approved_deployment_endpoint_wait_timeout_seconds = 60
}
"""
# This module's runs use a customer managed key created in the same apply (the demo runs the example without one):
# the bucket then refuses uploads that do not name it, and every role (jobs, endpoint, Lambda functions, state
# machine) reads and writes through it.
KMS_OVERRIDE = MODULE_OVERRIDE.replace(
    'module "ml_workflows" {\n', 'module "ml_workflows" {\n  kms_key_arn = aws_kms_key.e2e.arn\n'
)


def features_only(csv: str) -> str:
    """The test set the approver looks at: the rows without their label (the first column)."""
    return "".join(line.split(",", 1)[1] + "\n" for line in csv.splitlines())


class Workflow:
    def __init__(self, emulator: Any, outputs: dict[str, Any], mailbox: Mailbox) -> None:
        self.outputs = outputs
        self.sfn = emulator.client("stepfunctions")
        self.sagemaker = emulator.client("sagemaker")
        self.s3 = emulator.client("s3")
        self.dynamodb = emulator.client("dynamodb")
        self.mailbox = mailbox
        self.browser = http_api.Browser(http_api.HttpApi(emulator.client("apigatewayv2"), emulator.client("lambda")))
        self.endpoint = outputs["endpoint_name"]
        self.table = f"{NAME_PREFIX}-cd-approvals"

    def upload_data(self) -> None:
        bucket, prefix = self.outputs["data_uri"][len("s3://") :].split("/", 1)
        data = {
            "train/train.csv": e2e.iris_like_csv(150, 1),
            "validation/validation.csv": e2e.iris_like_csv(60, 2, 3),
            "test/test.csv": features_only(e2e.iris_like_csv(30, 3)),
        }
        key_arn = self.outputs.get("e2e_kms_key_arn")  # with the module's key, uploads must name it
        for key, body in data.items():
            encryption = e2e.sse_kms(key_arn) if key_arn else {}
            self.s3.put_object(Bucket=bucket, Key=f"{prefix}data/{key}", Body=body, **encryption)

    def start(self, commit: str, state_machine_arn: str | None = None) -> str:
        # What the pipeline's Step Functions action sends: the commit and the image CodeBuild pushed for it.
        execution_input = {"commit_id": commit, "image_uri": f"{self.outputs['ecr_repository_url']}:{commit}"}
        return self.sfn.start_execution(
            stateMachineArn=state_machine_arn or self.outputs["state_machine_arn"], input=json.dumps(execution_input)
        )["executionArn"]

    def approval_mail(self, execution_arn: str) -> dict[str, str]:
        [mail] = self.mailbox.about(execution_arn, subject="approve deployment of commit", timeout=60)
        assert mail.topic_arn == self.outputs["approvals_topic_arn"]
        return http_api.approval_links(mail.text)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        return self.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]

    def record(self, link: str) -> dict[str, str]:
        token = dict(parse_qsl(urlsplit(link).query))["token"]
        item = self.dynamodb.get_item(
            TableName=self.table, Key={"request_id": {"S": hashlib.sha256(token.encode()).hexdigest()}}
        )["Item"]
        return {k: next(iter(v.values())) for k, v in item.items()}

    def endpoint_lock(self) -> dict[str, Any]:
        """The endpoint's lock item in the module's one lock table (no "Item" when nobody holds it)."""
        return self.dynamodb.get_item(
            TableName=f"{NAME_PREFIX}-endpoint-locks", Key={"lock_key": {"S": self.endpoint}}, ConsistentRead=True
        )

    def endpoint_configs(self) -> set[str]:
        configs = self.sagemaker.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]
        return {c["EndpointConfigName"] for c in configs}

    def own_configs(self) -> set[str]:
        """The endpoint configs of the workflow's name shape."""
        pages = self.sagemaker.get_paginator("list_endpoint_configs").paginate(NameContains=f"{NAME_PREFIX}-ad-")
        return {c["EndpointConfigName"] for page in pages for c in page["EndpointConfigs"]}

    def own_models(self) -> set[str]:
        pages = self.sagemaker.get_paginator("list_models").paginate(NameContains=f"{NAME_PREFIX}-ad-")
        return {m["ModelName"] for page in pages for m in page["Models"]}

    def config_model(self, name: str) -> str:
        return self.sagemaker.describe_endpoint_config(EndpointConfigName=name)["ProductionVariants"][0]["ModelName"]

    def approve(self, execution_arn: str, name: str = "alice@example.com") -> Any:
        links = self.approval_mail(execution_arn)
        self.browser.submit(self.browser.open(links["approve"]), links["approve"], name=name)
        return e2e.wait(self.sfn, execution_arn, timeout=90)

    def config_tags(self, name: str) -> dict[str, str]:
        arn = self.sagemaker.describe_endpoint_config(EndpointConfigName=name)["EndpointConfigArn"]
        return {t["Key"]: t["Value"] for t in self.sagemaker.list_tags(ResourceArn=arn)["Tags"]}

    def still_waiting(self, execution_arn: str, events_before: int) -> None:
        """The execution is still waiting for the decision, and nothing happened to it."""
        time.sleep(0.5)  # anything a request set off would show by now
        events = self.history(execution_arn)
        assert self.sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"
        assert len(events) == events_before
        assert events[-1]["type"] in ("TaskSubmitted", "TaskStarted")
        assert e2e.wait_states(self.sfn, execution_arn)[-1] == "RequestApproval"


def candidate_model(events: list[dict[str, Any]]) -> str:
    """The model an execution created (CreateModel's result), from its history."""
    [created] = e2e.Execution("", "", None, None, None, events).task_outputs("CreateModel")
    return created["ModelArn"].rsplit("/", 1)[1]


def tampered(link: str, **changes: str) -> str:
    parts = urlsplit(link)
    fields = dict(parse_qsl(parts.query))
    fields.update(changes)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(fields)}"


def build(name_prefix: str) -> Any:
    """build() of e2e.workflow_fixture for examples/approved_deployment: the Workflow, its mailbox subscribed to the
    approvals and notifications topics, the data uploaded (tests/test_e2e_rollout_approved.py uses it too)."""

    def make(emulator: Any, outputs: dict[str, Any]) -> Workflow:
        topics = [outputs["approvals_topic_arn"], outputs["notifications_topic_arn"]]
        mailbox = Mailbox(emulator.client("sqs"), emulator.client("sns"), topics, f"{name_prefix}-mailbox")
        flow = Workflow(emulator, outputs, mailbox)
        flow.table = f"{name_prefix}-cd-approvals"
        flow.upload_data()
        return flow

    return make


# No pipeline (repository = null): the tests start the state machine as the pipeline would.
workflow = e2e.workflow_fixture(
    EXAMPLE,
    NAME_PREFIX,
    KMS_OVERRIDE,
    build(NAME_PREFIX),
    {"repository": None},
    files={"zz_e2e_kms.tf": e2e.KMS_KEY_TF},
    endpoint_transition_seconds=2,
)


@pytest.fixture(scope="module")
def approved(workflow) -> SimpleNamespace:
    """Commit A: the approver opens the Approve link (GET), looks, then presses the page's button (POST)."""
    arn = workflow.start(COMMITS["approved"])
    links = workflow.approval_mail(arn)
    waiting = len(workflow.history(arn))
    page = workflow.browser.open(links["approve"])
    after_get = SimpleNamespace(events=len(workflow.history(arn)), record=workflow.record(links["approve"]))
    workflow.still_waiting(arn, waiting)
    decision = workflow.browser.submit(
        page, links["approve"], name="alice@example.com", comment="predictions look right"
    )
    return SimpleNamespace(
        arn=arn,
        links=links,
        waiting=waiting,
        page=page,
        after_get=after_get,
        decision=decision,
        run=e2e.wait(workflow.sfn, arn, timeout=60),
    )


def test_approval_mail_holds_signed_links(workflow, approved):
    links = approved.links
    assert set(links) == {"approve", "reject"}
    for action, link in links.items():
        parts = urlsplit(link)
        assert f"https://{parts.netloc}" == workflow.outputs["approval_api_endpoint"]
        assert parts.path == "/approval"
        fields = dict(parse_qsl(parts.query))
        assert set(fields) == {"action", "expires", "token", "signature"} and fields["action"] == action
    record = approved.after_get.record
    assert record["commit_id"] == COMMITS["approved"]
    # The links expire when the waiting task times out: the example waits a day.
    assert int(record["expires_at"]) - time.time() == pytest.approx(86400, abs=120)


def test_opening_the_link_shows_a_confirmation_page_and_changes_nothing(workflow, approved):
    page = approved.page
    assert page.status == 200 and page.route_key == "GET /approval"
    assert page.function.endswith(f":function:{NAME_PREFIX}-cd-approval-responder")
    assert page.title == "Approve this deployment?"
    assert "Nothing has been decided yet." in page.text
    assert COMMITS["approved"] in page.text
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    form = http_api.form_of(page, approved.links["approve"])
    assert form.method == "POST" and {"action", "expires", "token", "signature", "name", "comment"} <= set(form.fields)
    # Nothing happened: the record is pending and the execution went on waiting.
    assert approved.after_get.record["status"] == "pending"
    assert approved.after_get.events == approved.waiting


def test_the_confirmed_approval_deploys(workflow, approved):
    decision, run = approved.decision, approved.run
    assert decision.status == 200 and decision.route_key == "POST /approval"
    assert decision.title == "Approved"
    assert "Approved by alice@example.com" in decision.text

    assert run.status == "SUCCEEDED", (run.error, run.cause, run.states_entered())
    path = run.states_entered()
    assert path[:15] == [
        "ValidateInput",
        "PrepareRun",
        "CheckEndpoint",  # no endpoint yet: training may go on, the endpoint will be created
        "CheckEndpointNotFound",
        "EndpointChecked",
        "Train",
        "CreateModel",
        "ScoreTestSet",
        "RequestApproval",
        "RecordDeployment",
        "AcquireEndpointLock",  # the endpoint's lock (the one the retraining takes): free
        "CreateEndpointConfig",
        "LookUpEndpoint",
        "LookUpEndpointNotFound",
        "CreateEndpoint",  # the first approved commit creates the endpoint
    ]
    assert "DescribeEndpoint" in path
    assert path[-5:] == ["EndpointReady", "NotifyDeployed", "ApplyRetention", "ReleaseLockBeforeDeployed", "Deployed"]
    out = run.output
    assert out["retention"]["status"] == "applied" and out["retention"]["kept_configs"][0] == out["endpoint_config"]
    assert out["status"] == "deployed" and out["commit_id"] == COMMITS["approved"]
    assert out["approval"]["decision"] == "approved"
    assert out["approval"]["decided_by"] == "alice@example.com"
    assert out["approval"]["comment"] == "predictions look right"
    assert out["approval"]["source_ip"] == http_api.DEFAULT_SOURCE_IP

    endpoint = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == out["endpoint_config"]
    tags = workflow.config_tags(out["endpoint_config"])
    assert tags["sfn-ml:approved-by"] == "alice@example.com"
    assert tags["sfn-ml:commit"] == COMMITS["approved"]
    assert re.fullmatch(f"{NAME_PREFIX}-ad-[0-9a-f]{{32}}", out["model"]), out["model"]

    # The approver looked at real predictions: one line per test row, from the trained model.
    bucket, prefix = out["transform_output"][len("s3://") :].split("/", 1)
    predictions = workflow.s3.get_object(Bucket=bucket, Key=f"{prefix}test.csv.out")["Body"].read().decode()
    assert predictions.split() == [str(i % 3) for i in range(30)]

    record = workflow.record(approved.links["approve"])
    assert record["status"] == "approved" and record["decided_by"] == "alice@example.com"
    [note] = workflow.mailbox.about(run.arn.rsplit(":", 1)[1], subject="new model deployed")
    assert note.subject == f"[{NAME_PREFIX}] approved deployment: new model deployed"
    assert f"Commit {COMMITS['approved']} is serving on endpoint {workflow.endpoint}" in note.text
    assert "Approved by alice@example.com" in note.text


def test_every_object_of_the_deployed_run_is_under_the_key(workflow, approved):
    """Training output, batch test output, model data: SageMaker wrote each under the jobs' KmsKeyId, which the
    bucket policy requires (the emulator refuses an upload that does not name the key)."""
    key_arn = workflow.outputs["e2e_kms_key_arn"]
    assert approved.run.status == "SUCCEEDED", approved.run.explain()
    bucket = workflow.outputs["data_uri"][len("s3://") :].split("/", 1)[0]
    listed = workflow.s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert any(o["Key"].endswith("model.tar.gz") for o in listed)
    for item in listed:
        assert workflow.s3.head_object(Bucket=bucket, Key=item["Key"]).get("SSEKMSKeyId") == key_arn, item["Key"]


def test_a_replayed_link_changes_nothing(workflow, approved):
    events, endpoint = (
        len(workflow.history(approved.arn)),
        workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint),
    )
    replay = workflow.browser.submit(approved.page, approved.links["approve"], name="mallory@example.com")
    assert replay.status == 409 and replay.title == "This request was already decided"
    assert "approved by alice@example.com" in replay.text and "nothing was changed" in replay.text
    # The other link of the same request is spent too.
    other = workflow.browser.open(approved.links["reject"])
    assert other.status == 409 and other.title == "This request was already decided"

    assert len(workflow.history(approved.arn)) == events
    assert workflow.record(approved.links["approve"])["decided_by"] == "alice@example.com"
    now = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)
    assert (now["EndpointConfigName"], now["LastModifiedTime"]) == (
        endpoint["EndpointConfigName"],
        endpoint["LastModifiedTime"],
    )


@pytest.fixture(scope="module")
def rejected(workflow, approved) -> SimpleNamespace:
    """Commit B, while commit A serves: forged links first, then the approver rejects it."""
    configs = workflow.endpoint_configs()
    arn = workflow.start(COMMITS["rejected"])
    links = workflow.approval_mail(arn)
    waiting = len(workflow.history(arn))
    fields = dict(parse_qsl(urlsplit(links["reject"]).query))
    forged = {
        "reject link turned into approve": workflow.browser.open(tampered(links["reject"], action="approve")),
        "expiry moved": workflow.browser.open(tampered(links["approve"], expires=str(int(fields["expires"]) + 3600))),
        "signature altered": workflow.browser.open(
            tampered(links["approve"], signature=fields["signature"][:-2] + "AA")
        ),
        "another token": workflow.browser.open(tampered(links["approve"], token=fields["token"][:-4] + "0000")),
        "forged form post": workflow.browser.post_form(
            links["approve"].split("?")[0], {**fields, "action": "approve", "name": "mallory@example.com"}
        ),
    }
    after_forged = workflow.record(links["reject"])
    workflow.still_waiting(arn, waiting)
    page = workflow.browser.open(links["reject"])
    decision = workflow.browser.submit(page, links["reject"], name="bob@example.com", comment="recall too low")
    return SimpleNamespace(
        arn=arn,
        links=links,
        configs_before=configs,
        forged=forged,
        after_forged=after_forged,
        page=page,
        decision=decision,
        run=e2e.wait(workflow.sfn, arn, timeout=60),
    )


def test_tampered_links_change_nothing(workflow, rejected):
    for what, response in rejected.forged.items():
        assert response.status == 403, what
        assert response.title == "This link is not valid", what
        assert "Nothing was changed." in response.text, what
    assert rejected.after_forged["status"] == "pending"


def test_the_confirmed_rejection_is_caught_notified_and_fails(workflow, approved, rejected):
    assert rejected.page.status == 200 and rejected.page.title == "Reject this deployment?"
    assert rejected.decision.status == 200 and rejected.decision.title == "Rejected"

    run = rejected.run
    assert run.status == "FAILED"
    assert run.error == "ApprovalRejected"
    assert json.loads(run.cause)["decided_by"] == "bob@example.com"
    assert run.states_entered()[-4:] == [
        "RequestApproval",
        "DiscardRejectedCandidate",
        "NotifyRejected",
        "ApprovalRejected",
    ]
    [failure] = run.task_failures()
    assert failure["error"] == "ApprovalRejected"
    assert json.loads(failure["cause"])["comment"] == "recall too low"

    # Nothing deployed: no endpoint config, and the endpoint still serves commit A.
    assert workflow.endpoint_configs() == rejected.configs_before
    endpoint = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == approved.run.output["endpoint_config"]

    assert workflow.record(rejected.links["reject"])["status"] == "rejected"
    [note] = workflow.mailbox.about(run.arn.rsplit(":", 1)[1], subject="candidate rejected")
    assert note.subject == f"[{NAME_PREFIX}] approved deployment: candidate rejected"
    assert f"Commit {COMMITS['rejected']} was not deployed: the approver rejected it." in note.text
    assert "bob@example.com" in note.text and "recall too low" in note.text
    # Never deployed: its model is deleted, and the notice says so.
    model = candidate_model(run.events)
    assert model not in workflow.own_models()
    assert f"Its model {model}: " in note.text and '"status":"discarded"' in note.text.replace(" ", "")


def test_approving_after_the_rejection_changes_nothing(workflow, rejected):
    page = workflow.browser.open(rejected.links["approve"])
    assert page.status == 409
    late = workflow.browser.post_form(
        rejected.links["approve"].split("?")[0],
        {**dict(parse_qsl(urlsplit(rejected.links["approve"]).query)), "name": "carol@example.com"},
    )
    assert late.status == 409 and "rejected by bob@example.com" in late.text
    assert workflow.record(rejected.links["approve"])["decided_by"] == "bob@example.com"


@pytest.fixture(scope="module")
def expired(workflow, rejected) -> SimpleNamespace:
    """Commit C on a copy of the machine whose approval waits SHORT_TIMEOUT seconds: nobody decides in time."""
    machine = workflow.sfn.describe_state_machine(stateMachineArn=workflow.outputs["state_machine_arn"])
    definition = json.loads(machine["definition"])
    wait = definition["States"]["RequestApproval"]
    days = wait["TimeoutSeconds"]
    wait["TimeoutSeconds"] = SHORT_TIMEOUT
    wait["Parameters"]["Payload"]["timeout_seconds"] = SHORT_TIMEOUT
    text = json.dumps(definition).replace(f"within {days} seconds", f"within {SHORT_TIMEOUT} seconds")
    short = workflow.sfn.create_state_machine(
        name=f"{NAME_PREFIX}-approved-deployment-short-wait", definition=text, roleArn=machine["roleArn"]
    )["stateMachineArn"]
    try:
        configs = workflow.endpoint_configs()
        arn = workflow.start(COMMITS["expired"], short)
        links = workflow.approval_mail(arn)
        run = e2e.wait(workflow.sfn, arn, timeout=60)
        return SimpleNamespace(
            links=links,
            run=run,
            configs_before=configs,
            page=workflow.browser.open(links["approve"]),
            post=workflow.browser.post_form(
                links["approve"].split("?")[0],
                {**dict(parse_qsl(urlsplit(links["approve"]).query)), "name": "late@example.com"},
            ),
        )
    finally:
        workflow.sfn.delete_state_machine(stateMachineArn=short)


def test_an_unanswered_approval_expires(workflow, approved, expired):
    run = expired.run
    assert run.status == "FAILED"
    assert run.error == "ApprovalExpired"
    assert (
        run.cause
        == f"Nobody approved or rejected the candidate within {SHORT_TIMEOUT} seconds; its approval links have expired."
    )
    assert run.states_entered()[-4:] == [
        "RequestApproval",
        "DiscardExpiredCandidate",
        "NotifyExpired",
        "ApprovalExpired",
    ]
    assert candidate_model(run.events) not in workflow.own_models()  # never deployed: deleted
    timed_out = [e for e in run.events if e["type"] == "TaskTimedOut"]
    assert [e["taskTimedOutEventDetails"]["error"] for e in timed_out] == ["States.Timeout"]

    [note] = workflow.mailbox.about(run.arn.rsplit(":", 1)[1], subject="approval expired")
    assert note.subject == f"[{NAME_PREFIX}] approved deployment: approval expired"
    assert f"Commit {COMMITS['expired']} was not deployed: nobody approved it within {SHORT_TIMEOUT} seconds" in (
        note.text
    )
    assert workflow.endpoint_configs() == expired.configs_before
    endpoint = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)
    assert endpoint["EndpointConfigName"] == approved.run.output["endpoint_config"]


def test_an_expired_link_changes_nothing(workflow, expired):
    for response in (expired.page, expired.post):
        assert response.status == 410 and response.title == "This link has expired"
        assert "Nothing was changed." in response.text
    assert workflow.record(expired.links["approve"])["status"] == "pending"


def test_a_failed_endpoint_is_notified_before_any_training(workflow, approved):
    """A Failed endpoint can only be deleted (DescribeEndpoint reference): nothing is trained or mailed for approval."""
    jobs = {j["TrainingJobName"] for j in workflow.sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]}
    mx.set_endpoint_status(workflow.endpoint, "Failed")
    try:
        run = e2e.wait(workflow.sfn, workflow.start(COMMITS["expired"]), timeout=60)
    finally:
        mx.set_endpoint_status(workflow.endpoint, "InService")

    assert run.status == "FAILED" and run.error == "ApprovedDeploymentFailed"
    assert run.states_entered() == [
        "ValidateInput",
        "PrepareRun",
        "CheckEndpoint",
        "EndpointCanTakeUpdate",
        "EndpointCannotTakeUpdate",
        "NotifyFailure",
        "IsCandidateLeftBehind",  # no model yet: nothing to discard
        "ReleaseLockBeforeFailed",  # it holds no lock: the conditional delete changes nothing
        "Failed",
    ]
    assert "Item" not in workflow.endpoint_lock()
    after = {
        j["TrainingJobName"] for j in workflow.sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]
    }
    assert after == jobs
    [note] = workflow.mailbox.about(run.arn.rsplit(":", 1)[1], subject="run failed")
    assert f"Endpoint {workflow.endpoint} is Failed: it cannot take an update" in note.text


def test_an_older_commit_approved_later_does_not_replace_a_newer_one(workflow, approved):
    """Commit O is built (its run starts) before commit N; N is approved first and deploys; O, approved later, is
    refused and notified, and N keeps serving (RecordDeployment orders deployments by the run's start)."""
    older_commit = "1" * 40
    newer_commit = "2" * 40
    older = workflow.start(older_commit)
    older_links = workflow.approval_mail(older)
    newer = workflow.start(newer_commit)
    newer_links = workflow.approval_mail(newer)
    page = workflow.browser.open(newer_links["approve"])
    workflow.browser.submit(page, newer_links["approve"], name="alice@example.com", comment="newer first")
    newer_run = e2e.wait(workflow.sfn, newer, timeout=60)
    assert newer_run.status == "SUCCEEDED" and newer_run.output["status"] == "deployed", (
        newer_run.states_entered(),
        newer_run.task_failures(),
    )
    serving = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)["EndpointConfigName"]

    page = workflow.browser.open(older_links["approve"])
    workflow.browser.submit(page, older_links["approve"], name="bob@example.com", comment="older, late")
    older_run = e2e.wait(workflow.sfn, older, timeout=60)

    assert older_run.status == "SUCCEEDED", (older_run.error, older_run.cause)
    assert older_run.states_entered()[-5:] == [
        "RequestApproval",
        "RecordDeployment",
        "DiscardSupersededCandidate",
        "NotifySuperseded",
        "Superseded",
    ]
    assert older_run.output["discard"] == {"status": "discarded", "deleted_models": [candidate_model(older_run.events)]}
    assert candidate_model(older_run.events) not in workflow.own_models()
    assert older_run.output["status"] == "superseded" and older_run.output["commit_id"] == older_commit
    assert [f["error"] for f in older_run.task_failures()] == ["DynamoDB.ConditionalCheckFailedException"]
    endpoint = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)
    assert endpoint["EndpointConfigName"] == serving
    assert workflow.config_tags(serving)["sfn-ml:commit"] == newer_commit
    [note] = workflow.mailbox.about(older.rsplit(":", 1)[1], subject="superseded by a newer commit")
    assert f"Commit {older_commit} was approved but not deployed to {workflow.endpoint}" in note.text


def test_the_deployment_waits_for_the_endpoint_lock_then_takes_it(workflow, approved):
    """The endpoint's lock is the retraining's too: while a running execution holds it, the approved commit waits (it
    does not touch the endpoint), and deploys once the holder has released it; it releases the lock when done.
    The holder here is another execution of this workflow, still waiting for its approver (a running execution that
    its role may describe, as it may the retraining's)."""
    holder = workflow.start("3" * 40)
    workflow.approval_mail(holder)
    workflow.dynamodb.put_item(
        TableName=f"{NAME_PREFIX}-endpoint-locks",
        Item={"lock_key": {"S": workflow.endpoint}, "holder": {"S": holder}},
    )
    waiting = workflow.start("4" * 40)
    links = workflow.approval_mail(waiting)
    configs_before = workflow.endpoint_configs()
    page = workflow.browser.open(links["approve"])
    workflow.browser.submit(page, links["approve"], name="alice@example.com", comment="waits its turn")
    deadline = time.monotonic() + 60
    while e2e.wait_states(workflow.sfn, waiting).count("WaitForEndpointLock") < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "CreateEndpointConfig" not in e2e.wait_states(workflow.sfn, waiting)
    assert workflow.endpoint_configs() == configs_before  # nothing touched while the lock is held
    assert workflow.endpoint_lock()["Item"]["holder"]["S"] == holder

    workflow.dynamodb.delete_item(TableName=f"{NAME_PREFIX}-endpoint-locks", Key={"lock_key": {"S": workflow.endpoint}})
    run = e2e.wait(workflow.sfn, waiting, timeout=90)

    assert run.status == "SUCCEEDED" and run.output["status"] == "deployed", run.explain()
    path = run.states_entered()
    first_lock = path.index("AcquireEndpointLock")
    assert path[first_lock : first_lock + 6] == [
        "AcquireEndpointLock",
        "ReadEndpointLock",
        "IsEndpointLockHeld",
        "DescribeEndpointLockHolder",
        "IsEndpointLockHolderRunning",
        "CountLockPoll",
    ]
    assert path[-2:] == ["ReleaseLockBeforeDeployed", "Deployed"]
    assert "Item" not in workflow.endpoint_lock()
    serving = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)["EndpointConfigName"]
    assert workflow.config_tags(serving)["sfn-ml:commit"] == "4" * 40

    # A lock left by an execution that has ended (here: one that no longer exists) is taken over.
    gone = holder.rsplit(":", 1)[0] + ":gone"
    workflow.dynamodb.put_item(
        TableName=f"{NAME_PREFIX}-endpoint-locks",
        Item={"lock_key": {"S": workflow.endpoint}, "holder": {"S": gone}},
    )
    later = workflow.start("5" * 40)
    links = workflow.approval_mail(later)
    workflow.browser.submit(workflow.browser.open(links["approve"]), links["approve"], name="bob@example.com")
    taken = e2e.wait(workflow.sfn, later, timeout=90)
    assert taken.status == "SUCCEEDED" and taken.output["status"] == "deployed", (taken.error, taken.cause)
    assert "TakeOverEndpointLock" in taken.states_entered() and "WaitForEndpointLock" not in taken.states_entered()
    assert "Item" not in workflow.endpoint_lock()

    # The stand-in holder, approved last, was built before both: superseded before it reaches the lock.
    links = workflow.approval_mail(holder)
    workflow.browser.submit(workflow.browser.open(links["approve"]), links["approve"], name="carol@example.com")
    assert e2e.wait(workflow.sfn, holder, timeout=90).output["status"] == "superseded"


def test_retention_keeps_the_serving_config_and_the_previous_ones_and_discards_rejected_candidates(workflow):
    """Five approved deployments in a row: afterwards exactly the serving config and the 3 newest previous ones
    (approved_deployment_retain_previous_models' default) remain of the workflow's, with their models. A config and a
    model of the workflow's name shape without its tag are never touched. A candidate waiting for its approver
    meanwhile keeps its model (no config names it yet, it may still be deployed); rejected, its model is gone."""
    retain = 3
    foreign_model, foreign_config = (f"{NAME_PREFIX}-ad-{i * 32}" for i in ("a", "b"))
    account = workflow.outputs["state_machine_arn"].split(":")[4]
    workflow.sagemaker.create_model(
        ModelName=foreign_model,
        ExecutionRoleArn=f"arn:aws:iam::{account}:role/someone-else",
        PrimaryContainer={"Image": f"{workflow.outputs['ecr_repository_url']}:manual"},
    )
    workflow.sagemaker.create_endpoint_config(
        EndpointConfigName=foreign_config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": foreign_model,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    try:
        pending = workflow.start("6" * 40)
        pending_links = workflow.approval_mail(pending)
        waiting_model = candidate_model(workflow.history(pending))
        deployed = []
        for i in range(retain + 2):
            run = workflow.approve(workflow.start(f"{7 + i:x}" * 40))
            assert run.status == "SUCCEEDED" and run.output["status"] == "deployed", run.explain()
            assert run.output["retention"]["status"] == "applied", run.output["retention"]
            deployed.append(run.output["endpoint_config"])
        kept = deployed[-(retain + 1) :]
        serving = workflow.sagemaker.describe_endpoint(EndpointName=workflow.endpoint)["EndpointConfigName"]
        assert serving == deployed[-1]
        # Exactly the serving config and the retain newest previous ones, newest first, and the untagged one.
        assert run.output["retention"]["kept_configs"] == kept[::-1]
        assert workflow.own_configs() == {*kept, foreign_config}
        kept_models = {workflow.config_model(c) for c in kept}
        # The waiting candidate's model stays: no config names it, and it may still be approved.
        assert workflow.own_models() == {*kept_models, foreign_model, waiting_model}
        assert foreign_config in run.output["retention"]["ignored"]

        page = workflow.browser.open(pending_links["reject"])
        workflow.browser.submit(page, pending_links["reject"], name="bob@example.com", comment="not this one")
        rejected = e2e.wait(workflow.sfn, pending, timeout=60)
        assert rejected.status == "FAILED" and rejected.error == "ApprovalRejected"
        assert "DiscardRejectedCandidate" in rejected.states_entered()
        assert workflow.own_models() == {*kept_models, foreign_model}  # the rejected candidate's model is gone
        assert workflow.own_configs() == {*kept, foreign_config}
    finally:
        workflow.sagemaker.delete_endpoint_config(EndpointConfigName=foreign_config)
        workflow.sagemaker.delete_model(ModelName=foreign_model)


def test_a_run_whose_batch_test_fails_is_notified_and_discards_its_model(workflow, approved):
    """CreateTransformJob refused (a deterministic error): the run fails after CreateModel and before any endpoint
    config, notifies, then deletes the model it created (DiscardFailedCandidate); nothing else goes."""
    models_before, configs_before = workflow.own_models(), workflow.own_configs()
    fault = mx.inject_fault("sagemaker", "CreateTransformJob", code="ValidationException", message="bad test set")
    try:
        run = e2e.wait(workflow.sfn, workflow.start("b" * 40), timeout=120)
    finally:
        fault.remove()

    assert run.status == "FAILED" and run.error == "ApprovedDeploymentFailed", run.explain()
    entered = run.states_entered()
    assert entered[entered.index("CreateModel") :] == [
        "CreateModel",
        "ScoreTestSet",
        "ScoreTestSetIsTransient",
        "NotifyFailure",
        "IsCandidateLeftBehind",
        "DiscardFailedCandidate",
        "ReleaseLockBeforeFailed",
        "Failed",
    ], run.explain()
    model = candidate_model(run.events)
    [discarded] = run.task_outputs("DiscardFailedCandidate")
    assert discarded["Payload"] == {"status": "discarded", "deleted_models": [model]}
    assert workflow.own_models() == models_before  # its model is gone, every other one stays
    assert model not in workflow.own_models()
    assert workflow.own_configs() == configs_before
    [note] = workflow.mailbox.about(run.arn.rsplit(":", 1)[1], subject="run failed")
    assert "bad test set" in note.text
