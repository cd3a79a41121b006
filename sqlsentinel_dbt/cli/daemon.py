"""`sentinel daemon` and `sentinel serve`: the always-on service and the history viewer."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import cannot_start_on_error, err, opened
from sqlsentinel_dbt.cli.exit_codes import ExitCode
from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.redact import register_secrets

LOCALHOST = {"127.0.0.1", "localhost", "::1"}
Host = Annotated[str, typer.Option(help="Address to listen on; not localhost needs --token.")]
Port = Annotated[
    int, typer.Option(help="Port of /healthz, /readyz, /metrics, /api/, the dashboard.")
]
AllowedHosts = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-host",
        envvar="SENTINEL_ALLOWED_HOSTS",
        help=(
            "A host name (or IP) requests may be addressed to, besides localhost and the "
            "--host address; repeat it, `*.example.com` for subdomains, `*` for any. "
            "SENTINEL_ALLOWED_HOSTS takes several, space-separated."
        ),
        show_default=False,
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        envvar="SENTINEL_TOKEN",
        help="Bearer token every request but /healthz and /readyz must carry.",
        show_default=False,
    ),
]


Replicated = Annotated[
    bool,
    typer.Option(
        help=(
            "Share the alerts with other daemons on the same warehouse: each due time is "
            "claimed in it by one of them (docs/daemon.md, \"Replicas\")."
        )
    ),
]
Lease = Annotated[
    float,
    typer.Option(
        min=1,
        help="With --replicated: seconds after which a run whose daemon stopped is taken over.",
    ),
]


@o.dbt_flags(threads=True)
def daemon(
    dbt: DbtArgs,
    host: Host = "127.0.0.1",
    port: Port = 8765,
    token: Token = None,
    allowed_host: AllowedHosts = None,
    replicated: Replicated = False,
    lease: Lease = 30.0,
) -> None:
    """Run each alert on its cron `schedule`, serve health, metrics and the dashboard.

    Stops cleanly on SIGTERM or SIGINT, after the runs in flight.
    """
    from sqlsentinel_dbt.daemon.app import Backend, create_app, serve_in_thread
    from sqlsentinel_dbt.daemon.metrics import Metrics
    from sqlsentinel_dbt.daemon.service import Daemon

    _check_exposure(host, token)
    hosts = _allowed(host, allowed_host)
    metrics = Metrics()
    with cannot_start_on_error():
        service = Daemon(dbt, metrics, replicated=replicated, lease=lease)
    stop_http, bound = serve_in_thread(
        create_app(Backend(daemon=service), token, metrics, hosts), host, port
    )
    err.print(
        f"sentinel daemon: {len(service.timetable)} alerts scheduled; {_url(host, bound)}",
        markup=False,
    )
    _say_hosts(hosts)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        service.run(stop)
    finally:
        stop_http()
    err.print("sentinel daemon: stopped")


@o.dbt_flags()
def serve(
    dbt: DbtArgs,
    host: Host = "127.0.0.1",
    port: Port = 8765,
    token: Token = None,
    allowed_host: AllowedHosts = None,
) -> None:
    """Serve the dashboard and API over the history alone: nothing is scheduled or run."""
    from sqlsentinel_dbt.daemon.app import Backend, create_app, serve_in_thread

    _check_exposure(host, token)
    hosts = _allowed(host, allowed_host)
    with opened(dbt) as sentinel:
        sentinel.project.warehouse.release_when_idle()  # `dbt run` may use the DuckDB file
        app = create_app(Backend(sentinel=sentinel), token, allowed_hosts=hosts)
        stop_http, bound = serve_in_thread(app, host, port)
        err.print(f"sentinel serve: {_url(host, bound)}", markup=False)
        _say_hosts(hosts)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            stop_http()


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


def _allowed(host: str, extra: list[str] | None) -> list[str]:
    """The Host names to answer (see daemon/hosts.py); exit 2 on a malformed one."""
    from sqlsentinel_dbt.daemon.hosts import allowed_hosts

    try:
        return allowed_hosts(host, extra or [])
    except ValueError as exc:
        err.print(f"Invalid --allowed-host: {exc}.", markup=False)
        raise typer.Exit(ExitCode.CANNOT_START) from None


def _say_hosts(hosts: list[str]) -> None:
    names = ", ".join(hosts)
    err.print(
        f"answering requests addressed to {names} (add names with --allowed-host)", markup=False
    )


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
