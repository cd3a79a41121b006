"""The `record_dbt_results` on-run-end hook records what `--from-artifacts` records.

The checks project is built with the hook (the build fails: the hook still runs), its
sources are checked (the hook runs again), and `sentinel dbt-run --from-artifacts` records
the same build into a history of its own: instance by instance they must agree. Then
`sentinel notify` delivers the hook's failures once (docs/dbt_results.md, docs/dbt_cloud.md).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from sqlsentinel_dbt.notify.pending import _batches
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.runtime.sentinel import _CELL, _FAILING_ROWS
from sqlsentinel_dbt.store.outbox import PendingDecision
from tests.conftest import Project, drop_pg_schemas, make_project
from tests.integration_runner import run_steps
from tests.receivers import Receiver, http_receiver
from tests.warehouse_sql import execute, query

REPO = Path(__file__).resolve().parents[1]
# A meta alert, for the hook's `run_alerts=true` to evaluate.
META_ALERT = """\
models:
  - name: negative_orders
    config:
      meta:
        sentinel:
          alerts:
            - name: negative_amounts_meta
              query: |
                {% raw %}
                select case when count(*) > 0 then 'ALERT' else 'OK' end as status,
                       count(*) as actual_value
                from {{ ref('negative_orders') }}
                {% endraw %}
            - name: meta_alert_without_status
              query: select 1 as n
            - name: meta_alert_ok
              query: select 'OK' as status
"""
# A warning test that stores more failing rows than a sample keeps, of every kind of value
# a sample shows: integers, floats, decimals, text too long to keep, timestamps, dates,
# booleans and NULL.
SAMPLED_TEST = """\
{{ config(store_failures=true, severity='warn') }}
select o.id, o.amount, cast(o.amount as double precision) as amount_float,
       cast(o.amount as decimal(10, 2)) as amount_decimal, o.status,
       repeat('x', 250) as long_text, o.loaded_at, cast(o.loaded_at as date) as loaded_on,
       o.amount < 0 as negative, cast(null as integer) as nothing, g.n
from {{ ref('raw_orders') }} as o
cross join generate_series(1, 3) as g(n)
"""
# The hook again, evaluating only the meta alerts `select` picks and `exclude` leaves, after
# a hook that drops the failures sampled_failing_rows has just stored.
SELECTING_HOOKS = [
    "drop table if exists {{ target.schema }}_dbt_test__audit.sampled_failing_rows",
    "{{ sqlsentinel.record_dbt_results(results, run_alerts=true,"
    " select='negative_amounts_meta meta_alert_ok', exclude='meta_alert_ok') }}",
]
CHANNELS = """\
channels:
  - name: hook
    type: webhook
    url: "{{ env_var('SENTINEL_HOOK_TEST_URL') }}/hook"
  - name: finance
    type: webhook
    url: "{{ env_var('SENTINEL_HOOK_TEST_URL') }}/finance"
routes:
  - match: {group: finance}
    notify: [finance]
    continue: true
  - notify: [hook]
