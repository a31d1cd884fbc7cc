"""The Lambda handlers (lambda_src/) run on every Python runtime the root module's lambda_runtime accepts.

No interpreter older than the project's own is available offline, so this checks the source instead:
- every file parses with the grammar of the oldest accepted version (``ast.parse(feature_version=...)``), which
  refuses ``match``, parenthesized context managers, ``except*`` and the like;
- annotations are never evaluated at runtime (``from __future__ import annotations`` in every module), so
  ``dict[str, int]`` and ``X | None`` may appear there;
- outside annotations, no construct that parses on 3.8 but fails when it runs before 3.9/3.10: ``|`` between
  types or dicts (``isinstance(x, int | float)``, ``a | b`` dict union), subscripted builtins (``list[str]``),
  and the 3.9+ methods and modules listed below.
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAMBDA_SOURCES = sorted((ROOT / "lambda_src").rglob("*.py"))

# Names that exist only from Python 3.9 / 3.10 on (attribute or module), as used by code that would break on 3.8.
NEWER_ATTRIBUTES = {"removeprefix", "removesuffix", "bit_count", "cache", "lcm", "nextafter", "ulp", "is_relative_to"}
NEWER_MODULES = {"zoneinfo", "graphlib", "tomllib"}
BUILTIN_GENERICS = {"dict", "list", "tuple", "set", "frozenset", "type"}


def accepted_runtimes() -> list[tuple[int, int]]:
    """The Python versions of the lambda_runtime validation in variables.tf."""
    text = (ROOT / "variables.tf").read_text()
    block = re.search(r'variable "lambda_runtime" \{(.*?)\n\}', text, re.S)
    assert block, "variable lambda_runtime not found in variables.tf"
    condition = re.search(r"condition\s*=\s*contains\(\[(.*?)\]", block.group(1))
    assert condition, "lambda_runtime's validation must be a contains([...]) list of runtimes"
    versions = [tuple(int(n) for n in v) for v in re.findall(r'"python(\d+)\.(\d+)"', condition.group(1))]
    assert versions
    return sorted(versions)


OLDEST = accepted_runtimes()[0]


def test_validation_lists_only_python3_runtimes_from_3_8():
    versions = accepted_runtimes()
    assert versions[0] == (3, 8)
    assert all(major == 3 for major, _ in versions)
    assert (3, 12) in versions  # the default


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """ids of every node inside an annotation (never evaluated, thanks to the __future__ import)."""
    inside: set[int] = set()
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.returns is not None:
                roots.append(node.returns)
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None and arg.annotation is not None:
                    roots.append(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    for root in roots:
        inside.update(id(n) for n in ast.walk(root))
    return inside


def _imports(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Import):
        return {a.name.split(".")[0] for a in node.names}
    if isinstance(node, ast.ImportFrom):
        return {(node.module or "").split(".")[0]}
    return set()


def _is_zip_strict(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "zip"
        and any(k.arg == "strict" for k in node.keywords)
    )


def runtime_problems(source: str, filename: str = "<src>") -> list[str]:
    tree = ast.parse(source, filename, feature_version=OLDEST)
    problems = []
    has_future = any(
        isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations" for a in n.names)
        for n in tree.body
    )
    if not has_future:
        problems.append("missing 'from __future__ import annotations'")
    annotations = _annotation_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in annotations:
            continue
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            problems.append(f"{where}: '|' outside an annotation (type union or dict union needs 3.10/3.9)")
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.BitOr):
            problems.append(f"{where}: '|=' outside an annotation (dict update operator needs 3.9)")
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in BUILTIN_GENERICS:
            problems.append(f"{where}: {node.value.id}[...] outside an annotation needs 3.9")
        elif isinstance(node, ast.Attribute) and node.attr in NEWER_ATTRIBUTES:
            problems.append(f"{where}: .{node.attr} needs 3.9+")
        elif _imports(node) & NEWER_MODULES:
            problems.append(f"{where}: module needs 3.9+")
        elif _is_zip_strict(node):
            problems.append(f"{where}: zip(strict=...) needs 3.10")
    return problems


def test_lambda_sources_found():
    names = {p.parent.name for p in LAMBDA_SOURCES}
    assert {"retraining", "approval", "inference_api"} <= names


@pytest.mark.parametrize("path", LAMBDA_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_lambda_source_runs_on_oldest_accepted_runtime(path: pathlib.Path):
    assert runtime_problems(path.read_text(), str(path.relative_to(ROOT))) == []


@pytest.mark.parametrize(
    "snippet, problem",
    [
        ("x = isinstance(1, int | float)", "'|' outside an annotation"),
        ("a = {} | {'k': 1}", "'|' outside an annotation"),
        ("a = {}\na |= {'k': 1}", "'|='"),
        ("Alias = dict[str, int]", "dict[...]"),
        ("y = 'ab'.removeprefix('a')", ".removeprefix"),
        ("import zoneinfo", "module needs 3.9+"),
        ("z = list(zip([1], [2], strict=True))", "zip(strict"),
    ],
)
def test_checker_finds_newer_runtime_constructs(snippet: str, problem: str):
    problems = runtime_problems("from __future__ import annotations\n" + snippet)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    "snippet",
    ["match x:\n    case 1:\n        pass", "with (open('a') as f, open('b') as g):\n    pass"],
)
def test_checker_refuses_newer_grammar(snippet: str):
    with pytest.raises(SyntaxError):
        runtime_problems("from __future__ import annotations\nx = 1\n" + snippet)


def test_checker_allows_annotations_and_requires_future_import():
    ok = "from __future__ import annotations\ndef f(a: int | None) -> dict[str, int]:\n    b: list[int] = []\n"
    assert runtime_problems(ok) == []
    assert runtime_problems("x = 1\n") == ["missing 'from __future__ import annotations'"]
