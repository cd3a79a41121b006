"""Compile alert queries through dbt's Jinja in one shared runtime context.

One operation context (the kind `dbt run-operation` uses) is built once per run; each
alert is one render in it, instead of one dbt invocation per alert. `ref` and `source` are
wrapped to record what each query depends on, which node selection (`--select +orders`)
needs.

Jinja that reads the warehouse while it compiles (`run_query`, `dbt_utils.star`,
`adapter.get_columns_in_relation`) runs on a connection of the compiling thread, as in
`dbt compile`; every statement it sends passes the caller's check first (see
statement_guard.py), and so does every `env_var` it reads.

A query's Jinja compiles to Python code once until it changes (see jinja_code.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from sqlsentinel_dbt.dbt.jinja_code import code_cache, compiled_template
from sqlsentinel_dbt.dbt.session import DBT_LOCK, dbt_message
from sqlsentinel_dbt.dbt.statement_guard import StatementCheck, StatementGuard
from sqlsentinel_dbt.dbt.warehouse import Warehouse
from sqlsentinel_dbt.errors import CompileError, Refused

EnvVarCheck = Callable[[str], None]
"""Raises ValueError, saying why, to refuse reading an environment variable."""


@dataclass(frozen=True)
class CompiledQuery:
    """SQL ready for the warehouse, and the dbt nodes (unique ids) it reads."""

    sql: str
    depends_on: frozenset[str]


@dataclass(frozen=True)
class CompileChecks:
    """What an alert's Jinja may do while it compiles; each check raises ValueError to refuse."""

    statement: StatementCheck
    env_var: EnvVarCheck


def _allow(_: str) -> None:
    return None


ALLOW_ALL = CompileChecks(statement=_allow, env_var=_allow)


class QueryCompiler:
    """Renders many alert queries in one dbt context. Safe to call from one thread at a time."""

    def __init__(self, config: Any, manifest: Any, warehouse: Warehouse) -> None:
        from dbt.context.providers import generate_runtime_macro_context
        from dbt.contracts.graph.nodes import Macro
        from dbt.node_types import NodeType
        from dbt_common.clients.jinja import get_environment

        project = config.project_name
        self._manifest = manifest
        self._project = project
        self._warehouse = warehouse
        self._guard = StatementGuard(warehouse.adapter)
        self._env_var_check: EnvVarCheck = _allow
        self._env_var_refused: Refused | None = None
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
        self._code_cache = code_cache(Path(config.project_root) / config.target_path)
        self._reads: set[str] = set()
        self._context["ref"] = self._recording(self._context["ref"], self._ref_id)
        self._context["source"] = self._recording(self._context["source"], self._source_id)
        self._context["env_var"] = self._checked_env_var(self._context["env_var"])

    def compile(self, sql: str, checks: CompileChecks = ALLOW_ALL) -> CompiledQuery:
        """Render one query; raise CompileError with dbt's message when it cannot be.

        Raises Refused when the query's Jinja sends a statement, or reads an environment
        variable, that `checks` refuses; a refused statement is never sent.
        """
        from dbt_common.clients.jinja import catch_jinja

        with DBT_LOCK:
            self._reads = set()
            self._env_var_check, self._env_var_refused = checks.env_var, None
            # Cheap until used: dbt opens the connection on its first statement.
            self._warehouse.acquire("sentinel:compile")
            try:
                with self._guard.checking(checks.statement), catch_jinja():
                    rendered = self._template(sql).render(self._context)
            except Refused:
                raise
            except Exception as exc:  # dbt raises many kinds here; every one is the alert's fault
                if self._env_var_refused is not None:  # whatever dbt made of the refusal
                    raise self._env_var_refused from None
                raise CompileError(dbt_message(exc)) from exc
            finally:
                self._env_var_check = _allow
                self._warehouse.end_reads()
            if self._env_var_refused is not None:  # a macro swallowed it: still refused
                raise self._env_var_refused
            return CompiledQuery(rendered.strip(), frozenset(self._reads))

    def _checked_env_var(self, env_var: Callable[..., str]) -> Callable[..., str]:
        def checked(name: str, *args: Any, **kwargs: Any) -> str:
            try:
                self._env_var_check(name)
            except ValueError as exc:
                self._env_var_refused = self._env_var_refused or Refused(str(exc))
                raise self._env_var_refused from exc
            return env_var(name, *args, **kwargs)

        return checked

    def _template(self, sql: str) -> jinja2.Template:
        # What dbt's get_template does (env.from_string), with the compiled code cached.
        return compiled_template(self._environment, sql, self._code_cache, self._context)

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
