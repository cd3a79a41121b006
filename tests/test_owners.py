"""Owners reach people: `group_by` owner and dbt node, routes on dbt groups, and the
`owners:` mapping of sentinel.yml."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sqlsentinel_dbt.config.channels import Route, SlackChannel
from sqlsentinel_dbt.config.files import SentinelFile
from sqlsentinel_dbt.config.loader import MetaAlerts, validate_alerts
from sqlsentinel_dbt.config.models import Alert, Severity
from sqlsentinel_dbt.config.project import load_config
from sqlsentinel_dbt.dbt import NodeRun
from sqlsentinel_dbt.engine.from_dbt import dbt_checks
from sqlsentinel_dbt.engine.notification import Kind, Notification
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.engine.state import track
from sqlsentinel_dbt.errors import ConfigError
from sqlsentinel_dbt.notify.changes import AlertAsRun, RunContext, outbox_rows
from sqlsentinel_dbt.notify.dispatch import deliver
from sqlsentinel_dbt.notify.routing import channels_for
from sqlsentinel_dbt.store.outbox import Claim, Claimed
from tests.receivers import http_receiver

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def group_keys(alert: Alert, keys: list[str | None]) -> list[str]:
    results = [AlertResult(alert.name, Status.ALERT, Severity.ERROR, key=k) for k in keys]
    tracked = track(alert, {}, results, NOW)
    context = RunContext("r1", "shop", "ci", NOW)
    rows = outbox_rows([AlertAsRun(alert)], tracked.results, [], {}, context)
    return sorted(r.notification.group_key for r in rows)


def alert(**fields: Any) -> Alert:
    return Alert.model_validate({"name": "late", "query": "q", "notify": ["chat"], **fields})


def test_group_keys_of_existing_configs_are_unchanged() -> None:
    assert group_keys(alert(), ["eu", "us"]) == ["late"]
    assert group_keys(alert(group_by=["alert", "key"]), ["eu", None]) == ["late|None", "late|eu"]


def test_owner_and_dbt_node_labels_add_them_to_the_group_key() -> None:
    owned = alert(owner="crm", group_by=["alert", "owner"])
    assert group_keys(owned, ["eu", "us"]) == ["late|owner=crm"]
    per_key = alert(owner="crm", group_by=["owner", "key"])
    assert group_keys(per_key, ["eu"]) == ["late|owner=crm|eu"]
    node = alert(meta={"dbt_node": "model.shop.orders"}, group_by=["dbt_node"])
    assert group_keys(node, [None]) == ["late|dbt_node=model.shop.orders"]
    assert group_keys(alert(group_by=["owner", "dbt_node"]), [None]) == ["late|owner=|dbt_node="]


def test_a_new_owner_starts_a_new_group_which_announces_again() -> None:
    before, after = alert(owner="crm", group_by=["owner"]), alert(owner="ops", group_by=["owner"])
    assert group_keys(before, ["eu"]) != group_keys(after, ["eu"])


def test_routes_match_on_the_dbt_group_and_the_owner() -> None:
    routes = [
        Route.model_validate({"match": {"group": "finance"}, "notify": ["finance_chat"]}),
        Route.model_validate({"match": {"owner": "crm"}, "notify": ["crm_chat"]}),
        Route.model_validate({"notify": ["catch_all"]}),
    ]
    assert channels_for(alert(meta={"dbt_group": "finance"}), routes) == ["chat", "finance_chat"]
    assert channels_for(alert(owner="crm", meta={"dbt_group": "x"}), routes) == [
        "chat",
        "crm_chat",
    ]
    assert channels_for(alert(), routes) == ["chat", "catch_all"]


def test_dbt_checks_carry_their_nodes_group() -> None:
    runs = [
        NodeRun("model.shop.orders", "orders", "model", "error", owner="Fin", group="finance"),
        NodeRun("model.shop.users", "users", "model", "success"),
    ]
    checks = {c.declared.alert.name: c.declared.alert for c in dbt_checks(runs, set())}
    assert checks["orders"].meta["dbt_group"] == "finance"
    assert checks["orders"].dbt_node == "model.shop.orders"
    assert (checks["orders"].dbt_group, checks["users"].dbt_group) == ("finance", None)
    assert "dbt_group" not in checks["users"].meta


def test_alerts_in_a_nodes_meta_get_its_group_and_node_unless_they_set_them() -> None:
    raw = [{"name": "a", "query": "q"}, {"name": "b", "query": "q", "meta": {"dbt_group": "own"}}]
    block = MetaAlerts("model.shop.orders", "models/x.yml", raw, ("t",), "finance")
    problems: list[str] = []
    declared = {d.alert.name: d.alert for d in validate_alerts([], [block], problems)}
    assert problems == []
    assert (declared["a"].dbt_group, declared["b"].dbt_group) == ("finance", "own")
    plain = MetaAlerts("model.shop.orders", "models/x.yml", raw[:1])
    [only] = validate_alerts([], [plain], problems)
    assert only.alert.meta == {"dbt_node": "model.shop.orders"}  # no group; its node
    elsewhere = [{"name": "c", "query": "q", "meta": {"dbt_node": "model.shop.users"}}]
    [own] = validate_alerts([], [MetaAlerts("model.shop.orders", "models/x.yml", elsewhere)], [])
    assert own.alert.dbt_node == "model.shop.users"


def test_a_wrong_owners_mapping_is_named_field_by_field(tmp_path: Path) -> None:
    (tmp_path / "sentinel.yml").write_text(
        "owners:\n"
        "  crm:\n"
        "    slack: ['@jane']\n"
        "    teams: [{name: Jane, id: nope, mail: x}]\n"
        "    email: [jane]\n"
        "    phone: [1]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert sorted(caught.value.problems) == [
        "sentinel.yml: field 'owners.crm.email': 'jane' is not an email address (name@example.com)",
        "sentinel.yml: field 'owners.crm.slack': '@jane' is not a Slack id: write a user id "
        "(U0123ABCD, W0123ABCD) or a user-group id (S0123ABCD), not a name or @handle",
        "sentinel.yml: field 'owners.crm.teams.0.id': 'nope' is neither an Azure AD object "
        "id (00000000-0000-0000-0000-000000000000) nor a UPN (name@example.com) (got 'nope')",
        "sentinel.yml: unknown field 'owners.crm.phone' Allowed: slack, teams, email",
        "sentinel.yml: unknown field 'owners.crm.teams.0.mail' Allowed: name, id",
    ]


class StandInOutbox:
    """The part of the outbox `deliver` uses: one claim of `due`, settlements recorded."""

    def __init__(self, due: list[Notification]) -> None:
        self._due = [Claimed(n, 0, NOW) for n in due]
        self.settled: list[tuple[list[str], bool]] = []

    def thread_pool(self, size: int, purpose: str = "notify") -> ThreadPoolExecutor:
        return ThreadPoolExecutor(1, thread_name_prefix=purpose)

    def claim(self, claimer: str, now: datetime, lease: float, max_age: float) -> Claim:
        due, self._due = self._due, []
        return Claim(due, [])

    def settle(self, ids: Sequence[str], claimer: str, now: datetime, **outcome: Any) -> None:
        self.settled.append((list(ids), bool(outcome["sent"])))


def test_delivery_mentions_the_owners_of_sentinel_yml() -> None:
    settings = SentinelFile.model_validate({"owners": {"crm": {"slack": ["U024BE7LH"]}}})
    due = [
        Notification(
            "n1", "chat", "late", "late", Kind.FIRING, "error", "2026-01-05", "r1", owner="crm"
        ),
        Notification("n2", "chat", "x", "x", Kind.FIRING, "error", "2026-01-05", "r1", owner="ops"),
    ]
    with http_receiver() as receiver:
        chat = SlackChannel.model_validate(
            {"name": "chat", "type": "slack", "webhook_url": receiver.url + "/hook"}
        )
        outbox = StandInOutbox(due)
        report = deliver(outbox, {"chat": chat}, settings, lambda: NOW)  # type: ignore[arg-type]
    assert (report.sent, report.failed, outbox.settled) == (2, 0, [(["n1", "n2"], True)])
    body = receiver.requests[0].json()
    assert body["text"].startswith("<@U024BE7LH> [FIRING] late")
    assert "<@" not in body["text"].split("; ", 1)[1]  # ops has no contacts


def test_meta_alerts_read_the_group_of_their_node_from_the_manifest() -> None:
    from types import SimpleNamespace

    from sqlsentinel_dbt.dbt.meta import meta_alerts

    def node(unique_id: str, group: str | None, resource_type: str = "model") -> Any:
        meta = {"sentinel": {"alerts": [{"name": unique_id.split(".")[-1], "query": "q"}]}}
        return SimpleNamespace(
            unique_id=unique_id,
            resource_type=resource_type,
            group=group,
            config=SimpleNamespace(meta=meta),
            meta=meta,
            tags=[],
            original_file_path="models/x.yml",
            patch_path=None,
        )

    manifest = SimpleNamespace(
        nodes={"a": node("model.shop.a", "finance"), "b": node("model.shop.b", None)},
        sources={"s": node("source.shop.raw.s", None, "source")},
    )
    found = {block.node_id: block.node_group for block in meta_alerts(manifest)}
    assert found == {"model.shop.a": "finance", "model.shop.b": None, "source.shop.raw.s": None}


def test_grouping_by_owner_keeps_the_dedup_rules_and_an_owner_change_announces_anew() -> None:
    from datetime import timedelta

    from sqlsentinel_dbt.engine.notification import LogEntry
    from sqlsentinel_dbt.engine.result import InstanceState
    from sqlsentinel_dbt.engine.state import Key

    history: dict[Key, InstanceState] = {}
    log: dict[tuple[str, str], LogEntry] = {}

    def step(minutes: int, owned: Alert, firing: list[str]) -> list[tuple[str, str, list[Key]]]:
        now = NOW + timedelta(minutes=minutes)
        results = [AlertResult(owned.name, Status.ALERT, Severity.ERROR, key=k) for k in firing]
        tracked = track(owned, history, results, now)
        context = RunContext(f"r{minutes}", "shop", "ci", now)
        rows = outbox_rows([AlertAsRun(owned)], tracked.results + tracked.missing, [], log, context)
        for row in rows:
            n = row.notification
            log[(n.group_key, n.channel)] = LogEntry(
                n.notification_id, row.firing_keys, row.silenced_keys, now
            )
        for result in tracked.results + tracked.missing:
            if result.state is not None:
                history[result.key] = result.state
        return [
            (r.notification.group_key, r.notification.kind.value, r.notification.new_keys)
            for r in rows
            if r.status == "queued"
        ]

    crm, ops = alert(owner="crm", group_by=["owner"]), alert(owner="ops", group_by=["owner"])
    assert step(0, crm, ["eu"]) == [("late|owner=crm", "firing", ["eu"])]
    assert step(15, crm, ["eu"]) == []  # announced already: nothing new
    assert step(30, crm, ["eu", "us"]) == [("late|owner=crm", "firing", ["us"])]
    # The new owner has been told nothing: every firing instance is new to them.
    assert step(45, ops, ["eu", "us"]) == [("late|owner=ops", "firing", ["eu", "us"])]
    assert step(60, ops, ["eu", "us"]) == []
