"""Plan tests of private networking (#10 section 4) across the three workflows, through the root module: the rendered
ASL of every SageMaker job and model state with and without a VPC (and the isolation and encryption switches), the
network-interface statements of the SageMaker and Lambda roles, the functions' vpc_config, the inputs refused at plan,
and subnets and security groups created in the same plan (IDs unknown, lengths known)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests import tfharness as h

pytestmark = pytest.mark.plan

SCRIPTS = h.REPO / "examples" / "legacy_batch_inference" / "model"
BATCH_MODELS = {"iris": {"scripts_path": str(SCRIPTS), "image_tag": "iris-v1"}}
MACHINES = {"net-churn-retraining", "net-batch-inference", "net-approved-deployment"}
SUBNETS = ["subnet-0123456789abcdef0", "subnet-12345678"]
SECURITY_GROUPS = ["sg-0123456789abcdef0"]
LAMBDA_SUBNETS = ["subnet-aaaaaaaa"]
LAMBDA_SECURITY_GROUPS = ["sg-bbbbbbbb", "sg-cccccccc"]
NETWORK_FIELDS = {"VpcConfig", "NetworkConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"}
VPC_CONFIG = {"Subnets": SUBNETS, "SecurityGroupIds": SECURITY_GROUPS}
ENIS = "arn:aws:ec2:us-east-1:123456789012:network-interface/*"
# The ec2 actions with no resource types (Describe*) or an optional one (DeleteNetworkInterfacePermission) in the
# Service Authorization Reference: the only ec2 actions a policy may allow on "*".
EC2_STAR_ACTIONS = {
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DeleteNetworkInterfacePermission",
}
# The SageMaker execution roles (one per workflow here) and the Lambda roles (retraining: functions, retention;
# approved deployment: workflow functions, responder, inference API, retention).
SAGEMAKER_ROLES = {"net-churn-rt-sagemaker", "net-bi-sagemaker", "net-cd-sagemaker"}


def vpc(**extra):
    return {"sagemaker_subnet_ids": SUBNETS, "sagemaker_security_group_ids": SECURITY_GROUPS, **extra}


def lambda_vpc():
    return {"lambda_subnet_ids": LAMBDA_SUBNETS, "lambda_security_group_ids": LAMBDA_SECURITY_GROUPS}


@pytest.fixture(scope="module")
def fx(tf_fixture):
    return tf_fixture("private_networking")


@pytest.fixture(scope="module")
def plan_default(planned):
    return planned("private_networking", batch_inference_models=BATCH_MODELS)


@pytest.fixture(scope="module")
def plan_vpc(planned):
    return planned(
        "private_networking",
        batch_inference_models=BATCH_MODELS,
        **vpc(sagemaker_enable_network_isolation=True, sagemaker_enable_inter_container_traffic_encryption=True),
        **lambda_vpc(),
    )


def sagemaker_tasks(plan) -> dict[tuple[str, str], dict]:
    """Every Task state that creates a SageMaker job, model, endpoint config or endpoint, by (machine, state name),
    Map iterators included: {"integration": <createX>, "parameters": ...}."""
    out = {}

    def walk(machine, states):
        for name, s in states.items():
            if s.get("Type") == "Task" and ":::sagemaker:create" in s.get("Resource", ""):
                integration = s["Resource"].split(":::sagemaker:")[1].removesuffix(".sync")
                out[(machine, name)] = {"integration": integration, "parameters": s["Parameters"]}
            for key in ("Iterator", "ItemProcessor"):
                if key in s:
                    walk(machine, s[key]["States"])
            for branch in s.get("Branches", []):
                walk(machine, branch["States"])

    for machine, definition in h.definitions(plan).items():
        walk(machine, definition["States"])
    return out


def by_integration(tasks) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set] = {}
    for key, t in tasks.items():
        out.setdefault(t["integration"], set()).add(key)
    return out


def role_policies(plan) -> dict[str, dict[str, dict]]:
    """Inline policies by role name, then by policy name (parsed). A policy of modules/iam names its role by the
    role's id, unknown at plan: its role is the module's aws_iam_role of the same purpose."""
    roles = {a: v["name"] for a, v in h.of_type(plan, "aws_iam_role").items()}
    purpose = {
        "sagemaker": "sagemaker",
        "sagemaker_vpc": "sagemaker",
        "lambda": "lambda",
        "lambda_vpc": "lambda",
        "state_machine": "state_machine",
    }
    parsed = h.policies(plan)
    out: dict[str, dict] = {}
    for address, values in h.of_type(plan, "aws_iam_role_policy").items():
        rc = plan.resource_changes[address]
        if address not in parsed:
            continue  # known only at apply (the schedule's, which names its queue): no role of this change
        role = values.get("role")
        if role is None and rc["name"] not in purpose:
            role = address  # another module's role, by its policy's address
        elif role is None:
            module = address.rsplit(".aws_iam_role_policy.", 1)[0]
            role = roles[f"{module}.aws_iam_role.{purpose[rc['name']]}[0]"]
        out.setdefault(role, {})[values["name"]] = parsed[address]
    return out


def lambda_roles(plan) -> set[str]:
    return {v["name"] for a, v in h.of_type(plan, "aws_iam_role").items() if a.endswith(".aws_iam_role.lambda[0]")}


# ---------------------------------------------------------------------------------------------------------------------
# Without a VPC: nothing of it anywhere.
# ---------------------------------------------------------------------------------------------------------------------
def test_without_vpc_no_state_has_network_fields(plan_default):
    tasks = sagemaker_tasks(plan_default)
    assert {m for m, _ in tasks} == MACHINES
    kinds = by_integration(tasks)
    # The states the VPC settings go to exist (so the absence below means something).
    assert {"createTrainingJob", "createModel", "createProcessingJob", "createTransformJob"} <= set(kinds)
    for key, t in tasks.items():
        assert not NETWORK_FIELDS & set(t["parameters"]), key


def test_without_vpc_no_ec2_permission_and_no_function_in_a_vpc(plan_default):
    for role, docs in role_policies(plan_default).items():
        assert "sagemaker-vpc" not in docs and "lambda-vpc" not in docs, role
        for doc in docs.values():
            for s in h.statements(doc):
                assert not any(a.startswith("ec2:") for a in s["Action"]), (role, s)
    functions = h.of_type(plan_default, "aws_lambda_function")
    assert len(functions) == 9
    for address, f in functions.items():
        assert f["vpc_config"] == [], address


# ---------------------------------------------------------------------------------------------------------------------
# With a VPC: every job and model state, exactly the given IDs.
# ---------------------------------------------------------------------------------------------------------------------
def test_with_vpc_every_job_and_model_state_runs_in_the_vpc(plan_vpc):
    tasks = sagemaker_tasks(plan_vpc)
    kinds = by_integration(tasks)
    assert len(kinds["createTrainingJob"]) == 2  # retraining, approved deployment
    assert len(kinds["createModel"]) == 2
    assert len(kinds["createProcessingJob"]) == 3  # preprocess, inference, postprocess
    for key in kinds["createTrainingJob"]:
        p = tasks[key]["parameters"]
        assert p["VpcConfig"] == VPC_CONFIG, key
        assert p["EnableNetworkIsolation"] is True, key
        assert p["EnableInterContainerTrafficEncryption"] is True, key
        assert "NetworkConfig" not in p, key
    for key in kinds["createModel"]:
        p = tasks[key]["parameters"]
        assert p["VpcConfig"] == VPC_CONFIG, key
        assert p["EnableNetworkIsolation"] is True, key
        # CreateModel has no inter-container encryption field.
        assert "EnableInterContainerTrafficEncryption" not in p, key
    for key in kinds["createProcessingJob"]:
        p = tasks[key]["parameters"]
        assert p["NetworkConfig"] == {
            "VpcConfig": VPC_CONFIG,
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
        }, key
        assert not {"VpcConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"} & set(p), key
    # CreateTransformJob, CreateEndpointConfig and CreateEndpoint have no network fields: the transform and the
    # endpoint run in the model's VPC.
    for kind in ("createTransformJob", "createEndpointConfig", "createEndpoint"):
        for key in kinds[kind]:
            assert not NETWORK_FIELDS & set(tasks[key]["parameters"]), key


def test_definitions_with_vpc_pass_asl_validator(plan_vpc, tmp_path):
    for name, definition in h.definitions(plan_vpc).items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(definition))
        run = subprocess.run([str(h.ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, name + run.stdout + run.stderr


def test_vpc_alone_sets_only_vpc_config(fx):
    plan = fx.plan(batch_inference_models=BATCH_MODELS, **vpc())
    tasks = sagemaker_tasks(plan)
    kinds = by_integration(tasks)
    for kind in ("createTrainingJob", "createModel"):
        for key in kinds[kind]:
            assert NETWORK_FIELDS & set(tasks[key]["parameters"]) == {"VpcConfig"}, key
            assert tasks[key]["parameters"]["VpcConfig"] == VPC_CONFIG
    for key in kinds["createProcessingJob"]:
        assert tasks[key]["parameters"]["NetworkConfig"] == {"VpcConfig": VPC_CONFIG}, key
    # No Lambda subnets: the functions stay out of the VPC and their roles get nothing.
    for address, f in h.of_type(plan, "aws_lambda_function").items():
        assert f["vpc_config"] == [], address
    assert not any("lambda-vpc" in docs for docs in role_policies(plan).values())


def test_isolation_without_vpc(fx):
    plan = fx.plan(batch_inference_models=BATCH_MODELS, sagemaker_enable_network_isolation=True)
    tasks = sagemaker_tasks(plan)
    kinds = by_integration(tasks)
    for kind in ("createTrainingJob", "createModel"):
        for key in kinds[kind]:
            assert NETWORK_FIELDS & set(tasks[key]["parameters"]) == {"EnableNetworkIsolation"}, key
    for key in kinds["createProcessingJob"]:
        assert tasks[key]["parameters"]["NetworkConfig"] == {"EnableNetworkIsolation": True}, key
    # No VPC, no network-interface permissions.
    assert not any("sagemaker-vpc" in docs for docs in role_policies(plan).values())


def test_sagemaker_roles_get_the_network_interface_statements(plan_vpc):
    policies = role_policies(plan_vpc)
    with_vpc = {role for role, docs in policies.items() if "sagemaker-vpc" in docs}
    assert with_vpc == SAGEMAKER_ROLES
    subnet_arns = {f"arn:aws:ec2:us-east-1:*:subnet/{s}" for s in SUBNETS}
    sg_arns = {f"arn:aws:ec2:us-east-1:*:security-group/{g}" for g in SECURITY_GROUPS}
    for role in SAGEMAKER_ROLES:
        stmts = {s["Sid"]: s for s in h.statements(policies[role]["sagemaker-vpc"])}
        assert set(stmts) == {
            "CreateNetworkInterfacesInTheSubnets",
            "ManageNetworkInterfacesInTheSubnets",
            "DescribeNetworkAndDeletePermissions",
        }
        create = stmts["CreateNetworkInterfacesInTheSubnets"]
        assert create["Action"] == ["ec2:CreateNetworkInterface"]
        assert set(create["Resource"]) == {ENIS} | subnet_arns | sg_arns
        assert "Condition" not in create
        manage = stmts["ManageNetworkInterfacesInTheSubnets"]
        assert set(manage["Action"]) == {"ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"}
        assert manage["Resource"] == [ENIS]
        assert set(manage["Condition"]["ArnLike"]["ec2:Subnet"]) == subnet_arns
        star = stmts["DescribeNetworkAndDeletePermissions"]
        assert star["Resource"] == ["*"] and set(star["Action"]) == EC2_STAR_ACTIONS
        # The subnet pattern matches the given subnets of any owner account (shared VPCs) and no other subnet.
        for s in SUBNETS:
            assert any(h.iam_match(p, f"arn:aws:ec2:us-east-1:210987654321:subnet/{s}") for p in subnet_arns)
        assert not any(h.iam_match(p, "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-99999999") for p in subnet_arns)
        # The rest of the SageMaker role is as without a VPC: no ec2 action elsewhere.
        for name, doc in policies[role].items():
            if name != "sagemaker-vpc":
                assert not any(a.startswith("ec2:") for s in h.statements(doc) for a in s["Action"]), (role, name)
    # Only SageMaker roles: the state machines' roles call SageMaker, not EC2.
    for role, docs in policies.items():
        if role not in SAGEMAKER_ROLES and "lambda-vpc" not in docs:
            assert not any(a.startswith("ec2:") for d in docs.values() for s in h.statements(d) for a in s["Action"])


def test_functions_in_the_vpc_and_their_roles_may_manage_their_interfaces(plan_vpc):
    policies = role_policies(plan_vpc)
    functions = h.of_type(plan_vpc, "aws_lambda_function")
    assert len(functions) == 9
    for address, f in functions.items():
        assert f["vpc_config"] == [{"subnet_ids": LAMBDA_SUBNETS, "security_group_ids": LAMBDA_SECURITY_GROUPS}], (
            address
        )
    # Every role the functions run as (retraining: functions, retention; approved deployment: workflow functions,
    # responder, inference API, retention) has the network-interface policy.
    function_roles = lambda_roles(plan_vpc)
    assert len(function_roles) == 6
    assert function_roles == {role for role, docs in policies.items() if "lambda-vpc" in docs}
    resources = {ENIS, "arn:aws:ec2:us-east-1:*:subnet/subnet-aaaaaaaa"} | {
        f"arn:aws:ec2:us-east-1:*:security-group/{g}" for g in LAMBDA_SECURITY_GROUPS
    }
    for role in function_roles:
        stmts = {s["Sid"]: s for s in h.statements(policies[role]["lambda-vpc"])}
        assert stmts["CreateNetworkInterfacesInTheSubnets"]["Action"] == ["ec2:CreateNetworkInterface"]
        assert set(stmts["CreateNetworkInterfacesInTheSubnets"]["Resource"]) == resources
        assert set(stmts["ManageNetworkInterfaces"]["Action"]) == {
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
        }
        assert stmts["ManageNetworkInterfaces"]["Resource"] == [ENIS]
        assert set(stmts["DescribeNetwork"]["Action"]) == {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
        assert stmts["DescribeNetwork"]["Resource"] == ["*"]
        # The actions of the managed policy AWSLambdaVPCAccessExecutionRole, besides logs.
        assert {a for s in stmts.values() for a in s["Action"]} == {
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
        }


def test_functions_wait_for_their_network_interface_permissions(fx):
    """Lambda refuses a function in a VPC whose role cannot create network interfaces: every function depends on its
    role's lambda-vpc policy (through the role ARN output of modules/iam or an explicit depends_on)."""
    text = (h.REPO / "modules" / "iam" / "outputs.tf").read_text()
    block = text.split('output "lambda_role_arn"', 1)[1].split("\n}\n", 1)[0]
    assert "depends_on = [aws_iam_role_policy.lambda_vpc]" in block


