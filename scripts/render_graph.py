"""Render an Amazon States Language definition as an SVG picture, with the path an execution took highlighted.

The Step Functions Data Science SDK's ``Workflow.render_graph()`` / ``Execution.render_progress()`` are the reference:
one box per state, the transitions between them, and, for an execution, each state coloured by what happened to it
(the SDK's legend: Success, Failed, Cancelled, In Progress, Caught Error). The SDK draws in a notebook with a
JavaScript library; this draws offline, in pure Python, to a standalone SVG file that a README can show.

Layout: a layered drawing (top to bottom): loops are found by a depth-first walk and drawn as arcs on the right, the
other edges go down through layers; Parallel branches and Map iterators are drawn inside their state's box. Catch
edges are dashed, and faint unless the execution took them. Reading the definition is a graph walk, never an
interpretation of it.

Use::

    python -m scripts.render_graph definition.json [--history history.json] [--title TEXT] -o picture.svg

``history.json``: what GetExecutionHistory returns (``{"events": [...]}``, optionally with ``"childEvents"``: the
histories of a Distributed Map's child executions) or its list of events. From Python:
``render_svg(definition, events=None, title=None, children=()) -> str``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

FONT = "font-family='Helvetica, Arial, sans-serif'"
CHAR_WIDTH = 7.0  # average width of a 12 px character
NODE_HEIGHT = 40.0
H_GAP, V_GAP, PAD = 28.0, 46.0, 16.0
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
    rank: int = 0
    x: float = 0.0  # centre
    y: float = 0.0  # top


@dataclass
class Edge:
    src: str
    dst: str
    kind: str  # next, choice, default, catch
    label: str = ""
    back: bool = False
    via: list[str] = field(default_factory=list)  # dummy nodes of a long edge


@dataclass
class Scope:
    """The states of a machine, a Parallel branch or a Map iterator, laid out in their own box."""

    nodes: dict[str, Node]
    edges: list[Edge]
    width: float = 0.0
    height: float = 0.0
    x: float = 0.0  # top left, relative to the enclosing node's top left
    y: float = 0.0


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
# Layout
# ---------------------------------------------------------------------------------------------------------------------
def _mark_back_edges(scope: Scope) -> None:
    """Depth-first from Start: an edge to a state still on the walk's stack closes a loop."""
    out: dict[str, list[Edge]] = {}
    for edge in scope.edges:
        out.setdefault(edge.src, []).append(edge)
    on_stack, done = set(), set()

    def visit(name: str) -> None:
        on_stack.add(name)
        for edge in out.get(name, []):
            if edge.dst in on_stack:
                edge.back = True
            elif edge.dst not in done:
                visit(edge.dst)
        on_stack.discard(name)
        done.add(name)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(scope.nodes) + 100))
    visit(START)
    for name in list(scope.nodes):  # states no transition reaches
        if name not in done:
            visit(name)


def _assign_ranks(scope: Scope) -> None:
    forward = [e for e in scope.edges if not e.back]
    for node in scope.nodes.values():
        node.rank = 0
    for _ in range(len(scope.nodes)):  # longest path over the acyclic edges
        changed = False
        for edge in forward:
            rank = scope.nodes[edge.src].rank + 1
            if scope.nodes[edge.dst].rank < rank:
                scope.nodes[edge.dst].rank, changed = rank, True
        if not changed:
            break
    if END in scope.nodes:
        scope.nodes[END].rank = max(n.rank for n in scope.nodes.values())
        if any(e.src != END and scope.nodes[e.src].rank >= scope.nodes[END].rank for e in forward if e.dst == END):
            scope.nodes[END].rank += 1


def _add_dummies(scope: Scope) -> None:
    """Long forward edges (not Catch edges, drawn as curves) pass through one dummy node per layer they cross."""
    for index, edge in enumerate(list(scope.edges)):
        if edge.back or edge.kind == "catch":
            continue
        low, high = scope.nodes[edge.src].rank, scope.nodes[edge.dst].rank
        for rank in range(low + 1, high):
            dummy = Node(f"__dummy_{index}_{rank}", "", "", "dummy", width=2.0, height=NODE_HEIGHT)
            dummy.rank = rank
            scope.nodes[dummy.id] = dummy
            edge.via.append(dummy.id)


