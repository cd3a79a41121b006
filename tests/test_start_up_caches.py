"""What every process used to build afresh when it opened dbt is kept across processes.

dbt's JSON schemas of its config classes go to the user's cache directory; the code Jinja
compiles from dbt's macros goes under the project's target path. Work is counted, not
timed: schemas built, macro sources compiled.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sqlsentinel_dbt.dbt.schema_cache import SCHEMAS_FILE, SchemaStore
from tests.test_warm_run import READS, write_project


def counting_build(built: list[str]) -> object:
    def build(cls: type) -> dict[str, str]:
        built.append(cls.__name__)
        return {"title": cls.__name__}

    return build


def import_from(path: Path, source: str) -> type:
    """The class `Config` of a module written to `path` and imported from there."""
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    config: type = module.Config
    return config


def test_a_schema_is_built_once_until_its_module_changes(tmp_path: Path) -> None:
    built: list[str] = []
    build = counting_build(built)
    cache = tmp_path / SCHEMAS_FILE
    module = tmp_path / "sentinel_schema_probe.py"
    config = import_from(
        module, "from dataclasses import dataclass\n@dataclass\nclass Config:\n    a: int\n"
    )

    first = SchemaStore(cache)
    assert first.schema(config, build) == {"title": "Config"}
    assert first.schema(config, build) == {"title": "Config"}
    first.save()
    assert built == ["Config"]

    assert SchemaStore(cache).schema(config, build) == {"title": "Config"}  # a new process
    assert built == ["Config"]

    changed = import_from(module, module.read_text() + "    b: str = ''\n")
    os.utime(module, ns=(0, 0))  # the file's stamp moves even on a coarse clock
    again = SchemaStore(cache)
    again.schema(changed, build)
    again.save()
    assert built == ["Config", "Config"]
    entries = json.loads(cache.read_text())["schemas"]
    assert list(entries) == ["sentinel_schema_probe.Config"]  # replaced, not added


@pytest.mark.parametrize(
    "contents", ["{not json", "[]", '{"release": "python 2.7", "schemas": {}}']
)
def test_an_unusable_schema_file_is_rebuilt(tmp_path: Path, contents: str) -> None:
    @dataclass
    class Config:
        a: int

    built: list[str] = []
    cache = tmp_path / SCHEMAS_FILE
    cache.parent.mkdir(parents=True)
    cache.write_text(contents)
    store = SchemaStore(cache)
    store.schema(Config, counting_build(built))
    store.save()
    assert built == ["Config"]
    assert "Config" in next(iter(json.loads(cache.read_text())["schemas"]))


def test_a_cache_directory_that_cannot_be_written_costs_only_the_saving(tmp_path: Path) -> None:
    @dataclass
    class Config:
        a: int

    (tmp_path / "sqlsentinel").write_text("a file where the directory goes")
    built: list[str] = []
    store = SchemaStore(tmp_path / SCHEMAS_FILE)
    assert store.schema(Config, counting_build(built)) == {"title": "Config"}
    store.save()  # logs at debug level, raises nothing
    assert built == ["Config"]


def sentinel_run(project: Path, cache_home: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sqlsentinel_dbt.cli", "dbt-run", "--project-dir"]
    command += [str(project), "--profiles-dir", str(project), "--output", "json"]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return subprocess.run(command, capture_output=True, text=True, env=env)


def statuses(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return {r["alert"]: r["status"] for r in json.loads(done.stdout)["results"]}


def test_dbt_takes_its_schemas_from_the_cache_in_the_next_process(tmp_path: Path) -> None:
    project = tmp_path / "p"
    write_project(project, READS)
    cache = tmp_path / "cache" / SCHEMAS_FILE
    first = sentinel_run(project, tmp_path / "cache")
    assert first.returncode == 0, first.stderr[-3000:]
    schemas = json.loads(cache.read_text())["schemas"]
    assert "dbt.contracts.project.Project" in schemas
    assert any(name.endswith("DuckDBCredentials") for name in schemas)  # the adapter's own
    written = cache.stat().st_mtime_ns

    second = sentinel_run(project, tmp_path / "cache")
    assert second.returncode == 0, second.stderr[-3000:]
    assert statuses(second) == statuses(first) == {name: "OK" for name in READS}
    assert cache.stat().st_mtime_ns == written  # nothing new was built, so nothing written


def test_a_project_file_is_still_checked_against_the_cached_schema(tmp_path: Path) -> None:
    project = tmp_path / "p"
    write_project(project, READS)
    with (project / "dbt_project.yml").open("a") as file:
        file.write("quoting: 5\n")  # a number where dbt takes a mapping
    for _ in range(2):  # the schema is built, then read back
        done = sentinel_run(project, tmp_path / "cache")
        assert done.returncode != 0
        assert "at path ['quoting']: 5 is not valid" in done.stderr + done.stdout
    assert (tmp_path / "cache" / SCHEMAS_FILE).exists()


COUNTING_RUN = """
import atexit, importlib, json, sys, runpy
calls = {}
def count(path, describe):
    module_name, _, attribute = path.partition(":")
    owner = importlib.import_module(module_name)
    *parents, name = attribute.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = getattr(owner, name)
    def counted(*args, **kwargs):
        described = describe(*args)
        if described is not None:
            calls.setdefault(path, []).append(described)
        return original(*args, **kwargs)
    setattr(owner, name, counted)
