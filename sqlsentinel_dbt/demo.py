"""The bundled demo: copy the demo dbt project, build it on DuckDB, run its alerts."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml

from sqlsentinel_dbt.dbt import DbtArgs, dbt_build
from sqlsentinel_dbt.resources import demo_project
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.runtime.report import RunReport

_IGNORED = shutil.ignore_patterns("target", "logs", "dbt_packages", "*.duckdb", "*.duckdb.wal")


def prepare_demo(directory: Path | None = None) -> DbtArgs:
    """Copy the demo project into `directory` (a new temp dir by default) with a DuckDB profile."""
    target = directory or Path(tempfile.mkdtemp(prefix="sqlsentinel-demo-"))
    shutil.copytree(demo_project(), target, dirs_exist_ok=True, ignore=_IGNORED)
    profile = {
        "sqlsentinel_demo": {
            "target": "dev",
            "outputs": {
                "dev": {
                    "type": "duckdb",
                    # Absolute, so the demo works whatever the current directory is.
                    "path": str((target / "demo.duckdb").resolve()),
                    "threads": 4,
                }
            },
        }
    }
    (target / "profiles.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return DbtArgs(project_dir=str(target), profiles_dir=str(target))


def run_demo(args: DbtArgs) -> RunReport:
    """Build the demo project with dbt, then run every alert and record history."""
    dbt_build(args)
    with Sentinel.open(args) as sentinel:
        return sentinel.run()
