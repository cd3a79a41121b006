"""Email: a subject, and HTML and plain-text parts from the package's Jinja2 templates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from sqlsentinel_dbt.notify.message import Notification
from sqlsentinel_dbt.notify.render.common import (
    custom_message,
    escape_html,
    instance_lines,
    plain,
)

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# HTML autoescapes every value; the text template needs none.
_HTML = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["j2"]))
# The text/plain part: HTML escapes there would show up as a literal `&lt;` (bandit B701).
_TEXT = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=False)  # nosec


@dataclass(frozen=True)
class Email:
    """What goes into one email."""

    subject: str
    text: str
    html: str


def email_message(notifications: Sequence[Notification]) -> Email:
    """Render the subject and both parts."""
    titles = "; ".join(n.title for n in notifications)
    subject = f"[sqlsentinel] {titles}"
    subject = subject if len(subject) <= 200 else subject[:199] + "…"
    text = _TEXT.get_template("email.txt.j2").render(
        notifications=notifications,
        lines=[instance_lines(n, plain) for n in notifications],
        custom=[custom_message(n, plain) for n in notifications],
    )
    html = _HTML.get_template("email.html.j2").render(
        notifications=notifications,
        lines=[instance_lines(n, plain) for n in notifications],  # autoescaped by the template
        custom=[custom_message(n, escape_html) for n in notifications],
    )
    return Email(subject.replace("\n", " "), text, html)
