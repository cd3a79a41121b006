"""`Daemon`: runs every enabled alert on its schedule until told to stop.

One loop thread wakes at the next due time, takes the alerts the timetable says are due,
and hands them as one batch (one run: queries on the profile's threads, one history
write, one delivery pass) to a small pool, so a slow batch never delays the next. Every
few seconds it looks for changed project files and re-opens the project (dbt's partial
parse) between batches, keeping each unchanged alert's next due time. Between runs it
delivers what others queued (the on-run-end hook, `run_alerts`) and retries what failed:
every `deliver_every`, and as soon as a dbt command in the project ends (its
`run_results.json` changed). A failing batch, warehouse outage included, is logged and
counted; the next due batch tries again.

Nothing one alert's configuration does stops the daemon: an alert whose schedule gives
no next time leaves the timetable (logged, `sentinel_unscheduled_alerts`, `/readyz`),
an alert that fails to compile is an ERROR result, and an unexpected error of the loop
itself is logged and counted while the loop goes on. Changed files that do not load
leave the last good project running, and `problem` (shown by /readyz) says why.

On DuckDB the database file is released whenever no batch or request uses it, so `dbt
run` and `sentinel report` can open it while the daemon waits for the next due time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.config.schedule import Schedule
from sqlsentinel_dbt.daemon.metrics import Metrics
from sqlsentinel_dbt.daemon.timetable import Due, Timetable
from sqlsentinel_dbt.dbt import DbtArgs, free_dropped_projects
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.redact import redact
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.runtime.report import RunReport
from sqlsentinel_dbt.store.timestamps import Clock, utc_now

logger = logging.getLogger(__name__)
_WATCHED = {".sql", ".yml", ".yaml", ".csv", ".md", ".py"}
_NOT_WATCHED = {"target", "logs", "dbt_packages", ".git", ".venv", "node_modules"}
_AFTER_ERROR = 1.0  # seconds the loop waits after an unexpected error, so it never spins
# How often the loop looks whether a dbt command ended (one stat of run_results.json).
_WATCH_EVERY = 0.5
# A delivery pass that failed (the warehouse is down, or dbt still holds a DuckDB file as
# it exits) is tried again soon: after 0.5 s, then twice as long each time, up to 5 s.
_DELIVERY_RETRY = 5.0


class AlreadyRunning(RuntimeError):
    """`run now` for an alert whose scheduled run is still going."""


class Daemon:
    """Schedules, runs and reloads one dbt project's alerts."""

    def __init__(
        self,
        args: DbtArgs,
        metrics: Metrics,
        *,
        reload_every: float = 2.0,
        workers: int = 4,
        clock: Clock = utc_now,
        replicated: bool = False,
        lease: float = 30.0,
    ) -> None:
        self.args = args
        self.replicated = replicated
        """Share the alerts with other daemons: run only the due times this one claims."""
        self.lease = lease
        """Seconds a claimed run is held without being extended (replicated only)."""
        self._held: set[str] = set()  # the claims whose runs are under way
        self._extended_at = time.monotonic()
        self.metrics = metrics
        self.reload_every = reload_every
        self.clock = clock
        """The time of schedules, runs, claims and leases (the project's too)."""
        self.sentinel = _open(args, clock)
        self.loaded_at = clock()
        """When the project in use was loaded."""
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sentinel-batch")
        self._inflight: set[Future[Any]] = set()
        self._fingerprint = project_fingerprint(self.sentinel.project.root)
        self._checked_at = time.monotonic()
        self.problem: str | None = None
        """Why the project files on disk are not the ones running (a failed reload), or None."""
        self._unavailable = False
        self._reported: set[str] = set()
        self._delivery: Future[Any] | None = None
        self._delivery_due = time.monotonic()
        self._delivery_failures = 0
        self._build_seen = self._last_build()
        self.timetable = Timetable(self._schedules(), self.clock(), self._grace())
        self._report_unscheduled()

    @property
    def unscheduled(self) -> dict[str, str]:
        """Alerts that have no next run time, and why."""
        return dict(self.timetable.unscheduled)

    def run(self, stop: threading.Event) -> None:
        """Run due batches until `stop` is set; then finish what is in flight and close."""
        try:
            while not stop.is_set():
                stepped = self._step()
                stop.wait(self._sleep_from(self.clock()) if stepped else _AFTER_ERROR)
        finally:
            self.drain()
            self._pool.shutdown(wait=True)
            self.sentinel.close()

    def _step(self) -> bool:
        """Start what is due, reload changed files; False after an unexpected error."""
        try:
            self._start_due(self.clock())
            self._extend_if_due()
            self._deliver_if_due()
            if time.monotonic() - self._checked_at >= self.reload_every:
                self.reload_if_changed()
        except Exception:  # a bug must not end the daemon: the next step tries again
            self.metrics.scheduler_errors.inc()
            logger.exception("a scheduling step failed; the daemon carries on")
            return False
        return True

    def run_now(self, name: str) -> RunReport:
        """Run one alert immediately (the dashboard's button); waits for its results."""
        with self._lock:
            if self._unavailable and self.problem:
                raise RuntimeError(self.problem)
            declared = self._declared().get(name)
            if declared is None:
                raise KeyError(name)
            if name in self.timetable.running:
                raise AlreadyRunning(name)
            self.timetable.started([name])
            try:  # in the pool, so that a reload waits for it as for any batch
                future = self._pool.submit(self._execute, [declared])
            except Exception:
                self.timetable.finished([name])
                raise
            self._inflight.add(future)
            future.add_done_callback(self._inflight.discard)
            future.add_done_callback(lambda _: self._finished([name]))
        return future.result()

    def reload_if_changed(self) -> bool:
        """Re-open the project if its files changed; True when it did.

        The new project is opened before the old one is closed. dbt keeps one adapter
        per process and opening replaces it, so batches in flight finish first; if the
        new files do not load, the old project's adapter is put back and its alerts
        keep running on their schedules, while `problem` (shown by /readyz) says why.
        The next change of the files tries again.
        """
        self._checked_at = time.monotonic()
        fingerprint = project_fingerprint(self.sentinel.project.root)
        if fingerprint == self._fingerprint:
            return False
        self._fingerprint = fingerprint
        self.drain()
        with self._lock:
            try:
                fresh = _open(self.args, self.clock)
            except Exception as exc:
                self._keep_last_good(exc)
                return False
            stale, self.sentinel = self.sentinel, fresh
            self._close(stale)
            del stale  # the last reference: the old manifest can go now
            free_dropped_projects()
            self.loaded_at, self.problem, self._unavailable = self.clock(), None, False
            self.metrics.reload_ok.set(1)
            self.timetable.replace(self._schedules(), self.clock())
            self._report_unscheduled()
        logger.info("project reloaded: %d alerts scheduled", len(self.timetable))
        return True

    def _keep_last_good(self, exc: Exception) -> None:
        self.metrics.reload_ok.set(0)
        loaded = f"{self.loaded_at:%Y-%m-%d %H:%M:%S} UTC"
        try:
            self.sentinel.project.reinstate()
        except Exception as failed:  # should not happen; then nothing can run
            self._unavailable = True
            self.problem = f"the changed project files do not load ({exc}), and the project "
            self.problem += f"loaded at {loaded} cannot be restored either: {failed}"
            logger.exception("reload failed; no alert runs until the files are fixed")
            return
        self.problem = (
            f"the changed project files do not load, so the project as loaded at {loaded} "
            f"keeps running until they are fixed: {exc}"
        )
        logger.error("reload failed; the last good project keeps running: %s", exc)

    def drain(self) -> None:
        """Wait until no batch is running."""
        with self._lock:
            pending = list(self._inflight)
        wait(pending)

    def _start_due(self, now: datetime) -> None:
        with self._lock:
            due = self.timetable.due(now)
            self._report_unscheduled()
            if self._unavailable:
                due = Due([], {}, {**due.skipped, **dict.fromkeys(due.names, "unavailable")})
            for name, reason in due.skipped.items():
                self.metrics.skipped.labels(reason).inc()
                logger.warning("%s: due run skipped (%s)", name, reason)
            if not due.names:
                return
            self.timetable.started(due.names)
            try:
                future = self._pool.submit(self._run_batch, due)
            except Exception:
                self.timetable.finished(due.names)
                raise
            self._inflight.add(future)
            future.add_done_callback(self._inflight.discard)

    def _run_batch(self, due: Due) -> None:
        try:
            started = self.clock()
            for name in due.names:
                self.metrics.lag.observe((started - due.due_at[name]).total_seconds())
            if self.replicated:
                self._run_claimed(due)
            else:
                declared = self._declared()
                self._execute([declared[n] for n in due.names if n in declared])
            lag = max((started - due.due_at[n]).total_seconds() for n in due.names)
            took = (self.clock() - started).total_seconds()
            logger.info("ran %d alerts (lag %.3fs, took %.3fs)", len(due.names), lag, took)
        except Exception:  # a warehouse outage, say: the next due batch tries again
            self.metrics.run_failures.inc()
            logger.exception("run of %s failed", ", ".join(due.names))
        finally:
            self._finished(due.names)

    def _run_claimed(self, due: Due) -> None:
        """Run the due times this daemon claims, and those it takes over; then finish them.

        A run taken over whose history is already written (its daemon died after that)
        is finished without running again. A failure leaves the claim unfinished: once its
        lease runs out, a daemon takes it over.
        """
        sentinel = self.sentinel
        schedule = sentinel.stores.schedule
        with sentinel.project.warehouse.in_use():
            runs = schedule.claim(
                {n: due.due_at[n] for n in due.names}, self.clock(), self.lease, self._grace()
            )
        if not runs:
            logger.debug("%s: claimed by another daemon", ", ".join(due.names))
            return
        claimer = runs[0].claimer
        with self._lock:
            self._held.add(claimer)
        try:
            declared = self._declared()
            for run in runs:
                if run.taken_over and sentinel.stores.history.run_results_by_alert(run.run_id):
                    logger.info("run %s was recorded before its daemon stopped", run.run_id)
                    continue
                if run.taken_over:
                    logger.info("taking over run %s of %s", run.run_id, ", ".join(run.due_at))
                alerts = [declared[n] for n in run.due_at if n in declared]
                self._execute(alerts, run_id=run.run_id)
            with sentinel.project.warehouse.in_use():
                schedule.finish(claimer, self.clock())
        finally:
            with self._lock:
                self._held.discard(claimer)

    def _extend_if_due(self) -> None:
        """Extend the leases of the runs under way, three times a lease (replicated only)."""
        if not self.replicated or time.monotonic() - self._extended_at < self.lease / 3:
            return
        self._extended_at = time.monotonic()
        with self._lock:
            held = sorted(self._held)
        if held:
            with self.sentinel.project.warehouse.in_use():
                self.sentinel.stores.schedule.extend(held, self.clock(), self.lease)

    def _finished(self, names: list[str]) -> None:
        with self._lock:
            self.timetable.finished(names)

    def _execute(self, alerts: list[DeclaredAlert], run_id: str | None = None) -> RunReport:
        sentinel = self.sentinel
        with sentinel.project.warehouse.in_use():  # one opening of a DuckDB file per batch
            plans = [_compiled(sentinel, alert) for alert in alerts]
            report = sentinel.execute(plans, run_id=run_id)
        self.metrics.observe_results(report.results)
        self.metrics.observe_delivery(len(report.notifications_json()), report.delivery)
        return report

    def _deliver_if_due(self) -> None:
        """Start a delivery pass when one is due and none is running.

        Due every `deliver_every`, and at once when a dbt command in the project ended
        since the last look: its on-run-end hook may have queued what it checked.
        """
        build = self._last_build()
        with self._lock:
            if build != self._build_seen:
                self._build_seen = build
                self._delivery_due = time.monotonic()
            running = self._delivery is not None and not self._delivery.done()
            if running or self._unavailable or time.monotonic() < self._delivery_due:
                return
            self._delivery_due = time.monotonic() + self._deliver_every()
            future = self._pool.submit(self._deliver)
            self._delivery = future
            self._inflight.add(future)
            future.add_done_callback(self._inflight.discard)

    def _deliver(self) -> None:
        sentinel = self.sentinel
        try:
            with sentinel.project.warehouse.in_use():
                delivery = sentinel.notify()
        except Exception as exc:  # the next pass, soon, tries again
            with self._lock:
                retry = _WATCH_EVERY * 2**self._delivery_failures
                retry = min(retry, _DELIVERY_RETRY, self._deliver_every())
                self._delivery_failures += 1
                self._delivery_due = min(self._delivery_due, time.monotonic() + retry)
            self.metrics.delivery_passes.labels("failed").inc()
            logger.warning("delivering the queued notifications failed (again in %.1fs): %s",
                           retry, redact(str(exc)))  # fmt: skip
            return
        self._delivery_failures = 0
        self.metrics.delivery_passes.labels("ok").inc()
        self.metrics.observe_delivery(0, delivery)
        if delivery.decided or delivery.sent or delivery.failed or delivery.dead:
            logger.info(
                "delivery: %d decided, %d sent, %d failed, %d dead",
                delivery.decided, delivery.sent, delivery.failed, delivery.dead,
            )  # fmt: skip

    def _deliver_every(self) -> float:
        return float(self.sentinel.config.settings.deliver_every)

    def _last_build(self) -> tuple[int, int] | None:
        """The mtime and size of the project's run_results.json, or None.

        dbt writes it as a command ends, after the command's on-run-end hooks.
        """
        try:
            stat = (self.sentinel.project.target_dir / "run_results.json").stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

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

    def _report_unscheduled(self) -> None:
        """Log each alert that newly has no next run time; keep the gauge in step."""
        current = self.timetable.unscheduled
        for name in self._reported - current.keys():
            self.metrics.unscheduled.remove(name)
        for name, reason in current.items():
            if name not in self._reported:
                logger.error("%s: not scheduled, it does not run: %s", name, reason)
            self.metrics.unscheduled.labels(name).set(1)
        self._reported = set(current)

    def _grace(self) -> float:
        return float(self.sentinel.config.settings.misfire_grace)

    def _sleep_from(self, now: datetime) -> float:
        until_reload = self.reload_every - (time.monotonic() - self._checked_at)
        next_due = self.timetable.next_due()
        until_due = (next_due - now).total_seconds() if next_due else until_reload
        return max(0.0, min(until_due, until_reload, _WATCH_EVERY))

    @staticmethod
    def _close(sentinel: Sentinel) -> None:
        try:
            sentinel.close()
        except Exception:  # its connections may be gone already; the new project is in use
            logger.warning("closing the replaced project failed", exc_info=True)


def _open(args: DbtArgs, clock: Clock) -> Sentinel:
    """Open the project; on DuckDB, release the file whenever it is not in use."""
    sentinel = Sentinel.open(args, clock=clock)
    sentinel.project.warehouse.release_when_idle()
    return sentinel


def _compiled(sentinel: Sentinel, declared: DeclaredAlert) -> PlannedAlert:
    """The alert compiled; whatever goes wrong makes it an ERROR result, not a failed batch."""
    try:
        return sentinel.compile(declared)
    except Exception as exc:
        return PlannedAlert(declared, compile_error=f"compilation failed: {exc}")


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
