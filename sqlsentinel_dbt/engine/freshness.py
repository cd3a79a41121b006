"""Which alerts must not run because the last dbt build left a node they read stale."""

from __future__ import annotations

from collections.abc import Sequence

from sqlsentinel_dbt.dbt import LastBuild
from sqlsentinel_dbt.engine.plan import PlannedAlert


def stale_alerts(plans: Sequence[PlannedAlert], build: LastBuild | None) -> dict[str, str]:
    """Alert name -> why it is skipped, for alerts that read a node the build did not build."""
    if build is None or not build.stale:
        return {}
    reasons = {}
    for plan in plans:
        stale = sorted(node for node in plan.depends_on if node in build.stale)
        if stale:
            node = stale[0]
            more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
            reasons[plan.name] = (
                f"skipped: {node}{more} was not rebuilt by the last dbt build "
                f"({build.stale[node]}); its data may be stale"
            )
    return reasons
