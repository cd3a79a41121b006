"""`sentinel daemon` as a real process on a real warehouse: schedules, metrics, the API,
hot reload, failures that never stop it, and a clean exit on SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sqlsentinel_dbt.dbt import dbt_build
from tests.conftest import PG, Project, drop_pg_schemas, make_project
from tests.daemon_kit import (
    FAST,
    ON_REQUEST,
    RunningDaemon,
    on_request_alert,
    release_warehouse,
    running_daemon,
    wait_until,
)
from tests.private_postgres import private_postgres

TOKEN = "t0ken-for-the-dashboard-0123456789"
SLACK_TOKEN = "xoxb-7777-never-shown-anywhere"
NEW_ALERT = """
alerts:
  - name: added_while_running
    query: "select 'ALERT' as status, 42 as actual_value, 40 as threshold"
"""


@pytest.fixture
def project(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    built = make_project(tmp_path_factory.mktemp("daemon"), "shop", warehouse)
    (built.root / "sentinel.yml").write_text(FAST)
    dbt_build(built.args)
    release_warehouse(built)
    yield built
    if warehouse == "postgres":
        drop_pg_schemas(built.schema)


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # PostgreSQL: tests below
def test_alerts_run_on_schedule_and_the_api_shows_them(project: Project) -> None:
    (project.root / "alerts" / "on_request.yml").write_text(on_request_alert())
    with running_daemon(project) as daemon:
        assert daemon.get("/healthz").json() == {"status": "alive"}
        wait_until(lambda: daemon.get("/readyz").status_code == 200, what="ready")
        wait_until(
            lambda: (
                daemon.metric("sentinel_evaluations_total", alert="orders_present", status="OK")
                >= 2
            ),
            what="two scheduled runs of orders_present",
        )
        # A broken alert errors on every run and never stops the others.
        assert daemon.metric("sentinel_errors_total", alert="broken_sql") >= 1
        assert daemon.metric("sentinel_schedule_lag_seconds_count") >= 2
        assert daemon.metric("sentinel_last_success_timestamp_seconds", alert="orders_present") > 0

        alerts = {a["name"]: a for a in daemon.get("/api/alerts").json()}
        assert alerts["revenue_below_target"]["state"] == "firing"
        assert alerts["broken_sql"]["state"] == "error"
        assert alerts["orders_present"]["last_evaluated"] is not None
        history = daemon.get("/api/alerts/revenue_below_target/history").json()
        assert history and all(p["status"] == "ALERT" for p in history)
        page = daemon.get("/api/alerts/revenue_below_target").json()
        assert "select" in page["sql"].lower() and page["compile_error"] is None
        assert page["can_run"] and page["kind"] == "alert"
        assert daemon.get("/api/alerts/nope").status_code == 404
        assert daemon.get("/api/alerts/nope/history").status_code == 404
        assert "/api/alerts" in daemon.get("/openapi.json").json()["paths"]

        ran = daemon.post(f"/api/alerts/{ON_REQUEST}/run")
        assert ran.status_code == 200, ran.text
        assert [r["status"] for r in ran.json()["results"]] == ["OK"]

        made = daemon.post("/api/silences", json={"matcher": "tag:quality", "minutes": 30})
        assert made.status_code == 201, made.text
        silence_id = made.json()["silence_id"]
        active = [s for s in daemon.get("/api/silences").json() if s["active"]]
        assert [s["silence_id"] for s in active] == [silence_id]
        assert daemon.post("/api/silences", json={"matcher": "nothing_*"}).status_code == 422
        assert daemon.delete(f"/api/silences/{silence_id}").status_code == 200
        assert not [s for s in daemon.get("/api/silences").json() if s["active"]]

        # Hot reload: a new alert file is picked up without a restart.
        before = daemon.metric("sentinel_evaluations_total", alert="orders_present", status="OK")
        (project.root / "alerts" / "added.yml").write_text(NEW_ALERT)
        wait_until(
            lambda: (
                daemon.metric(
                    "sentinel_evaluations_total", alert="added_while_running", status="ALERT"
                )
                >= 1
            ),
            what="the added alert to run",
        )
        wait_until(
            lambda: (
                daemon.metric("sentinel_evaluations_total", alert="orders_present", status="OK")
                > before
            ),
            what="orders_present to run on after the reload",
        )

        keeps_the_last_good_project_when_a_reload_fails(daemon, project)

        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=60) == 0
    logs = daemon.json_logs()
    assert any("project reloaded" in entry["message"] for entry in logs)
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in logs)
    assert "sentinel daemon: stopped" in "\n".join(daemon.logs)


def run_now(daemon: RunningDaemon, alert: str) -> dict[str, Any]:
    """POST .../run; again while a scheduled run of the alert is going (409)."""
    answers: list[requests.Response] = []

    def answered() -> bool:
        answers.append(daemon.post(f"/api/alerts/{alert}/run"))
        return answers[-1].status_code != 409

    wait_until(answered, what=f"a moment between scheduled runs of {alert}")
    assert answers[-1].status_code == 200, answers[-1].text
    return answers[-1].json()  # type: ignore[no-any-return]


MISDECLARED_ALERTS = """
alerts:
  - {name: feb_30, schedule: "0 0 30 2 *", query: "select 'OK' as status"}
  - {name: forever, for: 99999999999999999999d, query: "select 'OK' as status"}
