"""After-build awareness: alerts on nodes the last `dbt build` failed or skipped are not run
against stale data but reported as SKIPPED; history carries that build's invocation id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace

import pytest
import yaml

from sqlsentinel_dbt.dbt import DbtProject, dbt_build
from sqlsentinel_dbt.errors import ProjectError
from sqlsentinel_dbt.resources import package_root
from tests.conftest import Project, cli, drop_pg_schemas, make_project

ROOT = package_root()
CHOSEN = "region_revenue_low orders_present customers_without_email"
# What the last build did is read from dbt's artifacts, the same on every warehouse.
pytestmark = pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    """The shop, built once cleanly, then rebuilt with stg_orders broken."""
    project = make_project(tmp_path_factory.mktemp("last_build"), "shop", warehouse)
    dbt_build(project.args)
    model = project.root / "models" / "stg_orders.sql"
    model.write_text("select no_such_column from {{ ref('raw_orders') }}")
    with pytest.raises(ProjectError, match="stg_orders"):
        dbt_build(project.args)
    yield project
    if warehouse == "postgres":
        drop_pg_schemas(project.schema)


def dbt_run(project: Project, schema: str, *flags: str) -> dict:  # type: ignore[type-arg]
    variables = f"{{sqlsentinel_schema: {schema}}}"
    result = cli(
        "dbt-run", *project.flags(), "-o", "json", "--select", CHOSEN, "--vars", variables, *flags
    )
    return result.json()  # type: ignore[no-any-return]


def test_alerts_on_failed_or_skipped_nodes_are_skipped_with_the_reason(
    broken_build: Project, sentinel_schema: str
) -> None:
    report = dbt_run(broken_build, sentinel_schema)
    by_alert = {r["alert"]: r for r in report["results"]}
    assert by_alert["customers_without_email"]["status"] == "ALERT"  # reads a source: runs
    orders = by_alert["orders_present"]
    assert orders["status"] == "SKIPPED"
    assert "model.shop.stg_orders was not rebuilt by the last dbt build (error" in orders["error"]
    region = by_alert["region_revenue_low"]  # downstream of the failure: dbt skipped it
    assert region["status"] == "SKIPPED" and "region_revenue" in region["error"]
    assert "(skipped" in region["error"]
    assert report["summary"]["skipped"] == 2

    run_results = json.loads((broken_build.root / "target" / "run_results.json").read_text())
    assert report["invocation_id"] == run_results["metadata"]["invocation_id"]
    history = cli(
        "history",
        "orders_present",
        *broken_build.flags(),
        "-o",
        "json",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    ).json()["history"]
    assert [(r["status"], r["state"], r["invocation_id"]) for r in history] == [
        ("SKIPPED", None, run_results["metadata"]["invocation_id"])
    ]


def test_ignore_last_build_runs_them_anyway(broken_build: Project, sentinel_schema: str) -> None:
    report = dbt_run(broken_build, sentinel_schema, "--ignore-last-build")
    assert "SKIPPED" not in {r["status"] for r in report["results"]}


@pytest.fixture(scope="module")
def shared_target(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Project:
    """The shop with a second target, `other`, sharing its target/ directory: built cleanly
    on `ci`, then built on `other` with stg_orders broken (that build fails)."""
    project = make_project(tmp_path_factory.mktemp("shared_target"), "shop", warehouse)
    profiles = yaml.safe_load((project.root / "profiles.yml").read_text())
    outputs = profiles["shop"]["outputs"]
    outputs["other"] = {**outputs["ci"], "path": str(project.root / "other.duckdb")}
    (project.root / "profiles.yml").write_text(yaml.safe_dump(profiles))
    dbt_build(project.args)
    model = project.root / "models" / "stg_orders.sql"
    clean = model.read_text()
    model.write_text("select no_such_column from {{ ref('raw_orders') }}")
    with pytest.raises(ProjectError, match="stg_orders"):
        dbt_build(replace(project.args, target="other"))
    model.write_text(clean)
    return project


@pytest.fixture
def own_schema(shared_target: Project) -> str:
    """A history schema of the test's own."""
    return f"{shared_target.schema}_h{uuid.uuid4().hex[:6]}"


