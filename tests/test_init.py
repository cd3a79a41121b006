"""`sentinel init` on a real dbt project: files added, none overwritten, nothing that names
this machine, every command working right after it; the dbt package installed by `dbt deps`
from a git URL when asked; the template's examples valid once uncommented."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from sqlsentinel_dbt.config.project import load_config
from sqlsentinel_dbt.resources import package_root, project_template
from tests.conftest import Project, cli, make_project
from tests.git_repo import git_copy_of_repo
from tests.integration_runner import run_dbt


def package_doc_section(title: str) -> str:
    """One `## title` section of docs/dbt_package.md."""
    page = (Path(__file__).parent.parent / "docs" / "dbt_package.md").read_text()
    return page.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def documented_model() -> str:
    """The example model of docs/dbt_package.md."""
    [sql] = re.findall(r"```sql\n(.*?)```", package_doc_section("The tables"), re.S)
    return sql


def documented_packages_entries() -> list[dict[str, str]]:
    blocks = re.findall(r"```yaml\n(.*?)```", package_doc_section("Install"), re.S)
    return [yaml.safe_load(b)["packages"][0] for b in blocks]


@dataclass(frozen=True)
class Dbt:
    returncode: int
    stdout: str
    stderr: str = ""


def dbt(verb: str, project: Project, *flags: str) -> Dbt:
    """A dbt command through dbt's own entry point, in this process (no dbt import to pay)."""
    done = run_dbt([verb, *project.flags(), *flags])
    return Dbt(done["code"], done["output"])


def test_every_command_works_right_after_init_on_any_machine(tmp_path: Path) -> None:
    project = make_project(tmp_path, "shop", "duckdb")
    (project.root / "sentinel.yml").write_text("channels: []  # mine\n")
    first = cli("init", "--project-dir", str(project.root))
    assert first.exit_code == 0, first.stderr
    assert "created alerts/example_alerts.yml" in first.stdout
    assert "created .github/workflows/sentinel.yml" in first.stdout
    assert "kept    sentinel.yml (already there)" in first.stdout
    assert (project.root / "sentinel.yml").read_text() == "channels: []  # mine\n"
    assert "packages.yml untouched" in first.stdout
    assert not (project.root / "packages.yml").exists()
    # Nothing written names this machine: no path of the project, the install or the home.
    machine = {str(tmp_path), str(package_root()), sys.prefix, str(Path.home())}
    created = [line.split()[1] for line in first.stdout.splitlines() if line.startswith("created")]
    assert len(created) >= 3
    for name in created:
        assert not [m for m in machine if m in (project.root / name).read_text()], name
    assert "set SQLSENTINEL_GIT" in first.stderr  # an editable install: nothing to fill in

    # Right away, with no `dbt deps`: sentinel and dbt both work.
    assert cli("list", *project.flags()).exit_code == 0
    validated = cli("validate", *project.flags())
    assert "failed to compile" in validated.stdout  # the shop's deliberately broken alert
    assert validated.exit_code == 1, validated.stderr
    built = dbt("build", project)
    assert built.returncode == 0, built.stdout[-3000:]
    assert cli("dbt-run", *project.flags(), "--select", "orders_present").exit_code == 0

    second = cli("init", "--project-dir", str(project.root))
    assert "created" not in second.stdout


