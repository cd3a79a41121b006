"""The README's guide, run as written against the demo project."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from string import Template
from typing import Any

import yaml
from packaging.requirements import Requirement

from sqlsentinel_dbt.dbt import dbt_build
from sqlsentinel_dbt.demo import prepare_demo
from sqlsentinel_dbt.resources import project_template
from tests.conftest import cli, make_project
from tests.git_repo import git_copy_of_repo

CAPTURE: dict[str, Any] = {"capture_output": True, "text": True}

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def blocks(language: str) -> list[str]:
    pattern = rf"```{language}\n(.*?)```"
    return [re.sub(r"^ {3}", "", b, flags=re.M) for b in re.findall(pattern, README, re.S)]


def test_the_two_commands_are_the_ones_ci_runs() -> None:
    commands = blocks("bash")[:2]
    assert commands[0].strip().endswith("sentinel demo")
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert commands[1].strip() in ci


def test_guide_alerts_and_commands_work_on_the_demo(tmp_path: Path) -> None:
    args = prepare_demo(tmp_path / "demo")
    root = Path(str(args.project_dir))
    alert_file, properties = blocks("yaml")
    (root / "alerts" / "readme.yml").write_text(alert_file)
    (root / "models" / "readme.yml").write_text("version: 2\n" + properties)
    dbt_build(args)
    flags = ["--project-dir", str(root), "--profiles-dir", str(root)]

    [guide_block] = [b for b in blocks("bash") if "sentinel validate" in b]
    guide = [line.split("#")[0].strip() for line in guide_block.splitlines()]
    ran = 0
    for line in filter(None, guide):
        for command in line.split("&&"):
            words = shlex.split(command)
            if words[0] == "dbt":
                continue  # built above through dbt's own runner
            assert words[0] == "sentinel"
            rest = [w for w in words[1:] if w not in ("--target", "prod")]
            result = cli(*rest, *flags)
            assert result.exit_code in (0, 1), (command, result.stderr)
            ran += 1
    assert ran == 5

    document = cli(
        "dbt-run",
        *flags,
        "-o",
        "json",
        "--select",
        "payment_failures_by_method payments_missing_order",
    ).json()
    results = {(r["alert"], r["key"]): r for r in document["results"]}
    assert results[("payment_failures_by_method", "card")]["context"]["payments"] > 0
    assert results[("payments_missing_order", None)]["status"] == "OK"
    assert document["summary"]["errors"] == 0
    assert yaml.safe_load(alert_file)["alerts"][0]["name"] == "payment_failures_by_method"


def install_requirement(block: str, env: dict[str, str]) -> Requirement:
    """The requirement a `pip install "..."` line installs, with its variables set."""
    [line] = [line for line in block.splitlines() if line.strip().startswith("pip install")]
    return Requirement(Template(shlex.split(line)[2]).substitute(env))


def test_the_install_command_installs_from_git_as_the_workflow_does(tmp_path: Path) -> None:
    """sqlsentinel-dbt is not on PyPI: the README installs it from the git URL the user sets,
    and the workflow `sentinel init` writes installs it the same way."""
    url = git_copy_of_repo(tmp_path / "sqlsentinel-dbt")
    [block] = [b for b in blocks("bash") if "pip install" in b and "SQLSENTINEL_GIT" in b]
    [variable] = re.findall(r"^export (SQLSENTINEL_GIT)=", block, re.M)
    readme = install_requirement(block, {variable: url})
    workflow = (project_template() / ".github" / "workflows" / "sentinel.yml").read_text()
    env = yaml.safe_load(workflow)["jobs"]["build-and-alert"]["env"]
    ci = install_requirement(workflow.replace("- run: ", ""), {**env, variable: url})
    assert (readme.name, readme.url) == (ci.name, ci.url) == ("sqlsentinel-dbt", readme.url)
    assert readme.url == f"git+{url}@{env['SQLSENTINEL_REVISION']}"

    # Installed (from uv's cache: no network) into a fresh virtualenv, it works on a dbt
    # project right after `sentinel init`, with no dbt package installed.
    uv = Path(sys.executable).parent / "uv"
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "-p", sys.executable, venv], check=True)
    install = [uv, "pip", "install", "-q", "--offline", "--python", venv / "bin" / "python"]
    subprocess.run([*install, str(readme)], check=True, capture_output=True)
    project = make_project(tmp_path, "shop", "duckdb")
    sentinel = [str(venv / "bin" / "sentinel")]
    init = subprocess.run([*sentinel, "init", "--project-dir", str(project.root)], **CAPTURE)
    assert init.returncode == 0, init.stderr
    assert "set SQLSENTINEL_GIT" in init.stderr  # a file: URL is this machine's: not written
    listed = subprocess.run([*sentinel, "list", *project.flags(), "-o", "json"], **CAPTURE)
    assert listed.returncode == 0, listed.stderr
    assert "orders_present" in {a["name"] for a in json.loads(listed.stdout)["alerts"]}
