"""Render an alert's `message` template for one medium, or say why it cannot be used.

Every `{{ value }}` is escaped for the medium (the template's own markup stays), the
output is read as a stream and only what the medium takes is kept (the rest is counted
for the truncation mark), and any failure of the template, whatever its kind, is one
`TemplateProblem` with a one-line reason. `problems` is what `sentinel validate` runs:
the same rendering, against sample notifications of every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateSyntaxError, meta

from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.engine.notification import Instance, Kind, Notification
from sqlsentinel_dbt.notify.render.limits import clean
from sqlsentinel_dbt.notify.render.sandbox import (
    BoundedEnvironment,
    OutOfWork,
    TemplateProblem,
    WorkBudget,
)
from sqlsentinel_dbt.redact import redact

Escape = Callable[[str], str]
SOURCE_LIMIT = 200_000
"""Characters of a template with Jinja syntax (compiling one costs about a second per MB);
text without `{{`, `{%` or `{#` is used as it is, at any length."""
_REASON = 300  # characters of an exception's message kept in a reason
_SYNTAX = ("{{", "{%", "{#")


@dataclass(frozen=True)
class Rendered:
    """A template's output for one medium: at most `limit` characters, and how many more."""

    text: str
    cut: int = 0
    """Characters of output after `text`, left out."""
    more: bool = False
    """Rendering stopped before the end: more than `cut` characters were left out."""


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


def render(source: str, variables: Mapping[str, Any], escape: Escape, limit: int) -> Rendered:
    """The first `limit` characters `source` renders to; raises TemplateProblem."""
    if not _is_template(source):
        return _plain(source, limit)
    if len(source) > SOURCE_LIMIT:
        raise TemplateProblem(_too_long(source))

    output = _Output(limit)
    try:
        _stream(source, variables, escape, output)
    except OutOfWork:
        if not output.full:
            raise
        # A template still writing once the medium is full (a loop writing 100 MB) has
        # shown all it can: what it would have written next would be cut anyway.
        return output.rendered(more=True)
    return output.rendered()


def _stream(source: str, variables: Mapping[str, Any], escape: Escape, output: _Output) -> None:
    """Render `source` into `output`; any failure raised as a TemplateProblem."""
    try:
        with WorkBudget():
            for chunk in _compiled(source, escape).generate(dict(variables)):
                output.add(chunk)
    except TemplateProblem:
        raise
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"syntax error on line {exc.lineno}: {exc.message}") from exc
    except Exception as exc:  # any failure of the template is its own, never the run's
        raise TemplateProblem(reason(exc)) from exc


@lru_cache(maxsize=256)
def _compiled(source: str, escape: Escape) -> Template:
    """`source` compiled for a medium, once per process (a failure is not cached)."""
    return _environment(escape).from_string(source)


@lru_cache(maxsize=16)
def _environment(escape: Escape) -> BoundedEnvironment:
    """The sandbox for one medium: its `finalize` escapes every `{{ value }}`."""

    def finalize(value: Any) -> str:
        if value is None:
            return ""
        return escape(value if isinstance(value, str) else str(value))

    return BoundedEnvironment(finalize)


class _Output:
    """A template's output as it streams: the first `limit` characters kept, all counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.kept = self.total = 0

    @property
    def full(self) -> bool:
        """More was written than the medium takes."""
        return self.total > self.limit

    def add(self, chunk: str) -> None:
        self.total += len(chunk)
        if self.kept < self.limit:
            self.parts.append(chunk[: self.limit - self.kept])
            self.kept += len(self.parts[-1])

    def rendered(self, more: bool = False) -> Rendered:
        return Rendered(clean("".join(self.parts)), self.total - self.kept, more)


def _plain(source: str, limit: int) -> Rendered:
    """Text without Jinja syntax, as Jinja would render it (at any length, quickly)."""
    text = source.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
    return Rendered(clean(text[:limit]), max(0, len(text) - limit))


def _is_template(source: str) -> bool:
    return any(marker in source for marker in _SYNTAX)


def _too_long(source: str) -> str:
    return f"the template is {len(source):,} characters long (at most {SOURCE_LIMIT:,})"


def reason(exc: BaseException) -> str:
    """`ZeroDivisionError: division by zero`, on one line, short, secrets masked."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return redact(text if len(text) <= _REASON else text[: _REASON - 1] + "…")


def alert_problems(alert: Alert) -> list[str]:
    """Why `alert`'s `message` template cannot be used, if it has one that cannot."""
    if not alert.message:
        return []
    base = Notification(
        notification_id="sample",
        channel="sample",
        group_key=alert.name,
        alert=alert.name,
        kind=Kind.FIRING,
        severity=alert.severity.value,
        created_at="2026-01-01 00:00:00.000000",
        run_id="sample",
        description=alert.description,
        owner=alert.owner,
        tags=list(alert.tags),
        project="project",
        target="target",
        message_template=alert.message,
    )
    return problems(alert.message, base)


def problems(source: str, notification: Notification) -> list[str]:
    """Why `source` cannot be used as the message of `notification`'s alert, if it cannot.

    It is rendered for sample notifications of each kind (firing, resolved, error) built
    from `notification`; names it uses that no template can see are reported too.
    """
    found: list[str] = []
    if _is_template(source) and len(source) > SOURCE_LIMIT:
        return [_too_long(source)]
    try:
        parsed = BoundedEnvironment(str).parse(source)
    except TemplateSyntaxError as exc:
        return [f"syntax error on line {exc.lineno}: {exc.message}"]
    known = set(template_vars(notification)) | set(BoundedEnvironment(str).globals)
    for name in sorted(meta.find_undeclared_variables(parsed) - known):
        found.append(f"unknown variable {name!r}; a message can use {', '.join(sorted(known))}")
    for sample in samples(notification):
        try:
            render(source, template_vars(sample), str, 1)
        except TemplateProblem as exc:
            found.append(f"fails for a {sample.kind.value} notification: {exc}")
    return list(dict.fromkeys(found))


class _SampleContext(dict[str, Any]):
    """Context columns of a sample instance: any column a template names has a value."""

    def __missing__(self, column: str) -> str:
        return f"<{column}>"


def samples(notification: Notification) -> list[Notification]:
    """A firing, a resolved and an error notification like `notification`'s alert sends."""
    instances = [
        Instance(f"key_{n}", notification.severity, 3.0 * n, 2.0, _SampleContext(column="value"))
        for n in (1, 2)
    ]
    keys: list[str | None] = [i.key for i in instances]
    return [
        replace(notification, kind=Kind.FIRING, firing=instances, new_keys=keys),
        replace(notification, kind=Kind.RESOLVED, firing=[], resolved_keys=keys),
        replace(notification, kind=Kind.ERROR, firing=[], error="sample error: the query failed"),
    ]


__all__ = ["Rendered", "TemplateProblem", "alert_problems", "problems", "render", "template_vars"]
