"""Routes' mute and active windows: what they hold back is recorded as suppressed, naming
the window, and announced once the window ends; decided tick by tick with a fixed clock."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from sqlsentinel_dbt.config.channels import Route
from sqlsentinel_dbt.config.models import Alert, Severity
from sqlsentinel_dbt.config.project import load_config
from sqlsentinel_dbt.config.time_intervals import NamedTimeIntervals
from sqlsentinel_dbt.engine.notification import LogEntry
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, Status
from sqlsentinel_dbt.engine.state import Key, track
from sqlsentinel_dbt.errors import ConfigError
from sqlsentinel_dbt.notify.changes import AlertAsRun, Holds, RunContext, outbox_rows
from sqlsentinel_dbt.notify.windows import MuteWindows
from sqlsentinel_dbt.store.outbox import OutboxRow
from tests.conftest import Project, make_project
from tests.integration_runner import run_steps
from tests.notify_kit import fire, notify, project, receiver, run
from tests.receivers import Receiver, http_receiver
from tests.test_dbt_results_hook import REPO

__all__ = ["project", "receiver"]  # fixtures, imported to be found by name

NIGHTS = NamedTimeIntervals.model_validate(
    {
        "name": "nights",
        "time_intervals": [
            {"times": [{"start_time": "22:00", "end_time": "24:00"}], "location": "Europe/Berlin"},
            {"times": [{"start_time": "00:00", "end_time": "07:00"}], "location": "Europe/Berlin"},
        ],
    }
)
OFFICE = NamedTimeIntervals.model_validate(
    {
        "name": "office",
        "time_intervals": [
            {
                "weekdays": ["monday:friday"],
                "times": [{"start_time": "09:00", "end_time": "17:00"}],
                "location": "Europe/Berlin",
            }
        ],
    }
)
ALERT = Alert(name="late_loads", query="select 1", group_by=["alert"])


class Ticks:
    """One alert evaluated tick by tick; the outbox's latest entries kept as the log."""

    def __init__(self, routes: Sequence[Route], alert: Alert = ALERT) -> None:
        self.alert, self.routes = alert, list(routes)
        self.states: dict[Key, InstanceState] = {}
        self.log: dict[tuple[str, str], LogEntry] = {}

    def at(
        self, moment: datetime, firing: Sequence[str], ok: Sequence[str] = ()
    ) -> list[OutboxRow]:
        results = [
            AlertResult(self.alert.name, Status.ALERT, Severity.ERROR, key=k) for k in firing
        ] + [AlertResult(self.alert.name, Status.OK, Severity.ERROR, key=k) for k in ok]
        tracked = track(self.alert, self.states, results, moment)
        for result in tracked.results + tracked.missing:
            if result.state is not None:
                self.states[result.key] = result.state
        run = RunContext(moment.isoformat(), "shop", "ci", moment)
        windows = MuteWindows([NIGHTS, OFFICE], moment)
        rows = outbox_rows(
            [AlertAsRun(self.alert)],
            tracked.results + tracked.missing,
            self.routes,
            self.log,
            run,
            Holds(windows=windows),
        )
        for row in rows:
            n = row.notification
            self.log[(n.group_key, n.channel)] = LogEntry(
                n.notification_id, row.firing_keys, row.silenced_keys, moment
            )
        return rows


def route(**fields: Any) -> Route:
    return Route.model_validate({"notify": ["chat"], **fields})


def summary(rows: Sequence[OutboxRow]) -> list[tuple[str, str, str, list[Any], list[Any]]]:
    return [
        (
            r.notification.channel,
            r.status,
            r.notification.kind.value,
            r.notification.new_keys,
            r.notification.resolved_keys,
        )
        for r in rows
    ]


