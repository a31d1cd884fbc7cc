"""Render an Amazon States Language definition as an SVG picture, with the path an execution took highlighted.

The Step Functions Data Science SDK's ``Workflow.render_graph()`` / ``Execution.render_progress()`` are the reference:
one box per state, the transitions between them, and, for an execution, each state coloured by what happened to it
(the SDK's legend: Success, Failed, Cancelled, In Progress, Caught Error). The SDK draws in a notebook with a
JavaScript library; this draws offline to a standalone SVG file that a README can show.

Layout: Graphviz's ``dot`` (the WebAssembly build of the npm package ``@viz-js/viz``, which scripts/bootstrap.sh
installs into .cache/node, as it installs asl-validator) places the boxes, routes the transitions and their labels
so that none overlap; loops go back up. Parallel branches and Map iterators are clusters inside their state's box.
This module draws the result itself, so that every box and transition carries the state names (``data-state``,
``data-from``, ``data-to``) and the execution's colours. Catch edges are dashed, and faint unless the execution took
them. Reading the definition is a graph walk, never an interpretation of it.

Use::

    python -m scripts.render_graph definition.json [--history history.json] [--title TEXT] -o picture.svg

``history.json``: what GetExecutionHistory returns (``{"events": [...]}``, optionally with ``"childEvents"``: the
histories of a Distributed Map's child executions) or its list of events. From Python:
``render_svg(definition, events=None, title=None, children=()) -> str``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

FONT = "font-family='Helvetica, Arial, sans-serif'"
CHAR_WIDTH = 7.0  # average width of a 12 px character
NODE_HEIGHT = 40.0
PAD = 16.0
START, END = "__start__", "__end__"
TIMES = "\u00d7"  # the multiplication sign of "visited 3 times": x3

# Execution status -> (fill, stroke); the strokes are the SDK's legend colours.
STATUS_COLOURS = {
    "succeeded": ("#e9fbe9", "#2bd62e"),
    "failed": ("#fbe7e7", "#de322f"),
    "caught": ("#fff3df", "#ffa500"),
    "in-progress": ("#e6f7fc", "#53c9ed"),
    "cancelled": ("#f4f4f4", "#bbbbbb"),
    None: ("#ffffff", "#8a8f98"),
}
LEGEND = [("succeeded", "Success"), ("failed", "Failed"), ("caught", "Caught error"), ("in-progress", "In progress"),
          ("cancelled", "Cancelled")]  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------------
# The graph of a definition
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Node:
    id: str
    title: str
    subtitle: str
    kind: str  # the state's Type, or "start", "end", "dummy"
    width: float = 0.0
    height: float = NODE_HEIGHT
    inner: list[Scope] = field(default_factory=list)  # Parallel branches / the Map iterator


@dataclass
class Edge:
    src: str
    dst: str
    kind: str  # next, choice, default, catch
    label: str = ""


@dataclass
class Scope:
    """The states of a machine, a Parallel branch or a Map iterator (a cluster of its own in the layout)."""

    nodes: dict[str, Node]
    edges: list[Edge]


def _resource_label(resource: str) -> str:
    """arn:aws:states:::sagemaker:createTrainingJob.sync -> sagemaker:createTrainingJob.sync."""
    if ":::" in resource:
        return resource.split(":::", 1)[1]
    if ":function:" in resource:
        return "lambda:" + resource.split(":function:", 1)[1]
    if ":activity:" in resource:
        return "activity:" + resource.split(":activity:", 1)[1]
    return resource


def _subtitle(state: dict[str, Any]) -> str:
    kind = state.get("Type", "?")
    if kind == "Task":
        resource = state.get("Resource", "")
        if isinstance(resource, str) and resource:
            return _resource_label(resource)
    if kind == "Wait":
        for key in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath"):
            if key in state:
                return f"Wait {state[key]}" + (" s" if key == "Seconds" else "")
    if kind == "Fail" and state.get("Error"):
        return f"Fail: {state['Error']}"
    if kind == "Map" and state.get("MaxConcurrency"):
        return f"Map, at most {state['MaxConcurrency']} at once"
    return kind


_OPERATORS = {
    "Equals": "==", "GreaterThan": ">", "GreaterThanEquals": ">=", "LessThan": "<", "LessThanEquals": "<=",
    "Matches": "matches",
}  # fmt: skip


def _condition(rule: dict[str, Any]) -> str:
    """A short text for a Choice rule, e.g. ``$.guard.running_count > 1``."""
    for combinator in ("And", "Or"):
        if combinator in rule:
            return f" {combinator.lower()} ".join(_condition(r) for r in rule[combinator])
    if "Not" in rule:
        return f"not ({_condition(rule['Not'])})"
    if "Condition" in rule:  # JSONata
        return str(rule["Condition"])
    variable = rule.get("Variable", "")
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment"):
            continue
        op = next((sym for suffix, sym in _OPERATORS.items() if key.removesuffix("Path").endswith(suffix)), key)
        if key.startswith("Is"):
            return f"{variable} {key[2:].lower()}" if value else f"{variable} not {key[2:].lower()}"
        shown = value if key.endswith("Path") else json.dumps(value)
        return f"{variable} {op} {shown}"
    return variable


def _short(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_width(text: str, bold: bool = False) -> float:
    return len(text) * CHAR_WIDTH * (1.08 if bold else 1.0)


def build_scope(definition: dict[str, Any]) -> Scope:
    """The nodes and edges of one level of a definition; nested levels become the inner scopes of their state."""
    states: dict[str, Any] = definition["States"]
    nodes = {START: Node(START, "Start", "", "start"), END: Node(END, "End", "", "end")}
    edges = [Edge(START, definition["StartAt"], "next")]
    for name, state in states.items():
        node = Node(name, name, _subtitle(state), state.get("Type", "?"))
        for branch in state.get("Branches", []):
            node.inner.append(build_scope(branch))
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                node.inner.append(build_scope(state[key]))
        nodes[name] = node
        if state.get("Next"):
            edges.append(Edge(name, state["Next"], "next"))
        for rule in state.get("Choices", []):
            edges.append(Edge(name, rule["Next"], "choice", _short(_condition(rule))))
        if state.get("Default"):
            edges.append(Edge(name, state["Default"], "default", "default"))
        for catcher in state.get("Catch", []):
            edges.append(Edge(name, catcher["Next"], "catch", _short(", ".join(catcher.get("ErrorEquals", [])), 30)))
        if state.get("End") or state.get("Type") == "Succeed":
            edges.append(Edge(name, END, "next"))
    if not any(e.dst == END for e in edges):
        del nodes[END]  # every path ends in a Fail state
    return Scope(nodes, edges)


# ---------------------------------------------------------------------------------------------------------------------
# Layout, by Graphviz
# ---------------------------------------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / ".cache" / "node" / "node_modules"
VIZ_VERSION_FILE = Path(__file__).with_name("viz-js.version")
# Reads DOT on stdin, writes Graphviz's layout as JSON (node centres and sizes, cluster boxes, edge splines, label
# positions; points, y upwards) on stdout.
_VIZ_RUNNER = """
const viz = require("@viz-js/viz");
let dot = "";
process.stdin.on("data", (chunk) => (dot += chunk));
process.stdin.on("end", () =>
  viz.instance().then((v) => process.stdout.write(v.renderString(dot, { format: "json", engine: "dot" })))
);
"""
POINTS = 72.0  # Graphviz sizes nodes in inches and places them in points


class GraphvizMissing(RuntimeError):
    """Graphviz (@viz-js/viz) or node is not installed."""


def _graphviz(dot: str) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "@viz-js" / "viz").is_dir():
        raise GraphvizMissing(
            "Graphviz lays out the pictures: install it with `bash scripts/bootstrap.sh demo` (needs node and npm; "
            "it puts the npm package @viz-js/viz into .cache/node)"
        )
    done = subprocess.run(
        [node, "-e", _VIZ_RUNNER],
        input=dot,
        capture_output=True,
        text=True,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _size(node: Node) -> None:
    if node.kind in ("start", "end"):
        node.width, node.height = 56.0, 28.0
    else:
        text = max(_text_width(node.title, bold=True), _text_width(node.subtitle)) + 2 * PAD
        node.width = max(text, 110.0)


@dataclass
class Layout:
    """Where Graphviz put everything, in the picture's coordinates (y downwards, origin at the top left)."""

    width: float
    height: float
    boxes: dict[str, tuple[float, float, float, float]]  # DOT id -> x, y (top left), width, height
    edges: dict[str, tuple[list[tuple[float, float]], tuple[float, float] | None, tuple[float, float] | None]]
    # edge id -> spline points (a start point, then three per cubic segment), arrow tip, label centre


