"""Benchmark: alerting on a project's own dbt tests, sentinel against Elementary OSS.

    .venv/bin/python bench/dbt_checks_vs_elementary.py --n 100 1000 \\
        --warehouse duckdb postgres --edr /work/ext/edr-venv/bin/edr \\
        --elementary-package /work/ext/elementary-0.25.1 \\
        --dbt-utils-package /work/ext/dbt_utils-0.8.6 --write-doc docs/performance.md

Elementary is installed outside the repository, once, as bench/elementary_setup.py says.
Without `--edr` the Elementary copy is left out (tests/test_bench.py runs it so).

For each warehouse and N it writes three copies of one generated project
(bench/checks_project.py: N models, 10 N generic tests, 2% failing and 2% warning in
the failing phase), each with a warehouse of its own (a DuckDB file, or a PostgreSQL
schema):

- `plain`: the project as it is; after each build, `sentinel dbt-run --from-artifacts
  target/` records the build and sends;
- `hook`: with the sqlsentinel package and `on-run-end: "{{ HOOK }}"`; after each build,
  `sentinel notify` sends what the hook recorded (docs/dbt_cloud.md);
- `daemon`: the same, with a `sentinel daemon` running beside it from the end of its
  warm-up, which sends what the hook recorded as the build ends (docs/daemon.md,
  "Delivering what others queued"); with no new build (round 2) `sentinel notify` runs;
- `elementary`: with Elementary's dbt package (its on-run-end hooks record the results);
  after each build, `edr monitor` sends, with its defaults.

Every tool posts to one Slack stand-in on 127.0.0.1, at a path of its own. A repeat is: a
passing build of each copy (then each tool: resolutions, not counted), a failing build
(round 1: each tool announces the failures), each tool again with no new build (round 2),
and the same failing build again (round 3: the failures are old news; `--rounds 2` leaves
it out). Builds take turns and are timed from start to exit; for each tool, the time from
the end of its copy's build to the last message the stand-in received. The first repeat
warms up instead of the passing build: `dbt seed` (Elementary's copy: its own models,
which also uploads the project's artifacts), then each tool once. Every round is checked:
each build failed and warned exactly the tests meant to, and each tool's round 1 messages
name exactly those tests. `--write-doc` puts the tables into the document's section for
the N measured (`dbt-checks-n100`).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import math
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from checks_project import CHECKED_COLUMN, Warehouse, announced, write_phase, write_project
from dbt_test_vs_sentinel import BIN, Measurement, dbt_command, measure
from doc_section import measured_on, write_section
from elementary_setup import Elementary, add_arguments, from_arguments

sys.path.insert(0, str(Path(__file__).parent.parent))
from tests.receivers import Receiver, Request, http_receiver

REPO = Path(__file__).resolve().parents[1]
HOOK = "{{ sqlsentinel.record_dbt_results(results) }}"
ROUNDS = ("1: new failures", "2: no new build", "3: the same failures rebuilt")
# Issue 15's targets: the hooked build over the plain one; sentinel's time to the last
# message over edr's.
BUILD_TARGET, DELIVERY_TARGET = 1.15, 0.1
# edr's grouped message counts what it groups: "Test Failures: 200", "Test Warnings: 200".
GROUP_COUNTERS = re.compile(rb"Test (?:Failures|Warnings):\D{0,40}?(\d+)")


@dataclass
class TimedReceiver(Receiver):
    """A receiver that also notes when each request arrived (`time.perf_counter`)."""

    arrivals: list[tuple[float, Request]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.arrivals.append((time.perf_counter(), request))
        return super().answer(request)

    def of(self, tool: str, since: float) -> list[tuple[float, bytes]]:
        """(arrival, body) of what `tool` posted after `since`."""
        prefix = f"/{tool}/"
        with self._lock:
            arrived = list(self.arrivals)
        return [(t, r.body) for t, r in arrived if t >= since and r.path.startswith(prefix)]


@dataclass(frozen=True)
class Copy:
    """One copy of the project, and the tool that alerts after its builds."""

    name: str
    root: Path
    tool: list[str]
    env: dict[str, str] | None = None
    warm_up: tuple[str, ...] = ("seed",)
    """The dbt command that readies the copy before its first timed build."""
    daemon: list[str] | None = None
    """The `sentinel daemon` that delivers after this copy's builds (instead of `tool`)."""


