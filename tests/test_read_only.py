"""Alert queries must only read: anything else is refused before it reaches the warehouse."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import psycopg2
import pytest

from sqlsentinel_dbt.dbt import dbt_build
from sqlsentinel_dbt.engine.read_only import WriteRefused, check_read_only
from tests.conftest import PG, Project, cli, drop_pg_schemas, make_project

READS = [
    ("postgres", "select 1 as status"),
    ("postgres", "with t as (select 1 as x) select 'OK' as status from t"),
    ("postgres", "select 'OK' as status union all select 'ALERT'"),
    ("postgres", "(select 'OK' as status)"),
    ("postgres", "select 'OK' as status; "),  # one statement, a trailing semicolon
    ("postgres", "select 'OK' as status -- ; drop table orders"),
    ("duckdb", "from orders select 'OK' as status"),
    ("bigquery", "select 'OK' as status from `project.dataset.orders`"),
    ("snowflake", "select 'OK' as status from orders qualify row_number() over (order by 1) = 1"),
]
WRITES = [
    ("postgres", "delete from orders", "DELETE"),
    ("postgres", "update orders set amount = 0", "UPDATE"),
    ("postgres", "insert into orders select * from orders", "INSERT"),
    ("postgres", "merge into o using s on o.id = s.id when matched then delete", "MERGE"),
    ("postgres", "create table copy as select * from orders", "CREATE"),
    ("postgres", "drop table orders", "DROP"),
    ("postgres", "alter table orders add column x int", "ALTER"),
    ("postgres", "truncate orders", "TRUNCATE"),
    ("postgres", "copy orders to '/tmp/orders.csv'", "COPY"),
    ("duckdb", "copy orders to 'orders.csv'", "COPY"),
    ("postgres", "grant select on orders to public", "GRANT"),
    ("postgres", "call cleanup()", "CALL"),
    ("postgres", "select 'OK' as status; delete from orders", "2 statements"),
    ("postgres", "with gone as (delete from orders returning *) select * from gone", "DELETE"),
    ("postgres", "select * into orders_copy from orders", "INTO"),
    ("postgres", "", "empty"),
    ("postgres", "select 'unterminated", "could not parse"),
]


@pytest.mark.parametrize(("dialect", "sql"), READS)
def test_read_queries_pass(dialect: str, sql: str) -> None:
    check_read_only(sql, dialect)


@pytest.mark.parametrize(("dialect", "sql", "said"), WRITES)
def test_anything_else_is_refused_with_the_reason(dialect: str, sql: str, said: str) -> None:
    with pytest.raises(WriteRefused, match=said):
        check_read_only(sql, dialect)


REFUSED_ALERTS = """
alerts:
  - name: wipes_orders
    tags: [refusal]
    query: "delete from {{ ref('raw_orders') }}"
  - name: hides_a_delete
    tags: [refusal]
    query: |
      with gone as (delete from {{ ref('raw_orders') }} returning *)
      select 'OK' as status from gone
  - name: then_drops
    tags: [refusal]
    query: "select 'OK' as status; drop table {{ ref('raw_orders') }}"
  - name: still_reads
    tags: [refusal]
    query: |
      select case when count(*) > 0 then 'OK' else 'ALERT' end as status,
             count(*) as actual_value
      from {{ ref('raw_orders') }}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    built = make_project(tmp_path_factory.mktemp("read_only"), "shop", warehouse)
    (built.root / "alerts" / "refused.yml").write_text(REFUSED_ALERTS)
    dbt_build(built.args)
    yield built
    if warehouse == "postgres":
        drop_pg_schemas(built.schema)


def raw_orders(project: Project) -> int:
    if project.warehouse == "duckdb":
        with duckdb.connect(str(project.root / "warehouse.duckdb")) as conn:
            row = conn.execute(f"select count(*) from {project.schema}.raw_orders").fetchone()
    else:
        with psycopg2.connect(**PG) as conn, conn.cursor() as cur:
            cur.execute(f'select count(*) from "{project.schema}".raw_orders')
            row = cur.fetchone()
    assert row is not None
    return int(row[0])


def test_a_writing_alert_fails_alone_and_the_table_is_intact(project: Project) -> None:
    before = raw_orders(project)
    result = cli("dbt-run", *project.flags(), "-o", "json", "--select", "tag:refusal")

    assert result.exit_code == 1  # errors fail the run
    by_name = {r["alert"]: r for r in result.json()["results"]}
    assert by_name["still_reads"]["status"] == "OK"
    assert by_name["still_reads"]["actual_value"] == before
    for name, kind in [("wipes_orders", "DELETE"), ("hides_a_delete", "DELETE")]:
        assert by_name[name]["status"] == "ERROR"
        assert f"refused: the query contains {kind}" in by_name[name]["error"] or (
            f"refused: {kind} is not a read query" in by_name[name]["error"]
        )
    assert "2 statements" in by_name["then_drops"]["error"]
    assert raw_orders(project) == before > 0

    history = cli("history", *project.flags(), "-o", "json", "--limit", "20").json()["history"]
    assert {row["alert_name"] for row in history} == set(by_name)  # every result recorded
