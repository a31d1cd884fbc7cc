"""docs/operations.md's Step Functions counts are those of the planned retraining definition (one plan, no apply).

The cost formula counts the states a retraining execution enters; a change of the workflow that adds or removes states
on these paths must update the doc (and the README's Cost notes), or this test fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import tfharness as h

pytestmark = pytest.mark.plan

DOC = (Path(__file__).resolve().parents[1] / "docs" / "operations.md").read_text()
README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.fixture(scope="module")
def asl(planned):
    definitions = h.definitions(planned("root"))
    (name,) = [k for k in definitions if k.endswith("-retraining")]
    return definitions[name]


def documented(pattern: str) -> int:
    match = re.search(pattern, DOC)
    assert match, pattern
    return int(match.group(1))


def test_deployed_and_rejected_paths_enter_the_documented_number_of_states(asl):
    deployed = documented(r"- deployed: \*\*(\d+)\*\*")
    rejected = documented(r"- rejected by the gate: \*\*(\d+)\*\*")
    assert len(h.shortest_path(asl, "Deployed")) == deployed
    assert len(h.shortest_path(asl, "Rejected")) == rejected
    times = "\N{MULTIPLICATION SIGN}"
    formula = f"deployed runs {times} ({deployed} + 4 per extra endpoint poll) + rejected runs {times} {rejected}"
    assert formula in README


def test_each_extra_endpoint_poll_enters_the_documented_states(asl):
    per_poll = documented(r"\*\*plus (\d+) per extra poll\*\*")
    graph = h.transitions(asl)
    loop = ["CountPoll", "WaitForEndpoint", "DescribeEndpoint", "EndpointReady"]
    for state, nxt in zip(loop, loop[1:] + loop[:1], strict=True):
        assert nxt in graph[state], (state, nxt)
    assert len(loop) == per_poll
