"""Microsoft Teams: an Adaptive Card in a message, as incoming webhooks and workflows take it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlsentinel_dbt.notify.message import Kind, Notification
from sqlsentinel_dbt.notify.render.common import custom_message, escape_markdown, instance_lines

_COLOR = {Kind.RESOLVED: "good", Kind.TEST: "accent", Kind.ERROR: "warning"}


def teams_message(notifications: Sequence[Notification]) -> dict[str, Any]:
    """The JSON body to POST."""
    body: list[dict[str, Any]] = []
    for n in notifications:
        body.append(
            {
                "type": "TextBlock",
                "text": escape_markdown(n.title),
                "weight": "Bolder",
                "size": "Medium",
                "color": _COLOR.get(n.kind, "attention"),
                "wrap": True,
                "separator": bool(body),
            }
        )
        facts = [{"title": "Severity", "value": escape_markdown(n.severity)}]
        if n.owner:
            facts.append({"title": "Owner", "value": escape_markdown(n.owner)})
        body.append({"type": "FactSet", "facts": facts})
        text = custom_message(n, escape_markdown) or _default_text(n)
        if text:
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


def _default_text(n: Notification) -> str:
    lines = [escape_markdown(n.description)] if n.description else []
    if n.error:
        lines.append("Error: " + escape_markdown(n.error))
    lines += ["- " + line for line in instance_lines(n, escape_markdown)]
    if n.resolved_keys:
        keys = ", ".join(escape_markdown(k if k is not None else "value") for k in n.resolved_keys)
        lines.append("Resolved: " + keys)
    return "\n\n".join(lines)