def _edge_label(edge: Edge, run: Progress | None) -> str:
    times = run.taken.get((edge.src, edge.dst), 0) if run else 0
    label = edge.label if edge.kind != "catch" or times else ""
    return f"{label} {TIMES}{times}".strip() if times > 1 else label


def _dot(scope: Scope, run: Progress | None) -> tuple[str, dict[str, tuple[Scope, Edge, str, str]]]:
    """The DOT text of a scope, nested scopes as clusters, and each edge by its id: (scope, edge, DOT tail, head)."""
    lines = [
        "digraph workflow {",
        "graph [rankdir=TB, compound=true, nodesep=0.4, ranksep=0.45, margin=0, fontname=Helvetica];",
        'node [shape=box, fixedsize=true, label=""];',
        # Labels are drawn at 10.5 px; Graphviz reserves room for 12.5, so that a wider font than its estimate (the
        # viewer's) still leaves them apart.
        "edge [fontname=Helvetica, fontsize=12.5, arrowsize=0.6];",
    ]
    edges: dict[str, tuple[Scope, Edge, str, str]] = {}

    def emit(scope: Scope, prefix: str, indent: str) -> None:
        dot_ids = {name: prefix + name for name in scope.nodes}
        for node in scope.nodes.values():
            _size(node)
            box = f"width={node.width / POINTS:.3f}, height={node.height / POINTS:.3f}"
            if not node.inner:
                lines.append(f"{indent}{_quote(dot_ids[node.id])} [{box}];")
                continue
            # A Map or Parallel state: a cluster whose first row is the state's own header (its name and kind),
            # then one dashed cluster per branch or iterator.
            lines.append(f"{indent}subgraph {_quote('cluster_' + dot_ids[node.id])} {{")
            lines.append(f"{indent}  margin=10;")
            lines.append(f"{indent}  {_quote(dot_ids[node.id])} [{box}];")
            for k, inner in enumerate(node.inner):
                inner_prefix = f"{dot_ids[node.id]}/{k}/"
                lines.append(f"{indent}  subgraph {_quote('cluster_' + inner_prefix)} {{")
                lines.append(f"{indent}    margin=10;")
                emit(inner, inner_prefix, indent + "    ")
                lines.append(f"{indent}  }}")
                start = inner_prefix + START
                lines.append(f"{indent}  {_quote(dot_ids[node.id])} -> {_quote(start)} [style=invis, weight=10];")
            lines.append(f"{indent}}}")
        for edge in scope.edges:
            edge_id = f"e{len(edges)}"
            tail, head = dot_ids[edge.src], dot_ids[edge.dst]
            # Out of a Map or Parallel state from the bottom of its cluster: from its branches' End nodes (the first
            # one carries the edge, the others hold the next state below them invisibly).
            ends = [f"{tail}/{k}/{END}" for k, inner in enumerate(scope.nodes[edge.src].inner) if END in inner.nodes]
            if ends:
                tail = ends[0]
                lines.extend(f"{indent}{_quote(end)} -> {_quote(head)} [style=invis];" for end in ends[1:])
            attributes = [f"id={_quote(edge_id)}"]
            label = _edge_label(edge, run)
            if label:
                attributes.append(f"label={_quote(label)}")
            for end, name in (("ltail", edge.src), ("lhead", edge.dst)):
                if scope.nodes[name].inner:
                    attributes.append(f"{end}={_quote('cluster_' + dot_ids[name])}")
            if edge.kind == "catch":
                attributes.append("weight=0")
            lines.append(f"{indent}{_quote(tail)} -> {_quote(head)} [{', '.join(attributes)}];")
            edges[edge_id] = (scope, edge, tail, head)

    emit(scope, "", "")
    lines.append("}")
    return "\n".join(lines) + "\n", edges


