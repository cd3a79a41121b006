"""dbt's own checks as alerts: what a build's tests, models and source freshness said.

Each node a dbt command ran (or `dbt source freshness` checked) becomes one alert with one
instance, named by the node's name (docs/dbt_results.md):

- data and unit tests: pass is OK, warn an ALERT at `warn`, fail an ALERT at `error`, and
  error (the test could not run) an ERROR; the failing-row count is the `actual_value`;
- models, seeds and snapshots: success (and dbt's `no-op`, `reused`) is OK, error an ALERT
  at `error`, and a microbatch model's `partial success` an ALERT at `error`;
- sources: pass is OK, warn and error an ALERT at that severity, a runtime error an ERROR;
  the age of the newest row is the `actual_value`, the limit it crossed the `threshold`;
- a node skipped because something upstream failed is SKIPPED, with that node (or the
  failed test of a node upstream, which `dbt build` skips the children for) as the reason,
  and never announced on its own.

A name already taken (by an alert of the project or another node of the project, whether
the command ran it or not) is qualified with the node's unique_id: `model.shop.orders`
becomes `model__shop__orders`; a qualified name that two nodes would share (`crm."order
items"` and `crm.order_items`) ends in a hash of the unique_id. A tag that is not a valid
alert tag (`daily.ops`) is left out, as `sentinel notify` leaves it out of a check the
on-run-end hook recorded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.config.models import DBT_GROUP, DBT_NODE, NAME_PATTERN, Alert, Severity
from sqlsentinel_dbt.dbt import CompiledQuery, NodeRun
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult, Status

SampleRows = Callable[[str], list[dict[str, Any]]]
"""The first failing rows a test stored, read from its relation (bounded by the caller)."""

_FIRING = {
    "warn": Severity.WARN,
    "fail": Severity.ERROR,
    "error": Severity.ERROR,
    "partial success": Severity.ERROR,  # a microbatch model some batches of which failed
}
_OK = ("pass", "success", "no-op", "reused")
_FAILED = {"error", "fail", "runtime error"}
_BUILT = ("model", "seed", "snapshot")
_NAME_LIMIT = 200


def dbt_checks(
    runs: Sequence[NodeRun],
    taken: set[str],
    sample: SampleRows | None = None,
    project_nodes: Mapping[str, str] | None = None,
) -> list[PlannedAlert]:
    """A planned alert, with its one result recorded, for each run.

    `taken` holds the project's own alert names; `project_nodes` (unique_id -> name) the
    project's other nodes, whose names count too.
    """
    by_id = {run.unique_id: run for run in runs}
    names = _names(runs, taken, project_nodes or {})
    checks = []
    for run in runs:
        alert = _alert(run, names[run.unique_id])
        compiled = CompiledQuery(run.compiled_sql or "", _selected_by(run))
        declared = DeclaredAlert(alert, run.path or run.unique_id, run.unique_id)
        result = _result(run, alert.name, by_id, sample)
        checks.append(PlannedAlert(declared, compiled, recorded=(result,)))
    return checks


def _selected_by(run: NodeRun) -> frozenset[str]:
    """The nodes whose selection selects this check: itself, and what a test is on."""
    if run.resource_type in ("test", "unit_test"):
        return frozenset({run.unique_id, *run.depends_on})
    return frozenset({run.unique_id})


def _names(
    runs: Sequence[NodeRun], taken: set[str], project_nodes: Mapping[str, str]
) -> dict[str, str]:
    named = dict(project_nodes) | {run.unique_id: run.name for run in runs}
    counts: dict[str, int] = {}
    for name in map(_valid_name, named.values()):
        counts[name] = counts.get(name, 0) + 1
    qualified = {uid: _qualified(uid) for uid in named}
    for name in qualified.values():
        counts[name] = counts.get(name, 0) + 1
    names = {}
    for run in runs:
        name = _valid_name(run.name)
        if counts[name] > 1 or name in taken:
            name = qualified[run.unique_id]
            if counts[name] > 1 or name in taken:
                # Two unique_ids that differ only where a name cannot (`order items`,
                # `order_items`): a hash of the unique_id, stable from run to run.
                digest = hashlib.md5(run.unique_id.encode(), usedforsecurity=False).hexdigest()
                name = _valid_name(f"{name}_{digest[:8]}")
        names[run.unique_id] = name
    return names


def _qualified(unique_id: str) -> str:
    return _valid_name(unique_id.replace(".", "__"))


def _valid_name(text: str) -> str:
    """`text` as an alert name: letters, digits, `_` and `-`, at most 200 characters."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", text).lstrip("-") or "_"
    if len(name) <= _NAME_LIMIT:
        return name
    # md5: dbt's Jinja (the on-run-end hook) has local_md5 and no other hash.
    digest = hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{name[: _NAME_LIMIT - 13]}_{digest}"


