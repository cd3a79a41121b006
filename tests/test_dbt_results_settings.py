"""`dbt_results:` of sentinel.yml chooses dbt's own checks with dbt's selection: what `dbt
ls` lists for the same terms, the tests on a selected node included (docs/dbt_results.md)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from sqlsentinel_dbt.config.dbt_results import DbtResultsSettings
from sqlsentinel_dbt.dbt import DbtProject, NodeRun
from sqlsentinel_dbt.engine.check_settings import configured_checks
from sqlsentinel_dbt.engine.from_dbt import dbt_checks
from sqlsentinel_dbt.errors import ConfigError
from sqlsentinel_dbt.resources import package_root
from tests.conftest import Project, make_project
from tests.integration_runner import run_steps

# (select, exclude): dbt's methods, graph operators and indirect selection of tests.
TERMS: list[tuple[list[str], list[str]]] = [
    (["tag:finance"], []),
    (["path:models/staging"], []),
    (["stg_orders"], []),
    (["+orders_enriched"], []),
    (["test_type:generic"], []),
    (["resource_type:model"], []),
    (["source:shop"], []),
    ([], ["tag:finance"]),
    (["tag:finance orders_quality"], ["test_type:singular"]),
]


def _ls_args(select: list[str], exclude: list[str]) -> list[str]:
    args = ["ls", "--output", "json", "--output-keys", "unique_id"]
    return (
        args
        + [a for t in select for a in ("--select", t)]
        + [a for t in exclude for a in ("--exclude", t)]
    )


@pytest.fixture(scope="module")
def checks_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, Any]]:
    """The checks project (DuckDB), parsed, and what `dbt ls` lists for each of TERMS."""
    project = make_project(tmp_path_factory.mktemp("checks"), "checks", "duckdb")
    steps = run_steps(
        project.root,
        os.environ,
        *((f"ls{i}", "dbt", _ls_args(s, e)) for i, (s, e) in enumerate(TERMS)),
    )
    listed = [
        {
            json.loads(line)["unique_id"]
            for line in steps[f"ls{i}"]["output"].splitlines()
            if line.startswith('{"unique_id"')
        }
        for i in range(len(TERMS))
    ]
    opened = DbtProject.open(project.args, package_root())
    yield project, (opened, listed)
    opened.close()


def _every_check(dbt: DbtProject) -> list[Any]:
    """A check for every node of the project, as if one build had run them all."""
    runs = []
    for uid in sorted(dbt.select_all([], [])):
        kind = uid.split(".")[0]
        if kind in ("model", "seed", "snapshot", "test", "unit_test", "source"):
            name = uid.split(".")[2 if kind == "test" else -1]  # a test's id ends in a hash
            runs.append(NodeRun(uid, name, kind, "success"))
    return dbt_checks(runs, set(), None, {})


def test_the_settings_choose_what_dbt_ls_lists_for_the_same_terms(
    checks_project: tuple[Project, Any],
) -> None:
    _, (dbt, listed) = checks_project
    checks = _every_check(dbt)
    for (select, exclude), expected in zip(TERMS, listed, strict=True):
        assert expected, (select, exclude)  # dbt lists something for each
        assert dbt.select_all(select, exclude) == expected, (select, exclude)
        settings = DbtResultsSettings(select=select, exclude=exclude)
        chosen = {
            c.declared.alert.meta["dbt_node"] for c in configured_checks(checks, settings, dbt)
        }
        assert chosen == expected, (select, exclude)


def test_a_tag_selects_the_tests_on_its_models_and_excluding_it_drops_them(
    checks_project: tuple[Project, Any],
) -> None:
    """As `dbt build --select tag:finance` does: the tests on stg_orders (tagged) go with it."""
    _, (dbt, _) = checks_project
    checks = _every_check(dbt)
    on_stg_orders = {
        c.name
        for c in checks
        if c.declared.alert.meta["dbt_node"].startswith("test.checks.") and "stg_orders" in c.name
    }
    assert on_stg_orders
    tagged = configured_checks(checks, DbtResultsSettings(select=["tag:finance"]), dbt)
    assert on_stg_orders <= {c.name for c in tagged}
    untagged = configured_checks(checks, DbtResultsSettings(exclude=["tag:finance"]), dbt)
    assert not on_stg_orders & {c.name for c in untagged}
    overridden = DbtResultsSettings.model_validate(
        {"overrides": [{"select": ["tag:finance"], "exclude": ["stg_orders"], "owner": "x"}]}
    )
    owners = {c.name: c.declared.alert.owner for c in configured_checks(checks, overridden, dbt)}
    assert owners["stg_orders"] != "x"  # excluded from the override, and its tests with it
    assert not {n for n in on_stg_orders if owners[n] == "x"}


def test_a_term_that_selects_no_node_is_named_with_the_closest_one(
    checks_project: tuple[Project, Any],
) -> None:
    _, (dbt, _) = checks_project
    settings = DbtResultsSettings.model_validate(
        {
            "select": ["stg_orderz", "stg_customers"],
            "exclude": ["tagg:finance"],
            "overrides": [{"select": ["tag:financ"], "owner": "x"}],
        }
    )
    with pytest.raises(ConfigError) as raised:
        configured_checks(_every_check(dbt), settings, dbt)
    refused = raised.value.problems.pop(1)
    assert refused.startswith(
        "sentinel.yml dbt_results.exclude: 'tagg:finance' is not a selector dbt accepts: "
    )
    assert "'tagg' is not a valid method name" in refused
    assert raised.value.problems == [
        "sentinel.yml dbt_results.select: 'stg_orderz' selects no node of the project "
        "(did you mean 'stg_orders'?)",
        "sentinel.yml dbt_results.overrides[0].select: 'tag:financ' selects no node of the "
        "project (did you mean 'tag:finance'?)",
    ]


# The hook records every check; `sentinel notify` announces only what these settings want.
HOOK_SETTINGS = """\
dbt_results:
  exclude: [orders_quality]       # the model, and the tests on it with it
  min_severity: error
  overrides:
    - select: [orders_broken]
      owner: oncall
    - select: [customers_clean_drops_nothing]
      severity: warn               # then below min_severity
