"""Monitors in a node's meta: anomaly alerts without SQL, compiled for each warehouse.

A seed of events over the last 70 days, with its monitors in its properties: the day
before yesterday half its amounts are NULL, and yesterday no row arrived at all. The
series come from the events' own timestamps, so the first run already judges them.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from sqlsentinel_dbt.config.monitors import MonitorProblem, expand
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.result import Status
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project, ShopVariant, cli
from tests.daemon_kit import release_warehouse, running_daemon

ROOT = Path(__file__).resolve().parent.parent

# The warehouse's clock bounds what a monitor reads (the last weeks); the run's clock says
# which days are judged: fixed at this morning, so the test reads the same at any hour.
TODAY = datetime.now(UTC).date()
NOW = datetime.combine(TODAY, time(6, 30), tzinfo=UTC)

DOCUMENTED = re.findall(
    r"```yaml\n# seeds/events.yml[^\n]*\n(.*?)```",
    (ROOT / "docs" / "anomalies.md").read_text(),
    re.S,
)[0]
"""The monitors of docs/anomalies.md, and one that cannot be an alert."""
MONITORS = (
    DOCUMENTED
    + """\
            - volume: {where: "amount > 0"}
              name: events_without_a_timestamp
"""
)


def events() -> str:
    rng = random.Random(7)
    lines = ["id,created_at,amount"]
    for back in range(2, 70):  # none yesterday
        day = TODAY - timedelta(days=back)
        for number in range(rng.randint(18, 22)):
            at = datetime.combine(day, time(8)) + timedelta(minutes=31 * number)
            empty = back == 2 and number % 2 == 0
            amount = "" if empty else f"{rng.uniform(10, 30):.2f}"
            lines.append(f"{len(lines)},{at:%Y-%m-%d %H:%M:%S},{amount}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(shop_variant: ShopVariant) -> Project:
    files = {"seeds/events.csv": events(), "seeds/events.yml": MONITORS}
    return shop_variant(f"monitors_{TODAY:%Y%m%d}", files)


def run(project: Project, schema: str, select: str) -> dict[tuple[str, str | None], Any]:
    args = DbtArgs(str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {schema}}}")
    with Sentinel.open(args, clock=lambda: NOW) as sentinel:
        report = sentinel.run(select=[select])
    return {(r.alert, r.key): r for r in report.results}


def test_meta_monitors_expand_into_judged_anomaly_alerts(
    project: Project, sentinel_schema: str
) -> None:
    results = run(project, sentinel_schema, "events")  # the alerts of the node
    assert set(results) == {
        ("events__volume", None),
        ("events__freshness", None),
        ("events__amount__metrics", "null_rate"),
        ("events__amount__metrics", "avg"),
        ("events_without_a_timestamp", None),
    }
    volume = results[("events__volume", None)]
    assert volume.status is Status.ALERT  # no row yesterday: a drop to 0
    assert volume.actual_value == 0
    assert volume.context["bucket"] == f"{TODAY - timedelta(days=1)}T00:00:00"
    assert 17 < volume.context["expected"] < 23
    # Rows arrive each day until about 18:30: at midnight the newest is some 6 hours old.
    # Yesterday none arrived, so at its end the newest was some 30 hours old.
    late = results[("events__freshness", None)]
    assert late.status is Status.ALERT and late.context["unit"] == "seconds since the newest row"
    assert late.context["bucket"] == f"{TODAY - timedelta(days=1)}T00:00:00"
    assert 28 * 3600 < (late.actual_value or 0) < 32 * 3600
    assert 4 * 3600 < late.context["expected"] < 8 * 3600
    nulls = results[("events__amount__metrics", "null_rate")]
    assert nulls.status is Status.ALERT and nulls.severity.value == "warn"
    assert nulls.context["bucket"] == f"{TODAY - timedelta(days=2)}T00:00:00"
    assert nulls.actual_value is not None and 0.4 < nulls.actual_value < 0.6
    assert results[("events__amount__metrics", "avg")].status is Status.OK
    broken = results[("events_without_a_timestamp", None)]
    assert broken.status is Status.ERROR
    assert broken.error is not None
    assert "(meta of seed.shop.events): monitor 4: monitor volume: timestamp: Field required" in (
        broken.error
    )


def test_a_monitor_reads_its_own_node_and_keeps_the_alert_fields() -> None:
    source = expand(
        {"volume": {"timestamp": "loaded_at"}, "owner": "crm"}, "source.shop.crm.raw_customers"
    )
    assert source["name"] == "crm__raw_customers__volume" and source["owner"] == "crm"
    assert source["query"].startswith(
        '{{ sqlsentinel.volume_monitor_sql(source("crm", "raw_customers"), '
        '"loaded_at", "day", 61, none)'
    )
    assert source["anomaly"] == {"missing_buckets": "zero"}
    assert source["on_no_data"] == "alert"  # an empty table is what a volume monitor is for
    versioned = expand(
        {
            "column_metrics": {"column": "amount", "timestamp": "ts"},
            "anomaly": {"time_bucket": "hour"},
        },
        "model.shop.orders.v2",
    )
    assert versioned["name"] == "orders__amount__metrics"
    assert 'ref("shop", "orders", v=2)' in versioned["query"]
    assert (
        '"hour", 31, none, "amount", '
        '["null_rate", "zero_rate", "distinct_count", "min", "max", "avg"]' in versioned["query"]
    )
    assert versioned["anomaly"] == {"time_bucket": "hour"}


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ("volume", "a monitor is a mapping"),
        ({"volume": {"timestamp": "t"}, "freshnes": {}}, None),
        ({"volume": {"timestamp": "t"}, "column_metrics": {}}, "a monitor names one of"),
        ({"name": "x"}, "a monitor names one of volume, freshness, column_metrics; got name"),
        ({"volume": {"timestamp": "t"}, "query": "select 1"}, "a monitor writes its own `query`"),
        ({"volume": {"timestamp": "t", "bucket": "day"}}, "monitor volume: bucket: Extra inputs"),
        (
            {"volume": {"timestamp": "t"}, "anomaly": {"sensitivity": 0}},
            "monitor volume: sensitivity",
        ),
        (
            {"column_metrics": {"column": "c", "timestamp": "t", "metrics": ["avg", "avg"]}},
            "monitor column_metrics: metrics: Value error, each metric once",
        ),
        (
            {"volume": {"timestamp": "t"}, "anomaly": {"detection_period": "1h"}},
            "detection_period must be at least one day",
        ),
    ],
)
def test_a_monitor_that_cannot_be_an_alert_says_why(item: object, problem: str | None) -> None:
    if problem is None:  # an unknown alert field is left to the alert's own validation
        assert "freshnes" in expand(item, "model.shop.orders")
        return
    with pytest.raises(MonitorProblem, match=re.escape(problem)):
        expand(item, "model.shop.orders")


def test_the_operation_refuses_each_monitor_by_its_alerts_name(project: Project) -> None:
    with Sentinel.open(project.args) as sentinel:
        found = sentinel.project.warehouse.run_macro("_meta_alerts")
    refused = {
        item["alert"]["name"]: item["problems"]
        for item in found
        if item["alert"]["node_id"] == "seed.shop.events"
    }
    problem = "a monitor runs with `sentinel dbt-run` or `sentinel daemon`, not `dbt run-operation`"
    assert refused == {
        name: [problem]
        for name in (
            "events__volume",
            "events__freshness",
            "events__amount__metrics",
            "events_without_a_timestamp",
        )
    }


def test_the_daemon_judges_as_the_cli_does(project: Project, sentinel_schema: str) -> None:
    """Every path: `POST /api/alerts/{name}/run` of the daemon and `sentinel dbt-run` give
    the same results for the same data and day, and the API gives the chart its expected range."""
    variables = f"{{sqlsentinel_schema: {sentinel_schema}}}"
    cli_run = cli("dbt-run", *project.flags(), "-o", "json", "--select", "events__volume",
                  "--vars", variables, "--fail-on", "never")  # fmt: skip
    assert cli_run.exit_code == 0, cli_run.stderr
    release_warehouse(project)
    with running_daemon(project, "--vars", variables) as daemon:
        ran = daemon.post("/api/alerts/events__volume/run")
        points = daemon.get("/api/alerts/events__volume/history").json()
    assert ran.status_code == 200, ran.text
    fields = ("key", "status", "actual_value", "threshold", "context")
    assert [{f: r[f] for f in fields} for r in ran.json()["results"]] == [
        {f: r[f] for f in fields} for r in cli_run.json()["results"]
    ]
    # The dashboard's chart draws each judged point's expected range as a band.
    assert any(p["lower"] is not None and p["upper"] is not None for p in points)
