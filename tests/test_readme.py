"""The README's guide, run as written against the demo project."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from sqlsentinel_dbt.dbt import dbt_build
from sqlsentinel_dbt.demo import prepare_demo
from tests.conftest import cli

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

    guide = [line.split("#")[0].strip() for line in blocks("bash")[2].splitlines()]
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