"""
TYPO_SETTINGS = """\
dbt_results:
  with_dbt_run: true
  select: [stg_orderz]
"""
SQL_ALERT = """\
alerts:
  - name: always_fires
    query: select 'ALERT' as status
"""


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The checks project built with the hook (DuckDB), `sentinel notify` with
    HOOK_SETTINGS, then plain `sentinel dbt-run` with TYPO_SETTINGS."""
    from tests.receivers import Receiver, http_receiver
    from tests.test_dbt_results_hook import CHANNELS, with_hook

    project = make_project(tmp_path_factory.mktemp("hooked"), "checks", "duckdb")
    with_hook(project)
    (project.root / "sentinel.yml").write_text(CHANNELS + HOOK_SETTINGS)
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
            ("notify", "sentinel", ["notify", "-o", "json"]),
        )
        delivered = [n for r in receiver.requests for n in r.json()["notifications"]]
        (project.root / "sentinel.yml").write_text(CHANNELS + TYPO_SETTINGS)
        (project.root / "alerts").mkdir()
        (project.root / "alerts" / "sql.yml").write_text(SQL_ALERT)
        steps |= run_steps(
            project.root,
            env,
            ("typo", "sentinel", ["dbt-run", "--no-notify", "-o", "json"]),
            ("validate", "sentinel", ["validate"]),
        )
    yield {"steps": steps, "delivered": {n["alert"]: n for n in delivered}}


def test_notify_announces_the_hooks_checks_as_dbt_results_wants(hooked: dict[str, Any]) -> None:
    steps, delivered = hooked["steps"], hooked["delivered"]
    assert steps["build"]["code"] == 1 and "sqlsentinel: recorded" in steps["build"]["output"]
    assert steps["notify"]["code"] == 0, steps["notify"]
    # Failures at error are announced; the override's owner goes with them.
    assert delivered["orders_broken"]["owner"] == "oncall"
    assert "assert_no_negative_amounts" not in delivered  # on orders_quality: excluded
    assert not [a for a in delivered if "orders_quality" in a]  # its failure and its error
    # Warnings are below min_severity, and so is the unit test's failure, lowered to warn.
    assert "accepted_values_stg_orders_status__placed__shipped" not in delivered
    assert "sampled_failing_rows" not in delivered
    assert "customers_clean_drops_nothing" not in delivered
    assert "negative_amounts_meta" in delivered  # a meta alert: not a dbt check


