"""Escalation: an Opsgenie channel (create, and close by the same alias on resolve), a
route's own `repeat_interval`, and escalation routes that hear of an instance only once it
has fired, out of every silence, for their `escalate_after`; ticks on a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqlsentinel_dbt.config.channels import OpsgenieChannel, Route
from sqlsentinel_dbt.config.models import Alert, Severity
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.notification import Kind, LogEntry
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, Status
from sqlsentinel_dbt.engine.silences import Silence, SilenceBook
from sqlsentinel_dbt.engine.state import Key, track
from sqlsentinel_dbt.notify.changes import AlertAsRun, Holds, RunContext, outbox_rows
from sqlsentinel_dbt.notify.render.opsgenie import alias
from sqlsentinel_dbt.notify.senders.opsgenie import OpsgenieSender
from sqlsentinel_dbt.redact import Redactor
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project
from tests.notify_kit import project, receiver
from tests.opsgenie_api import API_KEY, OpsgenieApi
from tests.receivers import Receiver, http_receiver
from tests.test_senders import notification

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ALERT = Alert(name="late_loads", query="select 1", group_by=["alert", "key"])


def route(**fields: Any) -> Route:
    return Route.model_validate(fields)


class Ticks:
    """One alert decided at fixed moments, the outbox's latest entries kept as the log."""

    def __init__(
        self, routes: Sequence[Route], silences: Sequence[Silence] = (), alert: Alert = ALERT
    ) -> None:
        self.routes, self.silences, self.alert = list(routes), list(silences), alert
        self.states: dict[Key, InstanceState] = {}
        self.log: dict[tuple[str, str], LogEntry] = {}

    def at(self, minutes: int, firing: Sequence[str], ok: Sequence[str] = ()) -> list[str]:
        """`channel kind new-keys` for each message queued at T0 + minutes."""
        now = T0 + timedelta(minutes=minutes)
        name = self.alert.name
        results = [AlertResult(name, Status.ALERT, Severity.ERROR, key=k) for k in firing]
        results += [AlertResult(name, Status.OK, Severity.ERROR, key=k) for k in ok]
        tracked = track(self.alert, self.states, results, now)
        for result in tracked.results + tracked.missing:
            if result.state is not None:
                self.states[result.key] = result.state
        book = SilenceBook(self.silences, now, [self.alert])
        rows = outbox_rows(
            [AlertAsRun(self.alert)],
            tracked.results + tracked.missing,
            self.routes,
            self.log,
            RunContext(str(minutes), "shop", "ci", now),
            Holds(silenced=book, unsilenced_since=book.unsilenced_since),
        )
        for row in rows:
            n = row.notification
            self.log[(n.group_key, n.channel)] = LogEntry(
                n.notification_id, row.firing_keys, row.silenced_keys, now
            )
        return sorted(
            f"{n.channel} {n.kind.value} {','.join(map(str, n.new_keys))}"
            for r in rows
            if r.status == "queued"
            for n in [r.notification]
        )


CHAT_AND_PAGER = [
    route(notify=["chat"], **{"continue": True}),
    route(notify=["pager"], escalate_after="2h", repeat_interval="30m"),
]


def test_the_pager_hears_of_an_instance_once_it_has_fired_for_escalate_after() -> None:
    ticks = Ticks(CHAT_AND_PAGER)
    assert ticks.at(0, ["eu"]) == ["chat firing eu"]
    assert ticks.at(60, ["eu", "us"]) == ["chat firing us"]
    assert ticks.at(119, ["eu", "us"]) == []
    assert ticks.at(120, ["eu", "us"]) == ["pager firing eu"]  # eu: two hours
    # The route's repeat_interval (30m) for the pager; the chat keeps the alert's (4h).
    assert ticks.at(150, ["eu", "us"]) == ["pager repeat "]
    # us: two hours (a group of its own); eu: 30 minutes since its last page.
    assert ticks.at(180, ["eu", "us"]) == ["pager firing us", "pager repeat "]
    # eu resolves: both channels that were told hear it, in their group's message.
    assert ticks.at(200, ["us"], ok=["eu"]) == ["chat resolved ", "pager resolved "]
    assert ticks.at(240, ["us"]) == ["pager repeat "]
    assert ticks.at(300, ["us"]) == ["chat repeat ", "pager repeat "]  # the chat: 4h from 60


def test_what_resolves_before_escalate_after_never_reaches_the_pager() -> None:
    ticks = Ticks(CHAT_AND_PAGER)
    assert ticks.at(0, ["eu"]) == ["chat firing eu"]
    assert ticks.at(100, [], ok=["eu"]) == ["chat resolved "]
    assert ticks.at(130, [], ok=["eu"]) == []


def test_time_in_a_silence_does_not_count_toward_escalation() -> None:
    """eu fires from 0; a silence holds it from 30 to 90: unsilenced for two hours at 210."""
    start, end = T0 + timedelta(minutes=30), T0 + timedelta(minutes=90)
    silence = Silence("s1", "late_loads", "eu", start, end, "known", "ana", T0)
    ticks = Ticks(CHAT_AND_PAGER, [silence])
    assert ticks.at(0, ["eu"]) == ["chat firing eu"]
    assert ticks.at(60, ["eu"]) == []  # silenced: suppressed, not sent
    assert ticks.at(90, ["eu"]) == []  # the silence ended: the chat was told already
    assert ticks.at(150, ["eu"]) == []
    assert ticks.at(209, ["eu"]) == []
    assert ticks.at(210, ["eu"]) == ["pager firing eu"]


