"""Shared fixtures: initialised Terraform fixtures (one private copy per worker), plans shared by the whole run, the
local emulator; and the test layers.

Every test belongs to exactly one layer (pytest markers, registered in pyproject.toml; `make unit|plan|apply|e2e`):

- unit:  pure Python (handlers, tools, generators); no Terraform, no emulator server.
- plan:  runs Terraform offline (fmt, validate, plan) and reads what it says; no emulator.
- apply: needs the local emulator: Terraform applies on it, or its own extensions and strictness, resource by resource.
- e2e:   a whole workflow applied on the emulator and executed end to end (and the README's `make demo`).

A module (pytestmark) or a test names its layer; one that names none gets it from the fixtures it uses: `workflow`
(a workflow applied on the emulator, tests/e2e_support.py's workflow_fixture) -> e2e, `emulator` -> apply,
`tf_fixture` or `planned` -> plan, none of them -> unit. tests/test_static.py checks that every collected test
has exactly one layer and that it agrees with those fixtures (a unit test never reaches the emulator, ...).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import tfharness

LAYERS = ("unit", "plan", "apply", "e2e")

# Set by tests/test_static.py on a `--collect-only` run of its own: where to write each test's layers.
LAYER_REPORT = "TESTS_LAYER_REPORT"


def layers_of(item: pytest.Item) -> list[str]:
    return sorted({m.name for m in item.iter_markers() if m.name in LAYERS})


def derived_layer(fixturenames: list[str]) -> str:
    if "workflow" in fixturenames:
        return "e2e"
    if "emulator" in fixturenames:
        return "apply"
    if "tf_fixture" in fixturenames or "planned" in fixturenames:
        return "plan"
    return "unit"


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not layers_of(item):
            item.add_marker(derived_layer(list(getattr(item, "fixturenames", ()))))
    report = os.environ.get(LAYER_REPORT)
    if report:
        Path(report).write_text(
            json.dumps(
                {
                    item.nodeid: {"layers": layers_of(item), "fixtures": sorted(getattr(item, "fixturenames", ()))}
                    for item in items
                }
            )
        )


@pytest.fixture(scope="session")
def tf_fixture(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tfharness.Fixture]:
    """Factory: tf_fixture("root") -> an initialised private copy of tests/fixtures/root, one per worker process.

    A worker runs its tests one after the other, so no two tests use a copy at the same time; a test writes nothing
    into it but its var files, which are named per call (tfharness.Fixture.var_file). A test that changes the fixture's
    files makes a tfharness.Fixture of its own."""
    made: dict[tuple[str, str | None], tfharness.Fixture] = {}

    def make(name: str, provider: str | None = tfharness.OFFLINE_PROVIDER) -> tfharness.Fixture:
        if (name, provider) not in made:
            made[name, provider] = tfharness.Fixture(tfharness.FIXTURES / name, tmp_path_factory.mktemp(name), provider)
        return made[name, provider]

    return make


@pytest.fixture(scope="session")
def planned(
    tmp_path_factory: pytest.TempPathFactory, tf_fixture: Callable[..., tfharness.Fixture]
) -> tfharness.SharedPlans:
    """planned("root", **tf_vars): the plan of tests/fixtures/root with these inputs, made once per run.

    Under pytest-xdist each worker has a base temp folder of its own inside the run's folder: the plans are kept in
    the run's folder, which all the workers share, and no other run sees them."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return tfharness.SharedPlans(shared / "shared-plans", tf_fixture)


@pytest.fixture(scope="session")
def emulator() -> Iterator[object]:
    """A moto server on a loopback port for the whole session."""
    from scripts import emulator as emu

    with emu.running() as e:
        yield e


@pytest.fixture
def repo() -> Path:
    return tfharness.REPO
