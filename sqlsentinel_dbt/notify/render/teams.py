"""Microsoft Teams: an Adaptive Card in a message, as incoming webhooks and workflows take it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.render.common import escape_markdown, instance_lines, message_body
from sqlsentinel_dbt.notify.render.limits import TEAMS_BYTES, TEAMS_FIELD, cut, fit, json_size

_COLOR = {Kind.RESOLVED: "good", Kind.TEST: "accent", Kind.ERROR: "warning"}


def teams_message(notifications: Sequence[Notification]) -> dict[str, Any]:
    """The JSON body to POST, within Teams' size limit: long texts share what is left."""
    texts = [
        message_body(n, escape_markdown, _default_text, TEAMS_BYTES) or None
        for n in notifications
    ]
    message = _message(notifications, texts)
    if json_size(message) <= TEAMS_BYTES:
        return message
    frame = json_size(_message(notifications, ["" if t else None for t in texts]))
    share = max(0, TEAMS_BYTES - frame) // max(1, sum(1 for t in texts if t))
    return _message(notifications, [fit(t, share, json_size) if t else None for t in texts])


def _message(notifications: Sequence[Notification], texts: Sequence[str | None]) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    for n, text in zip(notifications, texts, strict=True):
        body.append(
            {
                "type": "TextBlock",
                "text": _field(n.title),
                "weight": "Bolder",
                "size": "Medium",
                "color": _COLOR.get(n.kind, "attention"),
                "wrap": True,
                "separator": bool(body),
            }
        )
        facts = [{"title": "Severity", "value": _field(n.severity)}]
        if n.owner:
            facts.append({"title": "Owner", "value": _field(n.owner)})
        body.append({"type": "FactSet", "facts": facts})
        if text is not None:  # "" only while measuring the frame around the texts
            body.append({"type": "TextBlock", "text": text, "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _field(value: str) -> str:
    return escape_markdown(cut(value, TEAMS_FIELD))


def _default_text(n: Notification) -> str:
    lines = [escape_markdown(n.description)] if n.description else []
    if n.error:
        lines.append("Error: " + escape_markdown(n.error))
    lines += ["- " + line for line in instance_lines(n, escape_markdown)]
    if n.resolved_keys:
        keys = ", ".join(escape_markdown(k if k is not None else "value") for k in n.resolved_keys)
        lines.append("Resolved: " + keys)
    return "\n\n".join(lines)
