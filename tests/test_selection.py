"""Alert selection rules, with a fixed node graph standing in for dbt's selector."""

from __future__ import annotations

import pytest

from sqlsentinel_dbt.cli.select_args import spread_selection_words
from sqlsentinel_dbt.engine.selection import Selectable, Selection, check_selection, select
from sqlsentinel_dbt.errors import SelectionError

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
    "tag:nightly+": {"model.p.payments"},
}


def names(include: list[str], exclude: list[str] | None = None) -> list[str]:
    return select(ALERTS, include, exclude or [], lambda token: GRAPH.get(token, set()))


def test_empty_selection_is_everything() -> None:
    assert names([]) == ["revenue_drop", "payment_failures", "orders_nulls"]


def test_names_globs_and_alert_prefix() -> None:
    assert names(["revenue_drop"]) == ["revenue_drop"]
    assert names(["*_failures"]) == ["payment_failures"]
    assert names(["alert:orders_*"]) == ["orders_nulls"]


def test_tag_is_the_alerts_tag_and_a_graph_selector_reaches_the_tags_of_nodes_it_reads() -> None:
    assert names(["tag:finance"]) == ["revenue_drop", "payment_failures"]
    # tag:X names the alert's own tags, as in silences and routes; the tags of a node the
    # alert reads are dbt's to select, with dbt's graph syntax.
    assert names(["tag:nightly"]) == []
    assert names(["tag:nightly+"]) == ["payment_failures"]


def test_node_selectors_select_dependent_alerts() -> None:
    assert names(["orders"]) == ["orders_nulls"]
    assert names(["+revenue"]) == ["revenue_drop", "orders_nulls"]


def test_union_intersection_and_exclude() -> None:
    assert names(["orders revenue_drop"]) == ["revenue_drop", "orders_nulls"]
    assert names(["tag:finance,tag:payments"]) == ["payment_failures"]
    assert names(["tag:finance"], ["payment_failures"]) == ["revenue_drop"]


def problems(include: list[str], exclude: list[str] | None = None) -> list[str]:
    selection = Selection(ALERTS, lambda token: GRAPH.get(token, set()))
    chosen = selection.chosen(include, exclude or [])
    try:
        check_selection(selection, include, exclude or [], chosen, disabled=["old_alert"])
    except SelectionError as exc:
        assert exc.allowable
        return exc.problems
    return []


def test_graph_operators_around_an_alert_name_still_name_it() -> None:
    assert names(["2+revenue_drop"]) == names(["@revenue_drop"]) == ["revenue_drop"]
    assert names(["revenue_drop+3"]) == ["revenue_drop"]


def test_every_term_that_matches_no_alert_is_named() -> None:
    assert problems(["tag:finance", "orders"]) == []
    assert problems(["tag:finanse", "revenue_drop", "nothing_*"]) == [
        "--select 'tag:finanse' matches no alert (did you mean 'tag:finance'?)",
        "--select 'nothing_*' matches no alert",
    ]
    assert problems(["tag:finance"], ["revenue_dorp"]) == [
        "--exclude 'revenue_dorp' matches no alert (did you mean 'revenue_drop'?)"
    ]


def test_an_intersection_names_the_part_that_matches_nothing_or_itself() -> None:
    assert problems(["tag:finance,tag:nope"]) == ["--select 'tag:nope' matches no alert"]
    assert problems(["tag:quality,tag:finance"]) == [
        "--select 'tag:quality,tag:finance' matches no alert (each part matches some, none all)"
    ]


def test_a_disabled_alert_is_named_as_such_and_excluding_everything_is_an_error() -> None:
    assert problems(["old_alert"]) == [
        "--select 'old_alert' matches no enabled alert (old_alert: enabled: false)"
    ]
    assert problems(["tag:finance"], ["tag:finance"]) == [
        "--exclude removes every alert the selection picks"
    ]


@pytest.mark.parametrize(
    ("argv", "spread"),
    [
        (["--select", "a", "b"], ["--select", "a", "--select", "b"]),
        (["-s", "a", "b", "-o", "json"], ["-s", "a", "--select", "b", "-o", "json"]),
        (["--select=a", "b"], ["--select=a", "--select", "b"]),
        (["-sa", "b"], ["-sa", "--select", "b"]),
        (["--select", "a b"], ["--select", "a b"]),
        (["-s", "a", "-s", "b,c"], ["-s", "a", "-s", "b,c"]),
        (
            ["--select", "a", "b", "--exclude", "c", "d", "--target", "prod"],
            [
                *("--select", "a", "--select", "b"),
                *("--exclude", "c", "--exclude", "d"),
                *("--target", "prod"),
            ],
        ),
        (["--target", "prod", "x"], ["--target", "prod", "x"]),  # only selection flags
        (["--select", "a", "--", "b"], ["--select", "a", "--", "b"]),
    ],
)
def test_selection_flags_take_every_word_up_to_the_next_option(
    argv: list[str], spread: list[str]
) -> None:
    assert spread_selection_words(argv) == spread
