"""The project's import graph, read from the source with `ast` (nothing is imported)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "engagement"
TESTS_DIR = PACKAGE_DIR.parent / "tests"
FEATURES = (
    "accounts",
    "corrections",
    "membership",
    "newsroom",
    "notifications",
    "patreon",
    "readers",
    "voting",
)


def module_name(path: Path) -> str:
    """`engagement/voting/views.py` -> `engagement.voting.views`."""
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_imports(path: Path) -> set[str]:
    """Every absolute import in the file, at any depth (function bodies too): the modules, and
    `module.name` for each name taken from one."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imported_modules(path: Path) -> set[str]:
    """Every engagement module the file imports, at any depth (function bodies too)."""
    return {
        name for name in all_imports(path) if name == "engagement" or name.startswith("engagement.")
    }


def suite_files() -> list[Path]:
    """The suite's Python files (not the browser tests' node_modules)."""
    return [path for path in TESTS_DIR.rglob("*.py") if "node_modules" not in path.parts]


def import_graph() -> dict[str, set[str]]:
    """module -> the engagement modules it imports."""
    return {module_name(path): imported_modules(path) for path in PACKAGE_DIR.rglob("*.py")}


def feature_of(module: str) -> str | None:
    """The feature package a module belongs to, or None for the shared core."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


def is_demo(module: str) -> bool:
    """Demo data: the `engagement.demo` package and every feature's `demo` module."""
    parts = module.split(".")
    return (len(parts) > 1 and parts[1] == "demo") or (len(parts) > 2 and parts[2] == "demo")


def feature_graph() -> dict[str, set[str]]:
    """feature -> the other features it imports."""
    graph: dict[str, set[str]] = {feature: set() for feature in FEATURES}
    for module, imports in import_graph().items():
        source = feature_of(module)
        if source is None:
            continue
        graph[source].update(f for f in map(feature_of, imports) if f and f != source)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle found by a depth-first walk, as the path that closes it."""
    found, done = [], set()

    def walk(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node) :] + [node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            walk(target, path + [node])
        done.add(node)

    for start in sorted(graph):
        walk(start, [])
    return found
