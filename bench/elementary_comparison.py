"""Benchmark: Elementary OSS's `edr monitor` against `sentinel dbt-run` on one dbt project.

    .venv/bin/python bench/elementary_comparison.py --edr /work/ext/edr-venv/bin/edr \\
        --elementary-package /work/ext/elementary-0.25.1 \\
        --dbt-utils-package /work/ext/dbt_utils-0.8.6

Elementary is installed outside the repository, once, as bench/elementary_setup.py says.

The project (bench/generated_project.py, phased) has 100 table models and 100 checks,
each both a singular dbt test (what Elementary reports on) and a sqlsentinel alert with
the same SQL. Both tools post to one Slack stand-in on 127.0.0.1.

Each repeat starts from a new DuckDB file, so both tools' state is fresh: Elementary's
tables (the `main_elementary` schema, alerts already sent included) and sentinel's
history and outbox live in it. `dbt build` with every check passing, then one uncounted
run of each tool (nothing to send; it also warms both tools' parse caches), then `dbt
build` with 50 checks failing (Elementary's on-run-end hook records the results). Round 1:
`edr monitor`, then `sentinel dbt-run`, each a new process timed from start to exit, with
its peak resident memory. Round 2: both again on the same data, with nothing new to send.
Every run is checked: both exit 0, sentinel finds the same 50 checks firing, and the
stand-in got the expected messages naming exactly those 50 checks.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import math
import os
import shlex
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from dbt_test_vs_sentinel import (
    PHASES,
    Measurement,
    dbt_command,
    measure,
    phases_of,
    sentinel_command,
)
from doc_section import write_section
from elementary_setup import Elementary
from generated_project import firing, write_phase, write_project
from slack_standin import SlackStandIn, slack_standin

N = 100
FIRING_EVERY = 2  # 50 of the 100 checks fail once the phase seed says so
SENTINEL_PER_MESSAGE = 10  # the Slack channel's default `max_per_message`
EDR_GROUP_THRESHOLD = 100  # edr's default: from this many alerts on, one message for all
SECTION = "elementary"  # its section of docs/performance.md (bench/doc_section.py)
# Issue 13's targets for sentinel, from start to exit: with 50 new failures, with nothing new.
TARGET_SECONDS = (2.5, 2.0)
ROUNDS = ("1: 50 checks newly failing", "2: nothing new to send")


def expected_failing(n: int = N) -> set[str]:
    """The checks of an `n`-check project that fail in the failing phase."""
    return {f"check_{i:04d}" for i in range(n) if firing(i, FIRING_EVERY)}


def prepare(root: Path, elementary: Elementary, threads: int, standin: SlackStandIn) -> None:
    """Write the project with Elementary's package, edr's setup and sentinel's Slack channel."""
    write_project(root, N, threads, firing_every=FIRING_EVERY, phased=True)
    elementary.install(root)
    write_sentinel_yml(root, standin.url("sentinel"))


def write_sentinel_yml(root: Path, webhook: str) -> None:
    """One Slack channel, by incoming webhook, that every alert is routed to."""
    channel = {"name": "slack", "type": "slack", "webhook_url": webhook}
    config = {"channels": [channel], "routes": [{"notify": ["slack"]}]}
    (root / "sentinel.yml").write_text(yaml.safe_dump(config))


def build(root: Path, failing: bool, n: int = N) -> None:
    """Set the phase, then `dbt build`; fail unless exactly the expected tests failed."""
    write_phase(root, failing)
    done = measure(dbt_command("build", root))
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    failed = {r["unique_id"].split(".")[2] for r in results if r["status"] == "fail"}
    broken = [r["unique_id"] for r in results if r["status"] not in ("pass", "fail", "success")]
    if broken or failed != (expected_failing(n) if failing else set()):
        tail = done.stdout[-3000:]
        raise SystemExit(f"dbt build: {len(failed)} failed, broken {broken}\n{tail}")


def run_both(root: Path, elementary: Elementary, standin: SlackStandIn) -> list[Measurement]:
    """`edr monitor`, then `sentinel dbt-run`, each in a new process."""
    standin.clear()
    edr = measure(elementary.command(root, standin.url("edr")), elementary.env(root))
    return [edr, measure(sentinel_command(root))]


def sentinel_messages(firing_checks: int) -> int:
    """Slack messages sentinel sends for `firing_checks` new alerts, one group each."""
    return math.ceil(firing_checks / SENTINEL_PER_MESSAGE)


def check_run(
    what: str, runs: list[Measurement], standin: SlackStandIn, firing: set[str], sends: bool
) -> None:
    """Fail unless both tools exited 0, sentinel found `firing` failing, and the stand-in got
    messages naming exactly those checks if `sends`, or no message at all."""
    edr, sentinel = runs
    problems = []
    if edr.exit_code:
        problems.append(f"edr monitor exited {edr.exit_code}:\n{edr.stdout[-3000:]}")
    report = json.loads(sentinel.stdout) if sentinel.exit_code == 0 else {}
    alerting = {r["alert"] for r in report.get("results", []) if r["status"] == "ALERT"}
    if sentinel.exit_code or report["summary"]["total"] != N:
        problems.append(f"sentinel dbt-run exited {sentinel.exit_code}: {sentinel.stdout[-3000:]}")
    elif alerting != firing:
        problems.append(f"sentinel found {len(alerting)} checks firing, not {len(firing)}")
    want = {"edr": len(firing), "sentinel": sentinel_messages(len(firing))} if sends else {}
    for tool in ("edr", "sentinel"):
        got, named = len(standin.messages(tool)), standin.checks(tool)
        if got != want.get(tool, 0) or named != (firing if sends else set()):
            problems.append(f"{tool}: {got} messages naming {len(named)} checks")
    if problems:
        raise SystemExit(f"{what}: the tools did not do the same work:\n" + "\n".join(problems))


