"""Dagster definitions: a dbt project's assets built by dagster-dbt, checked by sqlsentinel.

Set DBT_PROJECT_DIR (and DBT_PROFILES_DIR, if profiles.yml is elsewhere), run `dbt parse`
there once for target/manifest.json, then load this file with `dagster dev -f` or
`dagster asset materialize -f` (docs/orchestrators.md).
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Definitions
from dagster_dbt import DbtCliResource, dbt_assets

from sqlsentinel_dbt.orchestrators.dagster import sentinel_asset_checks

PROJECT_DIR = Path(os.environ["DBT_PROJECT_DIR"])
PROFILES_DIR = Path(os.environ.get("DBT_PROFILES_DIR", PROJECT_DIR))
MANIFEST = PROJECT_DIR / "target" / "manifest.json"


@dbt_assets(manifest=MANIFEST)
def dbt_project_assets(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Every model, seed and snapshot of the project, built by `dbt build`."""
    yield from dbt.cli(["build"], context=context).stream()


defs = Definitions(
    assets=[dbt_project_assets],
    asset_checks=[
        sentinel_asset_checks(MANIFEST, project_dir=PROJECT_DIR, profiles_dir=PROFILES_DIR)
    ],
    resources={"dbt": DbtCliResource(project_dir=str(PROJECT_DIR), profiles_dir=str(PROFILES_DIR))},
)
