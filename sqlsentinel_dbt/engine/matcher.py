"""One grammar for naming alerts, shared by `--select`, silences and routes.

An alert term is one of:

- `NAME`, or a glob of names (`orders_*`, `?` and `[...]` too), or `alert:NAME` to say so;
- `tag:X`: the alerts tagged X. An alert's tags are the ones it declares and, for an alert
  declared in a dbt node's meta, that node's tags (docs/alerts.md#selection).

`--select` also takes dbt's node selectors (`orders`, `+orders`, `source:shop.*`); those
are dbt's to read (engine/selection.py), and are not alert terms.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase


class Method(StrEnum):
    """What an alert term matches on."""

    NAME = "alert"
    TAG = "tag"


@dataclass(frozen=True)
class AlertTerm:
    """One parsed alert term."""

    method: Method
    value: str

    @classmethod
    def parse(cls, text: str) -> AlertTerm | None:
        """The term `text` is, or None when it is not an alert term (`source:x`, `path:y`)."""
        method, colon, value = text.partition(":")
        if not colon:
            return cls(Method.NAME, text)
        if method in (Method.NAME.value, Method.TAG.value):
            return cls(Method(method), value)
        return None

    def matches(self, name: str, tags: Collection[str]) -> bool:
        """Whether the alert called `name`, with `tags`, is one this term names."""
        if self.method is Method.TAG:
            return self.value in tags
        return fnmatchcase(name, self.value)


def term_matches(text: str, name: str, tags: Collection[str]) -> bool:
    """Whether the alert term `text` names the alert; False for a term that is not one."""
    term = AlertTerm.parse(text)
    return term is not None and term.matches(name, tags)
