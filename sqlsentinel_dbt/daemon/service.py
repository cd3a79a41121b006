"""`Daemon`: runs every enabled alert on its schedule until told to stop.

One loop thread wakes at the next due time, takes the alerts the timetable says are due,
and hands them as one batch (one run: queries on the profile's threads, one history
write, one delivery pass) to a small pool, so a slow batch never delays the next. Every
few seconds it looks for changed project files and re-opens the project (dbt's partial
parse) between batches, keeping each unchanged alert's next due time. A failing batch,
warehouse outage included, is logged and counted; the next due batch tries again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.daemon.metrics import Metrics
from sqlsentinel_dbt.daemon.timetable import Due, Schedule, Timetable
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.report import RunReport
from sqlsentinel_dbt.runtime import Sentinel

logger = logging.getLogger(__name__)
_WATCHED = {".sql", ".yml", ".yaml", ".csv", ".md", ".py"}
_NOT_WATCHED = {"target", "logs", "dbt_packages", ".git", ".venv", "node_modules"}


class AlreadyRunning(RuntimeError):
    """`run now` for an alert whose scheduled run is still going."""


class Daemon:
    """Schedules, runs and reloads one dbt project's alerts."""

    def __init__(
        self, args: DbtArgs, metrics: Metrics, *, reload_every: float = 2.0, workers: int = 4
    ) -> None:
        self.args = args
        self.metrics = metrics
        self.reload_every = reload_every
        self.sentinel = Sentinel.open(args)
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sentinel-batch")
        self._inflight: set[Future[None]] = set()
        self._fingerprint = project_fingerprint(self.sentinel.project.root)
        self._checked_at = time.monotonic()
        self.problem: str | None = None
        """Why alerts cannot run right now (a broken reload), or None."""
        self.timetable = Timetable(self._schedules(), _now(), self._grace())

    def run(self, stop: threading.Event) -> None:
        """Run due batches until `stop` is set; then finish what is in flight and close."""
        try:
            while not stop.is_set():
                now = _now()
                self._start_due(now)
                if time.monotonic() - self._checked_at >= self.reload_every:
                    self.reload_if_changed()
                stop.wait(self._sleep_from(_now()))
        finally:
            self.drain()
            self._pool.shutdown(wait=True)
            self.sentinel.close()

    def run_now(self, name: str) -> RunReport:
        """Run one alert immediately (the dashboard's button), in the caller's thread."""
        with self._lock:
            if self.problem:
                raise RuntimeError(self.problem)
            declared = self._declared().get(name)
            if declared is None:
                raise KeyError(name)
            if name in self.timetable.running:
                raise AlreadyRunning(name)
            self.timetable.started([name])
        try:
            return self._execute([declared])
        finally:
            with self._lock:
                self.timetable.finished([name])

    def reload_if_changed(self) -> bool:
        """Re-open the project if its files changed; True when it did.

        Opening a project replaces dbt's adapter for the process, so batches in flight
        finish first. If the new files do not parse, no alert runs until they are fixed,
        and `problem` (shown by /readyz) says why.
        """
        self._checked_at = time.monotonic()
        fingerprint = project_fingerprint(self.sentinel.project.root)
        if fingerprint == self._fingerprint:
            return False
        self._fingerprint = fingerprint
        self.drain()
        with self._lock:
            self.sentinel.close()
            try:
                self.sentinel = Sentinel.open(self.args)
            except Exception as exc:
                self.problem = f"the project does not load: {exc}"
                logger.error("reload failed; no alert runs until it is fixed: %s", exc)
                return False
            self.problem = None
            self.timetable.replace(self._schedules(), _now())
        logger.info("project reloaded: %d alerts scheduled", len(self._declared()))
        return True

    def drain(self) -> None:
        """Wait until no batch is running."""
        with self._lock:
            pending = list(self._inflight)
        wait(pending)

    def _start_due(self, now: datetime) -> None:
        with self._lock:
            due = self.timetable.due(now)
            if self.problem:
                due = Due([], {}, {**due.skipped, **dict.fromkeys(due.names, "unavailable")})
            self.timetable.started(due.names)
            for name, reason in due.skipped.items():
                self.metrics.skipped.labels(reason).inc()
                logger.warning("%s: due run skipped (%s)", name, reason)
            if not due.names:
                return
            future = self._pool.submit(self._run_batch, due)
            self._inflight.add(future)
            future.add_done_callback(self._inflight.discard)

    def _run_batch(self, due: Due) -> None:
        started = _now()
        for name in due.names:
            self.metrics.lag.observe((started - due.due_at[name]).total_seconds())
        try:
            declared = self._declared()
            self._execute([declared[n] for n in due.names if n in declared])
            lag = max((started - due.due_at[n]).total_seconds() for n in due.names)
            took = (_now() - started).total_seconds()
            logger.info("ran %d alerts (lag %.3fs, took %.3fs)", len(due.names), lag, took)
        except Exception:  # a warehouse outage, say: the next due batch tries again
            self.metrics.run_failures.inc()
            logger.exception("run of %s failed", ", ".join(due.names))
        finally:
            with self._lock:
                self.timetable.finished(due.names)

    def _execute(self, alerts: list[DeclaredAlert]) -> RunReport:
        sentinel = self.sentinel
        plans = [sentinel.compile(alert) for alert in alerts]
        report = sentinel.execute(plans)
        self.metrics.observe_results(report.results)
        self.metrics.observe_delivery(len(report.notifications_json()), report.delivery)
        return report

    def _declared(self) -> dict[str, DeclaredAlert]:
        return {d.name: d for d in self.sentinel.alerts if d.alert.enabled}

    def _schedules(self) -> dict[str, Schedule]:
        settings = self.sentinel.config.settings
        return {
            name: Schedule(
                d.alert.schedule or settings.default_schedule,
                d.alert.timezone or settings.default_timezone,
            )
            for name, d in self._declared().items()
        }

    def _grace(self) -> float:
        return float(self.sentinel.config.settings.misfire_grace)

    def _sleep_from(self, now: datetime) -> float:
        until_reload = self.reload_every - (time.monotonic() - self._checked_at)
        next_due = self.timetable.next_due()
        until_due = (next_due - now).total_seconds() if next_due else until_reload
        return max(0.0, min(until_due, until_reload))


def project_fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Path, size and mtime of every project file a change of which needs a reload."""
    return tuple(sorted(_watched_files(root)))


def _watched_files(root: Path) -> Iterator[tuple[str, int, int]]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in _NOT_WATCHED]
        for file in files:
            if Path(file).suffix in _WATCHED:
                stat = os.stat(os.path.join(folder, file))
                yield os.path.join(folder, file), stat.st_size, stat.st_mtime_ns


def _now() -> datetime:
    return datetime.now(UTC)
