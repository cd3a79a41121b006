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


def test_nox_sessions_cover_every_dbt_version_the_pin_allows() -> None:
    import ast
    import tomllib

    root = PACKAGE.parent
    tree = ast.parse((root / "noxfile.py").read_text())
    versions = next(
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DBT_VERSIONS"
    )
    pin = next(
        d
        for d in tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
        if d.startswith("dbt-core")
    )
    assert pin == "dbt-core>=1.9,<1.12"
    assert list(versions) == ["1.9", "1.10", "1.11"]
    assert all(f"dbt-core~={v}.0" in pins for v, pins in versions.items())
