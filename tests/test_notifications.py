"""Notifications end to end: a real dbt project, a real warehouse, a webhook on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sqlsentinel_dbt.notify.senders.webhook import signature
from tests.browser_kit import report_data
from tests.conftest import Project, cli, run_args
from tests.notify_kit import SECRET, delivered, fire, notify, project, receiver, run
from tests.receivers import Receiver
from tests.warehouse_sql import execute, query

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")  # docs/daemon.md: one format
# For what does not depend on the warehouse's SQL (sender retries, test messages, the CLI's
# wording, the paths through the outbox that other tests here take on PostgreSQL too):
# DuckDB's will do.
ON_DUCKDB = pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)


def test_firing_then_dedup_then_resolved(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    fired = fire(project, sentinel_schema)
    assert fired["delivery"] == delivered(1)
    [request] = receiver.requests
    body = request.body
    timestamp = request.headers["X-Sentinel-Timestamp"]
    assert request.headers["X-Sentinel-Signature"] == signature(SECRET, timestamp, body)
    [sent] = receiver.notifications()
    assert (sent["alert"], sent["kind"], sent["new_keys"]) == ("busy_regions", "firing", ["eu"])
    assert [(i["key"], i["actual_value"]) for i in sent["firing"]] == [("eu", 3.0)]
    assert request.json()["version"] == "1"

    again = run(project, sentinel_schema, orders_limit=2)
    assert (again["notifications"], again["delivery"]["sent"], len(receiver.requests)) == ([], 0, 1)

    resolved = run(project, sentinel_schema, orders_limit=5)
    assert resolved["delivery"]["sent"] == 1
    last = receiver.notifications()[-1]
    assert (last["kind"], last["resolved_keys"], last["firing"]) == ("resolved", ["eu"], [])


@ON_DUCKDB
def test_failed_delivery_stays_queued_and_is_sent_once_later(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    receiver.default = (404, {}, b"no such hook")  # final: no in-run retry
    first = fire(project, sentinel_schema)
    assert first["delivery"]["failed"] == 1
    assert "HTTP 404: no such hook" in first["delivery"]["errors"][0]
    assert len(receiver.requests) == 1

    receiver.default = (200, {}, b"ok")
    # The next run decides nothing new, but delivers what the last one could not.
    later = run(project, sentinel_schema, orders_limit=2)
    assert (later["notifications"], later["delivery"]["sent"]) == ([], 1)
    assert notify(project, sentinel_schema) == delivered(0)
    assert [n["kind"] for n in receiver.notifications()] == [
        "firing",
        "firing",
    ]  # attempt + success
    assert len({n["notification_id"] for n in receiver.notifications()}) == 1


@ON_DUCKDB
def test_server_errors_are_retried_within_the_run(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    receiver.script = [(500, {}, b""), (429, {"Retry-After": "1"}, b"")]
    report = fire(project, sentinel_schema)
    assert report["delivery"]["sent"] == 1
    assert len(receiver.requests) == 3


@ON_DUCKDB
def test_notify_delivers_what_a_run_queued(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    queued = fire(project, sentinel_schema, "--no-notify")
    assert (queued["delivery"], receiver.requests) == (None, [])
    assert notify(project, sentinel_schema) == delivered(1)
    assert notify(project, sentinel_schema)["sent"] == 0


@ON_DUCKDB
def test_dry_run_and_no_notify(project: Project, sentinel_schema: str, receiver: Receiver) -> None:
    run(project, sentinel_schema, orders_limit=2)  # pending
    dry = run(project, sentinel_schema, "--dry-run", orders_limit=2)
    assert [(n["channel"], n["kind"]) for n in dry["notifications"]] == [("hook", "firing")]
    assert (dry["delivery"], receiver.requests) == (None, [])

    queued = run(project, sentinel_schema, "--no-notify", orders_limit=2)
    assert (queued["delivery"], len(queued["notifications"]), receiver.requests) == (None, 1, [])
    assert notify(project, sentinel_schema)["sent"] == 1
    assert len(receiver.notifications()) == 1


@ON_DUCKDB
def test_missing_env_var_fails_the_channel_not_the_run(
    project: Project, sentinel_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SENTINEL_TEST_HOOK_URL", raising=False)
    monkeypatch.setenv("SENTINEL_TEST_HOOK_SECRET", SECRET)
    report = fire(project, sentinel_schema)
    assert report["summary"]["alerting"] == 1
    assert report["delivery"]["errors"] == [
        "hook: environment variable SENTINEL_TEST_HOOK_URL is not set"
    ]


@ON_DUCKDB
def test_test_channel_sends_a_test_message(project: Project, receiver: Receiver) -> None:
    result = cli("test-channel", "hook", *project.flags())
    assert (result.exit_code, result.stdout.strip()) == (0, "test message sent to hook")
    [sent] = receiver.notifications()
    assert sent["kind"] == "test"
    unknown = cli("test-channel", "hok", *project.flags())
    assert unknown.exit_code == 2 and "did you mean 'hook'?" in unknown.stderr


def test_undeliverable_for_a_day_is_dead_lettered_and_reported_elsewhere(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlsentinel_dbt.dbt import DbtArgs
    from sqlsentinel_dbt.notify.dispatch import deliver
    from sqlsentinel_dbt.runtime import Sentinel

    receiver.default = (503, {"Retry-After": "3600"}, b"down")  # past the budget: no retry
    fire(project, sentinel_schema)  # the hook keeps failing
    receiver.default = (200, {}, b"ok")
    receiver.requests.clear()
    args = DbtArgs(
        str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {sentinel_schema}}}"
    )
    tomorrow = datetime.now(UTC) + timedelta(hours=25)
    with Sentinel.open(args) as sentinel:
        outbox = sentinel.stores.outbox
        config = sentinel.config
        report = deliver(outbox, config.channels, config.settings, lambda: tomorrow)
        rows = outbox.read()
    assert (report.dead, report.sent) == (1, 0)
    [notice] = receiver.requests
    assert notice.path == "/hook/backup"  # told on the other channel, not the dead one
    [body] = notice.json()["notifications"]
    assert body["kind"] == "undelivered" and "HTTP 503" in body["description"]
    assert [r["status"] for r in rows if r["kind"] == "firing"] == ["dead"]


def test_every_timestamp_that_leaves_is_iso_8601_with_an_offset(
    project: Project, sentinel_schema: str, receiver: Receiver, tmp_path: Path
) -> None:
    flags = [*project.flags(), "--vars", f"{{sqlsentinel_schema: {sentinel_schema}}}"]
    fire(project, sentinel_schema)
    [request] = receiver.requests
    body = request.json()
    stamps = [body["sent_at"], *(n["created_at"] for n in body["notifications"])]

    history = cli("history", "-o", "json", *flags).json()["history"]
    stamps += [row[c] for row in history for c in ("started_at", "state_since") if row[c]]
    made = cli("silence", "busy_regions", "--for", "1h", "--reason", "r", *flags)
    assert ISO.search(made.stdout), made.stdout
    listed = cli("silences", "-o", "json", *flags).json()["silences"]
    stamps += [s[c] for s in listed for c in ("starts_at", "ends_at", "created_at")]
    assert len(stamps) > 5 and [s for s in stamps if not ISO.fullmatch(s)] == []

    table = cli("history", *flags).stdout + cli("silences", *flags).stdout
    assert ISO.search(table) and "UTC" not in table
    report = tmp_path / "report.html"
    assert cli("report", *flags, "--out", str(report)).exit_code == 0
    data = report_data(report.read_text())
    dated = [data["generated_at"], *(a["last_evaluated"] for a in data["alerts"])]
    dated += [p["started_at"] for points in data["history"].values() for p in points]
    dated += [n["created_at"] for sent in data["notifications"].values() for n in sent]
    assert len(dated) > 5 and [d for d in dated if d and not ISO.fullmatch(d)] == []


@ON_DUCKDB
def test_text_output_says_notify_only_for_what_it_sent(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    def text(*flags: str) -> str:
        args = run_args(project, sentinel_schema, "busy_regions", orders_limit=2)
        result = cli(*[a for a in args if a not in ("-o", "json")], *flags)
        assert result.exit_code in (0, 1), result.stderr
        return result.stdout

    assert "notify" not in text()  # pending: nothing decided
    dry = text("--dry-run")
    assert "would notify hook: " in dry and "\nnotify hook" not in dry
    queued = text("--no-notify")
    assert "queued, not sent: hook: " in queued and "1 notification(s) queued" in queued
    assert "notify hook" not in queued.replace("would notify", "") and receiver.requests == []
    sent = text()  # the next run delivers what is queued
    assert "notifications: 1 sent, 0 failed" in sent and len(receiver.requests) == 1


# --- outbox rows this version cannot read -------------------------------------------------

OUTBOX_COLUMNS = (
    "notification_id, run_id, created_at, updated_at, channel, group_key, alert_name, kind, "
    "status, firing_keys, silenced_keys, resolved_keys, payload, attempts, next_attempt_at, "
    "last_error, sent_at, claimed_by, claimed_until"
)
# Each planted as a copy of a real queued row with one thing wrong: (SQL overrides, reason).
BAD_OUTBOX_ROWS = {
    "bad_kind": ({"kind": "'escalation'"}, "`kind` is 'escalation', not one of firing"),
    "bad_payload_kind": (
        {"payload": """replace(payload, '"kind": "firing"', '"kind": "page"')""", "kind": "'page'"},
        "`kind` is 'page', not one of",
    ),  # and below, a payload whose kind is not the row's
    "bad_kind_differs": (
        {"payload": """replace(payload, '"kind": "firing"', '"kind": "page"')"""},
        "unknown kind 'page'",
    ),
    "bad_json": ({"payload": "'{\"kind\": \"firing\", '"}, "`payload` is not valid JSON"),
    "bad_no_payload": ({"payload": "null"}, "`payload` is NULL"),
    "bad_number": (
        {"payload": """replace(payload, '"actual_value": 3.0', '"actual_value": "lots"')"""},
        "value must be a number",
    ),
    "bad_attempts": ({"attempts": "-2"}, "`attempts` is -2, not a count"),
}


def plant_outbox_rows(
    project: Project, schema: str, rows: dict[str, dict[str, str]], status: str = "queued"
) -> None:
    """Copies of the one row in `status`, one per id in `rows`, with its SQL overrides."""
    for notification_id, overrides in rows.items():
        values = {c.strip(): c.strip() for c in OUTBOX_COLUMNS.split(",")}
        values |= {"notification_id": f"'{notification_id}'", **overrides}
        execute(
            project,
            f"insert into {schema}.sentinel_notifications ({OUTBOX_COLUMNS}) "
            f"select {', '.join(values.values())} from {schema}.sentinel_notifications "
            f"where status = '{status}' and notification_id not like 'bad_%'",
        )


def test_unreadable_outbox_rows_are_marked_failed_and_the_others_delivered(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    fire(project, sentinel_schema, "--no-notify")  # one real notification, queued
    plant_outbox_rows(
        project, sentinel_schema, {k: overrides for k, (overrides, _) in BAD_OUTBOX_ROWS.items()}
    )
    # A change run_alerts queued, to be decided by `notify`, that names no run.
    pending = {"kind": "'pending'", "status": "'undecided'", "run_id": "null"}
    plant_outbox_rows(project, sentinel_schema, {"bad_pending": pending})
    report = notify(project, sentinel_schema)
    assert (report["sent"], report["failed"]) == (1, len(BAD_OUTBOX_ROWS)), report
    assert [n["alert"] for n in receiver.notifications()] == ["busy_regions"]
    rows = query(
        project,
        f"select notification_id, status, last_error from {sentinel_schema}.sentinel_notifications",
    )
    by_id = {row["notification_id"]: row for row in rows}
    for notification_id, (_, reason) in BAD_OUTBOX_ROWS.items():
        row = by_id[notification_id]
        assert row["status"] == "failed", row
        assert reason in row["last_error"], row
        assert any(notification_id in e and reason in e for e in report["errors"]), report
    assert by_id["bad_pending"]["status"] == "failed"
    assert "`run_id` is NULL" in by_id["bad_pending"]["last_error"]
    assert {row["status"] for row in rows} == {"sent", "failed"}  # none left sending


def test_an_unreadable_notification_log_entry_does_not_stop_the_run(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    assert fire(project, sentinel_schema)["delivery"] == delivered(1)
    later = "created_at + interval '1 millisecond'"
    plant = {"firing_keys": "'[\"eu\", '", "created_at": later}  # newer, and malformed
    plant_outbox_rows(project, sentinel_schema, {"bad_log": plant}, status="sent")
    result = cli(*run_args(project, sentinel_schema, "busy_regions", orders_limit=2))
    assert result.exit_code == 1, result.stderr  # eu fires: as any firing run
    warning = " ".join(result.stderr.split())
    assert "sentinel_notifications: row 'bad_log' (group 'busy_regions', channel 'hook')" in warning
    assert "`firing_keys` is not valid JSON" in warning
    assert "the group starts from no prior notification" in warning
    # Decided as a new group: the very change first announced, whose id is in the outbox
    # already, so it is not queued twice.
    assert result.json()["delivery"] == delivered(0)
    assert len(receiver.requests) == 1


def test_a_log_entry_without_created_at_hides_no_later_entry(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    # PostgreSQL sorts NULLs first in a descending order: an entry without created_at
    # saying nothing fires would be the last word for ever, and eu re-announced each run.
    assert fire(project, sentinel_schema)["delivery"] == delivered(1)
    plant = {"firing_keys": "'[]'", "created_at": "null"}
    plant_outbox_rows(project, sentinel_schema, {"bad_null": plant}, status="sent")
    again = run(project, sentinel_schema, orders_limit=2)
    assert (again["notifications"], again["delivery"]["sent"]) == ([], 0)
