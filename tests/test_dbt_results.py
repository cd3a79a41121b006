"""dbt's own checks become alert instances: every test, model, seed, snapshot and source
freshness result of a build, read back from `target/` (docs/dbt_results.md)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from sqlsentinel_dbt.dbt import NodeRun
from sqlsentinel_dbt.engine.from_dbt import dbt_checks
from tests.conftest import Project, drop_pg_schemas, make_project
from tests.integration_runner import run_steps
from tests.warehouse_sql import query


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[dict[str, Any]]:
    """The checks project: part of it built with `--store-failures` (and recorded, dry), then
    built whole without (tests fail, a model errors), its sources checked, and the same
    build recorded with `sentinel dbt-run --from-artifacts` three times; then compiled, and
    recorded again: the project, each step's outcome, and the history's rows at the end."""
    project: Project = make_project(tmp_path_factory.mktemp("checks"), "checks", warehouse)
    record = ["dbt-run", "--from-artifacts", str(project.root / "target")]
    stored = ["build", "--select", "+assert_no_negative_amounts", "--store-failures"]
    steps = run_steps(
        project.root,
        os.environ,
        ("stored", "dbt", stored),
        ("record_stored", "sentinel", [*record, "-o", "json", "--dry-run"]),
        ("build", "dbt", ["build"]),
        ("freshness", "dbt", ["source", "freshness"]),
        ("record", "sentinel", [*record, "-o", "json"]),
        ("again", "sentinel", [*record, "-o", "json"]),
        ("again_text", "sentinel", record),
        ("compile", "dbt", ["compile"]),
        ("record_compiled", "sentinel", [*record, "-o", "json"]),
    )
    history = query(project, f"select * from {project.schema}_sentinel.sentinel_alert_history")
    yield {"project": project, "steps": steps, "history": history}
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


@pytest.fixture(scope="module")
def recorded(built: dict[str, Any]) -> dict[str, Any]:
    """What `sentinel dbt-run --from-artifacts` recorded, by dbt node."""
    steps = built["steps"]
    assert steps["build"]["code"] == 1 and steps["freshness"]["code"] == 1
    assert steps["record"]["code"] == 1  # a test that could not run is an ERROR
    return by_node(steps["record"])


def test_a_build_recorded_again_records_nothing(
    built: dict[str, Any], recorded: dict[str, Any]
) -> None:
    steps = built["steps"]
    rows = built["history"]
    report = json.loads(steps["again"]["output"])
    assert (report["results"], report["missing"], report["notifications"]) == ([], [], [])
    build = steps["build"]["invocation_id"]
    freshness = (built["project"].root / "target" / "sources.json").read_text()
    sources = json.loads(freshness)["metadata"]["invocation_id"]
    assert report["already_recorded"] == {
        "invocation_ids": sorted({build, sources}),
        "checks": len(recorded),
    }
    assert steps["again"]["code"] == 0  # nothing recorded: nothing fails
    # Only the first recording's rows: no state advanced, no evaluation counted twice.
    assert sorted(r["dbt_node"] for r in rows) == sorted(recorded)
    assert {r["dbt_node"]: r["state"] for r in rows} == {
        uid: r["state"] for uid, r in recorded.items()
    }
    # The rows carry the invocation that ran each check: the build, or the freshness check.
    ran_by = {r["dbt_node"]: r["invocation_id"] for r in rows}
    assert {ran_by[uid] for uid in recorded if uid.startswith("source.")} == {sources}
    assert {ran_by[uid] for uid in recorded if not uid.startswith("source.")} == {build}
    assert (
        f"dbt invocations {', '.join(sorted({build, sources}))} already recorded: "
        f"{len(recorded)} checks not recorded again." in steps["again_text"]["errors"]
    )
    assert "nothing recorded" not in steps["again_text"]["errors"]


def by_node(step: dict[str, Any]) -> dict[str, Any]:
    """The results of a `sentinel dbt-run -o json` step, by dbt node."""
    return {r["dbt_node"]: r for r in json.loads(step["output"])["results"] if r["dbt_node"]}


def node(recorded: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    base = f"{kind}.checks.{name}"  # a generic test's id ends in a hash of its arguments
    [found] = [r for uid, r in recorded.items() if uid == base or uid.startswith(f"{base}.")]
    return found


def outcome(result: dict[str, Any]) -> tuple[str, str, float | None]:
    return result["status"], result["severity"], result["actual_value"]


def test_tests_pass_warn_fail_and_error(recorded: dict[str, Any]) -> None:
    assert outcome(node(recorded, "test", "not_null_stg_orders_id")) == ("OK", "error", 0.0)
    warned = node(recorded, "test", "accepted_values_stg_orders_status__placed__shipped")
    assert outcome(warned) == ("ALERT", "warn", 1.0)
    assert warned["context"] | {"message": ""} == {
        "resource_type": "test",
        "model": "stg_orders",
        "column": "status",
        "message": "",
    }
    assert outcome(node(recorded, "test", "assert_no_negative_amounts")) == ("ALERT", "error", 1.0)
    errored = node(recorded, "test", "orders_quality_missing_column_not_null")
    assert (
        errored["status"] == "ERROR"
        and "orders_quality_missing_column_not_null" in errored["error"]
    )


def test_a_test_that_stores_failures_brings_a_sample_of_them(recorded: dict[str, Any]) -> None:
    failed = node(recorded, "test", "unique_orders_quality_id")
    assert outcome(failed) == ("ALERT", "error", 1.0)
    [row] = failed["context"]["failing_rows"]
    assert {k.lower(): v for k, v in row.items()}["unique_field"] == 4


def test_a_test_stores_failures_only_when_it_or_the_command_says_so(
    built: dict[str, Any], recorded: dict[str, Any]
) -> None:
    """dbt names an audit table for every test; the earlier `--store-failures` build left
    rows in assert_no_negative_amounts's, which the whole build (without) did not store."""
    with_flag = by_node(built["steps"]["record_stored"])
    [row] = node(with_flag, "test", "assert_no_negative_amounts")["context"]["failing_rows"]
    assert {k.lower(): v for k, v in row.items()}["amount"] == -5.0
    for name in (
        "assert_no_negative_amounts",
        "accepted_values_stg_orders_status__placed__shipped",
    ):
        assert "failing_rows" in node(with_flag, "test", name)["context"], name
        failed = node(recorded, "test", name)
        assert failed["status"] == "ALERT" and "failing_rows" not in failed["context"], name


