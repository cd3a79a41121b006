"""`sentinel demo`: the bundled project builds on DuckDB and its alerts give known results."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import cli


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = cli("demo", "--dir", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.stderr
    assert "20 results: 6 alerting, 14 ok, 0 errors" in result.stdout

    flags = ["--project-dir", str(tmp_path / "demo"), "--profiles-dir", str(tmp_path / "demo")]
    history = cli("history", *flags, "-o", "json", "--limit", "100").json()["history"]
    firing = sorted({(r["alert_name"], r["alert_key"]) for r in history if r["status"] == "ALERT"})
    assert firing == [
        ("daily_revenue_drop", None),
        ("monthly_churn_rate", None),
        ("orders_duplicate_ids", "1640"),
        ("orders_missing_customer", None),
        ("payment_failure_rate", "card"),
        ("unpaid_orders", None),
    ]
    listed = cli("list", *flags, "-o", "json").json()["alerts"]
    assert len(listed) == 13
    assert sum("meta of" in a["declared_in"] for a in listed) == 3


def test_the_demo_hints_work_as_printed(tmp_path: Path) -> None:
    """The README runs `.venv/bin/sentinel demo`, with no virtualenv activated: each hint
    names a `sentinel` that runs from where the demo ran, and works."""
    result = cli("demo", "--dir", str(tmp_path / "my demo"))  # a space in the path too
    hints = result.stdout.split("Try:\n", 1)[1].splitlines()
    assert len(hints) == 6
    script = Path(sys.executable).parent / "sentinel"
    for hint in hints:
        program, *args = shlex.split(hint)
        found = shutil.which(program) if os.sep not in program else program
        assert found and Path(found).resolve() == script.resolve(), hint
        if args[0] == "serve":
            serves_the_dashboard(program, args)
            continue
        ran = cli(*args)
        assert ran.exit_code in (0, 1), (hint, ran.stderr)
    assert (tmp_path / "my demo" / "sentinel-report.html").stat().st_size > 50_000


def serves_the_dashboard(program: str, args: list[str]) -> None:
    """`sentinel serve` as printed, on a free port (tests run side by side): it answers."""
    command = [program, *args, "--port", "0"]  # the last --port wins
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as serving:
        try:
            assert serving.stderr
            line = next(line for line in serving.stderr if "sentinel serve: http" in line)
            url = line.split(": ", 1)[1].strip().rstrip("/")
            alerts = requests.get(f"{url}/api/alerts", timeout=60).json()
            assert len(alerts) == 13
            assert "sqlsentinel" in requests.get(f"{url}/", timeout=60).text
        finally:
            serving.terminate()
