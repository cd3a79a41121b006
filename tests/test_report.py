"""`sentinel report --out`: one self-contained HTML file, values escaped.

What it shows in a browser: tests/test_dashboard_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sqlsentinel_dbt.dbt import dbt_build
from tests.browser_kit import report_data
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
    for _ in range(2):  # two runs: two points in each chart
        cli("dbt-run", *project.flags(), "--select", "tag:report revenue_below_target")
    out = tmp_path / "artifacts" / "alerts.html"
    result = cli("report", *project.flags(), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    page = out.read_text()

    parser = Tags()
    parser.feed(page)
    # Nothing comes from elsewhere: no src, and no href but the page's own views.
    assert not [attrs for _, attrs in parser.tags if "src" in attrs]
    hrefs = {attrs["href"] for _, attrs in parser.tags if "href" in attrs}
    assert hrefs <= {"data:,", "#view", "#/", "#/noise"}
    # Its scripts are inline, and its policy allows exactly those.
    policy = "Content-Security-Policy"
    [csp] = [a["content"] for _, a in parser.tags if a.get("http-equiv") == policy]
    assert csp and "default-src 'none'" in csp
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 4  # uPlot, and the dashboard's three
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp

    # The hostile value is data, escaped so that it cannot end the data block.
    assert "<script>alert(1)</script>" not in page
    data = report_data(page)
    states = {a["name"]: a for a in data["alerts"]}
    assert "<script>alert(1)</script>" in states["hostile_status"]["last_error"]
    assert states["with_values"]["state"] == "firing"
    assert states["hostile_status"]["state"] == "error"
    assert states["orders_present"]["state"] == "never run"
    values = [(p["actual_value"], p["threshold"]) for p in data["history"]["with_values"]]
    assert values == [(12, 10), (12, 10)]
    detail = data["details"]["with_values"]
    assert detail["sql"].startswith("select 'ALERT'") and detail["can_run"] is False