def test_the_artifacts_of_a_command_that_checks_nothing_are_not_recorded(
    built: dict[str, Any],
) -> None:
    """`dbt compile` writes run_results.json too, every node "success": recording it would
    resolve every failure of the build."""
    compiled = built["steps"]["record_compiled"]
    assert compiled["code"] == 0
    assert json.loads(compiled["output"])["results"] == []
    said = " ".join(compiled["errors"].split())
    assert "written by `dbt compile`, which checks nothing" in said, said


def test_unit_tests_models_seeds_and_snapshots(recorded: dict[str, Any]) -> None:
    assert outcome(
        node(recorded, "unit_test", "customers_clean.customers_clean_drops_nothing")
    ) == (
        "ALERT",
        "error",
        1.0,
    )
    assert node(recorded, "model", "stg_orders")["status"] == "OK"
    assert node(recorded, "seed", "raw_orders")["status"] == "OK"
    assert node(recorded, "snapshot", "customers_snapshot")["status"] == "OK"
    broken = node(recorded, "model", "orders_broken")
    assert outcome(broken) == ("ALERT", "error", None)
    assert broken["alert"] == "orders_broken" and broken["owner"] == "marts-team"


def test_a_node_skipped_for_a_failure_upstream_names_it(recorded: dict[str, Any]) -> None:
    for kind, name, upstream in [
        ("model", "orders_enriched", "model.checks.orders_broken"),
        ("test", "not_null_orders_enriched_id", "model.checks.orders_broken"),
        ("model", "customers_clean", "unit_test.checks.customers_clean.customers_clean_drops_"),
        # Built, but a data test on it failed: `dbt build` skips what reads it.
        ("model", "orders_audited_count", "test.checks.unique_orders_audited_id."),
    ]:
        skipped = node(recorded, kind, name)
        assert skipped["status"] == "SKIPPED", name
        assert skipped["context"]["upstream"].startswith(upstream)
        assert upstream in skipped["error"]
    assert node(recorded, "model", "orders_audited")["status"] == "OK"
    assert outcome(node(recorded, "test", "unique_orders_audited_id")) == ("ALERT", "error", 1.0)


