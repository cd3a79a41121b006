"""Inhibition: `inhibit_rules` as Alertmanager's, and `inhibit_downstream` along dbt's DAG;
what is held back is recorded with its reason and announced once nothing holds it."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sqlsentinel_dbt.config.inhibition import InhibitRule
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.engine.notification import LogEntry
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, State, Status
from sqlsentinel_dbt.engine.state import Key
from sqlsentinel_dbt.notify.changes import AlertAsRun, Holds, RunContext, outbox_rows
from sqlsentinel_dbt.notify.inhibition import Firing, Inhibitor, firing_now
from tests.conftest import make_project
from tests.integration_runner import run_steps
from tests.receivers import Receiver, http_receiver
from tests.test_dbt_results_hook import REPO
from tests.warehouse_sql import query

# model.p.a -> model.p.b -> model.p.c, each with a not_null test; d stands apart.
PARENTS = {
    "model.p.a": (),
    "model.p.b": ("model.p.a",),
    "model.p.c": ("model.p.b",),
    "model.p.d": (),
    "test.p.not_null_a": ("model.p.a",),
    "test.p.not_null_b": ("model.p.b",),
    "test.p.not_null_c": ("model.p.c",),
    "test.p.relationships_c_d": ("model.p.c", "model.p.d"),
}


def check(node: str, resource_type: str = "test", **fields: Any) -> Alert:
    """A dbt check's alert, as from_dbt.py and the hook declare it."""
    meta = {"dbt_node": node, "resource_type": resource_type}
    return Alert(name=node.split(".")[-1], query="-- dbt", meta=meta, **fields)


def alert(name: str, **fields: Any) -> Alert:
    return Alert(name=name, query="select 1", **fields)


def rule(source: dict[str, Any], target: dict[str, Any], equal: Sequence[str] = ()) -> InhibitRule:
    return InhibitRule.model_validate(
        {"source_match": source, "target_match": target, "equal": list(equal)}
    )


def test_a_rule_holds_targets_while_a_source_fires_with_equal_labels() -> None:
    outage = alert("warehouse_down", severity="error", owner="platform")
    late = alert("orders_late", severity="warn", owner="platform")
    elsewhere = alert("crm_late", severity="warn", owner="crm")
    owners = [rule({"severity": "error"}, {"severity": "warn"}, equal=["owner"])]
    inhibitor = Inhibitor(owners, [Firing(outage, None)])
    assert inhibitor(late, "eu") == "inhibited by warehouse_down"
    assert inhibitor(elsewhere, "eu") is None  # another owner
    assert inhibitor(outage, None) is None  # not a target
    assert Inhibitor(owners, [])(late, "eu") is None  # nothing fires
    per_key = [rule({"alert": "region_*"}, {"alert": "orders_*"}, equal=["key"])]
    inhibitor = Inhibitor(per_key, [Firing(alert("region_down"), "eu")])
    assert inhibitor(late, "eu") == "inhibited by region_down (eu)"
    assert inhibitor(late, "us") is None


def test_alerts_on_both_sides_of_a_rule_never_inhibit_each_other() -> None:
    """Alertmanager's rule: else two warnings would hold each other back, unheard."""
    first, second = alert("first", severity="warn"), alert("second", severity="warn")
    both = [rule({"severity": "warn"}, {"severity": "warn"})]
    inhibitor = Inhibitor(both, [Firing(first, None), Firing(second, None)])
    assert inhibitor(first, None) is None and inhibitor(second, None) is None
    # A source on the source side only still holds them.
    tagged = [rule({"tags": ["outage"]}, {"severity": "warn"})]
    outage = alert("outage", tags=["outage"], severity="error")
    assert Inhibitor(tagged, [Firing(outage, None)])(first, None) == "inhibited by outage"


def test_downstream_of_a_failing_node_is_held_three_levels_down() -> None:
    failed_a = check("model.p.a", "model")
    inhibitor = Inhibitor([], [Firing(failed_a, None)], PARENTS)
    # Its children's tests, and their children's, not its own tests.
    assert inhibitor(check("test.p.not_null_b"), None) == "inhibited by a on model.p.a"
    assert inhibitor(check("test.p.not_null_c"), None) == "inhibited by a on model.p.a"
    assert inhibitor(check("test.p.not_null_a"), None) is None
    assert inhibitor(check("model.p.d", "model"), None) is None  # not downstream
    # An alert declared in c's meta (its dbt_node), and a test of c and d.
    assert inhibitor(alert("c_rows", meta={"dbt_node": "model.p.c"}), "k") == (
        "inhibited by a on model.p.a"
    )
    assert inhibitor(check("test.p.relationships_c_d"), None) is not None
    assert inhibitor(alert("no_node"), None) is None
    # A failing test of a is on a: it holds back b's and c's tests too.
    test_a = Inhibitor([], [Firing(check("test.p.not_null_a"), None)], PARENTS)
    assert test_a(check("test.p.not_null_c"), None) == "inhibited by not_null_a on model.p.a"
    assert test_a(check("test.p.not_null_a"), None) is None  # never itself
    # Without the DAG (inhibit_downstream off), nothing is held.
    assert Inhibitor([], [Firing(failed_a, None)])(check("test.p.not_null_b"), None) is None


