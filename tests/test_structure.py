"""Boundaries of the code: one place imports dbt; the library never imports the CLI; the
layers of docs/architecture.md are the ones the import contract checks."""

from __future__ import annotations

import ast
import re
import tomllib
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


def contract_layers() -> list[str]:
    """The `layers` contract of pyproject.toml, top layer first."""
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    [layers] = [c["layers"] for c in contracts if c["type"] == "layers"]
    return list(layers)


def test_the_architecture_doc_lists_the_layers_the_contract_checks() -> None:
    layers = contract_layers()
    contract = [sorted(name.strip() for name in layer.split("|")) for layer in layers]
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| +\d+ \| (.+?) \|", page, re.M)
    documented = [sorted(re.findall(r"`(\w+)`", row)) for row in rows]
    assert documented == contract


def test_every_package_is_in_a_layer() -> None:
    layers = contract_layers()
    layered = {name.strip() for layer in layers for name in layer.split("|")}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert modules | packages == layered


def test_nothing_cites_a_document_outside_the_repository() -> None:
    root = PACKAGE.parent
    texts = [
        path
        for pattern in (
            "sqlsentinel_dbt/**/*.py",
            "macros/**/*.sql",
            "tests/**/*",
            "docs/**/*.md",
            "*.md",
        )
        for path in root.glob(pattern)
        if path.is_file() and path.suffix in {".py", ".sql", ".md", ".yml"}
    ]
    outside = re.compile(r"SEMANTICS\.md|DESIGN\.md|STYLE\.md|\.\./shared")
    this_test = Path(__file__).resolve()
    cited = [
        str(p.relative_to(root)) for p in texts if p != this_test and outside.search(p.read_text())
    ]
    assert texts and cited == []


def imported_names(path: Path, prefix: str) -> set[str]:
    """`module.name` for every name `path` imports from a module under `prefix`."""
    return {
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix)
        for alias in node.names
    }


def test_the_runtime_reaches_delivery_only_through_the_notifier() -> None:
    # Deciding, dispatching and dead letters are the notifier's (docs/architecture.md);
    # `Sentinel` hands it a run's changes and takes back what it did.
    runtime = PACKAGE / "runtime" / "sentinel.py"
    used = imported_names(runtime, "sqlsentinel_dbt.notify") | imported_names(
        runtime, "sqlsentinel_dbt.store"
    )
    assert used <= {
        "sqlsentinel_dbt.notify.notifier.Notifier",
        "sqlsentinel_dbt.notify.changes.AlertAsRun",
        "sqlsentinel_dbt.notify.changes.RunContext",
        "sqlsentinel_dbt.notify.dispatch.DeliveryReport",
        "sqlsentinel_dbt.notify.explain.Explained",
        "sqlsentinel_dbt.notify.retry.SendResult",
        "sqlsentinel_dbt.notify.senders.build.channel_env_vars",
        "sqlsentinel_dbt.notify.senders.build.register_channel_secrets",
        "sqlsentinel_dbt.store.history.RunRecord",
        "sqlsentinel_dbt.store.history.StateChange",  # what the dashboard's noise view reads
        "sqlsentinel_dbt.store.history.check_id",
        "sqlsentinel_dbt.store.stores.Stores",
        "sqlsentinel_dbt.store.timestamps.Clock",
        "sqlsentinel_dbt.store.timestamps.as_utc",
        "sqlsentinel_dbt.store.timestamps.iso_timestamp",
        "sqlsentinel_dbt.store.timestamps.utc_now",
    }
    assert "sqlsentinel_dbt.notify.notifier.Notifier" in used


def test_stores_are_opened_once_per_project() -> None:
    # Only `Stores.of` builds the store objects; everything else is handed them.
    builders = re.compile(r"\b(HistoryStore|Outbox|SilenceStore)\(")
    building = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if builders.search(path.read_text())
    )
    assert building == ["store/stores.py"]
