"""The state machine against golden fixtures (tests/golden/state_machine.yml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from sqlsentinel_dbt.config.models import Alert, Severity
from sqlsentinel_dbt.engine.notification import LogEntry
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, State, Status
from sqlsentinel_dbt.engine.state import Key, track
from sqlsentinel_dbt.notify.changes import AlertAsRun, RunContext, outbox_rows
from sqlsentinel_dbt.store.outbox import OutboxRow

CASES = yaml.safe_load((Path(__file__).parent / "golden" / "state_machine.yml").read_text())
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STATUS = {"ALERT": Status.ALERT, "WARN": Status.ALERT, "OK": Status.OK}


def remember(log: dict[tuple[str, str], LogEntry], rows: list[OutboxRow], now: datetime) -> None:
    """Write a run's outbox rows into `log` as its latest entries, as the outbox holds them."""
    for row in rows:
        n = row.notification
        log[(n.group_key, n.channel)] = LogEntry(
            n.notification_id, row.firing_keys, row.silenced_keys, now
        )


def results_of(alert: Alert, raw: Any, now: datetime) -> list[AlertResult]:
    base = AlertResult(alert.name, Status.OK, Severity.ERROR, started_at=now)
    if raw == "ERROR":
        return [AlertResult(alert.name, Status.ERROR, Severity.ERROR, error="boom")]
    if raw == "NODATA":
        return [AlertResult(alert.name, Status.OK, Severity.ERROR, no_data=True)]
    return [
        AlertResult(
            base.alert,
            STATUS[value],
            Severity.WARN if value == "WARN" else Severity.ERROR,
            key=None if key == "_" else key,
        )
        for key, value in raw.items()
    ]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_sequence(case: dict[str, Any]) -> None:
    alert = Alert(name="golden", query="select 1", notify=["chat"], **case["alert"])
    as_run = AlertAsRun(alert, "select 1")
    history: dict[Key, InstanceState] = {}  # what the history table's latest rows say
    log: dict[tuple[str, str], LogEntry] = {}  # what the outbox's latest rows say
    for step, run in enumerate(case["runs"]):
        now = START + timedelta(minutes=run["at"])
        tracked = track(alert, history, results_of(alert, run["results"], now), now)
        context = RunContext(f"run{step}", "shop", "ci", now)
        rows = outbox_rows([as_run], tracked.results + tracked.missing, [], log, context)
        remember(log, rows, now)
        sends = sorted(
            ("error:" if r.notification.group_key.endswith("|error") else "")
            + r.notification.kind.value
            for r in rows
            if r.status == "queued"
        )
        assert sends == run.get("sends", []), f"run {step}"
        for result in tracked.results + tracked.missing:
            if result.state is not None:
                history[result.key] = result.state
        states = {("_" if k is None else k): s.state.value for k, s in history.items()}
        expected = {str(k): v for k, v in run["expect"].items()}
        assert {k: states.get(k, "ok") for k in expected} == expected, f"run {step}"
        missing = sorted(r.key or "_" for r in tracked.missing)
        assert missing == sorted(run.get("missing", [])), f"run {step}"
        assert all(r.status is Status.MISSING for r in tracked.missing)


def test_errors_carry_no_state_so_history_keeps_the_last_one() -> None:
    alert = Alert(name="a", query="select 1")
    prior = {None: InstanceState(State.FIRING, START)}
    tracked = track(alert, prior, results_of(alert, "ERROR", START), START)
    assert [r.state for r in tracked.results] == [None]


def test_firing_instance_keeps_its_since_and_severity_of_the_row() -> None:
    alert = Alert(name="a", query="select 1")
    first = track(alert, {}, results_of(alert, {"_": "WARN"}, START), START).results[0]
    assert first.state == InstanceState(State.FIRING, START, 0, Severity.WARN)
    later = START + timedelta(hours=1)
    again = track(alert, {None: first.state}, results_of(alert, {"_": "ALERT"}, later), later)
    assert again.results[0].state == InstanceState(State.FIRING, START, 0, Severity.ERROR)


