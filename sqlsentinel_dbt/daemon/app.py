"""The HTTP side: health, metrics, the JSON API under /api/ and the dashboard that uses it.

Served by `sentinel daemon` (with scheduling and "run now") and `sentinel serve` (the
history alone). When a token is set, every route but /healthz, /readyz and the page's own
script and stylesheet under /static/ needs it, as `Authorization: Bearer <token>` (or
`?token=` for the dashboard page in a browser). Whatever the token, every request must
name an allowed `Host` (hosts.py), changes must be same-origin JSON, bodies are capped and
every response carries the browser security headers (guards.py). Responses pass through
the secret redactor, and the page writes values as text only.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.daemon.alert_page import alert_detail
from sqlsentinel_dbt.daemon.guards import BodyLimit, SameOriginWrites, SecurityHeaders
from sqlsentinel_dbt.daemon.hosts import LOCAL_NAMES, HostCheck
from sqlsentinel_dbt.daemon.metrics import Metrics
from sqlsentinel_dbt.daemon.overview import (
    anomaly_alerts,
    dated,
    history_points,
    noise_over,
    overview,
)
from sqlsentinel_dbt.daemon.page import STATIC, served_page
from sqlsentinel_dbt.daemon.service import AlreadyRunning, Daemon
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.errors import ConfigError
from sqlsentinel_dbt.redact import redact_values
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.timestamps import json_default

_READY_FOR = 5.0  # seconds a warehouse check stays valid for /readyz
# Bounds of what a client may ask for or store (422 beyond them).
MAX_HISTORY = 5000
MAX_NOTIFICATIONS = 500
MAX_DAYS = 90
_NAME = 200  # alert names, matchers, silence ids
_KEY = 1000
_REASON = 1000
_WHO = 200


class MaskedJSON(JSONResponse):
    """JSON with every known secret masked, whatever the handler returned."""

    def render(self, content: Any) -> bytes:
        """Redact every string in it, then serialize."""
        masked = redact_values(content)
        text = json.dumps(masked, ensure_ascii=False, default=json_default, separators=(",", ":"))
        return text.encode("utf-8")


class SentinelAPI(FastAPI):
    """FastAPI with the browser security headers outermost: on its 500 answers too."""

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack (its error handler outermost), inside `SecurityHeaders`."""
        return SecurityHeaders(super().build_middleware_stack())


class NewSilence(BaseModel):
    """A silence to create from the dashboard."""

    model_config = ConfigDict(extra="forbid")

    matcher: str = Field(
        min_length=1, max_length=_NAME, description="An alert name, a glob, or `tag:X`."
    )
    key: str | None = Field(
        default=None, max_length=_KEY, description="Only this instance of the alert."
    )
    minutes: int = Field(default=60, gt=0, le=60 * 24 * 30, description="How long it lasts.")
    reason: str = Field(
        default="", max_length=_REASON, description="Why, for the people who read it later."
    )
    created_by: str = Field(
        default="dashboard", min_length=1, max_length=_WHO, description="Who asked for it."
    )


class Backend:
    """Where the app gets its data: a running daemon, or one opened project."""

    def __init__(self, *, daemon: Daemon | None = None, sentinel: Sentinel | None = None) -> None:
        if (daemon is None) == (sentinel is None):
            raise ValueError("give a daemon or a sentinel")
        self.daemon = daemon
        self._sentinel = sentinel
        self._ready_lock = threading.Lock()
        self._ready: tuple[float, str | None] = (0.0, "not checked yet")
        # What each alert compiled to, for the project loaded now (an open page polls).
        self._compiled: tuple[Sentinel | None, dict[str, PlannedAlert]] = (None, {})

    @property
    def sentinel(self) -> Sentinel:
        """The project in use now."""
        return self.daemon.sentinel if self.daemon else self._sentinel  # type: ignore[return-value]

    def compiled(self, declared: DeclaredAlert) -> PlannedAlert:
        """The alert compiled, once per loaded project: its page is polled, its SQL is not."""
        sentinel = self.sentinel
        loaded, plans = self._compiled
        if loaded is not sentinel:
            plans = {}
            self._compiled = (sentinel, plans)
        if declared.name not in plans:
            plans[declared.name] = sentinel.compile(declared)
        return plans[declared.name]

    def not_ready(self) -> str | None:
        """Why the service is not ready (broken project, warehouse down), or None."""
        if self.daemon and self.daemon.problem:
            return self.daemon.problem
        with self._ready_lock:
            checked, problem = self._ready
            if time.monotonic() - checked > _READY_FOR:
                try:
                    self.sentinel.project.warehouse.check_connection()
                    problem = None
                except Exception as exc:
                    problem = str(exc)
                self._ready = (time.monotonic(), problem)
            return problem