def _alert(run: NodeRun, name: str) -> Alert:
    return Alert(
        name=name,
        query=run.compiled_sql or f"-- {run.resource_type} {run.unique_id}, run by dbt",
        description=run.description,
        tags=alert_tags(run.tags),
        owner=run.owner,
        meta={
            DBT_NODE: run.unique_id,
            "resource_type": run.resource_type,
            **({DBT_GROUP: run.group} if run.group else {}),
        },
    )


def alert_tags(tags: Sequence[str]) -> list[str]:
    """The node's tags an alert can have: those that are words (`NAME_PATTERN`), once each."""
    return [t for t in dict.fromkeys(tags) if re.fullmatch(NAME_PATTERN, t)]


def _result(
    run: NodeRun, name: str, by_id: Mapping[str, NodeRun], sample: SampleRows | None
) -> AlertResult:
    context: dict[str, Any] = {"resource_type": run.resource_type}
    context |= {k: v for k, v in (("model", run.model), ("column", run.column)) if v}
    message = _first_line(run.message)
    base = AlertResult(
        alert=name,
        status=Status.OK,
        severity=Severity.ERROR,
        actual_value=None if run.failures is None else float(run.failures),
        context=context,
        started_at=started_at(run.started_at),
        duration_ms=round(run.execution_time * 1000),
        dbt_node=run.unique_id,
    )
    if run.resource_type == "source":
        base = _freshness(base, run)
    if run.status == "skipped":
        upstream = _failed_upstream(run, by_id)
        why = f"upstream {upstream} failed" if upstream else (message or "skipped by dbt")
        context = base.context | ({"upstream": upstream} if upstream else {})
        return replace(base, status=Status.SKIPPED, error=f"skipped by dbt: {why}", context=context)
    if run.status in _OK:
        return base
    cannot_run = run.status == "runtime error" or (
        run.status == "error" and run.resource_type not in _BUILT and run.resource_type != "source"
    )
    if cannot_run or run.status not in _FIRING:
        return replace(base, status=Status.ERROR, error=f"dbt: {message or run.status}")
    context = base.context | ({"message": message} if message else {})
    if sample is not None and run.failures_relation and run.failures:
        context |= {"failing_rows": sample(run.failures_relation)}
    return replace(base, status=Status.ALERT, severity=_FIRING[run.status], context=context)


def _freshness(base: AlertResult, run: NodeRun) -> AlertResult:
    fresh = run.freshness
    limit = fresh.get("error_after_seconds") if run.status != "warn" else None
    limit = limit or fresh.get("warn_after_seconds") or fresh.get("error_after_seconds")
    age = fresh.get("age_seconds")
    loaded = {"max_loaded_at": fresh["max_loaded_at"]} if "max_loaded_at" in fresh else {}
    return replace(
        base,
        actual_value=None if age is None else float(age),
        threshold=None if limit is None else float(limit),
        context=base.context | loaded,
    )


def _failed_upstream(run: NodeRun, by_id: Mapping[str, NodeRun]) -> str | None:
    """The nearest node upstream of `run` that failed in the same command, if any.

    `dbt build` skips the children of a node one of whose tests (data or unit) failed, and
    a model whose unit test failed: a failed test of a node counts as upstream of what
    depends on it (of a node tested more than once, the first failed test by unique_id).
    """
    failed_tests: dict[str, str] = {}
    for test in sorted(by_id.values(), key=lambda r: r.unique_id):
        if test.resource_type in ("test", "unit_test") and test.status in _FAILED:
            for on in test.depends_on:
                failed_tests.setdefault(on, test.unique_id)
    seen: set[str] = set()
    frontier = [run.unique_id]
    while frontier:
        later: list[str] = []
        for unique_id in frontier:
            if unique_id in seen:
                continue
            seen.add(unique_id)
            node = by_id.get(unique_id)
            if node is not None and node is not run and node.status in _FAILED:
                return unique_id
            if failed_tests.get(unique_id, run.unique_id) != run.unique_id:
                return failed_tests[unique_id]
            later += node.depends_on if node is not None else ()
        frontier = later
    return None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _first_line(message: str | None) -> str:
    """The first line of dbt's message, without the colours dbt gives a unit test's diff."""
    lines = _ANSI.sub("", message or "").strip().splitlines()
    return lines[0][:300] if lines else ""


def started_at(text: str | None) -> datetime:
    """When dbt says a node's execution started (now, if it does not say)."""
    if not text:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
