"""Every dbt check a build ran, read from `target/`: tests, models, seeds, snapshots, sources.

`run_results.json` says how each node of the last dbt command ended; `manifest.json` (in
the same directory) says what the node is: its name, tags, owner, the model and column a
test is on. `sources.json`, written by `dbt source freshness`, says how fresh each source
is. Only fields that are stable across dbt 1.9-1.11's artifact schemas are read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCES = "sources.json"
_RESOURCE_TYPES = ("test", "unit_test", "model", "seed", "snapshot")


@dataclass(frozen=True)
class NodeRun:
    """One node of a dbt command, and how it ended."""

    unique_id: str
    name: str
    resource_type: str
    """test, unit_test, model, seed, snapshot, or source (a freshness check)."""
    status: str
    """dbt's status, lower case: pass, warn, fail, error, skipped, success, runtime error."""
    tags: tuple[str, ...] = ()
    owner: str | None = None
    """The node's `meta.owner`, else that of the node a test is on, else the owner of
    `group`."""
    group: str | None = None
    """The node's dbt group, else (for a test) that of the node it is on."""
    description: str = ""
    path: str = ""
    model: str | None = None
    """For a test: the name of the node it is on."""
    column: str | None = None
    """For a test: the column it is on."""
    depends_on: tuple[str, ...] = ()
    failures: int | None = None
    message: str | None = None
    compiled_sql: str | None = None
    started_at: str | None = None
    execution_time: float = 0.0
    failures_relation: str | None = None
    """Where a test that stores failures (`store_failures`, `store_failures_as`, or the
    command's `--store-failures`) wrote its failing rows."""
    freshness: dict[str, Any] = field(default_factory=dict)
    """For a source: age of the newest row (`age_seconds`), `max_loaded_at`, the limits."""


def node_runs(
    manifest: dict[str, Any], run_results: dict[str, Any], sources: dict[str, Any]
) -> list[NodeRun]:
    """Every test, model, seed and snapshot of run_results, then every source of sources.json.

    `sources` is sources.json's document, or {} when there is none.
    """
    return [*_node_runs(manifest, run_results), *_freshness_runs(manifest, sources)]


def project_node_names(manifest: dict[str, Any]) -> dict[str, str]:
    """unique_id -> name of every node of the project a check can be about.

    Its tests (but `alert` tests), models, seeds, snapshots and sources: a name two of them
    share is qualified whatever the command ran, as the package's on-run-end hook (which
    sees the project's `graph`, without its unit tests) qualifies it.
    """
    nodes = [
        node
        for node in (manifest.get("nodes") or {}).values()
        if node.get("resource_type") in _RESOURCE_TYPES and not _is_alert_test(node)
    ]
    sources = list((manifest.get("sources") or {}).values())
    return {str(n["unique_id"]): str(n.get("name", "")) for n in [*nodes, *sources]}


