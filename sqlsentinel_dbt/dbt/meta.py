"""Find `sentinel` blocks (alerts, monitors) in the meta of models, sources, seeds, snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlsentinel_dbt.config.loader import MetaAlerts

RESOURCE_TYPES = ("model", "source", "seed", "snapshot")


def meta_alerts(manifest: Any) -> list[MetaAlerts]:
    """Every node's `sentinel` block of `config.meta` and `meta`, once each."""
    found = []
    for node in _nodes(manifest):
        path = _declaring_file(node)
        seen: list[Any] = []
        for meta in (_config_meta(node), getattr(node, "meta", None) or {}):
            block = meta.get("sentinel") if isinstance(meta, dict) else None
            # dbt copies `meta` into `config.meta`; the same block must not count twice.
            if block is None or block in seen:
                continue
            seen.append(block)
            raw = block.get("alerts") if isinstance(block, dict) else block
            monitors = block.get("monitors") if isinstance(block, dict) else None
            if raw is not None or monitors is not None:
                tags = tuple(str(t) for t in getattr(node, "tags", None) or ())
                found.append(MetaAlerts(node.unique_id, path, raw, tags, _group(node), monitors))
    return found


def _group(node: Any) -> str | None:
    """The node's dbt group (models, seeds, snapshots; sources have none), if any."""
    group = getattr(node, "group", None) or getattr(getattr(node, "config", None), "group", None)
    return str(group) if group else None


def _nodes(manifest: Any) -> Iterator[Any]:
    for node in [*manifest.nodes.values(), *manifest.sources.values()]:
        if (
            str(node.resource_type) in RESOURCE_TYPES
            or getattr(node.resource_type, "value", None) in RESOURCE_TYPES
        ):
            yield node


def _config_meta(node: Any) -> Any:
    config: Any = getattr(node, "config", None)
    meta = getattr(config, "meta", None)
    if meta is None and hasattr(config, "to_dict"):
        # dbt 1.9's SourceConfig has no `meta` field: it keeps one as an extra key.
        meta = config.to_dict().get("meta")
    return meta or {}


def _declaring_file(node: Any) -> str:
    # Meta usually sits in a properties file (patch_path "project://models/schema.yml");
    # sources are declared in their own yml (original_file_path).
    patch = getattr(node, "patch_path", None)
    if patch:
        return str(patch).split("://", 1)[-1]
    return str(node.original_file_path)
