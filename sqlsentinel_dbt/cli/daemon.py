"""`sentinel daemon` and `sentinel serve`: the always-on service and the history viewer."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import cannot_start_on_error, err
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.redact import register_secrets

LOCALHOST = {"127.0.0.1", "localhost", "::1"}
Host = Annotated[str, typer.Option(help="Address to listen on; not localhost needs --token.")]
Port = Annotated[
    int, typer.Option(help="Port of /healthz, /readyz, /metrics, /api/, the dashboard.")
]
Token = Annotated[
    str | None,
    typer.Option(
        envvar="SENTINEL_TOKEN",
        help="Bearer token every request but /healthz and /readyz must carry.",
        show_default=False,
    ),
]


def daemon(
    project_dir: o.ProjectDir = None,
    profiles_dir: o.ProfilesDir = None,
    profile: o.Profile = None,
    target: o.Target = None,
    vars: o.Vars = None,
    threads: o.Threads = None,
    host: Host = "127.0.0.1",
    port: Port = 8765,
    token: Token = None,
) -> None:
    """Run each alert on its cron `schedule`, serve health, metrics and the dashboard.

    Stops cleanly on SIGTERM or SIGINT, after the runs in flight.
    """
    from sqlsentinel_dbt.daemon.app import Backend, create_app, serve_in_thread
    from sqlsentinel_dbt.daemon.metrics import Metrics
    from sqlsentinel_dbt.daemon.service import Daemon

    _check_exposure(host, token)
    metrics = Metrics()
    with cannot_start_on_error():
        service = Daemon(
            o.dbt_args(project_dir, profiles_dir, profile, target, vars, threads), metrics
        )
    stop_http, bound = serve_in_thread(
        create_app(Backend(daemon=service), token, metrics), host, port
    )
    err.print(f"sentinel daemon: {len(service.timetable)} alerts scheduled; http://{host}:{bound}/")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        service.run(stop)
    finally:
        stop_http()
    err.print("sentinel daemon: stopped")


def serve(
    project_dir: o.ProjectDir = None,
    profiles_dir: o.ProfilesDir = None,
    profile: o.Profile = None,
    target: o.Target = None,
    vars: o.Vars = None,
    host: Host = "127.0.0.1",
    port: Port = 8765,
    token: Token = None,
) -> None:
    """Serve the dashboard and API over the history alone: nothing is scheduled or run."""
    from sqlsentinel_dbt.daemon.app import Backend, create_app, serve_in_thread
    from sqlsentinel_dbt.runtime import Sentinel

    _check_exposure(host, token)
    with cannot_start_on_error():
        sentinel = Sentinel.open(o.dbt_args(project_dir, profiles_dir, profile, target, vars))
    sentinel.project.warehouse.release_when_idle()  # `dbt run` may use a DuckDB file meanwhile
    stop_http, bound = serve_in_thread(create_app(Backend(sentinel=sentinel), token), host, port)
    err.print(f"sentinel serve: http://{host}:{bound}/")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        stop_http()
        sentinel.close()


def _check_exposure(host: str, token: str | None) -> None:
    if host not in LOCALHOST and not token:
        err.print(
            f"Refusing to listen on {host} without a token: pass --token or set "
            "SENTINEL_TOKEN (every request then needs `Authorization: Bearer <token>`)."
        )
        raise typer.Exit(ExitCode.CANNOT_START)
    if token and len(token) < 16:
        err.print("The token is too short: use at least 16 characters.")
        raise typer.Exit(ExitCode.CANNOT_START)
    if token:
        register_secrets([token])  # never in a log line or a response