"""
COMPARED = ("alert_name", "status", "severity", "actual_value", "threshold", "state", "error")


def documented_hook() -> dict[str, Any]:
    """The `on-run-end` setting of docs/dbt_cloud.md."""
    page = (REPO / "docs" / "dbt_cloud.md").read_text()
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", page, re.S) if "on-run-end" in b]
    return dict(yaml.safe_load(block))


def with_hook(project: Project) -> None:
    """The project as docs/dbt_cloud.md sets the hook up: the package and `on-run-end`."""
    settings = yaml.safe_load((project.root / "dbt_project.yml").read_text())
    settings.update(documented_hook())
    models = project.root / "models"
    (models / "negative_orders.sql").write_text(
        "select * from {{ ref('stg_orders') }} where amount < 0"
    )
    (models / "negative_orders.yml").write_text(META_ALERT)
    (project.root / "tests" / "sampled_failing_rows.sql").write_text(SAMPLED_TEST)
    (project.root / "dbt_project.yml").write_text(yaml.safe_dump(settings))
    (project.root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    (project.root / "sentinel.yml").write_text(CHANNELS)


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[dict[str, Any]]:
    project = make_project(tmp_path_factory.mktemp("hook"), "checks", warehouse)
    with_hook(project)
    cli_schema = f"{project.schema}_cli"
    target = str(project.root / "target")
    record = ["dbt-run", "--from-artifacts", target, "--no-notify", "-o", "json"]
    with http_receiver(Receiver()) as receiver:
        env = {
            **os.environ,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "SENTINEL_HOOK_TEST_URL": receiver.url,
        }
        # First, into a history of its own: part of the project, storing every test's
        # failures (negative_orders for the meta alerts).
        stored_schema = f"{project.schema}_stored"
        stored = ["build", "--select", "+assert_no_negative_amounts", "+negative_orders"]
        stored += ["--store-failures", "--vars", f"{{sqlsentinel_schema: {stored_schema}}}"]
        steps = run_steps(
            project.root,
            env,
            ("deps", "dbt", ["deps"]),
            ("stored", "dbt", stored),
            ("build", "dbt", ["build"]),
            ("freshness", "dbt", ["source", "freshness"]),
            ("record", "sentinel", [*record, "--vars", f"{{sqlsentinel_schema: {cli_schema}}}"]),
            # The same build, into the history the hook recorded it in: nothing more.
            ("record_again", "sentinel", record),
            # It runs the hook too, with nothing to record (and rewrites run_results.json).
            ("compile", "dbt", ["compile"]),
            ("notify", "sentinel", ["notify", "-o", "json"]),
            ("again", "sentinel", ["notify", "-o", "json"]),
        )
        delivered = [
            n for r in receiver.requests if r.path == "/hook" for n in r.json()["notifications"]
        ]
        to_finance = [
            n for r in receiver.requests if r.path == "/finance" for n in r.json()["notifications"]
        ]
        # Last, into a history of its own: the hook with a selection of the meta alerts.
        settings = yaml.safe_load((project.root / "dbt_project.yml").read_text())
        (project.root / "dbt_project.yml").write_text(
            yaml.safe_dump({**settings, "on-run-end": SELECTING_HOOKS})
        )
        select_schema = f"{project.schema}_select"
        selecting = ["test", "--select", "stg_customers", "sampled_failing_rows"]
        selecting += ["--vars", f"{{sqlsentinel_schema: {select_schema}}}"]
        steps |= run_steps(project.root, env, ("selecting", "dbt", selecting))
        selected = query(project, f"select * from {select_schema}.sentinel_alert_history")
        selected_outbox = query(project, f"select * from {select_schema}.sentinel_notifications")
        # One passing test of stg_customers erred since; the log holds the other firing (a
        # resolution that went dead): the same build queues them both.
        plant_error(project, select_schema, "unique_stg_customers_id")
        plant_firing_entry(project, select_schema, "not_null_stg_customers_id")
        steps |= run_steps(project.root, env, ("after_errors", "dbt", selecting))
    hook_schema = f"{project.schema}_sentinel"

    def history(schema: str) -> dict[str, dict[str, Any]]:
        rows = query(project, f"select * from {schema}.sentinel_alert_history")
        return {r["dbt_node"]: r for r in rows if r["dbt_node"]}

    hook_rows = query(project, f"select * from {hook_schema}.sentinel_alert_history")

    yield {
        "project": project,
        "steps": steps,
        "hook": history(hook_schema),
        "hook_rows": hook_rows,
        "cli": history(cli_schema),
        "outbox": query(project, f"select * from {hook_schema}.sentinel_notifications"),
        "delivered": delivered,
        "to_finance": to_finance,
        "stored": history(stored_schema),
        "selected": selected,
        "selected_outbox": selected_outbox,
        "after_errors_outbox": query(
            project, f"select * from {select_schema}.sentinel_notifications"
        ),
    }
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


def test_the_hook_runs_though_the_build_fails(played: dict[str, Any]) -> None:
    steps = played["steps"]
    assert steps["deps"]["code"] == 0, steps["deps"]["output"]
    assert steps["build"]["code"] == 1 and steps["freshness"]["code"] == 1
    for step in ("build", "freshness"):
        assert "sqlsentinel: recorded" in steps[step]["output"], steps[step]["output"][-2000:]


def test_a_build_the_hook_recorded_is_not_recorded_again_from_its_artifacts(
    played: dict[str, Any],
) -> None:
    steps = played["steps"]
    report = json.loads(steps["record_again"]["output"])
    assert (report["results"], report["missing"], report["notifications"]) == ([], [], [])
    assert report["already_recorded"]["checks"] == len(played["cli"])
    # The build's checks, and the sources of the freshness check after it.
    assert steps["build"]["invocation_id"] in report["already_recorded"]["invocation_ids"]
    assert len(report["already_recorded"]["invocation_ids"]) == 2
    per_node: dict[str, int] = {}
    for row in played["hook_rows"]:
        if row["dbt_node"]:
            per_node[row["dbt_node"]] = per_node.get(row["dbt_node"], 0) + 1
    assert set(per_node) == set(played["hook"]) and set(per_node.values()) == {1}


def test_the_hook_evaluates_the_meta_alerts_when_asked(played: dict[str, Any]) -> None:
    assert documented_hook()["on-run-end"] == [
        "{{ sqlsentinel.record_dbt_results(results, run_alerts=true) }}"
    ]
    rows = query_rows(played, "negative_amounts_meta")
    # Once after the build, once after the freshness check (not after `dbt compile`): the
    # same instance, firing.
    assert [(r["status"], r["actual_value"], r["state"]) for r in rows] == [
        ("ALERT", 1.0, "firing")
    ] * 2
    # An alert that errors is recorded and announced, but does not fail the command (the
    # build exits 1 for its failed tests, not 2 for a failed hook).
    errored = query_rows(played, "meta_alert_without_status")
    assert [r["status"] for r in errored] == ["ERROR"] * 2
    assert played["steps"]["build"]["code"] == 1


def test_the_hook_records_every_check_as_from_artifacts_does(played: dict[str, Any]) -> None:
    hook, cli = played["hook"], played["cli"]
    # dbt leaves a source whose freshness query fails out of sources.json; the hook sees it.
    [unreadable] = [uid for uid in hook if uid.endswith(".raw_customers_unreadable")]
    assert hook[unreadable]["status"] == "ERROR"
    assert "raw_customers_unreadable" in hook[unreadable]["error"]
    assert set(hook) - set(cli) == {unreadable}
    assert set(cli) == set(hook) - {unreadable}
    for uid, expected in cli.items():
        got = hook[uid]
        assert {c: got[c] for c in COMPARED} == {c: expected[c] for c in COMPARED}, uid
        # Stored failures included: the same sample of rows, with the same JSON types.
        assert json_typed(json.loads(got["context"])) == json_typed(
            json.loads(expected["context"])
        ), uid


def test_the_hook_samples_stored_failures_as_from_artifacts_does(played: dict[str, Any]) -> None:
    hook, cli = played["hook"], played["cli"]
    [uid] = [u for u in hook if u.endswith(".sampled_failing_rows")]
    assert hook[uid]["status"] == "ALERT" and hook[uid]["actual_value"] == 15.0
    rows = json.loads(hook[uid]["context"])["failing_rows"]
    assert rows == json.loads(cli[uid]["context"])["failing_rows"]
    assert len(rows) == 10  # of 15 stored
    assert all(list(row) == sorted(row) for row in rows)  # the history sorts the keys
    amounts = {1: 10.0, 2: -5.0, 3: 30.0, 4: 12.5}  # raw_orders.csv
    for row in rows:
        # A float as a float (the seed's `amount` is one), a decimal as its text.
        assert row["amount"] == row["amount_float"] == amounts[row["id"]], row
        assert row["amount_decimal"] == f"{amounts[row['id']]:.2f}", row
        typed = ("id", "amount", "amount_float", "negative", "n")
        assert [type(row[k]) for k in typed] == [int, float, float, bool, int], row
        assert (row["loaded_at"], row["loaded_on"]) == ("2020-01-01 00:00:00", "2020-01-01")
        assert row["long_text"] == "x" * 199 + "…" and row["nothing"] is None
    # The unique test that stores its failures: the duplicated id, counted.
    [unique] = [u for u in hook if u.startswith("test.checks.unique_orders_quality_id")]
    assert json.loads(hook[unique]["context"])["failing_rows"] == [
        {"unique_field": 4, "n_records": 2}
    ]


def test_the_hook_evaluates_only_the_meta_alerts_selected(played: dict[str, Any]) -> None:
    steps = played["steps"]
    # Its only failing test warns: the command passes, though its stored failures are gone.
    assert steps["selecting"]["code"] == 0, steps["selecting"]["output"][-2000:]
    rows = played["selected"]
    # The tests it ran are recorded; of the meta alerts, only the one selected and not
    # excluded is evaluated (without select, meta_alert_without_status would be too).
    checks = {r["alert_name"]: r for r in rows if r["dbt_node"]}
    assert set(checks) == {
        "unique_stg_customers_id",
        "not_null_stg_customers_id",
        "sampled_failing_rows",
    }
    assert sorted(r["alert_name"] for r in rows if not r["dbt_node"]) == ["negative_amounts_meta"]


def test_the_hook_samples_nothing_of_stored_failures_that_are_gone(played: dict[str, Any]) -> None:
    """As the CLI, whose query then fails: an empty sample, the warning still recorded."""
    [sampled] = [r for r in played["selected"] if r["alert_name"] == "sampled_failing_rows"]
    assert (sampled["status"], sampled["severity"]) == ("ALERT", "warn")
    assert json.loads(sampled["context"])["failing_rows"] == []


def json_typed(value: Any) -> Any:
    """`value` with each scalar paired with its type: 1 and 1.0 compare unequal."""
    if isinstance(value, dict):
        return {k: json_typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_typed(v) for v in value]
    return (type(value).__name__, value)


def test_notify_delivers_the_hooks_failures_once(played: dict[str, Any]) -> None:
    steps = played["steps"]
    report = json.loads(steps["notify"]["output"])
    again = json.loads(steps["again"]["output"])
    meta = ("negative_amounts_meta", "meta_alert_without_status")
    hook = [*played["hook"].values(), *(r for a in meta for r in query_rows(played, a))]
    firing = {r["alert_name"] for r in hook if r["state"] == "firing"}
    # The failing model, tests, unit test, stale sources and the meta alert.
    assert len(firing) == 10
    errors = {r["alert_name"] for r in hook if r["status"] == "ERROR"}  # errors are announced
    names = [n["alert"] for n in played["delivered"]]
    assert len(names) == len(set(names))
    assert set(names) == firing | errors, report
    # Each to the `hook` channel, and the finance group's to `finance` too.
    assert report["sent"] == len(names) + len(played["to_finance"]) and report["failed"] == 0
    assert (again["decided"], again["sent"]) == (0, 0)
    assert [r for r in played["outbox"] if r["kind"] == "pending"] == []
    broken = next(n for n in played["delivered"] if n["alert"] == "orders_broken")
    assert broken["owner"] == "marts-team", broken


def query_rows(played: dict[str, Any], alert: str) -> list[dict[str, Any]]:
    """The hook's history rows of one alert, oldest first."""
    project = played["project"]
    return query(
        project,
        f"select * from {project.schema}_sentinel.sentinel_alert_history "
        f"where alert_name = '{alert}' order by started_at",
    )


