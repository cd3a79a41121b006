"""`Notifier`: delivery as one service, from a run's changes to messages sent.

It decides what a run's changes call for (and queues it in the outbox), decides the
changes `dbt run-operation sqlsentinel.run_alerts` left pending, and delivers what is due,
reporting dead letters. `Sentinel` runs use it, and so do the daemon (through its
`Sentinel`) and `sentinel notify`. The rules are in docs/notifications.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from functools import partial

from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.config.project import ProjectConfig
from sqlsentinel_dbt.engine.check_settings import ChosenChecks, NodeSets
from sqlsentinel_dbt.engine.result import AlertResult
from sqlsentinel_dbt.engine.silences import SilenceBook
from sqlsentinel_dbt.errors import NotFound
from sqlsentinel_dbt.notify.changes import AlertAsRun, Holds, RunContext, outbox_rows
from sqlsentinel_dbt.notify.dispatch import DeliveryReport, deliver, send_test
from sqlsentinel_dbt.notify.explain import Explained
from sqlsentinel_dbt.notify.inhibition import Inhibitor, firing_now
from sqlsentinel_dbt.notify.pending import Deciding, NodesNeeded, decide_pending
from sqlsentinel_dbt.notify.retry import SendResult
from sqlsentinel_dbt.notify.routing import longest_escalation
from sqlsentinel_dbt.notify.window_ends import requeue_ended_windows
from sqlsentinel_dbt.notify.windows import MuteWindows
from sqlsentinel_dbt.redact import redact
from sqlsentinel_dbt.store.outbox import OutboxRow
from sqlsentinel_dbt.store.stores import Stores
from sqlsentinel_dbt.store.timestamps import Clock
from sqlsentinel_dbt.suggest import suggest

logger = logging.getLogger(__name__)


class Notifier:
    """Decide, queue and deliver the notifications of one project's alerts."""

    def __init__(
        self,
        stores: Stores,
        config: ProjectConfig,
        clock: Clock,
        nodes: NodeSets | None = None,
        *,
        complete: bool = True,
    ) -> None:
        self._stores = stores
        self._config = config
        self._nodes = nodes
        """The project's nodes, to resolve `dbt_results:` for the hook's checks."""
        self._complete = complete
        """False when the project was opened without its nodes: its meta alerts and nodes
        are unknown, so a change that needs them is held back, never dropped."""
        self.clock = clock
        """The time of decisions, claims and leases: tests pass one past a lease."""

    def needs_nodes(self) -> bool:
        """Whether deciding what the outbox holds needs the project's nodes.

        It does for a change of an alert that alerts/*.yml does not declare and that is not
        a dbt check (an alert of a node's meta), and for the hook's checks when sentinel.yml
        has `dbt_results:` settings (resolved on the nodes). One query, claiming nothing.
        """
        undecided = self._stores.outbox.undecided()
        declared = {d.alert.name for d in self._config.alerts}
        settings = self._config.settings
        if settings.inhibit_downstream and undecided:
            return True
        if settings.dbt_results.applies and any(p.dbt_check for p in undecided):
            return True
        return any(p.dbt_check is None and p.alert not in declared for p in undecided)

    def decide(
        self,
        alerts: Sequence[AlertAsRun],
        results: Sequence[AlertResult],
        run: RunContext,
        explained: list[Explained] | None = None,
    ) -> list[OutboxRow]:
        """The log entries a run's tracked `results` call for, not yet queued.

        None when the project declares no channel. `explained` gets what became of each
        instance on each channel.
        """
        if not self._config.channels:
            return []
        last = self._stores.outbox.last_entries([a.alert.name for a in alerts])
        since = run.now - timedelta(seconds=longest_escalation(self._config.routes))
        silenced = SilenceBook(
            self._stores.silences.ending_after(since), run.now, [a.alert for a in alerts]
        )
        holds = Holds(
            silenced,
            MuteWindows(self._config.settings.time_intervals, run.now),
            self._inhibitor([a.alert for a in alerts], results),
            silenced.unsilenced_since,
        )
        return outbox_rows(alerts, results, self._config.routes, last, run, holds, explained)

    def _inhibitor(self, alerts: Sequence[Alert], results: Sequence[AlertResult]) -> Inhibitor:
        """What inhibits what in a run: its own results, and the other alerts' last states.

        Reads the history only when sentinel.yml has inhibition settings.
        """
        settings = self._config.settings
        if not settings.inhibit_rules and not settings.inhibit_downstream:
            return Inhibitor((), ())
        declared = {d.alert.name: d.alert for d in self._config.alerts}
        others = [name for name in declared if name not in {a.name for a in alerts}]
        recorded = self._stores.history.latest_states(others) if others else {}
        firing = firing_now([*alerts, *declared.values()], results, recorded)
        parents = self._parents() if settings.inhibit_downstream else None
        return Inhibitor(settings.inhibit_rules, firing, parents)

    def _parents(self) -> Mapping[str, Sequence[str]] | None:
        """Dbt's DAG, when the project's nodes were parsed."""
        if self._nodes is None or not self._complete:
            return None
        return self._nodes.parents()

    def queue(self, rows: Sequence[OutboxRow], run: RunContext) -> None:
        """Put a run's decided rows in the outbox (skipping any another run queued already)."""
        if self._config.channels:
            self._stores.outbox.queue(rows, run.now)

    def deliver(self) -> DeliveryReport:
        """Decide what `run_alerts` left pending, then deliver whatever is due.

        Also what earlier runs failed to deliver; a notification past
        `max_notification_age` is dead-lettered and reported on the other channels.
        """
        settings = self._config.settings
        dbt_results, nodes = settings.dbt_results, self._nodes
        resolve: Callable[[], ChosenChecks] | None = None
        if dbt_results.applies and not self._complete:
            resolve = _nodes_needed
        elif dbt_results.applies and nodes is not None:
            resolve = partial(ChosenChecks.resolve, dbt_results, nodes)
        deciding = Deciding(
            [d.alert for d in self._config.alerts],
            self._config.routes,
            settings.claim_lease,
            resolve,
            complete=self._complete,
            time_intervals=settings.time_intervals,
            inhibit_rules=settings.inhibit_rules,
            dag=self._dag_resolver(),
        )
        if settings.time_intervals:
            self._requeue_ended_windows()
        decided = decide_pending(self._stores, deciding, self.clock())
        stores = self._stores
        report = deliver(stores.outbox, self._config.channels, settings, self.clock, stores.threads)
        report.decided = decided
        return report

    def _requeue_ended_windows(self) -> None:
        """Decide again the groups a mute window held that none holds now (window_ends.py)."""
        settings = self._config.settings
        try:
            requeue_ended_windows(
                self._stores.outbox,
                [d.alert for d in self._config.alerts],
                self._config.routes,
                settings.time_intervals,
                self.clock(),
            )
        except Exception as exc:  # the next pass looks again; deliver what is due
            logger.warning("looking for mute windows that ended failed: %s", redact(str(exc)))

    def _dag_resolver(self) -> Callable[[], Mapping[str, Sequence[str]]] | None:
        """How deciding the queued changes gets dbt's DAG, for `inhibit_downstream`."""
        if not self._config.settings.inhibit_downstream:
            return None
        nodes = self._nodes
        if nodes is None or not self._complete:
            return _dag_needed
        return nodes.parents

    def send_test(self, channel_name: str) -> SendResult:
        """Send a test message straight to one channel, bypassing the outbox.

        Raises NotFound when the project declares no such channel.
        """
        channel = self._config.channels.get(channel_name)
        if channel is None:
            hint = suggest(channel_name, sorted(self._config.channels))
            raise NotFound(f"No channel {channel_name!r}{hint}")
        return send_test(channel, self._config.settings.retry_budget, self.clock)


def _dag_needed() -> Mapping[str, Sequence[str]]:
    raise NodesNeeded("`inhibit_downstream` of sentinel.yml needs the project's DAG")


def _nodes_needed() -> ChosenChecks:
    raise NodesNeeded("`dbt_results:` of sentinel.yml is resolved on the project's nodes")