# ---------------------------------------------------------------------------------------------------------------------
# Inputs refused at plan, naming the variable.
# ---------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tf_vars", "message"),
    [
        (vpc(sagemaker_subnet_ids=["subnet-123"]), "The sagemaker_subnet_ids must be subnet IDs"),
        (vpc(sagemaker_subnet_ids=["subnet-0123456789ABCDEF0"]), "The sagemaker_subnet_ids must be subnet IDs"),
        (vpc(sagemaker_subnet_ids=["sg-12345678"]), "The sagemaker_subnet_ids must be subnet IDs"),
        (
            vpc(sagemaker_subnet_ids=[f"subnet-{i:08x}" for i in range(17)]),
            "The sagemaker_subnet_ids may hold at most 16 subnets",
        ),
        (
            vpc(sagemaker_security_group_ids=["sg-xyz12345"]),
            "The sagemaker_security_group_ids must be security group IDs",
        ),
        (
            vpc(sagemaker_security_group_ids=[f"sg-{i:08x}" for i in range(6)]),
            "The sagemaker_security_group_ids may hold at most 5 security groups",
        ),
        (
            {"sagemaker_subnet_ids": SUBNETS},
            "The sagemaker_subnet_ids and sagemaker_security_group_ids must be given together (both or neither)",
        ),
        (
            {"sagemaker_security_group_ids": SECURITY_GROUPS},
            "The sagemaker_subnet_ids and sagemaker_security_group_ids must be given together (both or neither)",
        ),
        (
            {"lambda_subnet_ids": ["subnet-1"], "lambda_security_group_ids": ["sg-12345678"]},
            "The lambda_subnet_ids must be subnet IDs",
        ),
        (
            {"lambda_subnet_ids": LAMBDA_SUBNETS, "lambda_security_group_ids": [f"sg-{i:08x}" for i in range(6)]},
            "The lambda_security_group_ids may hold at most 5 security groups",
        ),
        (
            {"lambda_subnet_ids": LAMBDA_SUBNETS},
            "The lambda_subnet_ids and lambda_security_group_ids must be given together (both or neither)",
        ),
    ],
)
def test_refuses_bad_network_inputs(fx, tf_vars, message):
    assert message in fx.plan_error(**tf_vars)