def test_the_package_from_git_installs_with_dbt_deps_and_sentinel_needs_it_not(
    tmp_path: Path,
) -> None:
    url = git_copy_of_repo(tmp_path / "sqlsentinel-dbt")  # named as the team keeps it
    project = make_project(tmp_path, "shop", "duckdb")
    init = ["init", "--project-dir", str(project.root), "--package-git", url]
    first = cli(*init, "--revision", "main")
    assert first.exit_code == 0, first.stderr
    packages = yaml.safe_load((project.root / "packages.yml").read_text())["packages"]
    assert packages == [{"git": url, "revision": "main"}]
    workflow = (project.root / ".github" / "workflows" / "sentinel.yml").read_text()
    assert f"SQLSENTINEL_GIT: {url}\n" in workflow and "SQLSENTINEL_REVISION: main\n" in workflow
    # Listed in packages.yml, not installed yet: every sentinel command still works.
    assert cli("list", *project.flags()).exit_code == 0

    deps = dbt("deps", project)
    assert deps.returncode == 0, deps.stdout + deps.stderr
    assert (project.root / "dbt_packages" / "sqlsentinel" / "macros").is_dir()
    # The installed package works in pure dbt: its macro creates the history table.
    operation = dbt("run-operation", project, "sqlsentinel.ensure_alert_history")
    assert operation.returncode == 0, operation.stdout + operation.stderr

    # The tables are sources a user model can read, and a full refresh leaves them be.
    assert dbt("build", project).returncode == 0
    assert cli("dbt-run", *project.flags(), "--select", "orders_present").exit_code == 0
    (project.root / "models" / "alert_report.sql").write_text(documented_model())
    rebuilt = dbt("build", project, "--full-refresh")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    history = cli("history", *project.flags(), "-o", "json").json()["history"]
    assert [row["alert_name"] for row in history] == ["orders_present"]
    assert "packages.yml already lists sqlsentinel" in cli(*init).stdout


def test_an_uninstalled_package_entry_from_another_machine_does_not_stop_sentinel(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path, "shop", "duckdb")
    elsewhere = "/home/someone/.venv/lib/python3.11/site-packages/sqlsentinel_dbt/_bundled/package"
    packages = project.root / "packages.yml"
    packages.write_text(f"packages:\n  - local: {elsewhere}\n")
    assert cli("list", *project.flags()).exit_code == 0
    # Any other package that is not installed is still dbt's error, named as dbt names it.
    packages.write_text(
        packages.read_text() + "  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n"
    )
    refused = cli("list", *project.flags())
    assert refused.exit_code == 2 and "dbt deps" in refused.stderr


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
    git = ["--package-git", "https://example.test/s.git"]
    result = cli("init", "--project-dir", str(project.root), *git)
    assert (project.root / "packages.yml").read_text() == original
    assert "add these lines under `packages:`" in result.stderr and "git:" in result.stderr


def test_documented_packages_entries_are_what_init_writes_or_relative(tmp_path: Path) -> None:
    from sqlsentinel_dbt.scaffold import package_entry

    git, local = documented_packages_entries()
    written = yaml.safe_load("packages:\n" + package_entry(git["git"], git["revision"]))
    assert written["packages"] == [git]
    assert set(local) == {"local"} and not Path(local["local"]).is_absolute()


def test_init_fills_the_workflow_from_a_git_install_and_never_from_a_path() -> None:
    from sqlsentinel_dbt.install_source import GitSource, git_source
    from sqlsentinel_dbt.scaffold import with_source

    commit = "a" * 40
    vcs = {"vcs": "git", "commit_id": commit, "requested_revision": "main"}
    remote = json.dumps(
        {"url": "https://git.example.test/acme/sqlsentinel-dbt.git", "vcs_info": vcs}
    )
    assert git_source(remote) == GitSource(
        "https://git.example.test/acme/sqlsentinel-dbt.git", commit
    )
    assert git_source(json.dumps({"url": "file:///home/me/clone", "vcs_info": vcs})) is None
    assert git_source(json.dumps({"url": "file:///home/me/clone", "dir_info": {}})) is None
    workflow = (project_template() / ".github" / "workflows" / "sentinel.yml").read_text()
    filled = yaml.safe_load(with_source(workflow, GitSource("https://x.test/s.git", commit)))
    env = filled["jobs"]["build-and-alert"]["env"]
    assert (env["SQLSENTINEL_GIT"], env["SQLSENTINEL_REVISION"]) == ("https://x.test/s.git", commit)


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