def held(rows: Sequence[OutboxRow]) -> list[tuple[Key, str]]:
    return [(h.key, h.reason) for r in rows for h in r.notification.held_back]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_night_window_holds_back_then_announces_at_its_end_across_dst() -> None:
    """The night of 28 to 29 March 2026: Berlin moves to summer time (UTC+2) at 02:00,
    so the window ends at 05:00 UTC, not at 06:00 as it would have in winter."""
    ticks = Ticks([route(mute_time_intervals=["nights"], match={"alert": "late_*"})])
    # 20:00 UTC is 21:00 in Berlin: before the window, `a` is announced.
    assert summary(ticks.at(utc("2026-03-28 20:00"), ["a"])) == [
        ("chat", "queued", "firing", ["a"], [])
    ]
    # 21:30 UTC (22:30): `b` fires too; held back, naming the window; `a` was announced.
    rows = ticks.at(utc("2026-03-28 21:30"), ["a", "b"])
    assert summary(rows) == [("chat", "suppressed", "firing", ["b"], [])]
    assert held(rows) == [("b", "muted by time interval 'nights'")]
    # 22:00 UTC (23:00): `a` resolves; its resolution is held back too.
    rows = ticks.at(utc("2026-03-28 22:00"), ["b"], ok=["a"])
    assert summary(rows) == [("chat", "suppressed", "firing", [], ["a"])]
    assert held(rows) == [
        ("a", "muted by time interval 'nights'"),
        ("b", "muted by time interval 'nights'"),
    ]
    # 04:30 UTC is 06:30 summer time: still night, nothing changed, nothing written.
    assert ticks.at(utc("2026-03-29 04:30"), ["b"]) == []
    # 05:00 UTC is 07:00 summer time: the window ended; `b` still fires and is announced
    # as new, `a` as resolved, in one message.
    assert summary(ticks.at(utc("2026-03-29 05:00"), ["b"])) == [
        ("chat", "queued", "firing", ["b"], ["a"])
    ]
    assert ticks.at(utc("2026-03-29 05:30"), ["b"]) == []  # and once only


def test_what_fired_and_resolved_inside_the_window_is_never_announced() -> None:
    ticks = Ticks([route(mute_time_intervals=["nights"])])
    rows = ticks.at(utc("2026-01-10 23:00"), ["a"])  # 00:00 in Berlin (winter)
    assert summary(rows) == [("chat", "suppressed", "firing", ["a"], [])]
    rows = ticks.at(utc("2026-01-11 01:00"), [], ok=["a"])
    assert [r.status for r in rows] == ["skipped"]  # bookkeeping: nothing was announced
    assert ticks.at(utc("2026-01-11 07:00"), [], ok=["a"]) == []  # 08:00: nothing to say


def test_active_windows_send_only_inside_them_and_a_mute_window_wins() -> None:
    ticks = Ticks([route(active_time_intervals=["office"], mute_time_intervals=["nights"])])
    saturday = ticks.at(utc("2026-12-05 10:00"), ["a"])
    assert summary(saturday) == [("chat", "suppressed", "firing", ["a"], [])]
    assert held(saturday) == [("a", "outside the active time interval 'office'")]
    monday = ticks.at(utc("2026-12-07 08:00"), ["a"])  # 09:00 in Berlin
    assert summary(monday) == [("chat", "queued", "firing", ["a"], [])]
    # At 23:30 both `nights` windows contain the moment: the mute one wins.
    both = Ticks([route(active_time_intervals=["nights"], mute_time_intervals=["nights"])])
    assert held(both.at(utc("2026-12-07 22:30"), ["a"])) == [
        ("a", "muted by time interval 'nights'")
    ]


def test_a_channel_is_held_only_when_every_way_there_is() -> None:
    """The alert's own `notify`, or a second route without the window, still sends."""
    muted = route(mute_time_intervals=["nights"], match={"alert": "late_*"}, **{"continue": True})
    other = route(notify=["chat", "pager"])
    ticks = Ticks([muted, other])
    rows = ticks.at(utc("2026-01-10 23:00"), ["a"])
    assert sorted(summary(rows)) == [
        ("chat", "queued", "firing", ["a"], []),
        ("pager", "queued", "firing", ["a"], []),
    ]
    own = Ticks([muted], ALERT.model_copy(update={"notify": ["chat"]}))
    assert summary(own.at(utc("2026-01-10 23:00"), ["a"])) == [
        ("chat", "queued", "firing", ["a"], [])
    ]
    only_muted = Ticks([muted])
    assert summary(only_muted.at(utc("2026-01-10 23:00"), ["a"]))[0][1] == "suppressed"


def write_project(root: Path, settings: Mapping[str, Any]) -> Path:
    (root / "alerts").mkdir()
    (root / "alerts" / "a.yml").write_text(
        yaml.safe_dump({"alerts": [{"name": "late_loads", "query": "select 1"}]})
    )
    channels = [{"name": "chat", "type": "webhook", "url": "http://127.0.0.1:9/x"}]
    (root / "sentinel.yml").write_text(yaml.safe_dump({"channels": channels, **settings}))
    return root