# ---------------------------------------------------------------------------------------------------------------------
# Subnets and a security group created in the same plan: IDs unknown, the lists' lengths known.
# ---------------------------------------------------------------------------------------------------------------------
def test_subnets_created_in_the_same_plan(tf_fixture):
    plan = tf_fixture("private_networking_unknown").plan(batch_inference_models=BATCH_MODELS)
    counts = h.counts_by_type(plan)
    assert counts["aws_subnet"] == 2 and counts["aws_security_group"] == 1
    assert counts["aws_sfn_state_machine"] == 3
    vpc_policies = {
        a: rc
        for a, rc in plan.resource_changes.items()
        if rc["type"] == "aws_iam_role_policy" and rc["name"] in ("sagemaker_vpc", "lambda_vpc")
    }
    # Planned from the lists' lengths: one per SageMaker role, one per Lambda role; their documents hold the IDs
    # and so are known only at apply.
    assert sorted(rc["name"] for rc in vpc_policies.values()) == ["lambda_vpc"] * 6 + ["sagemaker_vpc"] * 3
    for address, rc in vpc_policies.items():
        assert rc["change"]["actions"] == ["create"], address
        assert rc["change"]["after_unknown"].get("policy") is True, address
    functions = {a: rc for a, rc in plan.resource_changes.items() if rc["type"] == "aws_lambda_function"}
    assert len(functions) == 9
    for address, rc in functions.items():
        assert rc["change"]["after_unknown"]["vpc_config"] == [
            {"subnet_ids": True, "security_group_ids": True, "vpc_id": True}
        ], address
    # The definitions hold the IDs: known once the subnets exist (as with an image URI of the caller's own).
    with pytest.raises(AssertionError, match="not known at plan time"):
        h.definitions(plan)


