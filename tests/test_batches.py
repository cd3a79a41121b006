"""Batched evaluation: many alerts in one statement, with the results of one query each.

The same plans run twice on a real warehouse, one query per alert and then in batches,
and every result must be the same, broken alerts and odd shapes included: keyed rows,
dates and timestamps in keys and context, numbers, a CTE with a final semicolon and a
comment, no rows, too many rows, failing-rows counts, anomaly series, broken SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.dbt import CompiledQuery, DbtArgs, dbt_build
from sqlsentinel_dbt.engine.batches import (
    MAX_STATEMENT_CHARS,
    batch_size_for,
    batches_of,
    rows_from_json,
)
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.engine.runner import run_planned
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import FIXTURES, Project, ShopVariant, make_project
from tests.fake_bigquery import PROJECT, fake_bigquery, profile_output
from tests.query_log import DuckDBQueryLog
from tests.test_anomaly_alerts import ALERTS as ANOMALY_ALERTS
from tests.test_anomaly_alerts import NOW, daily_orders
from tests.test_timeout import SLOW

BATCHED = """\
  - name: batch_keyed_with_moments
    key_columns: [region, since]
    query: |
      select region, cast('2024-01-01 10:00:00' as timestamp) as since,
             case when sum(amount) > 100 then 'ALERT' else 'OK' end as status,
             sum(amount) as actual_value, 100 as threshold,
             cast('2024-01-02' as date) as as_of, count(*) as orders,
             'it''s "quoted" \\\\ {not json}' as note, cast(null as varchar) as nothing
      from {{ ref('stg_orders') }} group by region
  - name: batch_cte_semicolon
    query: |
      with totals as (select count(*) as n from {{ ref('stg_orders') }})
      select case when n > 1000 then 'ALERT' else 'OK' end as status, n as actual_value
      from totals; -- a final note
  - name: batch_no_rows
    query: "select 'OK' as status from {{ ref('stg_orders') }} where 1 = 0"
  - name: batch_no_rows_fire
    on_no_data: alert
    query: "select 'OK' as status from {{ ref('stg_orders') }} where 1 = 0"
  - name: batch_no_rows_no_status
    query: "select 1 as n from {{ ref('stg_orders') }} where 1 = 0"
  - name: batch_too_many
    max_instances: 2
    query: "select order_id as key, 'OK' as status from {{ ref('stg_orders') }}"
  - name: batch_failing_rows
    mode: failing_rows
    query: "select * from {{ ref('stg_orders') }} where amount > 100"
  - name: batch_other_timeout
    timeout: 120
    query: "select 'WARN' as status, 1.25 as actual_value, true as flag"
"""


def batch_files() -> dict[str, str]:
    return {
        "seeds/daily_orders.csv": daily_orders(),
        "alerts/batches.yml": "alerts:\n" + BATCHED + ANOMALY_ALERTS.removeprefix("alerts:\n"),
    }


@pytest.fixture
def project(shop_variant: ShopVariant) -> Project:
    return shop_variant("batches", batch_files())


def comparable(results: Sequence[AlertResult]) -> list[AlertResult]:
    """Results with what differs between any two runs left out: timings, and the order of
    an alert's rows, which a query without ORDER BY does not fix."""
    return sorted((replace(r, duration_ms=0) for r in results), key=lambda r: (r.alert, str(r.key)))


def run_both_ways(project: Project, schema: str) -> tuple[list[AlertResult], list[AlertResult]]:
    """The shop's alerts and these, one query each, then in batches of up to 100."""
    args = DbtArgs(
        project_dir=str(project.root),
        profiles_dir=str(project.root),
        vars=f"{{sqlsentinel_schema: {schema}, revenue_target: 100}}",
    )
    with Sentinel.open(args, clock=lambda: NOW) as sentinel:
        plans = sentinel.plan()
        warehouse = sentinel.project.warehouse

        def run(batch_size: int) -> list[AlertResult]:
            return run_planned(
                plans,
                warehouse,
                threads=4,
                now=NOW,
                past_values=sentinel.stores.history.values_since,
                batch_size=batch_size,
            )

        return run(1), run(100)