def test_time_intervals_and_route_windows_load_from_sentinel_yml(tmp_path: Path) -> None:
    config = load_config(
        write_project(
            tmp_path,
            {
                "time_intervals": [NIGHTS.model_dump(exclude_defaults=True)],
                "routes": [{"notify": ["chat"], "mute_time_intervals": ["nights"]}],
            },
        )
    )
    assert config.settings.time_intervals == [NIGHTS]
    assert config.routes[0].mute_time_intervals == ["nights"]


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (
            {
                "routes": [{"notify": ["chat"], "mute_time_intervals": ["nigths"]}],
                "time_intervals": [
                    {"name": "nights", "time_intervals": [{"weekdays": ["monday"]}]}
                ],
            },
            "route #1: mute_time_intervals names unknown time interval 'nigths'; "
            "did you mean 'nights'?",
        ),
        (
            {"routes": [{"notify": ["chat"], "active_time_intervals": ["office"]}]},
            "route #1: active_time_intervals names unknown time interval 'office'; "
            "sentinel.yml declares no time_intervals",
        ),
        (
            {"time_intervals": [{"name": "x", "time_intervals": [{}]}] * 2},
            "time interval names must be unique; repeated: ['x']",
        ),
        (
            {"time_intervals": [{"name": "x", "time_intervals": [{"weekdays": ["someday"]}]}]},
            "'someday' is not a weekday",
        ),
    ],
)
def test_a_bad_window_is_refused_naming_it(
    tmp_path: Path, settings: dict[str, Any], says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write_project(tmp_path, settings))
    assert says in str(raised.value)


WINDOW = """
time_intervals:
  - name: always
    time_intervals: [{years: ["2000:9999"]}]
"""


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # the routes, not the SQL
def test_a_run_in_a_window_records_it_and_the_first_run_after_announces(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    """Through `sentinel dbt-run` and `sentinel notify`, on the notification tests'
    project: the window is ended by taking it off the route."""
    settings = project.root / "sentinel.yml"
    unmuted = settings.read_text()
    route = "    notify: [hook]\n"
    assert route in unmuted
    settings.write_text(
        WINDOW + unmuted.replace(route, route + "    mute_time_intervals: [always]\n")
    )
    try:
        muted = fire(project, sentinel_schema)
        quiet = run(project, sentinel_schema, orders_limit=2)
        told_while_muted = len(receiver.requests)
        settings.write_text(WINDOW + unmuted)  # the window no longer holds the route
        delivered = notify(project, sentinel_schema)
        again = notify(project, sentinel_schema)
    finally:
        settings.write_text(unmuted)
    assert [(n["status"], n["kind"], n["held_back"]) for n in muted["notifications"]] == [
        ("suppressed", "firing", [{"key": "eu", "reason": "muted by time interval 'always'"}])
    ]
    assert muted["delivery"]["sent"] == 0 and told_while_muted == 0
    assert quiet["notifications"] == []  # nothing changed

    # The window has ended (it is off the route): the next delivery pass decides the alert
    # again, with no new evaluation, and announces eu.
    assert (delivered["decided"], delivered["sent"]) == (1, 1), delivered
    assert again["sent"] == 0  # once
    assert run(project, sentinel_schema, orders_limit=2)["notifications"] == []  # told already
    [announced] = receiver.notifications()
    assert (announced["kind"], announced["new_keys"], announced["held_back"]) == (
        "firing",
        ["eu"],
        [],
    )


DAG_SETTINGS = """
channels:
  - name: hook
    type: webhook
    url: "{{ env_var('SENTINEL_DAG_TEST_URL') }}"
time_intervals:
  - name: always
    time_intervals: [{years: ["2000:9999"]}]
routes:
  - notify: [hook]
"""


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # decisions, not the SQL
def test_dbt_checks_a_window_held_are_announced_by_notify_once_it_ends(
    warehouse: str, tmp_path: Path
) -> None:
    """The hook's failing checks, held by a window at the first `sentinel notify`, are
    announced by the first `sentinel notify` after it, with no new build."""
    project = make_project(tmp_path, "dag", warehouse)
    (project.root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    muted = DAG_SETTINGS.replace(
        "  - notify: [hook]\n", "  - notify: [hook]\n    mute_time_intervals: [always]\n"
    )
    (project.root / "sentinel.yml").write_text(muted)
    with http_receiver(Receiver()) as receiver:
        env = {**os.environ, "SENTINEL_DAG_TEST_URL": receiver.url + "/hook"}
        steps = run_steps(
            project.root,
            env,
            ("deps", "dbt", ["deps"]),
            ("build", "dbt", ["build"]),
            ("muted", "sentinel", ["notify", "-o", "json"]),
        )
        assert receiver.requests == [], steps["muted"]["output"]
        (project.root / "sentinel.yml").write_text(DAG_SETTINGS)  # the window ends
        steps |= run_steps(
            project.root,
            env,
            ("ended", "sentinel", ["notify", "-o", "json"]),
            ("again", "sentinel", ["notify", "-o", "json"]),
        )
        announced = sorted(n["alert"] for r in receiver.requests for n in r.json()["notifications"])
    assert announced == ["a_has_nulls", "not_null_b_v", "not_null_c_v"]
    assert json.loads(steps["again"]["output"])["sent"] == 0
