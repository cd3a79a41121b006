"""Docs that describe the code stay equal to the code."""

from __future__ import annotations

from pathlib import Path

from sqlsentinel_dbt.config.schema import alert_fields_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_alert_field_reference_matches_the_model() -> None:
    assert alert_fields_markdown() in (DOCS / "alerts.md").read_text()


def test_history_columns_in_docs_match_the_macro() -> None:
    macro = (DOCS.parent / "macros" / "storage" / "alert_history_columns.sql").read_text()
    documented = (DOCS / "alerts.md").read_text().split("## History", 1)[1]
    for line in macro.splitlines():
        if line.strip().startswith("('"):
            column = line.strip()[2:].split("'", 1)[0]
            assert f"`{column}`" in documented, column
