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

ROOT = Path(__file__).resolve().parent.parent


def documented_command() -> list[str]:
    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if "bench/dbt_test_vs_sentinel.py" in line)
    python, script, *args = shlex.split(line)
    assert python == ".venv/bin/python"
    return [sys.executable, str(ROOT / script), *args]


def test_documented_benchmark_runs_both_tools_on_the_same_checks(tmp_path: Path) -> None:
    # A later --n wins in argparse: the documented command, shrunk to 11 checks, one
    # measured run of each tool and no warm-up.
    tiny = ["--n", "11", "--repeat", "1", "--warm-ups", "0", "--workdir", str(tmp_path)]
    completed = subprocess.run(
        documented_command() + tiny, capture_output=True, text=True, timeout=900
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    row = re.search(r"^\| 11 \| [\d.]+ s \| [\d.]+ s \| ([\d.]+)x \|", completed.stdout, re.M)
    assert row, completed.stdout
    assert float(row.group(1)) > 0
    # Checks 0 and 10 fire in dbt test; the script exits 0 only if sentinel found the same.
    run_results = json.loads((tmp_path / "bench_11" / "target" / "run_results.json").read_text())
    failed = [r["unique_id"].split(".")[2] for r in run_results["results"] if r["status"] == "fail"]
    assert sorted(failed) == ["check_0000", "check_0010"]


def test_documented_notification_benchmark_delivers_each_exactly_once(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if "bench/notification_throughput.py" in line)
    _, script, *args = shlex.split(line)
    command = [sys.executable, str(ROOT / script), *args, "--n", "12", "--workdir", str(tmp_path)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    rows = re.findall(r"^\| .*? \| 24 \| .*\| yes \(\d+ POSTs\) \| yes \|$", completed.stdout, re.M)
    assert len(rows) == 2, completed.stdout  # the CLI and the library, each exactly once


def test_documented_daemon_benchmark_runs_batches_and_reports(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "performance.md").read_text()
    line = next(line for line in doc.splitlines() if "bench/daemon_schedule.py" in line)
    _, script, *args = shlex.split(line)
    # Shrunk: 5 alerts every 2 seconds until 2 batches ran (10 minutes only bound a hang);
    # later flags win in argparse.
    tiny = ["--alerts", "5", "--batches", "2", "--minutes", "10", "--schedule", "* * * * * */2"]
    out = tmp_path / "figures.json"
    command = [sys.executable, str(ROOT / script), *args, *tiny, "--json", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["batches"] >= 2
    assert figures["alert_runs"] == 5 * figures["batches"]  # every alert in every batch
    assert 0 <= figures["lag_p95_seconds"] <= figures["lag_max_seconds"]
    assert figures["baseline_dbt_run_seconds"] > 0 and figures["rss_after_first_batch_mb"] > 0


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


def test_elementary_section_of_the_performance_doc_is_replaced_between_its_markers() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from elementary_comparison import END, START, arguments, replace_section

    added = replace_section("# Performance\n\nIntro.\n", "table 1")
    assert added == f"# Performance\n\nIntro.\n\n## Against Elementary\n\n{START}\ntable 1\n{END}\n"
    hand_written = added.replace(f"{END}\n", f"{END}\n\nKept.\n")
    replaced = replace_section(hand_written, "table 2")
    assert "table 1" not in replaced and replaced.count("table 2") == 1
    assert replaced.endswith(f"{START}\ntable 2\n{END}\n\nKept.\n")
    # The doc holds one such section, and its command is one the script accepts.
    doc = (ROOT / "docs" / "performance.md").read_text()
    assert doc.count(START) == 1 and doc.count(END) == 1
    section = doc.split(START, 1)[1].split(END, 1)[0]
    line = next(line for line in section.splitlines() if "bench/elementary_comparison.py" in line)
    python, script, *args = shlex.split(line)
    assert (python, script) == (".venv/bin/python", "bench/elementary_comparison.py")
    parsed = arguments().parse_args(args)
    assert parsed.repeat >= 1 and parsed.write_doc == Path("docs/performance.md")
