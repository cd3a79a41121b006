"""The webhook body: a versioned JSON document of notifications.

The body stays within WEBHOOK_BYTES: each notification gets an equal share, and one that
is larger has its long strings cut (each ending in the truncation mark) and, if need be,
its lists shortened, and carries `"truncated": true`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.limits import WEBHOOK_BYTES, fit_json
from sqlsentinel_dbt.store.timestamps import iso_timestamp

VERSION = "1"


def webhook_body(notifications: Sequence[Notification], sent_at: datetime) -> bytes:
    """`{"version": "1", "sent_at": ..., "notifications": [...]}` as UTF-8 JSON bytes."""
    share = (WEBHOOK_BYTES - 1000) // max(1, len(notifications))
    document = {
        "version": VERSION,
        "sender": "sqlsentinel",
        "sent_at": iso_timestamp(sent_at),
        # Rows queued by older versions hold another format: one format on the wire.
        "notifications": [
            _fitted(
                _on_the_wire(n.to_payload()) | {"created_at": iso_timestamp(n.created_at)}, share
            )
            for n in notifications
        ],
    }
    return json.dumps(document, ensure_ascii=False, default=str).encode()


_INTERNAL = ("dbt_check",)
"""Payload fields kept for sentinel itself (deciding a held check again), not sent."""


def _on_the_wire(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in _INTERNAL}


def _fitted(payload: dict[str, Any], limit: int) -> dict[str, Any]:
    fitted, cut = fit_json(payload, limit - 20)  # room for the flag
    return {**fitted, "truncated": True} if cut else fitted
