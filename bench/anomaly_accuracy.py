"""Benchmark: how accurate and how fast sentinel's anomaly detection is on labelled series.

    .venv/bin/python bench/anomaly_accuracy.py --series 240 --speed-series 1000 \\
        --write-doc docs/performance.md

The labelled series of bench/anomaly_series.py go into a DuckDB table of a generated dbt
project (a source), and one anomaly alert per setting reads them all, keyed by series, as
a user would declare it (`sentinel` through the library, with its clock at the series'
end, so the last two days are the detection period):

- accuracy: which series fire, against the labels: precision, recall and F1;
- false alarms: the series without an anomaly judged again at each of the 38 days before
  the end (a run per day), skipping windows that hold a holiday or outlier of their
  history: anomalous buckets per 100 bucket-evaluations;
- speed: `--speed-series` series (default 1000) judged by one alert on DuckDB: the alert's
  query and judgement (engine/runner.run_one), against the same query fetched alone.

`--write-doc` puts the table into the document's `anomaly-accuracy` section.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from anomaly_series import END, Series, generate
from dbt_test_vs_sentinel import dbt_command, measure
from doc_section import measured_on, write_section
from elementary_setup import Elementary, add_arguments, from_arguments

from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.result import Status
from sqlsentinel_dbt.engine.runner import run_one
from sqlsentinel_dbt.runtime import Sentinel

SECTION = "anomaly-accuracy"
SETTINGS = {"defaults": {}, "seasonality: day_of_week": {"seasonality": "day_of_week"}}
ROLLING_DAYS = range(2, 40)
# Issue 16's targets: false alarms per 100 bucket-evaluations, seconds for 1,000 series.
FALSE_ALARM_TARGET, SPEED_TARGET, F1_GAIN_TARGET = 1.0, 2.0, 0.15


@dataclass(frozen=True)
class Accuracy:
    """One tool's verdicts with one setting, against the labels."""

    tool: str
    setting: str
    precision: float
    recall: float
    f1: float
    false_alarms_per_100: float
    evaluations: int


def write_project(
    root: Path,
    series: list[Series],
    elementary: Elementary | None = None,
    since: datetime.datetime | None = None,
) -> None:
    """A dbt project on DuckDB whose source `bench.series_values` holds every point, and an
    anomaly alert per setting on it (and with `elementary`, its package and an anomaly
    test per setting)."""
    import duckdb

    root.mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {
                "name": "anomalies",
                "version": "1.0",
                "config-version": 2,
                "profile": "bench",
                "model-paths": ["models"],
            }
        )
    )
    output = {"type": "duckdb", "path": str(root / "bench.duckdb"), "schema": "main", "threads": 2}
    (root / "profiles.yml").write_text(
        yaml.safe_dump({"bench": {"target": "dev", "outputs": {"dev": output}}})
    )
    (root / "models").mkdir(exist_ok=True)
    table: dict[str, Any] = {"name": "series_values"}
    if elementary:  # Elementary's anomaly test per setting, one dimension value per series
        tests = [
            {
                "elementary.column_anomalies": {
                    "name": f"elementary_{_alert_name(setting)}",
                    "column_anomalies": ["sum"],
                    "timestamp_column": "day",
                    "dimensions": ["series_id"],
                    **anomaly,
                }
            }
            for setting, anomaly in SETTINGS.items()
        ]
        table["columns"] = [{"name": "value", "data_tests": tests}]
    sources = {"sources": [{"name": "bench", "schema": "main", "tables": [table]}]}
    (root / "models" / "sources.yml").write_text(yaml.safe_dump(sources))
    data = root / "series_values.csv"
    with data.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["series_id", "day", "value"])
        for item in series:
            writer.writerows((item.name, f"{day:%Y-%m-%d}", value) for day, value in item.points)
    with duckdb.connect(str(root / "bench.duckdb")) as connection:
        connection.execute("drop table if exists series_values")
        connection.execute(
            "create table series_values as select series_id, cast(day as date) as day, "
            f"cast(value as double) as value from read_csv('{data}', header = true)"
        )
    query = (
        "select series_id as key, day as bucket, value as actual_value "
        "from {{ source('bench', 'series_values') }}"
    )
    if since is not None:  # as a user would: only the days the periods read
        query += f" where day >= date '{since:%Y-%m-%d}'"
    alerts = [
        {
            "name": _alert_name(setting),
            "query": query,
            "anomaly": anomaly,
            "max_instances": max(1000, len(series)),
        }
        for setting, anomaly in SETTINGS.items()
    ]
    (root / "alerts").mkdir(exist_ok=True)
    (root / "alerts" / "anomaly.yml").write_text(yaml.safe_dump({"alerts": alerts}))
    if elementary:
        elementary.install(root)


