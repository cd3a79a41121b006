"""validate, list, compile, schema, and start-up failures (exit code 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import FIXTURES, Project, cli, make_project


def test_compile_prints_sql_with_refs_vars_and_macros(shop: Project) -> None:
    result = cli("compile", "region_revenue_low", *shop.flags())
    assert result.exit_code == 0
    assert "{{" not in result.stdout
    assert f'"{shop.schema}"."region_revenue"' in result.stdout.replace("main.", "")
    assert "when 'eu' then 250" in result.stdout


def test_compile_unknown_alert_suggests_names(shop: Project) -> None:
    result = cli("compile", "region_revenue", *shop.flags())
    assert result.exit_code == 2
    assert "did you mean 'region_revenue_low'" in result.stderr


def test_compile_error_exits_1(shop: Project) -> None:
    result = cli("compile", "broken_jinja", *shop.flags())
    assert (result.exit_code, "no_such_macro" in result.stderr) == (1, True)


def test_validate_reports_compile_failures(shop: Project) -> None:
    result = cli("validate", *shop.flags())
    assert result.exit_code == 1
    assert "13 alerts, 12 enabled, 11 compiled, 1 failed to compile" in result.stdout
    assert "broken_jinja" in result.stderr


def test_list_shows_declarations_and_dependencies(shop: Project) -> None:
    listed = {a["name"]: a for a in cli("list", *shop.flags(), "-o", "json").json()["alerts"]}
    assert "disabled_alert" not in listed
    assert (
        listed["orders_negative_amount"]["declared_in"]
        == "models/sources.yml (meta of model.shop.stg_orders)"
    )
    assert listed["customers_without_email"]["depends_on"] == ["source.shop.crm.raw_customers"]
    assert listed["region_revenue_low"]["depends_on"] == ["model.shop.region_revenue"]


def test_one_misdeclared_alert_fails_alone_and_validate_refuses_it(
    tmp_path: Path, shop: Project
) -> None:
    root = tmp_path / "bad"
    shutil.copytree(shop.root, root, ignore=shutil.ignore_patterns("target", "*.duckdb*", "logs"))
    (root / "alerts" / "oops.yml").write_text(
        "alerts:\n"
        "  - name: oops\n    tags: [oops]\n    query: select 1\n    sevrity: warn\n"
        "  - name: never_fires\n    tags: [oops]\n    query: select 1\n"
        "    schedule: '0 0 30 2 *'\n"
        "  - name: overflows\n    tags: [oops]\n    query: select 1\n"
        "    for: 99999999999999999999d\n    timeout: 99999999999999999999d\n"
        "  - name: fine\n    tags: [oops]\n    query: select 'OK' as status\n"
    )
    flags = ["--project-dir", str(root), "--profiles-dir", str(root)]

    validated = cli("validate", *flags)
    assert validated.exit_code == 2
    for said in [
        "alerts/oops.yml: alert 'oops': unknown field 'sevrity'; did you mean 'severity'?",
        "alerts/oops.yml: alert 'never_fires': field 'schedule'",
        "alerts/oops.yml: alert 'overflows': field 'for'",
        "alerts/oops.yml: alert 'overflows': field 'timeout'",
    ]:
        assert said in validated.stderr, validated.stderr

    result = cli("dbt-run", *flags, "-o", "json", "--select", "tag:oops")
    assert result.exit_code == 1  # errors fail the run, but the run happened
    by_name = {r["alert"]: r for r in result.json()["results"]}
    assert by_name["fine"]["status"] == "OK"
    for name in ("oops", "never_fires", "overflows"):
        assert by_name[name]["status"] == "ERROR"
        assert by_name[name]["error"].startswith("config error: alerts/oops.yml: alert")
    history = cli("history", *flags, "-o", "json", "--limit", "20").json()["history"]
    assert {"oops", "never_fires", "overflows", "fine"} <= {r["alert_name"] for r in history}


def test_a_problem_outside_any_one_alert_exits_2_and_runs_nothing(
    tmp_path: Path, shop: Project
) -> None:
    root = tmp_path / "bad"
    shutil.copytree(shop.root, root, ignore=shutil.ignore_patterns("target", "*.duckdb*", "logs"))
    (root / "alerts" / "oops.yml").write_text("alerts:\n  - query: select 1\n")
    flags = ["--project-dir", str(root), "--profiles-dir", str(root)]
    result = cli("dbt-run", *flags, "-o", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "alerts/oops.yml: alert #1: field 'name' is required" in result.stderr


def test_missing_project_exits_2() -> None:
    result = cli("dbt-run", "--project-dir", "/nonexistent/project")
    assert result.exit_code == 2
    assert "dbt project error" in result.stderr and "/nonexistent/project" in result.stderr


def test_unknown_target_exits_2(shop: Project) -> None:
    result = cli("dbt-run", *shop.flags(), "--target", "no_such_target")
    assert result.exit_code == 2
    assert "no_such_target" in result.stderr


def test_unreachable_warehouse_exits_2(tmp_path: Path) -> None:
    root = tmp_path / "down"
    shutil.copytree(FIXTURES / "shop", root)
    output = {
        "type": "postgres",
        "host": "127.0.0.1",
        "port": 1,
        "user": "x",
        "password": "",
        "dbname": "x",
        "schema": "s",
        "threads": 1,
    }
    (root / "profiles.yml").write_text(
        yaml.safe_dump({"shop": {"target": "ci", "outputs": {"ci": output}}})
    )
    result = cli(
        "dbt-run",
        "--project-dir",
        str(root),
        "--profiles-dir",
        str(root),
        "--select",
        "orders_present",
    )
    assert result.exit_code == 2
    assert "cannot reach the warehouse" in result.stderr


def test_schema_validates_the_fixture_alert_files() -> None:
    result = cli("schema")
    schema = json.loads(result.stdout)
    for path in (FIXTURES / "shop" / "alerts").rglob("*.y*ml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"alerts": [{"name": "x", "query": "q", "sevrity": "warn"}]}, schema)


def test_compiled_jinja_is_cached_but_rendered_fresh_each_time(shop: Project) -> None:
    cache = shop.root / "target" / "sqlsentinel" / "jinja"
    first = cli("compile", "revenue_below_target", *shop.flags(), "--vars", "revenue_target: 7")
    cached = set(cache.iterdir())
    second = cli("compile", "revenue_below_target", *shop.flags(), "--vars", "revenue_target: 9")
    assert "sum(amount) < 7" in first.stdout
    assert "sum(amount) < 9" in second.stdout  # the cache holds code, never output
    assert cached and set(cache.iterdir()) == cached


def test_compile_works_when_the_cache_cannot_be_written(tmp_path: Path) -> None:
    project = make_project(tmp_path, "shop", "duckdb")
    (project.root / "target").mkdir()
    (project.root / "target" / "sqlsentinel").write_text("a file where the cache would go")
    result = cli("compile", "revenue_below_target", *project.flags())
    assert (result.exit_code, "sum(amount) < 1000" in result.stdout) == (0, True)


def test_every_command_that_opens_the_project_takes_the_same_dbt_flags_declared_once() -> None:
    import typer.main

    from sqlsentinel_dbt.cli import app

    flags = {"--project-dir", "--profiles-dir", "--profile", "--target", "--vars"}
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    opening = {}
    for name, command in commands.items():
        options = {o for p in command.params for o in p.opts}
        if options & flags - {"--project-dir"}:
            opening[name] = options & (flags | {"--threads"})
    assert {name: sorted(found) for name, found in opening.items()} == {
        name: sorted(flags | ({"--threads"} if name in ("dbt-run", "daemon") else set()))
        for name in opening
    }
    assert set(opening) == set(commands) - {"init", "demo", "schema"}
    # Declared once: no command module spells a dbt flag itself.
    cli_dir = Path(__file__).parent.parent / "sqlsentinel_dbt" / "cli"
    spelled = [p.name for p in cli_dir.glob("*.py") if '"--profiles-dir"' in p.read_text()]
    assert spelled == ["options.py"]
