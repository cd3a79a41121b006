"""Shared fixtures: the `shop` fixture project built on real DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import yaml
from typer.testing import CliRunner

from sqlsentinel_dbt.cli import app
from sqlsentinel_dbt.dbt import DbtArgs, dbt_build

# The suite starts many Python processes that import dbt (sentinel and dbt commands, the
# daemon, the benchmarks' tools). Where the environment turns bytecode caching off, each
# would compile dbt from source again, about 2 s of CPU apiece: cache it for this process
# and the ones it starts.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

FIXTURES = Path(__file__).parent / "fixtures"
MACROS = Path(__file__).parent.parent / "macros"
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": int(os.environ.get("PGPORT", "5432")),
    "user": os.environ.get("PGUSER", "postgres"),
    "password": os.environ.get("PGPASSWORD", ""),
    "dbname": os.environ.get("PGDATABASE", "test"),
}


def pytest_report_header() -> list[str]:
    packages = ("dbt-core", "dbt-duckdb", "dbt-postgres", "dbt-bigquery", "duckdb", "sqlglot")
    return ["versions: " + ", ".join(f"{p}=={installed(p)}" for p in packages)]


# Each plays long in a process of its own; first, so that no worker is left with one at
# the end while the other has nothing to do (pytest-xdist hands out tests in this order).
LONGEST_FIRST = ("test_integration_project.py", "test_bench.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)  # stable: else as is


def installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # the nox integration sessions install no BigQuery stack
        return "(not installed)"


@dataclass(frozen=True)
class Project:
    """A copied fixture project with a profile for one warehouse."""

    root: Path
    warehouse: str
    schema: str

    @property
    def args(self) -> DbtArgs:
        return DbtArgs(project_dir=str(self.root), profiles_dir=str(self.root))

    def flags(self) -> list[str]:
        return ["--project-dir", str(self.root), "--profiles-dir", str(self.root)]


def make_project(base: Path, fixture: str, warehouse: str) -> Project:
    """Copy `tests/fixtures/<fixture>` under `base` and write a profiles.yml for `warehouse`."""
    root = base / f"{fixture}_{warehouse}"
    shutil.copytree(FIXTURES / fixture, root)
    name = yaml.safe_load((root / "dbt_project.yml").read_text())["profile"]
    schema = f"t_{uuid.uuid4().hex[:10]}"
    if warehouse == "duckdb":
        output = {"type": "duckdb", "path": str(root / "warehouse.duckdb"), "schema": schema}
    else:
        output = {"type": "postgres", **PG, "schema": schema}
    output["threads"] = 4
    profile = {name: {"target": "ci", "outputs": {"ci": output}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    return Project(root, warehouse, schema)


def drop_pg_schemas(prefix: str) -> None:
    with psycopg2.connect(**PG) as conn, conn.cursor() as cur:
        cur.execute(
            "select nspname from pg_namespace where nspname like %s",
            (prefix.replace("_", r"\_") + "%",),
        )
        for (schema,) in cur.fetchall():
            cur.execute(f'drop schema "{schema}" cascade')


@pytest.fixture(
    scope="session", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def warehouse(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    """The shop project, built once per warehouse per session (dbt build: seeds + models)."""
    project = make_project(tmp_path_factory.mktemp("shop"), "shop", warehouse)
    dbt_build(project.args)
    yield project
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


ShopVariant = Callable[[str, Mapping[str, str]], Project]


@pytest.fixture(scope="session")
def shop_variant(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[ShopVariant]:
    """Build a copy of the shop with extra files (`sentinel.yml`, alert files), at most once
    per session and warehouse for each name: the modules that ask for the same one share it.

    Tests that share one keep apart by a history schema of their own (`sentinel_schema`).
    """
    built: dict[str, tuple[Mapping[str, str], Project]] = {}

    def variant(name: str, files: Mapping[str, str]) -> Project:
        if name not in built:
            project = make_project(tmp_path_factory.mktemp(name), "shop", warehouse)
            for relative, text in files.items():
                (project.root / relative).write_text(text)
            dbt_build(project.args)
            built[name] = (dict(files), project)
        wanted, project = built[name]
        assert wanted == dict(files), f"shop variant {name!r} asked for with other files"
        return project

    yield variant
    if warehouse == "postgres":
        for _, project in built.values():
            drop_pg_schemas(project.schema)


@pytest.fixture
def sentinel_schema(shop: Project) -> str:
    """A fresh `sqlsentinel_schema` var value, so each test sees only its own history."""
    return f"{shop.schema}_h{uuid.uuid4().hex[:6]}"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.stdout)


def run_args(project: Project, schema: str, select: str, **variables: Any) -> list[str]:
    """`dbt-run` arguments: JSON output, one selection, a history schema of the test's own."""
    pairs = ", ".join(f"{k}: {v}" for k, v in {"sqlsentinel_schema": schema, **variables}.items())
    return ["dbt-run", *project.flags(), "-o", "json", "--select", select, "--vars", f"{{{pairs}}}"]


def cli(*args: str) -> CliResult:
    """Run `sentinel ARGS` in-process, stdout and stderr apart."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


def public_macros() -> set[str]:
    """The names of the dbt package's public macros (no `_` prefix, no dispatch variants)."""
    names: set[str] = set()
    for path in MACROS.rglob("*.sql"):
        names |= set(re.findall(r"\{% macro ([a-z][a-z_]*)\(", path.read_text()))
    return {n for n in names if "__" not in n}
