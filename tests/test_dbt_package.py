"""The dbt package's convention, as in dbt-utils: every public macro goes through
`adapter.dispatch(NAME, 'sqlsentinel')` to a `default__NAME`, so that a project can shim any
of them for its adapter; and a shim, written as docs/dbt_package.md shows, is the one both
dbt and `sentinel` use."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import MACROS, make_project, public_macros
from tests.integration_runner import run_steps

REPO = Path(__file__).resolve().parents[1]
# `{% macro NAME(PARAMS) %}BODY{% endmacro %}`, and a generic test's `{% test ... %}` block.
BLOCK = re.compile(r"\{% (macro|test) ([A-Za-z_]\w*)\((.*?)\) %\}(.*?)\{% end\1 %\}", re.S)


def macro_blocks() -> dict[str, tuple[list[str], str, bool]]:
    """Every macro of the package by the name dbt gives it: (parameter names, body, whether
    it is a generic test, which dbt names `test_NAME`)."""
    blocks: dict[str, tuple[list[str], str, bool]] = {}
    for path in MACROS.rglob("*.sql"):
        for kind, name, params, body in BLOCK.findall(path.read_text()):
            names = [p.split("=")[0].strip() for p in params.split(",") if p.strip()]
            full = f"test_{name}" if kind == "test" else name
            assert full not in blocks, f"{full} is defined twice"
            blocks[full] = (names, body, kind == "test")
    return blocks


def test_every_public_macro_dispatches_to_a_default() -> None:
    blocks = macro_blocks()
    public = {name for name in blocks if not name.startswith("_") and "__" not in name}
    assert public_macros() | {"test_alert"} == public  # the parse sees what the others see
    wrong = []
    for name in sorted(public):
        params, body, is_test = blocks[name]
        # A generic test hands on the fields dbt gives it as keyword arguments too.
        forwarded = [*params, "kwargs"] if is_test else params
        call = f"adapter.dispatch('{name}', 'sqlsentinel')({', '.join(forwarded)})"
        default = blocks.get(f"default__{name}")
        if body.strip() != f"{{{{ return({call}) }}}}":
            wrong.append(f"{name} does not return `{call}`")
        elif default is None or len(default[0]) != len(forwarded):
            wrong.append(f"default__{name} is missing, or takes other arguments")
    assert wrong == []


def shim_example() -> tuple[str, str]:
    """The `dispatch:` config and the shim of docs/dbt_package.md's "Shimming a macro"."""
    page = (REPO / "docs" / "dbt_package.md").read_text()
    section = page.split("## Shimming a macro", 1)[1].split("\n## ", 1)[0]
    [config] = re.findall(r"```yaml\n(.*?)```", section, re.S)
    [shim] = re.findall(r"```sql\n(.*?)```", section, re.S)
    return config, shim


def test_a_shim_as_the_docs_show_is_used_by_dbt_and_by_sentinel(tmp_path: Path) -> None:
    project = make_project(tmp_path, "shop", "duckdb")
    config, shim = shim_example()
    settings = yaml.safe_load((project.root / "dbt_project.yml").read_text())
    settings.update(yaml.safe_load(config.replace("my_project", settings["name"])))
    (project.root / "dbt_project.yml").write_text(yaml.safe_dump(settings))
    (project.root / "macros" / "sqlsentinel_shims.sql").write_text(shim)
    (project.root / "macros" / "show_chunk_size.sql").write_text(
        "{% macro show_chunk_size() %}"
        "{% do print('chunk size: ' ~ sqlsentinel.statement_chunk_size()) %}"
        "{% endmacro %}"
    )
    # And one of run_alerts, the operation dbt runs by the package's name, that wraps it.
    (project.root / "macros" / "wrapped_run_alerts.sql").write_text(
        "{% macro duckdb__run_alerts(select, exclude, fail_on, dry_run, allow_empty_selection) %}"
        "{% do print('my shim of run_alerts') %}"
        "{{ return(sqlsentinel.default__run_alerts(select, exclude, fail_on, dry_run, "
        "allow_empty_selection)) }}"
        "{% endmacro %}"
    )
    (project.root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    nothing = "{select: no_such_alert, allow_empty_selection: true, dry_run: true}"
    ran = run_steps(
        project.root,
        env,
        ("deps", "dbt", ["deps"]),
        ("shown", "dbt", ["run-operation", "show_chunk_size"]),
        ("run_alerts", "dbt", ["run-operation", "sqlsentinel.run_alerts", "--args", nothing]),
    )
    for step in ran.values():
        assert step["code"] == 0, step["output"]
    assert "chunk size: 100" in ran["shown"]["output"]  # the package's own says None
    output = ran["run_alerts"]["output"]
    assert "my shim of run_alerts" in output
    assert "sqlsentinel: 0 results" in output
    with Sentinel.open(project.args) as sentinel:
        warehouse = sentinel.project.warehouse
        assert warehouse.run_macro("statement_chunk_size") == 100
        assert warehouse.run_macro("default__statement_chunk_size") == 500  # not the DuckDB one