def _points(text: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",")[:2] for p in text.split())]


def layout(scope: Scope, run: Progress | None = None) -> tuple[Layout, dict[str, tuple[Scope, Edge, str, str]]]:
    """Lay the scope (and its nested scopes) out with Graphviz; the edges by id, as _dot named them."""
    dot, edges = _dot(scope, run)
    graph = _graphviz(dot)
    x0, y0, x1, y1 = (float(v) for v in graph["bb"].split(","))

    def at(x: float, y: float) -> tuple[float, float]:
        return x - x0, y1 - y

    boxes: dict[str, tuple[float, float, float, float]] = {}
    for item in graph.get("objects", []):
        if "bb" in item and item.get("name", "").startswith("cluster_"):
            bx0, by0, bx1, by1 = (float(v) for v in item["bb"].split(","))
            boxes[item["name"]] = (bx0 - x0, y1 - by1, bx1 - bx0, by1 - by0)
        elif "pos" in item:
            cx, cy = at(*_points(item["pos"])[0])
            w, h = float(item["width"]) * POINTS, float(item["height"]) * POINTS
            boxes[item["name"]] = (cx - w / 2, cy - h / 2, w, h)
    routes: dict[str, tuple[list[tuple[float, float]], tuple[float, float] | None, tuple[float, float] | None]] = {}
    for item in graph.get("edges", []):
        if item.get("id") not in edges or "pos" not in item:
            continue
        parts = item["pos"].split()
        tip = None
        if parts and parts[0].startswith("e,"):
            tip = at(*(float(v) for v in parts.pop(0)[2:].split(",")))
        if parts and parts[0].startswith("s,"):
            parts.pop(0)
        spline = [at(x, y) for x, y in _points(" ".join(parts))]
        label = at(*_points(item["lp"])[0]) if item.get("lp") else None
        routes[item["id"]] = (spline, tip, label)
    return Layout(x1 - x0, y1 - y0, boxes, routes), edges


