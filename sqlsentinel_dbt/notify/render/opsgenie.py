"""Opsgenie Alert API: a create request per firing group, a close of the same alias on resolve.

The alias is the same for every notification of one group in one project (as PagerDuty's
`dedup_key`), so Opsgenie folds repeats into the open alert and the close finds it. Every
field is cut to Opsgenie's limits (limits.py).
"""

from __future__ import annotations

from typing import Any

from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.common import instance_lines, plain
from sqlsentinel_dbt.notify.render.limits import (
    OPSGENIE_DESCRIPTION,
    OPSGENIE_DETAILS,
    OPSGENIE_MESSAGE,
    OPSGENIE_TAGS,
    clean,
    cut,
)
from sqlsentinel_dbt.notify.render.pagerduty import dedup_key

SOURCE = "sqlsentinel"


def alias(notification: Notification) -> str:
    """The Opsgenie alias of the notification's group: one open alert per group."""
    return dedup_key(notification)


def opsgenie_create(notification: Notification, priority: str) -> dict[str, Any]:
    """The body of `POST /v2/alerts` for a firing, repeating or erroring group."""
    description = "\n".join(
        part
        for part in (
            notification.description,
            *instance_lines(notification, plain),
            f"error: {notification.error}" if notification.error else "",
        )
        if part
    )
    details = {
        "notification_id": notification.notification_id,
        "kind": notification.kind.value,
        "project": notification.project,
        "target": notification.target,
        "owner": notification.owner or "",
        "resolved_keys": ", ".join(str(k) for k in notification.resolved_keys),
    }
    share = OPSGENIE_DETAILS // len(details)
    return {
        "message": clean(cut(notification.title, OPSGENIE_MESSAGE)),
        "alias": alias(notification),
        "description": clean(cut(description, OPSGENIE_DESCRIPTION)),
        "priority": priority,
        "source": SOURCE,
        "entity": clean(cut(notification.alert, 512)),
        "tags": [clean(cut(tag, 50)) for tag in notification.tags[:OPSGENIE_TAGS]],
        "details": {key: clean(cut(value, share - len(key))) for key, value in details.items()},
    }


def opsgenie_close(notification: Notification) -> dict[str, Any]:
    """The body of `POST /v2/alerts/{alias}/close?identifierType=alias` on resolve."""
    note = f"Resolved: {notification.title}"
    return {"source": SOURCE, "note": clean(cut(note, 25_000))}
