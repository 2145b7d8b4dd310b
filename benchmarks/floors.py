"""Import floors of the package: how many layers of hepconditioning parts stand below each.

A part (a top-level module or subpackage of ``hepconditioning``: ``io``, ``evaluation``,
``training``…) that imports no other part stands on floor 1; any other part stands one floor
above the highest part it imports. The number of floors is the longest import chain between
parts; fewer floors mean fewer layers to read before a change, and a part's floor says what
importing it drags in. Imports inside a part do not count; deferred imports (inside
functions) do, as they are dependencies all the same. Counted from the source (``ast``),
without importing anything. ``--modules`` counts single modules instead of parts. An import
cycle counts as one node named ``a+b``.

    python -m benchmarks.floors              # floors per part, highest first, and the longest chain

Issue 12 measured 9 floors with ``io`` on floor 5 before ``evaluation/`` took the results file.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PACKAGE = "hepconditioning"


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name → source file, for every module of the package under ``root``."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest known module prefix of ``name`` (``a.b.c`` → ``a.b`` if ``c`` is a name)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the package modules it imports (anywhere in the file)."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                # `from pkg import submodule` imports the submodule, `from pkg import name` pkg
                names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules
                         else node.module for alias in node.names]
            else:
                continue
            for name in names:
                target = _resolve(name, modules) if name.split(".")[0] == PACKAGE else None
                if target and target not in (module, PACKAGE):
                    found.add(target)
        graph[module] = found
    return graph


def by_part(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph collapsed to parts (``hepconditioning.io.root.reader`` → ``io``)."""
    def part(module: str) -> str:
        return module.split(".")[1] if "." in module else module

    out: dict[str, set[str]] = {}
    for module, targets in graph.items():
        out.setdefault(part(module), set()).update(part(t) for t in targets if part(t) != part(module))
    return out


def condense(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Merge each import cycle into one node named ``a+b`` (Tarjan's strongly connected
    components), so that floors are defined; a cycle shows up by its ``+`` name."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    component: dict[str, str] = {}

    def strongconnect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                strongconnect(target)
                low[node] = min(low[node], low[target])
            elif target not in component and target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            for member in members:
                component[member] = "+".join(sorted(members))

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    out: dict[str, set[str]] = {}
    for node, targets in graph.items():
        out.setdefault(component[node], set()).update(
            component[t] for t in targets if t in component and component[t] != component[node])
    return out


def floors(graph: dict[str, set[str]]) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Floor of each node of an acyclic graph and one longest chain below it (the node first)."""
    floor: dict[str, int] = {}
    chain: dict[str, list[str]] = {}

    def visit(node: str) -> int:
        if node not in floor:
            below = [(visit(target), target) for target in sorted(graph.get(node, ()))]
            top, target = max(below, default=(0, None))
            floor[node], chain[node] = top + 1, [node, *(chain[target] if target else [])]
        return floor[node]

    for node in graph:
        visit(node)
    return floor, chain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="count single modules, not parts")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args(argv)
    graph = imports(module_names(args.root))
    floor, chain = floors(condense(graph if args.modules else by_part(graph)))
    top = max(floor, key=lambda node: (floor[node], node))
    print(f"{floor[top]} floors, {len(floor)} {'modules' if args.modules else 'parts'}")
    for node, level in sorted(floor.items(), key=lambda item: (-item[1], item[0])):
        print(f"{level:3d}  {node}")
    print("longest chain:", " -> ".join(chain[top]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
