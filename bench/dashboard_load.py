"""Benchmark: the dashboard with 1,000 alerts of 100 history rows each, opened in Chromium.

    .venv/bin/python bench/dashboard_load.py --alerts 1000 --rows 100 \
        --warehouse duckdb postgres --write-doc docs/performance.md

For each warehouse it writes a project of N alerts (every tenth with 4 instances, keyed),
records `--rows` runs of every alert (history rows an hour apart, with firing episodes,
written through the history store as runs write them), starts
`sentinel serve`, and opens the dashboard in headless Chromium (Debian's, driven by
Playwright). Each figure is the median of `--repeat` tries:

- **overview**: from the start of navigation to every row drawn;
- **alert page**: from clicking an alert in the overview to its chart drawn;
- **alert page, opened cold**: a new tab at `#/alert/NAME` to its chart drawn;
- **report**: `sentinel report` writing the file (against `sentinel list`: the same
  process start and project parse, with no data), and the file opened to its overview drawn.

The baseline, in the same run: the API answers each view waits on, fetched alone by a
plain HTTP client (`/api/alerts` for the overview; the alert, its history, its
notifications for an alert's page). The ratio page / API is what the
browser adds: parsing, drawing, the chart. Targets (issue 18): the overview within 1 s,
an alert's page within 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from checks_project import Warehouse
from doc_section import measured_on, write_section

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.engine.result import AlertResult, InstanceState, State, Status
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.history import RunRecord

BIN = Path(sys.executable).parent
ENV = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "NO_COLOR": "1"}
CHROMIUM = "/usr/bin/chromium"
KEYS = ("eu", "us", "apac", "latam")
NOW = datetime.now(UTC).replace(microsecond=0)


def write_project(root: Path, n: int, place: Warehouse) -> None:
    """A dbt project of one model and `n` alerts reading it (every tenth keyed)."""
    (root / "models").mkdir(parents=True)
    (root / "alerts").mkdir()
    project = {"name": "dash", "version": "1.0.0", "profile": "dash", "model-paths": ["models"]}
    (root / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    (root / "models" / "orders.sql").write_text("select 1 as id, 10.0 as amount\n")
    output = place.output(root, threads=4)
    profile = {"dash": {"target": "dev", "outputs": {"dev": output}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))
    owners = ["finance", "growth", "data-platform", "payments", None]
    alerts = []
    for i in range(n):
        keyed = i % 10 == 0
        key = "'eu' as key, " if keyed else ""
        alerts.append(
            {
                "name": f"alert_{i:04d}",
                "description": f"Check {i} of the orders model.",
                "owner": owners[i % len(owners)],
                "tags": [f"team_{i % 7}", "bench"],
                "query": f"select {key}'OK' as status, sum(amount) as actual_value, "
                f"100 as threshold from {{{{ ref('orders') }}}}",
            }
        )
    (root / "alerts" / "alerts.yml").write_text(yaml.safe_dump({"alerts": alerts}, width=200))


def record_history(args: DbtArgs, n: int, rows: int) -> int:
    """`rows` runs of every alert, an hour apart, ending now; returns the rows written."""
    rng = random.Random(7)
    written = 0
    with Sentinel.open(args) as sentinel:
        store = sentinel.stores.history
        store.ensure()
        for run in range(rows):
            at = NOW - timedelta(hours=rows - run)
            record = RunRecord(f"run-{run}", f"inv-{run}", "dash", "dev")
            results = []
            for i in range(n):
                keys = KEYS if i % 10 == 0 else (None,)
                for key in keys:
                    fires = (i + run // 10) % 9 == 0 or rng.random() < 0.02
                    state = State.FIRING if fires else State.OK
                    results.append(
                        AlertResult(
                            alert=f"alert_{i:04d}",
                            status=Status.ALERT if fires else Status.OK,
                            severity=Severity.ERROR,
                            key=key,
                            actual_value=float(rng.randint(50, 150) if fires else 100 + i % 50),
                            threshold=100.0,
                            started_at=at,
                            state=InstanceState(state, at, 0, Severity.ERROR),
                        )
                    )
            written += store.append(record, results, ensure=False)
    return written


def serve(root: Path) -> tuple[subprocess.Popen[str], str]:
    """`sentinel serve` on a free port; the process and its URL, once it answers."""
    process = subprocess.Popen(
        [str(BIN / "sentinel"), "serve", "--project-dir", str(root), "--profiles-dir",
         str(root), "--port", "0"],
        env=ENV, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr
    for line in process.stderr:
        if "sentinel serve: http" in line:
            url = line.split("sentinel serve: ", 1)[1].strip().rstrip("/")
            drain = threading.Thread(target=process.stderr.read, daemon=True)
            drain.start()  # a full pipe would stall the server
            return process, url
    raise RuntimeError("sentinel serve did not start")


def sentinel(*args: str) -> None:
    """Run a `sentinel` command to its end; raise if it fails."""
    subprocess.run([str(BIN / "sentinel"), *args], env=ENV, check=True, capture_output=True)


def fetch_all(http: requests.Session, urls: tuple[str, ...]) -> None:
    """GET each of `urls` in turn, as a page waits on them; raise on an error answer."""
    for url in urls:
        http.get(url).raise_for_status()


def timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def shown(page: Any) -> float:
    """Seconds from the start of navigation to the page's last view drawn (its own mark)."""
    marks = page.evaluate("performance.getEntriesByName('sentinel:shown').map(m => m.startTime)")
    return float(marks[-1]) / 1000


