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
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Project, drop_pg_schemas, make_project
from tests.integration_runner import run_steps
from tests.receivers import Receiver, http_receiver
from tests.warehouse_sql import query

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
"""
CHANNELS = """\
channels:
  - name: hook
    type: webhook
    url: "{{ env_var('SENTINEL_HOOK_TEST_URL') }}"
routes:
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
            "SENTINEL_HOOK_TEST_URL": receiver.url + "/hook",
        }
        steps = run_steps(
            project.root,
            env,
            ("deps", "dbt", ["deps"]),
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
        delivered = [n for r in receiver.requests for n in r.json()["notifications"]]
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
        # The hook reads no stored failures: no sample of them (docs/dbt_results.md).
        wanted = json.loads(expected["context"])
        wanted.pop("failing_rows", None)
        assert json.loads(got["context"]) == wanted, uid


def test_notify_delivers_the_hooks_failures_once(played: dict[str, Any]) -> None:
    steps = played["steps"]
    report = json.loads(steps["notify"]["output"])
    again = json.loads(steps["again"]["output"])
    meta = ("negative_amounts_meta", "meta_alert_without_status")
    hook = [*played["hook"].values(), *(r for a in meta for r in query_rows(played, a))]
    firing = {r["alert_name"] for r in hook if r["state"] == "firing"}
    # The failing model, tests, unit test, stale sources and the meta alert.
    assert len(firing) == 8
    errors = {r["alert_name"] for r in hook if r["status"] == "ERROR"}  # errors are announced
    names = [n["alert"] for n in played["delivered"]]
    assert len(names) == len(set(names))
    assert set(names) == firing | errors, report
    assert report["sent"] == len(names) and report["failed"] == 0
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
    as bench/hook_overhead.py (run by tests/test_bench.py) builds it."""
    sys.path.insert(0, str(REPO / "bench"))
    from hook_overhead import HOOK

    [documented] = documented_hook()["on-run-end"]
    recipe = (REPO / "dbt_project_template" / "sqlsentinel-dbt-cloud.md").read_text()
    assert f'`on-run-end: "{documented}"`' in recipe
    for page in ("dbt_results.md", "performance.md"):
        assert f'`on-run-end: "{HOOK}"`' in (REPO / "docs" / page).read_text(), page
    assert (
        "`sqlsentinel.record_dbt_results(results)`"
        in (REPO / "docs" / "dbt_package.md").read_text()
    )
