"""A channel marks its sent rows in the background while it sends on (notify/recorder.py).

Real DuckDB and PostgreSQL outboxes, the webhook receiver on 127.0.0.1. Five
notifications to one channel, one per message: every row ends `sent` and each message
goes out once. When marking them fails, the channel stops sending, the rows stay claimed,
and once the lease has passed the next pass sends again what it could not mark: a
duplicate at worst, never a loss.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqlsentinel_dbt.config.channels import Channel
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.dispatch import deliver
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.outbox import Outbox, OutboxRow
from sqlsentinel_dbt.store.timestamps import iso_timestamp
from tests.conftest import Project
from tests.notify_kit import project, receiver
from tests.receivers import Receiver

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
COUNT = 5


@contextmanager
def opened(project: Project, schema: str) -> Iterator[tuple[Sentinel, dict[str, Channel]]]:
    """The project, and its `hook` channel sending one notification per message."""
    args = DbtArgs(str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {schema}}}")
    with Sentinel.open(args) as sentinel:
        hook = sentinel.config.channels["hook"].model_copy(update={"max_per_message": 1})
        yield sentinel, {"hook": hook}


def queue_five(outbox: Outbox) -> list[str]:
    ids = [uuid.uuid4().hex for _ in range(COUNT)]
    rows = [
        OutboxRow(
            Notification(
                notification_id=notification_id,
                channel="hook",
                group_key=f"group_{i}",
                alert=f"alert_{i}",
                kind=Kind.FIRING,
                severity="warn",
                created_at=iso_timestamp(NOW),
                run_id="recorder-test",
            ),
            "queued",
            frozenset(),
            frozenset(),
            frozenset(),
        )
        for i, notification_id in enumerate(ids)
    ]
    outbox.queue(rows, NOW)
    return ids


def statuses(outbox: Outbox) -> dict[str, str]:
    return {row["notification_id"]: row["status"] for row in outbox.read()}


def sent_ids(receiver: Receiver) -> list[str]:
    return [n["notification_id"] for n in receiver.notifications()]


def test_every_sent_row_is_marked_sent_in_the_background(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    with opened(project, sentinel_schema) as (sentinel, channels):
        outbox = sentinel.stores.outbox
        ids = queue_five(outbox)
        report = deliver(outbox, channels, sentinel.config.settings, lambda: NOW)
        assert (report.sent, report.failed, report.errors) == (COUNT, 0, [])
        assert sorted(sent_ids(receiver)) == sorted(ids)  # five messages, each once
        assert statuses(outbox) == dict.fromkeys(ids, "sent")
        again = deliver(outbox, channels, sentinel.config.settings, lambda: NOW)
        assert again.sent == 0 and len(receiver.requests) == COUNT


def test_a_failing_mark_stops_the_channel_and_loses_nothing(
    project: Project, sentinel_schema: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle = Outbox.settle

    def unwritable(self: Outbox, ids: Any, claimer: str, now: datetime, **kw: Any) -> None:
        if kw.get("sent"):
            raise RuntimeError("the warehouse went away")
        settle(self, ids, claimer, now, **kw)

    with opened(project, sentinel_schema) as (sentinel, channels):
        outbox, settings = sentinel.stores.outbox, sentinel.config.settings
        ids = queue_five(outbox)
        monkeypatch.setattr(Outbox, "settle", unwritable)
        report = deliver(outbox, channels, settings, lambda: NOW)
        assert report.sent == 0  # none recorded as sent
        assert report.errors == ["hook: delivery stopped: the warehouse went away"]
        first = sent_ids(receiver)
        assert 1 <= len(first) <= COUNT
        assert statuses(outbox) == dict.fromkeys(ids, "sending")  # claimed, not lost

        monkeypatch.setattr(Outbox, "settle", settle)
        later = NOW + timedelta(seconds=settings.claim_lease + 1)
        retried = deliver(outbox, channels, settings, lambda: later)
        assert (retried.sent, retried.errors) == (COUNT, [])
        assert statuses(outbox) == dict.fromkeys(ids, "sent")
        assert sorted(sent_ids(receiver)) == sorted(first + ids)  # a duplicate at worst