# ---------------------------------------------------------------------------------------------------------------------
# What an execution did
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Progress:
    status: dict[str, str]  # state name -> succeeded, failed, caught, in-progress, cancelled
    visits: dict[str, int]
    taken: dict[tuple[str, str], int]  # (from, to) -> times
    execution: str | None  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED


_FAILURE_SUFFIXES = ("Failed", "TimedOut")


def progress(events: Iterable[dict[str, Any]], definition: dict[str, Any], ended: str | None = None) -> Progress:
    """Each state's outcome and the transitions taken, from an execution's history events.

    ``ended``: the execution's status when its events do not say (the emulator keeps a Distributed Map's child
    executions' events without Execution* events: their parent's status stands for theirs).
    """
    events = sorted(events, key=lambda e: e.get("id", 0))
    status: dict[str, str] = {}
    visits: dict[str, int] = {}
    taken: dict[tuple[str, str], int] = {}
    entered_order: list[str] = []
    steps: list[tuple[str, str]] = []  # ("enter" | "exit", state name), in history order
    open_states: list[str] = []  # entered, not yet exited (nested states run inside their parent)
    last_failed: dict[str, bool] = {}
    execution = "RUNNING"
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            visits[name] = visits.get(name, 0) + 1
            entered_order.append(name)
            steps.append(("enter", name))
            open_states.append(name)
            last_failed[name] = False
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            steps.append(("exit", name))
            if name in open_states:
                open_states.remove(name)
            status[name] = "caught" if last_failed.get(name) else "succeeded"
        elif kind.startswith("Execution"):
            for word, state in (("Succeeded", "SUCCEEDED"), ("Failed", "FAILED"), ("TimedOut", "TIMED_OUT"),
                                ("Aborted", "ABORTED")):  # fmt: skip
                if kind == f"Execution{word}":
                    execution = state
        elif kind.endswith(_FAILURE_SUFFIXES) and open_states:
            last_failed[open_states[-1]] = True
        elif kind.endswith("Succeeded") and open_states:
            last_failed[open_states[-1]] = False  # a retry that succeeded
    if ended and execution == "RUNNING":
        execution = ended
    for name in open_states:
        status[name] = {"RUNNING": "in-progress", "ABORTED": "cancelled"}.get(execution, "failed")

    graph = _all_edges(definition)

    def take(edge: tuple[str, str]) -> None:
        taken[edge] = taken.get(edge, 0) + 1

    # A transition goes from the state last entered or exited to the state entered next. Nested scopes (Parallel
    # branches, Map iterations) start at their own Start and end at their own End: entering a branch's first state
    # takes its Start edge; the branch's last state reaches its End when the next iteration starts or the parent exits.
    previous = START
    for kind, name in steps:
        if kind == "enter":
            if (previous, name) in graph:
                take((previous, name))
            elif (START, name) in graph:
                if previous != START and (previous, END) in graph:
                    take((previous, END))  # the previous iteration of the same iterator ended
                take((START, name))
        elif previous != name and (previous, END) in graph:
            take((previous, END))  # the last state of a branch or iteration, then its parent exits
        previous = name
    if execution == "SUCCEEDED" and entered_order and (entered_order[-1], END) in graph:
        taken[(entered_order[-1], END)] = 1
    return Progress(status, visits, taken, execution)


