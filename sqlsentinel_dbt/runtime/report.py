"""`RunReport`: what one run produced, and its JSON form for `--output json`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlsentinel_dbt.config.models import Alert, Severity
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.notify.dispatch import DeliveryReport
from sqlsentinel_dbt.notify.explain import Explained
from sqlsentinel_dbt.store.outbox import OutboxRow


@dataclass(frozen=True)
class AlreadyRecorded:
    """Checks of dbt invocations the history already held: not recorded again."""

    invocation_ids: list[str]
    checks: int

    def line(self) -> str:
        """What the CLI says of them, in one line."""
        which = ", ".join(self.invocation_ids)
        noun = "invocation" if len(self.invocation_ids) == 1 else "invocations"
        checks = "1 check" if self.checks == 1 else f"{self.checks} checks"
        return f"dbt {noun} {which} already recorded: {checks} not recorded again."


@dataclass(frozen=True)
class RunReport:
    """Everything one `sentinel dbt-run` produced."""

    run_id: str
    invocation_id: str
    results: list[AlertResult]
    dry_run: bool
    missing: list[AlertResult] = field(default_factory=list)
    """Known non-OK instances this run's results no longer contained, with their new state."""
    notifications: list[OutboxRow] = field(default_factory=list)
    """What this run decided to tell each channel (in a dry run: what it would)."""
    delivery: DeliveryReport | None = None
    """What was delivered at the end of the run; None when nothing was sent."""
    alerts: dict[str, Alert] = field(default_factory=dict)
    """The alerts the results are of, by name: their owner and tags go with each result."""
    already_recorded: AlreadyRecorded | None = None
    """The recorded checks left out because the history already held them."""
    problems: list[str] = field(default_factory=list)
    """Settings of sentinel.yml that failed alone (a `dbt_results` term that selects no
    node): what they govern was not recorded; the rest ran. Any fails the run."""
    decisions: list[Explained] = field(default_factory=list)
    """What became of each instance on each channel, and why."""

    def summary(self) -> dict[str, int]:
        """Counts of results by outcome."""
        return {
            "total": len(self.results),
            "alerting": sum(r.status is Status.ALERT for r in self.results),
            "ok": sum(r.status is Status.OK for r in self.results),
            "errors": sum(r.status is Status.ERROR for r in self.results),
            "skipped": sum(r.status is Status.SKIPPED for r in self.results),
        }

    def failed(self, fail_on: Severity | None) -> bool:
        """True when any result fails a run gated at `fail_on` (None: errors only)."""
        return bool(self.problems) or any(result.fails(fail_on) for result in self.results)

    def _about(self, name: str) -> dict[str, Any]:
        alert = self.alerts.get(name)
        return {"owner": alert.owner, "tags": alert.tags} if alert else {}

    def notifications_json(self) -> list[dict[str, Any]]:
        """The decided notifications, for `--output json`."""
        return [
            {
                "id": row.notification.notification_id,
                "channel": row.notification.channel,
                "alert": row.notification.alert,
                "group": row.notification.group_key,
                "kind": row.notification.kind.value,
                "status": row.status,
                "firing_keys": [i.key for i in row.notification.firing],
                "resolved_keys": row.notification.resolved_keys,
                "held_back": [asdict(held) for held in row.notification.held_back],
            }
            for row in self.notifications
            if row.status in ("queued", "suppressed", "digest")
        ]

    def to_json(self) -> dict[str, Any]:
        """The document `--output json` prints."""
        return {
            "run_id": self.run_id,
            "invocation_id": self.invocation_id,
            "dry_run": self.dry_run,
            "results": [r.to_json() | self._about(r.alert) for r in self.results],
            "missing": [
                {"alert": r.alert, "key": r.key, "state": r.state.state.value if r.state else None}
                for r in self.missing
            ],
            "summary": self.summary(),
            "notifications": self.notifications_json(),
            "decisions": [asdict(decision) for decision in self.decisions],
            "delivery": asdict(self.delivery) if self.delivery else None,
            "already_recorded": asdict(self.already_recorded) if self.already_recorded else None,
            "problems": self.problems,
        }
