"""`Sentinel`: the library's front door. Open a dbt project, plan, run, record history.

The CLI is a thin layer over this class; Python users can drive it the same way:

    with Sentinel.open(DbtArgs(project_dir="my_project")) as sentinel:
        report = sentinel.run(select=["tag:finance"])
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.config.project import ProjectConfig, load_config
from sqlsentinel_dbt.dbt import DbtArgs, DbtProject, TestArtifacts
from sqlsentinel_dbt.engine.batches import batch_size_for
from sqlsentinel_dbt.engine.check_settings import ChosenChecks, configured_checks
from sqlsentinel_dbt.engine.freshness import stale_alerts
from sqlsentinel_dbt.engine.from_dbt import dbt_checks
from sqlsentinel_dbt.engine.from_tests import plans_from_tests, results_from_tests
from sqlsentinel_dbt.engine.notification import Notification
from sqlsentinel_dbt.engine.plan import PlannedAlert, compile_alert, plan_alerts, select_planned
from sqlsentinel_dbt.engine.query_policy import QueryPolicy
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, masked
from sqlsentinel_dbt.engine.runner import OnResults, run_planned
from sqlsentinel_dbt.engine.shards import Shard
from sqlsentinel_dbt.engine.silences import Silence, matches_any_alert
from sqlsentinel_dbt.engine.state import Key, track_run
from sqlsentinel_dbt.engine.verdict_cache import VERDICTS_PATH, VerdictCache
from sqlsentinel_dbt.errors import ConfigError, NotFound, ProjectError, SelectionError
from sqlsentinel_dbt.notify.changes import AlertAsRun, RunContext
from sqlsentinel_dbt.notify.dispatch import DeliveryReport
from sqlsentinel_dbt.notify.explain import Explained
from sqlsentinel_dbt.notify.notifier import Notifier
from sqlsentinel_dbt.notify.retry import SendResult
from sqlsentinel_dbt.notify.senders.build import channel_env_vars, register_channel_secrets
from sqlsentinel_dbt.resources import package_root
from sqlsentinel_dbt.runtime.report import AlreadyRecorded, RunReport
from sqlsentinel_dbt.store.history import RunRecord, StateChange, check_id
from sqlsentinel_dbt.store.stores import Stores
from sqlsentinel_dbt.store.timestamps import Clock, as_utc, iso_timestamp, utc_now
from sqlsentinel_dbt.suggest import closest, suggest

logger = logging.getLogger(__name__)
_FAILING_ROWS = 10
"""Failing rows of a test that stores them, kept with its result."""
_CELL = 200
_States = dict[str, dict[Key, InstanceState]]
"""Per alert, the state of each instance that is not OK."""


def _say_if_it_checks_nothing(artifacts: TestArtifacts, target_dir: Path) -> None:
    if artifacts.checks_nothing:
        logger.warning(
            "%s/run_results.json was written by `dbt %s`, which checks nothing: it holds no "
            "dbt checks to record (run `dbt build`, `dbt test`... first)",
            target_dir,
            artifacts.command,
        )


class Sentinel:
    """A dbt project with its alerts loaded and validated."""

    def __init__(self, project: DbtProject, config: ProjectConfig, clock: Clock = utc_now) -> None:
        self.project = project
        self.config = config
        self.alerts = config.alerts
        settings = config.settings
        policy = QueryPolicy(
            project.warehouse.adapter_type,
            allow_file_functions=settings.allow_file_functions,
            channel_env_vars=frozenset(channel_env_vars(config.channels.values())),
            allowed_env_vars=tuple(settings.allow_secret_env_vars),
        )
        verdicts = VerdictCache(project.target_dir / VERDICTS_PATH, policy.cache_key)
        self.query_policy = replace(policy, verdicts=verdicts)
        self.clock = clock
        """The time (UTC) of runs, claims, leases and silences: tests pass a fixed one."""
        self.stores = Stores.of(project.warehouse)
        self.notifier = Notifier(self.stores, config, clock, project, complete=project.has_nodes)
        self.setting_problems: list[str] = []
        """Settings that failed alone while planning (their part is left out); the next
        report carries them."""

    @classmethod
    def open(cls, args: DbtArgs, *, clock: Clock = utc_now, nodes: bool = True) -> Sentinel:
        """Parse the dbt project and load its alerts; raises ProjectError or ConfigError.

        `nodes=False` parses only the macros (see `open_to_deliver`): the alerts are then
        those of alerts/*.yml alone.
        """
        project = DbtProject.open(args, package_root(), nodes=nodes)
        try:
            config = load_config(project.root, project.meta_alerts(), alerts_fail_alone=True)
        except Exception:
            project.close()
            raise
        register_channel_secrets(config.channels.values())
        return cls(project, config, clock)

    @classmethod
    def open_to_deliver(cls, args: DbtArgs, *, clock: Clock = utc_now) -> Sentinel:
        """Open the project for `sentinel notify`: its nodes are parsed only if needed.

        Delivering needs the warehouse and the package's macros; deciding the changes the
        hook and `run_alerts` queued needs the nodes only for an alert of a node's meta
        or for `dbt_results:` settings (`Notifier.needs_nodes`). Parsing thousands of
        nodes takes seconds, so without such a change only the macros are parsed.
        """
        sentinel = cls.open(args, clock=clock, nodes=False)
        try:
            needed = sentinel.notifier.needs_nodes()
        except Exception:
            sentinel.close()
            raise
        if not needed:
            return sentinel
        sentinel.close()
        return cls.open(args, clock=clock)

    def __enter__(self) -> Sentinel:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def plan(
        self,
        select: Sequence[str] = (),
        exclude: Sequence[str] = (),
        *,
        allow_empty: bool = False,
        with_build: bool = False,
        shard: Shard | None = None,
    ) -> list[PlannedAlert]:
        """Compile the enabled alerts and keep the selected ones (of `shard`, if given).

        With `with_build`, and `dbt_results: {with_dbt_run: true}` in sentinel.yml, the
        checks of the build in the project's target/ are among them, their results
        recorded (they are not run). Raises SelectionError when a --select or --exclude
        term matches no alert (a typo would otherwise run nothing and pass), unless
        `allow_empty`. The selection is made from every alert, then split: a shard that
        gets none of the selected alerts runs nothing, and is no error.
        """
        wanted = with_build and self.config.settings.dbt_results.with_dbt_run
        try:
            planned = plan_alerts(
                self.project,
                self.alerts,
                self.query_policy,
                select,
                exclude,
                allow_empty=allow_empty,
                recorded=self._last_build_checks() if wanted else (),
            )
        finally:
            self._save_verdicts()
        return [p for p in planned if shard.holds(p.name)] if shard else planned

    def compile(self, declared: DeclaredAlert | str) -> PlannedAlert:
        """Compile one alert (or the one of that name) under the project's query policy.

        A problem compiling is kept in the plan, not raised; a name the project does not
        declare raises NotFound.
        """
        if isinstance(declared, str):
            declared = self._declared(declared)
        return compile_alert(self.project, declared, self.query_policy)

    def _declared(self, name: str) -> DeclaredAlert:
        found = next((d for d in self.alerts if d.name == name), None)
        if found is None:
            close = closest(name, [d.name for d in self.alerts], n=3)
            hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
            raise NotFound(f"No alert named {name!r}{hint}")
        return found

    def send_test(self, channel: str) -> SendResult:
        """Send a test message straight to `channel`, now; NotFound if it is not declared."""
        return self.notifier.send_test(channel)

    def run(
        self,
        select: Sequence[str] = (),
        exclude: Sequence[str] = (),
        *,
        dry_run: bool = False,
        allow_empty: bool = False,
        on_results: OnResults | None = None,
    ) -> RunReport:
        """Plan (with the build's checks, when sentinel.yml asks) and execute in one call."""
        plans = self.plan(select, exclude, allow_empty=allow_empty, with_build=True)
        return self.execute(plans, dry_run=dry_run, on_results=on_results)

    def execute(
        self,
        plans: Sequence[PlannedAlert],
        *,
        dry_run: bool = False,
        send: bool = True,
        check_last_build: bool = True,
        on_results: OnResults | None = None,
        run_id: str | None = None,
    ) -> RunReport:
        """Evaluate planned alerts, append them to the history, queue and send notifications.

        `run_id` names the run in the history (default: a new one); a replicated daemon
        passes the id of the run it claimed.

        `dry_run` writes nothing and sends nothing; the report still says what would be
        sent. `send=False` queues notifications for `sentinel notify` without sending.
        With `check_last_build`, alerts reading a node the last dbt build failed or
        skipped are not run but reported as SKIPPED, and history rows carry that build's
        invocation id.
        """
        now, plans, before, prior = self._start(plans, dry_run)
        build = self.project.last_build() if check_last_build else None
        evaluated = run_planned(
            plans,
            self.project.warehouse,
            threads=self.project.threads,
            on_results=on_results,
            skip=stale_alerts(plans, build),
            now=now,
            past_values=self.stores.history.values_since,
            batch_size=batch_size_for(
                self.project.warehouse.adapter_type, self.config.settings.batch_size
            ),
        )
        invocation_id = (build and build.invocation_id) or self.project.invocation_id
        return self._record(
            plans,
            evaluated,
            prior,
            now,
            invocation_id,
            before,
            dry_run=dry_run,
            send=send,
            run_id=run_id,
        )

    def record_build(
        self,
        target_dir: Path,
        select: Sequence[str] = (),
        exclude: Sequence[str] = (),
        *,
        dry_run: bool = False,
        send: bool = True,
        allow_empty: bool = False,
    ) -> RunReport:
        """Record what the dbt command that wrote `target_dir` checked, without running it.

        Its `sqlsentinel.alert` tests are the alerts they declare; every other test, model,
        seed and snapshot of its run_results.json, and every source of sources.json, is an
        alert of its own (engine/from_dbt.py). The history rows carry that command's
        invocation id (a source's, that of the `dbt source freshness` that wrote
        sources.json). Selection is checked as by `plan`. What the history already holds
        of those invocations (recorded before, or by the on-run-end hook) is not recorded
        again: the report says how much (`already_recorded`).
        """
        artifacts = self.project.alert_tests(target_dir)
        _say_if_it_checks_nothing(artifacts, target_dir)
        plans = select_planned(
            self.project, self._recorded(artifacts), select, exclude, allow_empty=allow_empty
        )
        now, plans, before, prior = self._start(plans, dry_run)
        evaluated = [r for p in plans for r in p.recorded or ()]
        invocation_id = artifacts.invocation_id or self.project.invocation_id
        return self._record(
            plans, evaluated, prior, now, invocation_id, before, dry_run=dry_run, send=send
        )

    def _recorded(self, artifacts: TestArtifacts) -> list[PlannedAlert]:
        """What a dbt command checked, as plans with their results recorded.

        Its `sqlsentinel.alert` tests, then dbt's own checks as `dbt_results:` of
        sentinel.yml wants them.
        """
        tests = plans_from_tests(artifacts.tests)
        recorded = results_from_tests(artifacts.tests, tests)  # one result per test, in order
        tests = [replace(p, recorded=(r,)) for p, r in zip(tests, recorded, strict=True)]
        taken = {p.name for p in tests} | {d.name for d in self.alerts}
        checks = dbt_checks(artifacts.runs, taken, self._failing_rows, artifacts.project_nodes)
        settings = self.config.settings.dbt_results
        try:
            plans = tests + configured_checks(checks, settings, self.project)
        except (ConfigError, SelectionError) as exc:  # a bad setting fails alone
            for problem in exc.problems:
                logger.error("dbt's own checks are not recorded: %s", problem)
            self.setting_problems += exc.problems
            plans = tests
        return [replace(p, invocation_id=_ran_by(p, artifacts)) for p in plans]

    def dbt_results_problems(self) -> list[str]:
        """What is wrong with `dbt_results:` of sentinel.yml, one line per problem.

        A selector term that selects no node of the project, or one dbt refuses: a run
        would record none of dbt's checks.
        """
        settings = self.config.settings.dbt_results
        if not settings.applies:
            return []
        try:
            ChosenChecks.resolve(settings, self.project)
        except (ConfigError, SelectionError) as exc:
            return list(exc.problems)
        return []

    def _last_build_checks(self) -> list[PlannedAlert]:
        """The checks of the build in the project's target/, results recorded.

        None (and a warning) when its artifacts are missing, unreadable, or of another
        profile or target.
        """
        try:
            artifacts = self.project.alert_tests(self.project.target_dir)
        except (ProjectError, ConfigError) as exc:
            logger.warning("the build's results are not recorded: %s", exc)
            return []
        _say_if_it_checks_nothing(artifacts, self.project.target_dir)
        return self._recorded(artifacts)

    def _failing_rows(self, relation: str) -> list[dict[str, Any]]:
        """The first rows a test stored as its failures (a sample for the notification)."""
        try:
            fetched = self.project.warehouse.fetch(
                f"select * from {relation}",
                limit=_FAILING_ROWS,
                timeout=60,
                name="sentinel:failures",
            )
        except Exception as exc:  # a sample is a courtesy: the result is recorded without it
            logger.warning("could not read the failing rows in %s: %s", relation, exc)
            return []
        return [
            {column: _shown(value) for column, value in zip(fetched.columns, row, strict=True)}
            for row in fetched.rows
        ]

    def _start(
        self, plans: Sequence[PlannedAlert], dry_run: bool
    ) -> tuple[datetime, list[PlannedAlert], AlreadyRecorded | None, _States]:
        """Check the warehouse, create the history table, read the states before this run.

        Recorded checks the history already holds (of the same dbt invocation) are left out
        of the plans it returns, and said in the `AlreadyRecorded`.
        """
        warehouse = self.project.warehouse
        warehouse.check_connection()
        now = self.clock()
        if not dry_run:
            self.stores.history.ensure()
        plans, before = self._unrecorded(plans)
        return now, plans, before, self.stores.history.latest_states([p.name for p in plans])

    def _unrecorded(
        self, plans: Sequence[PlannedAlert]
    ) -> tuple[list[PlannedAlert], AlreadyRecorded | None]:
        """The plans but the recorded checks their dbt invocation already recorded; and those.

        One query asks the history. Recording them again would count the same results
        twice (`for_evaluations`, `missing_evaluations_to_resolve`).
        """
        recorded = [p for p in plans if p.recorded is not None and p.invocation_id]
        held = self.stores.history.recorded_checks(
            sorted({p.invocation_id or "" for p in recorded})
        )
        if not held:
            return list(plans), None
        again = {p.name for p in recorded if _recorded_key(p) in held}
        if not again:
            return list(plans), None
        invocations = sorted({p.invocation_id or "" for p in recorded if p.name in again})
        kept = [p for p in plans if p.name not in again]
        return kept, AlreadyRecorded(invocations, len(again))

    def _record(
        self,
        plans: Sequence[PlannedAlert],
        evaluated: Sequence[AlertResult],
        prior: Mapping[str, Mapping[Key, InstanceState]],
        now: datetime,
        invocation_id: str,
        before: AlreadyRecorded | None = None,
        *,
        dry_run: bool,
        send: bool,
        run_id: str | None = None,
    ) -> RunReport:
        """Advance states, append to the history, queue and send notifications.

        A recorded check's rows carry the invocation that ran it, the others `invocation_id`.
        """
        problems, self.setting_problems = self.setting_problems, []
        evaluated = masked(evaluated)
        tracked = track_run([p.declared.alert for p in plans], prior, evaluated, now)
        record = RunRecord(
            run_id=run_id or uuid.uuid4().hex,
            invocation_id=invocation_id,
            project_name=self.project.name,
            target_name=self.project.target_name,
        )
        changed = tracked.results + tracked.missing
        if not dry_run:  # _start ensured the table
            ran_by = {p.name: p.invocation_id for p in plans if p.invocation_id}
            self.stores.history.append(record, changed, ensure=False, invocations=ran_by)
        run = RunContext(record.run_id, record.project_name, record.target_name, now)
        explained: list[Explained] = []
        rows = self.notifier.decide([_as_run(p) for p in plans], changed, run, explained)
        delivery = None
        if self.config.channels and not dry_run:
            self.notifier.queue(rows, run)
            if send:  # also what earlier runs failed to deliver, and run_alerts queued
                delivery = self.notifier.deliver()
        return RunReport(
            record.run_id,
            record.invocation_id,
            tracked.results,
            dry_run,
            tracked.missing,
            rows,
            delivery,
            {p.name: p.declared.alert for p in plans},
            before,
            problems,
            explained,
        )

    def notify(self) -> DeliveryReport:
        """Deliver whatever the outbox holds that is due (`sentinel notify`).

        First the notifications for what `dbt run-operation sqlsentinel.run_alerts`
        recorded are decided and queued.
        """
        return self.notifier.deliver()

    def silence(
        self,
        matcher: str,
        key: str | None,
        ends: datetime | timedelta,
        reason: str,
        created_by: str,
    ) -> Silence:
        """Silence the alerts `matcher` selects (a name, a glob or `tag:X`).

        `ends` is when the silence ends, or how long from now.
        """
        alerts = [d.alert for d in self.alerts]
        if not matches_any_alert(matcher, alerts):
            names = sorted(a.name for a in alerts)
            raise ConfigError([f"{matcher!r} matches no alert{suggest(matcher, names)}"])
        now = self.clock()
        ends_at = now + ends if isinstance(ends, timedelta) else ends
        if ends_at <= now:
            raise ConfigError([f"the silence would end in the past ({iso_timestamp(ends_at)})"])
        return self.stores.silences.add(matcher, key, now, ends_at, reason, created_by)

    def unsilence(self, silence_id: str, ended_by: str) -> bool:
        """End a silence now; False when no such silence is in force."""
        return self.stores.silences.end(silence_id, self.clock(), ended_by)

    def silences(self, days: int = 7) -> list[Silence]:
        """Active silences, and those that ended in the last `days`."""
        return self.stores.silences.recent(self.clock(), days)

    def history(
        self,
        alert: str | None = None,
        limit: int | None = 50,
        since: datetime | None = None,
        per_alert: int | None = None,
    ) -> list[dict[str, Any]]:
        """The newest history rows, of one alert or all, from `since` on if given.

        Timestamps as aware UTC datetimes; `limit` None reads them all, `per_alert` keeps
        that many of each alert at most.
        """
        rows = self.stores.history.read(alert, limit, since, per_alert)
        return [_aware(row, ("started_at", "state_since")) for row in rows]

    def state_changes(
        self, since: datetime, look_back_from: datetime | None = None
    ) -> list[StateChange]:
        """Every instance's changes of state from `since` on (the dashboard's noise view).

        The state before each is looked for from `look_back_from` on (None: all history).
        """
        return self.stores.history.state_changes(since, look_back_from)

    def notification_counts(self, since: datetime) -> list[tuple[str, str, str, int]]:
        """Outbox rows created from `since` on: (alert, kind, status, count) each."""
        return self.stores.outbox.counts_since(since)

    def latest_results(self, alert: str | None = None) -> list[dict[str, Any]]:
        """The newest history row of every instance of every alert, or of `alert`.

        None before a run.
        """
        return self.stores.history.latest_results(alert)

    def notifications_log(self, limit: int = 50, alert: str | None = None) -> list[dict[str, Any]]:
        """The newest outbox rows (of one alert, or all), newest first, without payloads.

        Each with what its payload says was held back, and why, and the digest it waits
        for (`held_back`, `digest`: empty for a payload this version cannot read).
        """
        shown = (
            "notification_id",
            "created_at",
            "channel",
            "alert_name",
            "group_key",
            "kind",
            "status",
            "attempts",
            "last_error",
            "sent_at",
        )
        rows = self.stores.outbox.read(limit, alert)
        return [
            _aware({column: row.get(column) for column in shown}, ("created_at", "sent_at"))
            | _held_back(row.get("payload"))
            for row in rows
        ]

    def _save_verdicts(self) -> None:
        if self.query_policy.verdicts is not None:
            self.query_policy.verdicts.save()

    def close(self) -> None:
        """Keep what the query policy decided for the next run; release the connections."""
        self._save_verdicts()
        self.project.close()


def _shown(value: Any) -> Any:
    """A stored failing row's value as JSON can carry it, long text cut short."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"


def _ran_by(plan: PlannedAlert, artifacts: TestArtifacts) -> str | None:
    """The dbt invocation whose artifact holds a recorded check's result.

    A source's is in sources.json, which `dbt source freshness` writes, not the build.
    """
    node = plan.recorded[0].dbt_node if plan.recorded else None
    if node and node.startswith("source."):
        return artifacts.sources_invocation_id
    return artifacts.invocation_id


def _recorded_key(plan: PlannedAlert) -> tuple[str, str]:
    """(invocation id, check id) of a recorded check, as `recorded_checks` returns them."""
    node = plan.recorded[0].dbt_node if plan.recorded else None
    return plan.invocation_id or "", check_id(plan.name, node)


def _as_run(plan: PlannedAlert) -> AlertAsRun:
    return AlertAsRun(plan.declared.alert, plan.compiled.sql if plan.compiled else "")


def _aware(row: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """`row` with its timestamp `columns` as aware UTC datetimes (drivers differ)."""
    return row | {c: as_utc(row[c]) for c in columns if row.get(c) is not None}


def _held_back(payload: Any) -> dict[str, Any]:
    """`held_back` (key and reason of each) and `digest` of a stored payload."""
    try:
        notification = Notification.from_payload(json.loads(payload))
    except (TypeError, ValueError):
        return {"held_back": [], "digest": None}
    held = [{"key": h.key, "reason": h.reason} for h in notification.held_back]
    return {"held_back": held, "digest": notification.digest}
