"""Silences: which alert instances are muted right now (docs/notifications.md#silences).

A silence names alerts with an alert term (engine/matcher.py: a name or glob, `alert:NAME`
or `tag:X`), and optionally one key. Silenced instances are still evaluated and recorded;
only their notifications are held back (recorded as `suppressed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.engine.matcher import term_matches


@dataclass(frozen=True)
class Silence:
    """One silence, as stored."""

    silence_id: str
    matcher: str
    alert_key: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime
    ended_by: str | None = None

    def active(self, at: datetime) -> bool:
        """In force at `at`."""
        return self.starts_at <= at < self.ends_at

    def matches(self, alert: Alert, key: str | None) -> bool:
        """Whether this silence mutes instance `key` of `alert` (any key when it has none)."""
        if self.alert_key is not None and self.alert_key != key:
            return False
        return term_matches(self.matcher, alert.name, alert.tags)


def matches_any_alert(matcher: str, alerts: Sequence[Alert]) -> bool:
    """Whether a matcher selects at least one declared alert (to catch typos)."""
    probe = Silence("", matcher, None, datetime.min, datetime.max, "", "", datetime.min)
    return any(probe.matches(alert, None) for alert in alerts)


class SilenceBook:
    """The silences in force at one moment, asked per instance."""

    def __init__(self, silences: Sequence[Silence], at: datetime, alerts: Sequence[Alert]) -> None:
        """The silences in force at `at` for `alerts`.

        `silences` may also hold some that ended before `at`: `unsilenced_since` asks them.
        """
        self._at = at
        self._silences = list(silences)
        self._active = [s for s in silences if s.active(at)]
        self._alerts = {a.name: a for a in alerts}

    def __call__(self, alert_name: str, key: str | None) -> str | None:
        """Why the instance is silenced (`silenced by silence ID`), or None when it is not."""
        alert = self._alerts.get(alert_name)
        if alert is None:
            return None
        found = next((s for s in self._active if s.matches(alert, key)), None)
        return f"silenced by silence {found.silence_id}" if found else None

    def unsilenced_since(self, alert_name: str, key: str | None, since: datetime) -> datetime:
        """Since when an instance firing since `since` has been out of every silence.

        The end of the last silence of it that ended after `since`, else `since`.
        """
        alert = self._alerts.get(alert_name)
        ends = [
            s.ends_at
            for s in self._silences
            if alert is not None and since < s.ends_at <= self._at and s.matches(alert, key)
        ]
        return max([since, *ends])
