"""Engines stay pure: no Django, no other lianxin package, no clock.

Walks every module under lianxin/engines and fails on a forbidden import or a call
that reads the wall clock, so the one-way tower of DESIGN.md section 3 holds.
"""

import ast
from pathlib import Path

import pytest

ENGINES_ROOT = Path(__file__).resolve().parents[2] / "lianxin" / "engines"
FORBIDDEN_IMPORT_PREFIXES = (
    "django",
    "ninja",
    "lianxin.core",
    "lianxin.cases",
    "lianxin.places",
    "lianxin.people",
    "lianxin.settings",
    "lianxin.antifraud",
    "lianxin.legal",
)
# A clock read inside an engine makes results depend on when they ran.
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def _engine_sources() -> list[Path]:
    return sorted(p for p in ENGINES_ROOT.rglob("*.py") if "corpus" not in p.parts)


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if name.startswith(FORBIDDEN_IMPORT_PREFIXES):
                found.append(f"{path.name}:{node.lineno} imports {name}")
            if name.startswith("lianxin.") and not name.startswith("lianxin.engines"):
                found.append(f"{path.name}:{node.lineno} imports {name}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if (owner_name, node.func.attr) in FORBIDDEN_CALLS:
                found.append(f"{path.name}:{node.lineno} reads the clock via {owner_name}.{node.func.attr}()")
    return found


def test_engines_exist():
    assert _engine_sources(), "no engine sources found"


@pytest.mark.parametrize("path", _engine_sources(), ids=lambda p: str(p.relative_to(ENGINES_ROOT)))
def test_engine_module_is_pure(path):
    assert _violations(path) == []


def test_checker_catches_a_django_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from django.db import models\nimport datetime\nx = datetime.datetime.now()\n")
    found = _violations(bad)
    assert any("django" in v for v in found)
    assert any("clock" in v for v in found)