# ---------------------------------------------------------------------------------------------------------------------
# The submodules alone: each takes the inputs itself and refuses bad ones, naming its own variable.
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sub(tf_fixture):
    return tf_fixture("private_networking_submodules")


def test_submodules_alone_with_a_vpc(sub):
    plan = sub.plan(batch_models=BATCH_MODELS, **vpc(), **lambda_vpc())
    tasks = sagemaker_tasks(plan)
    assert {m for m, _ in tasks} == {"sub-churn-retraining", "sub-batch-inference", "sub-approved-deployment"}
    kinds = by_integration(tasks)
    for kind in ("createTrainingJob", "createModel"):
        assert {m for m, _ in kinds[kind]} == {"sub-churn-retraining", "sub-approved-deployment"}
        for key in kinds[kind]:
            assert tasks[key]["parameters"]["VpcConfig"] == VPC_CONFIG, key
    for key in kinds["createProcessingJob"]:
        assert tasks[key]["parameters"]["NetworkConfig"] == {"VpcConfig": VPC_CONFIG}, key
    policies = role_policies(plan)
    assert {r for r, d in policies.items() if "sagemaker-vpc" in d} == {
        "sub-churn-rt-sagemaker",
        "sub-bi-sagemaker",
        "sub-cd-sagemaker",
    }
    assert {r for r, d in policies.items() if "lambda-vpc" in d} == lambda_roles(plan)
    for address, f in h.of_type(plan, "aws_lambda_function").items():
        assert f["vpc_config"] == [{"subnet_ids": LAMBDA_SUBNETS, "security_group_ids": LAMBDA_SECURITY_GROUPS}], (
            address
        )