def test_the_hook_lines_in_the_docs_are_the_ones_the_tests_run() -> None:
    """The docs quote the hook inline too: with run_alerts, as this module builds it; without,
    as bench/dbt_checks_vs_elementary.py (run by tests/test_bench.py) builds it."""
    sys.path.insert(0, str(REPO / "bench"))
    from dbt_checks_vs_elementary import HOOK

    [documented] = documented_hook()["on-run-end"]
    recipe = (REPO / "dbt_project_template" / "sqlsentinel-dbt-cloud.md").read_text()
    assert f'`on-run-end: "{documented}"`' in recipe
    for page in ("dbt_results.md", "performance.md"):
        assert f'`on-run-end: "{HOOK}"`' in (REPO / "docs" / page).read_text(), page
    assert (
        "`sqlsentinel.record_dbt_results(results)`"
        in (REPO / "docs" / "dbt_package.md").read_text()
    )


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_the_hook_takes_the_sample_the_cli_takes(shop: Project) -> None:
    """Column for column, in the table's order, value for value, type for type."""
    schema = f"{shop.schema}_failures"
    stored = f"{schema}.stored_failures"
    with Sentinel.open(shop.args) as sentinel:
        warehouse = sentinel.project.warehouse
        for sql in (
            f"create schema {schema}",
            f"create table {stored} as select i as zeta, cast(i as double) / 2 as alpha,"
            " cast(i * 0.5 as decimal(8, 3)) as mid, i % 2 = 0 as even, repeat('y', 300) as text"
            ", cast(null as varchar) as nothing, date '2024-02-29' as day"
            " from range(1, 13) as r(i)",
        ):
            warehouse.fetch(sql, limit=None, timeout=60, name="test")
        hook = warehouse.run_macro(
            "_failing_rows_sample",
            where={"database": None, "schema": schema, "alias": "stored_failures"},
        )
        missing = warehouse.run_macro(
            "_failing_rows_sample",
            where={"database": None, "schema": schema, "alias": "nothing_here"},
        )
        assert (
            warehouse.run_macro("_failing_rows_cap"),
            warehouse.run_macro("_failing_rows_cell"),
        ) == (
            _FAILING_ROWS,
            _CELL,
        )
        cli = sentinel._failing_rows(stored)
    assert len(cli) == _FAILING_ROWS and missing == []
    assert [list(row) for row in hook] == [list(row) for row in cli]
    assert list(cli[0]) == ["zeta", "alpha", "mid", "even", "text", "nothing", "day"]
    assert [json_typed(row) for row in hook] == [json_typed(row) for row in cli]
    assert json_typed(cli[1]) == json_typed(
        {
            "zeta": 2,
            "alpha": 1.0,
            "mid": "1.000",
            "even": True,
            "text": "y" * 199 + "…",
            "nothing": None,
            "day": "2024-02-29",
        }
    )