def test_a_dbt_results_term_that_selects_nothing_fails_alone(hooked: dict[str, Any]) -> None:
    typo = hooked["steps"]["typo"]
    report = json.loads(typo["output"])
    assert typo["code"] == 1  # a failed run, not one that could not start
    assert report["problems"] == [
        "sentinel.yml dbt_results.select: 'stg_orderz' selects no node of the project "
        "(did you mean 'stg_orders'?)"
    ]
    assert "Not recorded: sentinel.yml dbt_results.select: 'stg_orderz'" in typo["errors"]
    results = {r["alert"]: r for r in report["results"]}
    assert results["always_fires"]["status"] == "ALERT"  # the SQL alerts still run
    assert not [r for r in report["results"] if r["dbt_node"]]
    # Not even left out as recorded by the hook already: none of dbt's checks was taken.
    assert not (report["already_recorded"] or {}).get("checks")
    validated = hooked["steps"]["validate"]
    assert validated["code"] == 2  # a configuration problem, as a misdeclared alert's
    assert "dbt_results.select: 'stg_orderz' selects no node" in " ".join(
        validated["errors"].split()
    )


def test_freshness_of_another_target_is_not_recorded(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`dbt source freshness` writes no `args`: its sources.json is taken only when the
    manifest.json of its invocation resolves the project as this target does."""
    project = make_project(tmp_path_factory.mktemp("targets"), "checks", "duckdb")
    profiles = yaml.safe_load((project.root / "profiles.yml").read_text())
    outputs = profiles["checks"]["outputs"]
    outputs["other"] = {**outputs["ci"], "path": str(project.root / "other.duckdb")}
    (project.root / "profiles.yml").write_text(yaml.safe_dump(profiles))
    record = ["dbt-run", "--from-artifacts", str(project.root / "target"), "-o", "json"]
    steps = run_steps(
        project.root,
        {**os.environ, "COLUMNS": "2000"},  # one line per message, whatever the temp path
        ("seed_other", "dbt", ["seed", "--target", "other"]),  # its sources exist there
        ("build", "dbt", ["build"]),
        ("other", "dbt", ["source", "freshness", "--target", "other"]),
        ("refused", "sentinel", record),
        ("ours", "dbt", ["source", "freshness"]),
        ("taken", "sentinel", record),
        ("rebuild", "dbt", ["build"]),  # a manifest of its own: sources.json is older
        ("untied", "sentinel", record),
    )
    assert steps["other"]["code"] == 1  # it checked sources (a stale one fails)

    def sources(step: str) -> set[str]:
        report = json.loads(steps[step]["output"])
        return {
            r["dbt_node"] for r in report["results"] if (r["dbt_node"] or "").startswith("source.")
        }

    assert sources("refused") == set()
    said = " ".join(steps["refused"]["errors"].split())  # as the terminal wrapped it
    schema = project.schema
    assert re.search(
        r"target/sources\.json is not recorded: its `dbt source freshness` ran on another "
        rf'target \(source\.checks\.shop\.[^;]+ was "other"\."{schema}"\."\w+"; '
        rf'on target \'ci\' it is "warehouse"\."{schema}"\."\w+"\)',
        said,
    ), said
    refused = {r["dbt_node"]: r for r in json.loads(steps["refused"]["output"])["results"]}
    # The build's checks are recorded, with the failures stored on this target, not in
    # the tables the other target's manifest.json names.
    [unique] = [r for uid, r in refused.items() if "unique_orders_quality_id" in (uid or "")]
    assert unique["context"]["failing_rows"] == [{"unique_field": 4, "n_records": 2}]
    assert "source.checks.shop.raw_orders" in sources("taken")
    assert sources("untied") == set()
    assert "no run_results.json or manifest.json of its `dbt source freshness`" in " ".join(
        steps["untied"]["errors"].split()
    )