def _size(node: Node) -> None:
    if node.kind in ("start", "end"):
        node.width, node.height = 56.0, 28.0
        return
    if node.kind == "dummy":
        return
    text = max(_text_width(node.title, bold=True), _text_width(node.subtitle)) + 2 * PAD
    if node.inner:
        for scope in node.inner:
            layout(scope)
        inner_width = sum(s.width for s in node.inner) + H_GAP * (len(node.inner) - 1)
        node.width = max(text, inner_width + 2 * PAD)
        node.height = NODE_HEIGHT + PAD + max(s.height for s in node.inner)
        x = (node.width - inner_width) / 2
        for scope in node.inner:
            scope.x, scope.y = x, NODE_HEIGHT
            x += scope.width + H_GAP
    else:
        node.width = max(text, 110.0)


def layout(scope: Scope) -> Scope:
    """Place every node of the scope (and of nested scopes); sets positions and the scope's size."""
    _mark_back_edges(scope)
    _assign_ranks(scope)
    _add_dummies(scope)
    for node in scope.nodes.values():
        _size(node)

    layers: dict[int, list[Node]] = {}
    for node in scope.nodes.values():  # insertion order: the definition's order, a good first ordering
        layers.setdefault(node.rank, []).append(node)
    links: list[tuple[str, str]] = []
    for edge in scope.edges:
        if edge.back:
            continue
        chain = [edge.src, *edge.via, edge.dst]
        links += list(itertools.pairwise(chain))
    above = {n: [a for a, b in links if b == n] for n in scope.nodes}
    below = {n: [b for a, b in links if a == n] for n in scope.nodes}

    # Order each layer by the mean position of its neighbours (barycentres), sweeping down and up.
    position = {n.id: i for layer in layers.values() for i, n in enumerate(layer)}
    ranks = sorted(layers)
    for sweep in range(6):
        order = ranks[1:] if sweep % 2 == 0 else ranks[-2::-1]
        for rank in order:
            neighbours = above if sweep % 2 == 0 else below
            layer = layers[rank]

            def key(n: Node, neighbours: dict[str, list[str]] = neighbours) -> float:
                near = neighbours[n.id]
                return sum(position[m] for m in near) / len(near) if near else position[n.id]

            layer.sort(key=key)
            for i, n in enumerate(layer):
                position[n.id] = i

    # x: each node under the mean of its neighbours, then pushed apart; alternate passes down and up.
    for rank in ranks:
        x = 0.0
        for n in layers[rank]:
            n.x = x + n.width / 2
            x += n.width + H_GAP
    for sweep in range(8):
        order = ranks[1:] if sweep % 2 == 0 else ranks[-2::-1]
        for rank in order:
            neighbours = above if sweep % 2 == 0 else below
            layer = layers[rank]
            wanted = []
            for n in layer:
                near = [scope.nodes[m].x for m in neighbours[n.id]]
                wanted.append(sum(near) / len(near) if near else n.x)
            placed = []
            for n, want in zip(layer, wanted, strict=True):
                low = placed[-1].x + placed[-1].width / 2 + H_GAP + n.width / 2 if placed else -1e9
                n.x = max(want, low)
                placed.append(n)
            shift = sum(w - n.x for n, w in zip(layer, wanted, strict=True)) / len(layer)
            for n in layer:
                n.x += shift

    # y: layer after layer.
    y = 0.0
    for rank in ranks:
        height = max(n.height for n in layers[rank])
        for n in layers[rank]:
            n.y = y + (height - n.height) / 2
        y += height + V_GAP
    left = min(n.x - n.width / 2 for n in scope.nodes.values())
    right = max(n.x + n.width / 2 for n in scope.nodes.values())
    loops = sum(1 for e in scope.edges if e.back)
    for n in scope.nodes.values():
        n.x += PAD - left
    scope.width = right - left + 2 * PAD + 24.0 * loops
    scope.height = y - V_GAP + 2 * PAD
    for n in scope.nodes.values():
        n.y += PAD
    return scope


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


