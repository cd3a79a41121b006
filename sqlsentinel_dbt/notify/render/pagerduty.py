"""PagerDuty Events API v2: one trigger or resolve event per group, keyed by `dedup_key`."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.render.common import instance_lines, plain
from sqlsentinel_dbt.notify.render.limits import PAGERDUTY_BYTES, PAGERDUTY_SUMMARY, cut, fit_json

_SEVERITY = {"error": "error", "warn": "warning"}


def dedup_key(notification: Notification) -> str:
    """The same for every event of one group in one project, so a resolve closes the trigger."""
    identity = f"{notification.project}\0{notification.group_key}"
    return "sqlsentinel-" + hashlib.sha256(identity.encode()).hexdigest()[:24]


def pagerduty_event(notification: Notification, routing_key: str) -> dict[str, Any]:
    """The event body; a `resolved` notification is a real resolve of the same dedup_key.

    Within PagerDuty's size limits: the summary is cut to 1,024 characters and long
    details are cut (with the mark) until the event fits in 512 KB.
    """
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "dedup_key": dedup_key(notification),
        "event_action": "resolve" if notification.kind is Kind.RESOLVED else "trigger",
    }
    if notification.kind is Kind.RESOLVED:
        return event
    event["client"] = "sqlsentinel"
    event["payload"] = {
        "summary": cut(notification.title, PAGERDUTY_SUMMARY),
        "source": f"{notification.project} ({notification.target})"[:255] or "sqlsentinel",
        "severity": _SEVERITY.get(notification.severity, "error"),
        "component": notification.alert,
        "group": notification.owner or None,
        "custom_details": {
            "description": notification.description,
            "instances": instance_lines(notification, plain),
            "resolved_keys": notification.resolved_keys,
            "error": notification.error,
            "notification_id": notification.notification_id,
        },
    }
    payload, _ = fit_json(event.pop("payload"), PAGERDUTY_BYTES - 1000)  # the keys stay whole
    event["payload"] = payload
    return event
