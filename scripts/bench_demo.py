"""Benchmark (not a test): the demo's workflows, measured in one run, side by side, from their execution histories.

Runs what `make demo` runs (scripts/demo.py: apply the three examples to the local emulator, run every workflow,
tear down) without its progress output, then prints per path taken:

- wall time: from the execution's first history event to its last;
- state transitions: the states entered, the Distributed Map's child executions' included (what Step Functions bills
  for Standard workflows), and how many of them were in child executions;
- where the time went, from each state's entered/exited events: SageMaker jobs (``.sync`` tasks), waiting for a person
  (``.waitForTaskToken``), Wait states (endpoint polling), and the rest (Lambda, SNS, SDK calls, Choice, Pass).

On the emulator the jobs take seconds (local scikit-learn stand-ins) and the endpoint is InService after 2 seconds, so
the times show the workflows' own overhead and their polling, not SageMaker's; the transition counts are what AWS
would count for the same paths (the approval's Wait for a person and the endpoint polling included).

    python -m scripts.bench_demo [--poll SECONDS] [--verbose]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from typing import Any

from scripts import demo
from scripts.demo import Run


def _state_definitions(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every state of a definition by name, nested ones (Parallel branches, Map iterators) included."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in definition.get("States", {}).items():
        found[name] = state
        for branch in state.get("Branches", []):
            found.update(_state_definitions(branch))
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                found.update(_state_definitions(state[key]))
    return found


def _kind(state: dict[str, Any]) -> str | None:
    """What a state spends its time on; None for the states that contain others (their insides are counted)."""
    if state.get("Type") in ("Map", "Parallel"):
        return None
    if state.get("Type") == "Wait":
        return "wait"
    resource = str(state.get("Resource", ""))
    if resource.endswith(".sync"):
        return "jobs"
    if resource.endswith(".waitForTaskToken"):
        return "person"
    return "rest"


def time_by_kind(events: list[dict[str, Any]], states: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Seconds spent in each kind of state, from the entered/exited events (a state that never exits is not counted)."""
    spent = {"jobs": 0.0, "person": 0.0, "wait": 0.0, "rest": 0.0}
    entered: dict[str, list[Any]] = {}
    for event in sorted(events, key=lambda e: e.get("id", 0)):
        kind = event["type"]
        if kind.endswith("StateEntered"):
            entered.setdefault(event["stateEnteredEventDetails"]["name"], []).append(event["timestamp"])
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            if entered.get(name):
                seconds = (demo.event_time(event["timestamp"]) - demo.event_time(entered[name].pop())).total_seconds()
                bucket = _kind(states.get(name, {}))
                if bucket:
                    spent[bucket] += seconds
    return spent


def wall_time(events: list[dict[str, Any]]) -> float:
    moments = [demo.event_time(e["timestamp"]) for e in events]
    return (max(moments) - min(moments)).total_seconds() if moments else 0.0


def report(runs: list[Run], timings: demo.Timings) -> str:
    header = [
        "workflow",
        "path taken",
        "wall time",
        "state transitions",
        "in child executions",
        "SageMaker jobs",
        "waiting for a person",
        "Wait states",
        "the rest",
    ]
    rows = []
    for run in runs:
        states = _state_definitions(run.definition)
        spent = time_by_kind(run.events, states)
        for child in run.children:
            for kind, seconds in time_by_kind(child, states).items():
                spent[kind] += seconds
        in_children = run.transitions - len(run.states)
        rows.append(
            [
                demo.EXAMPLES[run.workflow].title,
                run.path,
                f"{wall_time(run.events):.2f} s",
                str(run.transitions),
                str(in_children),
                f"{spent['jobs']:.2f} s",
                f"{spent['person']:.2f} s",
                f"{spent['wait']:.2f} s",
                f"{spent['rest']:.2f} s",
            ]
        )
    apply = ", ".join(f"{demo.EXAMPLES[k].title.lower()} {v:.0f} s" for k, v in timings.apply.items())
    destroy = max(timings.destroy.values(), default=0.0)
    return "\n".join(
        [
            demo.table(rows, header),
            "",
            f"terraform apply, side by side: {apply}; destroy: {destroy:.0f} s; whole demo: {timings.total:.0f} s",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_demo",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between two looks at a running execution")
    parser.add_argument("--verbose", action="store_true", help="also show the demo's progress")
    args = parser.parse_args(argv)
    import moto

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(
        f"bench_demo: the demo's workflows on the local emulator (moto {moto.__version__}, Python "
        f"{platform.python_version()}, {platform.machine()}), one run, {when}",
        flush=True,
    )
    try:
        runs, timings = demo.run_demo(list(demo.EXAMPLES), say=demo.Console(quiet=not args.verbose), poll=args.poll)
    except demo.DemoError as exc:
        print(f"bench_demo: the demo failed: {exc}", file=sys.stderr)
        return 1
    print()
    print(report(runs, timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
