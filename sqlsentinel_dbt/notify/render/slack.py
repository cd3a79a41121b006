"""Slack: Block Kit blocks plus a plain `text` fallback, every value mrkdwn-escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlsentinel_dbt.notify.message import Kind, Notification
from sqlsentinel_dbt.notify.render.common import (
    custom_message,
    escape_slack,
    instance_lines,
    number,
)

_SECTION_LIMIT = 2900  # Slack refuses section text over 3000 characters
_EMOJI = {
    Kind.FIRING: ":rotating_light:",
    Kind.REPEAT: ":rotating_light:",
    Kind.RESOLVED: ":white_check_mark:",
    Kind.ERROR: ":warning:",
    Kind.TEST: ":wave:",
    Kind.UNDELIVERED: ":mailbox_with_no_mail:",
}


def slack_message(notifications: Sequence[Notification]) -> dict[str, Any]:
    """`{"text": ..., "blocks": [...]}` for chat.postMessage or an incoming webhook."""
    blocks: list[dict[str, Any]] = []
    for index, notification in enumerate(notifications):
        if index:
            blocks.append({"type": "divider"})
        blocks += _blocks(notification)
    text = "; ".join(n.title for n in notifications)
    # max_per_message keeps a message within Slack's 50 blocks; nothing is cut here.
    return {"text": escape_slack(text)[:_SECTION_LIMIT], "blocks": blocks}


def _blocks(n: Notification) -> list[dict[str, Any]]:
    header = f"{_EMOJI[n.kind]} *{escape_slack(n.title)}*"
    facts = [f"*Severity:* {escape_slack(n.severity)}"]
    if n.owner:
        facts.append(f"*Owner:* {escape_slack(n.owner)}")
    if n.project:
        facts.append(f"*Project:* {escape_slack(n.project)} ({escape_slack(n.target)})")
    body = custom_message(n, escape_slack) or _default_body(n)
    blocks = [_section(header + "\n" + " · ".join(facts)), _section(body)]
    if n.sql_excerpt and n.kind is not Kind.RESOLVED:
        sql = n.sql_excerpt.replace("```", "'''")
        blocks.append(_section("```" + escape_slack(sql) + "```"))
    return [b for b in blocks if b["text"]["text"].strip()]


def _default_body(n: Notification) -> str:
    lines = [escape_slack(n.description)] if n.description else []
    if n.error:
        lines.append(f"*Error:* {escape_slack(n.error)}")
    lines += [f"• {line}" for line in instance_lines(n, escape_slack)]
    if n.resolved_keys:
        keys = ", ".join(escape_slack(k if k is not None else "value") for k in n.resolved_keys)
        lines.append(f"*Resolved:* {keys}")
    if len(n.firing) == 1 and n.firing[0].threshold is not None:
        only = n.firing[0]
        lines.append(f"Actual {number(only.actual_value)} vs threshold {number(only.threshold)}")
    return "\n".join(lines)


def _section(text: str) -> dict[str, Any]:
    if len(text) > _SECTION_LIMIT:
        text = text[: _SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
