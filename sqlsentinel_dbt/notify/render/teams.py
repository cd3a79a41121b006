"""Microsoft Teams: an Adaptive Card in a message, as incoming webhooks and workflows take it.

An owner listed in `owners:` is mentioned under its alert: `<at>Name</at>` in a TextBlock,
and a `mention` entity in the card's `msteams.entities`, as Teams requires. A message
mentions at most TEAMS_MENTIONS people, so the card stays within its size limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlsentinel_dbt.config.owners import Owners, TeamsUser, contacts_of
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.render.common import escape_markdown, instance_lines, message_body
from sqlsentinel_dbt.notify.render.limits import TEAMS_BYTES, TEAMS_FIELD, cut, fit, json_size

_COLOR = {Kind.RESOLVED: "good", Kind.TEST: "accent", Kind.ERROR: "warning"}
TEAMS_MENTIONS = 20
"""Mentions in one message at most (each costs its text and an entity)."""


def teams_message(
    notifications: Sequence[Notification], owners: Owners | None = None
) -> dict[str, Any]:
    """The JSON body to POST, within Teams' size limit: long texts share what is left."""
    mentions = _mentions(notifications, owners or {})
    texts = [
        message_body(n, escape_markdown, _default_text, TEAMS_BYTES) or None for n in notifications
    ]
    message = _message(notifications, texts, mentions)
    if json_size(message) <= TEAMS_BYTES:
        return message
    frame = json_size(_message(notifications, ["" if t else None for t in texts], mentions))
    share = max(0, TEAMS_BYTES - frame) // max(1, sum(1 for t in texts if t))
    fitted = [fit(t, share, json_size) if t else None for t in texts]
    return _message(notifications, fitted, mentions)


def _mentions(notifications: Sequence[Notification], owners: Owners) -> list[list[TeamsUser]]:
    """Whom to mention under each notification, TEAMS_MENTIONS in all at most."""
    left = TEAMS_MENTIONS
    mentions = []
    for n in notifications:
        contacts = contacts_of(owners, n.owner)
        users = list(contacts.teams[:left]) if contacts else []
        left -= len(users)
        mentions.append(users)
    return mentions


def _message(
    notifications: Sequence[Notification],
    texts: Sequence[str | None],
    mentions: Sequence[Sequence[TeamsUser]],
) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    entities: dict[tuple[str, str], dict[str, Any]] = {}
    for n, text, users in zip(notifications, texts, mentions, strict=True):
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
        if users:
            # `<at>` is Teams' markup: names were checked to hold no `<`, `>` or `&`.
            tags = ", ".join(f"<at>{user.name}</at>" for user in users)
            body.append({"type": "TextBlock", "text": f"Owner: {tags}", "wrap": True})
            for user in users:
                entities.setdefault((user.name, user.id), _entity(user))
        if text is not None:  # "" only while measuring the frame around the texts
            body.append({"type": "TextBlock", "text": text, "wrap": True})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if entities:
        card["msteams"] = {"entities": list(entities.values())}
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _entity(user: TeamsUser) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": f"<at>{user.name}</at>",
        "mentioned": {"id": user.id, "name": user.name},
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
