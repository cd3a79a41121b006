"""Rows in the warehouse that this version cannot read never stop a run.

History is append-only and shared, so a bad row (written by hand, by another tool, or by a
newer version) stays there. It is skipped with a warning that names it, its instance
starts from no prior state, and the run goes on and writes its history. Real DuckDB and
PostgreSQL; the rows are planted with plain SQL beside sqlsentinel.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.engine.result import State
from sqlsentinel_dbt.store import rows
from tests.conftest import CliResult, Project, cli, run_args
from tests.warehouse_sql import execute, query

HISTORY_COLUMNS = (
    "run_id, invocation_id, project_name, target_name, alert_name, alert_key, status, state, "
    "state_since, state_count, severity, actual_value, threshold, context, error, started_at, "
    "duration_ms"
)


def run(shop: Project, schema: str) -> CliResult:
    """busy_regions with eu over its limit: eu is pending after one run, firing after two."""
    result = cli(*run_args(shop, schema, "busy_regions", orders_limit=2))
    assert result.exit_code in (0, 1), result.stderr  # 1: something fired, as it should
    return result


def eu_state(result: CliResult) -> str:
    [eu] = [r for r in result.json()["results"] if r["key"] == "eu"]
    return str(eu["state"])


def plant_history_row(shop: Project, schema: str, **overrides: str) -> None:
    """A copy of eu's newest row, a moment newer, with `overrides` (SQL expressions)."""
    values = {c.strip(): c.strip() for c in HISTORY_COLUMNS.split(",")}
    values |= {"run_id": "'planted'", "started_at": "started_at + interval '1 millisecond'"}
    # The newest real row of eu, even once other keys have planted rows.
    values |= overrides
    execute(
        shop,
        f"insert into {schema}.sentinel_alert_history ({HISTORY_COLUMNS}) "
        f"select {', '.join(values.values())} from {schema}.sentinel_alert_history "
        "where alert_name = 'busy_regions' and alert_key = 'eu' and run_id <> 'planted' "
        f"order by started_at desc limit 1",
    )


# Planted beside eu's real rows, each on a key of its own, so one run meets them all.
BAD_HISTORY_ROWS = {
    "eu": ({"state": "'exploded'"}, "`state` is 'exploded', not one of ok"),
    "k_severity": ({"severity": "'catastrophic'"}, "`severity` is 'catastrophic'"),
    "k_no_severity": ({"severity": "null"}, "`severity` is NULL"),
    "k_count": ({"state_count": "-3"}, "`state_count` is -3, not a count"),
}


def test_unreadable_history_rows_are_skipped_and_the_run_writes_its_history(
    shop: Project, sentinel_schema: str
) -> None:
    assert eu_state(run(shop, sentinel_schema)) == "pending"
    for key, (overrides, _) in BAD_HISTORY_ROWS.items():
        plant_history_row(shop, sentinel_schema, alert_key=f"'{key}'", **overrides)
    rows_before = len(query(shop, f"select 1 from {sentinel_schema}.sentinel_alert_history"))

    after = run(shop, sentinel_schema)  # reads each planted row as its key's newest: cannot
    warning = " ".join(after.stderr.split())
    for key, (_, reason) in BAD_HISTORY_ROWS.items():
        named = f"sentinel_alert_history: the newest row of alert 'busy_regions' key '{key}'"
        assert f"{named} cannot be read ({reason}" in warning, key
    assert warning.count("the instance starts from no prior state") == len(BAD_HISTORY_ROWS)
    assert eu_state(after) == "pending"  # from no prior state: pending again, not firing
    rows_after = len(query(shop, f"select 1 from {sentinel_schema}.sentinel_alert_history"))
    assert rows_after > rows_before  # the run wrote its history

    assert eu_state(run(shop, sentinel_schema)) == "firing"  # and the next run goes on from it


def test_a_history_row_without_started_at_hides_no_later_row(
    shop: Project, sentinel_schema: str
) -> None:
    # PostgreSQL sorts NULLs first in a descending order: such a row would be the newest
    # of its instance for ever, whatever later runs write.
    run(shop, sentinel_schema)
    plant_history_row(shop, sentinel_schema, state="'ok'", started_at="null")
    assert eu_state(run(shop, sentinel_schema)) == "firing"


