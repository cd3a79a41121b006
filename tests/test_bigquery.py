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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml

from sqlsentinel_dbt.dbt import DbtArgs, Warehouse
from sqlsentinel_dbt.engine.bounded import bounded_sql, without_final_semicolon
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import FIXTURES, public_macros
from tests.fake_bigquery import PROJECT, FakeBigQuery, fake_bigquery
from tests.integration_runner import run_steps

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOW = "2026-11-22 07:00:00.000000"
LATER = "2026-11-22 08:00:00.000000"
AWKWARD = 'it\'s a \\ "quoted" line\nand a second one'


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
    output = {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": "not-a-real-token",
        "project": PROJECT,
        "dataset": "analytics",
        "location": "US",
        "api_endpoint": fake.url,
        "threads": 1,
        "job_retries": 0,
    }
    profile = {"bq_shop": {"target": "fake", "outputs": {"fake": output}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    return root


def history_row(alert: str, key: str | None) -> dict[str, Any]:
    return {
        "run_id": "r1",
        "invocation_id": "i1",
        "project_name": "bq_shop",
        "target_name": "fake",
        "alert_name": alert,
        "alert_key": key,
        "status": "ALERT",
        "state": "firing",
        "state_since": NOW,
        "state_count": 0,
        "severity": "error",
        "actual_value": 12.5,
        "threshold": 10.0,
        "context": '{"note": "say \\"hi\\""}',
        "error": AWKWARD,
        "started_at": NOW,
        "duration_ms": 42,
    }


def outbox_row(notification_id: str) -> dict[str, Any]:
    return {
        "notification_id": notification_id,
        "run_id": "r1",
        "created_at": NOW,
        "updated_at": NOW,
        "channel": "hook",
        "group_key": "revenue_by_region",
        "alert_name": "revenue_by_region",
        "kind": "firing",
        "status": "queued",
        "firing_keys": '["north"]',
        "silenced_keys": "[]",
        "resolved_keys": "[]",
        "payload": '{"alert": "revenue_by_region", "text": "a \\"quote\\""}',
        "attempts": 0,
        "next_attempt_at": NOW,
    }


def exercise(warehouse: Warehouse) -> dict[str, Callable[[], Any]]:
    """One call per public macro, with arguments like the ones sqlsentinel passes."""
    call = warehouse.run_macro
    names = ["revenue_by_region", "it's"]
    silence = {
        "silence_id": "s1",
        "matcher": "tag:finance",
        "alert_key": None,
        "starts_at": NOW,
        "ends_at": LATER,
        "reason": AWKWARD,
        "created_by": "ana",
        "created_at": NOW,
    }
    thread = {
        "channel": "slack",
        "group_key": AWKWARD,
        "conversation": "C1",
        "root_ts": "1.2",
        "opened_at": NOW,
        "resolved_at": None,
    }
    return {
        "sentinel_schema": lambda: call("sentinel_schema"),
        "sentinel_relation": lambda: call("sentinel_relation", identifier="x"),
        "history_relation": lambda: call("history_relation"),
        "notifications_relation": lambda: call("notifications_relation"),
        "silences_relation": lambda: call("silences_relation"),
        "threads_relation": lambda: call("threads_relation"),
        "alert_history_columns": lambda: call("alert_history_columns"),
        "notification_columns": lambda: call("notification_columns"),
        "silence_columns": lambda: call("silence_columns"),
        "thread_columns": lambda: call("thread_columns"),
        "type_double": lambda: call("type_double"),
        "type_long_text": lambda: call("type_long_text"),
        "string_literal": lambda: call("string_literal", value=AWKWARD),
        "string_literals": lambda: call("string_literals", values=[AWKWARD, "it's"]),
        "statement_chunk_size": lambda: call("statement_chunk_size"),
        "create_sentinel_table": lambda: call(
            "create_sentinel_table",
            relation=call("sentinel_relation", identifier="scratch"),
            columns=[("id", "string"), ("n", "int64")],
            primary_key="id",
        ),
        "ensure_alert_history": lambda: call("ensure_alert_history"),
        "ensure_notifications": lambda: call("ensure_notifications"),
        "ensure_silences": lambda: call("ensure_silences"),
        "ensure_threads": lambda: call("ensure_threads"),
        "table_exists": lambda: call("table_exists", identifier="sentinel_alert_history"),
        "insert_alert_history": lambda: call(
            "insert_alert_history", rows=[history_row("a", None), history_row("b", "it's")]
        ),
        "insert_notifications": lambda: call(
            "insert_notifications", rows=[outbox_row("n1"), outbox_row("n2")]
        ),
        "claim_notifications": lambda: call(
            "claim_notifications", claimer="c1", now=NOW, lease_until=LATER, expired_before=NOW
        ),
        "claim_pending_decisions": lambda: call(
            "claim_pending_decisions", claimer="c1", now=NOW, lease_until=LATER
        ),
        "update_notifications": lambda: call(
            "update_notifications",
            ids=["n1", "n2"],
            claimer="c1",
            values={"status": "failed", "last_error": AWKWARD, "next_attempt_at": LATER},
        ),
        "delete_notifications": lambda: call("delete_notifications", ids=["n1"], claimer="c1"),
        "claim_for_digest": lambda: call(
            "claim_for_digest", ids=["n2", "it's"], claimer="c1", now=NOW, lease_until=LATER
        ),
        "mark_digested": lambda: call("mark_digested", ids=["n2", "it's"], claimer="c1", now=LATER),
        "insert_silence": lambda: call("insert_silence", row=silence),
        "end_silence": lambda: call("end_silence", silence_id="s1", now=NOW, ended_by="ana"),
        "insert_thread": lambda: call("insert_thread", row=thread),
        "resolve_thread": lambda: call(
            "resolve_thread", channel="slack", conversation="C1", root_ts="1.2", resolved_at=LATER
        ),
        "select_alert_history_sql": lambda: call(
            "select_alert_history_sql",
            alert_name="it's",
            limit=None,
            since="2026-11-01 00:00:00",
            newest_per_alert=200,
        ),
        "select_state_changes_sql": lambda: call(
            "select_state_changes_sql",
            since="2026-11-01 00:00:00",
            look_back_from="2026-10-01 00:00:00",
        ),
        "select_notification_counts_sql": lambda: call(
            "select_notification_counts_sql", since="2026-11-01 00:00:00"
        ),
        "select_latest_states_sql": lambda: call("select_latest_states_sql", alert_names=names),
        "select_erred_alerts_sql": lambda: call("select_erred_alerts_sql", alert_names=names),
        "select_latest_results_sql": lambda: call("select_latest_results_sql"),
        "select_alert_values_sql": lambda: call(
            "select_alert_values_sql", alert_name="it's", since="2026-11-01 00:00:00"
        ),
        "select_run_history_sql": lambda: call(
            "select_run_history_sql", run_id="r1", alert_name="it's", alert_names=names
        ),
        "select_recorded_checks_sql": lambda: call(
            "select_recorded_checks_sql", invocation_ids=["i1", "it's"]
        ),
        "select_last_notifications_sql": lambda: call(
            "select_last_notifications_sql", alert_names=names
        ),
        "select_notifications_sql": lambda: call(
            "select_notifications_sql",
            claimed_by="c1",
            status="sending",
            kind="pending",
            in_status=["digest", "digesting"],
            alert_name="it's",
        ),
        "select_held_entries_sql": lambda: call("select_held_entries_sql"),
        "select_silences_sql": lambda: call("select_silences_sql", ends_after=NOW),
        "select_open_threads_sql": lambda: call("select_open_threads_sql", channel="it's"),
        "bounded_sql": lambda: call("bounded_sql", sql="select 1 as n -- one", limit=3),
        "volume_monitor_sql": lambda: call(
            "volume_monitor_sql",
            relation="`p`.`d`.`events`",
            timestamp_column="created_at",
            time_bucket="day",
            lookback_days=60,
        ),
        "freshness_monitor_sql": lambda: call(
            "freshness_monitor_sql",
            relation="`p`.`d`.`events`",
            timestamp_column="loaded_at",
            time_bucket="hour",
            lookback_days=30,
        ),
        "column_metrics_monitor_sql": lambda: call(
            "column_metrics_monitor_sql",
            relation="`p`.`d`.`events`",
            timestamp_column="created_at",
            time_bucket="hour",
            lookback_days=30,
            where="amount > 0",
            column="amount",
            metrics=["null_rate", "zero_rate", "distinct_count", "min", "max", "avg"],
        ),
        # The on-run-end hook: results it cannot read record nothing (the DuckDB and
        # PostgreSQL builds of tests/test_dbt_results_hook.py record real ones).
        "record_dbt_results": lambda: call("record_dbt_results", results=[None, "x"]),
    }


def test_every_public_macro_runs_on_the_bigquery_adapter(project: Path, fake: FakeBigQuery) -> None:
    args = DbtArgs(project_dir=str(project), profiles_dir=str(project))
    with Sentinel.open(args) as sentinel:
        warehouse = sentinel.project.warehouse
        calls = exercise(warehouse)
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