def test_an_escalated_instance_that_recovers_and_fires_again_stays_escalated() -> None:
    """keep_firing_for: an OK run makes it RECOVERING (its state's `since` restarts), still
    firing: the pager is told nothing, neither resolved nor fired again."""
    lingering = ALERT.model_copy(update={"keep_firing_for": 3600.0})
    ticks = Ticks(CHAT_AND_PAGER, alert=lingering)
    assert ticks.at(0, ["eu"]) == ["chat firing eu"]
    assert ticks.at(120, ["eu"]) == ["pager firing eu"]
    assert ticks.at(125, [], ok=["eu"]) == []  # recovering: still firing
    assert ticks.at(130, ["eu"]) == []  # firing again: nothing new anywhere
    assert ticks.at(145, [], ok=["eu"]) == []  # recovering again
    assert ticks.at(206, [], ok=["eu"]) == ["chat resolved ", "pager resolved "]


def test_a_channel_named_by_the_alert_or_another_route_is_no_escalation_channel() -> None:
    both = [
        route(notify=["pager"], escalate_after="2h", **{"continue": True}),
        route(notify=["pager"]),
    ]
    assert Ticks(both).at(0, ["eu"]) == ["pager firing eu"]
    never = [route(notify=["chat"], repeat_interval="never")]
    ticks = Ticks(never)
    assert ticks.at(0, ["eu"]) == ["chat firing eu"]
    assert ticks.at(60 * 24 * 30, ["eu"]) == []  # a month: never repeated


def test_opsgenie_creates_once_per_alias_and_closes_it_on_resolve() -> None:
    with http_receiver(OpsgenieApi()) as api:
        channel = OpsgenieChannel(name="og", type="opsgenie", api_key="x", url=api.url + "/")
        sender = OpsgenieSender(channel, API_KEY, Redactor())
        firing = notification(group_key="late_loads|eu", severity="warn")
        assert sender.send([firing]).ok and sender.send([firing]).ok  # a repeat
        [opened] = api.open_alerts()
        assert (opened.alias, opened.count, opened.priority) == (alias(firing), 2, "P3")
        assert opened.message == firing.title
        resolved = notification(group_key="late_loads|eu", kind=Kind.RESOLVED, firing=[])
        assert sender.send([resolved]).ok
        assert api.open_alerts() == [] and api.closes == [alias(firing)]
        refused = OpsgenieSender(channel, "wrong-key", Redactor()).send([firing])
    assert (refused.ok, refused.retryable) == (False, False)  # 401: final, not retried
    assert "wrong-key" not in refused.reason


@pytest.fixture
def opsgenie() -> Iterator[OpsgenieApi]:
    with http_receiver(OpsgenieApi()) as api:
        yield api


ESCALATING = """
  - name: pager
    type: opsgenie
    api_key: "{{{{ env_var('SENTINEL_TEST_GENIE_KEY') }}}}"
    url: {url}/
routes:
  - match: {{tags: [lifecycle]}}
    notify: [hook]
    continue: true
  - match: {{tags: [lifecycle]}}
    notify: [pager]
    escalate_after: 2h
    repeat_interval: 30m
"""


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # routes, not the SQL
def test_a_run_escalates_to_opsgenie_repeats_there_and_closes_on_resolve(
    project: Project,
    sentinel_schema: str,
    receiver: Receiver,
    opsgenie: OpsgenieApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`Sentinel.run` ticks on a fixed clock, on the notification tests' project."""
    monkeypatch.setenv("SENTINEL_TEST_GENIE_KEY", API_KEY)
    settings = project.root / "sentinel.yml"
    original = settings.read_text()
    head, routes = original.split("routes:\n", 1)
    rest = routes.split("\n", 2)[2]  # the notification tests' one route, replaced
    settings.write_text(head + ESCALATING.format(url=opsgenie.url).lstrip("\n") + rest)

    def tick(minutes: int, orders_limit: int) -> None:
        variables = f"{{sqlsentinel_schema: {sentinel_schema}, orders_limit: {orders_limit}}}"
        args = DbtArgs(str(project.root), str(project.root), vars=variables)
        at = T0 + timedelta(minutes=minutes)
        with Sentinel.open(args, clock=lambda: at) as sentinel:
            report = sentinel.run(select=["busy_regions"])
        assert report.delivery is not None and report.delivery.failed == 0

    try:
        tick(0, 2)  # eu: pending (for_evaluations: 2)
        tick(10, 2)  # eu fires: the hook hears
        tick(60, 2)
        assert [n["kind"] for n in receiver.notifications()] == ["firing"]
        assert opsgenie.requests == []
        tick(131, 2)  # two hours since it fired: escalated
        tick(165, 2)  # the route's 30m: again, to the same Opsgenie alert
        tick(200, 1000)  # resolved: closed
    finally:
        settings.write_text(original)
    [escalated] = opsgenie.alerts
    assert (escalated.count, escalated.open, escalated.priority) == (2, False, "P2")
    assert opsgenie.closes == [escalated.alias]
    assert [n["kind"] for n in receiver.notifications()] == ["firing", "resolved"]