def read_sources(target_dir: Path) -> dict[str, Any]:
    """sources.json's document, or {} when it is missing or unreadable."""
    try:
        document = json.loads((target_dir / SOURCES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _node_runs(manifest: dict[str, Any], run_results: dict[str, Any]) -> Iterator[NodeRun]:
    nodes = {**(manifest.get("nodes") or {}), **(manifest.get("unit_tests") or {})}
    store_failures = bool((run_results.get("args") or {}).get("store_failures"))
    for result in run_results.get("results") or []:
        node = nodes.get(str(result.get("unique_id"))) or {}
        kind = str(node.get("resource_type", ""))
        if kind not in _RESOURCE_TYPES or _is_alert_test(node):
            continue
        on = _tested_node(node, nodes)
        timing = [t for t in result.get("timing") or [] if t.get("name") == "execute"]
        config = node.get("config") or {}
        group = _group(node) or _group(on)
        stores = kind == "test" and _stores_failures(config, store_failures)
        yield NodeRun(
            unique_id=str(node["unique_id"]),
            name=str(node.get("name", "")),
            resource_type=kind,
            status=str(result.get("status", "")).lower(),
            tags=tuple(str(t) for t in node.get("tags") or ()),
            owner=_meta_owner(node) or _meta_owner(on) or _group_owner(group, manifest),
            group=group,
            description=str(node.get("description") or ""),
            path=str(node.get("original_file_path", "")),
            model=str(on["name"]) if on else _unit_test_model(node),
            column=node.get("column_name"),
            depends_on=tuple((node.get("depends_on") or {}).get("nodes") or ()),
            failures=result.get("failures"),
            message=result.get("message"),
            compiled_sql=result.get("compiled_code"),
            started_at=timing[0].get("started_at") if timing else None,
            execution_time=float(result.get("execution_time") or 0.0),
            failures_relation=node.get("relation_name") if stores else None,
        )


def _freshness_runs(manifest: dict[str, Any], sources_json: dict[str, Any]) -> Iterator[NodeRun]:
    sources = manifest.get("sources") or {}
    for result in sources_json.get("results") or []:
        source = sources.get(str(result.get("unique_id")))
        if source is None:
            continue
        criteria = result.get("criteria") or {}
        freshness = {
            "age_seconds": result.get("max_loaded_at_time_ago_in_s"),
            "max_loaded_at": result.get("max_loaded_at"),
            "warn_after_seconds": _seconds(criteria.get("warn_after")),
            "error_after_seconds": _seconds(criteria.get("error_after")),
        }
        timing = [t for t in result.get("timing") or [] if t.get("name") == "execute"]
        yield NodeRun(
            unique_id=str(source["unique_id"]),
            name=str(source.get("name", "")),
            resource_type="source",
            status=str(result.get("status", "")).lower(),
            tags=tuple(str(t) for t in source.get("tags") or ()),
            owner=_meta_owner(source),
            group=None,
            description=str(source.get("description") or ""),
            path=str(source.get("original_file_path", "")),
            model=f"{source.get('source_name')}.{source.get('name')}",
            message=result.get("error") or result.get("message"),
            started_at=timing[0].get("started_at") if timing else None,
            execution_time=float(result.get("execution_time") or 0.0),
            freshness={k: v for k, v in freshness.items() if v is not None},
        )


def _is_alert_test(node: dict[str, Any]) -> bool:
    """Whether it is an `alert` test of this package: an alert of its own (artifacts.py)."""
    metadata = node.get("test_metadata") or {}
    return bool(metadata.get("namespace") == "sqlsentinel" and metadata.get("name") == "alert")


def _tested_node(node: dict[str, Any], nodes: dict[str, Any]) -> dict[str, Any] | None:
    attached = node.get("attached_node")
    if node.get("resource_type") == "test" and attached in nodes:
        return dict(nodes[attached])
    return None


def _unit_test_model(node: dict[str, Any]) -> str | None:
    model = node.get("model") if node.get("resource_type") == "unit_test" else None
    return str(model) if model else None


def _stores_failures(config: dict[str, Any], command_stores: bool) -> bool:
    """Whether dbt stored the test's failing rows, as its `should_store_failures` decides.

    dbt fills `relation_name` for every relational test at compile time, so its audit
    table may hold another run's rows when this run stored none.
    """
    stores = config.get("store_failures")
    if isinstance(stores, bool):
        return stores
    stored_as = config.get("store_failures_as")
    if stored_as:
        return stored_as in ("table", "view")
    return command_stores


def _group(node: dict[str, Any] | None) -> str | None:
    if not node:
        return None
    group = (node.get("config") or {}).get("group") or node.get("group")
    return str(group) if group else None


def _meta_owner(node: dict[str, Any] | None) -> str | None:
    node = node or {}
    for meta in ((node.get("config") or {}).get("meta"), node.get("meta")):
        if isinstance(meta, dict) and meta.get("owner"):
            return str(meta["owner"])
    return None


def _group_owner(group_name: str | None, manifest: dict[str, Any]) -> str | None:
    """The owner (name, else email) of the dbt group of that name."""
    for group in (manifest.get("groups") or {}).values() if group_name else ():
        if group.get("name") == group_name:
            owner = group.get("owner") or {}
            return str(owner.get("name") or owner.get("email") or "") or None
    return None


_PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _seconds(limit: Any) -> float | None:
    if not isinstance(limit, dict) or not limit.get("count") or not limit.get("period"):
        return None
    return float(limit["count"]) * _PERIOD_SECONDS.get(str(limit["period"]), 0) or None
