"""Alerts that `dbt build` already evaluated, as `sqlsentinel.alert` data tests.

`sentinel dbt-run --from-artifacts target/` records them in the history and notifies
without running them again: dbt's test status becomes the alert's status (pass: OK,
warn: ALERT at warn, fail: ALERT at error, error: ERROR, skipped: SKIPPED), and the count
of failing rows its `actual_value`. A test is one alert instance (no key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlsentinel_dbt.config.loader import MetaAlerts, validate_alerts
from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.dbt import AlertTestRun, CompiledQuery
from sqlsentinel_dbt.engine.from_dbt import started_at
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.errors import ConfigError

_FIRING = {"warn": Severity.WARN, "fail": Severity.ERROR}


def plans_from_tests(tests: Sequence[AlertTestRun]) -> list[PlannedAlert]:
    """The alerts the tests declare, with the SQL dbt ran; ConfigError lists every problem."""
    problems: list[str] = []
    blocks = [MetaAlerts(t.attached_to or t.unique_id, t.path, [t.fields]) for t in tests]
    declared = validate_alerts([], blocks, problems)
    if problems:
        raise ConfigError(problems)
    return [
        PlannedAlert(d, CompiledQuery(t.compiled_sql or "", frozenset({d.node_id or ""})))
        for d, t in zip(declared, tests, strict=True)
    ]


def results_from_tests(
    tests: Sequence[AlertTestRun], plans: Sequence[PlannedAlert]
) -> list[AlertResult]:
    """One result per test whose alert is among `plans`, in the plans' order."""
    by_name = {str(t.fields.get("name")): t for t in tests}
    return [_result(by_name[p.name], p) for p in plans]


def _result(test: AlertTestRun, plan: PlannedAlert) -> AlertResult:
    alert = plan.declared.alert
    base = AlertResult(
        alert=alert.name,
        status=Status.OK,
        severity=alert.severity,
        actual_value=None if test.failures is None else float(test.failures),
        context={"dbt_test": test.unique_id},
        started_at=started_at(test.started_at),
        duration_ms=round(test.execution_time * 1000),
    )
    if test.status == "pass":
        return base
    if test.status in _FIRING:
        return replace(base, status=Status.ALERT, severity=_FIRING[test.status])
    first_line = (test.message or "").strip().splitlines()[:1]
    reason = first_line[0][:300] if first_line else test.status
    if test.status == "skipped":
        return replace(base, status=Status.SKIPPED, error=f"skipped by dbt: {reason}")
    return replace(base, status=Status.ERROR, error=f"the dbt test errored: {reason}")
