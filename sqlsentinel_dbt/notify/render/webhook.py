"""The webhook body: a versioned JSON document of notifications."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlsentinel_dbt.notify.message import Notification
from sqlsentinel_dbt.store.timestamps import iso_timestamp

VERSION = "1"


def webhook_body(notifications: Sequence[Notification], sent_at: datetime) -> bytes:
    """`{"version": "1", "sent_at": ..., "notifications": [...]}` as UTF-8 JSON bytes."""
    document = {
        "version": VERSION,
        "sender": "sqlsentinel",
        "sent_at": iso_timestamp(sent_at),
        # Rows queued by older versions hold another format: one format on the wire.
        "notifications": [
            n.to_payload() | {"created_at": iso_timestamp(n.created_at)} for n in notifications
        ],
    }
    return json.dumps(document, ensure_ascii=False, default=str).encode()
