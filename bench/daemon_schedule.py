"""Benchmark: `sentinel daemon` with N alerts on one schedule, for a while, on DuckDB.

    .venv/bin/python bench/daemon_schedule.py --alerts 500 --minutes 10 \
        --write-doc docs/performance.md

It generates the project of bench/generated_project.py (N models, N alerts), builds it,
times one `sentinel dbt-run` of all N alerts (the baseline: the same work as one
scheduled batch, in a process of its own), then runs the daemon with every alert due
each minute (`--schedule`). From the daemon's JSON logs it takes each batch's lag
(actual start minus due time) and duration; from /proc it samples CPU time and resident
memory every second. It reports the lag p95 over all alert runs, the batch time against
the baseline, the CPU used while no batch runs (idle), and how resident memory grew from
the end of the first batch to the end. Targets: lag p95 < 1 s, growth < 10 MB.
`--batches N` ends the run after N batches instead (at most --minutes): the test suite's
smoke run, which must not depend on how fast the machine is.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from doc_section import measured_on, write_section
from generated_project import write_project

BIN = Path(sys.executable).parent
ENV = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "NO_COLOR": "1"}
TICK = os.sysconf("SC_CLK_TCK")
BATCH = re.compile(r"ran (\d+) alerts \(lag ([\d.]+)s, took ([\d.]+)s\)")


def sample(pid: int) -> tuple[float, float]:
    """CPU seconds used so far and resident memory in MB of process `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    rss_kb = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return cpu, rss_kb / 1024


def main() -> None:
    """Run the benchmark and print its figures (and write them as JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--batches", type=int, help="stop after this many batches")
    parser.add_argument("--schedule", default="* * * * *")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--write-doc", type=Path, help="write the table into this document")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="sentinel-daemon-bench-"))
    write_project(root, args.alerts, args.threads)
    (root / "sentinel.yml").write_text(f'default_schedule: "{args.schedule}"\nmisfire_grace: 1m\n')
    flags = ["--project-dir", str(root), "--profiles-dir", str(root)]
    subprocess.run([BIN / "dbt", "run", *flags], env=ENV, check=True, capture_output=True)

    started = time.perf_counter()
    baseline = subprocess.run(
        [BIN / "sentinel", "dbt-run", *flags, "-o", "json", "--fail-on", "never"],
        env=ENV,
        capture_output=True,
        text=True,
    )
    baseline_seconds = time.perf_counter() - started
    assert baseline.returncode == 0, baseline.stderr
    assert len(json.loads(baseline.stdout)["results"]) == args.alerts

    command = [str(BIN / "sentinel"), "--log-format", "json", "--log-level", "info", "daemon"]
    daemon = subprocess.Popen(
        [*command, *flags, "--port", "0"], env=ENV, stderr=subprocess.PIPE, text=True
    )
    batches: list[tuple[float, int, float, float]] = []  # (seen at, alerts, lag, took)
    serving = threading.Event()
    batch_seen = threading.Event()

    def read_logs() -> None:
        assert daemon.stderr is not None
        for line in daemon.stderr:
            if line.startswith("sentinel daemon:"):
                serving.set()
            if line.startswith("{") and (found := BATCH.search(json.loads(line)["message"])):
                n, lag, took = found.groups()
                batches.append((time.monotonic(), int(n), float(lag), float(took)))
                batch_seen.set()

    threading.Thread(target=read_logs, daemon=True).start()
    # The measured time starts once the daemon has parsed the project and scheduled.
    assert serving.wait(600), "the daemon did not start"
    samples: list[tuple[float, float, float]] = []  # (monotonic, cpu s, rss MB)
    end = time.monotonic() + args.minutes * 60
    while time.monotonic() < end and daemon.poll() is None:
        samples.append((time.monotonic(), *sample(daemon.pid)))
        if args.batches and len(batches) >= args.batches:
            break
        batch_seen.wait(1)  # a sample a second, and one as soon as a batch is done
        batch_seen.clear()
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=300)
    assert batches, "the daemon ran no batch"

    lags = sorted(lag for _, n, lag, _ in batches for _ in range(n))
    p95 = lags[min(len(lags) - 1, int(0.95 * len(lags)))]
    busy = [(seen - took, seen) for seen, _, _, took in batches]
    # Idle: one-second steps after the first batch (start-up parses the project) that
    # overlap no batch.
    idle = [
        (b[1] - a[1]) / (b[0] - a[0])
        for a, b in itertools.pairwise(samples)
        if a[0] >= busy[0][1] + 1
        and not any(start - 1 <= b[0] and a[0] <= stop + 1 for start, stop in busy)
    ]
    after_first = [s for s in samples if s[0] >= batches[0][0]]
    growth = after_first[-1][2] - after_first[0][2] if len(after_first) > 1 else 0.0
    median_took = statistics.median(took for *_, took in batches)
    figures = {
        "alerts": args.alerts,
        "minutes": args.minutes,
        "batches": len(batches),
        "alert_runs": len(lags),
        "lag_p95_seconds": round(p95, 3),
        "lag_max_seconds": round(lags[-1], 3),
        "batch_median_seconds": round(median_took, 2),
        "baseline_dbt_run_seconds": round(baseline_seconds, 2),
        "batch_vs_baseline": round(median_took / baseline_seconds, 2),
        "idle_cpu_percent": round(100 * statistics.mean(idle), 2) if idle else None,
        "rss_after_first_batch_mb": round(after_first[0][2], 1) if after_first else None,
        "rss_growth_mb": round(growth, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    print(
        f"lag p95 {p95:.3f}s (target < 1s), RSS growth {growth:.1f} MB (target < 10 MB)",
        file=sys.stderr,
    )
    if args.write_doc:
        write_section(args.write_doc, "daemon", markdown(figures, args.threads))


def markdown(figures: dict[str, float | int | None], threads: int) -> str:
    """The figures as a table, with the targets they are held to."""

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    lag_p95, lag_max = figures["lag_p95_seconds"], figures["lag_max_seconds"]
    growth = figures["rss_growth_mb"] or 0.0
    rows = [
        (
            f"alert runs ({figures['batches']} batches of {figures['alerts']})",
            figures["alert_runs"],
            "",
        ),
        (
            "scheduling lag, p95 (and max)",
            f"{lag_p95} s ({lag_max} s)",
            f"under 1 s: {met(float(lag_p95 or 0) < 1)}",
        ),
        (
            f"one batch of {figures['alerts']} alerts, median",
            f"{figures['batch_median_seconds']} s",
            "",
        ),
        (
            "one `sentinel dbt-run` of the same alerts (baseline)",
            f"{figures['baseline_dbt_run_seconds']} s",
            "",
        ),
        ("batch / baseline", f"{figures['batch_vs_baseline']}x", ""),
        ("CPU while no batch runs", f"{figures['idle_cpu_percent']} % of one core", ""),
        ("resident memory after the first batch", f"{figures['rss_after_first_batch_mb']} MB", ""),
        ("growth from then to the end", f"{growth} MB", f"under 10 MB: {met(float(growth) < 10)}"),
    ]
    lines = [
        measured_on(),
        "",
        f"{figures['alerts']} alerts due every minute on DuckDB, {figures['minutes']} minutes, "
        f"{threads} threads:",
        "",
        "| measured | value | target |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| {what} | {value} | {target} |" for what, value, target in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
