"""Any input to the YAML loader or the status contract gives a result or a clear error.

Property-based (hypothesis): bytes, text, YAML built from alert-shaped documents with wrong
types, huge strings and unicode, and query results with NULL, NaN, odd types and quotes.
"Clear error" means a ConfigError (naming a file) from the loader and an ERROR result with
a message from the contract; any other exception fails the test with its traceback.
"""

from __future__ import annotations

import json
import math
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlsentinel_dbt.config.loader import ALERT_FIELDS, MetaAlerts
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.config.project import load_config
from sqlsentinel_dbt.dbt import QueryResult
from sqlsentinel_dbt.engine.contract import evaluate
from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.errors import ConfigError

EXAMPLES = 200  # per property; docs/reliability.md reports the total
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 11, 22, tzinfo=UTC)

text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "'", '"', "<script>x</script>", "<!channel>", "{{ x }}", "é€😀", "\x00", "x" * 100_000]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | text
)
json_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
field_values = {
    "name": text | st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True),
    "query": text | st.just("select 'OK' as status"),
    "severity": st.sampled_from(["warn", "error", "critical", "WARN", "", None, 3]),
    "timeout": st.sampled_from(["5m", "1h30m", "-1s", "soon", "0", 0, -5, 1e308, None]),
    "for": st.sampled_from(["5m", "x", None, 10]),
    "tags": st.lists(text, max_size=3) | text,
    "warn_if": st.sampled_from(["> 5", "!= 0", ">>", "", None, 1]),
}


@st.composite
def alert_items(draw: st.DrawFn) -> dict[str, Any]:
    """An alert-shaped mapping: real field names (and some unknown ones), any values."""
    names = draw(st.lists(st.sampled_from([*ALERT_FIELDS, "nmae", "quer"]), max_size=8))
    item: dict[str, Any] = {}
    for name in names:
        item[name] = draw(field_values.get(name, json_like))
    return item


alert_documents = st.fixed_dictionaries(
    {"alerts": st.lists(alert_items(), max_size=4) | json_like}
) | st.dictionaries(st.sampled_from(["alerts", "channels", "routes", "nope"]), json_like)


def load_from_files(files: dict[str, bytes], meta: list[MetaAlerts] = ()) -> None:  # type: ignore[assignment]
    """Load a project holding `files`; only a ConfigError may come out, and it names a file."""
    with tempfile.TemporaryDirectory() as root:
        for relative, content in files.items():
            path = Path(root) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        try:
            config = load_config(Path(root), meta)
        except ConfigError as exc:
            assert exc.problems and all(p.strip() for p in exc.problems)
            named = {*files, *(block.path for block in meta)}
            assert all(any(n in p for n in named) for p in exc.problems), exc.problems
            return
        names = [declared.name for declared in config.alerts]
        assert len(names) == len(set(names))
        assert all(isinstance(d.alert, Alert) for d in config.alerts)


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_as_an_alert_file(content: bytes) -> None:
    load_from_files({"alerts/fuzz.yml": content})


@FUZZ
@given(st.text(max_size=2000))
def test_any_text_as_an_alert_file_or_sentinel_yml(content: str) -> None:
    load_from_files({"alerts/fuzz.yml": content.encode(), "sentinel.yml": content.encode()})


@FUZZ
@given(alert_documents)
def test_alert_shaped_yaml_with_wrong_types(document: dict[str, Any]) -> None:
    load_from_files({"alerts/fuzz.yml": yaml.safe_dump(document, allow_unicode=True).encode()})


@FUZZ
@given(json_like | st.lists(alert_items(), max_size=4))
def test_node_meta_of_any_shape(raw: Any) -> None:
    load_from_files({}, [MetaAlerts("model.shop.orders", "models/orders.sql", raw)])


cell_values = (
    scalars
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.dates()
    | st.datetimes()
    | st.binary(max_size=10)
    | st.sampled_from(["ALERT", "ok", " Warn ", "MAYBE", float("nan")])
)
column_names = st.lists(
    st.sampled_from(["status", "STATUS", "actual_value", "threshold", "key", "severity", "region"])
    | text,
    min_size=1,
    max_size=6,
)


@st.composite
def query_results(draw: st.DrawFn) -> QueryResult:
    columns = draw(column_names)
    rows = draw(st.lists(st.tuples(*[cell_values for _ in columns]), max_size=12))
    return QueryResult(columns, rows)


@FUZZ
@given(query_results(), st.sampled_from(["ok", "alert", "error"]), st.integers(1, 20))
def test_any_query_result_gives_results_or_one_error(
    result: QueryResult, on_no_data: str, max_instances: int
) -> None:
    alert = Alert(name="fuzzed", query="q", on_no_data=on_no_data, max_instances=max_instances)
    results = evaluate(alert, result, started_at=NOW, duration_ms=1)
    assert results and all(isinstance(r, AlertResult) for r in results)
    errors = [r for r in results if r.status is Status.ERROR]
    if errors and (len(results) > 1 or errors[0].error):
        assert all(r.error for r in errors)  # an error always says what went wrong
    for r in results:
        for number in (r.actual_value, r.threshold):
            assert number is None or math.isfinite(number)
        json.dumps(r.context, allow_nan=False)  # context is stored as JSON: no NaN, no bytes


def test_nan_and_none_values_are_null_not_errors() -> None:
    result = QueryResult(
        ["status", "actual_value", "threshold", "note"],
        [("ALERT", float("nan"), None, Decimal("NaN"))],
    )
    (only,) = evaluate(Alert(name="a", query="q"), result, started_at=NOW, duration_ms=1)
    assert (only.status, only.actual_value, only.threshold) == (Status.ALERT, None, None)
    assert only.context == {"note": None}


def test_unicode_and_quotes_in_names_are_refused_and_elsewhere_kept(tmp_path: Path) -> None:
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "a.yml").write_text(
        "alerts:\n"
        '  - name: "revenue_ünïcode_\'😀"\n    query: select 1\n'
        "  - name: kept\n    query: select 1\n"
        '    description: "O\'Brien \\"quoted\\" <b>ü</b> 😀"\n',
        encoding="utf-8",
    )
    try:
        load_config(tmp_path)
    except ConfigError as exc:
        (problem,) = exc.problems
        assert "alerts/a.yml" in problem and "name" in problem
    else:
        raise AssertionError("a non-ASCII alert name was accepted")

    (tmp_path / "alerts" / "a.yml").write_text(
        "alerts:\n  - name: kept\n    query: select 1\n"
        '    description: "O\'Brien \\"quoted\\" <b>ü</b> 😀"\n',
        encoding="utf-8",
    )
    (kept,) = load_config(tmp_path).alerts
    assert kept.alert.description == 'O\'Brien "quoted" <b>ü</b> 😀'
    result = QueryResult(["status", "who"], [("ALERT", 'O\'Brien "quoted" <b>ü</b> 😀')])
    (only,) = evaluate(kept.alert, result, started_at=NOW, duration_ms=1)
    assert only.context == {"who": 'O\'Brien "quoted" <b>ü</b> 😀'}


def test_dates_decimals_and_bytes_in_context_are_json_safe() -> None:
    result = QueryResult(
        ["status", "day", "amount", "blob"],
        [("OK", date(2026, 11, 22), Decimal("1.50"), b"\xff\x00")],
    )
    (only,) = evaluate(Alert(name="a", query="q"), result, started_at=NOW, duration_ms=1)
    assert json.loads(json.dumps(only.context))["day"] == "2026-11-22"
