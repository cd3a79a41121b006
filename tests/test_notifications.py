"""Notifications end to end: a real dbt project, a real warehouse, a webhook on 127.0.0.1."""

from __future__ import annotations

import pytest

from sqlsentinel_dbt.notify.senders.webhook import signature
from tests.conftest import Project, cli
from tests.notify_kit import SECRET, delivered, fire, notify, project, receiver, run
from tests.receivers import Receiver

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name
# For what happens before the outbox (sender retries, test messages): DuckDB's will do.
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


def test_notify_delivers_what_a_run_queued(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    queued = fire(project, sentinel_schema, "--no-notify")
    assert (queued["delivery"], receiver.requests) == (None, [])
    assert notify(project, sentinel_schema) == delivered(1)
    assert notify(project, sentinel_schema)["sent"] == 0


def test_dry_run_and_no_notify(project: Project, sentinel_schema: str, receiver: Receiver) -> None:
    run(project, sentinel_schema, orders_limit=2)  # pending
    dry = run(project, sentinel_schema, "--dry-run", orders_limit=2)
    assert [(n["channel"], n["kind"]) for n in dry["notifications"]] == [("hook", "firing")]
    assert (dry["delivery"], receiver.requests) == (None, [])

    queued = run(project, sentinel_schema, "--no-notify", orders_limit=2)
    assert (queued["delivery"], len(queued["notifications"]), receiver.requests) == (None, 1, [])
    assert notify(project, sentinel_schema)["sent"] == 1
    assert len(receiver.notifications()) == 1


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
    result = cli("test-channel", "hook", "--project-dir", str(project.root))
    assert (result.exit_code, result.stdout.strip()) == (0, "test message sent to hook")
    [sent] = receiver.notifications()
    assert sent["kind"] == "test"
    unknown = cli("test-channel", "hok", "--project-dir", str(project.root))
    assert unknown.exit_code == 2 and "did you mean 'hook'?" in unknown.stderr


def test_undeliverable_for_a_day_is_dead_lettered_and_reported_elsewhere(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlsentinel_dbt.dbt import DbtArgs
    from sqlsentinel_dbt.notify.dispatch import deliver
    from sqlsentinel_dbt.runtime import Sentinel
    from sqlsentinel_dbt.store.outbox import Outbox

    receiver.default = (503, {"Retry-After": "3600"}, b"down")  # past the budget: no retry
    fire(project, sentinel_schema)  # the hook keeps failing
    receiver.default = (200, {}, b"ok")
    receiver.requests.clear()
    args = DbtArgs(
        str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {sentinel_schema}}}"
    )
    tomorrow = datetime.now(UTC) + timedelta(hours=25)
    with Sentinel.open(args) as sentinel:
        outbox = Outbox(sentinel.project.warehouse)
        report = deliver(
            outbox, sentinel.config.channels, sentinel.config.settings, clock=lambda: tomorrow
        )
        rows = outbox.read()
    assert (report.dead, report.sent) == (1, 0)
    [notice] = receiver.requests
    assert notice.path == "/hook/backup"  # told on the other channel, not the dead one
    [body] = notice.json()["notifications"]
    assert body["kind"] == "undelivered" and "HTTP 503" in body["description"]
    assert [r["status"] for r in rows if r["kind"] == "firing"] == ["dead"]
