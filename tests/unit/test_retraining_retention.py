"""retention.handler: which superseded models and endpoint configs are deleted, and every fail-closed refusal."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import retention
from retention import Listed, MalformedEvent, RetentionIncomplete, RetentionRefused

PREFIX = "acme-churn-rt-"
ENDPOINT = "acme-churn"
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
ARN = "arn:aws:sagemaker:us-east-1:123456789012"
TAG = {"sfn-ml:execution": "0123456789abcdef0123456789abcdef"}


def name(i: int, prefix: str = PREFIX) -> str:
    return f"{prefix}{i:032x}"


def listed(*indexes: int, prefix: str = PREFIX) -> list[Listed]:
    """Items created one hour apart, index i at hour i."""
    return [Listed(name(i, prefix), T0 + datetime.timedelta(hours=i)) for i in indexes]


# --- pure selection ---------------------------------------------------------------------------------------------


def test_keeps_serving_and_the_newest_previous_ones():
    selection = retention.select_configs(listed(3, 1, 5, 2, 4, 0), name(5), PREFIX, retain=3)
    assert selection.keep == [name(5), name(4), name(3), name(2)]
    assert selection.candidates == [name(0), name(1)]  # oldest first
    assert selection.newer_than_serving == []


def test_retain_zero_keeps_the_serving_one_alone():
    selection = retention.select_configs(listed(0, 1, 2), name(2), PREFIX, retain=0)
    assert selection.keep == [name(2)]
    assert selection.candidates == [name(0), name(1)]


def test_fewer_than_retain_deletes_nothing():
    selection = retention.select_configs(listed(0, 1), name(1), PREFIX, retain=3)
    assert selection.keep == [name(1), name(0)] and selection.candidates == []


def test_foreign_names_are_never_candidates():
    foreign = [
        Listed("acme-churn-rt-manual", T0),  # not 32 hex digits
        Listed(name(1, "acme-churn-rt-x"), T0),  # a longer prefix
        Listed(name(1, "acme-churnx-rt-"), T0),  # another model whose key starts alike
        Listed(name(1).upper(), T0),  # SageMaker names are case sensitive; ours are lower case
        Listed(name(1) + "0", T0),
    ]
    selection = retention.select_configs(listed(0, 1, 2) + foreign, name(2), PREFIX, retain=0)
    assert selection.candidates == [name(0), name(1)]


def test_a_config_newer_than_the_serving_one_is_reported():
    selection = retention.select_configs(listed(0, 1, 2), name(1), PREFIX, retain=0)
    assert selection.newer_than_serving == [name(2)]


def test_serving_config_not_of_the_workflow_gives_no_selection():
    selection = retention.select_configs(listed(0, 1), "someone-elses-config", PREFIX, retain=0)
    assert selection.keep == [] and selection.candidates == []


def test_equal_creation_times_are_ordered_by_name():
    same = [Listed(name(i), T0) for i in (2, 0, 1)]
    assert retention.select_configs(same, name(2), PREFIX, retain=1).candidates == [name(0)]


def test_models_named_by_a_remaining_config_are_kept():
    candidates = retention.select_models([*listed(0, 1, 2, 3), Listed("acme-churn-rt-manual", T0)], {name(3)}, PREFIX)
    assert candidates == [name(0), name(1), name(2)]


@pytest.mark.parametrize(
    ("tags", "owned"),
    [
        (TAG, True),
        ({}, False),
        ({"sfn-ml:execution": "not-a-hash"}, False),
        ({"sfn-ml:execution": "0123456789ABCDEF0123456789ABCDEF"}, False),
        ({"other": "0123456789abcdef0123456789abcdef"}, False),
    ],
)
def test_only_the_workflows_tag_makes_it_owned(tags, owned):
    assert retention.is_workflow_tagged(tags) is owned


def test_config_models_reads_production_and_shadow_variants():
    description = {
        "ProductionVariants": [{"VariantName": "a", "ModelName": "m1"}],
        "ShadowProductionVariants": [{"VariantName": "b", "ModelName": "m2"}],
    }
    assert retention.config_models(description) == {"m1", "m2"}


# --- events -------------------------------------------------------------------------------------------------------


def event(**overrides: Any) -> dict[str, Any]:
    return {
        "endpoint_name": ENDPOINT,
        "endpoint_config": name(5),
        "name_prefix": PREFIX,
        "retain_previous": 1,
        **overrides,
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"retain_previous": -1},
        {"retain_previous": 101},
        {"retain_previous": True},
        {"retain_previous": 1.5},
        {"name_prefix": "acme-churn"},
        {"name_prefix": "Acme-churn-rt-"},
        {"name_prefix": ""},
        {"endpoint_config": "bad_name"},
        {"endpoint_name": None},
        {"prune_models": "all"},
        {"name_prefix": "acme-xx-"},
    ],
)
def test_malformed_events_are_refused(bad):
    with pytest.raises(MalformedEvent):
        retention.parse_event(event(**bad))


# --- the handler on a fake SageMaker ------------------------------------------------------------------------------


class FakeSageMaker:
    """Just the calls the function makes, over an in-memory account; pages of two items."""

    def __init__(self, configs: dict[str, tuple[int, str, dict]], models: dict[str, tuple[int, dict]], serving: str):
        # configs: name -> (hour, model, tags); models: name -> (hour, tags)
        self.configs, self.models, self.serving = configs, models, serving
        self.status = "InService"
        self.calls: list[tuple[str, str]] = []
        self.fail: dict[tuple[str, str], Exception] = {}

    def _call(self, op: str, arg: str) -> None:
        self.calls.append((op, arg))
        if (op, arg) in self.fail:
            raise self.fail[(op, arg)]

    def describe_endpoint(self, EndpointName):
        self._call("describe_endpoint", EndpointName)
        return {
            "EndpointName": EndpointName,
            "EndpointArn": f"{ARN}:endpoint/{EndpointName}",
            "EndpointStatus": self.status,
            "EndpointConfigName": self.serving,
        }

    def describe_model(self, ModelName):
        self._call("describe_model", ModelName)
        if ModelName not in self.models:
            raise RuntimeError(f"Could not find model {ModelName}")
        return {"ModelName": ModelName, "ModelArn": f"{ARN}:model/{ModelName}"}

    def describe_endpoint_config(self, EndpointConfigName):
        self._call("describe_endpoint_config", EndpointConfigName)
        return {"ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": self.configs[EndpointConfigName][1]}]}

    def delete_endpoint_config(self, EndpointConfigName):
        self._call("delete_endpoint_config", EndpointConfigName)
        del self.configs[EndpointConfigName]

    def delete_model(self, ModelName):
        self._call("delete_model", ModelName)
        del self.models[ModelName]

    def get_paginator(self, op: str):
        fake = self

        class Paginator:
            def paginate(self, **kwargs):
                fake._call(op, kwargs.get("NameContains") or kwargs.get("ResourceArn"))
                if op == "list_tags":
                    kind, item = kwargs["ResourceArn"].split(":")[-1].split("/")
                    tags = (fake.configs[item][2] if kind == "endpoint-config" else fake.models[item][1]).items()
                    yield {"Tags": [{"Key": k, "Value": v} for k, v in tags]}
                    return
                source, key, field = {
                    "list_endpoint_configs": (fake.configs, "EndpointConfigs", "EndpointConfigName"),
                    "list_models": (fake.models, "Models", "ModelName"),
                }[op]
                items = [
                    {field: n, "CreationTime": T0 + datetime.timedelta(hours=v[0])}
                    for n, v in source.items()
                    if kwargs["NameContains"] in n
                ]
                for i in range(0, max(len(items), 1), 2):
                    yield {key: items[i : i + 2]}

        return Paginator()


def account(runs: int = 6, serving: int = 5) -> FakeSageMaker:
    """``runs`` deployments: config i names model 100 + i; plus a foreign untagged config and model of our shape,
    an orphan model (its run failed before the config) and a model of another key."""
    configs = {name(i): (i, name(100 + i), TAG) for i in range(runs)}
    models = {name(100 + i): (i, TAG) for i in range(runs)}
    configs[name(50)] = (0, name(150), {})
    models[name(150)] = (0, {})
    models[name(200)] = (0, TAG)  # orphan
    models[name(1, "acme-churnx-rt-")] = (0, TAG)
    return FakeSageMaker(configs, models, serving=name(serving))


def test_deletes_superseded_configs_then_their_models():
    fake = account()
    result = retention.apply_retention(fake, retention.parse_event(event(retain_previous=1)))

    assert result.kept_configs == [name(5), name(4)]
    assert result.deleted_configs == [name(0), name(1), name(2), name(3)]
    assert result.deleted_models == [name(100), name(200), name(101), name(102), name(103)]
    assert sorted(fake.configs) == sorted([name(4), name(5), name(50)])  # the untagged one survives
    assert name(150) in fake.models and name(1, "acme-churnx-rt-") in fake.models
    assert set(result.kept_models) == {name(104), name(105), name(150)}
    assert result.ignored == [name(50)]  # of our shape and old enough, but without the workflow's tag
    deletes = [op for op, _ in fake.calls if op.startswith("delete")]
    assert deletes == ["delete_endpoint_config"] * 4 + ["delete_model"] * 5  # configs first


def test_untagged_candidates_are_ignored():
    fake = account()
    fake.models[name(151)] = (0, {})  # untagged, named by no config
    result = retention.apply_retention(fake, retention.parse_event(event(retain_previous=0)))
    assert result.ignored == [name(50), name(151)]
    # The untagged config survives, and so does the model it names.
    assert name(50) in fake.configs and name(150) in fake.models and name(151) in fake.models
    assert sorted(fake.configs) == sorted([name(5), name(50)])


def test_deletions_are_bounded_per_run(monkeypatch):
    monkeypatch.setattr(retention, "MAX_DELETIONS", 2)
    fake = account()
    result = retention.apply_retention(fake, retention.parse_event(event(retain_previous=0)))
    # Oldest first: name(0), the untagged name(50) (ignored, skipped), name(1); configs 2 to 4 wait.
    assert result.deleted_configs == [name(0), name(1)] and result.ignored == [name(50)]
    assert result.remaining_candidates == 3
    # While configs wait, no model is deleted (their models are not described in this run).
    assert result.deleted_models == []
    result = retention.apply_retention(fake, retention.parse_event(event(retain_previous=0)))
    assert result.deleted_configs == [name(2), name(3)]
    result = retention.apply_retention(fake, retention.parse_event(event(retain_previous=0)))
    assert result.deleted_configs == [name(4)] and result.remaining_candidates == 4  # 6 model candidates, 2 done
    assert result.deleted_models == [name(100), name(200)]
    # The models of the configs left beyond the batch are still named by them, so never deleted.
    for config in fake.configs.values():
        assert config[1] in fake.models


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda f: setattr(f, "status", "Updating"), "not InService"),
        (lambda f: setattr(f, "serving", name(4)), "not InService on"),
        (lambda f: f.configs.__setitem__(name(9), (9, name(109), TAG)), "newer than the serving"),
    ],
    ids=["endpoint-busy", "endpoint-on-another-config", "newer-config"],
)
def test_any_doubt_deletes_nothing(change, why):
    fake = account()
    change(fake)
    with pytest.raises(RetentionRefused, match=why):
        retention.apply_retention(fake, retention.parse_event(event()))
    assert not [op for op, _ in fake.calls if op.startswith("delete")]


def test_a_failing_description_deletes_nothing():
    fake = account()
    fake.fail[("describe_endpoint_config", name(4))] = RuntimeError("Rate exceeded")
    with pytest.raises(RetentionRefused, match="Rate exceeded"):
        retention.apply_retention(fake, retention.parse_event(event()))
    assert not [op for op, _ in fake.calls if op.startswith("delete")]


def test_a_failing_deletion_names_what_was_deleted():
    fake = account()
    fake.fail[("delete_endpoint_config", name(1))] = RuntimeError("boom")
    with pytest.raises(RetentionIncomplete, match=rf"deleting {name(1)} failed.*{name(0)}"):
        retention.apply_retention(fake, retention.parse_event(event()))
    assert not [op for op, _ in fake.calls if op == "delete_model"]


def test_handler_result_shape(monkeypatch):
    fake = account()
    monkeypatch.setitem(retention.__dict__, "sagemaker_client", lambda: fake)
    result = retention.handler(event(retain_previous=3))
    assert result["status"] == "applied"
    assert result["kept_configs"] == [name(5), name(4), name(3), name(2)]
    assert set(result) == {
        "status",
        "serving_config",
        "kept_configs",
        "kept_models",
        "deleted_configs",
        "deleted_models",
        "ignored",
        "remaining_candidates",
    }


# --- the approved deployment: models of deleted configs only, and discarded candidates ---------------------------

AD = "acme-ad-"


def test_approved_deployment_deletes_only_the_models_of_deleted_configs():
    """A model without a config may be a candidate still waiting for its approver: never taken for superseded."""
    fake = account()
    result = retention.apply_retention(
        fake, retention.parse_event(event(retain_previous=1, prune_models="of_deleted_configs"))
    )
    assert result.deleted_configs == [name(0), name(1), name(2), name(3)]
    assert result.deleted_models == [name(100), name(101), name(102), name(103)]
    assert name(200) in fake.models  # the model without a config stays
    assert name(150) in fake.models and name(50) in fake.configs  # untagged: never touched
    assert set(result.kept_models) == {name(104), name(105), name(150)}


def test_approved_deployment_keeps_a_model_a_remaining_config_still_names():
    fake = account()
    fake.configs[name(51)] = (0, name(104), {})  # an untagged config naming a deleted config's model
    fake.configs[name(0)] = (0, name(151), TAG)  # a deleted config naming an untagged model
    fake.models[name(151)] = (0, {})
    result = retention.apply_retention(
        fake, retention.parse_event(event(retain_previous=0, prune_models="of_deleted_configs"))
    )
    assert name(104) in fake.models and name(104) not in result.deleted_models  # name(51) still names it
    assert name(151) in fake.models and name(151) in result.ignored


def discard(model: str, execution: str = "run-1") -> dict[str, Any]:
    return {"action": "discard_candidate", "model_name": model, "execution_name": execution, "name_prefix": AD}


def test_a_discarded_candidate_is_deleted_only_by_the_execution_that_created_it(monkeypatch):
    mine = {"sfn-ml:execution": retention.execution_tag_value("run-1")}
    fake = FakeSageMaker({}, {name(1, AD): (0, mine), name(2, AD): (0, TAG), name(3, AD): (0, {})}, serving="x")
    monkeypatch.setitem(retention.__dict__, "sagemaker_client", lambda: fake)
    assert retention.handler(discard(name(1, AD))) == {"status": "discarded", "deleted_models": [name(1, AD)]}
    assert name(1, AD) not in fake.models
    for other in (name(2, AD), name(3, AD)):  # another execution's, or untagged
        with pytest.raises(RetentionRefused, match="does not carry this execution"):
            retention.handler(discard(other))
        assert other in fake.models
    with pytest.raises(RetentionRefused, match="Could not find model"):
        retention.handler(discard(name(1, AD)))
    assert [op for op, _ in fake.calls if op.startswith("delete")] == ["delete_model"]


def test_the_execution_tag_value_is_the_md5_of_the_execution_name():
    # States.Hash(..., 'MD5') of the name, hex: the known MD5 of "abc".
    assert retention.execution_tag_value("abc") == "900150983cd24fb0d6963f7d28e17f72"


@pytest.mark.parametrize(
    "bad",
    [
        {"model_name": name(1)},  # the retraining's shape
        {"model_name": "acme-ad-manual"},
        {"execution_name": ""},
        {"execution_name": "x" * 81},
        {"name_prefix": "acme-ad"},
    ],
)
def test_malformed_discard_events_are_refused(bad, monkeypatch):
    fake = FakeSageMaker({}, {}, serving="x")
    monkeypatch.setitem(retention.__dict__, "sagemaker_client", lambda: fake)
    with pytest.raises(MalformedEvent):
        retention.handler({**discard(name(1, AD)), **bad})
    assert fake.calls == []
