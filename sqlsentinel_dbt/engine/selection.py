"""`--select` / `--exclude` for alerts: alert names, `tag:X`, and dbt node selectors.

A token selects an alert when it names the alert (glob patterns allowed, or `alert:NAME`),
matches one of its tags, or selects through dbt a node the alert reads, the way
`dbt test --select orders` selects the tests on `orders`. Space-separated tokens are a
union, comma-joined ones an intersection, as in dbt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Selectable:
    """What selection needs to know about one alert."""

    name: str
    tags: frozenset[str]
    depends_on: frozenset[str]


NodeSelect = Callable[[str], set[str]]


def select(
    alerts: Sequence[Selectable],
    include: Sequence[str],
    exclude: Sequence[str],
    select_nodes: NodeSelect,
) -> list[str]:
    """Names of the alerts that `include` selects (all if empty) and `exclude` does not."""
    cache: dict[str, set[str]] = {}

    def nodes(token: str) -> set[str]:
        if token not in cache:
            cache[token] = select_nodes(token)
        return cache[token]

    chosen = _matching(alerts, include, nodes) if _tokens(include) else {a.name for a in alerts}
    dropped = _matching(alerts, exclude, nodes)
    return [a.name for a in alerts if a.name in chosen and a.name not in dropped]


def _tokens(raw: Sequence[str]) -> list[str]:
    return [token for item in raw for token in item.split() if token]


def _matching(alerts: Sequence[Selectable], raw: Sequence[str], nodes: NodeSelect) -> set[str]:
    names: set[str] = set()
    for token in _tokens(raw):
        parts = [p for p in token.split(",") if p]
        matched = [{a.name for a in alerts if _matches(a, part, nodes)} for part in parts]
        names |= set.intersection(*matched) if matched else set()
    return names


def _matches(alert: Selectable, part: str, nodes: NodeSelect) -> bool:
    if part.startswith("alert:"):
        return fnmatchcase(alert.name, part.removeprefix("alert:"))
    if part.startswith("tag:") and part.removeprefix("tag:") in alert.tags:
        return True
    if ":" not in part and fnmatchcase(alert.name, part.lstrip("+@").rstrip("+")):
        return True
    return bool(alert.depends_on & nodes(part))
