"""The benchmark in docs/performance.md keeps working: its command, at a tiny N, passes.

This is not a speed test (speed lives in bench/); it proves the script still builds its
project and that `dbt test` and `sentinel dbt-run` still agree on which checks fire.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def copy_of_performance_doc(tmp_path: Path) -> Path:
    """A copy of docs/performance.md for a benchmark to write into (never the real one)."""
    document = tmp_path / "performance.md"
    document.write_text((ROOT / "docs" / "performance.md").read_text())
    return document


def section(document: Path, name: str) -> str:
    """What a benchmark wrote between its markers."""
    text = document.read_text()
    return text.split(f"<!-- bench:{name}:start -->")[1].split(f"<!-- bench:{name}:end -->")[0]


def documented_command() -> list[str]:
    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if "bench/dbt_test_vs_sentinel.py" in line)
    python, script, *args = shlex.split(line)
    assert python == ".venv/bin/python"
    return [sys.executable, str(ROOT / script), *args]


def test_documented_benchmark_runs_both_tools_on_the_same_checks(tmp_path: Path) -> None:
    # A later option wins in argparse: the documented command, shrunk to 11 checks, one
    # measured run of each tool and no warm-up, writing into a copy of the document.
    document = copy_of_performance_doc(tmp_path)
    tiny = ["--n", "11", "--repeat", "1", "--warm-ups", "0", "--workdir", str(tmp_path)]
    completed = subprocess.run(
        [*documented_command(), *tiny, "--write-doc", str(document)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    row = re.search(r"^\| 11 \| [\d.]+ s \| [\d.]+ s \| ([\d.]+)x \|", completed.stdout, re.M)
    assert row, completed.stdout
    assert float(row.group(1)) > 0
    phases = re.search(
        r"^\| 11 \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|", completed.stdout, re.M
    )
    assert phases, completed.stdout  # the phases of a warm run, each timed
    written = section(document, "dbt-test")
    assert row.group(0) in written
    assert "Measured on" in written and "dbt-core 1." in written
    # Checks 0 and 10 fire in dbt test; the script exits 0 only if sentinel found the same.
    run_results = json.loads((tmp_path / "bench_11" / "target" / "run_results.json").read_text())
    failed = [r["unique_id"].split(".")[2] for r in run_results["results"] if r["status"] == "fail"]
    assert sorted(failed) == ["check_0000", "check_0010"]


def test_documented_notification_benchmark_delivers_each_exactly_once(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if "bench/notification_throughput.py" in line)
    _, script, *args = shlex.split(line)
    document = copy_of_performance_doc(tmp_path)
    tiny = ["--n", "12", "--workdir", str(tmp_path), "--write-doc", str(document)]
    command = [sys.executable, str(ROOT / script), *args, *tiny]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    rows = re.findall(r"^\| .*? \| 24 \| .*\| yes \(\d+ POSTs\) \| yes \|$", completed.stdout, re.M)
    assert len(rows) == 2, completed.stdout  # the CLI and the library, each exactly once
    assert all(row in section(document, "notifications") for row in rows)


def run_documented(tmp_path: Path, script: str, shrunk: list[str]) -> tuple[Any, Path]:
    """Run the command docs/performance.md shows for `script`, with `shrunk` flags after
    its own (later flags win in argparse); its figures (`--json`) and the doc it wrote."""
    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if f"bench/{script}" in line)
    _, path, *args = shlex.split(line)
    out = tmp_path / "figures.json"
    document = copy_of_performance_doc(tmp_path)
    written = ["--json", str(out), "--write-doc", str(document)]
    command = [sys.executable, str(ROOT / path), *args, *shrunk, *written]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(out.read_text()), document


def test_documented_daemon_benchmark_runs_batches_and_reports(tmp_path: Path) -> None:
    # Shrunk: 5 alerts every 2 seconds until 2 batches ran (10 minutes only bound a hang).
    tiny = ["--alerts", "5", "--batches", "2", "--minutes", "10", "--schedule", "* * * * * */2"]
    figures, document = run_documented(tmp_path, "daemon_schedule.py", tiny)
    assert figures["batches"] >= 2
    assert figures["alert_runs"] == 5 * figures["batches"]  # every alert in every batch
    assert 0 <= figures["lag_p95_seconds"] <= figures["lag_max_seconds"]
    assert figures["baseline_dbt_run_seconds"] > 0 and figures["rss_after_first_batch_mb"] > 0
    table = section(document, "daemon")
    assert f"| alert runs ({figures['batches']} batches of 5) | {figures['alert_runs']} |" in table


def test_documented_dashboard_benchmark_times_each_view(tmp_path: Path) -> None:
    """bench/dashboard_load.py, shrunk to 20 alerts of 5 runs, opens every view it times."""
    tiny = ["--alerts", "20", "--rows", "5", "--repeat", "1", "--warehouse", "duckdb"]
    [figures], document = run_documented(tmp_path, "dashboard_load.py", tiny)
    assert figures["history_rows"] == 5 * (18 + 2 * 4)  # alerts 0 and 10 have four keys
    views = ("overview", "alert", "alert_cold", "report_open", "overview_api", "alert_api")
    assert figures["report_seconds"] > 0 and figures["list_seconds"] > 0
    assert all(figures[v] > 0 for v in views)
    assert "| duckdb | 20 | 130 | overview, opened |" in section(document, "dashboard")


def test_a_benchmark_section_is_replaced_in_place_or_appended(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from doc_section import write_section
    finally:
        sys.path.remove(str(ROOT / "bench"))
    document = tmp_path / "doc.md"
    document.write_text(
        "# Doc\n\nbefore\n<!-- bench:x:start -->\nold\n<!-- bench:x:end -->\nafter\n"
    )
    write_section(document, "x", "| new | 1.00 s |")
    write_section(document, "y", "appended")
    assert document.read_text() == (
        "# Doc\n\nbefore\n<!-- bench:x:start -->\n| new | 1.00 s |\n<!-- bench:x:end -->\n"
        "after\n\n<!-- bench:y:start -->\nappended\n<!-- bench:y:end -->\n"
    )


def test_elementary_benchmark_project_and_standin_count_what_sentinel_sends(
    tmp_path: Path,
) -> None:
    # Elementary itself is not in the repository nor in CI: this runs the sentinel half of
    # bench/elementary_comparison.py (its phased project, its Slack channel, its stand-in).
    sys.path.insert(0, str(ROOT / "bench"))
    from dbt_test_vs_sentinel import measure, sentinel_command
    from elementary_comparison import build, expected_failing, sentinel_messages, write_sentinel_yml
    from generated_project import write_project
    from slack_standin import slack_standin

    n = 24  # 12 checks fail: two Slack messages of up to 10 alerts
    failing = expected_failing(n)
    assert len(failing) == 12 and sentinel_messages(len(failing)) == 2
    with slack_standin() as standin:
        write_project(tmp_path, n, threads=2, firing_every=2, phased=True)
        write_sentinel_yml(tmp_path, standin.url("sentinel"))
        build(tmp_path, failing=False, n=n)  # exits unless no test failed
        assert measure(sentinel_command(tmp_path)).exit_code == 0
        assert standin.messages("sentinel") == []
        build(tmp_path, failing=True, n=n)  # exits unless exactly `failing` failed
        first = measure(sentinel_command(tmp_path))
        results = json.loads(first.stdout)["results"]
        assert {r["alert"] for r in results if r["status"] == "ALERT"} == failing
        assert len(standin.messages("sentinel")) == 2
        assert standin.checks("sentinel") == failing
        standin.clear()
        assert measure(sentinel_command(tmp_path)).exit_code == 0  # nothing new to send
        assert standin.messages("sentinel") == []
        # Another tool's messages are counted apart, by the path it posts to.
        body = b'{"text": "check_0003 failed"}'
        request = urllib.request.Request(standin.url("edr"), data=body, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert standin.checks("edr") == {"check_0003"} and standin.messages("sentinel") == []


def test_the_elementary_section_holds_a_command_the_script_accepts() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from elementary_comparison import SECTION, arguments

    written = section(ROOT / "docs" / "performance.md", SECTION)
    line = next(line for line in written.splitlines() if "bench/elementary_comparison.py" in line)
    python, script, *args = shlex.split(line)
    assert (python, script) == (".venv/bin/python", "bench/elementary_comparison.py")
    parsed = arguments().parse_args(args)
    assert parsed.repeat >= 1 and parsed.write_doc == Path("docs/performance.md")


def test_documented_cold_check_benchmark_writes_its_line(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if "bench/query_check_cold.py" in line)
    _, script, *args = shlex.split(line)
    document = copy_of_performance_doc(tmp_path)
    tiny = ["--n", "20", "--repeat", "1", "--write-doc", str(document)]
    command = [sys.executable, str(ROOT / script), *args, *tiny]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    written = re.search(
        r"^sqlglot .*: 20 compiled queries checked in [\d.]+ s", completed.stdout, re.M
    )
    assert written, completed.stdout
    assert written.group(0) in section(document, "query-check-pure") + section(
        document, "query-check-compiled"
    )


def test_documented_dbt_checks_benchmark_alerts_on_the_tests_once(tmp_path: Path) -> None:
    """bench/dbt_checks_vs_elementary.py at N=4 on DuckDB, without Elementary (not in CI)
    and without round 3: the three sentinel copies announce exactly the failing and warning
    tests, once (round 2, with no new build, sends nothing)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from dbt_checks_vs_elementary import arguments, section_name

    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if "bench/dbt_checks_vs_elementary.py" in line)
    python, script, *args = shlex.split(line)
    assert python == ".venv/bin/python"
    assert arguments().parse_args(args).edr is not None  # the documented run has Elementary
    document = copy_of_performance_doc(tmp_path)
    # Without the Elementary arguments, shrunk, into a copy of the document.
    kept = args[: args.index("--edr")] + args[args.index("--repeat") :]
    tiny = ["--n", "4", "--warehouse", "duckdb", "--repeat", "1", "--rounds", "2"]
    tiny += ["--workdir", str(tmp_path)]
    completed = subprocess.run(
        [sys.executable, str(ROOT / script), *kept, *tiny, "--write-doc", str(document)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:] + completed.stdout[-3000:]
    # Tests 7 and 31 (of 40) fail and warn; one Slack message names both, once per tool.
    row = re.search(
        r"^\| duckdb \| 4 \| [\d.]+ s \| [\d.]+ s \| [\d.]+ s \| - \| - / - / - "
        r"\| 1 / 0 / -; 1 / 0 / -; 1 / 0 / -; - \|$",
        completed.stdout,
        re.M,
    )
    assert row, completed.stdout
    written = section(document, section_name([4]))
    assert row.group(0) in written
    # The hooked build's own hook time is read from its run_results.json.
    assert re.search(
        r"^\| duckdb \| 4 \| [\d.]+ s \| [\d.]+ s \| [\d.]+x \| [\d.]+ s \| - \| - \|$",
        written,
        re.M,
    ), written
    results = json.loads((tmp_path / "duckdb_4_hook" / "target" / "run_results.json").read_text())
    failing = {r["unique_id"].split(".")[2]: r["status"] for r in results["results"]}
    assert {k: v for k, v in failing.items() if v in ("fail", "warn")} == {
        "m0000_c7_accepted_values": "fail",
        "m0003_c1_not_null": "warn",
    }


def test_documented_anomaly_benchmark_scores_the_labelled_series(tmp_path: Path) -> None:
    """bench/anomaly_accuracy.py, shrunk, writes its section: scores between 0 and 1, the
    false alarms counted over real evaluations, the speed line."""
    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if "bench/anomaly_accuracy.py" in line)
    python, script, *args = shlex.split(line)
    assert python == ".venv/bin/python"
    assert "--edr" in args  # the documented run has Elementary; not here
    kept = args[: args.index("--edr")]
    document = copy_of_performance_doc(tmp_path)
    tiny = ["--series", "24", "--speed-series", "30", "--repeat", "1", "--workdir", str(tmp_path)]
    completed = subprocess.run(
        [sys.executable, str(ROOT / script), *kept, *tiny, "--write-doc", str(document)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:] + completed.stdout[-3000:]
    written = section(document, "anomaly-accuracy")
    rows = re.findall(
        r"^\| sentinel \| (.+?) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \(of (\d+)\) \|$",
        written,
        re.M,
    )
    assert [r[0] for r in rows] == ["defaults", "seasonality: day_of_week"]
    for _, precision, recall, f1, _, evaluations in rows:
        assert 0 <= float(precision) <= 1 and 0 <= float(recall) <= 1 and 0 <= float(f1) <= 1
        assert int(evaluations) > 100
    assert "30 series judged by one alert on DuckDB in" in written


def test_documented_batching_benchmark_compares_both_modes(tmp_path: Path) -> None:
    """bench/batched_evaluation.py, shrunk to 30 alerts with no job latency, on all three."""
    tiny = ["--n", "30", "--repeat", "1", "--job-latency", "0", "--threads", "4"]
    figures, document = run_documented(tmp_path, "batched_evaluation.py", tiny)
    assert [f["warehouse"] for f in figures] == ["bigquery", "postgres", "duckdb"]
    for f in figures:
        # 27 alerts of one row, 3 keyed by region (20 rows each); equal results were checked.
        assert f["alerts"] == 30 and f["results"] == 27 + 3 * 20
        assert f["alone_seconds"] > 0 and f["batched_seconds"] > 0
    bigquery = figures[0]
    assert (bigquery["jobs_alone"], bigquery["jobs_batched"]) == (30, 1)
    assert "| bigquery | 30 | 87 |" in section(document, "batched-evaluation")
