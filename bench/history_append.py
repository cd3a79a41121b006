"""Benchmark: `HistoryStore.append` of N rows on DuckDB, in this process.

    .venv/bin/python bench/history_append.py --n 1000 --repeat 5

It opens a generated DuckDB project (bench/generated_project.py, one model: the append
needs a project, not its alerts), ensures the history table as a run does, then appends N
made-up results `--repeat` times, each as one run (as `sentinel dbt-run` appends them),
and reports the median and the fastest time of one append. Rows carry quotes, backslashes
and line breaks in their texts so the escaping is exercised.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]
from generated_project import write_project  # noqa: E402

from sqlsentinel_dbt.config.models import Severity  # noqa: E402
from sqlsentinel_dbt.dbt import DbtArgs  # noqa: E402
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, State, Status  # noqa: E402
from sqlsentinel_dbt.runtime import Sentinel  # noqa: E402
from sqlsentinel_dbt.store.history import HistoryStore, RunRecord  # noqa: E402


def results(n: int) -> list[AlertResult]:
    """N results with every column filled, as a firing run writes them."""
    now = datetime.now(UTC)
    state = InstanceState(State.FIRING, now, 1, Severity.ERROR)
    return [
        AlertResult(
            alert=f"check_{i:04d}",
            status=Status.ALERT,
            severity=Severity.ERROR,
            key=f"region 'eu' #{i}",
            actual_value=i * 1.5,
            threshold=25,
            context={"note": "it's \\ late\nagain", "i": i},
            started_at=now,
            duration_ms=i,
            state=state,
        )
        for i in range(n)
    ]


def main() -> None:
    """Time the appends and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        root = Path(workdir)
        write_project(root, 1, threads=1)
        args = DbtArgs(project_dir=str(root), profiles_dir=str(root))
        with Sentinel.open(args) as sentinel:
            store = HistoryStore(sentinel.project.warehouse)
            store.ensure()
            rows = results(options.n)
            store.append(RunRecord("warm-up", "i", "bench", "dev"), rows[:10], ensure=False)
            times = []
            for run in range(options.repeat):
                started = time.perf_counter()
                record = RunRecord(f"run-{run}", "i", "bench", "dev")
                written = store.append(record, rows, ensure=False)  # as `dbt-run` calls it
                times.append(time.perf_counter() - started)
                assert written == options.n
    median, best = statistics.median(times), min(times)
    print(f"append of {options.n} rows: median {median:.3f} s, fastest {best:.3f} s")


if __name__ == "__main__":
    main()
