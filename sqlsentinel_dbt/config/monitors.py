"""Monitors: anomaly alerts on a dbt node written as one line of its meta, without SQL.

    models:
      - name: orders
        config:
          meta:
            sentinel:
              monitors:
                - volume: {timestamp: created_at}
                - column_metrics: {column: amount, timestamp: created_at}

Each monitor expands into an alert whose query calls the package's dispatched macros
(macros/monitors/), compiled for the warehouse by dbt like any alert; the rest of the
item (`anomaly:`, `severity`, `owner`, `name`...) are that alert's fields.
docs/anomalies.md#monitors documents them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sqlsentinel_dbt.config.anomaly import AnomalySettings, Direction, MissingBuckets
from sqlsentinel_dbt.config.duration import DAY


class Metric(StrEnum):
    """A column metric per bucket."""

    NULL_RATE = "null_rate"
    ZERO_RATE = "zero_rate"
    DISTINCT_COUNT = "distinct_count"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


class _Rows(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timestamp: str = Field(
        min_length=1,
        description="The column (or SQL expression) that says when a row happened or arrived.",
    )
    where: str | None = Field(default=None, description="A SQL condition on the rows counted.")


class Volume(_Rows):
    """`volume`: rows per bucket of `timestamp`; a bucket without rows is 0."""


class Freshness(_Rows):
    """`freshness`: per bucket, how long before its end the newest row arrived."""


class ColumnMetrics(_Rows):
    """`column_metrics`: the metrics of a column per bucket, one instance per metric."""

    column: str = Field(min_length=1, description="The column (or SQL expression) measured.")
    metrics: list[Metric] = Field(
        default_factory=lambda: list(Metric), min_length=1, description="Which metrics."
    )

    @field_validator("metrics")
    @classmethod
    def _once_each(cls, metrics: list[Metric]) -> list[Metric]:
        if len(set(metrics)) != len(metrics):
            raise ValueError("each metric once")
        return metrics


KINDS: dict[str, type[_Rows]] = {
    "volume": Volume,
    "freshness": Freshness,
    "column_metrics": ColumnMetrics,
}


class MonitorProblem(ValueError):
    """A monitor that cannot become an alert, and the name its alert would have had."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def expand(item: Any, node_id: str) -> dict[str, Any]:
    """The raw alert (the fields of an alert file) that a monitor item of `node_id` means.

    MonitorProblem when the item is not one monitor with valid settings; the alert fields
    are left for the alert's own validation.
    """
    node = node_id.split(".")
    if len(node) < 3 or (node[0] == "source" and len(node) < 4):
        raise MonitorProblem("monitor", f"{node_id} is not a dbt node a monitor can read")
    fallback = f"{_name(node)}__monitor"
    if not isinstance(item, Mapping):
        raise MonitorProblem(fallback, "a monitor is a mapping such as {volume: {timestamp: ts}}")
    kinds = [k for k in KINDS if k in item]
    if len(kinds) != 1:
        raise MonitorProblem(
            str(item.get("name") or fallback),
            f"a monitor names one of {', '.join(KINDS)}; got {', '.join(map(str, item)) or 'none'}",
        )
    kind = kinds[0]
    fields = {k: v for k, v in item.items() if k != kind}
    try:
        spec = KINDS[kind].model_validate(item[kind])
        anomaly = AnomalySettings.model_validate(
            {**_defaults(kind), **(fields.get("anomaly") or {})}
        )
    except (ValidationError, TypeError) as exc:
        name = str(fields.get("name") or _default_name(node, kind, item[kind]))
        raise MonitorProblem(name, f"monitor {kind}: {_first_error(exc)}") from None
    for field in ("query", "mode"):
        if field in fields:
            raise MonitorProblem(
                str(fields.get("name") or _default_name(node, kind, item[kind])),
                f"a monitor writes its own `{field}`; declare an alert to write one",
            )
    # An empty table (rebuilt empty, emptied) is what volume and freshness monitors are for.
    no_rows = {"on_no_data": "alert"} if kind in ("volume", "freshness") else {}
    return {
        "name": _default_name(node, kind, item[kind]),
        "description": _description(kind, spec, node, anomaly.time_bucket.value),
        **no_rows,
        **fields,
        "anomaly": anomaly.model_dump(mode="json", exclude_defaults=True),
        "query": _query(kind, spec, _relation(node), anomaly),
    }


def _defaults(kind: str) -> dict[str, Any]:
    """What a monitor's `anomaly:` starts from.

    Counts fill missing buckets with 0; lateness alerts only when it grows.
    """
    if kind == "volume":
        return {"missing_buckets": MissingBuckets.ZERO.value}
    if kind == "freshness":
        return {"direction": Direction.SPIKE.value, "unit": "seconds since the newest row"}
    return {}


def _query(kind: str, spec: _Rows, relation: str, anomaly: AnomalySettings) -> str:
    """A Jinja call of the package's macro for `kind`, with literal arguments."""
    # A bucket more than the periods hold, and two days, so that the first training bucket
    # is whole however the days fall (a week starts on Monday) and clocks disagree a little.
    periods = anomaly.training_seconds + anomaly.detection_seconds + anomaly.bucket_seconds
    lookback = math.ceil(periods / DAY) + 2
    arguments = [relation, _literal(spec.timestamp), _literal(anomaly.time_bucket.value)]
    arguments += [str(lookback), _literal(spec.where)]
    if isinstance(spec, ColumnMetrics):
        arguments += [_literal(spec.column), json.dumps([m.value for m in spec.metrics])]
    return "{{ sqlsentinel." + kind + "_monitor_sql(" + ", ".join(arguments) + ") }}"


def _literal(value: str | None) -> str:
    """A Jinja literal: JSON's string syntax is Jinja's too."""
    return "none" if value is None else json.dumps(value)


def _relation(node: list[str]) -> str:
    """`ref('package', 'name')` (with `v=` for a version) or `source('source', 'table')`."""
    if node[0] == "source":
        return f"source({_literal(node[2])}, {_literal(node[3])})"
    if len(node) == 4 and node[3][:1] == "v" and node[3][1:].isdigit():
        return f"ref({_literal(node[1])}, {_literal(node[2])}, v={node[3][1:]})"
    return f"ref({_literal(node[1])}, {_literal(node[2])})"


def _name(node: list[str]) -> str:
    """`orders`, or `crm__customers` for a source's table."""
    return "__".join(node[2:4]) if node[0] == "source" else node[2]


def _default_name(node: list[str], kind: str, spec: Any) -> str:
    column = spec.get("column") if isinstance(spec, Mapping) else None
    suffix = f"{column}__metrics" if kind == "column_metrics" and column else kind
    return _safe(f"{_name(node)}__{suffix}")


def _safe(name: str) -> str:
    """Letters, digits, `_` and `-`: what an alert name may hold."""
    cleaned = "".join(c if c.isalnum() or c in "_-" else "_" for c in name).lstrip("-")
    return cleaned[:200] or "_"


def _description(kind: str, spec: _Rows, node: list[str], bucket: str) -> str:
    what = {
        "volume": f"rows per {bucket} by {spec.timestamp}",
        "freshness": f"how long before each {bucket} ended the newest {spec.timestamp} was",
        "column_metrics": f"{getattr(spec, 'column', '')} per {bucket} by {spec.timestamp}",
    }[kind]
    return f"{kind} monitor of {_name(node)}: {what}"


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        return f"{where}: {error['msg']}" if where else str(error["msg"])
    return str(exc)