def test_the_hook_samples_failures_only_a_test_or_the_command_stores(
    played: dict[str, Any],
) -> None:
    """dbt names an audit table for every test: the `--store-failures` build left rows in
    assert_no_negative_amounts's, which the whole build (without) did not store."""
    [uid] = [u for u in played["hook"] if u.endswith(".assert_no_negative_amounts")]
    with_flag = json.loads(played["stored"][uid]["context"])
    assert [row["amount"] for row in with_flag["failing_rows"]] == [-5.0]
    assert played["hook"][uid]["status"] == "ALERT"
    assert "failing_rows" not in json.loads(played["hook"][uid]["context"])


def test_the_hook_names_the_failed_test_a_skipped_node_waited_for(
    played: dict[str, Any],
) -> None:
    [uid] = [u for u in played["hook"] if u.endswith(".orders_audited_count")]
    skipped = played["hook"][uid]
    assert skipped["status"] == "SKIPPED"
    assert json.loads(skipped["context"])["upstream"].startswith(
        "test.checks.unique_orders_audited_id."
    )
    announced = {n["alert"] for n in played["delivered"]}
    assert "unique_orders_audited_id" in announced and "orders_audited_count" not in announced


def test_the_hooks_checks_keep_their_dbt_group_for_routes(played: dict[str, Any]) -> None:
    """A route matching `group: finance` gets the checks of the group's nodes, and of the
    tests on them, as it would from `--from-artifacts`."""
    assert sorted(n["alert"] for n in played["to_finance"]) == [
        "accepted_values_stg_orders_status__placed__shipped",
        "orders_quality_missing_column_not_null",
        "unique_orders_quality_id",
    ]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_the_hook_maps_every_status_as_from_dbt_does(shop: Project) -> None:
    """dbt's statuses, of dbt 1.9 to 1.11 and later (`partial success`, `no-op`, `reused`)."""
    from sqlsentinel_dbt.dbt import NodeRun
    from sqlsentinel_dbt.engine.from_dbt import dbt_checks

    statuses = ["pass", "success", "no-op", "reused", "partial success", "warn", "fail", "error"]
    with Sentinel.open(shop.args) as sentinel:
        warehouse = sentinel.project.warehouse
        for kind in ("model", "test", "source"):
            for status in [*statuses, "runtime error"]:
                item = {
                    "unique_id": f"{kind}.shop.x",
                    "resource_type": kind,
                    "status": status,
                    "model": None,
                    "column": None,
                    "message": "dbt said",
                    "failures": None,
                    "started_at": None,
                    "execution_time": 0,
                    "stored_failures": None,
                    "depends_on": [],
                    "freshness": dict.fromkeys(
                        (
                            "age_seconds",
                            "max_loaded_at",
                            "warn_after_seconds",
                            "error_after_seconds",
                        )
                    ),
                }
                hook = warehouse.run_macro(
                    "_dbt_check_result", item=item, name="x", by_id={}, failed_tests={}
                )
                run = NodeRun(f"{kind}.shop.x", "x", kind, status, message="dbt said")
                [check] = dbt_checks([run], set())
                [cli] = check.recorded or ()
                assert (hook["status"], hook["severity"], hook["error"]) == (
                    cli.status.value,
                    cli.severity.value,
                    cli.error,
                ), (kind, status)
                if kind == "model" and status in ("partial success", "no-op", "reused"):
                    expected = "ALERT" if status == "partial success" else "OK"
                    assert (hook["status"], hook["severity"]) == (expected, "error"), status


