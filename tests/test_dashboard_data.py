"""What the dashboard's views are built from: noise, lineage, one alert's page.

The arithmetic of the noise view on hand-made state changes; then the same view from a
history written through the store on each warehouse (the state changes come from one
window-function query), and one alert's page with its state, SQL, lineage and silences.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.daemon.alert_page import Dag, alert_detail, lineage
from sqlsentinel_dbt.daemon.noise import FLAPPING_CHANGES, noise_report
from sqlsentinel_dbt.daemon.overview import noise_over
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, State, Status
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.history import RunRecord, StateChange
from tests.conftest import Project, drop_pg_schemas, make_project

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
OK, PENDING, FIRING, RECOVERING = State.OK, State.PENDING, State.FIRING, State.RECOVERING


def hours(n: float) -> datetime:
    return NOW - timedelta(hours=n)


def test_noise_counts_firings_flaps_and_the_time_to_resolve() -> None:
    changes = [
        # "flappy"/eu: ok, firing 1 h, ok, firing 2 h (through recovering), ok: 4 changes.
        StateChange("flappy", "eu", OK, None, hours(10)),
        StateChange("flappy", "eu", FIRING, OK, hours(9)),
        StateChange("flappy", "eu", OK, FIRING, hours(8)),
        StateChange("flappy", "eu", FIRING, OK, hours(6)),
        StateChange("flappy", "eu", RECOVERING, FIRING, hours(5)),
        StateChange("flappy", "eu", OK, RECOVERING, hours(4)),
        # "slow": firing before the period began, resolved in it: no start, no duration.
        StateChange("slow", None, OK, FIRING, hours(3)),
        # "pending_only": pending, then ok: never fired.
        StateChange("pending_only", None, PENDING, OK, hours(2)),
        StateChange("pending_only", None, OK, PENDING, hours(1)),
    ]
    counts = [
        ("flappy", "firing", "sent", 2),
        ("flappy", "resolved", "sent", 2),
        ("flappy", "firing", "suppressed", 1),
        ("flappy", "firing", "digested", 1),  # told in a digest
        ("quiet", "test", "sent", 5),  # a channel test is no alert's noise
        ("digest", "digest", "sent", 3),  # a digest's message: counted by its rows
    ]
    overview = [
        {
            "name": "stuck",
            "firing_since": (NOW - timedelta(days=8)).isoformat(),
            "firing_keys": ["a"],
        },
        {"name": "fresh", "firing_since": (NOW - timedelta(days=6)).isoformat(), "firing_keys": []},
        {"name": "calm", "firing_since": None, "firing_keys": []},
    ]
    noise = noise_report(changes, counts, overview, hours(24), NOW)
    by_name = {a["name"]: a for a in noise["alerts"]}
    assert list(by_name) == ["flappy", "pending_only", "slow"]  # loudest first
    flappy = by_name["flappy"]
    assert (flappy["firings"], flappy["notifications_sent"], flappy["held_back"]) == (2, 5, 1)
    assert flappy["state_changes"] == 5 and flappy["resolved"] == 2
    assert flappy["mean_time_to_resolve_s"] == (3600 + 2 * 3600) / 2
    assert by_name["slow"]["resolved"] == 0 and by_name["slow"]["mean_time_to_resolve_s"] is None
    assert by_name["pending_only"]["firings"] == 0
    assert noise["flapping"] == [{"alert": "flappy", "key": "eu", "changes": 5}]
    assert by_name["pending_only"]["state_changes"] < FLAPPING_CHANGES
    assert [f["name"] for f in noise["long_firing"]] == ["stuck"]
    assert (noise["firings"], noise["notifications_sent"]) == (2, 5)
    assert noise["mean_time_to_resolve_s"] == 5400


def test_lineage_lists_parents_and_children_and_counts_tests() -> None:
    parents = {
        "model.p.orders": ("model.p.stg_orders", "source.p.raw.payments"),
        "model.p.stg_orders": ("seed.p.raw_orders",),
        "model.p.revenue": ("model.p.orders",),
        "test.p.not_null_orders_id.abc": ("model.p.orders",),
        "test.p.unique_orders_id.def": ("model.p.orders",),
    }
    dag = Dag.of(parents)
    assert lineage(dag, ["model.p.orders"]) == {
        "nodes": ["model.p.orders"],
        "upstream": ["model.p.stg_orders", "source.p.raw.payments"],
        "downstream": ["model.p.revenue"],
        "downstream_tests": 2,
    }
    # Two nodes: what lies between them is neither upstream nor downstream of "them".
    both = lineage(dag, ["model.p.orders", "model.p.stg_orders"])
    assert both["upstream"] == ["seed.p.raw_orders", "source.p.raw.payments"]
    assert both["downstream"] == ["model.p.revenue"]


@pytest.fixture
def shop(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    project = make_project(tmp_path_factory.mktemp("noise"), "shop", warehouse)
    yield project
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


def result(alert: str, key: str | None, state: State, at: datetime) -> AlertResult:
    status = Status.ALERT if state in (FIRING, PENDING) else Status.OK
    return AlertResult(
        alert=alert,
        status=status,
        severity=Severity.ERROR,
        key=key,
        actual_value=1.0,
        started_at=at,
        state=InstanceState(state, at, 0, Severity.ERROR),
    )


def test_the_noise_view_and_an_alert_page_from_the_warehouse(shop: Project) -> None:
    story = {  # hours ago -> state of region_revenue_low's "eu" and "us"
        50: (OK, OK),
        40: (FIRING, OK),
        30: (OK, OK),
        20: (FIRING, OK),
        10: (OK, OK),
    }
    with Sentinel.open(shop.args, clock=lambda: NOW) as sentinel:
        store = sentinel.stores.history
        store.ensure()
        for n, (eu, us) in story.items():
            record = RunRecord(f"r{n}", f"i{n}", "shop", "ci")
            rows = [result("region_revenue_low", "eu", eu, hours(n))]
            rows += [result("region_revenue_low", "us", us, hours(n))]
            rows += [result("revenue_below_target", None, FIRING, hours(n))]
            store.append(record, rows, ensure=False)
        # A row with no state (an error) between two firings is no change of state.
        errored = AlertResult("revenue_below_target", Status.ERROR, Severity.ERROR, error="boom")
        store.append(RunRecord("r5", "i5", "shop", "ci"), [errored], ensure=False)
        store.append(
            RunRecord("r1", "i1", "shop", "ci"),
            [result("revenue_below_target", None, FIRING, hours(1))],
            ensure=False,
        )
        changes = sentinel.state_changes(hours(45))
        # Looking back no further than the period: eu's first row there has no state before.
        windowed = sentinel.state_changes(hours(45), look_back_from=hours(45))
        newest_two = sentinel.history(None, None, None, per_alert=2)
        noise = noise_over(sentinel, 2)
        page = alert_detail(sentinel, "region_revenue_low")
        missing = alert_detail(sentinel, "no_such_alert")
    eu = [(c.previous, c.state) for c in changes if c.key == "eu"]
    assert eu == [(OK, FIRING), (FIRING, OK), (OK, FIRING), (FIRING, OK)]
    assert not [c for c in changes if c.key == "us" or c.alert == "revenue_below_target"]
    assert next((c.previous, c.state) for c in windowed if c.key == "eu") == (None, FIRING)
    per_alert = [r["alert_name"] for r in newest_two]
    assert sorted(per_alert) == ["region_revenue_low"] * 2 + ["revenue_below_target"] * 2
    loud = {a["name"]: a for a in noise["alerts"]}
    assert loud["region_revenue_low"]["firings"] == 2
    assert loud["region_revenue_low"]["mean_time_to_resolve_s"] == 10 * 3600
    assert noise["days"] == 2 and noise["flapping"] == [
        {"alert": "region_revenue_low", "key": "eu", "changes": 4}
    ]

    assert page is not None and missing is None
    assert page["kind"] == "alert" and "region" in page["sql"]
    assert page["nodes"] == ["model.shop.region_revenue"]
    assert page["upstream"] == ["model.shop.stg_orders"]
    assert page["now"]["state"] == "ok" and page["now"]["instances"] == 2
    assert page["declared_in"] == "alerts/shop.yml"


def test_secrets_are_masked_as_values_so_the_report_data_stays_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Masked before serializing: a secret JSON would escape is still found, and one that
    looks like part of a number cannot break the document."""
    from fastapi.responses import Response

    from sqlsentinel_dbt.daemon.app import MaskedJSON
    from sqlsentinel_dbt.daemon.page import json_for_script
    from sqlsentinel_dbt.redact import redact_values

    monkeypatch.setenv("DBT_ENV_SECRET_PW", 'p&ss<w"rd\\')
    monkeypatch.setenv("DBT_ENV_SECRET_PORT", "5432")
    data = {"error": 'login failed for p&ss<w"rd\\', "value": 154321.0, 'p&ss<w"rd\\': [1]}
    masked = {"error": "login failed for ***", "value": 154321.0, "***": [1]}
    text = json_for_script(redact_values(data))
    assert json.loads(text) == masked and "p&ss" not in text and "\\u0026" not in text
    served: Response = MaskedJSON(data)
    assert json.loads(served.body) == masked
