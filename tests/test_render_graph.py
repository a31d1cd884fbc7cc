"""Tests of scripts/render_graph.py: any ASL definition as SVG, an execution's path highlighted."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from scripts import render_graph
from tests import e2e_support as e2e

SVG = "{http://www.w3.org/2000/svg}"

# Every kind of state and transition: Choice with rules and Default, Catch, a loop, Parallel, Map, Fail, Succeed.
DEFINITION = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.skip", "BooleanEquals": True, "Next": "Skipped"},
                {
                    "And": [{"Variable": "$.n", "NumericGreaterThan": 1}, {"Variable": "$.n", "NumericLessThan": 9}],
                    "Next": "Work",
                },
            ],
            "Default": "Wait",
        },
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Work"},
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}],
            "Next": "Again",
        },
        "Again": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.more", "BooleanEquals": True, "Next": "Wait"}],
            "Default": "Fan",
        },
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
            ],
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "MaxConcurrency": 4,
            "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Skipped": {"Type": "Pass", "End": True},
        "Broken": {"Type": "Fail", "Error": "Broken", "Cause": "it broke"},
    },
}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def states(root: ET.Element) -> dict[str, str]:
    """State name -> the classes of its box."""
    return {
        g.get("data-state"): g.get("class") for g in root.iter(f"{SVG}g") if "state" in (g.get("class") or "").split()
    }


def taken_edges(root: ET.Element) -> set[tuple[str, str]]:
    return {
        (p.get("data-from"), p.get("data-to"))
        for p in root.iter(f"{SVG}path")
        if "taken" in (p.get("class") or "").split()
    }


def entered(name: str, event_id: int) -> dict:
    return {"id": event_id, "type": "StateEntered", "stateEnteredEventDetails": {"name": name}}


def exited(name: str, event_id: int) -> dict:
    return {"id": event_id, "type": "StateExited", "stateExitedEventDetails": {"name": name}}


def history(*steps: tuple[str, ...], end: str | None = None) -> list[dict]:
    """Events from (kind, state) steps: ("in", X), ("out", X), ("fail", X)."""
    events = [{"id": 1, "type": "ExecutionStarted"}]
    for kind, name in steps:
        event_id = len(events) + 1
        events.append(
            entered(name, event_id)
            if kind == "in"
            else exited(name, event_id)
            if kind == "out"
            else {"id": event_id, "type": "TaskFailed", "taskFailedEventDetails": {"error": "Boom"}}
        )
    if end:
        events.append({"id": len(events) + 1, "type": f"Execution{end}"})
    return events


def test_every_state_and_nested_state_has_a_box():
    root = parse(render_graph.render_svg(DEFINITION, title="A workflow"))
    assert set(states(root)) == {
        "Check",
        "Wait",
        "Work",
        "Again",
        "Fan",
        "Left",
        "Right",
        "Each",
        "Item",
        "Done",
        "Skipped",
        "Broken",
    }
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "A workflow" in texts
    assert "lambda:invoke" in texts and "Wait 1 s" in texts and "Fail: Broken" in texts
    assert "Map, at most 4 at once" in texts
    assert "$.n > 1 and $.n < 9" in texts and "default" in texts
    edges = {
        (p.get("data-from"), p.get("data-to"), p.get("class")) for p in root.iter(f"{SVG}path") if p.get("data-from")
    }
    assert ("Work", "Broken", "edge catch") in edges
    assert ("Again", "Wait", "edge choice") in edges  # the loop
    assert ("Left", "__end__", "edge next") in edges  # inside the Parallel state's box


def test_boxes_do_not_overlap():
    root = parse(render_graph.render_svg(DEFINITION))
    boxes = []
    for g in root.iter(f"{SVG}g"):
        if "state" in (g.get("class") or "").split() and g.get("data-state") not in {"Left", "Right", "Item"}:
            rect = g.find(f"{SVG}rect")
            boxes.append(tuple(float(rect.get(k)) for k in ("x", "y", "width", "height")))
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_path_of_a_succeeded_execution_is_highlighted():
    events = history(
        ("in", "Check"), ("out", "Check"), ("in", "Wait"), ("out", "Wait"), ("in", "Work"), ("out", "Work"),
        ("in", "Again"), ("out", "Again"), ("in", "Wait"), ("out", "Wait"), ("in", "Work"), ("out", "Work"),
        ("in", "Again"), ("out", "Again"), ("in", "Fan"), ("in", "Left"), ("out", "Left"), ("in", "Right"),
        ("out", "Right"), ("out", "Fan"), ("in", "Each"), ("in", "Item"), ("out", "Item"), ("out", "Each"),
        ("in", "Done"), ("out", "Done"),
        end="Succeeded",
    )  # fmt: skip
    root = parse(render_graph.render_svg(DEFINITION, events))
    boxes = states(root)
    assert "succeeded" in boxes["Work"] and "succeeded" in boxes["Left"] and "succeeded" in boxes["Item"]
    assert "not-run" in boxes["Skipped"] and "not-run" in boxes["Broken"]
    taken = taken_edges(root)
    assert {
        ("__start__", "Check"),
        ("Check", "Wait"),
        ("Again", "Wait"),
        ("Again", "Fan"),
        ("Done", "__end__"),
    } <= taken
    assert ("Check", "Skipped") not in taken
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert f"{render_graph.TIMES}2" in texts  # Work, Wait and Again ran twice
    assert "execution: SUCCEEDED" in texts


def test_caught_failure_and_failed_state():
    events = history(
        ("in", "Check"), ("out", "Check"), ("in", "Work"), ("fail", "Work"), ("out", "Work"), ("in", "Broken"),
        end="Failed",
    )  # fmt: skip
    boxes = states(parse(render_graph.render_svg(DEFINITION, events)))
    assert "caught" in boxes["Work"]
    assert "failed" in boxes["Broken"]
    assert ("Work", "Broken") in taken_edges(parse(render_graph.render_svg(DEFINITION, events)))


def test_retried_failure_that_succeeded_is_a_success():
    events = history(("in", "Check"), ("out", "Check"), ("in", "Work"), ("fail", "Work"), ("out", "Work"))
    events.insert(-1, {"id": 99, "type": "TaskSucceeded"})
    for i, event in enumerate(events, 1):
        event["id"] = i
    assert "succeeded" in states(parse(render_graph.render_svg(DEFINITION, events)))["Work"]


@pytest.mark.parametrize(("end", "status"), [(None, "in-progress"), ("Aborted", "cancelled"), ("TimedOut", "failed")])
def test_state_left_open(end, status):
    events = history(("in", "Check"), ("out", "Check"), ("in", "Wait"), end=end)
    assert status in states(parse(render_graph.render_svg(DEFINITION, events)))["Wait"]


def test_text_is_escaped():
    definition = {"StartAt": "A <b>&", "States": {"A <b>&": {"Type": "Pass", "End": True}}}
    root = parse(render_graph.render_svg(definition, title="<title> & co"))
    assert "A <b>&" in states(root)


def test_command_line(tmp_path):
    (tmp_path / "definition.json").write_text(json.dumps(DEFINITION))
    (tmp_path / "history.json").write_text(
        json.dumps(
            {
                "events": history(
                    ("in", "Check"), ("out", "Check"), ("in", "Skipped"), ("out", "Skipped"), end="Succeeded"
                )
            }
        )
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.render_graph",
            "definition.json",
            "--history",
            "history.json",
            "--title",
            "T",
            "-o",
            "out.svg",
        ],
        cwd=tmp_path,
        check=True,
        env={"PYTHONPATH": str(e2e_root())},
    )
    root = parse((tmp_path / "out.svg").read_text())
    assert "succeeded" in states(root)["Skipped"]


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({}, "cannot read the definition definition.json"),
        ({"definition.json": "{not json"}, "the definition definition.json is not JSON"),
        ({"definition.json": '{"StartAt": "A"}'}, "definition.json is no state machine definition"),
    ],
)
def test_command_line_errors_are_one_line(tmp_path, files, says):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "scripts.render_graph", "definition.json"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(e2e_root())},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("render_graph: "), done.stderr
    assert says in done.stderr


def test_without_graphviz_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(render_graph, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(render_graph.GraphvizMissing, match=r"bootstrap\.sh demo"):
        render_graph.render_svg(DEFINITION)


def label_boxes(root: ET.Element) -> list[tuple[float, float, float, float]]:
    """The edge labels' boxes (x, y, width, height), from their anchor (middle) and the drawing's text widths."""
    boxes = []
    for text in root.iter(f"{SVG}text"):
        if text.get("class") == "edge-label":
            width = render_graph._text_width(text.text or "") * 10.5 / 12
            boxes.append((float(text.get("x")) - width / 2, float(text.get("y")) - 9, width, 11))
    return boxes


def test_graphviz_lays_out_the_edge_labels_apart():
    """Graphviz (dot) places every transition's label where no other label is, also for a Choice with many rules
    and a loop."""
    fan = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.kind", "StringEquals": k, "Next": k} for k in ("alpha", "beta", "gamma", "delta")],
        "Default": "Check",
    }
    definition = {**DEFINITION, "StartAt": "Route", "States": {**DEFINITION["States"], "Route": fan}}
    for k in ("alpha", "beta", "gamma", "delta"):
        definition["States"][k] = {"Type": "Pass", "Next": "Done"}
    boxes = label_boxes(parse(render_graph.render_svg(definition)))
    assert len(boxes) == 4 + 1 + 2 + 2 + 1  # Route's rules and default, Check's two rules and default, Again's two
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1, (boxes[i], (x2, y2, w2, h2))


def e2e_root():
    from tests import tfharness

    return tfharness.REPO


def test_real_execution_history_from_the_emulator(emulator):
    """moto's history events have the shape the renderer reads (the same as AWS's)."""
    from scripts import moto_extensions

    emulator.install_extensions()
    try:
        sfn = emulator.client("stepfunctions")
        definition = {
            "StartAt": "Check",
            "States": {
                "Check": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Go"}],
                    "Default": "Stop",
                },
                "Go": {"Type": "Pass", "Next": "Stop"},
                "Stop": {"Type": "Fail", "Error": "Stopped"},
            },
        }
        execution = e2e.run(sfn, e2e.state_machine(sfn, definition), {"go": True})
    finally:
        moto_extensions.uninstall()
    root = parse(render_graph.render_svg(definition, execution.events))
    assert states(root) == {
        "Check": "state choice succeeded",
        "Go": "state pass succeeded",
        "Stop": "state fail failed",
    }
    assert taken_edges(root) == {("__start__", "Check"), ("Check", "Go"), ("Go", "Stop")}


def test_nested_scopes_take_their_start_and_end_edges():
    """Map iterations and Parallel branches start at their own Start and end at their own End."""
    events = history(
        *[("in", "Check"), ("out", "Check"), ("in", "Work"), ("out", "Work"), ("in", "Again"), ("out", "Again")],
        *[("in", "Fan"), ("in", "Left"), ("out", "Left"), ("in", "Right"), ("out", "Right"), ("out", "Fan")],
        *[("in", "Each"), ("in", "Item"), ("out", "Item"), ("in", "Item"), ("out", "Item"), ("out", "Each")],
        *[("in", "Done"), ("out", "Done")],
        end="Succeeded",
    )
    run = render_graph.progress(events, DEFINITION)
    assert run.taken[("__start__", "Item")] == 2 and run.taken[("Item", "__end__")] == 2  # two iterations
    assert run.taken[("__start__", "Left")] == 1 and run.taken[("Right", "__end__")] == 1
    assert run.taken[("Fan", "Each")] == 1 and run.taken[("Each", "Done")] == 1  # from the parent, not its insides
    assert ("Item", "Done") not in run.taken


def test_child_executions_colour_the_map_they_ran_in():
    """A Distributed Map's children have histories of their own: render_svg(children=...) draws them in the Map."""
    parent = history(("in", "Check"), ("out", "Check"), ("in", "Each"), ("out", "Each"), end="Failed")
    child_ok = history(("in", "Item"), ("out", "Item"))
    child_failed = history(("in", "Item"), ("fail", "Item"))
    boxes = states(parse(render_graph.render_svg(DEFINITION, parent, children=[child_ok, child_failed])))
    assert boxes["Each"] == "state map succeeded"
    assert boxes["Item"] == "state pass failed"  # the most telling outcome of its children
    assert "not-run" in boxes["Left"]
