"""What every medium shows, and escaping: values from query results are never markup.

A per-alert `message` template is rendered with Jinja2 in a bounded sandbox whose
`finalize` escapes every `{{ value }}` for the medium, so the template's own markup stays
and a result value like `<!channel>` or `<script>` arrives as text (see template.py).
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlsentinel_dbt.engine.notification import Instance, Notification
from sqlsentinel_dbt.notify.render import anomaly
from sqlsentinel_dbt.notify.render.limits import clean, cut, cut_html
from sqlsentinel_dbt.notify.render.template import TemplateProblem, render, template_vars

logger = logging.getLogger(__name__)
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
    """`eu: 3 (threshold 2) · orders=5` with every value escaped.

    An anomaly's line says its bucket and expected range instead (render/anomaly.py).
    """
    key = escape(instance.key) if instance.key is not None else "value"
    context = instance.context
    if anomaly.is_anomaly(context):
        parts = [f"{key}: {anomaly.phrase(instance.actual_value, context, number, escape)}"]
        context = {k: v for k, v in context.items() if k not in anomaly.EXPLANATION}
    else:
        parts = [f"{key}: {escape(number(instance.actual_value)) or 'firing'}"]
        if instance.threshold is not None:
            parts[0] += f" (threshold {escape(number(instance.threshold))})"
    if context:
        parts.append(", ".join(f"{escape(str(k))}={escape(str(v))}" for k, v in context.items()))
    return " · ".join(parts)


def instance_lines(notification: Notification, escape: Escape) -> list[str]:
    """Up to MAX_INSTANCES lines, then `and N more`."""
    lines = [instance_line(i, escape) for i in notification.firing[:MAX_INSTANCES]]
    hidden = len(notification.firing) - MAX_INSTANCES
    return lines + ([f"and {hidden} more"] if hidden > 0 else [])


def message_body(
    notification: Notification,
    escape: Escape,
    default: Callable[[Notification], str],
    limit: int,
    *,
    markup: bool = False,
    html: bool = False,
) -> str:
    """A notification's text for one medium, within `limit` characters (the mark included).

    The alert's `message` template rendered with every value `escape`d, or `default(n)`
    when it has none or it renders to nothing. A template that fails, in any way, gives
    `default(n)` with a note saying why, and a warning in the log; nothing else is lost.
    `default` gets the notification with every text value cut to `limit` already, so a
    20 MB value costs no more than the part of it that is shown.
    With `markup` (Slack's `<...|...>` and `&amp;`, HTML) text is never cut inside a tag
    or an entity; with `html` the note is a paragraph.
    """
    shorten = cut_html if markup or html else cut
    if notification.message_template:
        try:
            variables = template_vars(notification)
            rendered = render(notification.message_template, variables, escape, limit)
        except TemplateProblem as problem:
            _warn_once(notification, str(problem))
            note = escape(fallback_note(str(problem)))
            note = f"<p><em>{note}</em></p>" if html else note
            separator = "" if html else "\n\n"
            room = max(0, limit - len(note) - len(separator))
            return clean(shorten(default(within(notification, room)), room)) + separator + note
        if rendered.text.strip():
            return shorten(rendered.text, limit, rendered.cut, rendered.more)
    return clean(shorten(default(within(notification, limit)), limit))


def within(notification: Notification, limit: int) -> Notification:
    """`notification` with every text a default message shows cut to `limit` characters."""

    def short(value: Any) -> Any:
        return cut(value, limit) if isinstance(value, str) and len(value) > limit else value

    return replace(
        notification,
        description=short(notification.description),
        error=short(notification.error),
        resolved_keys=[short(k) for k in notification.resolved_keys],
        firing=[
            replace(i, key=short(i.key), context={short(k): short(v) for k, v in i.context.items()})
            for i in notification.firing
        ],
    )


def fallback_note(problem: str) -> str:
    """What a message whose template failed says about it."""
    return f"Note: this alert's message template failed ({problem}); this is the default message."


_warned: OrderedDict[tuple[str, str], None] = OrderedDict()
_warned_lock = threading.Lock()


def _warn_once(notification: Notification, problem: str) -> None:
    """One warning per notification and problem, however many media and retries render it."""
    seen = (notification.notification_id, problem)
    with _warned_lock:
        if seen in _warned:
            return
        _warned[seen] = None
        if len(_warned) > 1000:
            _warned.popitem(last=False)
    logger.warning(
        "alert %s: its message template failed (%s); notification %s to %s gets the "
        "default message instead",
        notification.alert,
        problem,
        notification.notification_id,
        notification.channel,
    )
