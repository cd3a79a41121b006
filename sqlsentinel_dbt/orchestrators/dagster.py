"""Sentinel's alerts as Dagster asset checks on the dbt assets dagster-dbt builds.

An alert on dbt node X checks asset X: the node whose meta declares the alert, or its
`meta.dbt_node`, or else the one model, seed or snapshot its query reads. An alert that
reads several, or none, checks no asset and is listed by `unmapped_alerts` (it still runs
with `sentinel dbt-run`). The checks run the alerts as `sentinel dbt-run` does, history,
state and notifications included, and report each as passed or failed with Dagster's
severity: a firing `warn` alert is a WARN, a firing `error` alert or an alert that errs is
an ERROR. See docs/orchestrators.md.
"""

# No `from __future__ import annotations`: Dagster reads the `context` annotation itself.

import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)
from dagster_dbt import DagsterDbtTranslator

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.runtime import Sentinel

logger = logging.getLogger(__name__)
_BUILT = ("model.", "seed.", "snapshot.")  # the nodes dagster-dbt materializes
_FAILED = (Status.ALERT, Status.ERROR, Status.SKIPPED)
_CHECK_NAME = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class CheckedAlert:
    """An alert, the dbt node it checks and that node's asset key."""

    name: str
    check: str
    """The check's name: the alert's, with what Dagster does not allow in one as `_`."""
    node: str
    asset: AssetKey
    severity: Severity
    description: str


def sentinel_asset_checks(
    manifest: Mapping[str, Any] | str | Path,
    *,
    project_dir: str | Path,
    profiles_dir: str | Path | None = None,
    target: str | None = None,
    translator: DagsterDbtTranslator | None = None,
    name: str = "sqlsentinel_alerts",
) -> AssetChecksDefinition:
    """One Dagster multi-asset check with a check per alert that targets a dbt asset.

    `manifest`: the manifest dagster-dbt's `@dbt_assets` was built from, and `translator`
    the translator it used (asset keys must agree). Dagster may run any subset of the
    checks; each run evaluates just those alerts.
    """
    manifest_json = _loaded(manifest)
    args = DbtArgs(str(project_dir), str(profiles_dir or project_dir), target)
    checked = checked_alerts(args, manifest_json, translator or DagsterDbtTranslator())
    by_check = {c.check: c for c in checked}
    specs = [
        AssetCheckSpec(c.check, asset=c.asset, description=c.description or None) for c in checked
    ]

    # Dagster is typed, but not installed where mypy runs: it has an environment of its own.
    @multi_asset_check(specs=specs, name=name, can_subset=True, compute_kind="sqlsentinel")  # type: ignore[untyped-decorator]
    def run_alerts(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        selected = [by_check[key.name] for key in context.selected_asset_check_keys]
        with Sentinel.open(args) as sentinel:
            report = sentinel.run(select=sorted(c.name for c in selected))
        for alert in selected:
            results = [r for r in report.results if r.alert == alert.name]
            yield check_result(alert, results)

    return run_alerts


def checked_alerts(
    args: DbtArgs, manifest: Mapping[str, Any], translator: DagsterDbtTranslator
) -> list[CheckedAlert]:
    """The enabled alerts that check a dbt asset, each with that asset's key."""
    nodes = manifest.get("nodes", {})
    with Sentinel.open(args) as sentinel:
        plans = sentinel.plan(allow_empty=True)
    checked: dict[str, CheckedAlert] = {}
    for plan in plans:
        node = checked_node(plan)
        if node is None or node not in nodes:
            continue
        alert = plan.declared.alert
        check = _CHECK_NAME.sub("_", alert.name)
        if check in checked:  # `a-b` and `a_b`: Dagster would see one name twice
            logger.warning("%s checks no asset: its check name %s is taken", alert.name, check)
            continue
        key = translator.get_asset_key(nodes[node])
        checked[check] = CheckedAlert(
            alert.name, check, node, key, alert.severity, alert.description
        )
    return list(checked.values())


def unmapped_alerts(args: DbtArgs) -> list[str]:
    """The enabled alerts that check no single dbt asset (they read several, or none)."""
    with Sentinel.open(args) as sentinel:
        return [p.name for p in sentinel.plan(allow_empty=True) if checked_node(p) is None]


def checked_node(plan: PlannedAlert) -> str | None:
    """The dbt node an alert checks: its declaring node, its `dbt_node`, or what it reads."""
    declared = plan.declared
    if declared.node_id:
        return declared.node_id
    if declared.alert.dbt_node:
        return declared.alert.dbt_node
    read = sorted(n for n in plan.depends_on if n.startswith(_BUILT))
    return read[0] if len(read) == 1 else None


def check_result(alert: CheckedAlert, results: list[AlertResult]) -> AssetCheckResult:
    """The alert's run as one check result: failed when any instance fires or errs."""
    failed = [r for r in results if r.status in _FAILED]
    errors = [r.error for r in failed if r.error]
    firing = [r for r in failed if r.status is Status.ALERT]
    worst = max((r.severity.rank for r in firing), default=Severity.WARN.rank)
    severity = (
        AssetCheckSeverity.ERROR
        if errors or worst >= Severity.ERROR.rank
        else AssetCheckSeverity.WARN
    )
    metadata: dict[str, Any] = {
        "instances": len(results),
        "firing_keys": sorted(str(r.key) for r in firing if r.key is not None),
        "dbt_node": alert.node,
    }
    if len(results) == 1 and results[0].actual_value is not None:
        metadata["actual_value"] = results[0].actual_value
    if len(results) == 1 and results[0].threshold is not None:
        metadata["threshold"] = results[0].threshold
    if errors:
        metadata["error"] = errors[0]
    if not results:
        metadata["error"] = "the alert was not evaluated"
    return AssetCheckResult(
        asset_key=alert.asset,
        check_name=alert.check,
        passed=bool(results) and not failed,
        severity=severity,
        metadata=metadata,
    )


def _loaded(manifest: Mapping[str, Any] | str | Path) -> Mapping[str, Any]:
    if isinstance(manifest, Mapping):
        return manifest
    loaded: Mapping[str, Any] = json.loads(Path(manifest).read_text(encoding="utf-8"))
    return loaded
