"""The package reads as a pipeline: a lower stage never imports a higher one, and no modules import each other in a
cycle (type-only and function-level imports count too). ARCHITECTURE.md draws the same order."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "interviewer"
LAYERS = [  # lowest first; a module may import its own layer and those before it
    {"interviewer.config", "interviewer.errors", "interviewer.text"},
    {"interviewer.llm"},
    {"interviewer.knowledge", "interviewer.voice"},
    {"interviewer.safety"},
    {"interviewer.grading"},
    {"interviewer.interview"},
    {"interviewer.store"},
    {"interviewer.chat", "interviewer.cli", "interviewer.doctor"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(source: str, name: str, is_package: bool = False) -> set[str]:
    """Every interviewer module that the module `name` (with this source) imports, anywhere in the file, as
    absolute names; `from x import y` counts as x.y when y is a module."""
    package = name if is_package else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            submodules = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES}
            found |= submodules if len(submodules) == len(node.names) else submodules | {base}
    return {m for m in found if m == "interviewer" or m.startswith("interviewer.")}


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    return imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")


def layer_of(module: str) -> int:
    if module == "interviewer":
        return 0  # the root package holds only __version__
    for depth in (3, 2, 1):
        prefix = ".".join(module.split(".")[:depth])
        for i, layer in enumerate(LAYERS):
            if prefix in layer:
                return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_stage(module):
    mine = layer_of(module)
    higher = sorted(m for m in imports_of(module) if layer_of(m) > mine)
    assert not higher, f"{module} (layer {mine}) imports higher stages: {higher}"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles a depth-first walk meets (each as the path that closes it)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                found.append(stack[stack.index(d) :] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_no_import_cycles():
    # a package's __init__ re-exporting its own modules is not an edge back into the package
    graph = {m: {d for d in imports_of(m) if d in MODULES and d != m and not d.startswith(m + ".")} for m in MODULES}
    assert cycles(graph) == []


def test_the_checks_can_fail():
    """A grading module importing the interview breaks the layering; two modules importing each other are a cycle."""
    source = "from interviewer.interview import state\nfrom ..interview.deps import Deps\n"
    found = imports(source, "interviewer.grading.types")
    assert {"interviewer.interview.state", "interviewer.interview.deps"} <= found
    assert max(layer_of(m) for m in found) > layer_of("interviewer.grading.types")
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
