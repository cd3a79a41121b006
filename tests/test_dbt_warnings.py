"""dbt's deprecation warnings about the user's project: each kind once per command, as one
line; none under `--output json` unless `--log-level` asks for them."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from tests.conftest import cli, make_project

# A seed and a model with each of three things dbt >= 1.10 deprecates: a top-level `meta`,
# a custom key, and a generic test's arguments outside `arguments:`.
DEPRECATED = """
version: 2
seeds:
  - name: raw_orders
    meta: {owner: me}
    columns:
      - name: region
        my_custom_key: 1
        data_tests:
          - accepted_values:
              values: [eu, us, apac]
models:
  - name: region_revenue
    meta: {owner: you}
    columns:
      - name: region
        my_custom_key: 2
        data_tests:
          - accepted_values:
              values: [eu, us, apac]
"""


def kinds(stderr: str) -> list[str]:
    """The deprecation kinds named on stderr, one entry per time each is shown."""
    return re.findall(r"\[(\w*Deprecation)\]", stderr)


def test_deprecations_show_once_each_and_not_under_json_output(tmp_path: Path) -> None:
    project = make_project(tmp_path, "shop", "duckdb")
    (project.root / "models" / "deprecated.yml").write_text(DEPRECATED)
    flags = project.flags()

    def listed(*extra: str, run: int) -> str:  # new vars: dbt parses again and warns again
        result = cli(*extra[:-2], "list", *flags, *extra[-2:], "--vars", f"{{run: {run}}}")
        assert result.exit_code == 0, result.stderr
        return result.stderr

    quiet = listed("-o", "json", run=1)
    assert "Deprecat" not in quiet and "\x1b[" not in quiet

    text = listed("-o", "text", run=2)
    shown = kinds(text)
    assert sorted(shown) == sorted(set(shown))  # each kind once, however often it occurs
    assert "\x1b[" not in text
    if tuple(int(p) for p in version("dbt-core").split(".")[:2]) >= (1, 10):
        assert "MissingArgumentsPropertyInGenericTestDeprecation" in shown  # occurs twice

    asked = listed("--log-level", "warning", "-o", "json", run=3)
    assert sorted(kinds(asked)) == sorted(shown)