def test_an_unreadable_silence_is_skipped_and_the_others_still_hold(
    shop: Project, sentinel_schema: str
) -> None:
    flags = [*shop.flags(), "--vars", f"{{sqlsentinel_schema: {sentinel_schema}}}"]
    made = cli("silence", "busy_regions", "--for", "2h", "--reason", "kept", "--by", "ana", *flags)
    assert made.exit_code == 0, made.stderr
    planted = (("no_matcher", "null", "starts_at"), ("no_start", "'x'", "null"))
    for silence_id, matcher, starts in planted:
        execute(
            shop,
            f"insert into {sentinel_schema}.sentinel_silences (silence_id, matcher, starts_at, "
            f"ends_at, reason, created_by, created_at) select '{silence_id}', {matcher}, "
            f"{starts}, ends_at, reason, created_by, created_at "
            f"from {sentinel_schema}.sentinel_silences limit 1",
        )
    listed = cli("silences", *flags)
    assert listed.exit_code == 0, listed.stderr
    assert "kept" in listed.stdout and "no_matcher" not in listed.stdout
    warning = " ".join(listed.stderr.split())
    assert "sentinel_silences: silence 'no_matcher' cannot be read (`matcher` is NULL)" in warning
    assert "silence 'no_start' cannot be read (`starts_at` is NULL)" in warning


