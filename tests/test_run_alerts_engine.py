"""The pure-dbt engine of `run_alerts` (macros/engine, macros/alerts) against the Python one.

Both are fed the same inputs through dbt's real Jinja runtime: the golden state-machine
sequences, and alert queries run on the real warehouses. Any difference is a bug in one of
them: `sentinel dbt-run` and `dbt run-operation sqlsentinel.run_alerts` must agree.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.dbt import CompiledQuery, Warehouse
from sqlsentinel_dbt.engine.bounded import HAS_LIMIT, bounded_sql, without_final_semicolon
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState
from sqlsentinel_dbt.engine.runner import run_one
from sqlsentinel_dbt.engine.state import Key, track
from sqlsentinel_dbt.errors import WarehouseError
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project
from tests.test_state_machine import CASES, START, results_of


@pytest.fixture(scope="module")
def jinja(shop: Project) -> Iterator[Warehouse]:
    """The shop project's warehouse, whose run_macro calls the package's macros."""
    with Sentinel.open(shop.args) as sentinel:
        yield sentinel.project.warehouse


def jinja_alert(warehouse: Warehouse, raw: dict[str, Any]) -> dict[str, Any]:
    config = warehouse.run_macro("_alert_config", raw=raw, node_id=None, path="alerts/x.yml")
    assert config["problems"] == []
    return config["alert"]  # type: ignore[no-any-return]


def naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def to_jinja_result(result: AlertResult) -> dict[str, Any]:
    return {
        "alert": result.alert,
        "status": result.status.value,
        "severity": result.severity.value,
        "key": result.key,
        "no_data": result.no_data,
        "state": None,
    }


def to_jinja_state(state: InstanceState) -> dict[str, Any]:
    return {
        "state": state.state.value,
        "since": naive(state.since),
        "count": state.count,
        "severity": state.severity.value,
    }


def python_view(result: AlertResult) -> tuple[Any, ...]:
    state = result.state
    if state is None:
        return (result.key, result.status.value, None)
    shown = (state.state.value, naive(state.since), state.count, state.severity.value)
    return (result.key, result.status.value, shown)


def jinja_view(result: dict[str, Any]) -> tuple[Any, ...]:
    state = result["state"]
    if state is None:
        return (result["key"], result["status"], None)
    shown = (state["state"], state["since"], state["count"], state["severity"])
    return (result["key"], result["status"], shown)


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_state_machine_matches_python_on_every_golden_sequence(
    jinja: Warehouse, case: dict[str, Any]
) -> None:
    raw = {"name": "golden", "query": "select 1", **case["alert"]}
    alert = Alert.model_validate(raw)
    macro_alert = jinja_alert(jinja, raw)
    history: dict[Key, InstanceState] = {}
    for step, run in enumerate(case["runs"]):
        now = START + timedelta(minutes=run["at"])
        results = results_of(alert, run["results"], now)
        expected = track(alert, history, results, now)
        got = jinja.run_macro(
            "_track_alert",
            alert=macro_alert,
            prior={k: to_jinja_state(s) for k, s in history.items()},
            results=[to_jinja_result(r) for r in results],
            now=naive(now),
        )
        assert [jinja_view(r) for r in got["results"]] == [
            python_view(r) for r in expected.results
        ], f"run {step}"
        assert [jinja_view(r) for r in got["missing"]] == [
            python_view(r) for r in expected.missing
        ], f"run {step}"
        for result in expected.results + expected.missing:
            if result.state is not None:
                history[result.key] = result.state


# Queries valid on DuckDB and PostgreSQL alike, each with the alert fields it runs under.
CONTRACT_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("one row firing", {}, "select 'ALERT' as status, 12.5 as actual_value, 10 as threshold"),
    ("any case, context kept", {}, "select 'ok' as status, 3 as orders, 'north' as region"),
    (
        "keyed rows",
        {},
        "select 'a' as key, 'ALERT' as status, 1 as actual_value union all select 'b', 'OK', 2.25",
    ),
    (
        "key columns joined",
        {"key_columns": ["Region", "day"]},
        "select 'n' as region, 3 as day, 'WARN' as status union all select 's', 4, 'ok'",
    ),
    ("numeric keys lose .0", {}, "select 5.0 as key, 'ALERT' as status"),
    ("null key", {}, "select cast(null as varchar) as key, 'ALERT' as status"),
    ("row severity", {"severity": "warn"}, "select 'ALERT' as status, 'error' as severity"),
    ("warn implies warn", {}, "select 'warn' as status"),
    (
        "null and NaN values",
        {},
        "select 'OK' as status, null as actual_value, cast('NaN' as double precision) as threshold",
    ),
    ("text number", {}, "select 'OK' as status, '3.5' as actual_value"),
    ("no status column", {}, "select 1 as value"),
    ("unknown status", {}, "select 'maybe' as status"),
    ("null status", {}, "select cast(null as varchar) as status"),
    ("bad severity", {}, "select 'ALERT' as status, 'fatal' as severity"),
    ("not a number", {}, "select 'OK' as status, 'lots' as actual_value"),
    ("two rows, no key", {}, "select 'OK' as status union all select 'ALERT'"),
    ("duplicate keys", {}, "select 'a' as key, 'OK' as status union all select 'a', 'OK'"),
    ("missing key column", {"key_columns": ["nope"]}, "select 'OK' as status"),
    (
        "too many rows",
        {"max_instances": 2},
        "select 'a' as key, 'OK' as status union all select 'b', 'OK' union all select 'c', 'OK'",
    ),
    ("no data: ok", {}, "select 'OK' as status where 1 = 0"),
    ("no data: alert", {"on_no_data": "alert"}, "select 'OK' as status where 1 = 0"),
    ("no data: error", {"on_no_data": "error"}, "select 'OK' as status where 1 = 0"),
    (
        "failing rows at error",
        {"mode": "failing_rows", "error_if": ">2", "warn_if": ">0"},
        "select 1 as id union all select 2 union all select 3",
    ),
    (
        "failing rows at warn",
        {"mode": "failing_rows", "error_if": ">2", "warn_if": ">0"},
        "select 1 as id",
    ),
    ("failing rows: none", {"mode": "failing_rows"}, "select 1 as id where 1 = 0"),
    (
        "failing rows, warn-only alert",
        {"mode": "failing_rows", "severity": "warn", "warn_if": ">=1"},
        "select 1 as id  -- a trailing comment",
    ),
    # How a query may end: its final semicolon goes, with the comments after it; a
    # semicolon in a string or a comment stays; a trailing comment must not swallow the `)`
    # that either engine's wrapping adds.
    ("semicolon, then a line comment", {}, "select 'ALERT' as status, 2 as actual_value; -- done"),
    ("semicolon, then a block comment", {}, "select 'OK' as status; /* checked daily */"),
    ("semicolons among comments", {}, "select 'OK' as status -- one\n;\n/* two */ ;\n-- three"),
    ("semicolon in a string at the end", {}, "select 'OK' as status where 'a' <> 'b; -- c'"),
    ("semicolon in a string, then one", {}, "select 'ALERT' as status, 'a; /* b */' as note;"),
    ("semicolon in a line comment", {}, "select 'OK' as status -- not this one;"),
    ("semicolon in a block comment", {}, "select 'OK' as status /* nor; this */"),
    ("trailing comment, no semicolon", {}, "select 'ALERT' as status -- no semicolon"),
    (
        "failing rows, semicolon and comment",
        {"mode": "failing_rows"},
        "select 1 as id union all select 2; -- two rows",
    ),
    (
        "failing rows, semicolon in a string",
        {"mode": "failing_rows", "warn_if": ">=1"},
        "select 1 as id where 'x' <> 'y;'",
    ),
]


def contract_view(
    status: str,
    key: str | None,
    severity: str,
    actual: float | None,
    threshold: float | None,
    context: dict[str, Any],
    error: str | None,
    no_data: bool,
) -> tuple[Any, ...]:
    # JSON numbers compare by value (2 == 2.0): agate hands back every number as a Decimal.
    return (status, key, severity, actual, threshold, json.dumps(context), error, no_data)


@pytest.mark.parametrize(
    ("fields", "sql"), [c[1:] for c in CONTRACT_CASES], ids=[c[0] for c in CONTRACT_CASES]
)
def test_status_contract_matches_python(jinja: Warehouse, fields: dict[str, Any], sql: str) -> None:
    raw = {"name": "contract", "query": sql, **fields}
    alert = Alert.model_validate(raw)
    plan = PlannedAlert(DeclaredAlert(alert, "alerts/x.yml"), CompiledQuery(sql, frozenset()))
    expected = [
        contract_view(
            r.status.value,
            r.key,
            r.severity.value,
            r.actual_value,
            r.threshold,
            r.context,
            r.error,
            r.no_data,
        )
        for r in run_one(plan, jinja)
    ]
    got = [
        contract_view(
            r["status"],
            r["key"],
            r["severity"],
            r["actual_value"],
            r["threshold"],
            normalise(r["context"]),
            r["error"],
            r["no_data"],
        )
        for r in jinja.run_macro("_evaluate_alert", alert=jinja_alert(jinja, raw), problems=[])
    ]
    assert got == [normalise_numbers(e) for e in expected]


def normalise(context: dict[str, Any]) -> dict[str, Any]:
    return {
        k: float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in context.items()
    }


def normalise_numbers(view: tuple[Any, ...]) -> tuple[Any, ...]:
    context = json.loads(view[5])
    return (*view[:5], json.dumps(normalise(context)), *view[6:])


# Endings the two engines must shape alike, on PostgreSQL and DuckDB (which quote alike);
# tests/test_bigquery.py has BigQuery's.
ENDINGS = [
    "select 1",
    "select 1;",
    "select 1 ;  -- done",
    "select 1; /* done */\n-- and done",
    "select 1;;",
    "select 1 -- one\n;\n/* two */ ;",
    "select ';' as s -- a comment",
    "select 1 -- a;",
    "select 1 /* a; */",
    "select 1 where 'a' = 'a; -- b'",
    "select 'it''s;';",
    'select 1 as "a;" ;',
    "select $$a; -- b$$;",
    "select $tag$ a;$ $tag$ ;",
    "select e'a\\';' ;",
    "select 'unterminated;",
    "select 1 /* unterminated;",
    "select 1; select 2",
]


@pytest.mark.parametrize("sql", ENDINGS)
def test_both_engines_drop_the_same_final_semicolon(jinja: Warehouse, sql: str) -> None:
    expected = without_final_semicolon(sql, jinja.adapter_type)
    assert jinja.run_macro("_without_final_semicolon", sql=sql) == expected


def test_both_engines_bound_the_rows_of_the_same_adapters(jinja: Warehouse) -> None:
    """HAS_LIMIT (Python) and _limit_adapters (Jinja) are one rule written twice."""
    assert sorted(jinja.run_macro("_limit_adapters")) == sorted(HAS_LIMIT)
    sql = "select 'OK' as status -- a trailing comment"
    wrapped = jinja.run_macro("bounded_sql", sql=sql, limit=7)
    assert wrapped == bounded_sql(sql, 7, jinja.adapter_type)
    assert jinja.fetch(wrapped, limit=None, timeout=60, name="t").rows == [("OK",)]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
@pytest.mark.parametrize(
    ("adapter", "macro"),
    [("snowflake", "snowflake___sql_token_pattern"), ("trino", "default___sql_token_pattern")],
)
def test_the_token_rules_of_warehouses_not_run_here_are_sqlglots(
    jinja: Warehouse, adapter: str, macro: str
) -> None:
    """Where no warehouse of the kind runs here, its token pattern is held to sqlglot's
    tokenizer for the dialect, walked as _without_final_semicolon walks it."""
    pattern = re.compile(jinja.run_macro(macro))

    def as_the_macro_strips(sql: str) -> str:
        cut = None
        for token in pattern.finditer(sql):
            if token.lastgroup == "broken":
                return sql
            if token.lastgroup == "semi":
                cut = token.start() if cut is None else cut
            elif token.lastgroup in ("quoted", "other"):
                cut = None
        return sql if cut is None else sql[:cut]

    own = ["select 1 // c;", "select 1; // c", "select 'a\\';' ;", "select '';", "select '' '';"]
    for sql in ENDINGS + own:
        assert as_the_macro_strips(sql) == without_final_semicolon(sql, adapter), sql


def test_invalid_meta_alerts_are_errors_naming_the_field(jinja: Warehouse) -> None:
    config = jinja.run_macro(
        "_alert_config",
        raw={
            "name": "x",
            "query": " ",
            "severity": "fatal",
            "for": "soon",
            "ownr": "me",
            "for_evaluations": 0,
            "tags": ["ok", "not ok"],
            "warn_if": "lots",
        },
        node_id="model.shop.stg_orders",
        path="models/sources.yml",
    )
    problems = "\n".join(config["problems"])
    for expected in (
        "unknown field 'ownr'",
        "field 'query' is required",
        "field 'severity' must be one of warn, error, got 'fatal'",
        "field 'for': expected a duration",
        "field 'for_evaluations'",
        "tag 'not ok'",
        "field 'warn_if': 'lots' is not a condition",
    ):
        assert expected in problems
    assert len(config["problems"]) == 7


@pytest.mark.parametrize("raw", [{"mode": "anomaly"}, {"anomaly": {"sensitivity": 3}}])
def test_the_operation_refuses_anomaly_alerts_and_says_where_they_run(
    jinja: Warehouse, raw: dict[str, object]
) -> None:
    config = jinja.run_macro(
        "_alert_config", raw={"name": "x", "query": "select 1", **raw}, node_id=None, path="m.yml"
    )
    assert config["problems"] == [
        "mode 'anomaly' runs with `sentinel dbt-run` or `sentinel daemon`, not `dbt run-operation`"
    ]
    assert Alert.model_validate({"name": "x", "query": "select 1", **raw}).mode == "anomaly"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90),
        (1.5, 1.5),
        ("30s", 30),
        ("5m", 300),
        ("1h30m", 5400),
        ("2d", 172800),
        ("250ms", 0.25),
        ("1w", 604800),
        (" 4H ", 14400),
        ("soon", None),
        ("5m3", None),
        (-1, None),
        (True, None),
        ("", None),
    ],
)
def test_durations_parse_as_the_config_model_does(
    jinja: Warehouse, text: object, seconds: float | None
) -> None:
    got = jinja.run_macro("_duration_seconds", value=text)
    assert (got if got is None else float(got)) == seconds
    if seconds is not None:
        assert math.isclose(
            Alert.model_validate({"name": "d", "query": "q", "for": text}).for_, seconds
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("for", "99999999999999999999d"),
        ("keep_firing_for", math.inf),
        ("timeout", "2d"),
        ("timeout", 0),
        ("for", math.nan),
        ("timeout", 10**400),
    ],
)
def test_durations_out_of_bounds_are_refused_as_the_config_model_refuses_them(
    jinja: Warehouse, field: str, value: object
) -> None:
    from pydantic import ValidationError

    from sqlsentinel_dbt.config.models import QUERY_TIMEOUT, STATE_DURATION

    raw = {"name": "x", "query": "q", field: value}
    with pytest.raises(ValidationError) as refused:
        Alert.model_validate(raw)
    python = refused.value.errors()[0]["msg"].removeprefix("Value error, ")
    config = jinja.run_macro("_alert_config", raw=raw, node_id=None, path="models/x.yml")
    [problem] = config["problems"]
    bound = QUERY_TIMEOUT if field == "timeout" else STATE_DURATION
    if "at most" in python:  # the same bound, in the same words
        assert python == f"must be at most {bound.text}"
        assert problem == f"field '{field}': {python}"
    elif "more than" in python:
        assert problem == f"field '{field}': {python}"
    else:
        assert (
            problem
            == f"field '{field}': expected a duration like 30s, 5m, 4h or a number of seconds"
        )


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_run_alerts_refuses_a_selection_term_that_matches_nothing(jinja: Warehouse) -> None:
    alerts = [
        {"name": "revenue_drop", "tags": ["finance"], "node_id": "model.shop.region_revenue"},
        {"name": "orders_nulls", "tags": [], "node_id": "model.shop.stg_orders"},
    ]

    def problems(select: object, exclude: object = None) -> list[str]:
        found = jinja.run_macro(
            "_selection_problems", alerts=alerts, select=select, exclude=exclude
        )
        return list(found)

    assert problems("tag:finance stg_orders") == problems(None) == []
    assert problems("tag:finance tag:finanse") == ["select 'tag:finanse' matches no alert"]
    assert problems(["revenue_drop"], "orders_nuls") == ["exclude 'orders_nuls' matches no alert"]
    assert problems("tag:finance", "region_revenue") == [
        "exclude removes every alert the selection picks"
    ]
    with pytest.raises(WarehouseError, match="select 'tag:finanse' matches no alert"):
        jinja.run_macro("run_alerts", select="tag:finance tag:finanse", dry_run=True)
    allowed = jinja.run_macro(
        "run_alerts", select="tag:finanse", dry_run=True, allow_empty_selection=True
    )
    assert list(allowed) == []


def test_every_default_of_the_jinja_engine_is_the_config_models(jinja: Warehouse) -> None:
    """macros/alerts/_alert_config.sql defaults each field by hand: the same fields, with
    values the model reads as its own defaults."""
    jinja_defaults = jinja_alert(jinja, {"name": "d", "query": "select 1"})
    fields = {f.alias or name: (name, f) for name, f in Alert.model_fields.items()}
    derived = {f"{name}_seconds" for name in ("for", "keep_firing_for", "timeout")}
    assert set(jinja_defaults) - {"node_id", "path"} - derived == set(fields)
    for field, (name, model_field) in fields.items():
        if field in ("name", "query"):
            continue
        parsed = Alert.model_validate({"name": "d", "query": "q", field: jinja_defaults[field]})
        assert getattr(parsed, name) == model_field.get_default(call_default_factory=True), field
