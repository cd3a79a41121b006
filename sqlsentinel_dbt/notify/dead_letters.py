"""Report dead-lettered notifications on the other channels (docs/notifications.md#delivery).

A notification still undelivered after `max_notification_age` is marked dead; so that it
is never dropped silently, every other channel is told, straight away and best effort,
which alert's notification to which channel was given up, and why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlsentinel_dbt.config.channels import Channel
from sqlsentinel_dbt.config.secrets import MissingEnvVar
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.retry import send_isolated
from sqlsentinel_dbt.notify.senders.build import build_sender
from sqlsentinel_dbt.store.outbox import Claimed

logger = logging.getLogger(__name__)


def report_dead(
    dead: Sequence[Claimed], channels: Mapping[str, Channel], budget: float
) -> list[str]:
    """Tell every other channel about `dead`; return one line per report that failed."""
    problems = []
    for name, channel in channels.items():
        notices = [_notice(item, name) for item in dead if item.notification.channel != name]
        if not notices:
            continue
        try:
            sender, _ = build_sender(channel)
        except (MissingEnvVar, ValueError) as exc:
            problems.append(f"{name}: dead-letter report not sent: {exc}")
            continue
        for start in range(0, len(notices), channel.max_per_message):
            chunk = notices[start : start + channel.max_per_message]
            for _, result in send_isolated(sender.send, chunk, budget):
                if not result.ok:
                    problems.append(f"{name}: dead-letter report not sent: {result.reason}")
    for item in dead:
        n = item.notification
        logger.error("gave up on %s notification %s to %s", n.alert, n.notification_id, n.channel)
    return problems


def _notice(item: Claimed, to: str) -> Notification:
    n = item.notification
    reason = f"last error: {item.last_error}" if item.last_error else "never delivered"
    return Notification(
        notification_id=f"dead-{n.notification_id}",
        channel=to,
        group_key=n.group_key,
        alert=n.alert,
        kind=Kind.UNDELIVERED,
        severity=n.severity,
        created_at=n.created_at,
        run_id=n.run_id,
        description=(
            f"The {n.kind.value} notification for {n.alert} to channel {n.channel} was "
            f"given up after {item.attempts} attempts ({reason})."
        ),
        owner=n.owner,
        firing=n.firing,
        project=n.project,
        target=n.target,
    )
