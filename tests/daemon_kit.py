"""Run `sentinel daemon` as a real process and talk to it over HTTP, for the daemon tests."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from sqlsentinel_dbt.dbt import DbtProject
from sqlsentinel_dbt.resources import package_root
from tests.conftest import Project

SENTINEL = str(Path(sys.executable).parent / "sentinel")
FAST = """
default_schedule: "* * * * * */2"   # every 2 seconds (croniter: seconds last)
misfire_grace: 30s
"""
ON_REQUEST = "on_request_only"


def on_request_alert() -> str:
    """An alert file: ON_REQUEST, scheduled 12 hours from now.

    A test's `run now` of it never meets a scheduled run of itself (that is a 409,
    whenever the two happen to overlap), whatever the machine's speed.
    """
    later = datetime.now(UTC) + timedelta(hours=12)
    return (
        f"alerts:\n  - name: {ON_REQUEST}\n    schedule: '{later.minute} {later.hour} * * *'\n"
        "    query: \"select 'OK' as status\"\n"
    )


@dataclass
class RunningDaemon:
    process: subprocess.Popen[str]
    url: str
    logs: list[str] = field(default_factory=list)
    token: str | None = None

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        return requests.get(self.url + path, headers=self._auth() | (headers or {}), timeout=30)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST as JSON (`{}` when no body is given): the API takes changes only as JSON."""
        kwargs.setdefault("json", {})
        return requests.post(self.url + path, headers=self._auth(), timeout=60, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("json", {})
        return requests.delete(self.url + path, headers=self._auth(), timeout=30, **kwargs)

    def metric(self, name: str, **labels: str) -> float:
        """The value of one sample on /metrics (0 when absent)."""
        text = self.get("/metrics").text
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            sample, _, value = line.rpartition(" ")
            head, _, rest = sample.partition("{")
            found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
            if head == name and found == wanted:
                return float(value)
        return 0.0

    def json_logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs if line.startswith("{")]

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def wait_until(check: Callable[[], bool], timeout: float = 120, what: str = "") -> None:
    """Poll `check` until it is true; fail after `timeout` seconds (a bound on a hang only)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")


def release_warehouse(project: Project) -> None:
    """Close this process's connections, so that another process may open a DuckDB file.

    dbt-duckdb keeps its database open after an in-process `dbt build`.
    """
    DbtProject.open(project.args, package_root()).close()


@contextmanager
def running_daemon(
    project: Project, *extra: str, token: str | None = None
) -> Iterator[RunningDaemon]:
    """`sentinel daemon` on a free port with JSON logs; SIGTERM and a clean exit at the end."""
    command = [SENTINEL, "--log-format", "json", "--log-level", "info", "daemon", *project.flags()]
    command += ["--port", "0", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    logs: list[str] = []
    started = threading.Event()
    address: list[str] = []

    def collect() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            logs.append(line.rstrip("\n"))
            if match := re.search(r"(http://[\d.]+:\d+)/", line):
                address.append(match.group(1))
                started.set()

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    if not started.wait(120):
        process.kill()
        raise AssertionError("the daemon did not start:\n" + "\n".join(logs))
    daemon = RunningDaemon(process, address[0], logs, token)
    try:
        yield daemon
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        reader.join(timeout=10)
