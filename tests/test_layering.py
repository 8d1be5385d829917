"""The house keeps its floors: imports point down only, and no import cycle exists.

Floors, bottom up (docs/ARCHITECTURE.md): the engines (each its own room; no engine imports
another); core; places; people; cases; the apps (antifraud, legal, …: no app imports
another); the site level (lianxin/*.py, lianxin.site, lianxin.demo). Every import inside a
function counts as much as one at the top of a module: a cycle held together by a
function-level import is still a cycle. Plugins are found by name at run time
(core.plugins, demo.seed) and are not arrows.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "lianxin"
ENGINES_FLOOR = 0
FLOOR_BY_PACKAGE = {"core": 1, "places": 2, "people": 3, "cases": 4}
APP_FLOOR = 5
SITE_FLOOR = 6
SITE_PACKAGES = frozenset({"site", "demo"})
FLOOR_NAMES = {0: "engines", 1: "core", 2: "places", 3: "people", 4: "cases", 5: "apps", 6: "site level"}

Graph = dict[str, list[tuple[str, int]]]


def module_of(path: Path, root: Path = PACKAGE_ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room_of(module: str) -> tuple[int, str]:
    """Return (floor, room) of a lianxin module: a room is one engine, one app, or the site level."""
    parts = module.split(".")
    if len(parts) < 2:
        return SITE_FLOOR, "site"
    package = parts[1]
    if package == "engines":
        return ENGINES_FLOOR, ".".join(parts[:3])
    if package in FLOOR_BY_PACKAGE:
        return FLOOR_BY_PACKAGE[package], package
    if package in SITE_PACKAGES or (PACKAGE_ROOT / f"{package}.py").exists():
        return SITE_FLOOR, "site"
    return APP_FLOOR, package


def imports_in(
    source: str,
    module: str,
    *,
    is_package: bool,
    known: Iterable[str],
    reexports: dict[str, dict[str, str]] | None = None,
) -> list[tuple[str, int]]:
    """Return (imported lianxin module, line) for every import in source, wherever it stands.

    A name taken from a package that re-exports it (`from lianxin.x.services import y`, where
    services/__init__ imports y from services/z) counts as an import of the submodule z: a
    cycle through a package's re-exports is still a cycle.
    """
    known = set(known)
    reexports = reexports or {}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                child = f"{target}.{alias.name}"
                if child in known:
                    found.append((child, node.lineno))
                elif target != module and alias.name in reexports.get(target, {}):
                    found.append((reexports[target][alias.name], node.lineno))
                else:
                    found.append((target, node.lineno))
    return [(name, line) for name, line in found if name == "lianxin" or name.startswith("lianxin.")]


def package_reexports(path: Path, package: str, known: Iterable[str]) -> dict[str, str]:
    """Return {name: submodule} for each name a package's __init__ imports from its own submodules."""
    known = set(known)
    names = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        if source.startswith(f"{package}.") and source in known:
            names.update({alias.asname or alias.name: source for alias in node.names})
    return names


def import_graph(root: Path = PACKAGE_ROOT) -> Graph:
    paths = sorted(root.rglob("*.py"))
    modules = {module_of(p, root): p for p in paths}
    reexports = {
        module: package_reexports(path, module, modules)
        for module, path in modules.items()
        if path.name == "__init__.py"
    }
    return {
        module: imports_in(
            path.read_text(encoding="utf-8"),
            module,
            is_package=path.name == "__init__.py",
            known=modules,
            reexports=reexports,
        )
        for module, path in modules.items()
    }


def upward_imports(graph: Graph) -> list[str]:
    """Return each import that points up a floor, or sideways between two engines or two apps."""
    problems = []
    for module, targets in graph.items():
        floor, room = room_of(module)
        for target, line in targets:
            target_floor, target_room = room_of(target)
            if target_floor > floor:
                problems.append(
                    f"{module}:{line} imports {target} ({FLOOR_NAMES[floor]} → {FLOOR_NAMES[target_floor]})"
                )
            elif target_floor == floor and target_room != room and floor in (ENGINES_FLOOR, APP_FLOOR):
                problems.append(f"{module}:{line} imports {target} (sideways: {room} → {target_room})")
    return problems