def test_an_instance_keyed_error_and_the_alerts_error_are_two_groups() -> None:
    """With `group_by: [alert, key]`, an instance whose key is literally "error" has a group
    of its own beside the alert's error group: it fires, the alert errors on another run,
    and each is announced and resolved once, neither hiding the other."""
    alert = Alert(name="a", query="select 1", notify=["chat"], group_by=["alert", "key"])
    as_run = AlertAsRun(alert, "select 1")
    history: dict[Key, InstanceState] = {}
    log: dict[tuple[str, str], LogEntry] = {}
    sent = []
    firing, ok = {"error": "ALERT", "eu": "ALERT"}, {"error": "OK", "eu": "OK"}
    runs = [firing, "ERROR", firing, ok]
    for step, raw in enumerate(runs):
        now = START + timedelta(minutes=step)
        tracked = track(alert, history, results_of(alert, raw, now), now)
        context = RunContext(f"run{step}", "shop", "ci", now)
        rows = outbox_rows([as_run], tracked.results + tracked.missing, [], log, context)
        remember(log, rows, now)
        sent.append(sorted((r.notification.group_key, r.notification.kind.value) for r in rows))
        for result in tracked.results + tracked.missing:
            if result.state is not None:
                history[result.key] = result.state
    keyed = "a|\\error"  # escaped: "a|error" is the error group's
    assert sent == [
        [(keyed, "firing"), ("a|eu", "firing")],
        [("a|error", "error")],
        [("a|error", "resolved")],  # the instances kept firing while the alert errored
        [(keyed, "resolved"), ("a|eu", "resolved")],
    ]


def test_a_key_that_looks_escaped_keeps_a_group_of_its_own() -> None:
    alert = Alert(name="a", query="select 1", notify=["chat"], group_by=["alert", "key"])
    raw = {"error": "ALERT", "\\error": "ALERT", "\\\\error": "ALERT", "None": "ALERT"}
    tracked = track(alert, {}, results_of(alert, raw, START), START)
    context = RunContext("run0", "shop", "ci", START)
    rows = outbox_rows([AlertAsRun(alert)], tracked.results, [], {}, context)
    groups = {r.notification.group_key: sorted(r.firing_keys) for r in rows}
    assert groups == {
        "a|\\error": ["error"],
        "a|\\\\error": ["\\error"],
        "a|\\\\\\error": ["\\\\error"],
        "a|None": ["None"],  # as before: only keys "error" and "\\..." are escaped
    }


def test_a_group_the_owner_left_is_closed_so_coming_back_is_announced() -> None:
    """`group_by: [owner]`: the alert fires for crm, moves to ops while firing (ops is told,
    crm's group is closed without a message), resolves, then fires for crm again: crm is
    told again, not left believing it was never over."""
    log: dict[tuple[str, str], LogEntry] = {}
    history: dict[Key, InstanceState] = {}
    sent = []
    runs = [("crm", "ALERT"), ("ops", "ALERT"), ("ops", "OK"), ("crm", "ALERT")]
    for step, (owner, status) in enumerate(runs):
        alert = Alert(name="a", query="select 1", notify=["chat"], group_by=["owner"], owner=owner)
        now = START + timedelta(minutes=step)
        tracked = track(alert, history, results_of(alert, {"_": status}, now), now)
        context = RunContext(f"run{step}", "shop", "ci", now)
        rows = outbox_rows([AlertAsRun(alert)], tracked.results, [], log, context)
        remember(log, rows, now)
        sent.append(sorted((r.notification.group_key, r.status) for r in rows))
        for result in tracked.results:
            if result.state is not None:
                history[result.key] = result.state
    assert sent == [
        [("a|owner=crm", "queued")],
        [("a|owner=crm", "skipped"), ("a|owner=ops", "queued")],
        [("a|owner=ops", "queued")],  # resolved
        [("a|owner=crm", "queued")],  # without the close: nothing, crm's group still fired
    ]