@pytest.mark.parametrize(
    ("tf_vars", "message", "modules"),
    [
        (
            vpc(sagemaker_subnet_ids=["subnet-xyz"]),
            "The sagemaker_subnet_ids must be subnet IDs",
            ["retraining", "batch_inference", "approved_deployment"],
        ),
        (
            vpc(sagemaker_security_group_ids=[f"sg-{i:08x}" for i in range(6)]),
            "The sagemaker_security_group_ids may hold at most 5 security groups",
            ["retraining", "batch_inference", "approved_deployment"],
        ),
        (
            {"lambda_subnet_ids": [f"subnet-{i:08x}" for i in range(17)], "lambda_security_group_ids": ["sg-12345678"]},
            "The lambda_subnet_ids may hold at most 16 subnets",
            ["retraining", "approved_deployment"],
        ),
    ],
)
def test_submodules_refuse_bad_network_inputs(sub, tf_vars, message, modules):
    error = sub.plan_error(batch_models=BATCH_MODELS, **tf_vars)
    assert message in error
    for module in modules:
        assert f'in module "{module}"' in error, module


def test_submodules_check_subnets_and_security_groups_together(sub):
    error = sub.plan_error(batch_models=BATCH_MODELS, sagemaker_subnet_ids=SUBNETS)
    assert "The sagemaker_subnet_ids and sagemaker_security_group_ids must be given together (both or neither)" in error
    # Each submodule refuses it itself (its network.tf).
    for path in ("hourly_retraining/network.tf", "legacy_batch_inference/network.tf", "approved_deployment/network.tf"):
        assert f"modules/{path} line" in error, path
