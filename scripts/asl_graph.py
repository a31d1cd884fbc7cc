"""Reading an ASL definition as a graph: which state can follow which. A graph walk, not an interpreter."""

from __future__ import annotations

from typing import Any


def transitions(definition: dict[str, Any]) -> dict[str, set[str]]:
    """State name -> names of the states it can move to (Next, Default, Choices, Catch), nested ones included."""
    graph: dict[str, set[str]] = {}

    def visit(states: dict[str, Any]) -> None:
        for name, st in states.items():
            nxt = {st[key] for key in ("Next", "Default") if key in st}
            nxt |= {c["Next"] for c in st.get("Choices", [])}
            nxt |= {c["Next"] for c in st.get("Catch", [])}
            graph[name] = nxt
            for branch in st.get("Branches", []):
                visit(branch["States"])
            for key in ("Iterator", "ItemProcessor"):
                if key in st:
                    visit(st[key]["States"])

    visit(definition["States"])
    return graph


def shortest_path(definition: dict[str, Any], goal: str) -> list[str]:
    """The shortest chain of states from StartAt to goal (breadth-first over transitions)."""
    graph = transitions(definition)
    frontier = [[definition["StartAt"]]]
    seen = {definition["StartAt"]}
    while frontier:
        path = frontier.pop(0)
        if path[-1] == goal:
            return path
        for n in sorted(graph.get(path[-1], ())):
            if n not in seen:
                seen.add(n)
                frontier.append([*path, n])
    raise ValueError(f"{goal} is not reachable from {definition['StartAt']}")