def test_source_freshness_is_the_age_against_the_limit_it_crossed(
    recorded: dict[str, Any],
) -> None:
    late = node(recorded, "source", "shop.raw_customers_late")
    assert (late["status"], late["severity"], late["threshold"]) == ("ALERT", "warn", 86400.0)
    assert 129_600 <= late["actual_value"] < 129_600 + 3600
    stale = node(recorded, "source", "shop.raw_orders")
    assert (stale["status"], stale["severity"], stale["threshold"]) == ("ALERT", "error", 172800.0)
    assert stale["owner"] == "ingest-team"
    fresh = node(recorded, "source", "shop.raw_customers")
    assert fresh["status"] == "OK" and fresh["actual_value"] < 3600


def test_owners_come_from_meta_or_the_group_and_tags_from_the_node(
    recorded: dict[str, Any],
) -> None:
    assert node(recorded, "model", "stg_customers")["owner"] == "crm-team"
    assert node(recorded, "model", "stg_orders")["owner"] == "Finance Data"  # its group's
    assert node(recorded, "model", "stg_orders")["tags"] == ["finance"]  # not `daily.ops`
    # A test has the owner of the model it is on, when it names none.
    assert node(recorded, "test", "unique_orders_quality_id")["owner"] == "Finance Data"
    # Before its own group's: meta owners come first.
    assert node(recorded, "test", "unique_stg_customers_id")["owner"] == "crm-team"


def test_names_are_the_nodes_and_a_name_taken_twice_is_qualified(
    recorded: dict[str, Any],
) -> None:
    names = {uid: r["alert"] for uid, r in recorded.items()}
    assert names["model.checks.stg_orders"] == "stg_orders"
    # The seed raw_orders and the source table raw_orders share a name.
    assert names["seed.checks.raw_orders"] == "seed__checks__raw_orders"
    assert names["source.checks.shop.raw_orders"] == "source__checks__shop__raw_orders"
    # `order items` and `order_items` would both be source__checks__shop__order_items.
    spaced, underscored = (
        names["source.checks.shop.order items"],
        names["source.checks.shop.order_items"],
    )
    assert spaced.startswith("source__checks__shop__order_items_")
    assert underscored.startswith("source__checks__shop__order_items_")
    assert len(set(names.values())) == len(names)


SETTINGS = """\
dbt_results:
  with_dbt_run: true
  resource_types: [test, unit_test, model, source]
  exclude: [orders_quality]
  min_severity: error
  overrides:
    - select: [customers_clean]
      owner: crm-oncall
      severity: warn
    - select: [stg_orders]
      severity: error
"""
SQL_ALERT = """\
alerts:
  - name: always_fires
    query: select 'ALERT' as status
"""


Reports = tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]


