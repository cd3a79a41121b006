"""A full parse reuses the macros this process parsed before from the same files.

Changed `--vars` make dbt parse a project from scratch; its macros, which vars do not
change, are parsed again only when a macro file did change (sqlsentinel_dbt/dbt/
full_parse.py). Work is counted, not timed: dbt's own macro parses.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sqlsentinel_dbt.dbt import DbtArgs, DbtProject, dbt_build, full_parse
from sqlsentinel_dbt.demo import prepare_demo
from sqlsentinel_dbt.resources import package_root

AS_OF = "select {{ as_of() }} as today, {{ days_before_as_of(7) }} as week_ago"


def test_changed_vars_reuse_the_macros_and_a_changed_macro_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parses: list[str] = []
    full_parses: list[str] = []
    reuse_or_parse = full_parse.reuse_or_parse_macros

    def counting(loader: Any, files: Any, parse: Callable[[Any], None]) -> None:
        def counted(given: Any) -> None:
            parses.append("parse")
            parse(given)

        full_parses.append("full parse")
        reuse_or_parse(loader, files, counted)

    monkeypatch.setattr(full_parse, "reuse_or_parse_macros", counting)
    monkeypatch.setattr(full_parse, "_REUSABLE", {})
    args = prepare_demo(tmp_path)

    def compiled(variables: str) -> str:
        given = DbtArgs(args.project_dir, args.profiles_dir, vars=variables)
        project = DbtProject.open(given, package_root())
        try:
            return project.compile(AS_OF).sql
        finally:
            project.close()

    first = compiled("{as_of_date: '2026-11-20'}")
    assert "2026-11-20" in first and (len(full_parses), len(parses)) == (1, 1)
    # New vars: dbt parses the project from scratch, but not its macros; a macro that
    # dispatches (days_before_as_of) still finds its implementations.
    second = compiled("{as_of_date: '2026-11-21'}")
    assert second == first.replace("2026-11-20", "2026-11-21")
    assert len(parses) == 1
    # `dbt build` in this process too (through dbtRunner, with a loader of its own).
    assert dbt_build(DbtArgs(args.project_dir, args.profiles_dir, vars="{x: 1}")) > 0
    assert (len(full_parses), len(parses)) == (3, 1)

    as_of = tmp_path / "macros" / "as_of.sql"
    as_of.write_text(as_of.read_text().replace("cast('{{", "cast( '{{"))
    changed = compiled("{as_of_date: '2026-11-22'}")
    assert "cast( '2026-11-22' as date)" in changed and len(parses) == 2
    compiled("{as_of_date: '2026-11-23'}")
    assert len(parses) == 2
