"""Boundaries of the code: one place imports dbt; the library never imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sqlsentinel_dbt"


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def python_files(exclude: str) -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if exclude not in p.relative_to(PACKAGE).parts]


def test_only_the_dbt_folder_imports_dbt() -> None:
    leaks = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(path) if m == "dbt" or m.startswith(("dbt.", "dbt_common"))
        )
        for path in python_files(exclude="dbt")
    }
    assert {k: v for k, v in leaks.items() if v} == {}


def test_the_library_never_imports_the_cli() -> None:
    leaks = [
        str(path.relative_to(PACKAGE))
        for path in python_files(exclude="cli")
        if any(m.startswith("sqlsentinel_dbt.cli") for m in imported_modules(path))
    ]
    assert leaks == []


def test_the_fence_test_sees_real_imports() -> None:
    # The dbt folder itself must show up as importing dbt, or the fence test proves nothing.
    dbt_folder = PACKAGE / "dbt" / "session.py"
    assert any(m.startswith("dbt.") for m in imported_modules(dbt_folder))
