"""`Sentinel`: the library's front door. Open a dbt project, plan, run, record history.

The CLI is a thin layer over this class; Python users can drive it the same way:

    with Sentinel.open(DbtArgs(project_dir="my_project")) as sentinel:
        report = sentinel.run(select=["tag:finance"])
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.config.project import ProjectConfig, load_config
from sqlsentinel_dbt.dbt import DbtArgs, DbtProject
from sqlsentinel_dbt.engine.plan import PlannedAlert, plan_alerts
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.engine.runner import OnResults, run_planned
from sqlsentinel_dbt.engine.state import track_run
from sqlsentinel_dbt.resources import package_root
from sqlsentinel_dbt.store.history import HistoryStore, RunRecord


@dataclass(frozen=True)
class RunReport:
    """Everything one `sentinel dbt-run` produced."""

    run_id: str
    invocation_id: str
    results: list[AlertResult]
    dry_run: bool
    missing: list[AlertResult] = field(default_factory=list)
    """Known non-OK instances this run's results no longer contained, with their new state."""

    def summary(self) -> dict[str, int]:
        """Counts of results by outcome."""
        return {
            "total": len(self.results),
            "alerting": sum(r.status is Status.ALERT for r in self.results),
            "ok": sum(r.status is Status.OK for r in self.results),
            "errors": sum(r.status is Status.ERROR for r in self.results),
        }

    def failed(self, fail_on: Severity | None) -> bool:
        """True when any result fails a run gated at `fail_on` (None: errors only)."""
        return any(result.fails(fail_on) for result in self.results)

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
        on_results: OnResults | None = None,
    ) -> RunReport:
        """Evaluate planned alerts and, unless `dry_run`, append them to the history."""
        warehouse = self.project.warehouse
        warehouse.check_connection()
        now = datetime.now(UTC)
        store = HistoryStore(warehouse)
        if not dry_run:
            store.ensure()
        prior = store.latest_states([p.name for p in plans])
        evaluated = run_planned(
            plans, warehouse, threads=self.project.threads, on_results=on_results
        )
        tracked = track_run([p.declared.alert for p in plans], prior, evaluated, now)
        record = RunRecord(
            run_id=uuid.uuid4().hex,
            invocation_id=self.project.invocation_id,
            project_name=self.project.name,
            target_name=self.project.target_name,
        )
        if not dry_run:
            store.append(record, tracked.results + tracked.missing)
        return RunReport(
            record.run_id, record.invocation_id, tracked.results, dry_run, tracked.missing
        )

    def history(self, alert: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """The newest history rows, of one alert or all."""
        return HistoryStore(self.project.warehouse).read(alert, limit)

    def close(self) -> None:
        """Release the warehouse connections."""
        self.project.close()
