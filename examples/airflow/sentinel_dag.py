"""An Airflow DAG that runs a dbt project's alerts in SENTINEL_SHARDS mapped tasks.

Each alert runs in exactly one task (`sentinel dbt-run --shard I/N`); set DBT_PROJECT_DIR
(and DBT_PROFILES_DIR if profiles.yml is elsewhere). See docs/orchestrators.md.
"""

import os
from datetime import datetime

from airflow.sdk import DAG

from sqlsentinel_dbt.orchestrators.airflow import SentinelRunOperator, shards

PROJECT_DIR = os.environ["DBT_PROJECT_DIR"]
PROFILES_DIR = os.environ.get("DBT_PROFILES_DIR", PROJECT_DIR)

with DAG("sqlsentinel_alerts", schedule="*/15 * * * *", start_date=datetime(2026, 1, 1),
         catchup=False, max_active_runs=1):  # fmt: skip
    SentinelRunOperator.partial(
        task_id="alerts", project_dir=PROJECT_DIR, profiles_dir=PROFILES_DIR, fail_on="never"
    ).expand(shard=shards(int(os.environ.get("SENTINEL_SHARDS", "3"))))
