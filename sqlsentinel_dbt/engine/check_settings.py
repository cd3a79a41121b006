"""Apply `dbt_results:` of sentinel.yml to dbt's own checks (docs/dbt_results.md).

Which checks count (resource types, dbt selector terms), per-selection overrides (owner,
severity, notify, for_evaluations, repeat_interval; later overrides win), and the
minimum severity: a warning or failure below it is recorded as OK.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlsentinel_dbt.config.dbt_results import CheckOverride, DbtResultsSettings
from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.engine.selection import NodeSelect, Selectable, select


def configured_checks(
    checks: Sequence[PlannedAlert], settings: DbtResultsSettings, select_nodes: NodeSelect
) -> list[PlannedAlert]:
    """The checks that count under `settings`, with its overrides applied."""
    kinds = set(settings.resource_types)
    kept = [c for c in checks if c.declared.alert.meta.get("resource_type") in kinds]
    if settings.select or settings.exclude:
        chosen = set(_chosen(kept, settings.select, settings.exclude, select_nodes))
        kept = [c for c in kept if c.name in chosen]
    for override in settings.overrides:
        picked = set(_chosen(kept, override.select, [], select_nodes))
        kept = [_overridden(c, override) if c.name in picked else c for c in kept]
    return [_at_least(c, settings.min_severity) for c in kept]


def _chosen(
    checks: Sequence[PlannedAlert],
    include: Sequence[str],
    exclude: Sequence[str],
    select_nodes: NodeSelect,
) -> list[str]:
    selectable = [
        Selectable(c.name, frozenset(c.declared.alert.tags), c.depends_on) for c in checks
    ]
    return select(selectable, include, exclude, select_nodes)


def _overridden(check: PlannedAlert, override: CheckOverride) -> PlannedAlert:
    given = override.model_fields_set & {"owner", "notify", "for_evaluations", "repeat_interval"}
    changes: dict[str, Any] = {name: getattr(override, name) for name in given}
    alert = check.declared.alert.model_copy(update=changes)
    results = check.recorded or ()
    if override.severity is not None:
        results = tuple(_at_severity(r, override.severity) for r in results)
    return replace(check, declared=replace(check.declared, alert=alert), recorded=results)


def _at_severity(result: AlertResult, severity: Severity) -> AlertResult:
    return replace(result, severity=severity) if result.status is Status.ALERT else result


def _at_least(check: PlannedAlert, minimum: Severity) -> PlannedAlert:
    results = tuple(
        replace(r, status=Status.OK, context=r.context | {"below_min_severity": r.severity.value})
        if r.status is Status.ALERT and r.severity.rank < minimum.rank
        else r
        for r in check.recorded or ()
    )
    return replace(check, recorded=results)
