"""`sentinel init` on a real dbt project: files added, none overwritten, the package
installed with `dbt deps` from `local:`, and the template's examples valid once uncommented."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from sqlsentinel_dbt.config.project import load_config
from sqlsentinel_dbt.resources import project_template
from tests.conftest import Project, cli, make_project
from tests.integration_runner import run_dbt


def documented_model() -> str:
    """The example model of docs/dbt_package.md."""
    page = (Path(__file__).parent.parent / "docs" / "dbt_package.md").read_text()
    [sql] = re.findall(r"```sql\n(.*?)```", page, re.S)
    return sql


def documented_packages_entries() -> list[dict[str, str]]:
    page = (Path(__file__).parent.parent / "docs" / "dbt_package.md").read_text()
    return [yaml.safe_load(b)["packages"][0] for b in re.findall(r"```yaml\n(.*?)```", page, re.S)]


@dataclass(frozen=True)
class Dbt:
    returncode: int
    stdout: str
    stderr: str = ""


def dbt(verb: str, project: Project, *flags: str) -> Dbt:
    """A dbt command through dbt's own entry point, in this process (no dbt import to pay)."""
    done = run_dbt([verb, *project.flags(), *flags])
    return Dbt(done["code"], done["output"])


def test_init_adds_files_installs_the_package_and_changes_nothing_twice(tmp_path: Path) -> None:
    project = make_project(tmp_path, "shop", "duckdb")
    (project.root / "sentinel.yml").write_text("channels: []  # mine\n")
    first = cli("init", "--project-dir", str(project.root))
    assert first.exit_code == 0, first.stderr
    assert "created alerts/example_alerts.yml" in first.stdout
    assert "created .github/workflows/sentinel.yml" in first.stdout
    assert "kept    sentinel.yml (already there)" in first.stdout
    assert (project.root / "sentinel.yml").read_text() == "channels: []  # mine\n"

    deps = dbt("deps", project)
    assert deps.returncode == 0, deps.stdout + deps.stderr
    assert (project.root / "dbt_packages" / "sqlsentinel" / "macros").is_dir()
    # The installed package works in pure dbt: its macro creates the history table.
    operation = dbt("run-operation", project, "sqlsentinel.ensure_alert_history")
    assert operation.returncode == 0, operation.stdout + operation.stderr
    # ... and sentinel still works on the project, package installed and template added.
    validated = cli("validate", *project.flags())
    assert "failed to compile" in validated.stdout  # the shop's deliberately broken alert
    assert validated.exit_code == 1, validated.stderr

    # The tables are sources a user model can read, and a full refresh leaves them be.
    assert dbt("build", project).returncode == 0
    assert cli("dbt-run", *project.flags(), "--select", "orders_present").exit_code == 0
    (project.root / "models" / "alert_report.sql").write_text(documented_model())
    rebuilt = dbt("build", project, "--full-refresh")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    history = cli("history", *project.flags(), "-o", "json").json()["history"]
    assert [row["alert_name"] for row in history] == ["orders_present"]

    second = cli("init", "--project-dir", str(project.root))
    assert "created" not in second.stdout
    assert "packages.yml already lists sqlsentinel" in second.stdout


def test_packages_yml_is_appended_to_keeping_comments(tmp_path: Path) -> None:
    project = make_project(tmp_path, "shop", "duckdb")
    original = (
        "# our packages\npackages:\n  - package: dbt-labs/dbt_utils  # pinned\n    version: 1.3.0\n"
    )
    (project.root / "packages.yml").write_text(original)
    result = cli(
        "init",
        "--project-dir",
        str(project.root),
        "--package-git",
        "https://example.test/s.git",
        "--revision",
        "v0.1.0",
    )
    assert result.exit_code == 0, result.stderr
    text = (project.root / "packages.yml").read_text()
    assert text.startswith(original)
    assert yaml.safe_load(text)["packages"][1] == {
        "git": "https://example.test/s.git",
        "revision": "v0.1.0",
    }


def test_packages_yml_that_cannot_be_appended_safely_is_left_alone(tmp_path: Path) -> None:
    project = make_project(tmp_path, "shop", "duckdb")
    original = "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\nextra: true\n"
    (project.root / "packages.yml").write_text(original)
    result = cli("init", "--project-dir", str(project.root))
    assert (project.root / "packages.yml").read_text() == original
    assert "add these lines under `packages:`" in result.stderr and "local:" in result.stderr


def test_documented_packages_entries_are_what_init_writes(tmp_path: Path) -> None:
    from sqlsentinel_dbt.scaffold import package_entry

    git, local = documented_packages_entries()
    written = yaml.safe_load("packages:\n" + package_entry(git["git"], git["revision"]))
    assert written["packages"] == [git]
    assert set(local) == {"local"}
    assert set(yaml.safe_load("packages:\n" + package_entry())["packages"][0]) == {"local"}


def test_init_outside_a_dbt_project_exits_2(tmp_path: Path) -> None:
    result = cli("init", "--project-dir", str(tmp_path))
    assert result.exit_code == 2 and "no dbt_project.yml" in result.stderr


def uncommented(text: str) -> str:
    """A template file with its commented examples switched on."""
    text = re.sub(r"^(alerts|channels|routes): \[\]$", r"\1:", text, flags=re.M)
    return "\n".join(line[1:] if line.startswith("#  ") else line for line in text.splitlines())


def test_template_examples_are_valid_once_uncommented(tmp_path: Path) -> None:
    template = project_template()
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "a.yml").write_text(
        uncommented((template / "alerts" / "example_alerts.yml").read_text())
    )
    (tmp_path / "sentinel.yml").write_text(uncommented((template / "sentinel.yml").read_text()))
    config = load_config(tmp_path)
    assert [d.name for d in config.alerts] == [
        "orders_arrived_today",
        "payment_failure_rate",
        "customers_without_email",
    ]
    assert sorted(config.channels) == ["oncall_pagerduty", "ops_webhook", "team_slack"]
    assert len(config.routes) == 2


def test_workflow_runs_sentinel_with_real_flags() -> None:
    workflow = yaml.safe_load(
        (project_template() / ".github" / "workflows" / "sentinel.yml").read_text()
    )
    steps = workflow["jobs"]["build-and-alert"]["steps"]
    runs = [s.get("run", "") for s in steps]
    run_step = "sentinel dbt-run --fail-on error --junit-xml target/sentinel-junit.xml"
    assert runs[-3:-1] == ["dbt build", run_step]
    assert steps[-1]["if"] == "always()"  # the report is kept when the gate fails the job
    assert steps[-1]["with"]["path"] == "target/sentinel-junit.xml"
    help_text = cli("dbt-run", "--help").stdout
    assert "--fail-on" in help_text and "--junit-xml" in help_text
