"""`Sentinel`: the library's front door. Open a dbt project, plan, run, record history.

The CLI is a thin layer over this class; Python users can drive it the same way:

    with Sentinel.open(DbtArgs(project_dir="my_project")) as sentinel:
        report = sentinel.run(select=["tag:finance"])
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlsentinel_dbt.config.loader import suggest
from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.config.project import ProjectConfig, load_config
from sqlsentinel_dbt.dbt import DbtArgs, DbtProject
from sqlsentinel_dbt.engine.freshness import stale_alerts
from sqlsentinel_dbt.engine.plan import PlannedAlert, compile_alert, plan_alerts
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.engine.runner import OnResults, run_planned
from sqlsentinel_dbt.engine.silences import Silence, SilenceBook, matches_any_alert
from sqlsentinel_dbt.engine.state import track_run
from sqlsentinel_dbt.errors import ConfigError
from sqlsentinel_dbt.notify.changes import RunContext, outbox_rows
from sqlsentinel_dbt.notify.dispatch import DeliveryReport, deliver
from sqlsentinel_dbt.notify.pending import Deciding, decide_pending
from sqlsentinel_dbt.resources import package_root
from sqlsentinel_dbt.store.history import HistoryStore, RunRecord
from sqlsentinel_dbt.store.outbox import Outbox, OutboxRow
from sqlsentinel_dbt.store.silences import SilenceStore


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
        return any(result.fails(fail_on) for result in self.results)

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
            }
            for row in self.notifications
            if row.status in ("queued", "suppressed")
        ]

    def to_json(self) -> dict[str, Any]:
        """The document `--output json` prints."""
        return {
            "run_id": self.run_id,
            "invocation_id": self.invocation_id,
            "dry_run": self.dry_run,
            "results": [r.to_json() for r in self.results],
            "missing": [
                {"alert": r.alert, "key": r.key, "state": r.state.state.value if r.state else None}
                for r in self.missing
            ],
            "summary": self.summary(),
            "notifications": self.notifications_json(),
            "delivery": asdict(self.delivery) if self.delivery else None,
        }


class Sentinel:
    """A dbt project with its alerts loaded and validated."""

    def __init__(self, project: DbtProject, config: ProjectConfig) -> None:
        self.project = project
        self.config = config
        self.alerts = config.alerts

    @classmethod
    def open(cls, args: DbtArgs) -> Sentinel:
        """Parse the dbt project and load its alerts; raises ProjectError or ConfigError."""
        project = DbtProject.open(args, package_root())
        try:
            config = load_config(project.root, project.meta_alerts())
        except Exception:
            project.close()
            raise
        return cls(project, config)

    def __enter__(self) -> Sentinel:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def plan(self, select: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[PlannedAlert]:
        """Compile the enabled alerts and keep the selected ones."""
        return plan_alerts(self.project, self.alerts, select, exclude)

    def run(
        self,
        select: Sequence[str] = (),
        exclude: Sequence[str] = (),
        *,
        dry_run: bool = False,
        on_results: OnResults | None = None,
    ) -> RunReport:
        """Plan and execute in one call."""
        return self.execute(self.plan(select, exclude), dry_run=dry_run, on_results=on_results)

    def execute(
        self,
        plans: Sequence[PlannedAlert],
        *,
        dry_run: bool = False,
        send: bool = True,
        check_last_build: bool = True,
        on_results: OnResults | None = None,
    ) -> RunReport:
        """Evaluate planned alerts, append them to the history, queue and send notifications.

        `dry_run` writes nothing and sends nothing; the report still says what would be
        sent. `send=False` queues notifications for `sentinel notify` without sending.
        With `check_last_build`, alerts reading a node the last dbt build failed or
        skipped are not run but reported as SKIPPED, and history rows carry that build's
        invocation id.
        """
        warehouse = self.project.warehouse
        warehouse.check_connection()
        now = datetime.now(UTC)
        store = HistoryStore(warehouse)
        if not dry_run:
            store.ensure()
        prior = store.latest_states([p.name for p in plans])
        build = self.project.last_build() if check_last_build else None
        evaluated = run_planned(
            plans,
            warehouse,
            threads=self.project.threads,
            on_results=on_results,
            skip=stale_alerts(plans, build),
        )
        tracked = track_run([p.declared.alert for p in plans], prior, evaluated, now)
        record = RunRecord(
            run_id=uuid.uuid4().hex,
            invocation_id=(build and build.invocation_id) or self.project.invocation_id,
            project_name=self.project.name,
            target_name=self.project.target_name,
        )
        changed = tracked.results + tracked.missing
        if not dry_run:
            store.append(record, changed)
        rows = self._notifications(plans, changed, record, now)
        delivery = None
        if self.config.channels and not dry_run:
            outbox = Outbox(warehouse)
            outbox.queue(rows, now)
            if send:  # also what earlier runs failed to deliver, and run_alerts queued
                delivery = self._deliver(outbox)
        return RunReport(
            record.run_id,
            record.invocation_id,
            tracked.results,
            dry_run,
            tracked.missing,
            rows,
            delivery,
        )

    def notify(self) -> DeliveryReport:
        """Deliver whatever the outbox holds that is due (`sentinel notify`).

        First the notifications for what `dbt run-operation sqlsentinel.run_alerts`
        recorded are decided and queued.
        """
        return self._deliver(Outbox(self.project.warehouse))

    def _deliver(self, outbox: Outbox) -> DeliveryReport:
        warehouse = self.project.warehouse
        deciding = Deciding(
            self._plan_for,
            [d.alert for d in self.alerts],
            self.config.routes,
            self.config.settings.claim_lease,
        )
        history = HistoryStore(warehouse)
        decided = decide_pending(outbox, history, SilenceStore(warehouse), deciding, _now())
        report = deliver(outbox, self.config.channels, self.config.settings)
        report.decided = decided
        return report

    def _plan_for(self, name: str) -> PlannedAlert | None:
        declared = next((d for d in self.alerts if d.name == name), None)
        return compile_alert(self.project, declared) if declared is not None else None

    def _notifications(
        self,
        plans: Sequence[PlannedAlert],
        results: Sequence[AlertResult],
        record: RunRecord,
        now: datetime,
    ) -> list[OutboxRow]:
        if not self.config.channels:
            return []
        warehouse = self.project.warehouse
        last = Outbox(warehouse).last_entries([p.name for p in plans])
        run = RunContext(record.run_id, record.project_name, record.target_name, now)
        alerts = [p.declared.alert for p in plans]
        silenced = SilenceBook(SilenceStore(warehouse).ending_after(now), now, alerts)
        return outbox_rows(plans, results, self.config.routes, last, run, silenced)

    def silence(
        self, matcher: str, key: str | None, ends_at: datetime, reason: str, created_by: str
    ) -> Silence:
        """Silence the alerts `matcher` selects (a name, a glob or `tag:X`) until `ends_at`."""
        alerts = [d.alert for d in self.alerts]
        if not matches_any_alert(matcher, alerts):
            names = sorted(a.name for a in alerts)
            raise ConfigError([f"{matcher!r} matches no alert{suggest(matcher, names)}"])
        now = datetime.now(UTC)
        if ends_at <= now:
            raise ConfigError([f"the silence would end in the past ({ends_at:%Y-%m-%d %H:%M} UTC)"])
        store = SilenceStore(self.project.warehouse)
        return store.add(matcher, key, now, ends_at, reason, created_by)

    def unsilence(self, silence_id: str, ended_by: str) -> bool:
        """End a silence now; False when no such silence is in force."""
        return SilenceStore(self.project.warehouse).end(silence_id, datetime.now(UTC), ended_by)

    def silences(self, days: int = 7) -> list[Silence]:
        """Active silences, and those that ended in the last `days`."""
        return SilenceStore(self.project.warehouse).recent(datetime.now(UTC), days)

    def history(self, alert: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """The newest history rows, of one alert or all."""
        return HistoryStore(self.project.warehouse).read(alert, limit)

    def close(self) -> None:
        """Release the warehouse connections."""
        self.project.close()


def _now() -> datetime:
    return datetime.now(UTC)