@pytest.fixture(scope="module")
def with_dbt_run(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Reports]:
    """Plain `sentinel dbt-run` after a failing build, with `dbt_results` in sentinel.yml:
    the exit code and the results, by alert name; then the report of a second run, and of
    a run after one with --ignore-last-build (in a history of their own)."""
    project: Project = make_project(tmp_path_factory.mktemp("checks"), "checks", warehouse)
    (project.root / "sentinel.yml").write_text(SETTINGS)
    (project.root / "alerts").mkdir()
    (project.root / "alerts" / "sql.yml").write_text(SQL_ALERT)
    other = ["--vars", f"{{sqlsentinel_schema: {project.schema}_other}}"]
    steps = run_steps(
        project.root,
        os.environ,
        ("build", "dbt", ["build"]),
        ("run", "sentinel", ["dbt-run", "-o", "json"]),
        ("again", "sentinel", ["dbt-run", "-o", "json"]),
        # Into a history of its own: first not reading the build's outcome, then reading it.
        ("ignoring", "sentinel", ["dbt-run", "-o", "json", "--ignore-last-build", *other]),
        ("after_ignoring", "sentinel", ["dbt-run", "-o", "json", *other]),
    )
    report = json.loads(steps["run"]["output"])
    again = json.loads(steps["again"]["output"])
    after_ignoring = json.loads(steps["after_ignoring"]["output"])
    results = {r["alert"]: r for r in report["results"]}
    yield steps["run"]["code"], results, again, after_ignoring
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


def test_plain_dbt_run_records_the_build_with_the_sql_alerts_in_one_run(
    with_dbt_run: Reports,
) -> None:
    code, results, _, _ = with_dbt_run
    assert (
        results["always_fires"]["status"] == "ALERT" and results["always_fires"]["dbt_node"] is None
    )
    assert results["orders_broken"]["status"] == "ALERT"
    assert code == 1  # one exit code for both
    # Its tag `daily.ops` is no alert tag: left out, not a crash.
    assert results["stg_orders"]["tags"] == ["finance"]


def test_a_second_plain_dbt_run_runs_the_sql_alerts_but_does_not_record_the_build_again(
    with_dbt_run: Reports,
) -> None:
    _, first, again, _ = with_dbt_run
    [fires] = again["results"]
    assert (fires["alert"], fires["status"]) == ("always_fires", "ALERT")
    checks = [name for name, r in first.items() if r["dbt_node"]]
    assert again["already_recorded"]["checks"] == len(checks) > 0
    assert again["already_recorded"]["invocation_ids"] == [again["invocation_id"]]  # the build's
    assert again["missing"] == []  # the checks left out are not missing instances


def test_the_build_recorded_with_ignore_last_build_carries_its_invocation_id(
    with_dbt_run: Reports,
) -> None:
    """Not reading the build's outcome, the run still records the build's checks under the
    build's invocation id (not sentinel's own): the next run finds them."""
    _, _, again, after_ignoring = with_dbt_run
    assert after_ignoring["already_recorded"] == again["already_recorded"] is not None
    assert [r["alert"] for r in after_ignoring["results"]] == ["always_fires"]


def test_dbt_results_settings_choose_the_checks_and_override_them(
    with_dbt_run: Reports,
) -> None:
    _, results, _, _ = with_dbt_run
    kinds = {r["context"]["resource_type"] for r in results.values() if r["dbt_node"]}
    assert kinds == {"test", "unit_test", "model"}  # no seed, no snapshot; no freshness ran
    assert not [name for name in results if "orders_quality" in name]  # and tests on it
    assert "assert_no_negative_amounts" not in results  # a test on orders_quality too
    # Overridden up, a warning on stg_orders fires at error; overridden down to warn, the
    # failing unit test is below min_severity: recorded as OK, saying why.
    raised = results["accepted_values_stg_orders_status__placed__shipped"]
    assert (raised["status"], raised["severity"]) == ("ALERT", "error")
    lowered = results["customers_clean_drops_nothing"]
    assert lowered["status"] == "OK" and lowered["context"]["below_min_severity"] == "warn"
    assert lowered["owner"] == "crm-oncall"
    assert results["orders_broken"]["owner"] == "marts-team"  # not overridden