def import_cycles(graph: Graph) -> list[list[str]]:
    """Return the import cycles of graph (strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target, _line in edges:
                if target not in graph:
                    continue
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph.get(target, ()))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return cycles


def _package_edges_removed(graph: Graph) -> Graph:
    """Drop a package's own imports of its submodules (re-exports in __init__), which are not arrows up."""
    return {
        module: [(t, line) for t, line in targets if not t.startswith(f"{module}.")]
        for module, targets in graph.items()
    }


def test_no_import_points_up_a_floor():
    assert upward_imports(import_graph()) == []


def test_no_import_cycle():
    assert import_cycles(_package_edges_removed(import_graph())) == []


def test_core_imports_no_other_lianxin_package():
    graph = import_graph()
    leaks = [
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.startswith("lianxin.core")
        for target, _line in targets
        if not target.startswith(("lianxin.core", "lianxin.engines"))
    ]
    assert leaks == []


# --- the checks check themselves -----------------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "lianxin" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in [p for p in (root / "lianxin").rglob("*") if p.is_dir()] + [root / "lianxin"]:
        (folder / "__init__.py").touch()
    return root / "lianxin"


def test_an_upward_import_is_caught(tmp_path):
    root = _write(
        tmp_path,
        {
            "core/models.py": "from lianxin.cases.models import Case\n",
            "cases/models.py": "from lianxin.core import pii\n",
            "antifraud/services.py": "def f():\n    from lianxin.legal import adapters\n",
            "legal/adapters.py": "import lianxin.engines.lawsearch\n",
            "engines/fundtrace/trace.py": "from lianxin.engines.fraudscreen import Screener\n",
            "engines/fraudscreen/screener.py": "import numpy\n",
            "cases/views.py": "from lianxin.urls import urlpatterns\n",
        },
    )
    problems = upward_imports(import_graph(root))
    assert any("lianxin.core.models:1 imports lianxin.cases.models (core → cases)" in p for p in problems)
    assert any("lianxin.antifraud.services:2 imports lianxin.legal.adapters (sideways" in p for p in problems)
    assert any("lianxin.engines.fundtrace.trace:1 imports lianxin.engines.fraudscreen" in p for p in problems)
    assert any("lianxin.cases.views:1 imports lianxin.urls (cases → site level)" in p for p in problems)
    assert not any(p.startswith(("lianxin.cases.models", "lianxin.legal")) for p in problems)


def test_a_cycle_held_by_a_function_level_import_is_caught(tmp_path):
    root = _write(
        tmp_path,
        {
            "engines/fundtrace/trace.py": "from lianxin.engines.fundtrace.refund import plan\n",
            "engines/fundtrace/refund.py": "def plan():\n    from lianxin.engines.fundtrace import trace\n",
            "engines/fundtrace/lots.py": "import numpy\n",
        },
    )
    cycles = import_cycles(_package_edges_removed(import_graph(root)))
    assert cycles == [["lianxin.engines.fundtrace.refund", "lianxin.engines.fundtrace.trace"]]


@pytest.mark.parametrize(
    "module, floor",
    [
        ("lianxin.engines.fundtrace.trace", ENGINES_FLOOR),
        ("lianxin.core.plugins", 1),
        ("lianxin.cases.services.spine", 4),
        ("lianxin.antifraud.models", APP_FLOOR),
        ("lianxin.demo.cases", SITE_FLOOR),
        ("lianxin.urls", SITE_FLOOR),
    ],
)
def test_rooms_sit_on_their_floors(module, floor):
    assert room_of(module)[0] == floor
