"""BigQuery, with no BigQuery at hand: dbt's bigquery adapter, and its real client pointed
at a local stand-in for the REST API (tests/fake_bigquery.py) that parses every statement
with sqlglot's BigQuery dialect and refuses what does not parse.

Every public macro of the package is called through the bigquery adapter; then
`sentinel dbt-run`, `dbt run-operation sqlsentinel.run_alerts` and `dbt test` (the
`sqlsentinel.alert` generic test) run against the stand-in end to end.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
import yaml

from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.bounded import bounded_sql, without_final_semicolon
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import FIXTURES, public_macros
from tests.fake_bigquery import FakeBigQuery, fake_bigquery, profile_output
from tests.integration_runner import run_steps
from tests.macro_calls import AWKWARD, exercise

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigQuery]:
    with fake_bigquery() as running:
        # The profile's api_endpoint points dbt-bigquery 1.10+ here; 1.9 has no such field,
        # and the BigQuery client reads this variable (meant for emulators) in every version.
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", running.url)
        running.tables[("analytics", "orders")] = ["order_id", "region", "amount", "status"]
        yield running


@pytest.fixture
def project(tmp_path: Path, fake: FakeBigQuery) -> Path:
    root = tmp_path / "bq_shop"
    shutil.copytree(FIXTURES / "bigquery", root)
    output = profile_output(fake)
    profile = {"bq_shop": {"target": "fake", "outputs": {"fake": output}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    return root


def test_every_public_macro_runs_on_the_bigquery_adapter(project: Path, fake: FakeBigQuery) -> None:
    args = DbtArgs(project_dir=str(project), profiles_dir=str(project))
    with Sentinel.open(args) as sentinel:
        warehouse = sentinel.project.warehouse
        calls = exercise(warehouse, relation="`p`.`d`.`events`")
        assert set(calls) | {"run_alerts"} == public_macros()  # a new macro needs a call here
        returned = {name: call() for name, call in calls.items()}
    assert fake.refused == []
    for name, value in returned.items():
        if name.startswith("select_") or name.endswith("_sql"):  # SQL for the caller to run
            assert sqlglot.parse_one(str(value), read="bigquery") is not None, name
    assert returned["record_dbt_results"] == ""
    types = (returned["type_double"].lower(), returned["type_long_text"].lower())
    assert types == ("float64", "string")
    literal = sqlglot.parse_one(f"select {returned['string_literal']}", read="bigquery")
    assert literal.expressions[0].this == AWKWARD  # backslashes, quotes and line breaks kept
    listed = ", ".join(returned["string_literals"])
    literals = sqlglot.parse_one(f"select {listed}", read="bigquery")
    assert [e.this for e in literals.expressions] == [AWKWARD, "it's"]
    assert returned["statement_chunk_size"] == 500  # BigQuery caps a query's text at 1 MB
    kinds = [type(sqlglot.parse_one(q, read="bigquery")).__name__ for q in fake.queries]
    assert {"Create", "Insert", "Merge", "Update", "Delete"} <= set(kinds)
    [scratch] = [q for q in fake.queries if "`scratch`" in q and "create" in q.lower()]
    assert "primary key (id) not enforced" in scratch


# BigQuery's own ways to end a query: # comments, backslash escapes, "strings" and `names`.
BIGQUERY_ENDINGS = [
    "select 1; -- done",
    "select 1; # done",
    "select 1 # not this;",
    "select 'a\\';' ;",
    'select "a;" ;',
    'select "a\\";" as x',
    "select `a;b` from t;",
    "select '''a;''';",
    'select """a; -- b""" ;',
    "select 1 /* a; */;;",
    "select 'unterminated;",
]


def test_both_engines_shape_a_query_alike_on_bigquery(project: Path, fake: FakeBigQuery) -> None:
    args = DbtArgs(project_dir=str(project), profiles_dir=str(project))
    with Sentinel.open(args) as sentinel:
        warehouse = sentinel.project.warehouse
        for sql in BIGQUERY_ENDINGS:
            dropped = warehouse.run_macro("_without_final_semicolon", sql=sql)
            assert dropped == without_final_semicolon(sql, "bigquery"), sql
        sql = "select 'OK' as status # a trailing comment"
        wrapped = warehouse.run_macro("bounded_sql", sql=sql, limit=3)
        assert wrapped == bounded_sql(sql, 3, "bigquery")
        assert warehouse.fetch(wrapped, limit=None, timeout=60, name="t").columns == ["status"]
    assert fake.refused == []


def test_run_alerts_dbt_run_and_the_alert_test_run_on_bigquery(
    project: Path, fake: FakeBigQuery
) -> None:
    (project / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    # The four commands as their console scripts run them, in one process: dbt's import once.
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    ran = run_steps(
        project,
        env,
        ("deps", "dbt", ["deps"]),
        ("op", "dbt", ["run-operation", "sqlsentinel.run_alerts"]),
        ("cli", "sentinel", ["dbt-run", "-o", "json"]),
        ("test", "dbt", ["test"]),
    )
    deps, op, cli, test = (ran[name] for name in ("deps", "op", "cli", "test"))
    assert deps["code"] == 0, deps["output"]
    assert op["code"] == 0, op["output"]
    assert "sqlsentinel: 2 results: 0 alerting, 2 ok, 0 errors" in op["output"]
    assert cli["code"] == 0, cli["output"] + cli["errors"]
    assert test["code"] == 0, test["output"]
    assert "Warning in test orders_gate" in test["output"]  # count(*) = 0: ALERT, at warn
    assert "Warning in test orders_empty_gate" in test["output"]  # no rows, on_no_data: alert
    assert fake.refused == []
    statements = [(q, sqlglot.parse_one(q, read="bigquery")) for q in fake.queries]
    inserts = [q for q, s in statements if isinstance(s, sqlglot.exp.Insert)]
    history = [q for q in inserts if "sentinel_alert_history" in q]
    assert [
        sum(name in q for q in history) for name in ("orders_negative_amount", "late_orders")
    ] == [
        2,
        2,  # one row from run_alerts, one from dbt-run
    ]
    assert sum("revenue_by_region" in q for q in history) == 1  # a YAML alert: CLI only
    merges = [q for q, s in statements if isinstance(s, sqlglot.exp.Merge)]
    assert sum("'pending'" in q for q in merges) == 2  # run_alerts queued each alert's changes