class RunningDaemon:
    """A `sentinel daemon` process, and its count of delivery passes (on /metrics)."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.url = ""
        self.log: list[str] = []
        self._started = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._started.wait(600) or not self.url:
            self.process.kill()
            raise SystemExit("the daemon did not start")

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)
            found = re.match(r"sentinel daemon: .*(http://[\d.]+:\d+)/", line)
            if found:  # the project is open
                self.url = found.group(1)
                self._started.set()
        self._started.set()  # it exited: the wait above ends and says so

    def passes(self) -> int:
        """Delivery passes that ended well so far."""
        metrics = requests.get(f"{self.url}/metrics", timeout=30).text
        found = re.search(r'^sentinel_delivery_passes_total\{outcome="ok"\} (\S+)$', metrics, re.M)
        return int(float(found.group(1))) if found else 0

    def wait_for_pass(self, after: int, timeout: float = 900) -> None:
        """Block until a pass after the first `after` ended; `timeout` bounds a hang only."""
        deadline = time.monotonic() + timeout
        while self.passes() <= after:
            if time.monotonic() > deadline:
                raise SystemExit(f"the daemon ended no delivery pass within {timeout} s")
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, and wait for its clean exit."""
        self.process.terminate()
        self.process.wait(timeout=120)
        self._reader.join(timeout=10)


@dataclass(frozen=True)
class Delivery:
    """One tool's run after a build: its process, messages, and the checks they name."""

    run: Measurement
    messages: int
    named: frozenset[str]
    to_last_message: float | None
    counted: int = 0
    """Failures and warnings a grouped message counts without naming them (edr's, from
    `--group-alerts-threshold` alerts on: 100 by default)."""


@dataclass
class Figures:
    """Everything measured for one warehouse and N."""

    warehouse: str
    n: int
    builds: dict[str, list[float]] = field(default_factory=dict)
    hooks: list[float] = field(default_factory=list)
    """The seconds sentinel's on-run-end hook took, as the hooked builds' run_results say."""
    deliveries: dict[str, list[list[Delivery]]] = field(default_factory=dict)


