"""What sentinel writes to the warehouse reads back as it was written, whatever the text.

History, outbox and silence rows go in as one JSON text per statement on DuckDB and
PostgreSQL (macros/storage/_insert_rows.sql): quotes, backslashes, dollar quotes, newlines,
JSON inside text and characters outside ASCII must arrive unchanged. Real DuckDB and
PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, State, Status
from sqlsentinel_dbt.runtime.sentinel import Sentinel
from sqlsentinel_dbt.store.history import RunRecord
from tests.conftest import Project

NASTY = [
    'O\'Brien said "hi"',
    "back\\slash \\' \\\\ end\\",
    "$$dollar$$ $tag$ quoted $tag$",
    "line one\nline two\r\n\ttabbed",
    '{"looks": "like json", "n": [1, 2]}',
    "ünïcödé 😀 中文 \u202e right-to-left",
    "' ; drop table students; --",
    "",
]
STARTED = datetime(2026, 12, 1, 9, 30, 15, 123000, tzinfo=UTC)


def test_every_kind_of_text_reads_back_unchanged(shop: Project, sentinel_schema: str) -> None:
    schema = f"{{sqlsentinel_schema: {sentinel_schema}}}"
    args = DbtArgs(str(shop.root), str(shop.root), vars=schema)
    results = [
        AlertResult(
            alert="stored_values",
            status=Status.ALERT if i % 2 else Status.OK,
            severity=Severity.WARN,
            key=text,
            actual_value=i + 0.5 if i % 3 else None,
            threshold=-1e300 if i == 2 else 2,
            context={"note": text, "nested": {"list": [text, i, None]}},
            error=text or None,
            started_at=STARTED,
            duration_ms=i,
            state=InstanceState(State.FIRING, STARTED, i + 1, Severity.WARN),
            dbt_node=f"model.shop.{i}",
        )
        for i, text in enumerate(NASTY)
    ]
    record = RunRecord(run_id="r'1", invocation_id="i\\1", project_name="shop", target_name="t")

    with Sentinel.open(args) as sentinel:
        written = sentinel.stores.history.append(record, results)
        rows = sentinel.history("stored_values", limit=100)

    assert written == len(NASTY)
    by_key = {row["alert_key"]: row for row in rows}
    assert set(by_key) == set(NASTY)
    for i, text in enumerate(NASTY):
        row = by_key[text]
        assert (row["run_id"], row["invocation_id"]) == ("r'1", "i\\1")
        assert json.loads(row["context"]) == {"note": text, "nested": {"list": [text, i, None]}}
        assert row["error"] == (text or None)
        assert row["actual_value"] == (i + 0.5 if i % 3 else None)
        assert row["threshold"] == (-1e300 if i == 2 else 2)
        assert (row["state"], row["state_count"], row["duration_ms"]) == ("firing", i + 1, i)
        assert row["started_at"] == STARTED and row["state_since"] == STARTED
        assert row["dbt_node"] == f"model.shop.{i}"
