"""Snowflake and Redshift, with no server of either: every public macro of the dbt package
through dbt's real adapter, each statement it sends parsed in the warehouse's dialect
(tests/recording_adapter.py), as tests/test_bigquery.py does for BigQuery.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml

from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import FIXTURES, public_macros
from tests.macro_calls import AWKWARD, exercise
from tests.recording_adapter import recording

# Loopback only, should anything try to connect after all.
PROFILES: dict[str, dict[str, Any]] = {
    "snowflake": {
        "type": "snowflake",
        "account": "stand-in",
        "host": "127.0.0.1",
        "port": 9,
        "protocol": "http",
        "user": "sentinel",
        "password": "not-a-password",
        "database": "analytics_db",
        "warehouse": "transforming",
        "schema": "analytics",
        "threads": 1,
    },
    "redshift": {
        "type": "redshift",
        "host": "127.0.0.1",
        "port": 9,
        "user": "sentinel",
        "password": "not-a-password",
        "dbname": "analytics_db",
        "schema": "analytics",
        "threads": 1,
    },
}
EVENTS = {
    "snowflake": "ANALYTICS_DB.ANALYTICS.EVENTS",
    "redshift": '"analytics_db"."analytics"."events"',
}


def opened_project(tmp_path: Path, adapter: str) -> DbtArgs:
    root = tmp_path / f"{adapter}_shop"
    shutil.copytree(FIXTURES / "bigquery", root)  # portable SQL, whatever its name says
    profile = {"bq_shop": {"target": "stand_in", "outputs": {"stand_in": PROFILES[adapter]}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    return DbtArgs(project_dir=str(root), profiles_dir=str(root))


@pytest.mark.parametrize("adapter", ["snowflake", "redshift"])
def test_every_public_macro_runs_on_the_adapter(tmp_path: Path, adapter: str) -> None:
    args = opened_project(tmp_path, adapter)
    with recording(adapter, dialect=adapter) as sent, Sentinel.open(args) as sentinel:
        assert sentinel.project.warehouse.adapter_type == adapter
        calls = exercise(sentinel.project.warehouse, relation=EVENTS[adapter])
        assert set(calls) | {"run_alerts"} == public_macros()  # a new macro needs a call
        returned = {name: call() for name, call in calls.items()}
    assert sent.refused == []
    # Redshift cannot turn a row into JSON: its alerts run one query each.
    batched = returned.pop("batched_alerts_sql")
    assert (batched is None) == (adapter == "redshift")
    if batched is not None:
        union = sqlglot.parse_one(batched, read=adapter)
        assert len(list(union.find_all(sqlglot.exp.Select))) >= 2
    for name, value in returned.items():
        if name.startswith("select_") or name.endswith("_sql"):  # SQL for the caller to run
            assert sqlglot.parse_one(str(value), read=adapter) is not None, name
    literal = sqlglot.parse_one(f"select {returned['string_literal']}", read=adapter)
    assert literal.expressions[0].this == AWKWARD  # backslashes, quotes and line breaks kept
    listed = ", ".join(returned["string_literals"])
    literals = sqlglot.parse_one(f"select {listed}", read=adapter)
    assert [e.this for e in literals.expressions] == [AWKWARD, "it's"]
    kinds = {type(sqlglot.parse_one(s, read=adapter)).__name__ for s in sent.statements}
    assert {"Create", "Insert", "Update", "Delete"} <= kinds
    # Created earlier in the same process, the tables are found again: dbt's relation
    # cache holds them as the warehouse names them (Snowflake: upper case).
    assert returned["table_exists"] is True
    assert returned["create_sentinel_table"] is True