def test_the_settings_example_of_the_doc_is_valid() -> None:
    from pathlib import Path

    from sqlsentinel_dbt.config.files import SentinelFile

    page = (Path(__file__).parent.parent / "docs" / "dbt_results.md").read_text()
    [example] = re.findall(r"```yaml\n(.*?)```", page, re.S)
    settings = SentinelFile.model_validate(yaml.safe_load(example)).dbt_results
    assert settings.with_dbt_run and settings.min_severity.value == "error"
    assert settings.overrides[1].repeat_interval is None  # never
    assert settings.overrides[1].for_evaluations == 2


def test_the_already_recorded_line_of_the_doc_is_the_one_the_cli_prints() -> None:
    from pathlib import Path

    from sqlsentinel_dbt.runtime.report import AlreadyRecorded

    page = (Path(__file__).parent.parent / "docs" / "dbt_results.md").read_text()
    section = page.split("## A build is recorded once", 1)[1].split("\n## ", 1)[0]
    [line] = re.findall(r"```text\n(.*?)\n```", section, re.S)
    ids = re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", line)
    [checks] = re.findall(r"(\d+) checks", line)
    assert len(ids) == 2 and line == AlreadyRecorded(ids, int(checks)).line()
    assert (
        AlreadyRecorded(["i1"], 1).line()
        == "dbt invocation i1 already recorded: 1 check not recorded again."
    )


def test_a_name_another_node_of_the_project_has_is_qualified_though_it_did_not_run() -> None:
    """`dbt seed` alone runs the seed, not the source table of the same name: the seed's
    alert keeps the name it has after a full build (and in the on-run-end hook)."""
    seed = NodeRun("seed.checks.raw_orders", "raw_orders", "seed", "success")
    both = ("seed.checks.raw_orders", "source.checks.shop.raw_orders")
    project = dict.fromkeys(both, "raw_orders")
    [check] = dbt_checks([seed], set(), None, project)
    assert check.name == "seed__checks__raw_orders"
    [alone] = dbt_checks([seed], set(), None, {"seed.checks.raw_orders": "raw_orders"})
    assert alone.name == "raw_orders"


def test_notify_builds_a_dbt_checks_alert_from_what_its_pending_row_carries() -> None:
    """The hook's pending row is all `sentinel notify` has of a dbt check (notify/pending.py):
    the alert from_dbt.py would declare, less a tag that is not a word."""
    from sqlsentinel_dbt.notify.pending import dbt_check_alert

    fields = {
        "description": "Orders, cleaned.",
        "owner": "Finance Data",
        "tags": ["finance", "not a word", "daily.ops"],
        "dbt_node": "model.checks.stg_orders",
        "resource_type": "model",
        "dbt_group": "finance",
    }
    alert = dbt_check_alert("stg_orders", "", fields)
    assert (alert.name, alert.description, alert.owner, alert.tags) == (
        "stg_orders",
        "Orders, cleaned.",
        "Finance Data",
        ["finance"],
    )
    # Its dbt group too, which routes match with `group:`, as from_dbt.py's alert has it.
    assert alert.meta == {
        "dbt_node": "model.checks.stg_orders",
        "resource_type": "model",
        "dbt_group": "finance",
    }
    assert alert.dbt_group == "finance"
    run = NodeRun("model.checks.stg_orders", "stg_orders", "model", "success", group="finance")
    [check] = dbt_checks([run], set())
    assert check.declared.alert.meta == alert.meta
    assert alert.query == "-- model.checks.stg_orders, run by dbt"
    bare = dbt_check_alert("x", "select 1", {"tags": "finance", "owner": None})
    assert (bare.tags, bare.owner, bare.query) == ([], None, "select 1")