def test_tests_each_downstream_of_the_other_hold_neither_back() -> None:
    """x tests a and d2; y tests a2 and d, where a feeds a2 and d feeds d2: each is on a
    node upstream of the other's. Held both, neither would ever be announced."""
    crosswise = {
        **PARENTS,
        "model.p.a2": ("model.p.a",),
        "model.p.d2": ("model.p.d",),
        "test.p.x": ("model.p.a", "model.p.d2"),
        "test.p.y": ("model.p.a2", "model.p.d"),
    }
    x, y = check("test.p.x"), check("test.p.y")
    inhibitor = Inhibitor([], [Firing(x, None), Firing(y, None)], crosswise)
    assert inhibitor(x, None) is None and inhibitor(y, None) is None
    # Two firing on one node, the target first: the other still holds it back.
    related = {**PARENTS, "test.p.relationships_b_a": ("model.p.b", "model.p.a")}
    on_a_and_b, failed_a = check("test.p.relationships_b_a"), check("model.p.a", "model")
    both = Inhibitor([], [Firing(on_a_and_b, None), Firing(failed_a, None)], related)
    assert both(on_a_and_b, None) == "inhibited by a on model.p.a"


def test_the_root_cause_upstream_is_named() -> None:
    """A long chain with two firing nodes: the one furthest upstream is named."""
    chain = {f"model.p.n{i}": (f"model.p.n{i - 1}",) if i else () for i in range(3000)}
    firing = [
        Firing(check("model.p.n0", "model"), None),
        Firing(check("model.p.n2000", "model"), None),
    ]
    inhibitor = Inhibitor([], firing, chain)
    assert inhibitor(check("model.p.n2999", "model"), None) == "inhibited by n0 on model.p.n0"
    assert inhibitor(check("model.p.n1500", "model"), None) == "inhibited by n0 on model.p.n0"
    assert inhibitor(check("model.p.n0", "model"), None) is None


def test_firing_now_counts_this_runs_states_and_the_others_last_states() -> None:
    ok, firing = InstanceState(State.OK, None), InstanceState(State.FIRING, NOW)
    pending = InstanceState(State.PENDING, NOW, count=1)
    a, b, c = alert("a"), alert("b"), alert("c")
    results = [
        AlertResult("a", Status.ALERT, a.severity, key="x", state=firing),
        AlertResult("a", Status.ALERT, a.severity, key="y", state=pending),
    ]
    recorded = {"a": {"z": firing}, "b": {"k": firing, "l": ok}, "c": {None: pending}}
    found = firing_now([a, b, c], results, recorded)
    assert sorted((f.alert.name, f.key) for f in found) == [("a", "x"), ("b", "k")]


NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Ticks:
    """Decide alerts tick by tick with an inhibitor built from the tick's firing results."""

    def __init__(self, alerts: Sequence[Alert], rules: Sequence[InhibitRule] = ()) -> None:
        self.alerts, self.rules = list(alerts), list(rules)
        self.log: dict[tuple[str, str], LogEntry] = {}
        self.tick = 0

    def at(self, firing: dict[str, list[Key]]) -> list[tuple[str, str, list[Any], list[Any]]]:
        self.tick += 1
        now = NOW + timedelta(minutes=self.tick)
        results = [
            AlertResult(
                a.name, Status.ALERT, a.severity, key=k, state=InstanceState(State.FIRING, now)
            )
            for a in self.alerts
            for k in firing.get(a.name, [])
        ] + [
            AlertResult(a.name, Status.OK, a.severity, state=InstanceState(State.OK, None))
            for a in self.alerts
            if a.name not in firing
        ]
        inhibitor = Inhibitor(self.rules, firing_now(self.alerts, results), PARENTS)
        run = RunContext(f"r{self.tick}", "p", "ci", now)
        rows = outbox_rows(
            [AlertAsRun(a) for a in self.alerts],
            results,
            [],
            self.log,
            run,
            Holds(inhibited=inhibitor),
        )
        for row in rows:
            n = row.notification
            self.log[(n.group_key, n.channel)] = LogEntry(
                n.notification_id, row.firing_keys, row.silenced_keys, now
            )
        return [
            (
                r.notification.alert,
                r.status,
                r.notification.new_keys,
                [h.reason for h in r.notification.held_back],
            )
            for r in rows
            if r.notification.kind.value != "error" or r.status != "skipped"
        ]