# The `{% macro ...` line of each macro source Jinja compiles to code.
count("jinja2:Environment.compile",
      lambda env, source, *_: source.split("%}", 1)[0] if "{% macro" in source[:20] else None)
count("dbt.context.providers:generate_runtime_macro_context", lambda macro, *_: macro.name)
count("sqlsentinel_dbt.dbt.warehouse:Warehouse.run_macro", lambda warehouse, name, *_: name)
atexit.register(lambda: print("calls: " + json.dumps(calls), file=sys.stderr))
runpy.run_module("sqlsentinel_dbt.cli", run_name="__main__")
"""


def counted_run(project: Path) -> dict[str, list[str]]:
    """What one `sentinel dbt-run` process called: macros compiled to code (their `{% macro`
    line), macro contexts built, the package's macros run."""
    command = [sys.executable, "-c", COUNTING_RUN, "dbt-run", "--project-dir"]
    command += [str(project), "--profiles-dir", str(project), "--output", "json"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(statuses(done).values()) == {"OK"}
    calls: dict[str, list[str]] = json.loads(done.stderr.rsplit("calls: ", 1)[1])
    return calls


def macros_compiled(project: Path) -> list[str]:
    return counted_run(project).get("jinja2:Environment.compile", [])


def test_macros_compile_to_code_once_across_processes(tmp_path: Path) -> None:
    project = tmp_path / "p"
    write_project(project, READS)
    creating = macros_compiled(project)  # creates the history table
    assert any("insert_alert_history" in macro for macro in creating)
    appending = macros_compiled(project)  # checks the table's columns instead
    assert appending and set(appending).isdisjoint(creating)  # only what is new to it
    assert macros_compiled(project) == []
    assert list((project / "target" / "sqlsentinel" / "jinja").glob("*.cache"))


def test_the_package_macros_of_a_run_share_one_macro_context(tmp_path: Path) -> None:
    project = tmp_path / "p"
    write_project(project, READS)
    calls = counted_run(project)
    package_macros_run = calls["sqlsentinel_dbt.dbt.warehouse:Warehouse.run_macro"]
    contexts = calls["dbt.context.providers:generate_runtime_macro_context"]
    assert len(set(package_macros_run)) >= 3
    # dbt's execute_macro would have built a context for each of those (dbt still builds
    # one for an adapter method that runs a macro of its own, such as create_schema).
    assert [name for name in contexts if name in package_macros_run] == package_macros_run[:1]
    assert "sentinel_alerts" in contexts  # and one for the alerts' queries
