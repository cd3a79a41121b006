"""Inhibition: firing instances that hold back the notifications of others.

- `inhibit_rules` (Alertmanager's): while an instance of an alert that matches a rule's
  `source_match` fires, the instances of alerts that match its `target_match` are held
  back, when the labels in `equal` are alike on both. An alert that matches both sides of
  a rule is never inhibited through that rule by another that does too, nor by itself.
- `inhibit_downstream`: while an instance of an alert fires on dbt node X, the instances
  of alerts on nodes downstream of X (dbt's DAG) are held back, naming the root cause: a
  firing node upstream with nothing firing upstream of it.

The nodes an alert is on: for a dbt test, the nodes it tests; for dbt's other checks
(models, seeds, snapshots, sources), its own node; for any other alert, `meta.dbt_node`
(set for an alert declared in a node's meta). So a failing model holds back the failing
tests of its children, not its own.

A held instance is recorded as suppressed, with `inhibited by ALERT (KEY) on NODE`, and
announced as new if it still fires once nothing inhibits it (docs/notifications.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlsentinel_dbt.config.inhibition import InhibitRule, Label
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState
from sqlsentinel_dbt.engine.state import Key
from sqlsentinel_dbt.notify.routing import route_matches

_TESTS = ("test", "unit_test")


@dataclass(frozen=True)
class Firing:
    """An instance that fires now, and may inhibit others."""

    alert: Alert
    key: Key


class Inhibitor:
    """Asked per instance: what, among the firing instances, holds it back."""

    def __init__(
        self,
        rules: Sequence[InhibitRule],
        firing: Sequence[Firing],
        parents: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Rules and firing instances; `parents`, dbt's DAG, turns on `inhibit_downstream`.

        `parents` maps each node to its direct upstream nodes.
        """
        self._rules = list(rules)
        self._firing = list(firing)
        self._parents = parents
        self._ancestors: dict[str, frozenset[str]] = {}
        self._firing_on: dict[str, list[Firing]] = {}
        if parents is not None:
            for source in self._firing:
                for node in sorted(self.nodes_of(source.alert)):
                    self._firing_on.setdefault(node, []).append(source)

    def __call__(self, alert: Alert, key: Key) -> str | None:
        """Why the instance is held back (`inhibited by ...`), or None."""
        return self._by_rule(alert, key) or self._by_upstream(alert, key)

    def nodes_of(self, alert: Alert) -> frozenset[str]:
        """The dbt nodes the alert is on (none for an alert without `meta.dbt_node`)."""
        node = alert.dbt_node
        if node is None:
            return frozenset()
        if alert.meta.get("resource_type") in _TESTS and self._parents:
            tested = self._parents.get(node)
            if tested:
                return frozenset(tested)
        return frozenset({node})

    def _by_rule(self, alert: Alert, key: Key) -> str | None:
        for rule in self._rules:
            if not route_matches(alert, rule.target_match):
                continue
            both = route_matches(alert, rule.source_match)
            for source in self._firing:
                if (source.alert.name, source.key) == (alert.name, key):
                    continue
                if not route_matches(source.alert, rule.source_match):
                    continue
                if both and route_matches(source.alert, rule.target_match):
                    continue  # Alertmanager: such alerts never inhibit one another
                if all(_alike(source, alert, key, label) for label in rule.equal):
                    return f"inhibited by {_instance(source)}"
        return None

    def _by_upstream(self, alert: Alert, key: Key) -> str | None:
        if not self._firing_on:
            return None
        nodes = self.nodes_of(alert)
        upstream = self._upstream_of_all(nodes)
        causes: dict[str, Firing] = {}
        for node in sorted(upstream & self._firing_on.keys()):
            for source in self._firing_on[node]:
                # Never itself; and two alerts each upstream of the other (tests of several
                # nodes, crosswise) hold neither back, or neither would ever be told.
                if source.alert.name == alert.name:
                    continue
                if nodes & self._upstream_of_all(self.nodes_of(source.alert)):
                    continue
                causes.setdefault(node, source)
        # The root cause: a firing node with nothing firing upstream of it.
        roots = sorted(node for node in causes if not causes.keys() & self._upstream_of(node))
        if not roots:
            return None
        return f"inhibited by {_instance(causes[roots[0]])} on {roots[0]}"

    def _upstream_of_all(self, nodes: frozenset[str]) -> frozenset[str]:
        return frozenset().union(*(self._upstream_of(node) for node in nodes))

    def _upstream_of(self, node: str) -> frozenset[str]:
        """Every node upstream of `node` (not itself), memoized; iterative for deep DAGs."""
        if node in self._ancestors:
            return self._ancestors[node]
        parents = self._parents or {}
        seen: set[str] = set()
        stack = list(parents.get(node, ()))
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            known = self._ancestors.get(current)
            if known is not None:
                seen |= known
                continue
            stack.extend(parents.get(current, ()))
        seen.discard(node)
        self._ancestors[node] = frozenset(seen)
        return self._ancestors[node]


def _alike(source: Firing, alert: Alert, key: Key, label: Label) -> bool:
    return _label(source.alert, source.key, label) == _label(alert, key, label)


def _label(alert: Alert, key: Key, label: Label) -> str | None:
    values: dict[Label, str | None] = {
        "alert": alert.name,
        "key": key,
        "severity": alert.severity.value,
        "owner": alert.owner,
        "group": alert.dbt_group,
        "dbt_node": alert.dbt_node,
    }
    return values[label]


def _instance(source: Firing) -> str:
    return source.alert.name + (f" ({source.key})" if source.key is not None else "")


def firing_now(
    alerts: Sequence[Alert],
    results: Sequence[AlertResult],
    recorded: Mapping[str, Mapping[Key, InstanceState]] = {},
) -> list[Firing]:
    """The instances that fire now, of `alerts`.

    By this run's `results` (with their new states), and by the history's latest states
    (`recorded`) for the alerts the run did not evaluate.
    """
    by_name = {alert.name: alert for alert in alerts}
    firing = [
        Firing(by_name[r.alert], r.key)
        for r in results
        if r.alert in by_name and r.state is not None and r.state.state.active
    ]
    evaluated = {r.alert for r in results}
    firing += [
        Firing(by_name[name], key)
        for name, states in recorded.items()
        if name in by_name and name not in evaluated
        for key, state in states.items()
        if state.state.active
    ]
    return firing
