"""A generated dbt project whose own tests are the checks: N models, 10 N generic tests.

Model i (`model_0042`) has ten columns, `m0042_c0` to `m0042_c9`, and one generic test on
each (`unique`, `not_null` or `accepted_values`, by column), named after its column
(`m0042_c3_not_null`). Every alerting tool names the column in its message, and sentinel
names the test too, so one pattern (`CHECKED_COLUMN`) reads from a message which checks it
announces.

Test t = 10 i + j fails when `t % 50 == 7` and warns (its severity is `warn`) when
`t % 50 == 31`: 2% of the tests fail and 2% warn, but only in the failing phase. Which
phase it is lives in a one-row seed (`write_phase`), so switching rewrites one CSV: dbt's
partial parsing re-parses one node and no `--vars` change forces a full re-parse.

DuckDB (a file in the project) and PostgreSQL (a schema of its own) build the same data.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROWS_PER_MODEL = 200
COLUMNS_PER_MODEL = 10
PHASE_SEED = "bench_phase"
# What a message says about a check: its column, e.g. `m0042_c3`.
CHECKED_COLUMN = re.compile(rb"m\d{4}_c\d")
# The generic test on column j, and the expression that breaks it in the failing phase.
TESTS = ("unique", "not_null", "accepted_values", "not_null", "unique")
CLEAN = {
    "unique": "i",
    "not_null": "i * 1.5",
    "accepted_values": "i % 13",
}
BROKEN = {
    "unique": "case when {failing} and i < 3 then 0 else i end",
    "not_null": "case when {failing} and i % 50 = 0 then null else i * 1.5 end",
    "accepted_values": "case when {failing} and i % 50 = 0 then 99 else i % 13 end",
}
RANGE = {
    "duckdb": "range({rows}) as t(i)",
    "postgres": "generate_series(0, {last}) as t(i)",
}


@dataclass(frozen=True)
class Warehouse:
    """Where the project builds: `duckdb` (a file under the project) or `postgres`."""

    kind: str
    schema: str = "bench"

    def output(self, root: Path, threads: int) -> dict[str, object]:
        """The profile's output for this warehouse."""
        if self.kind == "duckdb":
            return {"type": "duckdb", "path": str(root / "bench.duckdb"), "threads": threads}
        return {
            "type": "postgres",
            "host": os.environ.get("PGHOST", "127.0.0.1"),
            "port": int(os.environ.get("PGPORT", "5432")),
            "user": os.environ.get("PGUSER", "postgres"),
            "password": os.environ.get("PGPASSWORD", ""),
            "dbname": os.environ.get("PGDATABASE", "test"),
            "schema": self.schema,
            "threads": threads,
        }


    def reset(self, root: Path) -> None:
        """Start from nothing: no DuckDB file, or no schema of this one's in PostgreSQL."""
        if self.kind == "duckdb":
            for name in ("bench.duckdb", "bench.duckdb.wal"):
                (root / name).unlink(missing_ok=True)
            return
        import psycopg2  # type: ignore[import-untyped]

        output = self.output(root, 1)
        connection = psycopg2.connect(
            host=output["host"], port=output["port"], user=output["user"],
            password=output["password"], dbname=output["dbname"],
        )  # fmt: skip
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "select nspname from pg_namespace where nspname = %s or nspname like %s",
                (self.schema, f"{self.schema}\\_%"),
            )
            for (schema,) in cursor.fetchall():
                cursor.execute(f'drop schema "{schema}" cascade')
        connection.close()


def test_of(column: int) -> str:
    """The generic test on column `column` of every model."""
    return TESTS[column % len(TESTS)]


def column_name(model: int, column: int) -> str:
    """`m0042_c3`."""
    return f"m{model:04d}_c{column}"


def outcome(model: int, column: int) -> str:
    """What the test on that column does in the failing phase: `fail`, `warn` or `pass`."""
    number = model * COLUMNS_PER_MODEL + column
    return {7: "fail", 31: "warn"}.get(number % 50, "pass")


def announced(n: int) -> set[str]:
    """The columns whose tests fail or warn in the failing phase of an `n`-model project."""
    return {
        column_name(m, c)
        for m in range(n)
        for c in range(COLUMNS_PER_MODEL)
        if outcome(m, c) != "pass"
    }


def write_phase(root: Path, failing: bool) -> None:
    """Set the seed: the failing and warning tests do so when `failing`, else all pass."""
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "seeds" / f"{PHASE_SEED}.csv").write_text(f"failing\n{str(failing).lower()}\n")


def write_project(root: Path, n: int, threads: int, warehouse: Warehouse) -> None:
    """Write the project, its profile (`bench`), the seed, N models and their tests."""
    (root / "models").mkdir(parents=True, exist_ok=True)
    project = {
        "name": "bench",
        "version": "1.0.0",
        "profile": "bench",
        "model-paths": ["models"],
        "seed-paths": ["seeds"],
        "models": {"bench": {"+materialized": "table"}},
    }
    (root / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    profile = {"bench": {"target": "dev", "outputs": {"dev": warehouse.output(root, threads)}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    write_phase(root, failing=False)
    failing = f"(select failing from {{{{ ref('{PHASE_SEED}') }}}})"
    rows = RANGE[warehouse.kind].format(rows=ROWS_PER_MODEL, last=ROWS_PER_MODEL - 1)
    models = []
    for m in range(n):
        columns, described = [], []
        for c in range(COLUMNS_PER_MODEL):
            test, name = test_of(c), column_name(m, c)
            broken = outcome(m, c) != "pass"
            value = BROKEN[test].format(failing=failing) if broken else CLEAN[test]
            columns.append(f"{value} as {name}")
            described.append({"name": name, "data_tests": [_test(test, name, outcome(m, c))]})
        body = ",\n       ".join(columns)
        (root / "models" / f"model_{m:04d}.sql").write_text(f"select {body}\nfrom {rows}\n")
        models.append({"name": f"model_{m:04d}", "columns": described})
    schema = yaml.safe_dump({"version": 2, "models": models}, sort_keys=False, width=200)
    (root / "models" / "schema.yml").write_text(schema)


def _test(test: str, column: str, outcome: str) -> dict[str, object]:
    arguments: dict[str, object] = {"name": f"{column}_{test}"}
    if test == "accepted_values":
        arguments["values"] = list(range(13))
        arguments["quote"] = False
    if outcome == "warn":
        arguments["config"] = {"severity": "warn"}
    return {test: arguments}
