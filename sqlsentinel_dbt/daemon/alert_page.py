"""One alert's page: what it is, where it sits in dbt's DAG, its SQL and its silences.

The history, chart data and notifications come from their own API routes; this is what
does not change from run to run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.daemon.overview import alert_overview, recorded_check
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.silences import Silence
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.timestamps import iso_timestamp

_TESTS = ("test.", "unit_test.")
_NOW = ("state", "firing_keys", "firing_since", "instances", "last_evaluated", "last_error")
"""What the page shows of the alert's state now, as the overview has it."""
SILENCE_DAYS = 30
"""How far back the page lists the silences that ended."""


@dataclass(frozen=True)
class PageReads:
    """What alert pages read from the warehouse and dbt: once per page, or once per report."""

    latest: Mapping[str, Sequence[dict[str, Any]]]
    """The newest history row of each instance, by alert (the one alert's, or all)."""
    silences: Sequence[Silence]
    """Silences in force or ended in the last SILENCE_DAYS."""
    dag: Dag
    now: datetime

    @classmethod
    def read(
        cls,
        sentinel: Sentinel,
        alert: str | None = None,
        latest_rows: Sequence[dict[str, Any]] | None = None,
    ) -> PageReads:
        """Read them for `alert`'s page, or for every alert's (None).

        `latest_rows`: each instance's newest row, when the caller has read them already.
        """
        latest: dict[str, list[dict[str, Any]]] = {}
        rows = sentinel.latest_results(alert) if latest_rows is None else latest_rows
        for row in rows:
            latest.setdefault(str(row["alert_name"]), []).append(row)
        return cls(
            latest,
            sentinel.silences(SILENCE_DAYS),
            Dag.of(sentinel.project.parents()),
            sentinel.clock(),
        )


@dataclass(frozen=True)
class Dag:
    """dbt's DAG both ways: each node's direct parents and direct children."""

    parents: Mapping[str, Sequence[str]]
    children: Mapping[str, Sequence[str]]

    @classmethod
    def of(cls, parents: Mapping[str, Sequence[str]]) -> Dag:
        """The DAG from each node's parents (dbt's `depends_on`)."""
        children: dict[str, list[str]] = {}
        for child, ups in parents.items():
            for parent in ups:
                children.setdefault(parent, []).append(child)
        return cls(parents, children)


Compile = Callable[[DeclaredAlert], PlannedAlert]


def alert_detail(
    sentinel: Sentinel,
    name: str,
    reads: PageReads | None = None,
    compile_alert: Compile | None = None,
) -> dict[str, Any] | None:
    """The page's fixed part for alert `name`; None if it is neither declared nor recorded.

    With its state now (`now`: as the overview shows it). A declared alert is compiled
    (its SQL, or why it does not compile) by `compile_alert` (the server keeps what it
    compiled); a dbt check the history recorded has no SQL of ours, only its dbt node.
    `reads`: what a report read once for all its pages.
    """
    reads = reads or PageReads.read(sentinel, name)
    declared = next((d for d in sentinel.alerts if d.name == name), None)
    latest = reads.latest.get(name, [])
    if declared is not None:
        alert = declared.alert
        plan = (compile_alert or sentinel.compile)(declared)
        reads_nodes = sorted(plan.depends_on)
        facts: dict[str, Any] = {
            "kind": "alert",
            "declared_in": declared.origin,
            "sql": plan.compiled.sql if plan.compiled else None,
            "compile_error": plan.compile_error or _problems(declared.problems),
            "schedule": alert.schedule or sentinel.config.settings.default_schedule,
        }
    else:
        if not any(r.get("dbt_node") for r in latest):
            return None
        try:
            alert = recorded_check(name, latest)
        except ValueError:  # a name no alert may have: the overview leaves it out too
            return None
        reads_nodes = [alert.dbt_node] if alert.dbt_node else []
        facts = {
            "kind": "dbt check",
            "declared_in": None,
            "sql": None,
            "compile_error": None,
            "schedule": None,
        }
    nodes = sorted({*reads_nodes, *([alert.dbt_node] if alert.dbt_node else [])})
    [now] = alert_overview([alert], latest, facts["schedule"] or "")
    return {
        "now": {k: now[k] for k in _NOW},
        "name": alert.name,
        "description": alert.description,
        "severity": alert.severity.value,
        "owner": alert.owner,
        "runbook": alert.runbook,
        "tags": list(alert.tags),
        "mode": alert.mode.value,
        "enabled": alert.enabled,
        "dbt_node": alert.dbt_node,
        **facts,
        **lineage(reads.dag, nodes),
        "silences": alert_silences(reads.silences, alert, reads.now),
    }


def lineage(dag: Dag, nodes: Iterable[str]) -> dict[str, Any]:
    """The dbt nodes an alert is on, their direct parents and their direct children.

    Children that are tests are counted, not listed: a model has many.
    """
    on = set(nodes)
    below = {c for n in on for c in dag.children.get(n, ())} - on
    return {
        "nodes": sorted(on),
        "upstream": sorted({p for n in on for p in dag.parents.get(n, ())} - on),
        "downstream": sorted(c for c in below if not c.startswith(_TESTS)),
        "downstream_tests": sum(1 for c in below if c.startswith(_TESTS)),
    }


def alert_silences(
    silences: Sequence[Silence], alert: Alert, now: datetime
) -> list[dict[str, Any]]:
    """Those of `silences` that match `alert` (any of its keys), in force at `now` or not."""
    return [
        {
            "silence_id": s.silence_id,
            "matcher": s.matcher,
            "alert_key": s.alert_key,
            "starts_at": iso_timestamp(s.starts_at),
            "ends_at": iso_timestamp(s.ends_at),
            "reason": s.reason,
            "created_by": s.created_by,
            "ended_by": s.ended_by,
            "active": s.active(now),
        }
        for s in silences
        if s.matches(alert, s.alert_key)
    ]


def _problems(problems: Sequence[str]) -> str | None:
    return "; ".join(problems) or None