def create_app(
    backend: Backend,
    token: str | None,
    metrics: Metrics | None = None,
    allowed_hosts: Sequence[str] = LOCAL_NAMES,
) -> FastAPI:
    """The FastAPI application; `token` None means no authentication (localhost only).

    `allowed_hosts`: the `Host` names requests may carry (see `hosts.allowed_hosts`).
    """
    app = SentinelAPI(
        title="sqlsentinel",
        summary="SQL alerts for dbt projects: state, history, silences.",
        default_response_class=MaskedJSON,
        # No /docs or /redoc: they load their scripts from a CDN. /openapi.json is below.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    # Added innermost first: the host check comes first (SentinelAPI adds the headers).
    app.add_middleware(BodyLimit)
    app.add_middleware(SameOriginWrites)
    app.add_middleware(HostCheck, allowed=list(allowed_hosts))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def authorized(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        given = given or request.query_params.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "a valid bearer token is required")

    guarded = [Depends(authorized)]

    @app.get("/openapi.json", include_in_schema=False, dependencies=guarded)
    def openapi() -> dict[str, Any]:
        return app.openapi()

    _health_routes(app, backend, metrics, guarded)
    _alert_routes(app, backend, guarded)
    _noise_routes(app, backend, guarded)
    _silence_routes(app, backend, guarded)
    return app


Guard = list[Any]
AlertName = Annotated[str, PathParam(max_length=_NAME)]
HistoryLimit = Annotated[int, Query(ge=1, le=MAX_HISTORY)]


def _health_routes(app: FastAPI, backend: Backend, metrics: Metrics | None, guarded: Guard) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        problem = backend.not_ready()
        body: dict[str, Any] = {"status": "not ready", "problem": problem} if problem else {}
        if backend.daemon and backend.daemon.unscheduled:  # they do not run; the others do
            body["unscheduled_alerts"] = backend.daemon.unscheduled
        return MaskedJSON({"status": "ready", **body}, status_code=503 if problem else 200)

    @app.get("/metrics", include_in_schema=False, dependencies=guarded)
    def prometheus() -> Response:
        if metrics is None:
            raise HTTPException(404, "metrics are served by `sentinel daemon`")
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False, dependencies=guarded)
    def dashboard() -> HTMLResponse:
        page = served_page(backend.sentinel.project.name, can_run=backend.daemon is not None)
        return HTMLResponse(page)


def _alert_routes(app: FastAPI, backend: Backend, guarded: Guard) -> None:
    @app.get("/api/alerts", dependencies=guarded)
    def list_alerts() -> list[dict[str, Any]]:
        """Every declared alert, and every dbt check recorded, with its state; worst first."""
        return overview(backend.sentinel)

    @app.get("/api/alerts/{name}", dependencies=guarded)
    def alert_page(name: AlertName) -> dict[str, Any]:
        """What the alert is: owner, runbook, tags, dbt node and its neighbours, SQL, silences."""
        detail = alert_detail(backend.sentinel, name, compile_alert=backend.compiled)
        if detail is None:
            raise HTTPException(404, f"no alert named {name!r}")
        return detail | {"can_run": backend.daemon is not None and detail["enabled"]}

    @app.get("/api/alerts/{name}/history", dependencies=guarded)
    def alert_history(name: AlertName, limit: HistoryLimit = 200) -> list[dict[str, Any]]:
        """The alert's newest evaluations (every instance), oldest first."""
        rows = backend.sentinel.history(name, limit)
        if not rows and name not in {d.name for d in backend.sentinel.alerts}:
            raise HTTPException(404, f"no alert named {name!r}")
        return history_points(rows, ranged=name in anomaly_alerts(backend.sentinel))

    @app.post("/api/alerts/{name}/run", dependencies=guarded)
    def run_now(name: AlertName) -> dict[str, Any]:
        """Run the alert now (daemon only); its results, as `dbt-run --output json`."""
        if backend.daemon is None:
            raise HTTPException(405, "`sentinel serve` only reads history; run the daemon")
        try:
            return backend.daemon.run_now(name).to_json()
        except KeyError:
            raise HTTPException(404, f"no enabled alert named {name!r}") from None
        except AlreadyRunning:
            raise HTTPException(409, f"{name} is running already") from None


def _noise_routes(app: FastAPI, backend: Backend, guarded: Guard) -> None:
    @app.get("/api/noise", dependencies=guarded)
    def noise(days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 7) -> dict[str, Any]:
        """What was noisy in the last `days`: firings, notifications, flapping, resolve times."""
        return noise_over(backend.sentinel, days)


def _silence_routes(app: FastAPI, backend: Backend, guarded: Guard) -> None:
    @app.get("/api/notifications", dependencies=guarded)
    def notifications(
        limit: Annotated[int, Query(ge=1, le=MAX_NOTIFICATIONS)] = 50,
        alert: Annotated[str | None, Query(max_length=_NAME)] = None,
    ) -> list[dict[str, Any]]:
        """The newest outbox rows (of one alert), with what each held back and why."""
        return [dated(row) for row in backend.sentinel.notifications_log(limit, alert)]

    @app.get("/api/silences", dependencies=guarded)
    def silences(
        days: Annotated[int, Query(ge=0, le=MAX_DAYS)] = 7,
    ) -> list[dict[str, Any]]:
        """Active silences, and those that ended in the last `days` (a week by default)."""
        now = backend.sentinel.clock()
        listed = backend.sentinel.silences(days)
        return [dated(asdict(s) | {"active": s.active(now)}) for s in listed]

    @app.post("/api/silences", status_code=201, dependencies=guarded)
    def create_silence(new: NewSilence) -> dict[str, Any]:
        """Silence the matching alerts for `minutes`."""
        ends = timedelta(minutes=new.minutes)
        try:
            made = backend.sentinel.silence(new.matcher, new.key, ends, new.reason, new.created_by)
        except ConfigError as exc:
            raise HTTPException(422, "; ".join(exc.problems)) from None
        return dated(asdict(made))

    @app.delete("/api/silences/{silence_id}", dependencies=guarded)
    def expire_silence(
        silence_id: Annotated[str, PathParam(max_length=_NAME)],
        ended_by: Annotated[str, Query(min_length=1, max_length=_WHO)] = "dashboard",
    ) -> dict[str, Any]:
        """End a silence now."""
        if not backend.sentinel.unsilence(silence_id, ended_by):
            raise HTTPException(404, f"no silence {silence_id!r} in force")
        return {"ended": silence_id}


def serve_in_thread(app: FastAPI, host: str, port: int) -> tuple[Callable[[], None], int]:
    """Start uvicorn for `app` in a thread; return a stop function and the bound port."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sentinel-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the HTTP server did not start on {host}:{port}")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return stop, int(bound)