# When child executions disagree about a state, the picture shows the most telling outcome.
_STATUS_RANK = {"failed": 4, "in-progress": 3, "caught": 2, "cancelled": 1, "succeeded": 0}


def merge_progress(parent: Progress, children: list[Progress]) -> Progress:
    """The parent execution's progress with its child executions' states (visits and transitions added up)."""
    status, visits, taken = dict(parent.status), dict(parent.visits), dict(parent.taken)
    for child in children:
        for name, outcome in child.status.items():
            if name not in status or _STATUS_RANK.get(outcome, 0) > _STATUS_RANK.get(status[name], 0):
                status[name] = outcome
        for name, count in child.visits.items():
            visits[name] = visits.get(name, 0) + count
        for edge, count in child.taken.items():
            taken[edge] = taken.get(edge, 0) + count
    return Progress(status, visits, taken, parent.execution)


def _all_edges(definition: dict[str, Any]) -> set[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()

    def visit(scope: Scope) -> None:
        edges.update((e.src, e.dst) for e in scope.edges)
        for node in scope.nodes.values():
            for inner in node.inner:
                visit(inner)

    visit(build_scope(definition))
    return edges


# ---------------------------------------------------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------------------------------------------------
class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)


def _edge_colour(taken: bool, kind: str) -> str:
    if taken:
        return "#2b6cb0"
    return "#c9ccd1" if kind == "catch" else "#8a8f98"


def _draw_edge(svg: _Svg, edge: Edge, route: Any, ox: float, oy: float, run: Progress | None) -> None:
    spline, tip, label_at = route
    times = run.taken.get((edge.src, edge.dst), 0) if run else 0
    colour = _edge_colour(times > 0, edge.kind)
    width = 2.6 if times else 1.2
    dash = " stroke-dasharray='5 4'" if edge.kind == "catch" else ""
    marker = "taken" if times else ("catch" if edge.kind == "catch" else "plain")
    (x, y), rest = spline[0], spline[1:]
    path = f"M{ox + x:.1f},{oy + y:.1f}"
    for k in range(0, len(rest) - len(rest) % 3, 3):  # Graphviz's splines: cubic Bezier segments
        path += " C" + " ".join(f"{ox + px:.1f},{oy + py:.1f}" for px, py in rest[k : k + 3])
    if tip is not None:
        path += f" L{ox + tip[0]:.1f},{oy + tip[1]:.1f}"
    svg.add(
        f"<path class='edge {edge.kind}{' taken' if times else ''}' data-from='{escape(edge.src)}' "
        f"data-to='{escape(edge.dst)}' d='{path}' fill='none' stroke='{colour}' stroke-width='{width}'{dash} "
        f"marker-end='url(#arrow-{marker})'/>"
    )
    label = _edge_label(edge, run)
    if label and label_at is not None:
        colour = "#2b6cb0" if times else "#5f6570"
        at = f"x='{ox + label_at[0]:.1f}' y='{oy + label_at[1] + 3.5:.1f}' {FONT} font-size='10.5' text-anchor='middle'"
        svg.add(f"<text {at} fill='#ffffff' stroke='#ffffff' stroke-width='3.5'>{escape(label)}</text>")  # halo
        svg.add(f"<text class='edge-label' {at} fill='{colour}'>{escape(label)}</text>")