def write_copies(
    workdir: Path, n: int, threads: int, kind: str, elementary: Elementary | None, url: str
) -> list[Copy]:
    """The copies of the project for `n` on warehouse `kind`, each with its own warehouse."""
    copies = []
    for name in ("plain", "hook", "daemon", "elementary"):
        if name == "elementary" and elementary is None:
            continue
        root = workdir / f"{kind}_{n}_{name}"
        warehouse = Warehouse(kind, schema=f"bench_{name}")
        warehouse.reset(root)
        write_project(root, n, threads, warehouse)
        flags = ["--project-dir", str(root), "--profiles-dir", str(root)]
        if name == "plain":
            record = ["--from-artifacts", str(root / "target"), "--fail-on", "never"]
            tool = [str(BIN / "sentinel"), "dbt-run", *flags, *record, "--output", "json"]
            copies.append(Copy(name, root, tool))
        elif name in ("hook", "daemon"):
            settings = yaml.safe_load((root / "dbt_project.yml").read_text())
            settings["on-run-end"] = [HOOK]
            (root / "dbt_project.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
            (root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
            deps = measure(dbt_command("deps", root))
            if deps.exit_code != 0:
                raise SystemExit(f"dbt deps failed:\n{deps.stdout[-2000:]}")
            tool = [str(BIN / "sentinel"), "notify", *flags, "--output", "json"]
            daemon = None
            if name == "daemon":
                log = ["--log-format", "json", "--log-level", "info"]
                daemon = [str(BIN / "sentinel"), *log, "daemon", *flags, "--port", "0"]
            copies.append(Copy(name, root, tool, daemon=daemon))
        else:
            assert elementary is not None
            elementary.install(root)
            tool = elementary.command(root, f"{url}/elementary/services/bench")
            # Elementary's models, and its on-run-end upload of the project's artifacts.
            warm_up = ("run", "--select", "package:elementary")
            copies.append(Copy(name, root, tool, elementary.env(root), warm_up))
        if name != "elementary":
            write_sentinel_yml(root, f"{url}/{name}/services/bench", daemon=name == "daemon")
    return copies


def write_sentinel_yml(root: Path, webhook: str, *, daemon: bool = False) -> None:
    """One Slack channel, by incoming webhook, that every alert is routed to.

    The daemon delivers only as a build ends: no timed pass opens the DuckDB file while
    the next build starts.
    """
    channel = {"name": "slack", "type": "slack", "webhook_url": webhook}
    config: dict[str, Any] = {"channels": [channel], "routes": [{"notify": ["slack"]}]}
    if daemon:
        config["deliver_every"] = "1d"
    (root / "sentinel.yml").write_text(yaml.safe_dump(config))


def build(copy: Copy, n: int, failing: bool) -> tuple[Measurement, float, float | None]:
    """Set the phase and `dbt build`; fail unless exactly the expected tests failed and
    warned. Returns the build, when it ended, and how long its on-run-end hook took."""
    write_phase(copy.root, failing)
    done = measure(dbt_command("build", copy.root))
    ended = time.perf_counter()
    results = json.loads((copy.root / "target" / "run_results.json").read_text())["results"]
    by_status: dict[str, set[str]] = {}
    hook = None
    for result in results:
        if result["unique_id"] == "operation.bench.bench-on-run-end-0":
            hook = float(result["execution_time"])
            continue
        column = CHECKED_COLUMN.search(result["unique_id"].encode())
        by_status.setdefault(result["status"], set()).add(column.group().decode() if column else "")
    expected = announced(n) if failing else set()
    broken = set(by_status) - {"success", "pass", "fail", "warn"}
    if broken or by_status.get("fail", set()) | by_status.get("warn", set()) != expected:
        raise SystemExit(f"dbt build of {copy.name}: {sorted(by_status)}\n{done.stdout[-3000:]}")
    if done.exit_code != (1 if failing else 0):
        raise SystemExit(f"dbt build of {copy.name} exited {done.exit_code}: {done.stdout[-3000:]}")
    return done, ended, hook


def warm_up(copy: Copy, receiver: TimedReceiver) -> None:
    """Ready a new copy for its first timed build, as cheaply as a build that fails nothing:
    dbt parses it and loads the seed (Elementary instead creates its tables and uploads the
    project's artifacts), then its tool runs once with nothing to send (it creates its
    tables; edr readies its own dbt project)."""
    done = measure(dbt_command(copy.warm_up[0], copy.root) + list(copy.warm_up[1:]))
    if done.exit_code != 0:
        raise SystemExit(f"warming up {copy.name} failed:\n{done.stdout[-3000:]}")
    deliver(copy, receiver, time.perf_counter())


def build_and_deliver(
    copy: Copy, n: int, failing: bool, receiver: TimedReceiver, daemon: RunningDaemon | None
) -> tuple[Measurement, float | None, Delivery]:
    """Build; then run the copy's tool, or wait for its daemon's delivery pass. Returns the
    build, its hook's time, and what was delivered after it ended."""
    passes = daemon.passes() if daemon else 0
    started = time.perf_counter()
    done, ended, hook = build(copy, n, failing)
    if daemon is None:
        return done, hook, deliver(copy, receiver, ended)
    daemon.wait_for_pass(after=passes)
    waited = Measurement(time.perf_counter() - ended, 0.0, 0, "")
    # The daemon may send before dbt's process has exited (it sees run_results.json).
    return done, hook, delivered(copy, receiver, started, waited, ended)


def deliver(copy: Copy, receiver: TimedReceiver, since: float) -> Delivery:
    """Run the copy's tool; what it sent after `since` (the end of the build)."""
    run = measure(copy.tool, copy.env) if copy.env else measure(copy.tool)
    if run.exit_code != 0:
        raise SystemExit(f"{copy.name}'s tool exited {run.exit_code}:\n{run.stdout[-3000:]}")
    return delivered(copy, receiver, since, run)


def delivered(
    copy: Copy, receiver: TimedReceiver, since: float, run: Measurement, ended: float | None = None
) -> Delivery:
    """What the stand-in received from `copy`'s tool after `since`; the time to the last
    message counts from `ended` (by default `since`), and is 0 for one before it."""
    sent = receiver.of(copy.name, since)
    named = frozenset(c.decode() for _, body in sent for c in CHECKED_COLUMN.findall(body))
    counted = sum(int(c) for _, body in sent for c in GROUP_COUNTERS.findall(body))
    last = max((t for t, _ in sent), default=None)
    to_last = None if last is None else max(0.0, last - (since if ended is None else ended))
    return Delivery(run, len(sent), named, to_last, counted)


def one_repeat(
    copies: list[Copy], n: int, receiver: TimedReceiver, figures: Figures, turn: int,
    daemons: dict[str, RunningDaemon], rounds_run: int = 3,
) -> None:  # fmt: skip
    """Passing builds (the first time, a warm-up instead, after which the daemons start),
    then the rounds; builds take turns starting at `turn`."""
    order = copies[turn % len(copies) :] + copies[: turn % len(copies)]
    for copy in order:  # resolve what the last repeat left firing; not counted
        if turn == 0:
            warm_up(copy, receiver)
            if copy.daemon:
                daemons[copy.name] = RunningDaemon(copy.daemon)
            continue
        build_and_deliver(copy, n, False, receiver, daemons.get(copy.name))
    rounds: dict[str, list[Delivery]] = {c.name: [] for c in copies}
    for number in range(1, rounds_run + 1):
        for copy in order:
            if number == 2:  # no new build: each tool runs again (the daemon's copy too)
                rounds[copy.name].append(deliver(copy, receiver, time.perf_counter()))
                continue
            done, hook, delivery = build_and_deliver(
                copy, n, True, receiver, daemons.get(copy.name)
            )
            figures.builds.setdefault(copy.name, []).append(done.seconds)
            if hook is not None and copy.name == "hook":
                figures.hooks.append(hook)
            rounds[copy.name].append(delivery)
    check_rounds(rounds, n, figures)


def check_rounds(rounds: dict[str, list[Delivery]], n: int, figures: Figures) -> None:
    """Fail unless round 1 named exactly the failing and warning tests and the later rounds
    sent nothing (edr's round 3 may); keep the deliveries."""
    expected = announced(n)
    for name, delivered in rounds.items():
        first, second, *third = delivered
        # A grouped message may count the checks rather than name them all.
        grouped = first.named <= expected and first.counted == len(expected)
        if first.named != expected and not grouped:
            missing = sorted(expected - first.named)[:5]
            extra = sorted(first.named - expected)[:5]
            raise SystemExit(
                f"{name} round 1 named {len(first.named)} checks, not {len(expected)}: "
                f"missing {missing}, not failing {extra}"
            )
        if second.messages:
            raise SystemExit(f"{name} sent {second.messages} messages with no new build")
        if name != "elementary" and third and third[0].messages:
            raise SystemExit(f"{name} sent {third[0].messages} messages for old failures")
        figures.deliveries.setdefault(name, []).append(delivered)


@contextmanager
def timed_standin() -> Iterator[TimedReceiver]:
    """The Slack stand-in on a free port of 127.0.0.1; answers 200 `ok`."""
    receiver = TimedReceiver()
    with http_receiver(receiver):
        yield receiver


def measure_one(
    kind: str, n: int, args: argparse.Namespace, elementary: Elementary | None, workdir: Path
) -> Figures:
    """Every repeat for one warehouse and N."""
    figures = Figures(kind, n)
    daemons: dict[str, RunningDaemon] = {}
    with timed_standin() as receiver:
        copies = write_copies(workdir, n, args.threads, kind, elementary, receiver.url)
        try:
            for turn in range(args.repeat):
                one_repeat(copies, n, receiver, figures, turn, daemons, args.rounds)
        finally:
            for daemon in daemons.values():
                daemon.stop()
    return figures


def median(values: list[float]) -> float:
    """The median, or NaN for none."""
    return statistics.median(values) if values else float("nan")


def shown(value: float, unit: str = " s", digits: int = 2) -> str:
    """`1.23 s`, or `-` for a figure not measured (NaN)."""
    return "-" if math.isnan(value) else f"{value:.{digits}f}{unit}"


def markdown(all_figures: list[Figures], context: dict[str, Any]) -> str:
    """Two tables: the builds, and the time to the last message with the messages sent."""
    with_edr = any("elementary" in f.builds for f in all_figures)
    lines = [measured_on(), ""]
    if with_edr:
        versions = context["edr_versions"]
        lines += [
            f"Elementary: its dbt package {versions['elementary package']}, edr "
            f"{versions['elementary-data']} (with dbt-core {versions['dbt-core']}).",
            "",
        ]
    failing_builds = "two failing builds" if context["rounds"] == 3 else "one failing build"
    lines += [
        f"Medians over {context['repeat']} repeats of {failing_builds} each, "
        f"{context['threads']} threads; N models and 10 N tests, 4% of them failing or "
        "warning. The hook's own time is the one dbt gives it in `run_results.json`.",
        "",
        "| warehouse | N | dbt build | with sentinel's hook | ratio | the hook itself "
        "| with Elementary's package | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in all_figures:
        plain, hook = median(f.builds["plain"]), median(f.builds["hook"])
        edr = median(f.builds.get("elementary", []))
        lines.append(
            f"| {f.warehouse} | {f.n} | {plain:.1f} s | {hook:.1f} s | {hook / plain:.2f}x "
            f"| {shown(median(f.hooks), digits=1)} "
            f"| {shown(edr, digits=1)} | {shown(edr / plain, 'x')} |"
        )
    lines += [
        "",
        "From the end of the build to the last Slack message at the stand-in (round 1), "
        "and the messages each round sent:",
        "",
        "| warehouse | N | `sentinel dbt-run --from-artifacts` | hook + `sentinel notify` "
        "| hook + `sentinel daemon` | `edr monitor` | ratio to edr (CLI / notify / daemon) "
        "| messages, rounds 1 / 2 / 3 (CLI; notify; daemon; edr) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    verdicts = []
    for f in all_figures:
        last = {
            name: median([_or_nan(r[0].to_last_message) for r in runs])
            for name, runs in f.deliveries.items()
        }
        sent = {
            name: " / ".join(
                str(round(median([r[i].messages for r in runs]))) if i < len(runs[0]) else "-"
                for i in range(3)
            )
            for name, runs in f.deliveries.items()
        }
        edr = last.get("elementary", float("nan"))
        modes = ("plain", "hook", "daemon")
        lines.append(
            f"| {f.warehouse} | {f.n} | {last['plain']:.2f} s | {last['hook']:.2f} s "
            f"| {last['daemon']:.2f} s | {shown(edr)} "
            f"| {' / '.join(shown(last[m] / edr, 'x', 3) for m in modes)} "
            f"| {'; '.join(sent[m] for m in modes)}; {sent.get('elementary', '-')} |"
        )
        ratio = median(f.builds["hook"]) / median(f.builds["plain"])
        verdicts.append(
            f"{f.warehouse}, N={f.n}: hooked build {ratio:.2f}x <= {BUILD_TARGET}x "
            f"{'met' if ratio <= BUILD_TARGET else 'NOT met'}"
        )
        if with_edr:
            for mode, label in zip(modes, ("the CLI", "notify", "the daemon"), strict=True):
                ratio = last[mode] / edr
                verdicts.append(
                    f"time to the last message with {label} {ratio:.3f}x <= {DELIVERY_TARGET}x "
                    f"{'met' if ratio <= DELIVERY_TARGET else 'NOT met'}"
                )
    lines += ["", "Targets: " + "; ".join(verdicts) + "."]
    return "\n".join(lines)


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def section_name(sizes: list[int]) -> str:
    """The section of the document a run writes: one per list of N (`dbt-checks-n100`), so
    the long N=1000 run can be measured apart from N=100."""
    return "dbt-checks-n" + "-".join(map(str, sorted(set(sizes))))


def arguments() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--warehouse", nargs="+", choices=("duckdb", "postgres"),
                        default=["duckdb", "postgres"])  # fmt: skip
    add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, choices=(2, 3), default=3,
                        help="2 leaves out round 3 (the same failures rebuilt)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workdir", type=Path, help="keep the generated projects here")
    parser.add_argument("--write-doc", type=Path, help="put the tables in this Markdown file")
    return parser


def main() -> None:
    """Parse the arguments, measure each warehouse and N, print the tables, maybe write them."""
    parser = arguments()
    args = parser.parse_args()
    elementary = from_arguments(parser, args)
    context: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "repeat": args.repeat,
        "rounds": args.rounds,
        "threads": args.threads,
        "sqlsentinel": importlib.metadata.version("sqlsentinel-dbt"),
        "edr_versions": elementary.versions() if elementary else {},
    }
    with tempfile.TemporaryDirectory(prefix="sqlsentinel-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        all_figures = [
            measure_one(kind, n, args, elementary, workdir)
            for kind in args.warehouse
            for n in args.n
        ]
    table = markdown(all_figures, context)
    print(table)
    if args.write_doc:
        command = [".venv/bin/python", "bench/dbt_checks_vs_elementary.py"]
        command += ["--n", *map(str, args.n), "--warehouse", *args.warehouse]
        if elementary:
            command += ["--edr", str(args.edr), "--elementary-package"]
            command += [str(args.elementary_package), "--dbt-utils-package"]
            command += [str(args.dbt_utils_package)]
        command += ["--repeat", str(args.repeat), "--rounds", str(args.rounds)]
        command += ["--threads", str(args.threads), "--write-doc", str(args.write_doc)]
        body = f"```bash\n{shlex.join(command)}\n```\n\n{table}"
        write_section(args.write_doc, section_name(args.n), body)


if __name__ == "__main__":
    main()
