"""Platform submodules used alone, applied to the local emulator with their defaults: no default may fail to apply."""

from __future__ import annotations

import json

import pytest

from tests import tfharness as h

pytestmark = pytest.mark.apply


def test_platform_modules_alone_with_their_defaults_apply(emulator, tmp_path):
    fixture = h.Fixture(h.FIXTURES / "platform_defaults", tmp_path, provider=None)
    emulator.write_override(fixture.dir)
    fixture.tf.setup(cleanup_on_exit=False)
    tf_vars = {
        "package_path": str(h.REPO / "lambda_src" / "packages" / "retraining.zip"),
        "lambda_runtime": "python3.8",
    }
    fixture.apply(**tf_vars)
    try:
        roles = fixture.output()["roles"]
        iam = emulator.client("iam")
        for kind, arn in roles.items():
            name = arn.rsplit("/", 1)[1]
            policies = iam.list_role_policies(RoleName=name)["PolicyNames"]
            assert policies, f"the {kind} role has no policy"
            for policy in policies:
                document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                document = json.loads(document) if isinstance(document, str) else document
                # Every statement names what it applies to (AWS refuses a statement without Resource).
                assert all(s.get("Resource") for s in document["Statement"]), (kind, document)
    finally:
        fixture.destroy(**tf_vars)
