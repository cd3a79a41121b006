"""CI-gate outputs of `sentinel dbt-run`: JUnit XML, GitHub's step summary and annotations."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.gate import step_summary, workflow_annotations
from tests.conftest import Project, cli

SELECTED = "customers_without_email revenue_below_target broken_sql orders_present"
# The outputs are made from a run's results, the same on every warehouse: DuckDB's will do.
ON_DUCKDB = pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)


@ON_DUCKDB
def test_junit_summary_and_annotations_from_one_run(
    shop: Project, sentinel_schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    junit_file = tmp_path / "reports" / "alerts.xml"
    result = cli(
        "dbt-run",
        *shop.flags(),
        "--select",
        SELECTED,
        "--junit-xml",
        str(junit_file),
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    )
    assert result.exit_code == 1  # revenue_below_target fires at error; broken_sql errors

    suites = ElementTree.parse(junit_file).getroot()
    (suite,) = suites.findall("testsuite")
    assert suite.get("name") == "shop"
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "4",
        "failures": "1",
        "errors": "1",
        "skipped": "0",
    }
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["revenue_below_target"].find("failure") is not None
    assert "ALERT (error)" in cases["revenue_below_target"].find("failure").get("message", "")  # type: ignore[union-attr]
    assert cases["broken_sql"].find("error") is not None
    assert cases["orders_present"].find("*") is None  # passed, nothing to say
    below = cases["customers_without_email"].find("system-out")
    assert below is not None and "firing below the gate" in (below.text or "")

    summary = summary_file.read_text()
    assert summary.startswith("earlier step\n## sqlsentinel alerts")  # appended, not replaced
    assert "4 results, 2 failing the gate" in summary
    assert summary.count("\n| ") == 6  # header, rule, 4 rows

    lines = result.stdout.splitlines()
    assert any(
        line.startswith("::error title=sqlsentinel%3A revenue_below_target::") for line in lines
    )
    assert any(line.startswith("::error title=sqlsentinel%3A broken_sql::") for line in lines)
    assert any(
        line.startswith("::warning title=sqlsentinel%3A customers_without_email::")
        for line in lines
    )
    assert not any("orders_present" in line and line.startswith("::") for line in lines)


@ON_DUCKDB
def test_without_github_there_is_no_summary_and_no_annotation(
    shop: Project, sentinel_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = cli(
        "dbt-run",
        *shop.flags(),
        "--select",
        "revenue_below_target",
        "--vars",
        f"{{sqlsentinel_schema: {sentinel_schema}}}",
    )
    assert result.exit_code == 1
    assert "::error" not in result.stdout + result.stderr


def test_result_values_cannot_break_the_table_or_the_commands() -> None:
    hostile = AlertResult(
        "a",
        Status.ERROR,
        Severity.ERROR,
        key="eu|west",
        error="bad <script>x</script> | @team\n::error::injected 100%",
    )
    summary = step_summary([hostile], Severity.ERROR, "r1")
    row = summary.splitlines()[-1]
    assert row.count(" | ") == 7  # 8 cells: the pipes in the values are escaped
    assert "<script>" not in summary and "@\u200bteam" in summary
    (command,) = workflow_annotations([hostile], Severity.ERROR)
    assert "\n" not in command and "%0A::error::injected 100%25" in command
    assert command.startswith("::error title=sqlsentinel%3A a[eu|west]::")
