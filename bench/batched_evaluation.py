"""Benchmark: N alerts evaluated one query each, then in batches, on the same warehouse.

    .venv/bin/python bench/batched_evaluation.py --n 1000 --write-doc docs/performance.md

For each warehouse the script writes a dbt project with N alerts on one table of 20,000
orders: nine in ten compare a count and a sum of one region with a threshold, one in ten
is keyed by region (20 instances), one in 25 counts failing rows. It plans them once, then
times `run_planned` (the evaluation a `dbt-run` or the daemon does) with one query per
alert and with batches of `--batch-size`, alternating, on the profile's `--threads`, and
checks after each pair that both gave the same results.

- bigquery: dbt-bigquery's real client against the local stand-in (tests/fake_bigquery.py),
  which answers from an in-memory DuckDB and makes every job take `--job-latency` seconds,
  as a BigQuery job's fixed cost does (half a second to a second or two for a small query);
  the jobs each mode submitted are counted.
- postgres: the server at PGHOST (default 127.0.0.1:5432), on a schema of its own.
- duckdb: a database file, as the demo uses.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import psycopg2  # type: ignore[import-untyped]
import yaml

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]
from checks_project import Warehouse  # noqa: E402
from doc_section import PACKAGES, measured_on, write_section  # noqa: E402

from sqlsentinel_dbt.dbt import DbtArgs  # noqa: E402
from sqlsentinel_dbt.engine.result import AlertResult  # noqa: E402
from sqlsentinel_dbt.engine.runner import run_planned  # noqa: E402
from sqlsentinel_dbt.runtime import Sentinel  # noqa: E402
from tests.fake_bigquery import PROJECT, fake_bigquery, profile_output  # noqa: E402

ROWS = 20_000
REGIONS = 20
ORDERS = (
    f"select i as order_id, 'r' || (i % {REGIONS}) as region, "
    "cast(i % 997 as double precision) / 10 as amount, "
    "case when i % 13 = 0 then 'failed' else 'completed' end as status "
    f"from generate_series(1, {ROWS}) as g(i)"
)


def alerts(n: int, table: str) -> list[dict[str, Any]]:
    """N alerts on `table`, of the three shapes the module's docstring lists."""
    declared: list[dict[str, Any]] = []
    for i in range(n):
        region = f"r{i % REGIONS}"
        if i % 25 == 24:
            query = f"select * from {table} where region = '{region}' and amount > 99.5"
            declared.append({"name": f"a{i:04d}", "mode": "failing_rows", "query": query})
            continue
        if i % 10 == 9:
            query = (
                "select region, case when count(*) > 1000 then 'ALERT' else 'OK' end as status, "
                f"count(*) as actual_value, 1000 as threshold from {table} "
                f"where amount > {i % 50} group by region"
            )
            declared.append({"name": f"a{i:04d}", "key_columns": ["region"], "query": query})
            continue
        limit = 40_000 + i
        query = (
            f"select case when sum(amount) > {limit} then 'ALERT' else 'OK' end as status, "
            f"sum(amount) as actual_value, {limit} as threshold, count(*) as orders "
            f"from {table} where region = '{region}' and status = 'completed'"
        )
        declared.append({"name": f"a{i:04d}", "query": query})
    return declared