def test_batches_give_the_results_of_one_query_per_alert(
    project: Project, sentinel_schema: str
) -> None:
    alone, batched = run_both_ways(project, sentinel_schema)
    assert comparable(batched) == comparable(alone)
    by_name = {r.alert: r for r in alone}
    # The comparison covers each kind of outcome, not just a run where everything is OK.
    assert by_name["broken_sql"].status is Status.ERROR
    assert "no `status` column" in (by_name["batch_no_rows_no_status"].error or "")
    assert "more than max_instances=2" in (by_name["batch_too_many"].error or "")
    assert by_name["batch_no_rows_fire"].status is Status.ALERT
    failing = by_name["batch_failing_rows"]
    assert failing.status is Status.ALERT and (failing.actual_value or 0) >= 1
    assert by_name["batch_other_timeout"].severity.value == "warn"
    keyed = [r for r in alone if r.alert == "batch_keyed_with_moments"]
    assert {r.key for r in keyed} >= {"region=eu, since=2024-01-01T10:00:00"}
    assert keyed[0].context["as_of"] == "2024-01-02"
    assert keyed[0].context["note"] == 'it\'s "quoted" \\\\ {not json}'
    assert "nothing" in keyed[0].context and keyed[0].context["nothing"] is None
    south = next(r for r in alone if r.alert == "orders_anomaly" and r.key == "south")
    assert south.status is Status.ALERT


def test_a_batch_sends_one_statement_for_its_alerts(tmp_path: Path) -> None:
    """Counted in DuckDB's own log of the statements it ran."""
    project = make_project(tmp_path, "shop", "duckdb")
    dbt_build(project.args)
    args = DbtArgs(str(project.root), str(project.root), vars="{revenue_target: 100}")
    with Sentinel.open(args) as sentinel:
        plans = sentinel.plan(["orders_present", "revenue_below_target", "env_limit"])
        log = DuckDBQueryLog(sentinel.project.warehouse)
        log.start()
        results = run_planned(plans, sentinel.project.warehouse, threads=4, batch_size=100)
        sent = [s for s in log.statements() if not s.control]
    assert [r.status for r in results] == [Status.OK, Status.OK, Status.OK]
    assert len(sent) == 1 and sent[0].sql.count("union all") == 2


def test_a_batch_past_its_timeout_leaves_each_alert_to_its_own(
    shop: Project, sentinel_schema: str, tmp_path: Path
) -> None:
    """One slow alert makes its batch time out; run alone, it times out and the rest pass."""
    args = DbtArgs(
        project_dir=str(shop.root),
        profiles_dir=str(shop.root),
        vars=f"{{sqlsentinel_schema: {sentinel_schema}, revenue_target: 100}}",
    )
    with Sentinel.open(args) as sentinel:
        fast = [altered(p, timeout=1.0) for p in sentinel.plan(["orders_present", "env_limit"])]
        slow_sql = f"select 'OK' as status from ({SLOW[shop.warehouse]}) as s"
        slow = altered(fast[0], timeout=1.0, name="slow_one", sql=slow_sql)
        results = run_planned([slow, *fast], sentinel.project.warehouse, threads=4, batch_size=10)
    by_name = {r.alert: r for r in results}
    assert by_name["slow_one"].status is Status.ERROR
    assert "cancelled after the 1s timeout" in (by_name["slow_one"].error or "")
    assert by_name["orders_present"].status is Status.OK
    assert by_name["env_limit"].status is Status.OK


def altered(
    plan: PlannedAlert, *, timeout: float, name: str | None = None, sql: str | None = None
) -> PlannedAlert:
    """`plan` with another timeout (and name and compiled SQL, if given)."""
    alert = plan.declared.alert.model_copy(
        update={"timeout": timeout, "name": name or plan.declared.alert.name}
    )
    assert plan.compiled is not None
    compiled = replace(plan.compiled, sql=sql or plan.compiled.sql)
    return replace(plan, declared=replace(plan.declared, alert=alert), compiled=compiled)


def test_on_the_bigquery_stand_in_batches_agree_and_send_fewer_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt-bigquery's real client; the stand-in answers from DuckDB, so the data counts."""
    database = duckdb.connect()
    database.execute(f"attach ':memory:' as \"{PROJECT}\"")
    database.execute(f'create schema "{PROJECT}".analytics')
    database.execute(
        f'create table "{PROJECT}".analytics.orders as select * from (values '
        "(1, 'eu', 120.0, 'completed'), (2, 'eu', 80.5, 'completed'), "
        "(3, 'us', 40.0, 'refunded')) as t(order_id, region, amount, status)"
    )
    with fake_bigquery(answer_with=database) as fake:
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", fake.url)
        root = tmp_path / "bq"
        (root / "alerts").mkdir(parents=True)
        (root / "dbt_project.yml").write_text(
            (FIXTURES / "bigquery" / "dbt_project.yml").read_text()
        )
        (root / "alerts" / "many.yml").write_text(yaml.safe_dump({"alerts": BIGQUERY_ALERTS}))
        output = profile_output(fake, 4)
        (root / "profiles.yml").write_text(
            yaml.safe_dump({"bq_shop": {"target": "fake", "outputs": {"fake": output}}})
        )
        args = DbtArgs(project_dir=str(root), profiles_dir=str(root))
        with Sentinel.open(args) as sentinel:
            plans = sentinel.plan()
            warehouse = sentinel.project.warehouse
            assert batch_size_for(warehouse.adapter_type, None) == 100
            before = len(fake.queries)
            alone = run_planned(plans, warehouse, threads=4, now=NOW)
            one_each = len(fake.queries) - before
            before = len(fake.queries)
            batched = run_planned(plans, warehouse, threads=4, now=NOW, batch_size=100)
            jobs = len(fake.queries) - before
    # Refused: the broken alert, once alone in each run; nothing else.
    refused = [sql for sql, _ in fake.refused]
    assert len(refused) == 2 and all("no_such_column" in sql for sql in refused)
    assert comparable(batched) == comparable(alone)
    assert one_each == len(BIGQUERY_ALERTS)
    # One job for the batch of four; one for the alert whose part of it returned no rows,
    # as its columns can only be judged alone; one for the broken alert, alone in its
    # timeout.
    assert jobs == 3
    statuses = {r.alert: r.status for r in alone}
    assert statuses["bq_eu_revenue_high"] is Status.ALERT
    assert statuses["bq_broken"] is Status.ERROR


