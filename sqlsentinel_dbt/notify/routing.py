"""Which channels an alert notifies: its own `notify`, plus the routes it matches.

A route's `alert` and `tags` read as the alert terms `NAME` and `tag:X` do everywhere
(engine/matcher.py); `owner` is the alert's owner, `group` the dbt group of its node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlsentinel_dbt.config.channels import Digest, Route, RouteMatch
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.engine.matcher import AlertTerm, Method


@dataclass(frozen=True)
class Destination:
    """A channel an alert notifies, and what sends it there."""

    channel: str
    routes: tuple[Route, ...] = ()
    """The matching routes that name the channel."""
    direct: bool = False
    """The alert's own `notify` names it (no route's mute window can hold it)."""

    def repeat_interval(self, alert: Alert) -> float | None:
        """The first of its routes that sets one; else the alert's (so for its own notify)."""
        if not self.direct:
            for route in self.routes:
                if route.sets_repeat_interval:
                    return route.repeat_interval
        return alert.repeat_interval

    @property
    def digest(self) -> Digest | None:
        """The digest the channel's notifications wait for, if any.

        The first route's, when every route naming the channel is a digest route (and the
        alert's own `notify` does not name it).
        """
        digests = [route.digest for route in self.routes]
        if self.direct or not digests or None in digests:
            return None
        return digests[0]

    @property
    def escalate_after(self) -> float | None:
        """How long an instance must fire, unsilenced, before this channel hears of it.

        None unless every route that names the channel is an escalation route (and the
        alert's own `notify` does not name it); the shortest of theirs.
        """
        waits = [route.escalate_after for route in self.routes]
        if self.direct or not waits or None in waits:
            return None
        return min(wait for wait in waits if wait is not None)


def destinations_for(alert: Alert, routes: Sequence[Route]) -> list[Destination]:
    """The alert's channels in order, each once, with the routes that name it.

    The first matching route ends the walk unless it says `continue: true` (Alertmanager's
    route tree, flattened).
    """
    direct = list(dict.fromkeys(alert.notify))
    by_channel: dict[str, list[Route]] = {name: [] for name in direct}
    for route in routes:
        if route_matches(alert, route.match):
            for name in route.notify:
                by_channel.setdefault(name, []).append(route)
            if not route.continue_:
                break
    return [Destination(name, tuple(via), name in direct) for name, via in by_channel.items()]


def longest_escalation(routes: Sequence[Route]) -> float:
    """The longest `escalate_after` of the routes, in seconds (0 without one).

    How far back the silences that ended matter.
    """
    return max((route.escalate_after or 0.0 for route in routes), default=0.0)


def channels_for(alert: Alert, routes: Sequence[Route]) -> list[str]:
    """Channel names in order, without repeats (see `destinations_for`)."""
    return [destination.channel for destination in destinations_for(alert, routes)]


def route_matches(alert: Alert, match: RouteMatch) -> bool:
    """Whether the alert meets every condition `match` sets."""
    if match.severity is not None and alert.severity is not match.severity:
        return False
    tagged = (AlertTerm(Method.TAG, tag) for tag in match.tags)
    if match.tags and not any(t.matches(alert.name, alert.tags) for t in tagged):
        return False
    if match.owner is not None and alert.owner != match.owner:
        return False
    if match.group is not None and alert.dbt_group != match.group:
        return False
    named = AlertTerm(Method.NAME, match.alert) if match.alert is not None else None
    return named is None or named.matches(alert.name, alert.tags)
