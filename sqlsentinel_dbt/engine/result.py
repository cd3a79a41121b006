"""What one evaluation of one alert instance produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlsentinel_dbt.config.models import Severity


class Status(StrEnum):
    """The outcome of one alert instance in one run."""

    OK = "OK"
    ALERT = "ALERT"
    ERROR = "ERROR"


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
            "error": self.error,
            "context": self.context,
            "duration_ms": self.duration_ms,
        }
