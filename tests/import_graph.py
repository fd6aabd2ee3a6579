"""The import graph of a package, read from its source with ``ast`` (every import statement,
inside functions and ``if TYPE_CHECKING:`` blocks too), and the checks the architecture test runs."""
from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from pathlib import Path


def module_files(package_dir: Path) -> dict[str, Path]:
    """Dotted module name → file, for every .py file of the package (Alembic revision scripts
    excepted: Alembic loads them by path, nothing imports them)."""
    root = package_dir.parent
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        if "versions" in path.relative_to(package_dir).parts:
            continue
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports (``from pkg import mod`` counts as ``pkg.mod``)."""
    files = module_files(package_dir)
    top = package_dir.name

    def resolve(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in files else source for a in node.names]
            for name in targets:
                if name == top or name.startswith(top + "."):
                    target = resolve(name)
                    if target and target != module:
                        graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_of(module: str, layers: Sequence[Iterable[str]]) -> int | None:
    """The layer index of a module, by its top-level name (``pkg`` itself is ``"pkg"``)."""
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else parts[0]
    for i, layer in enumerate(layers):
        if name in layer:
            return i
    return None


def upward_imports(graph: dict[str, set[str]], layers: Sequence[Iterable[str]]) -> list[str]:
    """``a -> b`` for every import of a module in a higher layer than the importer's."""
    bad = []
    for module, targets in sorted(graph.items()):
        mine = layer_of(module, layers)
        for target in sorted(targets):
            theirs = layer_of(target, layers)
            if mine is not None and theirs is not None and theirs > mine:
                bad.append(f"{module} -> {target}")
    return bad


def undeclared(graph: dict[str, set[str]], layers: Sequence[Iterable[str]]) -> list[str]:
    """Modules whose top-level name is in no layer."""
    return sorted(m for m in graph if layer_of(m, layers) is None)