def test_held_back_while_upstream_fires_then_announced_once_it_resolves() -> None:
    a = check("model.p.a", "model", notify=["chat"])
    b = check("test.p.not_null_b", notify=["chat"])
    c = check("test.p.not_null_c", notify=["chat"])
    ticks = Ticks([a, b, c])
    held = "inhibited by a on model.p.a"
    everything: dict[str, list[Key]] = {"a": [None], "not_null_b": [None], "not_null_c": [None]}
    assert sorted(ticks.at(everything)) == [
        ("a", "queued", [None], []),
        ("not_null_b", "suppressed", [None], [held]),
        ("not_null_c", "suppressed", [None], [held]),
    ]
    assert ticks.at(everything) == []  # nothing new
    # a resolves; b still fails and is announced now; c resolved meanwhile: never told.
    assert sorted(ticks.at({"not_null_b": [None]})) == [
        ("a", "queued", [], []),
        ("not_null_b", "queued", [None], []),
        ("not_null_c", "skipped", [], []),
    ]


@pytest.mark.parametrize("equal", [["dbt_node"], ["group"]])
def test_equal_labels_that_neither_has_are_alike(equal: list[str]) -> None:
    """As in Alertmanager, a label missing on both sides counts as equal."""
    inhibitor = Inhibitor(
        [rule({"alert": "up"}, {"alert": "down"}, equal)], [Firing(alert("up"), None)]
    )
    assert inhibitor(alert("down"), None) == "inhibited by up"


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # decisions, not the SQL
def test_dbt_build_then_notify_holds_back_the_tests_downstream_of_the_root_cause(
    warehouse: str, tmp_path: Path
) -> None:
    """raw -> a -> b -> c. A test of a (the root cause) warns, and b's and c's not_null
    tests fail, in one `dbt build`; the hook records them, `sentinel notify` announces the
    root cause only. `sentinel dbt-run --from-artifacts` decides the same. Once a's test
    passes, b's, still failing, is announced, and holds back c's."""
    project = make_project(tmp_path, "dag", warehouse)
    (project.root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    cli_history = f"{{sqlsentinel_schema: {project.schema}_cli}}"
    with http_receiver(Receiver()) as receiver:
        env = {**os.environ, "SENTINEL_DAG_TEST_URL": receiver.url + "/hook"}
        steps = run_steps(
            project.root,
            env,
            ("deps", "dbt", ["deps"]),
            ("build", "dbt", ["build"]),
            ("notify", "sentinel", ["notify", "-o", "json"]),
            (
                "record",
                "sentinel",
                [
                    "dbt-run",
                    "--from-artifacts",
                    str(project.root / "target"),
                    "--dry-run",
                    "-o",
                    "json",
                    "--vars",
                    cli_history,
                ],
            ),
            ("fixed", "dbt", ["build", "--vars", "{upstream_bad: false}"]),
            ("notify_again", "sentinel", ["notify", "-o", "json"]),
        )
        assert steps["build"]["code"] == 1, steps["build"]["output"][-3000:]  # b, c fail
        first, second = (r.json()["notifications"] for r in receiver.requests)
    assert [(n["alert"], n["kind"]) for n in first] == [("a_has_nulls", "firing")]
    outbox = query(project, f"select * from {project.schema}_sentinel.sentinel_notifications")
    held = {
        r["alert_name"]: json.loads(r["payload"])["held_back"]
        for r in outbox
        if r["status"] == "suppressed"
    }
    reason = "inhibited by a_has_nulls on model.dag.a"
    assert held == {
        "not_null_b_v": [{"key": None, "reason": reason}],
        "not_null_c_v": [{"key": None, "reason": reason}],
    }
    recorded = json.loads(steps["record"]["output"])["notifications"]
    assert sorted((n["alert"], n["status"], n["held_back"]) for n in recorded) == [
        ("a_has_nulls", "queued", []),
        ("not_null_b_v", "suppressed", [{"key": None, "reason": reason}]),
        ("not_null_c_v", "suppressed", [{"key": None, "reason": reason}]),
    ]
    # b's nulls are the root cause now: b's test is announced; c's, still held (by b's
    # now), is not (its entry stands: nothing changed for it).
    assert sorted((n["alert"], n["kind"]) for n in second) == [
        ("a_has_nulls", "resolved"),
        ("not_null_b_v", "firing"),
    ]
    outbox = query(
        project,
        f"select status from {project.schema}_sentinel.sentinel_notifications "
        "where alert_name = 'not_null_c_v'",
    )
    assert [r["status"] for r in outbox] == ["suppressed"]