"""
BROKEN_CHANNEL = f"""
channels:
  - {{name: leaky, type: slack, token: {SLACK_TOKEN}}}
"""


def keeps_the_last_good_project_when_a_reload_fails(
    daemon: RunningDaemon, project: Project
) -> None:
    """Misdeclared alerts fail alone; files that do not load, then a model dbt cannot
    parse: the daemon goes on with the project it had, /readyz says why (no secret in
    it), and a fix is picked up."""

    def runs() -> float:
        return daemon.metric(
            "sentinel_evaluations_total", alert="added_while_running", status="ALERT"
        )

    def problem() -> str:
        answer = daemon.get("/readyz")
        return str(answer.json().get("problem")) if answer.status_code == 503 else ""

    (project.root / "alerts" / "misdeclared.yml").write_text(MISDECLARED_ALERTS)
    for name in ("feb_30", "forever"):  # each is an ERROR of its own; the rest runs on
        wait_until(
            lambda name=name: daemon.metric("sentinel_errors_total", alert=name) >= 1,
            what=f"{name} to fail alone",
        )
    assert daemon.get("/readyz").status_code == 200
    (project.root / "alerts" / "misdeclared.yml").unlink()

    (project.root / "alerts" / "broken.yml").write_text(BROKEN_CHANNEL)
    wait_until(lambda: "alerts/broken.yml" in problem(), what="/readyz to say why")
    said = problem()
    assert "keeps running until they are fixed" in said
    assert "channel 'leaky': a `token` needs a `channel`" in said
    assert SLACK_TOKEN not in said and SLACK_TOKEN not in "\n".join(daemon.logs)
    assert daemon.metric("sentinel_config_last_reload_successful") == 0
    before = runs()
    wait_until(lambda: runs() > before, what="the last good project to keep running")
    assert run_now(daemon, "orders_present")["results"][0]["status"] == "OK"

    model = project.root / "models" / "region_revenue.sql"
    good_model = model.read_text()
    (project.root / "alerts" / "broken.yml").unlink()
    model.write_text(good_model + "\n{{ not_closed(\n")
    wait_until(lambda: "region_revenue" in problem(), what="the parse error on /readyz")
    before = runs()
    wait_until(lambda: runs() > before, what="runs to go on through a parse error")

    model.write_text(good_model)
    wait_until(lambda: daemon.get("/readyz").status_code == 200, what="ready once fixed")
    assert daemon.metric("sentinel_config_last_reload_successful") == 1
    assert daemon.process.poll() is None


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_on_duckdb_dbt_and_the_report_use_the_file_while_the_daemon_waits(
    project: Project, tmp_path: Path
) -> None:
    """The daemon opens the DuckDB file for a run or a request and releases it after."""
    import duckdb

    from tests.conftest import cli

    # Yearly, and delivering only at start: idle once that pass is over.
    (project.root / "sentinel.yml").write_text('default_schedule: "0 0 1 1 *"\ndeliver_every: 1d\n')
    with running_daemon(project) as daemon:
        wait_until(lambda: daemon.get("/readyz").status_code == 200, what="ready")
        passes = lambda: daemon.metric("sentinel_delivery_passes_total", outcome="ok")  # noqa: E731
        wait_until(lambda: passes() == 1, what="the delivery pass at start")
        assert run_now(daemon, "orders_present")["results"][0]["status"] == "OK"

        report = cli("report", *project.flags(), "--out", str(tmp_path / "report.html"))
        assert report.exit_code == 0, report.stderr
        assert "orders_present" in (tmp_path / "report.html").read_text()
        # What `dbt run` does to the file: open it for writing, from another process.
        with duckdb.connect(str(project.root / "warehouse.duckdb")) as connection:
            connection.execute("create table written_meanwhile as select 1 as x")

        assert run_now(daemon, "orders_present")["results"][0]["status"] == "OK"
        assert daemon.get("/api/alerts").status_code == 200
    history = cli("history", "orders_present", *project.flags(), "-o", "json").json()["history"]
    assert [row["status"] for row in history] == ["OK", "OK"]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_not_on_localhost_it_needs_a_token_and_checks_it(project: Project) -> None:
    from tests.conftest import cli

    refused = cli("daemon", *project.flags(), "--host", "0.0.0.0", "--port", "0")
    assert refused.exit_code == 2 and "without a token" in refused.stderr

    exposed = ("--host", "127.0.0.2", "--token", TOKEN, "--allowed-host", "sentinel.example.test")
    with running_daemon(project, *exposed, token=TOKEN) as daemon:
        wait_until(lambda: daemon.get("/readyz").status_code == 200, what="ready")
        named = {"Host": "sentinel.example.test:8765"}
        assert daemon.get("/api/alerts", headers=named).status_code == 200
        assert daemon.get("/api/alerts", headers={"Host": "evil.example"}).status_code == 400
        daemon.token = None
        assert daemon.get("/api/alerts").status_code == 401
        assert daemon.get("/metrics").status_code == 401
        assert daemon.get("/").status_code == 401
        assert daemon.get("/openapi.json").status_code == 401
        assert daemon.get("/docs").status_code == 404
        assert daemon.get("/healthz").status_code == 200  # probes need no token
        daemon.token = "wrong-" + TOKEN
        assert daemon.get("/api/alerts").status_code == 401
        daemon.token = TOKEN
        assert daemon.get("/api/alerts").status_code == 200
        assert daemon.get(f"/?token={TOKEN}").status_code == 200
    assert TOKEN not in "\n".join(daemon.logs)


@pytest.mark.postgres
def test_a_warehouse_outage_never_stops_the_daemon(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import yaml

    with private_postgres() as server:
        built = make_project(tmp_path_factory.mktemp("outage"), "shop", "postgres")
        output = {"type": "postgres", **server.connection, "password": "", "schema": built.schema}
        profile = {"shop": {"target": "ci", "outputs": {"ci": {**output, "threads": 4}}}}
        (built.root / "profiles.yml").write_text(yaml.safe_dump(profile))
        (built.root / "sentinel.yml").write_text(FAST)
        dbt_build(built.args)

        def evaluated() -> float:
            return daemon.metric("sentinel_evaluations_total", alert="orders_present", status="OK")

        with running_daemon(built) as daemon:
            wait_until(lambda: evaluated() >= 1, what="a first run")
            server.stop()
            wait_until(lambda: daemon.get("/readyz").status_code == 503, what="not ready")
            wait_until(lambda: daemon.metric("sentinel_run_failures_total") >= 1, what="a failure")
            assert daemon.process.poll() is None  # still running
            before = evaluated()
            server.start()
            wait_until(lambda: daemon.get("/readyz").status_code == 200, what="ready again")
            try:
                wait_until(lambda: evaluated() > before, what="runs to resume")
            except AssertionError:
                print("\n".join(daemon.logs[-40:]))
                raise


@pytest.mark.parametrize("warehouse", ["postgres"], indirect=True)
def test_connections_are_reused_and_sigterm_lets_runs_finish(project: Project) -> None:
    import psutil
    import psycopg2

    from tests.conftest import cli

    (project.root / "alerts" / "slow.yml").write_text(
        "alerts:\n  - name: slow_in_flight\n    schedule: '* * * * * */2'\n"
        "    query: \"select 'OK' as status, 'sentinel_inflight_marker' as m from pg_sleep(3)\"\n"
    )

    def in_flight() -> bool:
        with psycopg2.connect(**PG) as conn, conn.cursor() as cur:
            cur.execute(
                "select count(*) from pg_stat_activity "
                "where query like '%sentinel_inflight_marker%' and state = 'active' "
                "and pid <> pg_backend_pid()"
            )
            return bool(cur.fetchone()[0])  # type: ignore[index]

    def connections(pid: int) -> int:
        tcp = psutil.Process(pid).net_connections(kind="tcp")
        return sum(1 for c in tcp if c.raddr and c.raddr.port == PG["port"])

    def runs() -> float:
        return daemon.metric("sentinel_evaluations_total", alert="orders_present", status="OK")

    with running_daemon(project) as daemon:
        wait_until(lambda: runs() >= 2, what="two runs")
        early = connections(daemon.process.pid)
        wait_until(lambda: runs() >= 5, what="three more runs")
        assert connections(daemon.process.pid) <= early  # not more with every run

        wait_until(in_flight, what="the slow alert to be running")
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=60) == 0
    assert not in_flight()
    history = cli("history", "slow_in_flight", *project.flags(), "-o", "json").json()["history"]
    assert [row["status"] for row in history][:1] == ["OK"]  # it finished and was recorded
