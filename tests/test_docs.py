"""Docs that describe the code stay equal to the code."""

from __future__ import annotations

import re
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


def test_relative_links_in_readme_and_docs_point_at_files() -> None:
    pages = [DOCS.parent / "README.md", *DOCS.glob("*.md")]
    links = [
        (page, target)
        for page in pages
        for target in re.findall(r"\]\(([^)#]+)\)", page.read_text())
        if "://" not in target
    ]
    assert links, "no links found: the pattern is broken"
    assert [(p.name, t) for p, t in links if not (p.parent / t).exists()] == []
