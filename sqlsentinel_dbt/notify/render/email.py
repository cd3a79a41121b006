"""Email: a subject, and HTML and plain-text parts from the package's Jinja2 templates.

Each notification's body (its alert's `message`, or the default) is composed here and cut
to its share of the part's limit; the templates only lay the parts out. In HTML, what a
`message` template writes is rewritten as balanced HTML of formatting tags only, so it
cannot break the rest of the email.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.notify.render.common import (
    escape_html,
    instance_lines,
    message_body,
    plain,
)
from sqlsentinel_dbt.notify.render.html_fragment import balanced
from sqlsentinel_dbt.notify.render.limits import EMAIL_PART, clean, cut

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# HTML autoescapes every value; the text template needs none.
_HTML = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["j2"]))
# The text/plain part: HTML escapes there would show up as a literal `&lt;` (bandit B701).
_TEXT = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=False)  # nosec
_FIELD = 1000  # owner, project, target: a line each, not a page


@dataclass(frozen=True)
class Email:
    """What goes into one email."""

    subject: str
    text: str
    html: str


def email_message(notifications: Sequence[Notification]) -> Email:
    """Render the subject and both parts."""
    titles = "; ".join(n.title for n in notifications)
    subject = clean(f"[sqlsentinel] {titles}".replace("\n", " "))
    subject = subject if len(subject) <= 200 else subject[:199] + "…"
    share = EMAIL_PART // max(1, len(notifications))
    heads = [_head(n) for n in notifications]
    text = _TEXT.get_template("email.txt.j2").render(
        notifications=notifications,
        heads=heads,
        bodies=[message_body(n, plain, _default_text, share) for n in notifications],
    )
    html = _HTML.get_template("email.html.j2").render(
        notifications=notifications,
        heads=heads,
        bodies=[  # inserted as markup: values escaped, the template's own tags balanced
            balanced(message_body(n, escape_html, _default_html, share, html=True))
            for n in notifications
        ],
    )
    return Email(subject, clean(text), clean(html))


def _head(n: Notification) -> str:
    """`severity error · owner x · project (target)`."""
    head = f"severity {n.severity}"
    if n.owner:
        head += f" · owner {cut(n.owner, _FIELD)}"
    if n.project:
        head += f" · {cut(n.project, _FIELD)} ({cut(n.target, _FIELD)})"
    return head


def _default_text(n: Notification) -> str:
    lines = [n.description] if n.description else []
    if n.error:
        lines.append(f"Error: {n.error}")
    lines += [f"- {line}" for line in instance_lines(n, plain)]
    if n.resolved_keys:
        lines.append("Resolved: " + ", ".join(str(k) for k in n.resolved_keys))
    return "\n".join(lines)


def _default_html(n: Notification) -> str:
    parts = [f"<p>{escape_html(n.description)}</p>"] if n.description else []
    if n.error:
        parts.append(f"<p><strong>Error:</strong> {escape_html(n.error)}</p>")
    lines = instance_lines(n, plain)
    if lines:
        items = "".join(f"<li>{escape_html(line)}</li>" for line in lines)
        parts.append(f"<ul>{items}</ul>")
    if n.resolved_keys:
        keys = escape_html(", ".join(str(k) for k in n.resolved_keys))
        parts.append(f"<p><strong>Resolved:</strong> {keys}</p>")
    return "\n".join(parts)
