"""When a mute window ends, the groups it held are decided again, with no new evaluation.

A mute window records what it holds back (decide.py); what still fires when the window
ends is announced by the alert's next decision. An alert evaluated on a schedule, or a dbt
check evaluated by the next build, might not be decided again for hours. So each delivery
pass looks at the log entries that hold instances back for a mute window, and for each one
no window holds any more it queues the alert's last run again as a pending change: decided
now, against the log, it announces what fired meanwhile and still fires, and what resolved
(docs/notifications.md, "Mute windows"). The change's id is derived from the run and the
entries, so two passes queue it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlsentinel_dbt.config.channels import Route
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.config.time_intervals import NamedTimeIntervals
from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.pending import dbt_check_alert
from sqlsentinel_dbt.notify.routing import destinations_for
from sqlsentinel_dbt.notify.windows import WINDOW_REASONS, MuteWindows
from sqlsentinel_dbt.store.outbox import Outbox, PendingDecision


def requeue_ended_windows(
    outbox: Outbox,
    alerts: Sequence[Alert],
    routes: Sequence[Route],
    intervals: Sequence[NamedTimeIntervals],
    now: datetime,
) -> int:
    """Queue again the last run of each alert a mute window held and none holds now.

    Returns how many changes were queued. An alert the project no longer declares (and
    that is no dbt check) is left alone.
    """
    windows = MuteWindows(intervals, now)
    declared = {alert.name: alert for alert in alerts}
    ended: dict[tuple[str, str], list[Notification]] = {}
    for entry in outbox.held_entries():
        if not any(h.reason.startswith(WINDOW_REASONS) for h in entry.held_back):
            continue
        alert = declared.get(entry.alert)
        if alert is None and entry.dbt_check is not None:
            alert = dbt_check_alert(entry.alert, entry.sql_excerpt, entry.dbt_check)
        if alert is None:
            continue
        to = [d for d in destinations_for(alert, routes) if d.channel == entry.channel]
        if to and windows.holding(to[0]) is None:
            ended.setdefault((entry.alert, entry.run_id), []).append(entry)
    pending = [_again(entries, now) for entries in ended.values()]
    outbox.queue_pending(pending)
    return len(pending)


def _again(entries: list[Notification], now: datetime) -> PendingDecision:
    first = entries[0]
    seen = sorted(entry.notification_id for entry in entries)
    identity = "\0".join(["window ended", first.run_id, first.alert, *seen])
    return PendingDecision(
        hashlib.sha256(identity.encode()).hexdigest()[:32],
        first.run_id,
        first.alert,
        now,
        first.sql_excerpt,
        first.dbt_check,
    )