BIGQUERY_ALERTS = [
    {
        "name": f"bq_region_{region}",
        "key_columns": ["region"],
        "query": (
            "select region, case when sum(amount) > 100 then 'ALERT' else 'OK' end as status, "
            "sum(amount) as actual_value, count(*) as orders "
            f"from `{PROJECT}`.analytics.orders where region = '{region}' group by region"
        ),
    }
    for region in ("eu", "us", "apac")
] + [
    {
        "name": "bq_eu_revenue_high",
        "query": (
            "select case when sum(amount) > 100 then 'ALERT' else 'OK' end as status, "
            f"sum(amount) as actual_value, 100 as threshold from `{PROJECT}`.analytics.orders "
            "where region = 'eu'"
        ),
    },
    {
        "name": "bq_broken",
        "timeout": 60,
        "query": f"select no_such_column as status from `{PROJECT}`.analytics.orders",
    },
]


def planned(name: str, timeout: float = 300.0, sql: str = "select 'OK' as status") -> PlannedAlert:
    alert = Alert(name=name, query=sql, timeout=timeout)
    return PlannedAlert(DeclaredAlert(alert, "alerts/a.yml"), CompiledQuery(sql, frozenset()))


def test_batches_share_a_timeout_keep_their_order_and_stay_under_the_size_limits() -> None:
    plans = [planned(f"a{i}", timeout=60 if i % 3 == 0 else 300) for i in range(10)]
    shape = lambda plan: (plan.compiled.sql, 1)  # noqa: E731
    batches = batches_of(plans, 3, shape)
    assert sorted([p.name for p in b.plans] for b in batches) == [
        ["a0", "a3", "a6"],
        ["a1", "a2", "a4"],
        ["a5", "a7", "a8"],
    ]  # a9, the last of 60 s, is left alone: it runs alone, in no batch
    assert {b.timeout for b in batches} == {60, 300}
    long_sql = "select 'OK' as status -- " + "x" * (MAX_STATEMENT_CHARS // 3)
    big = [planned(f"b{i}", sql=long_sql) for i in range(3)]
    assert [len(b.plans) for b in batches_of(big, 100, shape)] == [2]


def test_rows_read_back_from_json_are_typed_as_the_driver_types_them() -> None:
    result = rows_from_json(
        [
            '{"status":"OK","at":"2024-01-01 10:00:00","on":"2024-01-02",'
            '"tz":"2024-01-01T10:00:00Z",'
            '"n":1.5,"text":"not 2024-01-01 a date","nested":{"a":[1,2]}}'
        ]
    )
    assert result.columns == ["status", "at", "on", "tz", "n", "text", "nested"]
    [row] = result.rows
    assert row[1] == datetime(2024, 1, 1, 10)
    assert row[2] == date(2024, 1, 2)
    assert row[3] == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert row[4:] == (1.5, "not 2024-01-01 a date", {"a": [1, 2]})
    with pytest.raises(ValueError, match="twice"):
        rows_from_json(['{"a":1,"a":2}'])
    with pytest.raises(ValueError, match="differ"):
        rows_from_json(['{"a":1}', '{"b":1}'])


def test_the_adapter_decides_the_default_and_the_setting_overrides_it() -> None:
    assert batch_size_for("bigquery", None) == 100
    assert batch_size_for("snowflake", None) == 100
    assert batch_size_for("postgres", None) == 1
    assert batch_size_for("duckdb", 50) == 50
    assert batch_size_for("bigquery", 1) == 1
