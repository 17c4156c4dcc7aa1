"""Imports run one way: ruleops' own modules import each other without cycles, and the
query front ends never reach up into checks, fixtures or commands, nor the checks into the
pipeline that runs them.

The graph is read from the source: the imports at module level, which run when a module is
imported, and for the layering also the few deliberate imports inside functions (each
marked `# noqa: PLC0415` with why; ruff refuses any other). Imports under
`if TYPE_CHECKING:` are for the type checker only and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ruleops"
FRONT_ENDS = ("ruleops.query", "ruleops.eql", "ruleops.kql", "ruleops.esql")
ABOVE_FRONT_ENDS = ("ruleops.checks", "ruleops.fixtures", "ruleops.commands", "ruleops.cli")
PIPELINE_RUNNERS = ("ruleops.commands", "ruleops.cli", "ruleops.api", "ruleops.pytest_plugin")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, *, deferred: bool) -> set[str]:
    """The ruleops modules `path` imports when it is imported, and with `deferred` also
    those its functions import when they run."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8")), deferred):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
    return {name for name in found if name in MODULES}


def _runtime_nodes(tree: ast.AST, deferred: bool):
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if not deferred and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


# Who imports whom when a module is imported, and who may import whom at all.
GRAPH = {name: imports(path, deferred=False) - {name} for name, path in MODULES.items()}
ANY_TIME = {name: imports(path, deferred=True) - {name} for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read_from_the_source():
    assert "ruleops.checks" in GRAPH["ruleops.checks.eql"]
    assert "ruleops.eql.parser" not in GRAPH["ruleops.checks.eql"]  # per language, deferred
    assert "ruleops.eql.parser" in ANY_TIME["ruleops.checks.eql"]


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_ruleops_modules_import_each_other_without_cycles():
    assert cycles(GRAPH) == []


def test_query_front_ends_never_import_checks_fixtures_or_commands():
    upward = sorted(
        (module, target)
        for module, targets in ANY_TIME.items()
        if module.startswith(FRONT_ENDS)
        for target in targets
        if target.startswith(ABOVE_FRONT_ENDS)
    )
    assert upward == []


def test_only_the_commands_run_the_pipeline():
    """`ruleops.engine` is the pipeline that runs the checks; the checks, fixtures and
    reporters it runs take what they share from modules below it (`ruleops.files`,
    `ruleops.discovery`), never from it."""
    importers = sorted(name for name, targets in ANY_TIME.items() if "ruleops.engine" in targets)
    assert importers and all(module.startswith(PIPELINE_RUNNERS) for module in importers), importers
