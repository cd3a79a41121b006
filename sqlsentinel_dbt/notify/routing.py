"""Which channels an alert notifies: its own `notify`, plus the routes it matches."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from sqlsentinel_dbt.config.channels import Route, RouteMatch
from sqlsentinel_dbt.config.models import Alert


def channels_for(alert: Alert, routes: Sequence[Route]) -> list[str]:
    """Channel names in order, without repeats.

    The first matching route ends the walk unless it says `continue: true` (Alertmanager's
    route tree, flattened).
    """
    names = list(alert.notify)
    for route in routes:
        if _matches(alert, route.match):
            names += route.notify
            if not route.continue_:
                break
    return list(dict.fromkeys(names))


def _matches(alert: Alert, match: RouteMatch) -> bool:
    if match.severity is not None and alert.severity is not match.severity:
        return False
    if match.tags and not set(match.tags) & set(alert.tags):
        return False
    if match.owner is not None and alert.owner != match.owner:
        return False
    return match.alert is None or fnmatchcase(alert.name, match.alert)
