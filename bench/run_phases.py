"""Time the phases of one `sentinel dbt-run`, through the library, in a process of its own.

    .venv/bin/python bench/run_phases.py PROJECT_DIR

Prints JSON: seconds spent importing sqlsentinel; opening the project (importing dbt,
the profile, the adapter, the manifest from partial parsing, the alert files); compiling
and checking the alerts; checking the warehouse and running the queries; recording the
results (history rows) and closing. The CLI does the same steps; this splits them apart
for docs/performance.md.
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()

from sqlsentinel_dbt.dbt import DbtArgs  # noqa: E402
from sqlsentinel_dbt.runtime import Sentinel  # noqa: E402


def main() -> None:
    """Run the phases on the project named by the first argument and print their times."""
    root = sys.argv[1]
    phases: dict[str, float] = {}
    clock = started

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = round(now - clock, 3)
        clock = now

    lap("import")
    with Sentinel.open(DbtArgs(project_dir=root, profiles_dir=root)) as sentinel:
        lap("open")
        plans = sentinel.plan()
        lap("compile")
        remaining = len(plans)

        def ran(*_: object) -> None:  # results arrive in plan order: the last ends the queries
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                lap("run")

        report = sentinel.execute(plans, on_results=ran)
    lap("record")
    assert len(report.results) == len(plans), "every alert has one result"
    print(json.dumps(phases))


if __name__ == "__main__":
    main()
