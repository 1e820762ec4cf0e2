"""The package's import graph: no cycle (imports inside functions and under TYPE_CHECKING count), and
the floors of docs/architecture.md (a lower floor never imports a higher one)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "videomatte"

# Each package may import the packages of its own floor and the floors below, never those above.
FLOORS = [
    {"errors", "models", "io"},
    {"export", "subject", "compositing", "finishing"},
    {"inference"},
    {"conversion", "evaluation", "training"},
    {"live", "cluster"},
    {"web"},
    {"cli"},
]


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules that ``module`` imports anywhere in its file."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + ".") and name != "videomatte":
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    known = module_names()
    return {module: imported(module, path, known) for module, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    return found


def floor_of(module: str) -> int:
    """The floor of a module; the package itself (the public API, lazily importing) is above them all."""
    parts = module.split(".")
    if len(parts) == 1:
        return len(FLOORS)
    return next(level for level, names in enumerate(FLOORS) if parts[1] in names)


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_package_has_a_floor() -> None:
    tops = {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    tops |= {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert tops == set().union(*FLOORS)


def test_no_floor_imports_a_higher_one() -> None:
    upward = {module: sorted(name for name in imports if floor_of(name) > floor_of(module))
              for module, imports in graph().items()}
    assert {module: names for module, names in upward.items() if names} == {}
