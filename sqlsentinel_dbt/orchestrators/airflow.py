"""`SentinelRunOperator`: `sentinel dbt-run` as an Airflow task, whole or one shard of it.

Fan the alerts out over N mapped tasks, each alert in exactly one of them:

    SentinelRunOperator.partial(task_id="alerts", project_dir=PROJECT).expand(
        shard=shards(4)
    )

Each task runs its alerts in the worker's process, as `sentinel dbt-run --shard I/N` does
(history, state, notifications), pushes its summary as XCom, and fails when an alert at
`fail_on` severity or worse fires, or any alert errs. See docs/orchestrators.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.exceptions import AirflowException
from airflow.sdk import BaseOperator

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.result import Status
from sqlsentinel_dbt.engine.shards import Shard
from sqlsentinel_dbt.runtime import Sentinel

FAIL_ON = ("warn", "error", "never")


def shards(count: int) -> list[str]:
    """`["1/N", ..., "N/N"]`: what to `.expand(shard=...)` a SentinelRunOperator over."""
    return [str(Shard(index, count)) for index in range(1, count + 1)]


class SentinelRunOperator(BaseOperator):  # type: ignore[misc]  # Airflow: its own env
    """Run the project's alerts (a selection, one shard of it) as `sentinel dbt-run`."""

    template_fields: Sequence[str] = ("project_dir", "profiles_dir", "target", "select", "shard")

    def __init__(
        self,
        *,
        project_dir: str,
        profiles_dir: str | None = None,
        target: str | None = None,
        select: Sequence[str] = (),
        exclude: Sequence[str] = (),
        shard: str | None = None,
        fail_on: str = "error",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        if shard is not None:
            Shard.parse(shard)  # a bad shard is a DAG error, not a task failure later
        self.project_dir = project_dir
        self.profiles_dir = profiles_dir
        self.target = target
        self.select = list(select)
        self.exclude = list(exclude)
        self.shard = shard
        self.fail_on = fail_on

    def execute(self, context: Any) -> dict[str, Any]:
        """Run the alerts; the summary (counts, shard, what fired) is the task's XCom."""
        args = DbtArgs(self.project_dir, self.profiles_dir or self.project_dir, self.target)
        shard = Shard.parse(self.shard) if self.shard else None
        with Sentinel.open(args) as sentinel:
            plans = sentinel.plan(self.select, self.exclude, with_build=True, shard=shard)
            report = sentinel.execute(plans)
        gate = None if self.fail_on == "never" else Severity(self.fail_on)
        summary: dict[str, Any] = {
            **report.summary(),
            "shard": self.shard,
            "alerts": sorted({r.alert for r in report.results}),
            "firing_alerts": sorted({r.alert for r in report.results if r.status is Status.ALERT}),
            "erring_alerts": sorted({r.alert for r in report.results if r.status is Status.ERROR}),
        }
        self.log.info("sqlsentinel: %s", summary)
        if report.failed(gate):
            raise AirflowException(
                f"alerts failed the gate (fail_on={self.fail_on}): "
                f"firing {summary['firing_alerts']}, erring {summary['erring_alerts']}"
            )
        return summary
