"""`mode: anomaly` end to end: a series in the warehouse, judged per key, explained, recorded.

The shop project gets a seed of daily orders for four regions (one drops on the last
day, one has quiet weekends, one has too little history) and anomaly alerts on it; the
clock is fixed at the Monday after the last day, so the detection period is that weekend.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sqlsentinel_dbt.daemon.overview import history_points
from sqlsentinel_dbt.daemon.static_report import render_report
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.result import Status
from sqlsentinel_dbt.engine.runner import run_one
from sqlsentinel_dbt.runtime import Sentinel
from tests.browser_kit import report_data
from tests.conftest import Project, ShopVariant
from tests.receivers import Receiver, http_receiver

ROOT = Path(__file__).resolve().parent.parent

NOW = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
LAST_DAY = date(2026, 11, 29)  # a Sunday

DOCUMENTED = re.findall(
    r"```yaml\n# alerts/orders_anomaly.yml\n(.*?)```",
    (ROOT / "docs" / "anomalies.md").read_text(),
    re.S,
)[0]
QUEUE = re.findall(
    r"```yaml\n# alerts/queue.yml\n(.*?)```", (ROOT / "docs" / "anomalies.md").read_text(), re.S
)[0].removeprefix("alerts:\n")
"""The examples of docs/anomalies.md: the first alerts of the file."""
ALERTS = (
    DOCUMENTED
    + QUEUE
    + """\
  - name: orders_total_spike
    query: |
      select day as bucket, sum(orders) as actual_value
      from {{ ref('daily_orders') }} where region <> 'new' group by day
    anomaly:
      direction: spike
      seasonality: none
  - name: orders_queued
    query: |
      select 'eu' as key, {{ var('queued', 100) }} as actual_value
    anomaly: {min_training_buckets: 4, seasonality: none}
  - name: orders_not_a_series
    mode: anomaly
    query: select 1 as value
  - name: orders_twice_a_day
    mode: anomaly
    query: |
      select day as bucket, orders as actual_value from {{ ref('daily_orders') }}
"""
)


def daily_orders() -> str:
    """The seed: 70 days of orders for north (steady), south (drops on the last day),
    west (quiet weekends) and 5 days for new."""
    rng = random.Random(16)
    lines = ["region,day,orders"]
    for back in range(70):
        day = LAST_DAY - timedelta(days=back)
        weekend = day.weekday() >= 5
        north = round(1000 * (1 + rng.gauss(0, 0.03)))
        south = round(500 * (1 + rng.gauss(0, 0.03)) * (0.4 if back == 0 else 1))
        west = round((300 if weekend else 900) * (1 + rng.gauss(0, 0.03)))
        lines += [f"north,{day},{north}", f"south,{day},{south}", f"west,{day},{west}"]
        if back < 5:
            lines.append(f"new,{day},{round(50 * (1 + rng.gauss(0, 0.03)))}")
    return "\n".join(lines) + "\n"


SENTINEL_YML = """
channels:
  - name: slack
    type: slack
    webhook_url: "{{ env_var('SENTINEL_TEST_SLACK_URL') }}"
routes:
  - match: {alert: orders_anomaly}
    notify: [slack]
"""


@pytest.fixture
def project(shop_variant: ShopVariant) -> Project:
    files = {
        "seeds/daily_orders.csv": daily_orders(),
        "alerts/anomaly.yml": ALERTS,
        "sentinel.yml": SENTINEL_YML,
    }
    return shop_variant("anomaly", files)


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """Slack's incoming webhook, on 127.0.0.1."""
    with http_receiver() as running:
        monkeypatch.setenv("SENTINEL_TEST_SLACK_URL", running.url + "/slack")
        yield running


def run(project: Project, schema: str, select: str) -> dict[str | None, Any]:
    """Run one alert with the clock at NOW; its results by key."""
    args = DbtArgs(str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {schema}}}")
    with Sentinel.open(args, clock=lambda: NOW) as sentinel:
        report = sentinel.run(select=[select])
    return {r.key: r for r in report.results}


def test_each_key_is_judged_and_explained(
    project: Project, sentinel_schema: str, slack: Receiver
) -> None:
    results = run(project, sentinel_schema, "orders_anomaly")
    assert set(results) == {"north", "south", "west", "new"}
    assert {k: r.status for k, r in results.items()} == {
        "north": Status.OK,
        "south": Status.ALERT,
        "west": Status.OK,
        "new": Status.OK,
    }
    south = results["south"]
    assert south.actual_value is not None and south.actual_value < 250
    context = south.context
    assert context["bucket"] == "2026-11-29T00:00:00"
    assert context["lower"] < context["expected"] < context["upper"]
    assert 470 < context["expected"] < 530
    assert south.threshold == context["lower"]
    assert context["score"] < -3.5
    assert context["anomalous_buckets"] == ["2026-11-29T00:00:00"]
    assert context["training_buckets"] == 56
    assert context["metric"] == "orders"  # other columns of the reported row
    assert context["unit"] == "orders"
    # The notification says it in words: value, day, expected value and range.
    [request] = slack.requests
    text = json.dumps(json.loads(request.body), ensure_ascii=False)
    low, high = (f"{round(context[b]):,}" for b in ("lower", "upper"))
    expected = f"{round(context['expected']):,}"
    line = (
        f"south: {south.actual_value:,.0f} orders on Sun 2026-11-29, "
        f"expected {expected} ({low}\N{EN DASH}{high}) · metric=orders"
    )
    assert line in text, text
    # Quiet weekends are learnt: a Sunday is expected to be quiet.
    west = results["west"].context
    assert west["season"] == "a Sunday" and 250 < west["expected"] < 350
    # Too little history: OK, and why.
    assert results["new"].context == {
        "reason": "3 training buckets, fewer than min_training_buckets (7)"
    }