def measure(url: str, report: Path, n: int, repeat: int) -> dict[str, float]:
    """Median seconds of each view, in the browser and through the API alone."""
    from playwright.sync_api import sync_playwright

    name = "alert_0010"  # a keyed alert: four series
    figures: dict[str, list[float]] = {}

    def add(what: str, seconds: float) -> None:
        figures.setdefault(what, []).append(seconds)

    with sync_playwright() as playwright, requests.Session() as http:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        api = f"{url}/api/alerts/{name}"
        page_answers = (api, f"{api}/history?limit=500", f"{url}/api/notifications?alert={name}")
        for _ in range(repeat):
            add("overview_api", timed(lambda: http.get(f"{url}/api/alerts").raise_for_status()))
            add("alert_api", timed(lambda: fetch_all(http, page_answers)))
            every_row = f"#alerts tbody tr:nth-child({n})"
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{url}/#/")
            page.wait_for_selector(every_row)
            add("overview", shown(page))  # from the start of navigation
            started = page.evaluate("performance.now()")
            page.click(f'#alerts a:text-is("{name}")')
            page.wait_for_selector("#chart .uplot")
            add("alert", shown(page) - started / 1000)
            page.close()
            cold = browser.new_page(viewport={"width": 1280, "height": 900})
            cold.goto(f"{url}/#/alert/{name}")
            cold.wait_for_selector("#chart .uplot")
            add("alert_cold", shown(cold))
            cold.close()
            opened = browser.new_page(viewport={"width": 1280, "height": 900})
            opened.goto(report.as_uri())
            opened.wait_for_selector(every_row)
            add("report_open", shown(opened))
            opened.close()
        browser.close()
    return {what: statistics.median(values) for what, values in figures.items()}


def bench(warehouse: str, n: int, rows: int, repeat: int) -> dict[str, Any]:
    """One warehouse's figures."""
    with tempfile.TemporaryDirectory(prefix="sqlsentinel-dash-") as tmp:
        root = Path(tmp)
        place = Warehouse(warehouse, schema=f"dash_{uuid.uuid4().hex[:8]}")
        write_project(root, n, place)
        args = DbtArgs(project_dir=str(root), profiles_dir=str(root))
        written = record_history(args, n, rows)
        report = root / "report.html"
        flags = ["--project-dir", str(root), "--profiles-dir", str(root)]
        report_seconds = timed(lambda: sentinel("report", *flags, "--out", str(report)))
        list_seconds = timed(lambda: sentinel("list", *flags))
        report_mb = report.stat().st_size / 1e6
        process, url = serve(root)
        try:
            figures = measure(url, report, n, repeat)
        finally:
            process.terminate()
            process.wait(timeout=30)
        if warehouse == "postgres":
            place.reset(root)
    return {
        "warehouse": warehouse,
        "alerts": n,
        "history_rows": written,
        "report_seconds": report_seconds,
        "list_seconds": list_seconds,
        "report_mb": report_mb,
        **figures,
    }


def markdown(results: list[dict[str, Any]], repeat: int) -> str:
    """The docs/performance.md section."""
    lines = [
        measured_on(),
        "",
        f"`bench/dashboard_load.py`, median of {repeat} tries per figure, headless Chromium "
        "(Debian's) on the same machine as `sentinel serve`. The API column is the baseline "
        "measured in the same run: the answers the view waits on, fetched alone.",
        "",
        "| warehouse | alerts | history rows | view | page | API alone | page / API | target |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        views = [
            ("overview, opened", r["overview"], r["overview_api"], "1 s"),
            ("an alert, from the overview", r["alert"], r["alert_api"], "0.5 s"),
            ("an alert, opened cold", r["alert_cold"], r["alert_api"], ""),
        ]
        for view, page, api, target in views:
            lines.append(
                f"| {r['warehouse']} | {r['alerts']:,} | {r['history_rows']:,} | {view} | "
                f"{page:.2f} s | {api:.2f} s | {page / api:.1f}x | {target} |"
            )
    lines += [
        "",
        "`sentinel report` against `sentinel list` (the same process start and project "
        "parse, no data), in the same run:",
        "",
        "| warehouse | `sentinel report` | `sentinel list` | report / list | file size "
        "| file opened, overview drawn |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['warehouse']} | {r['report_seconds']:.1f} s | {r['list_seconds']:.1f} s | "
            f"{r['report_seconds'] / r['list_seconds']:.1f}x | {r['report_mb']:.1f} MB | "
            f"{r['report_open']:.2f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warehouse", nargs="+", default=["duckdb"])
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    parser.add_argument("--write-doc", type=Path, help="Write the section of this document.")
    options = parser.parse_args()
    results = [bench(w, options.alerts, options.rows, options.repeat) for w in options.warehouse]
    print(json.dumps(results, indent=2))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))
    if options.write_doc:
        write_section(options.write_doc, "dashboard", markdown(results, options.repeat))


if __name__ == "__main__":
    main()
