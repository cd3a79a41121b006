"""A PostgreSQL server of a test's own (initdb in a temporary directory, a free port).

Fault tests restart or stop it mid-run; the machine's shared server stays untouched for
every other test running beside them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def _pg_bin(tool: str) -> str:
    found = shutil.which(tool) or next((str(b / tool) for b in _BIN if (b / tool).exists()), None)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {tool} is not installed")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PrivatePostgres:
    """A running server: connect as `postgres` to database `postgres` on 127.0.0.1:port."""

    data: Path
    port: int

    @property
    def connection(self) -> dict[str, object]:
        """psycopg2 and dbt profile settings for this server."""
        return {"host": "127.0.0.1", "port": self.port, "user": "postgres", "dbname": "postgres"}

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [_pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-o", options]
        command += ["-l", str(self.log), *args]
        subprocess.run(_as_postgres(command), check=True, capture_output=True)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._ctl("start")

    def stop(self) -> None:
        """Stop at once: every session is cut, as in a crash."""
        self._ctl("-m", "immediate", "stop")

    def restart(self) -> None:
        """Stop (cutting every session) and start again."""
        self.stop()
        self.start()

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.data.parent / "server.log"

    def query(self, sql: str) -> list[tuple[object, ...]]:
        """Run `sql` on a connection of its own; return its rows."""
        with psycopg2.connect(**self.connection) as conn, conn.cursor() as cur:  # type: ignore[arg-type]
            cur.execute(sql)
            return cur.fetchall() if cur.description else []


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and the server refuse to run as root; the CI machine runs tests as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def private_postgres(settings: Mapping[str, str] | None = None) -> Iterator[PrivatePostgres]:
    """initdb a cluster in a new temporary directory, start it on a free port; stop, remove.

    `settings` are added to its postgresql.conf (`log_statement`: 'all', say).
    """
    # Not under pytest's tmp_path: its parents are private to root, out of the server's reach.
    base = Path(tempfile.mkdtemp(prefix="sentinel-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data = base / "data"
    initdb = [_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]
    subprocess.run(_as_postgres([*initdb, "-E", "UTF8"]), check=True, capture_output=True)
    with (data / "postgresql.conf").open("a") as conf:
        for name, value in (settings or {}).items():
            conf.write(f"{name} = '{value}'\n")
    server = PrivatePostgres(data, _free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
