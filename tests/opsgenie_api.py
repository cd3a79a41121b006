"""A stand-in for Opsgenie's Alert API on 127.0.0.1: create, and close by alias.

It keeps alerts as Opsgenie does: a create with the alias of an open alert adds to its
`count` instead of opening another; a close by alias closes the open one (and is accepted
when there is none). Requests without the expected `GenieKey` are refused with 401.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.receivers import Receiver, Request

API_KEY = "genie-0123456789"


@dataclass
class OpsgenieAlert:
    alias: str
    message: str
    priority: str
    count: int = 1
    open: bool = True


@dataclass
class OpsgenieApi(Receiver):
    """`POST /v2/alerts` and `POST /v2/alerts/{alias}/close?identifierType=alias`."""

    alerts: list[OpsgenieAlert] = field(default_factory=list)
    closes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append(request)
            if request.headers.get("Authorization") != f"GenieKey {API_KEY}":
                return _reply({"message": "Key format is not valid!"}, 401)
            parts = urlsplit(request.path)
            path = parts.path.rstrip("/")
            if path.endswith("/v2/alerts"):
                self._create(request.json())
            elif path.endswith("/close") and "/v2/alerts/" in path:
                if parse_qs(parts.query).get("identifierType") != ["alias"]:
                    return _reply({"message": "identifierType must be alias here"}, 422)
                self._close(unquote(path.rsplit("/", 2)[-2]))
            else:
                return _reply({"message": "not found"}, 404)
            return _reply({"result": "Request will be processed", "requestId": "r"}, 202)

    def open_alerts(self) -> list[OpsgenieAlert]:
        return [a for a in self.alerts if a.open]

    def _create(self, body: dict[str, Any]) -> None:
        for known in self.open_alerts():
            if known.alias == body["alias"]:
                known.count += 1
                return
        self.alerts.append(OpsgenieAlert(body["alias"], body["message"], body["priority"]))

    def _close(self, alias: str) -> None:
        self.closes.append(alias)
        for known in self.open_alerts():
            if known.alias == alias:
                known.open = False


def _reply(body: dict[str, Any], status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