def test_a_tag_that_is_not_an_alert_tag_is_left_out() -> None:
    """dbt takes any text as a tag; an alert tag is a word (as `sentinel notify` keeps them
    of a check the hook recorded)."""
    tags = ("finance", "daily.ops", "with space", "finance", "ops-2")
    run = NodeRun("model.checks.stg_orders", "stg_orders", "model", "success", tags=tags)
    [check] = dbt_checks([run], set())
    assert check.declared.alert.tags == ["finance", "ops-2"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("partial success", ("ALERT", "error")),
        ("no-op", ("OK", "error")),
        ("reused", ("OK", "error")),
    ],
)
def test_newer_dbt_statuses(status: str, expected: tuple[str, str]) -> None:
    """A microbatch model some batches of which failed fires; a node dbt had nothing to do
    for (`no-op`) or reused from another run is fine."""
    run = NodeRun("model.checks.events", "events", "model", status)
    [check] = dbt_checks([run], set())
    [result] = check.recorded or ()
    assert (result.status.value, result.severity.value) == expected
    assert result.error is None


def test_qualified_names_that_collide_end_in_a_stable_hash() -> None:
    runs = [
        NodeRun("source.checks.crm.order items", "order items", "source", "pass"),
        NodeRun("source.checks.crm.order_items", "order_items", "source", "pass"),
    ]
    names = [c.name for c in dbt_checks(runs, set())]
    assert names[0] != names[1]
    assert all(n.startswith("source__checks__crm__order_items_") for n in names)
    assert names == [c.name for c in dbt_checks(runs[::-1], set())][::-1]  # order-free


def test_a_node_skipped_for_a_failed_data_test_upstream_names_that_test() -> None:
    """The model passed, its test failed: `dbt build` skips the model's children."""
    runs = [
        NodeRun("model.s.stg", "stg", "model", "success"),
        NodeRun(
            "test.s.unique_stg_id.1", "unique_stg_id", "test", "fail", depends_on=("model.s.stg",)
        ),
        NodeRun("test.s.warns.2", "warns", "test", "warn", depends_on=("model.s.stg",)),
        NodeRun("model.s.child", "child", "model", "skipped", depends_on=("model.s.stg",)),
    ]
    results = {c.name: (c.recorded or ())[0] for c in dbt_checks(runs, set())}
    assert results["child"].status.value == "SKIPPED"
    assert results["child"].context["upstream"] == "test.s.unique_stg_id.1"
    assert results["child"].error == "skipped by dbt: upstream test.s.unique_stg_id.1 failed"


def shown_state(result: dict[str, Any]) -> str:
    """The state the dashboard shows for a recorded result (an error has no state of its own)."""
    return "error" if result["status"] == "ERROR" else result["state"] or "ok"


def test_the_dashboard_lists_recorded_checks_with_their_dbt_neighbours(
    built: dict[str, Any], recorded: dict[str, Any]
) -> None:
    from fastapi.testclient import TestClient

    from sqlsentinel_dbt.daemon.app import Backend, create_app
    from sqlsentinel_dbt.runtime import Sentinel

    project: Project = built["project"]
    with Sentinel.open(project.args) as sentinel:
        client = TestClient(create_app(Backend(sentinel=sentinel), None), "http://localhost")
        listed = {a["dbt_node"]: a for a in client.get("/api/alerts").json() if a["dbt_node"]}
        assert set(listed) == set(recorded)  # every check, though no alert file declares it
        assert {a["kind"] for a in listed.values()} == {"dbt check"}
        assert {uid: a["state"] for uid, a in listed.items()} == {
            uid: shown_state(r) for uid, r in recorded.items()
        }
        custom = node(recorded, "test", "assert_no_negative_amounts")
        name = next(a["name"] for uid, a in listed.items() if uid == custom["dbt_node"])
        page = client.get(f"/api/alerts/{name}").json()
        points = client.get(f"/api/alerts/{name}/history").json()
    assert page["kind"] == "dbt check" and page["sql"] is None and page["can_run"] is False
    assert page["nodes"] == [custom["dbt_node"]]
    assert page["upstream"] and all(u.startswith("model.checks.") for u in page["upstream"])
    assert page["now"]["state"] == shown_state(custom)
    assert [p["status"] for p in points] == [custom["status"]]
