"""Benchmark: what the `record_dbt_results` on-run-end hook adds to a `dbt build`.

    .venv/bin/python bench/hook_overhead.py --n 100 1000 --write-doc docs/performance.md

For each N it generates three copies of the same dbt project on DuckDB
(bench/generated_project.py: N table models and N singular tests, a tenth of which fail):
as generated, with the sqlsentinel package installed, and with the package and `on-run-end:
"{{ sqlsentinel.record_dbt_results(results) }}"`. It runs `dbt build` on each `--warm-ups`
times (default once, to warm partial parsing), then takes turns `--repeat` times, each
build in its own process, and reports the median wall time of each, the ratio of the
hooked build to the plain one, and the median time dbt reports for the hook itself; the
middle column tells what installing the package costs from what the hook costs. Before
reporting it checks that the hook recorded one history row per model and test of the last
build. `--write-doc` puts the table, with the date and versions, into the document's
`dbt-hook` section.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from dbt_test_vs_sentinel import Measurement, dbt_command, measure
from doc_section import measured_on, write_section
from generated_project import write_project

REPO = Path(__file__).resolve().parents[1]
HOOK = "{{ sqlsentinel.record_dbt_results(results) }}"
# dbt's line for the hook: `1 of 1 OK hook: bench.on-run-end.0 .... [OK in 0.49s]`.
HOOK_LINE = re.compile(r"OK hook: \S+on-run-end\.0 .*?in ([\d.]+)s\]")


@dataclass(frozen=True)
class Overhead:
    """Medians for one N: build as generated, with the package, with the hook; the hook."""

    n: int
    plain: float
    package: float
    hooked: float
    hook: float

    @property
    def ratio(self) -> float:
        return self.hooked / self.plain


def write_with_package(root: Path, n: int, threads: int, hook: bool) -> None:
    """The generated project, with the package installed and, if `hook`, the hook set."""
    write_project(root, n, threads)
    if hook:
        settings = yaml.safe_load((root / "dbt_project.yml").read_text())
        settings["on-run-end"] = [HOOK]
        (root / "dbt_project.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
    (root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    deps = measure(dbt_command("deps", root))
    if deps.exit_code != 0:
        raise SystemExit(f"dbt deps failed:\n{deps.stdout[-2000:]}")


def built(run: Measurement, what: str) -> Measurement:
    """The run, unless dbt did not get through the build (1 is tests failing: expected)."""
    if run.exit_code not in (0, 1):
        raise SystemExit(f"dbt build ({what}) exited {run.exit_code}:\n{run.stdout[-2000:]}")
    return run


def hook_seconds(run: Measurement) -> float:
    """How long dbt says the hook took."""
    found = HOOK_LINE.search(run.stdout)
    if not found:
        raise SystemExit(f"the hook did not run:\n{run.stdout[-2000:]}")
    return float(found.group(1))


def check_recorded(root: Path, n: int) -> None:
    """Fail unless the last hook run recorded every model and test of the build."""
    import duckdb

    with duckdb.connect(str(root / "bench.duckdb"), read_only=True) as connection:
        [(count,)] = connection.execute(
            "select count(*) from main_sentinel.sentinel_alert_history where run_id = ("
            "select run_id from main_sentinel.sentinel_alert_history "
            "order by started_at desc limit 1)"
        ).fetchall()
    if count != 2 * n:
        raise SystemExit(f"the hook recorded {count} results, not {2 * n}")


def compare(n: int, repeat: int, threads: int, workdir: Path, warm_ups: int = 1) -> Overhead:
    """Generate both projects for `n`, then time `dbt build` on each `repeat` times."""
    roots = {what: workdir / f"{what}_{n}" for what in ("plain", "package", "hooked")}
    write_project(roots["plain"], n, threads)
    write_with_package(roots["package"], n, threads, hook=False)
    write_with_package(roots["hooked"], n, threads, hook=True)
    for _ in range(warm_ups):  # not counted
        for what, root in roots.items():
            built(measure(dbt_command("build", root)), what)
    runs: dict[str, list[Measurement]] = {what: [] for what in roots}
    for _ in range(repeat):
        for what, root in roots.items():
            runs[what].append(built(measure(dbt_command("build", root)), what))
    check_recorded(roots["hooked"], n)
    seconds = {what: statistics.median(r.seconds for r in done) for what, done in runs.items()}
    hook = statistics.median(hook_seconds(r) for r in runs["hooked"])
    return Overhead(n, seconds["plain"], seconds["package"], seconds["hooked"], hook)


def markdown(overheads: list[Overhead], repeat: int, threads: int) -> str:
    """The figures as a Markdown table."""
    lines = [
        measured_on(),
        "",
        f"Medians of {repeat} runs each, {threads} threads, DuckDB; N models and N tests.",
        "",
        "| N | dbt build | with the package | with the hook | ratio | the hook, as dbt times it |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for o in overheads:
        lines.append(
            f"| {o.n} | {o.plain:.2f} s | {o.package:.2f} s | {o.hooked:.2f} s "
            f"| {o.ratio:.2f}x | {o.hook:.2f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run the comparisons, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm-ups", type=int, default=1, help="uncounted builds of each")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workdir", type=Path, help="keep the generated projects here")
    parser.add_argument("--write-doc", type=Path, help="write the table into this document")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqlsentinel-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        overheads = [compare(n, args.repeat, args.threads, workdir, args.warm_ups) for n in args.n]
    table = markdown(overheads, args.repeat, args.threads)
    print(table)
    if args.write_doc:
        write_section(args.write_doc, "dbt-hook", table)


if __name__ == "__main__":
    main()