def one_repeat(
    root: Path, elementary: Elementary, standin: SlackStandIn
) -> list[list[Measurement]]:
    """From a new warehouse: passing build, baseline, failing build, then the two rounds."""
    for name in ("bench.duckdb", "bench.duckdb.wal"):
        (root / name).unlink(missing_ok=True)
    build(root, failing=False)
    check_run("baseline", run_both(root, elementary, standin), standin, set(), sends=False)
    build(root, failing=True)
    rounds = []
    for number, sends in ((1, True), (2, False)):
        runs = run_both(root, elementary, standin)
        check_run(f"round {number}", runs, standin, expected_failing(), sends)
        rounds.append(runs)
    return rounds


def markdown(repeats: list[list[list[Measurement]]], context: dict[str, Any]) -> str:
    """The table: per round, each tool's median time and peak memory, sentinel over edr."""
    versions, ours = context["edr_versions"], context["versions"]
    dbt = f"dbt-core {ours['dbt-core']} and dbt-duckdb {ours['dbt-duckdb']}"
    if (versions["dbt-core"], versions["dbt-duckdb"]) != (ours["dbt-core"], ours["dbt-duckdb"]):
        dbt += f" (edr's: {versions['dbt-core']}, {versions['dbt-duckdb']})"
    lines = [
        f"Measured on {context['date']} with {dbt}, DuckDB {ours['duckdb']}, Elementary's dbt "
        f"package {versions['elementary package']}, edr {versions['elementary-data']} and "
        f"sqlsentinel {ours['sqlsentinel-dbt']}: {N} table models, {N} checks, medians of "
        f"{len(repeats)} repeats, {context['threads']} threads, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} CPUs; load average "
        f"{context['load_start']} at the start, {context['load_end']} at the end.",
        "",
        "| round | edr monitor | sentinel dbt-run | time ratio | edr peak | sentinel peak "
        "| memory ratio | Slack messages (edr / sentinel) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    failing = len(expected_failing())
    messages = [(failing, sentinel_messages(failing)), (0, 0)]
    sentinel_seconds = []
    for index, name in enumerate(ROUNDS):
        edr_runs = [repeat[index][0] for repeat in repeats]
        sentinel_runs = [repeat[index][1] for repeat in repeats]
        edr_s, edr_mib = _medians(edr_runs)
        sentinel_s, sentinel_mib = _medians(sentinel_runs)
        sentinel_seconds.append(sentinel_s)
        lines.append(
            f"| {name} | {edr_s:.1f} s | {sentinel_s:.1f} s | {sentinel_s / edr_s:.2f}x "
            f"| {edr_mib:.0f} MiB | {sentinel_mib:.0f} MiB | {sentinel_mib / edr_mib:.2f}x "
            f"| {messages[index][0]} / {messages[index][1]} |"
        )
    said = [
        f"{name.split(':')[0]} <= {target} s: {'met' if seconds <= target else 'NOT met'}"
        for name, seconds, target in zip(ROUNDS, sentinel_seconds, TARGET_SECONDS, strict=True)
    ]
    lines += ["", "Targets for sentinel, round " + "; round ".join(said) + "."]
    phases = context.get("phases")
    if phases:
        split = ", ".join(f"{name} {phases[name]:.2f} s" for name in PHASES)
        lines += [
            "",
            f"Where a round 2 of sentinel's goes ({sum(phases.values()):.2f} s): {split}.",
        ]
    return "\n".join(lines)


def _medians(runs: list[Measurement]) -> tuple[float, float]:
    return statistics.median(r.seconds for r in runs), statistics.median(r.peak_mib for r in runs)


def _our_versions() -> dict[str, str]:
    names = ("dbt-core", "dbt-duckdb", "duckdb", "sqlsentinel-dbt")
    return {name: importlib.metadata.version(name) for name in names}


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def arguments() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edr", type=Path, required=True, help="edr in its own venv")
    parser.add_argument("--elementary-package", type=Path, required=True)
    parser.add_argument("--dbt-utils-package", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workdir", type=Path, help="keep the generated project here")
    parser.add_argument("--write-doc", type=Path, help="put the table in this Markdown file")
    return parser


def main() -> None:
    """Parse the arguments, run the repeats, print the table and maybe write the doc."""
    args = arguments().parse_args()
    elementary = Elementary(args.edr, args.elementary_package, args.dbt_utils_package)
    context: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "threads": args.threads,
        "load_start": _load(),
        "versions": _our_versions(),
        "edr_versions": elementary.versions(),
    }
    with tempfile.TemporaryDirectory(prefix="sqlsentinel-bench-") as scratch:
        root = (args.workdir or Path(scratch)) / "elementary_bench"
        with slack_standin() as standin:
            prepare(root, elementary, args.threads, standin)
            repeats = [one_repeat(root, elementary, standin) for _ in range(args.repeat)]
            context["phases"] = phases_of(root)  # a round 2 once more, split into phases
    context["load_end"] = _load()
    table = markdown(repeats, context)
    print(table)
    if args.write_doc:
        command = [".venv/bin/python", "bench/elementary_comparison.py", "--edr", str(args.edr)]
        command += ["--elementary-package", str(args.elementary_package)]
        command += ["--dbt-utils-package", str(args.dbt_utils_package)]
        command += ["--repeat", str(args.repeat), "--threads", str(args.threads)]
        command += ["--write-doc", str(args.write_doc)]
        body = f"```bash\n{shlex.join(command)}\n```\n\n{table}"
        write_section(args.write_doc, SECTION, body)


if __name__ == "__main__":
    main()