def test_settings_apply_and_broken_queries_fail_alone(
    project: Project, sentinel_schema: str
) -> None:
    total = run(project, sentinel_schema, "orders_total_spike")
    assert [(k, r.status) for k, r in total.items()] == [(None, Status.OK)]  # a drop, not a spike
    assert total[None].context["season"] is None
    broken = run(project, sentinel_schema, "orders_not_a_series")[None]
    assert broken.status is Status.ERROR
    assert broken.error is not None and "returns `bucket` and `actual_value`" in broken.error
    twice = run(project, sentinel_schema, "orders_twice_a_day")[None]
    assert twice.status is Status.ERROR
    assert twice.error is not None and "two rows for bucket" in twice.error


def test_the_report_draws_each_keys_expected_range_behind_its_values(
    project: Project, sentinel_schema: str
) -> None:
    args = DbtArgs(
        str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {sentinel_schema}}}"
    )
    for hours in (0, 1):  # two runs: a band needs two points
        at = NOW + timedelta(hours=hours)
        with Sentinel.open(args, clock=lambda at=at: at) as sentinel:
            sentinel.run(select=["orders_anomaly"])
    with Sentinel.open(args, clock=lambda: NOW + timedelta(hours=2)) as sentinel:
        points = history_points(sentinel.history("orders_anomaly", 50), ranged=True)
        page = render_report(sentinel)
    south = [p for p in points if p["key"] == "south"]
    assert len(south) == 2 and all(p["lower"] < p["expected"] < p["upper"] for p in south)
    assert all(p["expected"] is None for p in points if p["key"] == "new")  # not judged
    # The report's chart gets a band for each judged key (north, south, west), none for new.
    banded = {p["key"] for p in report_data(page)["history"]["orders_anomaly"] if p["lower"]}
    assert banded == {"north", "south", "west"}


def test_a_value_without_buckets_is_judged_against_its_own_history(
    project: Project, sentinel_schema: str
) -> None:
    """No `bucket` column: each run's value is the newest point of the series the alert's
    history makes, one bucket (day) each."""

    def run_on(day: int, queued: int) -> Any:
        variables = f"{{sqlsentinel_schema: {sentinel_schema}, queued: {queued}}}"
        args = DbtArgs(str(project.root), str(project.root), vars=variables)
        at = NOW + timedelta(days=day)
        with Sentinel.open(args, clock=lambda: at) as sentinel:
            [result] = sentinel.run(select=["orders_queued"]).results
        return result

    documented = run(project, sentinel_schema, "orders_in_the_queue")  # docs/anomalies.md
    assert documented["eu"].actual_value == 7  # the shop's orders
    assert documented["eu"].context["reason"].startswith("0 training buckets")
    first = run_on(0, 100)
    assert first.status is Status.OK
    assert first.context == {"reason": "0 training buckets, fewer than min_training_buckets (4)"}
    for day, queued in enumerate((104, 97, 101, 99), start=1):
        assert run_on(day, queued).status is Status.OK
    spike = run_on(5, 300)
    assert spike.status is Status.ALERT, (spike.actual_value, spike.context)
    assert spike.key == "eu" and spike.actual_value == 300
    assert spike.context["bucket"] == f"{(NOW + timedelta(days=5)).date()}T00:00:00"
    assert spike.context["training_buckets"] == 5
    assert 97 <= spike.context["expected"] <= 104


def test_a_failure_while_judging_fails_that_alert_alone(
    project: Project, sentinel_schema: str
) -> None:
    """Reading an anomaly's past (or anything while judging) may fail: that alert is an
    ERROR that says why, and the run goes on."""

    def history_is_down(alert: str, since: datetime) -> list[tuple[str | None, datetime, float]]:
        raise RuntimeError(f"history of {alert} is down")

    args = DbtArgs(
        str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {sentinel_schema}}}"
    )
    with Sentinel.open(args, clock=lambda: NOW) as sentinel:
        plans = {p.name: p for p in sentinel.plan(["orders_queued", "orders_anomaly"])}
        warehouse = sentinel.project.warehouse
        [failed] = run_one(plans["orders_queued"], warehouse, NOW, history_is_down)
        judged = run_one(plans["orders_anomaly"], warehouse, NOW, history_is_down)
    assert failed.status is Status.ERROR
    assert failed.error == "RuntimeError: history of orders_queued is down"
    assert {r.key for r in judged} == {"north", "south", "west", "new"}  # no past needed