def _draw_scope(svg: _Svg, scope: Scope, ox: float, oy: float, run: Progress | None) -> None:
    nodes = scope.nodes
    for edge in scope.edges:
        _draw_edge(svg, scope, edge, ox, oy, run)
    for node in nodes.values():
        if node.kind != "dummy":
            _draw_node(svg, node, ox, oy, run)


def _draw_edge(svg: _Svg, scope: Scope, edge: Edge, ox: float, oy: float, run: Progress | None) -> None:
    src, dst = scope.nodes[edge.src], scope.nodes[edge.dst]
    times = run.taken.get((edge.src, edge.dst), 0) if run else 0
    colour = _edge_colour(times > 0, edge.kind)
    width = 2.6 if times else 1.2
    dash = " stroke-dasharray='5 4'" if edge.kind == "catch" else ""
    marker = "taken" if times else ("catch" if edge.kind == "catch" else "plain")
    if edge.back:  # a loop: an arc on the right of the states it spans
        x1, y1 = ox + src.x + src.width / 2, oy + src.y + src.height / 2
        x2, y2 = ox + dst.x + dst.width / 2, oy + dst.y + dst.height / 2
        reach = max((n.x + n.width / 2 for n in scope.nodes.values() if dst.rank <= n.rank <= src.rank), default=src.x)
        xr = ox + reach + 30
        path = f"M{x1:.1f},{y1:.1f} C{xr:.1f},{y1:.1f} {xr:.1f},{y2:.1f} {x2 + 6:.1f},{y2:.1f}"
        label_at = (xr + 4, (y1 + y2) / 2)
    else:
        points = [(ox + src.x, oy + src.y + src.height)]
        if edge.kind != "catch":
            points += [(ox + scope.nodes[d].x, oy + scope.nodes[d].y + scope.nodes[d].height / 2) for d in edge.via]
        points.append((ox + dst.x, oy + dst.y - 1))
        # Smooth curves with vertical tangents through the points (the dummies of a long edge).
        path = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
        for (xa, ya), (xb, yb) in itertools.pairwise(points):
            ym = (ya + yb) / 2
            path += f" C{xa:.1f},{ym:.1f} {xb:.1f},{ym:.1f} {xb:.1f},{yb:.1f}"
        # Labels toward the far end of the first curve: the edges of a Choice fan out, so their labels do too.
        (xa, ya), (xb, yb) = points[0], points[1]
        label_at = (xa + (xb - xa) * 0.8, ya + (yb - ya) * 0.62)
    svg.add(
        f"<path class='edge {edge.kind}{' taken' if times else ''}' data-from='{escape(edge.src)}' "
        f"data-to='{escape(edge.dst)}' d='{path}' fill='none' stroke='{colour}' stroke-width='{width}'{dash} "
        f"marker-end='url(#arrow-{marker})'/>"
    )
    label = edge.label if edge.kind != "catch" or times else ""
    if times > 1:
        label = f"{label} {TIMES}{times}".strip()
    if label:
        colour = "#2b6cb0" if times else "#5f6570"
        anchor = "start" if edge.back else "middle"
        at = f"x='{label_at[0]:.1f}' y='{label_at[1] + 3.5:.1f}' {FONT} font-size='10.5' text-anchor='{anchor}'"
        svg.add(f"<text {at} fill='#ffffff' stroke='#ffffff' stroke-width='3.5'>{escape(label)}</text>")  # halo
        svg.add(f"<text class='edge-label' {at} fill='{colour}'>{escape(label)}</text>")


