"""The import graph of ``helpers/``, read from the source (every import, those inside functions too).

    python -m tests.import_graph          # each package's imports of the others, then any import circle

A circle is a set of modules each of which, through the others, imports itself; ``tests/test_layout.py``
requires none. Run from the repository root.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules(package: str = "helpers") -> dict[str, Path]:
    """Dotted name -> file of every module of ``package`` (a package's ``__init__`` is the package)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(package: str = "helpers") -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports."""
    known = modules(package)
    graph = {name: set() for name in known}
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
                           for alias in node.names]
            else:
                continue
            graph[name].update(target for target in targets if target in known and target != name)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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


def package_of(module: str) -> str:
    """helpers.studies.store -> helpers.studies; helpers.timer -> helpers.timer."""
    return ".".join(module.split(".")[:2])


def main() -> int:
    graph = imports()
    between: dict[str, set[str]] = {}
    for module, targets in graph.items():
        for target in targets:
            if package_of(module) != package_of(target):
                between.setdefault(package_of(module), set()).add(package_of(target))
    for package in sorted(between):
        print(f"{package} imports {', '.join(sorted(between[package]))}")
    found = circles(graph)
    for circle in found:
        print("CIRCLE: " + " -> ".join(circle))
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} imports, {len(found)} import circle(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
