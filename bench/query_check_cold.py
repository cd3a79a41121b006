"""Benchmark: the query policy's check of N compiled queries with no verdict kept (a cold run).

    .venv/bin/python bench/query_check_cold.py --n 1000 --write-doc docs/performance.md

A warm run reads each query's verdict from `target/sqlsentinel/verdicts.json`; a first
run, or one after `dbt clean`, parses every compiled query with sqlglot. This times that
parse and check (`QueryPolicy.check_query`, no cache) for N queries shaped like the
benchmark's alerts, with whichever sqlglot is installed: pure Python, or compiled with
mypyc when `sqlglotc` (of the same version) is installed too. Each kind writes its own
section, so running the script in both environments fills both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlglot.parser

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]
from doc_section import measured_on, write_section  # noqa: E402

from sqlsentinel_dbt.engine.query_policy import QueryPolicy  # noqa: E402

QUERY = """select * from (
select case when count(*) > 25 then 'ALERT' else 'OK' end
         as status,
       count(*) as actual_value,
       25 as threshold
from "bench"."main"."model_{i:04d}"
where amount is null
) as sentinel_bounded limit 2"""


def compiled_sqlglot() -> bool:
    """Whether the installed sqlglot is the mypyc-compiled build (sqlglotc)."""
    return str(sqlglot.parser.__file__).endswith(".so")


def time_checks(n: int, repeat: int) -> float:
    """Median seconds to check `n` distinct queries, none of them seen before."""
    policy = QueryPolicy("duckdb")
    policy.check_query(QUERY.format(i=0))  # imports and dialect set-up, not measured
    runs = []
    for r in range(repeat):
        queries = [QUERY.format(i=i) + f" -- run {r}" for i in range(n)]
        started = time.perf_counter()
        for sql in queries:
            policy.check_query(sql)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    """Time the checks, print a line, and write it into the document if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-doc", type=Path, help="write the figure into this document")
    args = parser.parse_args()
    seconds = time_checks(args.n, args.repeat)
    kind = "compiled" if compiled_sqlglot() else "pure"
    label = "compiled with mypyc (sqlglotc)" if kind == "compiled" else "pure Python"
    text = "\n".join(
        [
            measured_on(),
            "",
            f"sqlglot {label}: {args.n} compiled queries checked in {seconds:.2f} s "
            f"({1000 * seconds / args.n:.2f} ms each), median of {args.repeat} runs.",
        ]
    )
    print(text)
    if args.write_doc:
        write_section(args.write_doc, f"query-check-{kind}", text)


if __name__ == "__main__":
    main()
