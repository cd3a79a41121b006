"""A warm run does not redo what an earlier run did: the query policy's verdicts are kept.

Work is counted, not timed: sqlglot's `parse` is wrapped to count its calls, and the
modules a command imports are listed by Python itself (`-X importtime`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlglot
import yaml

from sqlsentinel_dbt.dbt import DbtArgs, DbtProject, free_dropped_projects
from sqlsentinel_dbt.engine.result import Status
from sqlsentinel_dbt.engine.verdict_cache import VERDICTS_PATH
from sqlsentinel_dbt.resources import package_root
from sqlsentinel_dbt.runtime import Sentinel

READS = {
    "plain": "select 'OK' as status",
    "with_var": "select case when 1 > {{ var('limit', 1) }} then 'ALERT' else 'OK' end as status",
    "introspecting": (
        "{% set one = run_query('select 1 as one').columns[0].values()[0] %}"
        "select 'OK' as status, {{ one }} as actual_value"
    ),
}
REFUSED = {"deleting": "delete from sentinel_nothing", "file_reading": "select * from glob('*')"}


def write_project(root: Path, alerts: dict[str, str], settings: str = "") -> DbtArgs:
    """A dbt project on DuckDB that needs no build: its alerts read no model."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text("name: warm\nversion: '1.0'\nprofile: warm\n")
    output = {"type": "duckdb", "path": str(root / "warm.duckdb"), "threads": 2}
    profile = {"warm": {"target": "dev", "outputs": {"dev": output}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    (root / "alerts").mkdir(exist_ok=True)
    declared = [{"name": name, "query": sql} for name, sql in alerts.items()]
    (root / "alerts" / "warm.yml").write_text(yaml.safe_dump({"alerts": declared}))
    (root / "sentinel.yml").write_text(settings)
    return DbtArgs(project_dir=str(root), profiles_dir=str(root))


def count_calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[str]:
    """Every call of `module.name` from now on, by its first argument."""
    calls: list[str] = []
    original: Callable[..., object] = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(str(args[0]))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def run(args: DbtArgs) -> dict[str, str]:
    """One whole run in a new Sentinel; each alert's status, with its error when it has one."""
    with Sentinel.open(args) as sentinel:
        report = sentinel.run()
    return {r.alert: r.status.value + (f": {r.error}" if r.error else "") for r in report.results}


def test_a_warm_run_parses_no_query_and_refuses_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = write_project(tmp_path / "p", READS | REFUSED)
    parses = count_calls(monkeypatch, sqlglot, "parse")
    cold = run(args)
    # Three final queries, the statement run while compiling, and the two refused.
    assert len(parses) == len(READS) + 1 + len(REFUSED)
    assert [cold[name] for name in READS] == [Status.OK.value] * len(READS)
    assert "DELETE is not a read query" in cold["deleting"]
    assert "glob" in cold["file_reading"]

    parses.clear()
    warm = run(args)
    assert parses == []
    assert warm == cold  # a verdict read back refuses exactly as the parser did


def test_a_changed_query_or_policy_is_judged_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = write_project(tmp_path / "p", READS | REFUSED)
    run(args)
    parses = count_calls(monkeypatch, sqlglot, "parse")

    changed = dict(READS, plain="select 'ALERT' as status")
    write_project(tmp_path / "p", changed | REFUSED)
    assert run(args)["plain"] == Status.ALERT.value
    assert parses == ["select 'ALERT' as status"]

    parses.clear()
    write_project(tmp_path / "p", changed | REFUSED, "allow_file_functions: true\n")
    results = run(args)
    assert len(parses) == len(READS) + 1 + len(REFUSED)  # another policy: every text again
    assert "glob" not in results["file_reading"]  # allowed now (it reads no such file)


@pytest.mark.parametrize("contents", ["{not json", "[1, 2]", '{"abc": 7}'])
def test_an_unreadable_verdict_file_is_ignored_and_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, contents: str
) -> None:
    args = write_project(tmp_path / "p", READS)
    path = tmp_path / "p" / "target" / VERDICTS_PATH
    path.parent.mkdir(parents=True)
    path.write_text(contents)
    parses = count_calls(monkeypatch, sqlglot, "parse")
    assert set(run(args).values()) == {Status.OK.value}
    assert len(parses) == len(READS) + 1
    verdicts = json.loads(path.read_text())
    assert len(verdicts) == len(READS) + 1 and set(verdicts.values()) == {None}


def test_a_target_that_cannot_be_written_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = write_project(tmp_path / "p", READS)
    run(args)
    path = tmp_path / "p" / "target" / VERDICTS_PATH
    path.unlink()
    path.mkdir()  # a directory where the file goes: every write fails
    assert set(run(args).values()) == {Status.OK.value}


def modules_imported(args: DbtArgs) -> set[str]:
    """Every module `sentinel dbt-run` imports, in a process of its own (-X importtime)."""
    command = [sys.executable, "-X", "importtime", "-m", "sqlsentinel_dbt.cli", "dbt-run"]
    command += ["--project-dir", str(args.project_dir), "--profiles-dir", str(args.profiles_dir)]
    done = subprocess.run([*command, "--output", "json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}


def test_a_warm_run_imports_no_parser_scheduler_or_sender(tmp_path: Path) -> None:
    args = write_project(tmp_path / "p", READS)
    cold = modules_imported(args)
    assert "sqlglot" in cold  # the first run parses its queries: the check can fail
    warm = modules_imported(args)
    assert "sqlsentinel_dbt.engine.query_policy" in warm
    unneeded = {"sqlglot", "croniter", "slack_sdk", "aiosmtpd", "fastapi", "uvicorn"}
    assert warm & unneeded == set()


def test_the_package_macros_are_parsed_once_across_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlsentinel_dbt.dbt import macro_store, package

    parsed = count_calls(monkeypatch, macro_store.StoredMacros, "put")  # once per file parsed
    args = write_project(tmp_path / "p", READS)

    def run_as_a_new_process() -> dict[str, str]:
        monkeypatch.setattr(macro_store, "_PARSED", {})  # what one process remembers
        return run(args)

    ours = len(list(package_root().joinpath("macros").rglob("*.sql")))
    assert set(run_as_a_new_process().values()) == {Status.OK.value}
    assert len(parsed) == ours  # every file of the package, the first time
    parsed.clear()
    assert set(run_as_a_new_process().values()) == {Status.OK.value}
    assert parsed == []  # read back from target/, and the history was still written

    stored = tmp_path / "p" / "target" / package.STORE_PATH
    stored.write_text("{damaged")
    assert set(run_as_a_new_process().values()) == {Status.OK.value}
    assert len(parsed) == ours  # parsed afresh
    assert json.loads(stored.read_text())["files"]


def test_a_project_the_daemon_replaced_is_freed(tmp_path: Path) -> None:
    """The manifest is frozen out of the collector's way when it loads; once a reload has
    replaced and closed it, free_dropped_projects lets it go (the daemon's order)."""
    old = DbtProject.open(write_project(tmp_path / "a", READS), package_root())
    manifest = weakref.ref(old._manifest)
    new = DbtProject.open(write_project(tmp_path / "b", READS), package_root())
    try:
        old.close()
        del old
        free_dropped_projects()
        assert manifest() is None
        assert new.warehouse.fetch("select 1 as ok", limit=1, timeout=60, name="t").rows == [(1,)]
    finally:
        new.close()
