"""Compile alert queries through dbt's Jinja in one shared runtime context.

One operation context (the kind `dbt run-operation` uses) is built once per run; each
alert is one render in it, instead of one dbt invocation per alert. `ref` and `source` are
wrapped to record what each query depends on, which node selection (`--select +orders`)
needs.

Turning a query's Jinja source into Python code costs about 2 ms, more than rendering it,
so the code is kept in Jinja's own bytecode cache under the project's target path, keyed
by the query text, and a query compiles to code once until it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

import jinja2

from sqlsentinel_dbt.dbt.session import DBT_LOCK, dbt_message
from sqlsentinel_dbt.errors import CompileError


@dataclass(frozen=True)
class CompiledQuery:
    """SQL ready for the warehouse, and the dbt nodes (unique ids) it reads."""

    sql: str
    depends_on: frozenset[str]


class QueryCompiler:
    """Renders many alert queries in one dbt context. Safe to call from one thread at a time."""

    def __init__(self, config: Any, manifest: Any) -> None:
        from dbt.context.providers import generate_runtime_macro_context
        from dbt.contracts.graph.nodes import Macro
        from dbt.node_types import NodeType
        from dbt_common.clients.jinja import get_environment

        project = config.project_name
        self._manifest = manifest
        self._project = project
        # The operation context needs a macro to hang off; this anchor stands for "the alerts".
        anchor = Macro(
            name="sentinel_alerts",
            package_name=project,
            path="sentinel_alerts",
            original_file_path="sentinel_alerts",
            unique_id=f"macro.{project}.sentinel_alerts",
            resource_type=NodeType.Macro,
            macro_sql="",
        )
        with DBT_LOCK:
            self._context = generate_runtime_macro_context(anchor, config, manifest, project)
        self._environment = get_environment()
        self._code_cache = _code_cache(Path(config.project_root) / config.target_path)
        self._reads: set[str] = set()
        self._context["ref"] = self._recording(self._context["ref"], self._ref_id)
        self._context["source"] = self._recording(self._context["source"], self._source_id)

    def compile(self, sql: str) -> CompiledQuery:
        """Render one query; raise CompileError with dbt's message when it cannot be."""
        from dbt_common.clients.jinja import catch_jinja

        with DBT_LOCK:
            self._reads = set()
            try:
                with catch_jinja():
                    rendered = self._template(sql).render(self._context)
            except Exception as exc:  # dbt raises many kinds here; every one is the alert's fault
                raise CompileError(dbt_message(exc)) from exc
            return CompiledQuery(rendered.strip(), frozenset(self._reads))

    def _template(self, sql: str) -> jinja2.Template:
        # What dbt's get_template does (env.from_string), with the compiled code cached.
        env = self._environment
        if self._code_cache is None:
            code = env.compile(sql)
        else:
            key = sha256(sql.encode()).hexdigest()
            bucket = self._code_cache.get_bucket(env, key, None, sql)
            if bucket.code is None:
                bucket.code = env.compile(sql)
                self._code_cache.set_bucket(bucket)
            code = bucket.code
        template: jinja2.Template = env.template_class.from_code(
            env, code, env.make_globals(self._context), None
        )
        return template

    def _recording(
        self, function: Callable[..., Any], unique_id: Callable[..., str | None]
    ) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            relation = function(*args, **kwargs)
            node_id = unique_id(*args, **kwargs)
            if node_id:
                self._reads.add(node_id)
            return relation

        return wrapper

    def _ref_id(self, *args: str, **kwargs: Any) -> str | None:
        package, name = (None, args[0]) if len(args) == 1 else (args[0], args[1])
        version = kwargs.get("version", kwargs.get("v"))
        node = self._manifest.resolve_ref(
            None, name, package, version, self._project, self._project
        )
        return getattr(node, "unique_id", None)

    def _source_id(self, source_name: str, table_name: str, *_: Any) -> str | None:
        node = self._manifest.resolve_source(source_name, table_name, self._project, self._project)
        return getattr(node, "unique_id", None)


def _code_cache(target_path: Path) -> jinja2.BytecodeCache | None:
    """Jinja's file cache in <target>/sqlsentinel/jinja, or None when it cannot be written."""
    from dbt.version import __version__ as dbt_version

    directory = target_path / "sqlsentinel" / "jinja"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    # dbt's Jinja extensions shape the code, so a new dbt version starts a new cache.
    return jinja2.FileSystemBytecodeCache(str(directory), f"dbt-{dbt_version}-%s.cache")
