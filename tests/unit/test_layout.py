"""The direction of imports between the layers (docs/architecture.md), checked on every
import in the source, including those inside functions: a rule broken by a late import
is still broken."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"srs": ROOT / "srs", "srs_cli": ROOT / "cli"}


def module_name(path: Path) -> str:
    for package, folder in PACKAGES.items():
        if path.is_relative_to(folder):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise ValueError(path)


def modules() -> dict[str, Path]:
    return {module_name(p): p for folder in PACKAGES.values() for p in folder.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The srs and srs_cli modules `name` imports (`from a import b` counts a.b when a.b is a module)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            # `from package import module` runs the package's __init__ first, as any import of
            # one of its modules does: it counts as importing the module, not the package
            targets = submodules if all(s in known for s in submodules) else [base, *submodules]
        else:
            continue
        for target in targets:
            if target in known:
                found.add(target)
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


GRAPH = graph()


def under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_graph_sees_the_modules():
    assert "srs.store.connection" in GRAPH and "srs_cli.main" in GRAPH
    assert "srs.store.log" in GRAPH["srs.store.connection"]  # the walk finds imports


def test_the_library_never_imports_the_cli():
    offenders = {m: sorted(i for i in deps if under(i, "srs_cli")) for m, deps in GRAPH.items() if under(m, "srs")}
    assert {m: d for m, d in offenders.items() if d} == {}


PURE = ["srs.ingest.readers", "srs.ingest.columns", "srs.ingest.misslog", "srs.ingest.identity", "srs.ingest.taxonomy",
        "srs.ingest.reasons", "srs.ingest.dates", "srs.ingest.results", "srs.ingest.rows", "srs.model", "srs.timing",
        "srs.schedule.scheduler", "srs.card_text", "srs.errors", "srs.plan.weights", "srs.plan.readiness"]  # fmt: skip


@pytest.mark.parametrize("name", PURE)
def test_pure_parts_never_import_the_store(name):
    """Reading files, the plain records, the day rule, the scheduler and card text work without a database."""
    assert sorted(i for i in reachable(name) if under(i, "srs.store")) == []


STORE_MAY_IMPORT = ("srs.store", "srs.model", "srs.timing", "srs.errors", "srs.plan.weights")


def test_the_store_imports_only_what_it_stores():
    offenders = {
        m: sorted(i for i in deps if not under(i, *STORE_MAY_IMPORT) and i != "srs")
        for m, deps in GRAPH.items()
        if under(m, "srs.store")
    }
    assert {m: d for m, d in offenders.items() if d} == {}


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for dep in GRAPH.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    assert cycles() == []


def test_the_cycle_finder_finds_a_cycle(monkeypatch):
    monkeypatch.setitem(GRAPH, "srs.timing", GRAPH["srs.timing"] | {"srs.store.log"})
    assert any("srs.timing" in group for group in cycles())


# SQL on srs's own database lives in srs/store; srs.anki.package writes the Anki collection
# inside an .apkg, a different database with Anki's schema.
SQL_ELSEWHERE = {"srs.anki.package"}


def test_sql_on_the_database_lives_in_the_store():
    offenders = []
    for name, path in modules().items():
        if not under(name, "srs") or under(name, "srs.store") or name in SQL_ELSEWHERE:
            continue
        text = path.read_text(encoding="utf-8")
        if any(needle in text for needle in (".execute(", ".executemany(", "import sqlite3")):
            offenders.append(name)
    assert offenders == []
