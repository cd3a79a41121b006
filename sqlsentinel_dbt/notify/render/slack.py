"""Slack: Block Kit blocks plus a plain `text` fallback, every value mrkdwn-escaped.

An owner listed in `owners:` is mentioned beside its name (`<@U1>`, `<!subteam^S1>`), and
every owner's mentions lead the `text` too, which is what Slack notifies people with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlsentinel_dbt.config.owners import Owners, contacts_of, slack_mention
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.notify.render.common import (
    escape_slack,
    instance_lines,
    message_body,
    number,
)
from sqlsentinel_dbt.notify.render.limits import SLACK_FIELD, SLACK_SECTION, clean, cut, cut_html

_EMOJI = {
    Kind.FIRING: ":rotating_light:",
    Kind.REPEAT: ":rotating_light:",
    Kind.RESOLVED: ":white_check_mark:",
    Kind.ERROR: ":warning:",
    Kind.TEST: ":wave:",
    Kind.UNDELIVERED: ":mailbox_with_no_mail:",
    Kind.DIGEST: ":newspaper:",
}


def slack_message(
    notifications: Sequence[Notification], owners: Owners | None = None
) -> dict[str, Any]:
    """`{"text": ..., "blocks": [...]}` for chat.postMessage or an incoming webhook."""
    blocks: list[dict[str, Any]] = []
    for index, notification in enumerate(notifications):
        if index:
            blocks.append({"type": "divider"})
        blocks += _blocks(notification, _mentions(notification, owners or {}))
    text = "; ".join(n.title for n in notifications)
    everyone = dict.fromkeys(m for n in notifications for m in _mentions(n, owners or {}))
    # Mentions first, so that cutting a long text never drops them.
    lead = "".join(f"{mention} " for mention in everyone)
    # max_per_message keeps a message within Slack's 50 blocks; each block is cut to fit.
    return {"text": cut_html(clean(lead + escape_slack(text)), SLACK_SECTION), "blocks": blocks}


def resolved_root(n: Notification, took: timedelta, owners: Owners | None = None) -> dict[str, Any]:
    """What the message that opened a group's thread becomes once the group resolved.

    The resolution `n`'s own message, under a line saying after how long (`took`).
    """
    message = slack_message([n], owners)
    line = f"{_EMOJI[Kind.RESOLVED]} Resolved after {elapsed(took)}"
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}
    text = cut_html(f"{line}. {message['text']}", SLACK_SECTION)
    return {"text": text, "blocks": [context, *message["blocks"]]}


def elapsed(took: timedelta) -> str:
    """`2h 13m`: the two largest units of a duration, rounded down (`0s` at least)."""
    seconds = max(0, int(took.total_seconds()))
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2])


def _mentions(n: Notification, owners: Owners) -> list[str]:
    contacts = contacts_of(owners, n.owner)
    return [slack_mention(i) for i in contacts.slack] if contacts else []


def _blocks(n: Notification, mentions: Sequence[str] = ()) -> list[dict[str, Any]]:
    header = f"{_EMOJI[n.kind]} *{_field(n.title)}*"
    facts = [f"*Severity:* {_field(n.severity)}"]
    if n.owner:
        # The ids were checked (config/owners.py): they are markup, not values to escape.
        facts.append(f"*Owner:* {_field(n.owner)}" + "".join(f" {m}" for m in mentions))
    if n.project:
        facts.append(f"*Project:* {_field(n.project)} ({_field(n.target)})")
    body = message_body(n, escape_slack, _default_body, SLACK_SECTION, markup=True)
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


def _field(value: str) -> str:
    return escape_slack(cut(value, SLACK_FIELD))


def _section(text: str) -> dict[str, Any]:
    text = cut_html(clean(text), SLACK_SECTION)  # never inside `<...>` or `&amp;`
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
