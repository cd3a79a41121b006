"""`sentinel report --out`: one self-contained HTML file, values escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sqlsentinel_dbt.dbt import dbt_build
from tests.conftest import Project, cli, drop_pg_schemas, make_project

HOSTILE_ALERT = """
alerts:
  - name: hostile_status
    tags: [report]
    query: "select '<script>alert(1)</script>' as status"
  - name: with_values
    tags: [report]
    query: "select 'ALERT' as status, 12 as actual_value, 10 as threshold"
"""


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def project(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    built = make_project(tmp_path_factory.mktemp("report"), "shop", warehouse)
    (built.root / "alerts" / "report.yml").write_text(HOSTILE_ALERT)
    dbt_build(built.args)
    yield built
    if warehouse == "postgres":
        drop_pg_schemas(built.schema)


def test_the_report_is_self_contained_and_escapes_values(project: Project, tmp_path: Path) -> None:
    for _ in range(2):  # two runs: a line in each chart
        cli("dbt-run", *project.flags(), "--select", "tag:report revenue_below_target")
    out = tmp_path / "artifacts" / "alerts.html"
    result = cli("report", *project.flags(), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    page = out.read_text()

    parser = Tags()
    parser.feed(page)
    names = [tag for tag, _ in parser.tags]
    assert "script" not in names and "link" not in names and "img" not in names
    assert not [attrs for _, attrs in parser.tags if "src" in attrs or "href" in attrs]
    assert names.count("svg") == len(re.findall(r'<tr data-alert="', page))  # a chart each

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    rows = dict(
        re.findall(
            r'<tr data-alert="([^"]+)">\s*<td[^>]*>[^<]*</td>\s*<td class="state [^"]+">([^<]+)<',
            page,
        )
    )
    assert rows["with_values"] == "firing"
    assert rows["hostile_status"] == "error"
    assert rows["orders_present"] == "never run"
    assert "<polyline" in page  # with_values and revenue_below_target have values to draw
