"""A stand-in for BigQuery's REST API on 127.0.0.1, for dbt-bigquery's real client.

dbt-bigquery's profile takes an `api_endpoint`; pointed here, every query job the adapter
submits arrives as SQL text. Each is parsed with sqlglot's BigQuery dialect and refused
with BigQuery's 400 `invalidQuery` when it does not parse. Datasets and tables that
`CREATE` statements make are remembered, so dbt's existence checks see them. A SELECT
is answered by sqlglot's own executor over empty tables (count(*) is 0, a CASE on it is
evaluated), or, where the executor cannot, with its column names and no rows: the point
is the SQL, not the data.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.executor import execute

from tests.receivers import serving

PROJECT = "sentinel-test"
_STATEMENT_TYPES = {
    exp.Select: "SELECT",
    exp.Union: "SELECT",
    exp.Insert: "INSERT",
    exp.Merge: "MERGE",
    exp.Update: "UPDATE",
    exp.Delete: "DELETE",
    exp.Create: "CREATE_TABLE",
    exp.Alter: "ALTER_TABLE",
}


@dataclass
class FakeBigQuery:
    """What the fake has seen: every SQL statement, and the tables it created."""

    url: str = ""
    queries: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    datasets: set[str] = field(default_factory=set)
    tables: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(dataset, table) -> column names: the tables CREATE made, and the test's models."""
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    answer_with: Any = None
    """A DuckDB connection that answers SELECTs (see the module's docstring), or None."""
    job_latency: float = 0.0
    """Seconds every job takes before it is answered."""

    def submit(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reference = body.get("jobReference") or {}
        job_id = reference.get("jobId", f"job{len(self.jobs)}")
        sql = body["configuration"]["query"]["query"]
        try:
            [statement] = [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]
        except (sqlglot.errors.ParseError, ValueError) as exc:
            self.refused.append((sql, str(exc)))
            return 400, _error(400, "invalidQuery", f"Syntax error: {exc}")
        if self.job_latency:
            time.sleep(self.job_latency)
        with self.lock:
            self.queries.append(sql)
            self._remember(statement)
            job = _job(job_id, sql, statement)
            if isinstance(statement, exp.Query) and self.answer_with is not None:
                try:
                    _answer_from_duckdb(self.answer_with, statement, job)
                except Exception as exc:  # DuckDB's binder and runtime errors
                    self.refused.append((sql, str(exc)))
                    return 400, _error(400, "invalidQuery", str(exc))
            elif isinstance(statement, exp.Query):
                self._answer(statement, job)
            self.jobs[job_id] = job
        return 200, job

    def _answer(self, statement: exp.Query, job: dict[str, Any]) -> None:
        schema: dict[str, Any] = {PROJECT: {}}
        for (dataset, table), columns in self.tables.items():
            schema[PROJECT].setdefault(dataset, {})[table] = {c: "STRING" for c in columns}
        empty = {PROJECT: {d: {t: [] for t in ts} for d, ts in schema[PROJECT].items()}}
        try:
            table = execute(statement, schema=schema, dialect="bigquery", tables=empty)
        except Exception:  # the executor knows less than BigQuery: answer no rows
            return
        first = table.rows[0] if table.rows else [None] * len(table.columns)
        job["_fields"] = [
            {"name": name, "type": _TYPES.get(type(value), "STRING"), "mode": "NULLABLE"}
            for name, value in zip(table.columns, first, strict=True)
        ]
        job["_rows"] = [{"f": [{"v": _text(v)} for v in row]} for row in table.rows]

    def _remember(self, statement: exp.Expression) -> None:
        if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
            table = statement.this.this
            columns = [c.name for c in statement.this.expressions if isinstance(c, exp.ColumnDef)]
            self.datasets.add(table.db)
            self.tables.setdefault((table.db, table.name), columns)
        elif isinstance(statement, exp.Alter):
            key = (statement.this.db, statement.this.name)
            added = [c.name for c in statement.find_all(exp.ColumnDef)]
            self.tables[key] = self.tables.get(key, []) + added

    def results(self, job_id: str) -> dict[str, Any]:
        job = self.jobs[job_id]
        return {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": job["jobReference"],
            "jobComplete": True,
            "totalRows": str(len(job["_rows"])),
            "schema": {"fields": job["_fields"]},
            "rows": job["_rows"],
        }

    def table(self, dataset: str, name: str) -> tuple[int, dict[str, Any]]:
        if dataset.startswith("_anon"):
            return 200, _table(dataset, name, [])
        columns = self.tables.get((dataset, name))
        if columns is None:
            return 404, _error(404, "notFound", f"Not found: Table {PROJECT}:{dataset}.{name}")
        return 200, _table(dataset, name, columns)


def _job(job_id: str, sql: str, statement: exp.Expression) -> dict[str, Any]:
    kind = next((v for k, v in _STATEMENT_TYPES.items() if isinstance(statement, k)), "SCRIPT")
    names = statement.named_selects if isinstance(statement, exp.Query) else []
    return {
        "kind": "bigquery#job",
        "id": f"{PROJECT}:US.{job_id}",
        "jobReference": {"projectId": PROJECT, "jobId": job_id, "location": "US"},
        "configuration": {
            "jobType": "QUERY",
            "query": {
                "query": sql,
                "destinationTable": {
                    "projectId": PROJECT,
                    "datasetId": "_anon",
                    "tableId": f"anon_{job_id}".replace("-", "_"),
                },
            },
        },
        "status": {"state": "DONE"},
        "statistics": {
            "creationTime": "1",
            "startTime": "1",
            "endTime": "2",
            "query": {"statementType": kind, "totalBytesProcessed": "0", "numDmlAffectedRows": "0"},
        },
        "_fields": [{"name": n, "type": "STRING", "mode": "NULLABLE"} for n in names if n != "*"],
        "_rows": [],
    }


_TYPES = {bool: "BOOL", int: "INT64", float: "FLOAT64"}
_DUCKDB_TYPES = {
    "BOOLEAN": "BOOL",
    "TINYINT": "INT64",
    "SMALLINT": "INT64",
    "INTEGER": "INT64",
    "BIGINT": "INT64",
    "HUGEINT": "INT64",
    "DOUBLE": "FLOAT64",
    "FLOAT": "FLOAT64",
    "DATE": "DATE",
}


def _answer_from_duckdb(database: Any, statement: exp.Query, job: dict[str, Any]) -> None:
    """Answer a SELECT from `database`, typed as BigQuery's REST API types a result."""
    cursor = database.cursor()
    try:
        cursor.execute(statement.sql(dialect="duckdb"))
        described = cursor.description or []
        rows = cursor.fetchall()
    finally:
        cursor.close()
    job["_fields"] = [
        {"name": name, "type": _bigquery_type(str(kind)), "mode": "NULLABLE"}
        for name, kind, *_ in described
    ]
    job["_rows"] = [{"f": [{"v": _text(v)} for v in row]} for row in rows]


def _bigquery_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "NUMERIC"
    return _DUCKDB_TYPES.get(duckdb_type, "STRING")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _table(dataset: str, name: str, columns: list[str]) -> dict[str, Any]:
    return {
        "kind": "bigquery#table",
        "id": f"{PROJECT}:{dataset}.{name}",
        "tableReference": {"projectId": PROJECT, "datasetId": dataset, "tableId": name},
        "type": "TABLE",
        "numRows": "0",
        "schema": {"fields": [{"name": c, "type": "STRING", "mode": "NULLABLE"} for c in columns]},
    }


def _error(code: int, reason: str, message: str) -> dict[str, Any]:
    error = {"code": code, "message": message, "errors": [{"reason": reason, "message": message}]}
    return {"error": error}


_ROUTES = [
    ("POST", re.compile(r"/projects/[^/]+/jobs$"), "submit"),
    ("GET", re.compile(r"/projects/[^/]+/jobs/(?P<job>[^/]+)$"), "job"),
    ("POST", re.compile(r"/projects/[^/]+/jobs/(?P<job>[^/]+)/cancel$"), "cancel"),
    ("GET", re.compile(r"/projects/[^/]+/queries/(?P<job>[^/]+)$"), "results"),
    ("POST", re.compile(r"/projects/[^/]+/datasets$"), "create_dataset"),
    ("GET", re.compile(r"/projects/[^/]+/datasets/(?P<dataset>[^/]+)$"), "dataset"),
    ("GET", re.compile(r"/projects/[^/]+/datasets/(?P<dataset>[^/]+)/tables$"), "tables"),
    (
        "GET",
        re.compile(r"/projects/[^/]+/datasets/(?P<dataset>[^/]+)/tables/(?P<table>[^/]+)$"),
        "table",
    ),
]


def _answer(fake: FakeBigQuery, method: str, path: str, body: Any) -> tuple[int, Any]:
    path = path.split("?", 1)[0].removeprefix("/bigquery/v2")
    for verb, pattern, action in _ROUTES:
        match = pattern.match(path)
        if verb == method and match:
            return _act(fake, action, match.groupdict(), body)
    return 404, _error(404, "notFound", f"the fake has no {method} {path}")


def _act(fake: FakeBigQuery, action: str, args: dict[str, str], body: Any) -> tuple[int, Any]:
    if action == "submit":
        return fake.submit(body)
    if action in ("job", "cancel"):
        job = fake.jobs.get(args["job"])
        if job is None:
            return 404, _error(404, "notFound", f"Not found: Job {args['job']}")
        return 200, {"job": job} if action == "cancel" else job
    if action == "results":
        return 200, fake.results(args["job"])
    if action == "create_dataset":
        fake.datasets.add(body["datasetReference"]["datasetId"])
        return 200, body
    if action == "dataset":
        if args["dataset"] not in fake.datasets:
            return 404, _error(404, "notFound", f"Not found: Dataset {args['dataset']}")
        return 200, {"datasetReference": {"projectId": PROJECT, "datasetId": args["dataset"]}}
    if action == "tables":
        names = [t for d, t in fake.tables if d == args["dataset"]]
        return 200, {"tables": [_table(args["dataset"], n, []) for n in names]}
    return fake.table(args["dataset"], args["table"])


def profile_output(fake: FakeBigQuery, threads: int = 1) -> dict[str, Any]:
    """A dbt-bigquery profile output that talks to `fake` (dataset `analytics`)."""
    return {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": "not-a-real-token",
        "project": PROJECT,
        "dataset": "analytics",
        "location": "US",
        "api_endpoint": fake.url,
        "threads": threads,
        "job_retries": 0,
    }


@contextmanager
def fake_bigquery(answer_with: Any = None, job_latency: float = 0.0) -> Iterator[FakeBigQuery]:
    """Serve a fresh fake on a free port of 127.0.0.1 for the duration of the block."""
    fake = FakeBigQuery(answer_with=answer_with, job_latency=job_latency)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, payload = _answer(fake, method, self.path, json.loads(raw) if raw else None)
            payload = {k: v for k, v in (payload or {}).items() if not k.startswith("_")}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        fake.url = url
        yield fake
