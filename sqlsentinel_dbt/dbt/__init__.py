"""The one place that imports dbt. Everything else uses `DbtProject` and the types here.

dbt internals change between versions; keeping them behind this small surface means a
new dbt version touches this folder only.
"""

from sqlsentinel_dbt.dbt.args import DbtArgs
from sqlsentinel_dbt.dbt.artifacts import AlertTestRun, LastBuild, TestArtifacts, read_alert_tests
from sqlsentinel_dbt.dbt.commands import dbt_build
from sqlsentinel_dbt.dbt.compiler import CompileChecks, CompiledQuery
from sqlsentinel_dbt.dbt.logging_bridge import DEPRECATIONS_LOGGER, forget_shown_deprecations
from sqlsentinel_dbt.dbt.node_results import NodeRun
from sqlsentinel_dbt.dbt.project import DbtProject
from sqlsentinel_dbt.dbt.session import free_dropped_projects
from sqlsentinel_dbt.dbt.warehouse import QueryError, QueryResult, QueryTimeout, Warehouse

__all__ = [
    "DEPRECATIONS_LOGGER",
    "AlertTestRun",
    "CompileChecks",
    "CompiledQuery",
    "DbtArgs",
    "DbtProject",
    "LastBuild",
    "NodeRun",
    "QueryError",
    "QueryResult",
    "QueryTimeout",
    "TestArtifacts",
    "Warehouse",
    "dbt_build",
    "forget_shown_deprecations",
    "free_dropped_projects",
    "read_alert_tests",
]
