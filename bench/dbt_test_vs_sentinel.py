"""Benchmark: `sentinel dbt-run` on N alerts against `dbt test` on N singular tests, same SQL.

    .venv/bin/python bench/dbt_test_vs_sentinel.py --n 100 1000

For each N it generates a dbt project on DuckDB (bench/generated_project.py), builds its
models once with `dbt run`, runs each tool `--warm-ups` times (default once) to warm
partial parsing and the file cache, then alternates the two commands `--repeat` times,
each in its own process. It
reports the median wall time and the median peak resident memory (the child's own
`ru_maxrss`) of each tool, and their ratios, sentinel over dbt. Before reporting, it
checks that both tools found the same checks firing, so the two did the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generated_project import firing, write_project

BIN = Path(sys.executable).parent
# Both tools with dbt's anonymous usage tracking off, so neither waits on the network.
ENV = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "NO_COLOR": "1"}
TIME_TARGET = 0.35
MEMORY_TARGET = 1.2


@dataclass(frozen=True)
class Measurement:
    """One process: wall time, peak resident memory, exit code and what it printed."""

    seconds: float
    peak_mib: float
    exit_code: int
    stdout: str


@dataclass(frozen=True)
class Comparison:
    """Medians of both tools for one N."""

    n: int
    dbt: tuple[float, float]
    sentinel: tuple[float, float]

    @property
    def time_ratio(self) -> float:
        return self.sentinel[0] / self.dbt[0]

    @property
    def memory_ratio(self) -> float:
        return self.sentinel[1] / self.dbt[1]


def measure(command: list[str], env: Mapping[str, str] = ENV) -> Measurement:
    """Run `command` to the end and return its wall time and its own peak RSS."""
    with tempfile.TemporaryFile() as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        output = stdout.read().decode()
    # ru_maxrss is in KiB on Linux.
    return Measurement(seconds, usage.ru_maxrss / 1024, process.returncode, output)


def dbt_command(verb: str, root: Path) -> list[str]:
    """A dbt command line on the generated project."""
    return [str(BIN / "dbt"), verb, "--project-dir", str(root), "--profiles-dir", str(root)]


def sentinel_command(root: Path) -> list[str]:
    """`sentinel dbt-run` on the generated project, JSON on stdout, never failing on alerts."""
    flags = ["--project-dir", str(root), "--profiles-dir", str(root)]
    return [str(BIN / "sentinel"), "dbt-run", *flags, "--output", "json", "--fail-on", "never"]


def check_same_work(root: Path, n: int, dbt: Measurement, sentinel: Measurement) -> None:
    """Fail unless both tools ran every check without error and found the same ones firing."""
    expected = {f"check_{i:04d}" for i in range(n) if firing(i)}
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    failed_tests = {r["unique_id"].split(".")[2] for r in results if r["status"] == "fail"}
    dbt_errors = [r["unique_id"] for r in results if r["status"] not in ("pass", "fail")]
    report = json.loads(sentinel.stdout)
    alerting = {r["alert"] for r in report["results"] if r["status"] == "ALERT"}
    problems = []
    if dbt.exit_code not in (0, 1) or dbt_errors or len(results) != n:
        problems.append(
            f"dbt test: exit {dbt.exit_code}, {len(results)} tests, errors {dbt_errors}"
        )
    if sentinel.exit_code != 0 or report["summary"]["total"] != n:
        problems.append(f"sentinel: exit {sentinel.exit_code}, summary {report['summary']}")
    if failed_tests != expected or alerting != expected:
        problems.append(
            f"firing checks differ: expected {len(expected)}, "
            f"dbt test {len(failed_tests)}, sentinel {len(alerting)}"
        )
    if problems:
        raise SystemExit("benchmark is not comparing like with like:\n" + "\n".join(problems))


def compare(n: int, repeat: int, threads: int, workdir: Path, warm_ups: int = 1) -> Comparison:
    """Generate and build the project for `n`, then measure both tools `repeat` times."""
    root = workdir / f"bench_{n}"
    write_project(root, n, threads)
    build = measure(dbt_command("run", root))
    if build.exit_code != 0:
        raise SystemExit(f"dbt run failed for N={n}:\n{build.stdout[-2000:]}")
    for _ in range(warm_ups):  # not counted
        measure(dbt_command("test", root))
        measure(sentinel_command(root))
    dbt_runs, sentinel_runs = [], []
    for _ in range(repeat):
        dbt_runs.append(measure(dbt_command("test", root)))
        sentinel_runs.append(measure(sentinel_command(root)))
        check_same_work(root, n, dbt_runs[-1], sentinel_runs[-1])
    return Comparison(n, medians(dbt_runs), medians(sentinel_runs))


def medians(runs: list[Measurement]) -> tuple[float, float]:
    """Median wall seconds and median peak MiB of several runs."""
    return (
        statistics.median(r.seconds for r in runs),
        statistics.median(r.peak_mib for r in runs),
    )


def markdown(comparisons: list[Comparison], repeat: int, threads: int) -> str:
    """The figures as a Markdown table, ratios being sentinel over dbt test."""
    lines = [
        f"Medians of {repeat} runs each, {threads} threads, DuckDB, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs.",
        "",
        "| N | dbt test | sentinel dbt-run | time ratio | dbt test peak | sentinel peak "
        "| memory ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in comparisons:
        lines.append(
            f"| {c.n} | {c.dbt[0]:.2f} s | {c.sentinel[0]:.2f} s | {c.time_ratio:.2f}x "
            f"| {c.dbt[1]:.0f} MiB | {c.sentinel[1]:.0f} MiB | {c.memory_ratio:.2f}x |"
        )
    largest = max(comparisons, key=lambda c: c.n)
    met = largest.time_ratio <= TIME_TARGET and largest.memory_ratio <= MEMORY_TARGET
    lines += [
        "",
        f"Targets at N={largest.n}: time <= {TIME_TARGET}x, memory <= {MEMORY_TARGET}x: "
        + ("met." if met else "NOT met."),
    ]
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run the comparisons, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm-ups", type=int, default=1, help="uncounted runs of each tool")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workdir", type=Path, help="keep the generated projects here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqlsentinel-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        comparisons = [
            compare(n, args.repeat, args.threads, workdir, args.warm_ups) for n in args.n
        ]
    print(markdown(comparisons, args.repeat, args.threads))


if __name__ == "__main__":
    main()