def test_a_recorded_run_reads_back_without_its_unreadable_rows(
    shop: Project, sentinel_schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    # What `sentinel notify` reads to decide the changes `run_alerts` recorded.
    from sqlsentinel_dbt.runtime import Sentinel
    from sqlsentinel_dbt.store.history import HistoryStore

    run(shop, sentinel_schema)
    [run_id] = {
        r["run_id"]
        for r in query(shop, f"select run_id from {sentinel_schema}.sentinel_alert_history")
    }
    for key, column, value in (
        ("k_status", "status", "'MAYBE'"),
        ("k_context", "context", "'{not json'"),
        ("k_list", "context", "'[1, 2]'"),
        ("k_name", "alert_name", "'busy_regions'"),
    ):
        plant_history_row(
            shop, sentinel_schema, run_id=f"'{run_id}'", alert_key=f"'{key}'", **{column: value}
        )
    args = replace(shop.args, vars=f"{{sqlsentinel_schema: {sentinel_schema}}}")
    store_logger = logging.getLogger("sqlsentinel_dbt.store")
    store_logger.addHandler(caplog.handler)  # the CLI runs above reset the root's handlers
    try:
        with Sentinel.open(args) as sentinel, caplog.at_level(logging.WARNING, store_logger.name):
            recorded = HistoryStore(sentinel.project.warehouse).run_results_by_alert(run_id)
    finally:
        store_logger.removeHandler(caplog.handler)
    assert recorded is not None
    record, results = recorded.record, recorded.results["busy_regions"]
    assert record.run_id == run_id and record.project_name
    assert {r.key for r in results} >= {"eu", "k_name"}
    assert not {r.key for r in results} & {"k_status", "k_context", "k_list"}
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "`status` is 'MAYBE'" in warned and "`context` is not valid JSON" in warned
    assert "`context` is JSON but not an object" in warned


# --- each value, as the warehouse may hand it back ----------------------------------------


@pytest.mark.parametrize(
    ("read", "value", "expected"),
    [
        (
            lambda v: rows.timestamp(v, "t"),
            "2026-03-01 12:00:00",
            datetime(2026, 3, 1, 12, tzinfo=UTC),
        ),
        (
            lambda v: rows.timestamp(v, "t"),
            "2026-03-01T13:00:00+01:00",
            datetime(2026, 3, 1, 12, tzinfo=UTC),
        ),
        (lambda v: rows.timestamp(v, "t"), date(2026, 3, 1), datetime(2026, 3, 1, tzinfo=UTC)),
        (lambda v: rows.count(v, "c"), Decimal("3"), 3),
        (lambda v: rows.count(v, "c"), None, 0),
        (lambda v: rows.number_value(v, "n"), Decimal("2.5"), 2.5),
        (lambda v: rows.number_value(v, "n"), float("nan"), None),
        (lambda v: rows.json_keys(v, "k"), '["eu", null]', frozenset({"eu", None})),
        (lambda v: rows.json_object(v, "o"), "", {}),
    ],
)
def test_values_that_read(read: Any, value: Any, expected: Any) -> None:
    assert read(value) == expected


@pytest.mark.parametrize(
    ("read", "value", "reason"),
    [
        (
            lambda v: rows.timestamp(v, "t"),
            "01/03/2026 12:00",
            "`t` is '01/03/2026 12:00', not a timestamp",
        ),
        (lambda v: rows.timestamp(v, "t"), "yesterday", "not a timestamp"),
        (lambda v: rows.timestamp(v, "t"), 1700000000, "not a timestamp"),
        (lambda v: rows.timestamp(v, "t"), None, "`t` is NULL"),
        (lambda v: rows.count(v, "c"), "lots", "must be a number"),
        (lambda v: rows.count(v, "c"), 2.5, "not a count"),
        (lambda v: rows.count(v, "c"), True, "must be a number"),
        (lambda v: rows.number_value(v, "n"), "12 apples", "must be a number"),
        (lambda v: rows.json_keys(v, "k"), '{"eu": 1}', "not a JSON list of keys"),
        (lambda v: rows.json_keys(v, "k"), "[1, 2]", "not a JSON list of keys"),
        (lambda v: rows.json_object(v, "o"), "{oops", "not valid JSON"),
        (lambda v: rows.member(State, v, "state"), "FIRING!", "not one of ok, pending"),
        (lambda v: rows.text(v, "x"), None, "`x` is NULL"),
    ],
)
def test_values_that_do_not_read_say_why(read: Any, value: Any, reason: str) -> None:
    with pytest.raises(rows.Unreadable, match=re.escape(reason)):
        read(value)


GOOD_PAYLOAD = {
    "notification_id": "n1",
    "channel": "hook",
    "group_key": "a",
    "alert": "a",
    "kind": "firing",
    "severity": "error",
    "created_at": "2026-03-01 12:00:00.000000",
    "run_id": "r1",
    "firing": [{"key": "eu", "severity": "error", "actual_value": 3, "context": {"x": 1}}],
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"kind": "escalation"}, "unknown kind 'escalation'"),
        ({"kind": None}, "unknown kind None"),
        ({"alert": None}, "`alert` must be text"),
        ({"created_at": "yesterday"}, "`created_at` is 'yesterday', not a timestamp"),
        ({"firing": "eu"}, "`firing` must be a list"),
        ({"firing": [{"key": "eu", "severity": "error", "context": [1]}]}, "object `context`"),
        ({"firing": [{"key": "eu", "severity": "error", "actual_value": "x"}]}, "must be a number"),
        ({"firing": ["eu"]}, "must be an object"),
    ],
)
def test_a_payload_that_does_not_read_says_why(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        Notification.from_payload({**GOOD_PAYLOAD, **change})


def test_a_payload_reads_with_keys_it_does_not_know_and_numbers_json_cannot_carry() -> None:
    firing = [{"key": "eu", "severity": "error", "actual_value": float("inf"), "note": 1}]
    read = Notification.from_payload({**GOOD_PAYLOAD, "firing": firing, "from_v9": True})
    assert read.firing[0].actual_value is None and read.alert == "a"
    assert Notification.from_payload(read.to_payload()) == read


def test_history_and_the_dashboard_read_around_an_unreadable_row(
    shop: Project, sentinel_schema: str, tmp_path: Path
) -> None:
    run(shop, sentinel_schema)
    plant_history_row(shop, sentinel_schema, context="'{not json'", actual_value="null")
    plant_history_row(
        shop, sentinel_schema, alert_key="'k_time'", started_at="null", threshold="null"
    )
    flags = [*shop.flags(), "--vars", f"{{sqlsentinel_schema: {sentinel_schema}}}"]
    listed = cli("history", *flags, "-o", "json", "--limit", "50")
    assert listed.exit_code == 0, listed.stderr
    contexts = [r["context"] for r in listed.json()["history"]]
    assert "{not json" in contexts  # shown as stored

    from sqlsentinel_dbt.daemon.app import Backend, create_app
    from sqlsentinel_dbt.runtime import Sentinel

    args = replace(shop.args, vars=f"{{sqlsentinel_schema: {sentinel_schema}}}")
    with Sentinel.open(args) as sentinel:
        app = create_app(Backend(sentinel=sentinel), None)
        client = TestClient(app, base_url="http://localhost")
        assert client.get("/api/alerts").status_code == 200
        points = client.get("/api/alerts/busy_regions/history")
        assert points.status_code == 200 and points.json()
    report = tmp_path / "report.html"
    assert cli("report", *flags, "--out", str(report)).exit_code == 0
