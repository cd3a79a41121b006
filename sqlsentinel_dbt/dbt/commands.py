"""Run whole dbt commands in-process through dbt's documented programmatic entry point."""

from __future__ import annotations

from sqlsentinel_dbt.dbt.args import DbtArgs
from sqlsentinel_dbt.dbt.full_parse import macros_reused
from sqlsentinel_dbt.dbt.session import DBT_LOCK, dbt_message
from sqlsentinel_dbt.errors import ProjectError


def dbt_build(args: DbtArgs) -> int:
    """`dbt build` the project (seeds, models, tests); return the number of nodes built.

    Raises ProjectError naming the failed nodes when the build fails.
    """
    from dbt.cli.main import dbtRunner

    with DBT_LOCK, macros_reused():
        outcome = dbtRunner().invoke(["build", "--quiet", *args.to_cli()])
    if outcome.exception is not None:
        raise ProjectError(f"dbt build failed: {dbt_message(outcome.exception)}")
    results = list(getattr(outcome.result, "results", None) or [])
    failed = [r.node.name for r in results if str(r.status) in ("error", "fail")]
    if not outcome.success or failed:
        raise ProjectError(f"dbt build failed on: {', '.join(failed) or 'unknown nodes'}")
    return len(results)
