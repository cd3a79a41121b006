"""The webhook body: a versioned JSON document of notifications."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlsentinel_dbt.notify.message import Notification

VERSION = "1"


def webhook_body(notifications: Sequence[Notification], sent_at: datetime) -> bytes:
    """`{"version": "1", "sent_at": ..., "notifications": [...]}` as UTF-8 JSON bytes."""
    document = {
        "version": VERSION,
        "sender": "sqlsentinel",
        "sent_at": sent_at.isoformat(),
        "notifications": [n.to_payload() for n in notifications],
    }
    return json.dumps(document, ensure_ascii=False, default=str).encode()
