"""One call of every public macro of the dbt package, for the adapters we have no server of.

tests/test_bigquery.py and tests/test_more_adapters.py call each through a real dbt
adapter and parse what it sends; a new public macro needs a call here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlsentinel_dbt.dbt import Warehouse

NOW = "2026-11-22 07:00:00.000000"
LATER = "2026-11-22 08:00:00.000000"
AWKWARD = 'it\'s a \\ "quoted" line\nand a second one'


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


def exercise(warehouse: Warehouse, relation: str) -> dict[str, Callable[[], Any]]:
    """One call per public macro, with arguments like the ones sqlsentinel passes.

    `relation`: a table name in the warehouse's quoting, for the monitors' SQL.
    """
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
    claim = {
        "claim_id": "k1",
        "alert_name": "it's",
        "due_at": NOW,
        "run_id": "c1",
        "claimed_by": "c1",
        "claimed_until": LATER,
        "done_at": None,
    }
    return {
        "sentinel_schema": lambda: call("sentinel_schema"),
        "sentinel_relation": lambda: call("sentinel_relation", identifier="x"),
        "history_relation": lambda: call("history_relation"),
        "notifications_relation": lambda: call("notifications_relation"),
        "silences_relation": lambda: call("silences_relation"),
        "threads_relation": lambda: call("threads_relation"),
        "schedule_claims_relation": lambda: call("schedule_claims_relation"),
        "schedule_claim_columns": lambda: call("schedule_claim_columns"),
        "claim_due_runs": lambda: call(
            "claim_due_runs",
            rows=[claim],
            claimer="c1",
            now=NOW,
            lease_until=LATER,
            since=NOW,
        ),
        "select_claimed_runs_sql": lambda: call("select_claimed_runs_sql", claimer="c1"),
        "update_claimed_runs": lambda: call("update_claimed_runs", claimers=["c1"], done_at=LATER),
        "alert_history_columns": lambda: call("alert_history_columns"),
        "notification_columns": lambda: call("notification_columns"),
        "silence_columns": lambda: call("silence_columns"),
        "thread_columns": lambda: call("thread_columns"),
        "type_double": lambda: call("type_double"),
        "type_long_text": lambda: call("type_long_text"),
        "string_literal": lambda: call("string_literal", value=AWKWARD),
        "string_literals": lambda: call("string_literals", values=[AWKWARD, "it's"]),
        "timestamp_literal": lambda: call("timestamp_literal", text=NOW),
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
        "batched_alerts_sql": lambda: call(
            "batched_alerts_sql",
            queries=["select 'OK' as status -- one", "select 'ALERT' as status, 2 as n"],
        ),
        "sentinel_row_json": lambda: call("sentinel_row_json", alias="sentinel_row"),
        "volume_monitor_sql": lambda: call(
            "volume_monitor_sql",
            relation=relation,
            timestamp_column="created_at",
            time_bucket="day",
            lookback_days=60,
        ),
        "freshness_monitor_sql": lambda: call(
            "freshness_monitor_sql",
            relation=relation,
            timestamp_column="loaded_at",
            time_bucket="hour",
            lookback_days=30,
        ),
        "column_metrics_monitor_sql": lambda: call(
            "column_metrics_monitor_sql",
            relation=relation,
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
