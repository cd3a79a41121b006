"""Real servers on 127.0.0.1 standing in for webhook, Slack, PagerDuty and Teams endpoints."""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every request; answers from `script` (status, headers, body) in turn, then
    with `default`.

    `held` keeps every answer back until `release()` (or the end of the server): a client
    waiting for one times out, or is killed, before any answer comes, however slow the
    machine. There is no answer-after-N-seconds: that would race the client's timeout.
    """

    url: str = ""
    requests: list[Request] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    default: tuple[int, dict[str, str], bytes] = (200, {}, b"ok")
    held: bool = False
    _arrived: threading.Condition = field(default_factory=threading.Condition)
    _released: threading.Event = field(default_factory=threading.Event)

    def answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        with self._arrived:
            self.requests.append(request)
            reply = self.script.pop(0) if self.script else self.default
            self._arrived.notify_all()
        if self.held:
            self._released.wait()
        return reply

    def wait_for_requests(self, count: int, timeout: float = 120) -> None:
        """Block until `count` requests have arrived; `timeout` only bounds a hang."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"{len(self.requests)} of {count} requests arrived")

    def hold(self) -> None:
        """Keep answers back from now until `release()`."""
        self._released.clear()
        self.held = True

    def release(self) -> None:
        """Send the answers held back, and answer at once from now on."""
        self.held = False
        self._released.set()

    def notifications(self) -> list[dict[str, Any]]:
        """Every notification in every webhook body received."""
        return [n for r in self.requests for n in r.json()["notifications"]]


@contextmanager
def http_receiver(receiver: Receiver | None = None) -> Iterator[Receiver]:
    """Serve `receiver` on a free port of 127.0.0.1 for the duration of the block."""
    served = receiver or Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(self.path, dict(self.headers.items()), self.rfile.read(length))
            status, headers, body = served.answer(request)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        served.url = url
        try:
            yield served
        finally:
            served.release()  # a held answer goes to a client long gone; that is expected


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free port of 127.0.0.1 for the block; yields its base URL."""
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True  # a held-back response must not hold up teardown
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (a timeout test) resets the connection; that is expected."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def silent_listener() -> Iterator[tuple[str, threading.Event]]:
    """A port of 127.0.0.1 that accepts connections and never reads or answers them.

    Yields its base URL and an event set once a client has connected: a sender is then
    stuck before anything was delivered.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    connected = threading.Event()
    accepted: list[socket.socket] = []

    def accept() -> None:
        with suppress(OSError):  # the listener is closed at the end of the block
            while True:
                accepted.append(listener.accept()[0])
                connected.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", connected
    finally:
        listener.close()
        for conn in accepted:
            conn.close()