def plant_error(project: Project, schema: str, name: str) -> None:
    """A newest history row for a check: it errored, a moment ago."""
    at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    execute(
        project,
        f"insert into {schema}.sentinel_alert_history (run_id, invocation_id, "
        "project_name, target_name, alert_name, status, severity, context, error, "
        f"started_at, duration_ms) values ('planted', 'planted', 'checks', 'ci', '{name}', "
        f"'ERROR', 'error', '{{}}', 'planted', cast('{at}' as timestamp), 0)",
    )


def plant_firing_entry(project: Project, schema: str, name: str) -> None:
    """The notification log's newest live entry for a check: sent, firing."""
    at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    execute(
        project,
        f"insert into {schema}.sentinel_notifications (notification_id, run_id, created_at, "
        "updated_at, channel, group_key, alert_name, kind, status, firing_keys, "
        "silenced_keys, resolved_keys, payload, attempts, next_attempt_at) values "
        f"('planted', 'planted', cast('{at}' as timestamp), cast('{at}' as timestamp), "
        f"'hook', '{name}', '{name}', 'firing', 'sent', '[null]', '[]', '[]', '{{}}', 1, "
        f"cast('{at}' as timestamp))",
    )


def pending_alerts(outbox: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The payloads of the pending rows of an outbox, by alert."""
    payloads = [json.loads(r["payload"]) for r in outbox if r["kind"] == "pending"]
    return {p["alert"]: p for p in payloads}


def test_the_hook_queues_only_the_checks_that_may_call_for_a_message(
    played: dict[str, Any],
) -> None:
    """A check that passes, and neither fired nor errored when last evaluated, nor is held
    firing by the notification log, is recorded but not queued: a build of 11,000 checks
    that pass queues none of them."""
    recorded = {r["alert_name"] for r in played["selected"]}
    assert {"unique_stg_customers_id", "not_null_stg_customers_id"} <= recorded
    # The warning test and the meta alert (run_alerts queues every alert it evaluates).
    first = pending_alerts(played["selected_outbox"])
    assert set(first) == {"sampled_failing_rows", "negative_amounts_meta"}
    # Once one erred and the log holds the other firing, both are queued: their
    # resolutions are announced.
    again = pending_alerts(played["after_errors_outbox"])
    assert set(again) - set(first) == {"unique_stg_customers_id", "not_null_stg_customers_id"}


def test_the_hooks_pending_rows_carry_the_owner_and_group_from_artifacts_gives(
    played: dict[str, Any],
) -> None:
    """Owner: the node's meta owner, the tested node's, then the group's. The unique test
    on stg_customers (meta owner crm-team) is in group finance itself; nothing notified
    after the `after_errors` step, so its pending rows are still there."""
    fields = {
        a: p["dbt_check"]
        for a, p in pending_alerts(played["after_errors_outbox"]).items()
        if "dbt_check" in p
    }
    unique = fields["unique_stg_customers_id"]
    assert (unique["owner"], unique["dbt_group"]) == ("crm-team", "finance")
    not_null = fields["not_null_stg_customers_id"]
    assert (not_null["owner"], not_null["dbt_group"]) == ("crm-team", None)


def test_a_run_of_many_checks_is_decided_as_one_batch() -> None:
    """A build's pending rows are one batch however many (a set, not a scan, keeps this
    linear: 11,000 checks took 9 s to batch with a scan); an alert's second change in the
    same run, or another run, starts the next batch."""
    at = datetime(2026, 12, 1, tzinfo=UTC)
    pending = [PendingDecision(f"n{i}", "run1", f"check_{i}", at) for i in range(20_000)]
    pending += [
        PendingDecision("again", "run1", "check_7", at),
        PendingDecision("later", "run1", "check_8", at),
        PendingDecision("other", "run2", "check_9", at),
    ]
    batches = _batches(pending)
    assert [len(b) for b in batches] == [20_000, 2, 1]
    assert [b[0].notification_id for b in batches] == ["n0", "again", "other"]
