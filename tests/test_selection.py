"""Alert selection rules, with a fixed node graph standing in for dbt's selector."""

from __future__ import annotations

from sqlsentinel_dbt.engine.selection import Selectable, select

ALERTS = [
    Selectable("revenue_drop", frozenset({"finance"}), frozenset({"model.p.revenue"})),
    Selectable(
        "payment_failures", frozenset({"finance", "payments"}), frozenset({"model.p.payments"})
    ),
    Selectable("orders_nulls", frozenset({"quality"}), frozenset({"model.p.orders"})),
]
GRAPH = {
    "orders": {"model.p.orders"},
    "+revenue": {"model.p.revenue", "model.p.orders"},
    "tag:nightly": {"model.p.payments"},
}


def names(include: list[str], exclude: list[str] | None = None) -> list[str]:
    return select(ALERTS, include, exclude or [], lambda token: GRAPH.get(token, set()))


def test_empty_selection_is_everything() -> None:
    assert names([]) == ["revenue_drop", "payment_failures", "orders_nulls"]


def test_names_globs_and_alert_prefix() -> None:
    assert names(["revenue_drop"]) == ["revenue_drop"]
    assert names(["*_failures"]) == ["payment_failures"]
    assert names(["alert:orders_*"]) == ["orders_nulls"]


def test_tags_match_alert_tags_and_node_tags() -> None:
    assert names(["tag:finance"]) == ["revenue_drop", "payment_failures"]
    assert names(["tag:nightly"]) == ["payment_failures"]  # through the dbt node's tag


def test_node_selectors_select_dependent_alerts() -> None:
    assert names(["orders"]) == ["orders_nulls"]
    assert names(["+revenue"]) == ["revenue_drop", "orders_nulls"]


def test_union_intersection_and_exclude() -> None:
    assert names(["orders revenue_drop"]) == ["revenue_drop", "orders_nulls"]
    assert names(["tag:finance,tag:payments"]) == ["payment_failures"]
    assert names(["tag:finance"], ["payment_failures"]) == ["revenue_drop"]