def write_project(root: Path, output: dict[str, Any], declared: list[dict[str, Any]]) -> DbtArgs:
    """A dbt project of alerts only, with a profile for `output`."""
    (root / "alerts").mkdir(parents=True)
    project = {"name": "bench_batches", "version": "1.0", "profile": "bench_batches"}
    (root / "dbt_project.yml").write_text(yaml.safe_dump(project))
    profile = {"bench_batches": {"target": "bench", "outputs": {"bench": output}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    (root / "alerts" / "alerts.yml").write_text(yaml.safe_dump({"alerts": declared}))
    return DbtArgs(project_dir=str(root), profiles_dir=str(root))


@contextmanager
def bigquery(root: Path, n: int, threads: int, latency: float) -> Iterator[tuple[DbtArgs, Any]]:
    """The stand-in, answering from DuckDB after `latency` seconds a job."""
    database = duckdb.connect()
    database.execute(f"attach ':memory:' as \"{PROJECT}\"")
    database.execute(f'create schema "{PROJECT}".analytics')
    database.execute(f'create table "{PROJECT}".analytics.orders as {ORDERS}')
    with fake_bigquery(answer_with=database, job_latency=latency) as fake:
        os.environ["BIGQUERY_EMULATOR_HOST"] = fake.url
        output = profile_output(fake, threads)
        yield write_project(root, output, alerts(n, f"`{PROJECT}`.analytics.orders")), fake


@contextmanager
def postgres(root: Path, n: int, threads: int) -> Iterator[tuple[DbtArgs, None]]:
    """A schema of the benchmark's own on the PostgreSQL server, dropped afterwards."""
    warehouse = Warehouse("postgres", f"bench_batches_{uuid.uuid4().hex[:8]}")
    output = warehouse.output(root, threads)
    server = {key: output[key] for key in ("host", "port", "user", "password", "dbname")}
    with psycopg2.connect(**server) as conn, conn.cursor() as cur:
        cur.execute(f"create schema {warehouse.schema}")
        cur.execute(f"create table {warehouse.schema}.orders as {ORDERS}")
    try:
        yield write_project(root, output, alerts(n, f"{warehouse.schema}.orders")), None
    finally:
        warehouse.reset(root)


@contextmanager
def duckdb_file(root: Path, n: int, threads: int) -> Iterator[tuple[DbtArgs, None]]:
    """A DuckDB database file holding the table."""
    output = Warehouse("duckdb").output(root, threads)
    with duckdb.connect(str(output["path"])) as database:
        database.execute(f"create table orders as {ORDERS}")
    yield write_project(root, output, alerts(n, "main.orders")), None


def comparable(results: Sequence[AlertResult]) -> list[AlertResult]:
    """Results without timings, in one order (a query without ORDER BY fixes none)."""
    return sorted((replace(r, duration_ms=0) for r in results), key=lambda r: (r.alert, str(r.key)))


def measure(
    warehouse: str, args: argparse.Namespace, root: Path
) -> dict[str, Any]:  # one warehouse's figures
    """Time both modes `--repeat` times on `warehouse`, alternating; check they agree."""
    if warehouse == "bigquery":
        opened = bigquery(root, args.n, args.threads, args.job_latency)
    elif warehouse == "postgres":
        opened = postgres(root, args.n, args.threads)
    else:
        opened = duckdb_file(root, args.n, args.threads)
    with opened as (dbt_args, fake), Sentinel.open(dbt_args) as sentinel:
        plans = sentinel.plan()
        db = sentinel.project.warehouse
        now = datetime.now(UTC)  # one clock for both modes, so their results compare
        jobs: dict[int, int] = {}

        def run(batch_size: int) -> tuple[float, list[AlertResult]]:
            sent_before = len(fake.queries) if fake else 0
            started = time.perf_counter()
            results = run_planned(plans, db, threads=args.threads, now=now, batch_size=batch_size)
            seconds = time.perf_counter() - started
            if fake:
                jobs[batch_size] = len(fake.queries) - sent_before
            return seconds, results

        run(args.batch_size)  # connections opened, macros loaded: not measured
        alone_times, batched_times = [], []
        for _ in range(args.repeat):
            alone_seconds, alone = run(1)
            batched_seconds, batched = run(args.batch_size)
            if comparable(alone) != comparable(batched):
                raise SystemExit(f"{warehouse}: the two modes gave different results")
            alone_times.append(alone_seconds)
            batched_times.append(batched_seconds)
    errors = sum(r.status.value == "ERROR" for r in alone)
    if errors:
        raise SystemExit(f"{warehouse}: {errors} alerts failed; the benchmark needs none")
    one_each, in_batches = statistics.median(alone_times), statistics.median(batched_times)
    return {
        "warehouse": warehouse,
        "alerts": args.n,
        "results": len(alone),
        "alone_seconds": one_each,
        "batched_seconds": in_batches,
        "ratio": in_batches / one_each,
        "jobs_alone": jobs.get(1),
        "jobs_batched": jobs.get(args.batch_size),
    }


def report(figures: list[dict[str, Any]], args: argparse.Namespace) -> str:
    """The section of docs/performance.md: versions, the table, the target's verdict."""
    lines = [
        measured_on((*PACKAGES, "dbt-bigquery", "google-cloud-bigquery")),
        "",
        f"Medians of {args.repeat} runs each, {args.threads} threads, batches of "
        f"{args.batch_size}; BigQuery stand-in job latency {args.job_latency:g} s.",
        "",
        "| warehouse | alerts | results | one query per alert | batched | ratio | jobs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in figures:
        jobs = f"{f['jobs_alone']} / {f['jobs_batched']}" if f["jobs_alone"] else ""
        lines.append(
            f"| {f['warehouse']} | {f['alerts']} | {f['results']} | {f['alone_seconds']:.2f} s "
            f"| {f['batched_seconds']:.2f} s | {f['ratio']:.3f}x | {jobs} |"
        )
    lines.append("")
    verdicts = [
        f"{f['warehouse']}: {'met' if f['ratio'] <= args.target else 'NOT met'}" for f in figures
    ]
    lines.append(
        f"Target: batched <= {args.target:g}x one query per alert at N={args.n}. "
        + "; ".join(verdicts)
        + ". Both modes gave equal results in every run."
    )
    return "\n".join(lines)


def main() -> None:
    """Measure each warehouse asked for, print the table, write it where asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--warehouse", nargs="+", default=["bigquery", "postgres", "duckdb"])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--job-latency", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=0.1)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--write-doc", type=Path, help="write the section into this document")
    args = parser.parse_args()
    figures = []
    for warehouse in args.warehouse:
        with tempfile.TemporaryDirectory() as tmp:
            figures.append(measure(warehouse, args, Path(tmp)))
    text = report(figures, args)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if args.write_doc:
        write_section(args.write_doc, "batched-evaluation", text)


if __name__ == "__main__":
    main()