def _draw_box(svg: _Svg, node: Node, box: tuple[float, float, float, float], header: Any, run: Progress | None) -> None:
    """A state's box; for a Map or Parallel state, the box around its cluster with the state's name on top."""
    x, y, width, height = box
    status = run.status.get(node.id) if run else None
    fill, stroke = STATUS_COLOURS[status]
    visits = run.visits.get(node.id, 0) if run else 0
    classes = " ".join(["state", node.kind.lower(), status or ("not-run" if run else "")]).strip()
    text_colour = "#1f2328" if (status or not run) else "#8a8f98"
    cx, top = x + width / 2, (header[1] if header else y)  # a container's name: centred, in its header's row
    svg.add(
        f"<g class='{classes}' data-state='{escape(node.id)}'>"
        f"<rect x='{x:.1f}' y='{y:.1f}' width='{width:.1f}' height='{height:.1f}' rx='6' fill='{fill}' "
        f"stroke='{stroke}' stroke-width='{2.2 if status else 1.2}'/>"
        f"<text x='{cx:.1f}' y='{top + 17:.1f}' {FONT} font-size='12.5' font-weight='bold' "
        f"fill='{text_colour}' text-anchor='middle'>{escape(node.title)}</text>"
        f"<text x='{cx:.1f}' y='{top + 32:.1f}' {FONT} font-size='11' fill='#5f6570' "
        f"text-anchor='middle'>{escape(node.subtitle)}</text>"
    )
    if visits > 1:
        svg.add(
            f"<text x='{x + width + 4:.1f}' y='{y + 12:.1f}' {FONT} font-size='10.5' fill='#2b6cb0'>"
            f"{TIMES}{visits}</text>"
        )
    svg.add("</g>")


def _draw_terminal(svg: _Svg, node: Node, box: tuple[float, float, float, float], run: Progress | None) -> None:
    x, y, width, height = box
    reached = bool(run) and (node.kind == "start" or any(dst == END for (_, dst) in run.taken))
    fill = "#2b6cb0" if reached else "#5f6570"
    svg.add(
        f"<g class='terminal' data-state='{node.id}'><rect x='{x:.1f}' y='{y:.1f}' width='{width:.1f}' "
        f"height='{height:.1f}' rx='14' fill='{fill}'/><text x='{x + width / 2:.1f}' y='{y + height / 2 + 4.5:.1f}' "
        f"{FONT} font-size='12' fill='#ffffff' text-anchor='middle'>{node.title}</text></g>"
    )