def _draw_node(svg: _Svg, node: Node, ox: float, oy: float, run: Progress | None) -> None:
    x, y = ox + node.x - node.width / 2, oy + node.y
    status = run.status.get(node.id) if run else None
    if node.kind in ("start", "end"):
        reached = bool(run) and (node.kind == "start" or any(dst == END for (_, dst) in run.taken))
        fill = "#2b6cb0" if reached else "#5f6570"
        svg.add(
            f"<g class='terminal' data-state='{node.id}'><rect x='{x:.1f}' y='{y:.1f}' width='{node.width:.1f}' "
            f"height='{node.height:.1f}' rx='14' fill='{fill}'/><text x='{x + node.width / 2:.1f}' "
            f"y='{y + 18.5:.1f}' {FONT} font-size='12' fill='#ffffff' text-anchor='middle'>{node.title}</text></g>"
        )
        return
    fill, stroke = STATUS_COLOURS[status]
    visits = run.visits.get(node.id, 0) if run else 0
    classes = " ".join(["state", node.kind.lower(), status or ("not-run" if run else "")]).strip()
    text_colour = "#1f2328" if (status or not run) else "#8a8f98"
    svg.add(
        f"<g class='{classes}' data-state='{escape(node.id)}'>"
        f"<rect x='{x:.1f}' y='{y:.1f}' width='{node.width:.1f}' height='{node.height:.1f}' rx='6' fill='{fill}' "
        f"stroke='{stroke}' stroke-width='{2.2 if status else 1.2}'/>"
        f"<text x='{x + node.width / 2:.1f}' y='{y + 17:.1f}' {FONT} font-size='12.5' font-weight='bold' "
        f"fill='{text_colour}' text-anchor='middle'>{escape(node.title)}</text>"
        f"<text x='{x + node.width / 2:.1f}' y='{y + 32:.1f}' {FONT} font-size='11' fill='#5f6570' "
        f"text-anchor='middle'>{escape(node.subtitle)}</text>"
    )
    if visits > 1:
        svg.add(
            f"<text x='{x + node.width + 4:.1f}' y='{y + 12:.1f}' {FONT} font-size='10.5' fill='#2b6cb0'>"
            f"{TIMES}{visits}</text>"
        )
    svg.add("</g>")
    for inner in node.inner:
        svg.add(
            f"<rect x='{x + inner.x:.1f}' y='{y + inner.y:.1f}' width='{inner.width:.1f}' height='{inner.height:.1f}' "
            "rx='6' fill='none' stroke='#c9ccd1' stroke-dasharray='3 3'/>"
        )
        _draw_scope(svg, inner, x + inner.x, y + inner.y, run)


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
    scope = layout(build_scope(definition))
    run = progress(events, definition) if events is not None else None
    if run is not None:
        ended = None if run.execution == "RUNNING" else run.execution
        run = merge_progress(run, [progress(child, definition, ended) for child in children])
    header = 30.0 if title else 0.0
    legend = 30.0 if run else 0.0
    width = max(scope.width + 2 * PAD, 560.0 if run else 0.0)
    height = scope.height + header + legend + PAD
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
    _draw_scope(svg, scope, PAD, header, run)
    if run:
        x, y = PAD, header + scope.height + 8
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("definition", type=Path, help="ASL definition (JSON)")
    parser.add_argument("--history", type=Path, help="execution history (GetExecutionHistory JSON) to highlight")
    parser.add_argument("--title", help="title above the picture")
    parser.add_argument("-o", "--output", type=Path, help="SVG file to write (default: stdout)")
    args = parser.parse_args(argv)
    definition = json.loads(args.definition.read_text())
    document = json.loads(args.history.read_text()) if args.history else None
    events = _events(document) if document is not None else None
    # "childEvents" (written by scripts/demo.py): the histories of a Distributed Map's child executions.
    children = document.get("childEvents", []) if isinstance(document, dict) else []
    svg = render_svg(definition, events, args.title, children=children)
    if args.output:
        args.output.write_text(svg)
    else:
        sys.stdout.write(svg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
