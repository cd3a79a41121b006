"""Jinja that reads the warehouse while it compiles works in every path; a write never runs.

The project's macros are written here in the shape of dbt_utils' `star` and
`get_column_values` (introspection through the adapter and `run_query`), and of a macro
that hides a write behind a `statement` block.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sqlsentinel_dbt.daemon.metrics import Metrics
from sqlsentinel_dbt.daemon.service import Daemon
from sqlsentinel_dbt.dbt import dbt_build
from sqlsentinel_dbt.engine.query_policy import QueryPolicy
from sqlsentinel_dbt.engine.read_only import WriteRefused
from tests.conftest import Project, cli, drop_pg_schemas, make_project
from tests.warehouse_sql import query

MACROS = """
{% macro my_star(relation, except=[]) -%}
  {%- set columns = adapter.get_columns_in_relation(relation) -%}
  {%- for column in columns if column.name not in except -%}
    {{ adapter.quote(column.name) }}{{ ", " if not loop.last }}
  {%- endfor -%}
{%- endmacro %}

{% macro my_column_values(relation, column) -%}
  {%- set query -%}
    select distinct {{ column }} as value from {{ relation }} order by 1
  {%- endset -%}
  {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}

{% macro purge(relation) -%}
  {% call statement('purge') -%} delete from {{ relation }} {%- endcall %}
{%- endmacro %}
"""

ALERTS = """
alerts:
  - name: star_columns
    tags: [introspect]
    query: |
      select 'OK' as status, {{ my_star(ref('raw_orders'), except=['amount', 'status']) }}
      from {{ ref('raw_orders') }} where order_id = 1
  - name: columns_counted
    tags: [introspect]
    query: |
      {% set columns = adapter.get_columns_in_relation(ref('raw_orders')) %}
      select 'OK' as status, {{ columns | length }} as actual_value
  - name: rows_counted_while_compiling
    tags: [introspect]
    query: |
      {% set n = run_query('select count(*) from ' ~ ref('raw_orders')).columns[0].values()[0] %}
      select 'OK' as status, {{ n }} as actual_value
  - name: regions_listed
    tags: [introspect]
    query: |
      {% set regions = my_column_values(ref('raw_orders'), 'region') %}
      select 'OK' as status, {{ regions | length }} as actual_value,
             '{{ regions | join(",") }}' as regions
  - name: creates_a_table
    tags: [writes]
    query: |
      {% do run_query('create table ' ~ target.schema ~ '.sneaky as select 1 as x') %}
      select 'OK' as status
  - name: deletes_through_a_macro
    tags: [writes]
    query: |
      {% do purge(ref('raw_orders')) %}
      select 'OK' as status
  - name: truncates_through_the_adapter
    tags: [writes]
    query: |
      {% do adapter.truncate_relation(ref('raw_orders')) %}
      select 'OK' as status
  - name: creates_a_schema
    tags: [writes]
    query: |
      {% do adapter.create_schema(api.Relation.create(database=target.database,
                                                      schema=target.schema ~ '_made')) %}
      select 'OK' as status
  - name: executes_an_insert
    tags: [writes]
    query: |
      {% do adapter.execute('insert into ' ~ ref('raw_orders') ~ ' select * from '
                            ~ ref('raw_orders')) %}
      select 'OK' as status
