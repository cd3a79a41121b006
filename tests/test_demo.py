"""`sentinel demo`: the bundled project builds on DuckDB and its alerts give known results."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

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
    assert len(hints) == 4
    script = Path(sys.executable).parent / "sentinel"
    for hint in hints:
        program, *args = shlex.split(hint)
        found = shutil.which(program) if os.sep not in program else program
        assert found and Path(found).resolve() == script.resolve(), hint
        ran = cli(*args)
        assert ran.exit_code in (0, 1), (hint, ran.stderr)
