"""Deliver the outbox: claim what is due, send it per channel, record each outcome.

Channels are delivered side by side, so one slow or failing channel never holds back the
others. Within a channel, claimed notifications are packed `max_per_message` to a
message, sent one after the other (each marked sent in the background while the next
goes out: notify/recorder.py); one still failing retryably once its retry budget is
spent means the channel is down, and the rest are failed untried, due again with it. A
row is marked sent only after its send succeeded: a crash in between leaves it claimed,
and once the lease runs out the next run sends it again (a duplicate at worst, never a
loss).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlsentinel_dbt.config.channels import Channel
from sqlsentinel_dbt.config.files import SentinelFile
from sqlsentinel_dbt.config.secrets import MissingEnvVar
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.dead_letters import report_dead
from sqlsentinel_dbt.notify.digest import release_digests
from sqlsentinel_dbt.notify.recorder import SentRecorder
from sqlsentinel_dbt.notify.retry import SendResult, send_isolated
from sqlsentinel_dbt.notify.senders.build import build_sender
from sqlsentinel_dbt.redact import redact
from sqlsentinel_dbt.store.outbox import Claimed, Outbox
from sqlsentinel_dbt.store.threads import ThreadStore
from sqlsentinel_dbt.store.timestamps import Clock, iso_timestamp

logger = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    decided: int = 0
    """Notifications queued in this pass for changes `run_alerts` recorded."""
    sent: int = 0
    failed: int = 0
    dead: int = 0
    """Dead-lettered in this pass (older than max_notification_age), reported elsewhere."""
    errors: list[str] = field(default_factory=list)
    """One line per failed message: channel and the (redacted) reason."""


def deliver(
    outbox: Outbox,
    channels: Mapping[str, Channel],
    settings: SentinelFile,
    clock: Clock,
    threads: ThreadStore | None = None,
) -> DeliveryReport:
    """Claim every due notification and try to deliver it once (with in-run retries).

    Digests that are due are made first (notify/digest.py). `threads` keeps the Slack
    threads of channels that use them; without it every message stands alone.
    """
    try:
        release_digests(outbox, clock(), settings.claim_lease)
    except Exception as exc:  # what waits for a digest waits for the next pass; send the rest
        logger.warning("making the digests that are due failed: %s", redact(str(exc)))
    claimer = uuid.uuid4().hex
    claim = outbox.claim(claimer, clock(), settings.claim_lease, settings.max_notification_age)
    report = DeliveryReport(dead=len(claim.dead))
    report.failed += len(claim.unreadable)
    report.errors += [f"outbox row {line}" for line in claim.unreadable]
    if claim.dead:
        report.errors += report_dead(claim.dead, channels, settings.retry_budget)
    by_channel: dict[str, list[Claimed]] = {}
    for item in claim.due:
        by_channel.setdefault(item.notification.channel, []).append(item)
    if not by_channel:
        return report
    pool = outbox.thread_pool(8)
    futures = []
    for name, items in by_channel.items():
        channel = channels.get(name)
        args = (outbox, claimer, name, channel, items, settings, clock, threads)
        futures.append(pool.submit(_deliver_channel, *args))
    for name, future in zip(by_channel, futures, strict=True):
        try:
            part = future.result()
        except Exception as exc:  # the warehouse failed us mid-way: the lease brings them back
            logger.warning("delivering to %s stopped: %s", name, redact(str(exc)))
            report.errors.append(f"{name}: delivery stopped: {redact(str(exc))}")
            continue
        report.sent += part.sent
        report.failed += part.failed
        report.errors += part.errors
    return report


def _deliver_channel(
    outbox: Outbox,
    claimer: str,
    name: str,
    channel: Channel | None,
    items: Sequence[Claimed],
    settings: SentinelFile,
    clock: Clock,
    threads: ThreadStore | None,
) -> DeliveryReport:
    report = DeliveryReport()
    ids = [item.notification.notification_id for item in items]
    if channel is None:
        reason = f"channel {name!r} is no longer declared"
        return _failed(outbox, claimer, name, ids, reason, clock(), report)
    try:
        sender, _ = build_sender(channel, settings.owners, threads)
    except (MissingEnvVar, ValueError) as exc:
        return _failed(outbox, claimer, name, ids, str(exc), clock(), report)
    size = channel.groups_per_message()
    with SentRecorder(outbox, claimer, clock) as recorder:
        for start in range(0, len(items), size):
            chunk = [item.notification for item in items[start : start + size]]
            down: tuple[str, datetime] | None = None
            for sent, result in send_isolated(sender.send, chunk, settings.retry_budget):
                sent_ids = [n.notification_id for n in sent]
                if result.ok:
                    recorder.sent(sent_ids)
                    report.sent += len(sent)
                    continue
                now = clock()
                retry_at = now + timedelta(seconds=result.retry_after or 0.0)
                _failed(outbox, claimer, name, sent_ids, result.reason, now, report, retry_at)
                if result.retryable and down is None:
                    down = (result.reason, retry_at)
            untried = ids[start + size :]
            if down is not None and untried:
                # Its whole retry budget went on one message: each message left would spend
                # another, one after the other. The next pass tries them again.
                why, retry_at = down
                reason = f"not tried, the channel is down: {why}"
                line = f"{len(untried)} more not tried, the channel is down: {why}"
                now = clock()
                return _failed(outbox, claimer, name, untried, reason, now, report, retry_at, line)
    return report


def _failed(
    outbox: Outbox,
    claimer: str,
    channel: str,
    ids: list[str],
    reason: str,
    now: datetime,
    report: DeliveryReport,
    retry_at: datetime | None = None,
    line: str | None = None,
) -> DeliveryReport:
    """Settle `ids` failed with `reason`, due again at `retry_at` (by default at once).

    The report counts each, and gets one line for them all: `line`, or the reason.
    """
    outbox.settle(ids, claimer, now, sent=False, error=reason, retry_at=retry_at)
    logger.warning("notifications to %s failed: %s", channel, line or reason)
    report.failed += len(ids)
    report.errors.append(f"{channel}: {line or reason}")
    return report


def send_test(channel: Channel, budget: float, clock: Clock) -> SendResult:
    """Send a test message straight to `channel`, bypassing the outbox."""
    try:
        sender, _ = build_sender(channel)
    except (MissingEnvVar, ValueError) as exc:
        return SendResult(False, False, str(exc))
    now = clock()
    notification = Notification(
        notification_id=uuid.uuid4().hex,
        channel=channel.name,
        group_key="sentinel_test",
        alert="sentinel_test",
        kind=Kind.TEST,
        severity="warn",
        created_at=iso_timestamp(now),
        run_id="test",
        description=f"A test message from sqlsentinel to channel {channel.name!r}.",
    )
    [(_, result)] = send_isolated(sender.send, [notification], budget)
    return result