"""

REFUSED = {
    "creates_a_table": "CREATE",
    "deletes_through_a_macro": "DELETE",
    "truncates_through_the_adapter": "adapter.truncate_relation changes the warehouse",
    "executes_an_insert": "INSERT",
    "creates_a_schema": "adapter.create_schema changes the warehouse",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    built = make_project(tmp_path_factory.mktemp("compile_time"), "shop", warehouse)
    (built.root / "macros" / "introspection.sql").write_text(MACROS)
    (built.root / "alerts" / "compile_time.yml").write_text(ALERTS)
    dbt_build(built.args)
    yield built
    if warehouse == "postgres":
        drop_pg_schemas(built.schema)


def scalar(project: Project, sql: str) -> object:
    (row,) = query(project, sql)
    return next(iter(row.values()))


def orders(project: Project) -> int:
    return int(str(scalar(project, f'select count(*) from "{project.schema}".raw_orders')))


def table_exists(project: Project, name: str) -> bool:
    count = scalar(
        project,
        "select count(*) from information_schema.tables "
        f"where table_schema = '{project.schema}' and table_name = '{name}'",
    )
    return int(str(count)) > 0


def test_introspection_while_compiling_works_in_dbt_run(project: Project) -> None:
    result = cli("dbt-run", *project.flags(), "-o", "json", "--select", "tag:introspect")

    assert result.exit_code == 0, result.stdout + result.stderr
    by_name = {r["alert"]: r for r in result.json()["results"]}
    assert {r["status"] for r in by_name.values()} == {"OK"}
    assert by_name["columns_counted"]["actual_value"] == 5  # the seed's columns
    assert by_name["rows_counted_while_compiling"]["actual_value"] == orders(project)
    regions = scalar(project, f'select count(distinct region) from "{project.schema}".raw_orders')
    assert by_name["regions_listed"]["actual_value"] == regions
    assert by_name["regions_listed"]["context"]["regions"].count(",") == int(str(regions)) - 1
    star = by_name["star_columns"]["context"]
    assert set(star) == {"order_id", "customer_id", "region"}  # `amount`, `status` excepted


def test_compile_and_validate_run_introspection_too(project: Project) -> None:
    compiled = cli("compile", "star_columns", *project.flags())
    assert compiled.exit_code == 0, compiled.stderr
    assert '"customer_id"' in compiled.stdout and '"amount"' not in compiled.stdout

    validated = cli("validate", *project.flags())
    assert "connection never acquired" not in validated.stderr
    for name in ("star_columns", "columns_counted", "regions_listed"):
        assert name not in validated.stderr  # only failures are named
    for name in REFUSED:
        assert name in validated.stderr
    assert validated.exit_code == 1


def test_a_write_while_compiling_is_refused_never_sent_and_fails_alone(project: Project) -> None:
    before = orders(project)
    result = cli("dbt-run", *project.flags(), "-o", "json")

    assert result.exit_code == 1
    by_name = {r["alert"]: r for r in result.json()["results"]}
    for name, kind in REFUSED.items():
        assert by_name[name]["status"] == "ERROR"
        error = by_name[name]["error"]
        assert "a statement run while compiling was refused" in error, error
        assert kind in error, error
    assert by_name["columns_counted"]["status"] == "OK"  # the others still ran
    assert orders(project) == before > 0
    assert not table_exists(project, "sneaky")
    schemata = "select count(*) from information_schema.schemata where schema_name = '{}'"
    assert scalar(project, schemata.format(f"{project.schema}_made")) == 0
    history = cli("history", *project.flags(), "-o", "json", "--limit", "100").json()["history"]
    assert set(REFUSED) <= {row["alert_name"] for row in history}


def test_the_daemon_refuses_a_write_on_every_run(project: Project) -> None:
    # A daemon's threads keep their connections between runs: the write must still be
    # refused on the second run, when a connection is already there.
    daemon = Daemon(project.args, Metrics())
    try:
        for _ in range(2):
            report = daemon.run_now("creates_a_table")
            (result,) = report.results
            assert result.status.value == "ERROR"
            assert "CREATE" in (result.error or "")
        assert not table_exists(project, "sneaky")
        assert daemon.run_now("rows_counted_while_compiling").results[0].status.value == "OK"
    finally:
        daemon.sentinel.close()


FILE_READS = [
    ("select content as status from read_text('/etc/hostname')", "read_text()"),
    ("select 'ALERT' as status, * from read_csv('/etc/passwd', sep=':')", "read_csv()"),
    ("select 'ALERT' as status, * from read_csv_auto('/etc/passwd')", "read_csv_auto()"),
    ("select 'ALERT' as status, file from glob('/etc/*')", "glob()"),
    ("select 'ALERT' as status, * from '/tmp/exported.csv'", "/tmp/exported.csv"),
    ("select 'ALERT' as status, * from \"orders.parquet\"", "orders.parquet"),
    ("select 'ALERT' as status, * from read_parquet(['a.parquet'])", "read_parquet()"),
    ("select 'ALERT' as status, * from read_json_auto('x.json')", "read_json_auto()"),
    ("select 'ALERT' as status, * from query('select 1')", "query()"),
    ("select (select count(*) from read_blob('/etc/hostname')) as status", "read_blob()"),
    ("select 'ALERT' as status, * from sqlite_scan('x.db', 't')", "sqlite_scan()"),
]


@pytest.mark.parametrize(("sql", "named"), FILE_READS)
def test_duckdb_file_functions_are_refused_naming_them(sql: str, named: str) -> None:
    with pytest.raises(WriteRefused, match="reads files") as refused:
        QueryPolicy("duckdb").check_query(sql)
    assert named in str(refused.value)
    QueryPolicy("duckdb", allow_file_functions=True).check_query(sql)  # when allowed


def test_postgres_server_file_functions_are_refused() -> None:
    with pytest.raises(WriteRefused, match="pg_read_file"):
        QueryPolicy("postgres").check_query("select pg_read_file('/etc/passwd') as status")
    QueryPolicy("postgres").check_query("select 'OK' as status from read_text")  # a table


def test_ordinary_duckdb_queries_still_pass() -> None:
    policy = QueryPolicy("duckdb")
    policy.check_query('select \'OK\' as status from "warehouse"."main"."orders"')
    policy.check_query("select 'OK' as status, regexp_replace(x, '/', '') from t")


def test_file_reads_are_refused_in_runs_and_while_compiling(
    project: Project, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("marker-5f1c0e")
    reads = {
        "duckdb": f"select 'ALERT' as status, content from read_text('{secret}')",
        "postgres": "select 'ALERT' as status, pg_read_file('/etc/hostname') as content",
    }[project.warehouse]
    alerts = [
        {"name": "reads_a_file", "tags": ["files"], "query": reads},
        {
            "name": "reads_a_file_while_compiling",
            "tags": ["files"],
            "query": "{% set sql %}" + reads + "{% endset %}"
            "{% do run_query(sql) %} select 'OK' as status",
        },
    ]
    path = project.root / "alerts" / "files.yml"
    path.write_text(yaml.safe_dump({"alerts": alerts}))
    try:
        result = cli("dbt-run", *project.flags(), "-o", "json", "--select", "tag:files")
    finally:
        path.unlink()
    by_name = {r["alert"]: r for r in result.json()["results"]}
    for name in ("reads_a_file", "reads_a_file_while_compiling"):
        assert by_name[name]["status"] == "ERROR"
        assert "allow_file_functions" in by_name[name]["error"]
    assert "marker-5f1c0e" not in result.stdout
