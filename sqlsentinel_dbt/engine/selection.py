"""`--select` / `--exclude` for alerts: alert names, `tag:X`, and dbt node selectors.

A token selects an alert when it is an alert term that names it (engine/matcher.py: a
name or glob, `alert:NAME`, `tag:X`), or a dbt node selector that selects a node the
alert reads, the way `dbt test --select orders` selects the tests on `orders`.
Space-separated tokens are a union, comma-joined ones an intersection, as in dbt.

A term that matches no alert is almost always a typo, and a typo in a CI gate's
`--select` would otherwise run nothing and pass: `check_selection` names every such term,
unless the caller allows an empty selection on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from sqlsentinel_dbt.engine.matcher import AlertTerm
from sqlsentinel_dbt.errors import SelectionError
from sqlsentinel_dbt.suggest import closest


@dataclass(frozen=True)
class Selectable:
    """What selection needs to know about one alert."""

    name: str
    tags: frozenset[str]
    depends_on: frozenset[str]


NodeSelect = Callable[[str], set[str]]
# dbt's graph operators around a name: `+orders`, `2+orders`, `@orders`, `orders+`, `orders+3`.
_GRAPH_OPERATORS = re.compile(r"^(?:@|\d*\+)?(?P<name>.*?)(?:\+\d*)?$")


class Selection:
    """Matches selection terms against a fixed list of alerts, asking dbt once per term."""

    def __init__(self, alerts: Sequence[Selectable], select_nodes: NodeSelect) -> None:
        self.alerts = list(alerts)
        self._select_nodes = select_nodes
        self._nodes: dict[str, set[str]] = {}

    def chosen(self, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
        """Names of the alerts that `include` selects (all if empty) and `exclude` does not."""
        names = {a.name for a in self.alerts}
        chosen = self._union(tokens(include)) if tokens(include) else names
        dropped = self._union(tokens(exclude))
        return [a.name for a in self.alerts if a.name in chosen and a.name not in dropped]

    def unmatched(self, raw: Sequence[str]) -> list[tuple[str, str]]:
        """(term, why) for each term of `raw` that matches no alert."""
        problems = []
        for token in tokens(raw):
            if self._union([token]):
                continue
            parts = [p for p in token.split(",") if p]
            empty = [p for p in parts if not self._term(p)]
            if len(parts) > 1 and not empty:
                problems.append((token, "matches no alert (each part matches some, none all)"))
            else:
                term = (empty or [token])[0]
                problems.append((term, f"matches no alert{self._did_you_mean(term)}"))
        return problems

    def _did_you_mean(self, term: str) -> str:
        method, _, word = term.rpartition(":")
        if method == "tag":
            known = sorted({t for a in self.alerts for t in a.tags})
        elif method in ("", "alert"):
            known = [a.name for a in self.alerts]
        else:
            return ""  # another dbt method: its values are the project's, not ours
        close = closest(word, known)
        return f" (did you mean {term[: len(term) - len(word)] + close[0]!r}?)" if close else ""

    def _union(self, terms: Sequence[str]) -> set[str]:
        names: set[str] = set()
        for token in terms:
            parts = [p for p in token.split(",") if p]
            if parts:
                names |= set.intersection(*(self._term(part) for part in parts))
        return names

    def _term(self, part: str) -> set[str]:
        return {a.name for a in self.alerts if self._matches(a, part)}

    def _matches(self, alert: Selectable, part: str) -> bool:
        match = _GRAPH_OPERATORS.match(part)
        core = match["name"] if match else part
        term = AlertTerm.parse(core)
        if term is not None and ":" in part and core == part:  # alert:NAME, tag:X: ours alone
            return term.matches(alert.name, alert.tags)
        if term is not None and ":" not in part and term.matches(alert.name, alert.tags):
            return True
        return bool(alert.depends_on & self._nodes_of(part))

    def _nodes_of(self, part: str) -> set[str]:
        if part not in self._nodes:
            self._nodes[part] = self._select_nodes(part)
        return self._nodes[part]


def tokens(raw: Sequence[str]) -> list[str]:
    """The space-separated terms of every `--select` value (`-s "a b" -s c`: a, b, c)."""
    return [token for item in raw for token in item.split() if token]


def select(
    alerts: Sequence[Selectable],
    include: Sequence[str],
    exclude: Sequence[str],
    select_nodes: NodeSelect,
) -> list[str]:
    """Names of the alerts that `include` selects (all if empty) and `exclude` does not."""
    return Selection(alerts, select_nodes).chosen(include, exclude)


def check_selection(
    selection: Selection,
    include: Sequence[str],
    exclude: Sequence[str],
    chosen: Sequence[str],
    disabled: Sequence[str] = (),
) -> None:
    """Raise SelectionError naming each term that matches no alert, or an empty result.

    `disabled` names alerts that exist but are switched off, for a better hint.
    """
    problems = []
    for flag, raw in (("--select", include), ("--exclude", exclude)):
        for term, why in selection.unmatched(raw):
            off = [name for name in disabled if fnmatchcase(name, term.removeprefix("alert:"))]
            note = f" ({', '.join(off)}: enabled: false)" if off else ""
            why = why.replace("no alert", "no enabled alert") if off else why
            problems.append(f"{flag} {term!r} {why}{note}")
    if not problems and not chosen and selection.alerts and (tokens(include) or tokens(exclude)):
        problems.append("--exclude removes every alert the selection picks")
    if problems:
        raise SelectionError(problems, allowable=True)
