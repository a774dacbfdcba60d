"""Imports go one way: bot → storage → booking; booking is pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "booking": {"sqlalchemy", "flask", "slack_bolt", "slack_sdk", "openai", "redis", "alembic",
                "storage", "bot", "health", "psycopg2", "requests", "httpx", "apscheduler"},
    "storage": {"bot", "health", "flask", "slack_bolt", "slack_sdk", "openai"},
}  # fmt: skip


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a module imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_it_may(package: str) -> None:
    """No module of the package imports a forbidden layer or library."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert offenders, f"no module found under {package}/"
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_scan_sees_imports() -> None:
    """The scanner itself finds both import forms (so the test above can fail)."""
    roots = imported_roots(ROOT / "storage" / "uow.py")
    assert {"sqlalchemy", "booking"} <= roots
