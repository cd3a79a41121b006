"""Digests: a digest route's channel gets one message per period listing what fired, what
resolved and what still fires; runs ticked on a fixed clock, on real warehouses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.notification import Instance, Kind
from sqlsentinel_dbt.notify.digest import digest_notification, release_digests
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project
from tests.notify_kit import project, receiver
from tests.receivers import Receiver
from tests.test_senders import notification

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name
# 07:00 UTC is 08:00 in Berlin in December: the digest is at 09:00 Berlin, 08:00 UTC.
T0 = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
LEASE = 600.0
DIGEST_ROUTE = """\
  - match: {tags: [lifecycle]}
    notify: [hook]
    digest: {schedule: "0 9 * * *", timezone: Europe/Berlin}
"""


def test_a_digest_lists_each_group_once_by_how_it_ended() -> None:
    at = datetime(2026, 12, 7, 8, tzinfo=UTC)
    resolved = {"kind": Kind.RESOLVED, "firing": [], "new_keys": [], "resolved_keys": ["eu"]}
    repeat = {"kind": Kind.REPEAT, "new_keys": [], "firing": [Instance("us", "warn")]}
    stories = [
        notification(notification_id="1", group_key="late|eu", alert="late"),
        notification(notification_id="2", group_key="late|eu", alert="late", **resolved),
        notification(notification_id="3", group_key="rows", alert="rows", severity="warn"),
        notification(notification_id="4", group_key="old", alert="old", **repeat),
    ]
    digest = digest_notification("chat", "0 9 * * * Europe/Berlin", stories, at)
    assert digest.kind is Kind.DIGEST and digest.severity == "error"
    assert digest.description.splitlines() == [
        "2 fired, 1 resolved, 2 still firing (digest 0 9 * * * Europe/Berlin, "
        "2026-12-07T08:00:00+00:00)",
        "",
        "Still firing (2):",
        "rows: fired, still firing (eu)",
        "old: still firing (us)",
        "",
        "Resolved (1):",
        "late: fired and resolved (eu)",
    ]
    assert digest.title.startswith("[DIGEST] 2 fired, 1 resolved, 2 still firing")
    # The same rows at the same fire time: the same digest (two passes queue it once).
    again = digest_notification("chat", "0 9 * * * Europe/Berlin", stories[::-1], at)
    assert again.notification_id == digest.notification_id


def test_a_day_of_changes_is_one_message_at_the_digest_time(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    settings = project.root / "sentinel.yml"
    original = settings.read_text()
    head, routes = original.split("routes:\n", 1)
    settings.write_text(head + "routes:\n" + DIGEST_ROUTE + routes.split("\n", 2)[2])
    variables = f"{{sqlsentinel_schema: {sentinel_schema}, orders_limit: %d}}"

    def tick(minutes: int, orders_limit: int | None = None) -> Any:
        """A run (with the limit) or else `sentinel notify`, at T0 + minutes."""
        at = T0 + timedelta(minutes=minutes)
        limit = 2 if orders_limit is None else orders_limit
        args = DbtArgs(str(project.root), str(project.root), vars=variables % limit)
        with Sentinel.open(args, clock=lambda: at) as sentinel:
            if orders_limit is None:
                return sentinel.notify()
            report = sentinel.run(select=["busy_regions"])
            return [(r.notification.kind.value, r.status) for r in report.notifications]

    try:
        assert tick(0, 2) == []  # eu: pending
        assert tick(10, 2) == [("firing", "digest")]  # eu fires: waits for the digest
        assert tick(30, 0) == []  # the other regions: pending
        assert tick(40, 0) == [("firing", "digest")]  # every region fires now
        assert tick(50, 1000) == [("resolved", "digest")]  # all resolved
        assert tick(55, 2) == []  # eu: pending again
        assert receiver.requests == []
        assert tick(59).sent == 0  # 08:59 in Berlin: not yet
        assert tick(61, 2) == [("firing", "digest")]  # eu fires again, after 09:00
        [digest] = receiver.notifications()  # the run delivered the digest first
        assert digest["kind"] == "digest" and digest["alert"] == "digest"
        lines = digest["description"].splitlines()
        assert lines[0].startswith("1 fired, 1 resolved, 0 still firing (digest 0 9 * * *")
        assert lines[2] == "Resolved (1):" and len(lines) == 4
        assert lines[3].startswith("busy_regions: fired and resolved (") and "eu" in lines[3]
        assert tick(62).sent == 0  # made once: the rows it lists are digested
        # The next day's digest has what came after 09:00: eu, still firing.
        assert tick(24 * 60 + 59).sent == 0
        assert tick(24 * 60 + 61).sent == 1
        second = receiver.notifications()[-1]
        assert second["description"].splitlines()[2:] == [
            "Still firing (1):",
            "busy_regions: fired, still firing (eu)",
        ]
    finally:
        settings.write_text(original)


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # the SQL: the test above
def test_a_digest_made_again_after_a_crash_is_the_same_one(
    project: Project, sentinel_schema: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass killed after queueing the digest and before marking its rows: the next pass
    makes the same digest (same id), which is queued once and sent once."""
    settings = project.root / "sentinel.yml"
    original = settings.read_text()
    head, routes = original.split("routes:\n", 1)
    settings.write_text(head + "routes:\n" + DIGEST_ROUTE + routes.split("\n", 2)[2])
    variables = f"{{sqlsentinel_schema: {sentinel_schema}, orders_limit: 2}}"
    args = DbtArgs(str(project.root), str(project.root), vars=variables)
    try:
        for minutes in (0, 10):
            with Sentinel.open(args, clock=lambda m=minutes: T0 + timedelta(minutes=m)) as run:
                run.run(select=["busy_regions"])
        later = T0 + timedelta(hours=2)
        with Sentinel.open(args, clock=lambda: later) as sentinel:
            outbox = sentinel.stores.outbox
            assert len(outbox.waiting_for_digests(later)) == 1
            with monkeypatch.context() as killed:
                killed.setattr(outbox, "mark_digested", lambda ids, claimer, now: None)
                assert release_digests(outbox, later, LEASE) == 1  # queued; killed then
            # Its rows are claimed: another pass leaves them until the lease runs out.
            assert release_digests(outbox, later, LEASE) == 0
            expired = later + timedelta(seconds=LEASE + 1)
            assert release_digests(outbox, expired, LEASE) == 1  # the same digest again
            assert outbox.waiting_for_digests(expired) == []
            assert sentinel.notify().sent == 1
            assert sentinel.notify().sent == 0
    finally:
        settings.write_text(original)
    assert [n["kind"] for n in receiver.notifications()] == ["digest"]
