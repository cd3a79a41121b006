"""Benchmark: `sentinel dbt-run` on N alerts against `dbt test` on N singular tests, same SQL.

    .venv/bin/python bench/dbt_test_vs_sentinel.py --n 100 1000 --write-doc docs/performance.md

For each N it generates a dbt project on DuckDB (bench/generated_project.py), builds its
models once with `dbt run`, runs each tool `--warm-ups` times (default once) to warm
partial parsing and the file cache, then alternates the two commands `--repeat` times,
each in its own process. It reports the median wall time and the median peak resident
memory (the child's own `ru_maxrss`) of each tool, and their ratios, sentinel over dbt.
Before reporting, it checks that both tools found the same checks firing, so the two did
the same work. Each repeat also runs sentinel once cold, without the caches it keeps in
`target/sqlsentinel/` (Jinja's compiled code, the query policy's verdicts), and times the
phases of one warm run (bench/run_phases.py). `--write-doc` puts the tables, with the
date and versions, into the document's `dbt-test` section.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from doc_section import measured_on, write_section
from generated_project import firing, write_project

BIN = Path(sys.executable).parent
# Both tools with dbt's anonymous usage tracking off, so neither waits on the network.
ENV = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "NO_COLOR": "1"}
# Issue 13's targets: time ratio per N, and memory ratio at the largest N.
TIME_TARGETS = {100: 0.6, 1000: 0.15}
MEMORY_TARGET = 1.1
PHASES = ("import", "open", "compile", "run", "record")


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
    cold: float
    phases: dict[str, float]

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
    dbt_runs, sentinel_runs, cold_runs, phase_runs = [], [], [], []
    for _ in range(repeat):
        dbt_runs.append(measure(dbt_command("test", root)))
        sentinel_runs.append(measure(sentinel_command(root)))
        check_same_work(root, n, dbt_runs[-1], sentinel_runs[-1])
        shutil.rmtree(root / "target" / "sqlsentinel")  # what a first run finds
        cold_runs.append(measure(sentinel_command(root)))
        check_same_work(root, n, dbt_runs[-1], cold_runs[-1])
        phase_runs.append(phases_of(root))
    phases = {p: statistics.median(run[p] for run in phase_runs) for p in PHASES}
    cold = statistics.median(r.seconds for r in cold_runs)
    return Comparison(n, medians(dbt_runs), medians(sentinel_runs), cold, phases)


def phases_of(root: Path) -> dict[str, float]:
    """The phases of one warm run, timed by bench/run_phases.py in a process of its own."""
    script = Path(__file__).parent / "run_phases.py"
    done = subprocess.run(
        [sys.executable, str(script), str(root)], capture_output=True, text=True, env=ENV
    )
    if done.returncode != 0:
        raise SystemExit(f"run_phases.py failed:\n{done.stderr[-2000:]}")
    phases: dict[str, float] = json.loads(done.stdout)
    return phases


def medians(runs: list[Measurement]) -> tuple[float, float]:
    """Median wall seconds and median peak MiB of several runs."""
    return (
        statistics.median(r.seconds for r in runs),
        statistics.median(r.peak_mib for r in runs),
    )


def markdown(comparisons: list[Comparison], repeat: int, threads: int) -> str:
    """The figures as Markdown tables, ratios being sentinel over dbt test."""
    lines = [
        measured_on(),
        "",
        f"Medians of {repeat} runs each, {threads} threads, DuckDB.",
        "",
        "| N | dbt test | sentinel dbt-run | time ratio | target | dbt test peak "
        "| sentinel peak | memory ratio | sentinel, cold caches |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in comparisons:
        target = TIME_TARGETS.get(c.n)
        lines.append(
            f"| {c.n} | {c.dbt[0]:.2f} s | {c.sentinel[0]:.2f} s | {c.time_ratio:.2f}x "
            f"| {f'<= {target}x' if target else ''} | {c.dbt[1]:.0f} MiB "
            f"| {c.sentinel[1]:.0f} MiB | {c.memory_ratio:.2f}x | {c.cold:.2f} s |"
        )
    lines += ["", verdict(comparisons), "", "Where a warm run's time goes (seconds):", ""]
    lines += [
        "| N | " + " | ".join(PHASES) + " | total |",
        "| ---: | " + " | ".join("---:" for _ in PHASES) + " | ---: |",
    ]
    for c in comparisons:
        cells = " | ".join(f"{c.phases[p]:.2f}" for p in PHASES)
        lines.append(f"| {c.n} | {cells} | {sum(c.phases.values()):.2f} |")
    return "\n".join(lines)


def verdict(comparisons: list[Comparison]) -> str:
    """Which targets the figures meet."""
    said = []
    for c in comparisons:
        if c.n in TIME_TARGETS:
            met = c.time_ratio <= TIME_TARGETS[c.n]
            said.append(f"time at N={c.n} <= {TIME_TARGETS[c.n]}x: {'met' if met else 'NOT met'}")
    largest = max(comparisons, key=lambda c: c.n)
    met = largest.memory_ratio <= MEMORY_TARGET
    said.append(f"memory at N={largest.n} <= {MEMORY_TARGET}x: {'met' if met else 'NOT met'}")
    return "Targets: " + "; ".join(said) + "."


def main() -> None:
    """Parse the arguments, run the comparisons, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm-ups", type=int, default=1, help="uncounted runs of each tool")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workdir", type=Path, help="keep the generated projects here")
    parser.add_argument("--write-doc", type=Path, help="write the tables into this document")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqlsentinel-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        comparisons = [
            compare(n, args.repeat, args.threads, workdir, args.warm_ups) for n in args.n
        ]
    table = markdown(comparisons, args.repeat, args.threads)
    print(table)
    if args.write_doc:
        write_section(args.write_doc, "dbt-test", table)


if __name__ == "__main__":
    main()
