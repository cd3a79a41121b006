"""`sentinel daemon` as a real process on a real warehouse: schedules, metrics, the API,
hot reload, failures that never stop it, and a clean exit on SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from sqlsentinel_dbt.dbt import dbt_build
from tests.conftest import PG, Project, drop_pg_schemas, make_project
from tests.daemon_kit import (
    FAST,
    ON_REQUEST,
    on_request_alert,
    release_warehouse,
    running_daemon,
    wait_until,
)
from tests.private_postgres import private_postgres

TOKEN = "t0ken-for-the-dashboard-0123456789"
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
        chart = daemon.get("/api/alerts/revenue_below_target/chart.svg")
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert "<polyline" in chart.text
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

        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=60) == 0
    logs = daemon.json_logs()
    assert any("project reloaded" in entry["message"] for entry in logs)
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in logs)
    assert "sentinel daemon: stopped" in "\n".join(daemon.logs)


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_not_on_localhost_it_needs_a_token_and_checks_it(project: Project) -> None:
    from tests.conftest import cli

    refused = cli("daemon", *project.flags(), "--host", "0.0.0.0", "--port", "0")
    assert refused.exit_code == 2 and "without a token" in refused.stderr

    with running_daemon(project, "--host", "127.0.0.2", "--token", TOKEN, token=TOKEN) as daemon:
        wait_until(lambda: daemon.get("/readyz").status_code == 200, what="ready")
        daemon.token = None
        assert daemon.get("/api/alerts").status_code == 401
        assert daemon.get("/metrics").status_code == 401
        assert daemon.get("/").status_code == 401
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
