"""Shared fixtures: initialised Terraform fixtures (one private copy per test module) and the local emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import tfharness


@pytest.fixture(scope="module")
def tf_fixture(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tfharness.Fixture]:
    """Factory: tf_fixture("root") -> an initialised private copy of tests/fixtures/root, one per test module."""
    made: dict[str, tfharness.Fixture] = {}

    def make(name: str, provider: str | None = tfharness.OFFLINE_PROVIDER) -> tfharness.Fixture:
        if name not in made:
            made[name] = tfharness.Fixture(tfharness.FIXTURES / name, tmp_path_factory.mktemp(name), provider)
        return made[name]

    return make


@pytest.fixture(scope="session")
def emulator() -> Iterator[object]:
    """A moto server on a loopback port for the whole session."""
    from scripts import emulator as emu

    with emu.running() as e:
        yield e


@pytest.fixture
def repo() -> Path:
    return tfharness.REPO
