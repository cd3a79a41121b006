"""What every medium shows, and escaping: values from query results are never markup.

A per-alert `message` template is rendered with Jinja2 in a sandbox whose `finalize`
escapes every `{{ value }}` for the medium, so the template's own markup stays and a
result value like `<!channel>` or `<script>` arrives as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from sqlsentinel_dbt.notify.message import Instance, Notification

Escape = Callable[[str], str]
MAX_INSTANCES = 10


def escape_slack(text: str) -> str:
    """Slack mrkdwn: the three characters Slack asks to escape (kills `<!channel>`, links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_html(text: str) -> str:
    """HTML body text and attributes."""
    return html.escape(text, quote=True)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def escape_markdown(text: str) -> str:
    """Teams' markdown subset: backslash every special character."""
    return _MARKDOWN.sub(r"\\\1", text)


def plain(text: str) -> str:
    """Plain text needs no escaping."""
    return text


def number(value: float | None) -> str:
    """`1,234`, `0.0312`, or an empty string."""
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"


def instance_line(instance: Instance, escape: Escape) -> str:
    """`eu: 3 (threshold 2) · orders=5` with every value escaped."""
    key = escape(instance.key) if instance.key is not None else "value"
    parts = [f"{key}: {escape(number(instance.actual_value)) or 'firing'}"]
    if instance.threshold is not None:
        parts[0] += f" (threshold {escape(number(instance.threshold))})"
    if instance.context:
        parts.append(
            ", ".join(f"{escape(str(k))}={escape(str(v))}" for k, v in instance.context.items())
        )
    return " · ".join(parts)


def instance_lines(notification: Notification, escape: Escape) -> list[str]:
    """Up to MAX_INSTANCES lines, then `and N more`."""
    lines = [instance_line(i, escape) for i in notification.firing[:MAX_INSTANCES]]
    hidden = len(notification.firing) - MAX_INSTANCES
    return lines + ([f"and {hidden} more"] if hidden > 0 else [])


def custom_message(notification: Notification, escape: Escape) -> str | None:
    """The alert's own `message` template rendered for a medium, or None (none, or broken)."""
    if not notification.message_template:
        return None
    env = SandboxedEnvironment(finalize=lambda value: _escaped(value, escape), autoescape=False)
    try:
        return env.from_string(notification.message_template).render(template_vars(notification))
    except TemplateError:
        return None  # a broken template must not cost the notification: use the default


def template_vars(notification: Notification) -> dict[str, Any]:
    """What a `message` template can use."""
    return {
        "alert": notification.alert,
        "kind": notification.kind.value,
        "severity": notification.severity,
        "description": notification.description,
        "owner": notification.owner,
        "firing": notification.firing,
        "resolved_keys": notification.resolved_keys,
        "error": notification.error,
        "project": notification.project,
        "target": notification.target,
    }


def _escaped(value: Any, escape: Escape) -> str:
    if value is None:
        return ""
    return escape(value if isinstance(value, str) else str(value))