def elementary_accuracy(root: Path, series: list[Series], setting: str) -> Accuracy:
    """Which series Elementary's anomaly test flags at the end: the dimension values of
    its failing rows, which dbt stores (`--store-failures`). Its clock is the series' end
    (`custom_run_started_at`), as sentinel's is."""
    import duckdb

    started = json.dumps({"custom_run_started_at": END.isoformat()})
    test = f"elementary_{_alert_name(setting)}"
    for command in (
        [*dbt_command("run", root), "--select", "package:elementary"],
        [*dbt_command("test", root), "--select", test, "--store-failures", "--vars", started],
    ):
        done = measure(command)
        if done.exit_code not in (0, 1):  # 1: the test found anomalies
            raise SystemExit(f"{command[1]} failed:\n{done.stdout[-3000:]}")
    with duckdb.connect(str(root / "bench.duckdb"), read_only=True) as connection:
        audit = f"main_dbt_test__audit.{test}"
        flagged = connection.execute(f"select distinct dimension_value from {audit}").fetchall()
    fired = {str(value).split(":")[-1].strip() for (value,) in flagged}
    return _scored("Elementary", setting, fired, series, float("nan"), 0)


def _scored(
    tool: str, setting: str, fired: set[str], series: list[Series], per_100: float, evaluations: int
) -> Accuracy:
    labelled = {s.name for s in series if s.anomalous}
    hits = len(fired & labelled)
    precision = hits / len(fired) if fired else 0.0
    recall = hits / len(labelled) if labelled else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Accuracy(tool, setting, precision, recall, f1, per_100, evaluations)


def _alert_name(setting: str) -> str:
    return "series_" + "".join(c if c.isalnum() else "_" for c in setting).strip("_")


def judge_all(sentinel: Sentinel, alert: str, now: datetime.datetime) -> dict[str | None, Any]:
    """Each series' result of one run of `alert` with the clock at `now`, by key (a dry
    run: nothing is recorded, so each run stands alone)."""
    sentinel.clock = lambda: now
    report = sentinel.execute(sentinel.plan([alert]), dry_run=True, check_last_build=False)
    return {r.key: r for r in report.results}


def accuracy(root: Path, series: list[Series], setting: str) -> Accuracy:
    """Precision, recall and F1 at the end, and the false alarms of the days before."""
    alert = _alert_name(setting)
    end = END.replace(tzinfo=UTC)
    with Sentinel.open(DbtArgs(str(root), str(root))) as sentinel:
        results = judge_all(sentinel, alert, end)
        rolling = {
            days: judge_all(sentinel, alert, end - timedelta(days=days)) for days in ROLLING_DAYS
        }
    fired = {str(k) for k, r in results.items() if r.status is Status.ALERT}
    clean = {s.name: s for s in series if not s.anomalous}
    evaluations = false_alarms = 0
    for days, judged in rolling.items():
        now = END - timedelta(days=days)
        window = {now - timedelta(days=d) for d in (1, 2)}
        for key, result in judged.items():
            item = clean.get(key or "")
            if item is None or window & item.events or "expected" not in result.context:
                continue
            evaluations += 2  # the detection period's two buckets
            false_alarms += len(result.context["anomalous_buckets"])
    per_100 = 100 * false_alarms / evaluations if evaluations else float("nan")
    return _scored("sentinel", setting, fired, series, per_100, evaluations)


def speed(root: Path, count: int, repeat: int) -> tuple[float, float]:
    """Median seconds of one alert judging `count` series (query and judgement), and of
    the same query fetched alone."""
    alert = _alert_name("defaults")
    args = DbtArgs(str(root), str(root))
    end = END.replace(tzinfo=UTC)
    with Sentinel.open(args, clock=lambda: end) as sentinel:
        [plan] = sentinel.plan([alert])
        warehouse = sentinel.project.warehouse
        assert plan.compiled is not None
        judged, fetched = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            results = run_one(plan, warehouse, end)
            judged.append(time.perf_counter() - started)
            assert len(results) == count, (len(results), results[0].error)
            started = time.perf_counter()
            warehouse.fetch(plan.compiled.sql, limit=None, timeout=300, name="bench")
            fetched.append(time.perf_counter() - started)
    return statistics.median(judged), statistics.median(fetched)