def _draw(
    back: _Svg, front: _Svg, scope: Scope, prefix: str, geo: Layout, ox: float, oy: float, run: Progress | None
) -> None:
    """The boxes of a scope and of its nested scopes: containers (Map, Parallel) behind, the others in front."""

    def moved(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return box[0] + ox, box[1] + oy, box[2], box[3]

    for node in scope.nodes.values():
        dot_id = prefix + node.id
        if node.kind in ("start", "end"):
            _draw_terminal(front, node, moved(geo.boxes[dot_id]), run)
        elif node.inner:
            _draw_box(back, node, moved(geo.boxes["cluster_" + dot_id]), moved(geo.boxes[dot_id]), run)
            for k, inner in enumerate(node.inner):
                inner_prefix = f"{dot_id}/{k}/"
                x, y, width, height = moved(geo.boxes["cluster_" + inner_prefix])
                back.add(
                    f"<rect x='{x:.1f}' y='{y:.1f}' width='{width:.1f}' height='{height:.1f}' rx='6' fill='none' "
                    "stroke='#c9ccd1' stroke-dasharray='3 3'/>"
                )
                _draw(back, front, inner, inner_prefix, geo, ox, oy, run)
        else:
            _draw_box(front, node, moved(geo.boxes[dot_id]), None, run)


def render_svg(
    definition: dict[str, Any],
    events: Iterable[dict[str, Any]] | None = None,
    title: str | None = None,
    children: Iterable[Iterable[dict[str, Any]]] = (),
) -> str:
    """The definition as an SVG document; with ``events`` (an execution's history), its path highlighted.

    ``children``: the histories of the execution's child executions (a Distributed Map runs each item as one), whose
    states are drawn inside their Map state's box.
    """
    scope = build_scope(definition)
    run = progress(events, definition) if events is not None else None
    if run is not None:
        ended = None if run.execution == "RUNNING" else run.execution
        run = merge_progress(run, [progress(child, definition, ended) for child in children])
    geo, edges = layout(scope, run)
    header = 30.0 if title else 0.0
    legend = 30.0 if run else 0.0
    ox, oy = PAD, header + PAD
    legend_width = sum(34 + _text_width(label) for _, label in LEGEND) + 8 + _text_width("execution: TIMED_OUT")
    width = max(geo.width + 2 * PAD, legend_width + 2 * PAD if run else 0.0)
    height = geo.height + header + legend + 2 * PAD
    svg = _Svg()
    svg.add(
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{height:.0f}' "
        f"viewBox='0 0 {width:.0f} {height:.0f}'>"
    )
    svg.add("<defs>")
    for name, colour in (("plain", "#8a8f98"), ("catch", "#c9ccd1"), ("taken", "#2b6cb0")):
        svg.add(
            f"<marker id='arrow-{name}' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='9' markerHeight='9' "
            f"markerUnits='userSpaceOnUse' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='{colour}'/></marker>"
        )
    svg.add("</defs>")
    svg.add("<rect width='100%' height='100%' fill='#ffffff'/>")
    if title:
        svg.add(
            f"<text x='{PAD}' y='22' {FONT} font-size='15' font-weight='bold' fill='#1f2328'>{escape(title)}</text>"
        )
    back, front = _Svg(), _Svg()
    _draw(back, front, scope, "", geo, ox, oy, run)
    svg.parts += back.parts
    for edge_id, (_, edge, _, _) in edges.items():
        if edge_id in geo.edges:
            _draw_edge(svg, edge, geo.edges[edge_id], ox, oy, run)
    svg.parts += front.parts
    if run:
        x, y = PAD, header + geo.height + 2 * PAD - 4
        for status, label in LEGEND:
            fill, stroke = STATUS_COLOURS[status]
            svg.add(
                f"<rect x='{x:.1f}' y='{y:.1f}' width='14' height='14' rx='3' fill='{fill}' stroke='{stroke}' "
                f"stroke-width='2'/><text x='{x + 20:.1f}' y='{y + 11.5:.1f}' {FONT} font-size='11.5' "
                f"fill='#1f2328'>{label}</text>"
            )
            x += 34 + _text_width(label)
        svg.add(
            f"<text x='{x + 8:.1f}' y='{y + 11.5:.1f}' {FONT} font-size='11.5' fill='#5f6570'>"
            f"execution: {escape(run.execution or '?')}</text>"
        )
    svg.add("</svg>")
    return "\n".join(svg.parts) + "\n"


def _events(document: Any) -> list[dict[str, Any]]:
    return document["events"] if isinstance(document, dict) else list(document)


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise SystemExit(f"render_graph: cannot read the {what} {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SystemExit(f"render_graph: the {what} {path} is not JSON: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("definition", type=Path, help="ASL definition (JSON)")
    parser.add_argument("--history", type=Path, help="execution history (GetExecutionHistory JSON) to highlight")
    parser.add_argument("--title", help="title above the picture")
    parser.add_argument("-o", "--output", type=Path, help="SVG file to write (default: stdout)")
    args = parser.parse_args(argv)
    definition = _read_json(args.definition, "definition")
    if (
        not isinstance(definition, dict)
        or not isinstance(definition.get("States"), dict)
        or "StartAt" not in definition
    ):
        raise SystemExit(f"render_graph: {args.definition} is no state machine definition: it needs StartAt and States")
    document = _read_json(args.history, "history") if args.history else None
    events = _events(document) if document is not None else None
    # "childEvents" (written by scripts/demo.py): the histories of a Distributed Map's child executions.
    children = document.get("childEvents", []) if isinstance(document, dict) else []
    try:
        svg = render_svg(definition, events, args.title, children=children)
    except GraphvizMissing as exc:
        raise SystemExit(f"render_graph: {exc}") from None
    if args.output:
        args.output.write_text(svg)
    else:
        sys.stdout.write(svg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
