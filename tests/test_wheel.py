"""The wheel carries the dbt package and the demo, so `sentinel demo` works from PyPI."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_bundles_macros_and_demo(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = "sqlsentinel_dbt/_bundled/"
    assert f"{bundled}package/dbt_project.yml" in names
    assert f"{bundled}package/macros/storage/insert_alert_history.sql" in names
    assert f"{bundled}package/models/sqlsentinel_tables.yml" in names
    assert f"{bundled}demo/dbt_project.yml" in names
    assert f"{bundled}demo/alerts/ecommerce.yml" in names
    assert f"{bundled}demo/seeds/raw_orders.csv" in names
    assert "sqlsentinel_dbt/notify/templates/email.html.j2" in names
    assert f"{bundled}template/alerts/example_alerts.yml" in names
    assert f"{bundled}template/.github/workflows/sentinel.yml" in names
    assert f"{bundled}package/macros/outbox/insert_notifications.sql" in names
    assert not any(n.startswith(f"{bundled}demo/target/") or n.endswith(".duckdb") for n in names)