def rewrite_args(project: Project, **args: object) -> None:
    """Set what target/run_results.json says the command ran with (dbt records a flag
    there only when it was given: on the command line or as DBT_PROFILE / DBT_TARGET)."""
    path = project.root / "target" / "run_results.json"
    document = json.loads(path.read_text())
    document.setdefault("args", {})
    for key, value in args.items():
        if value is None:
            document["args"].pop(key, None)
        else:
            document["args"][key] = value
    path.write_text(json.dumps(document))


def test_a_failed_build_on_another_target_does_not_skip_this_targets_alerts(
    shared_target: Project, own_schema: str
) -> None:
    path = shared_target.root / "target" / "run_results.json"
    run_results = json.loads(path.read_text())
    assert run_results["args"]["target"] == "other"  # as dbt wrote it
    assert "error" in {r["status"] for r in run_results["results"]}
    variables = f"{{sqlsentinel_schema: {own_schema}}}"
    args = ["dbt-run", *shared_target.flags(), "-o", "json", "-s", CHOSEN, "--vars", variables]
    result = cli("--log-level", "debug", "--log-format", "json", *args)
    report = result.json()
    assert {r["status"] for r in report["results"]} == {"OK", "ALERT"}
    assert report["summary"]["skipped"] == 0
    assert report["invocation_id"] != run_results["metadata"]["invocation_id"]
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [note] = [r for r in logs if "run_results.json" in r["message"]]
    assert note["level"] == "debug" and "every alert runs" in note["message"]
    assert "target 'other'" in note["message"] and "target 'ci'" in note["message"]
    quiet = cli(*args)  # and nothing about it at the default log level
    assert "run_results" not in quiet.stderr


# (what run_results.json records, this run's --target, whether the build is this target's).
# dbt records --target / DBT_TARGET only when given; without them it ran on the default.
OWNERSHIP = [
    ({"target": "other"}, None, False),
    ({"target": "ci"}, None, True),
    ({}, None, True),
    ({}, "ci", True),  # ci is the profile's default target
    ({"target": "other"}, "other", True),
    ({}, "other", False),
    ({"profile": "shop", "target": "ci"}, None, True),
    ({"profile": "shop"}, "ci", True),
    ({"profile": "someone_elses", "target": "ci"}, None, False),
    ({"profile": "someone_elses"}, "ci", False),
]


def test_run_results_are_used_only_for_the_same_profile_and_target(
    shared_target: Project,
) -> None:
    seen = []
    for target in (None, "ci", "other"):
        with closing(DbtProject.open(replace(shared_target.args, target=target), ROOT)) as dbt:
            for recorded, this_target, _ in OWNERSHIP:
                if this_target == target:
                    rewrite_args(shared_target, **{"profile": None, "target": None, **recorded})
                    build = dbt.last_build()
                    assert build is None or "model.shop.stg_orders" in build.stale
                    seen.append((recorded, this_target, build is not None))
    assert sorted(seen, key=str) == sorted(OWNERSHIP, key=str)


def test_run_results_that_do_not_say_where_they_ran_are_not_used(
    shared_target: Project,
) -> None:
    rewrite_args(shared_target, profile=None, target="ci")
    with closing(DbtProject.open(shared_target.args, ROOT)) as dbt:
        assert dbt.last_build() is not None
        path = shared_target.root / "target" / "run_results.json"
        document = json.loads(path.read_text())
        del document["args"]
        path.write_text(json.dumps(document))
        assert dbt.last_build() is None


def test_from_artifacts_of_another_target_is_refused(shared_target: Project) -> None:
    rewrite_args(shared_target, profile=None, target="other")
    target = str(shared_target.root / "target")
    result = cli("dbt-run", *shared_target.flags(), "--from-artifacts", target, "--dry-run")
    assert result.exit_code == 2
    assert "not this target's" in result.stderr and "target 'other'" in result.stderr
