"""What one evaluation of one alert instance produced."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.redact import current_redactor


class Status(StrEnum):
    """The outcome of one alert instance in one run."""

    OK = "OK"
    ALERT = "ALERT"
    ERROR = "ERROR"
    MISSING = "MISSING"
    """A known instance whose key this run's result did not contain."""
    SKIPPED = "SKIPPED"
    """Not run: a node it reads was not rebuilt by the last dbt build."""


class State(StrEnum):
    """Where an alert instance stands (docs/alerts.md#states)."""

    OK = "ok"
    PENDING = "pending"
    FIRING = "firing"
    RECOVERING = "recovering"

    @property
    def active(self) -> bool:
        """Firing as far as notifications go: FIRING, or RECOVERING (still firing)."""
        return self in (State.FIRING, State.RECOVERING)


@dataclass(frozen=True)
class InstanceState:
    """An instance's state, when it entered it, and the count that state keeps."""

    state: State
    since: datetime | None
    """When it entered the state; None for an instance that was never anything but OK."""
    count: int = 0
    """ALERT evaluations so far while PENDING; absent evaluations in a row while FIRING."""
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class AlertResult:
    """One alert instance (alert + key) evaluated once."""

    alert: str
    status: Status
    severity: Severity
    key: str | None = None
    actual_value: float | None = None
    threshold: float | None = None
    context: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    started_at: datetime | None = None
    duration_ms: int = 0
    no_data: bool = False
    state: InstanceState | None = None
    """The instance's state after this evaluation; None when it was not advanced (errors)."""
    dbt_node: str | None = None
    """The unique_id of the dbt node whose result this is, for dbt's own checks."""

    def fails(self, fail_on: Severity | None) -> bool:
        """True if this result should fail a run gated at `fail_on` (None: only errors fail)."""
        if self.status is Status.ERROR:
            return True
        return (
            self.status is Status.ALERT
            and fail_on is not None
            and self.severity.rank >= fail_on.rank
        )

    def to_json(self) -> dict[str, Any]:
        """The result as in `sentinel dbt-run --output json`."""
        return {
            "alert": self.alert,
            "key": self.key,
            "status": self.status.value,
            "severity": self.severity.value,
            "actual_value": self.actual_value,
            "threshold": self.threshold,
            "state": self.state.state.value if self.state else None,
            "error": self.error,
            "context": self.context,
            "duration_ms": self.duration_ms,
            "dbt_node": self.dbt_node,
        }


def masked(results: Sequence[AlertResult]) -> list[AlertResult]:
    """The results with every known secret masked in their keys, errors and context values.

    Runs before anything is recorded, printed or notified, so a secret that reached a
    query result or an error message goes no further.
    """
    redact = current_redactor()
    return [_masked(result, redact) for result in results]


def _masked(result: AlertResult, redact: Callable[[str], str]) -> AlertResult:
    def clean(value: Any) -> Any:
        return redact(value) if isinstance(value, str) else value

    return replace(
        result,
        key=clean(result.key),
        error=clean(result.error),
        context={clean(name): clean(value) for name, value in result.context.items()},
    )