def markdown(
    results: list[Accuracy], speeds: tuple[int, float, float], args: argparse.Namespace
) -> str:
    """The accuracy table and the speed line."""
    labelled = sum(s.anomalous for s in generate(args.series, args.seed))
    lines = [
        measured_on(),
        "",
        f"{args.series} series (seed {args.seed}), {labelled} of them with an anomaly in the "
        f"detection period; false alarms over the {len(ROLLING_DAYS)} days before the end.",
        "",
        "| tool | setting | precision | recall | F1 | false alarms per 100 bucket-evaluations |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for item in results:
        alarms = (
            "-" if not item.evaluations
            else f"{item.false_alarms_per_100:.2f} (of {item.evaluations})"
        )  # fmt: skip
        lines.append(
            f"| {item.tool} | {item.setting} | {item.precision:.2f} | {item.recall:.2f} "
            f"| {item.f1:.3f} | {alarms} |"
        )
    count, judged, fetched = speeds
    worst = max(r.false_alarms_per_100 for r in results if r.tool == "sentinel")
    targets = []
    for setting in SETTINGS:
        ours = [r.f1 for r in results if r.tool == "sentinel" and r.setting == setting]
        theirs = [r.f1 for r in results if r.tool == "Elementary" and r.setting == setting]
        if ours and theirs:
            gain = ours[0] - theirs[0]
            verdict = "met" if gain >= F1_GAIN_TARGET else "NOT met"
            targets.append(
                f"F1 {gain:+.3f} over Elementary ({setting}) >= +{F1_GAIN_TARGET} {verdict}"
            )
    lines += [
        "",
        f"Speed: {count} series judged by one alert on DuckDB in {judged:.2f} s (median of "
        f"{args.repeat}), query and judgement; the same query fetched alone takes "
        f"{fetched:.2f} s ({judged / fetched:.1f}x).",
        "",
        "Targets: "
        + "".join(t + "; " for t in targets)
        + f"false alarms {worst:.2f} <= {FALSE_ALARM_TARGET} per 100 "
        f"{'met' if worst <= FALSE_ALARM_TARGET else 'NOT met'}; {count} series in "
        f"{judged:.2f} s <= {SPEED_TARGET} s {'met' if judged <= SPEED_TARGET else 'NOT met'}.",
    ]
    return "\n".join(lines)


def main() -> None:
    """Generate, judge, report; maybe write the document's section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=240)
    parser.add_argument("--speed-series", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep the generated projects here")
    parser.add_argument("--write-doc", type=Path)
    add_arguments(parser)
    args = parser.parse_args()
    elementary = from_arguments(parser, args)
    with tempfile.TemporaryDirectory(prefix="sqlsentinel-anomalies-") as scratch:
        workdir = args.workdir or Path(scratch)
        series = generate(args.series, args.seed)
        write_project(workdir / "accuracy", series, elementary)
        results = [accuracy(workdir / "accuracy", series, setting) for setting in SETTINGS]
        if elementary:
            results += [
                elementary_accuracy(workdir / "accuracy", series, setting) for setting in SETTINGS
            ]
        # Judged at the end only: the 8 weeks and 2 days the default periods read, and a day.
        since = END - timedelta(days=59)
        write_project(workdir / "speed", generate(args.speed_series, args.seed), since=since)
        judged, fetched = speed(workdir / "speed", args.speed_series, args.repeat)
    table = markdown(results, (args.speed_series, judged, fetched), args)
    if elementary:
        versions = elementary.versions()
        table = table.replace(
            "\n\n", f"\n\nElementary: its dbt package {versions['elementary package']}, "
            "`column_anomalies` (metric `sum`, one dimension value per series), with its "
            "defaults and with `seasonality: day_of_week`.\n\n", 1,
        )  # fmt: skip
    print(table)
    if args.write_doc:
        command = [".venv/bin/python", "bench/anomaly_accuracy.py", "--series", str(args.series),
                   "--speed-series", str(args.speed_series), "--seed", str(args.seed),
                   "--repeat", str(args.repeat)]  # fmt: skip
        if elementary:
            command += ["--edr", str(args.edr), "--elementary-package",
                        str(args.elementary_package), "--dbt-utils-package",
                        str(args.dbt_utils_package)]  # fmt: skip
        command += ["--write-doc", str(args.write_doc)]
        write_section(
            args.write_doc, SECTION, "```bash\n" + " ".join(command) + "\n```\n\n" + table
        )


if __name__ == "__main__":
    main()
