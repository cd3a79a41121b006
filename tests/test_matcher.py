"""One grammar names alerts in `--select`, silences and routes, with one meaning of `tag:X`
(docs/alerts.md#selection): the alert's tags, which for an alert declared in a dbt node's
meta include that node's tags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sqlsentinel_dbt.config.channels import Route, RouteMatch
from sqlsentinel_dbt.config.loader import MetaAlerts, validate_alerts
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.engine.matcher import AlertTerm, Method
from sqlsentinel_dbt.engine.selection import Selectable, select
from sqlsentinel_dbt.engine.silences import Silence
from sqlsentinel_dbt.notify.routing import channels_for
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import FIXTURES, Project, ShopVariant, cli

ALERTS = [
    Alert(name="revenue_drop", query="q", tags=["finance"]),
    Alert(name="payment_failures", query="q", tags=["finance", "payments"]),
    Alert(name="orders_nulls", query="q", tags=["quality"]),
]
TERMS = [
    "revenue_drop",
    "*_failures",
    "[or]*",
    "alert:orders_*",
    "tag:finance",
    "tag:payments",
    "tag:nope",
    "nothing_*",
]


def selected(term: str) -> set[str]:
    alerts = [Selectable(a.name, frozenset(a.tags), frozenset()) for a in ALERTS]
    return set(select(alerts, [term], [], lambda _: set()))


def silenced(term: str) -> set[str]:
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    silence = Silence("s", term, None, moment, moment, "", "", moment)
    return {a.name for a in ALERTS if silence.matches(a, None)}


def routed(term: str) -> set[str]:
    parsed = AlertTerm.parse(term)
    assert parsed is not None
    if parsed.method is Method.TAG:
        match = RouteMatch(tags=[parsed.value])
    else:
        match = RouteMatch(alert=parsed.value)
    route = Route(match=match, notify=["chat"])
    return {a.name for a in ALERTS if channels_for(a, [route])}


@pytest.mark.parametrize("term", TERMS)
def test_select_silences_and_routes_name_the_same_alerts(term: str) -> None:
    assert selected(term) == silenced(term) == routed(term)


def test_the_terms_name_what_they_say() -> None:
    assert selected("tag:finance") == {"revenue_drop", "payment_failures"}
    assert selected("[or]*") == {"revenue_drop", "orders_nulls"}
    assert selected("tag:nope") == set()


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("orders_*", AlertTerm(Method.NAME, "orders_*")),
        ("alert:orders", AlertTerm(Method.NAME, "orders")),
        ("tag:finance", AlertTerm(Method.TAG, "finance")),
        ("source:shop.orders", None),
        ("path:models/marts", None),
    ],
)
def test_a_term_parses_as_an_alert_term_or_is_left_to_dbt(
    text: str, term: AlertTerm | None
) -> None:
    assert AlertTerm.parse(text) == term


def test_an_alert_in_a_nodes_meta_has_the_nodes_tags_after_its_own() -> None:
    raw = [{"name": "a", "query": "q", "tags": ["quality", "staging"]}]
    meta = MetaAlerts("model.shop.stg_orders", "models/x.yml", raw, ("staging", "nightly"))
    [declared] = validate_alerts([], [meta], [])
    assert declared.alert.tags == ["quality", "staging", "nightly"]


TAGGED_PROJECT = (FIXTURES / "shop" / "dbt_project.yml").read_text() + (
    "models:\n  shop:\n    stg_orders:\n      +tags: [staging]\n"
)


@pytest.fixture
def tagged(shop_variant: ShopVariant) -> Project:
    """The shop, with the model whose meta declares orders_negative_amount tagged staging."""
    return shop_variant("tagged", {"dbt_project.yml": TAGGED_PROJECT})


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_a_node_tag_selects_silences_and_routes_its_alerts_on_every_path(tagged: Project) -> None:
    listed = cli("list", "--select", "tag:staging", *tagged.flags(), "-o", "json")
    assert [a["name"] for a in listed.json()["alerts"]] == ["orders_negative_amount"]
    assert "staging" in listed.json()["alerts"][0]["tags"]
    with Sentinel.open(tagged.args) as sentinel:
        found = sentinel.project.warehouse.run_macro("_meta_alerts")
        alerts = [item["alert"] for item in found]
        chosen = sentinel.project.warehouse.run_macro(
            "_select_alerts", alerts=alerts, select="tag:staging"
        )
        declared = {d.name: d.alert for d in sentinel.alerts}
    # run_alerts, in dbt alone, picks the same alert by the node's tag.
    assert [a["name"] for a in chosen] == ["orders_negative_amount"]
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    silence = Silence("s", "tag:staging", None, moment, moment, "", "", moment)
    assert {n for n, a in declared.items() if silence.matches(a, None)} == {
        "orders_negative_amount"
    }
    route = Route(match=RouteMatch(tags=["staging"]), notify=["chat"])
    assert {n for n, a in declared.items() if channels_for(a, [route])} == {
        "orders_negative_amount"
    }
