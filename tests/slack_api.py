"""A stand-in for Slack's Web API on 127.0.0.1: `chat.postMessage` and `chat.update`.

It keeps the messages it was sent, as Slack does: each `chat.postMessage` gets the next
`ts` and is a reply when it names a `thread_ts` it knows; `chat.update` replaces a known
message and answers `message_not_found` for one it does not know. `slack_sdk`'s WebClient
is pointed at it through the channel's `base_url`. A scripted failure (`fail_next`)
answers the next call with an HTTP status before it changes anything.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.receivers import Receiver, Request

CONVERSATION = "C0SENTINEL"


@dataclass
class Message:
    ts: str
    text: str
    thread_ts: str | None
    edits: list[str] = field(default_factory=list)
    """The texts it was updated to, in order."""


@dataclass
class SlackApi(Receiver):
    """The Web API's chat methods, with what they were sent kept in `messages`."""

    messages: dict[str, Message] = field(default_factory=dict)
    posted: int = 0
    fail_next: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """The channel's `base_url`: slack_sdk appends the method name."""
        return f"{self.url}/api/"

    def answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append(request)
            if self.fail_next:
                status = self.fail_next.pop(0)
                return _reply({"ok": False, "error": "fatal_error"}, status)
            body = request.json()
            if request.path.endswith("/chat.postMessage"):
                return _reply(self._post(body))
            if request.path.endswith("/chat.update"):
                return _reply(self._update(body))
            return _reply({"ok": False, "error": "unknown_method"}, 404)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        thread_ts = body.get("thread_ts")
        if thread_ts is not None and thread_ts not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        self.posted += 1
        ts = f"1700000000.{self.posted:06d}"
        self.messages[ts] = Message(ts, str(body["text"]), thread_ts)
        return {"ok": True, "channel": CONVERSATION, "ts": ts}

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(str(body.get("ts")))
        if message is None or body.get("channel") != CONVERSATION:
            return {"ok": False, "error": "message_not_found"}
        message.edits.append(str(body["text"]))
        return {"ok": True, "channel": CONVERSATION, "ts": message.ts}

    def roots(self) -> list[Message]:
        """Messages that are not replies, oldest first."""
        return [m for m in self.messages.values() if m.thread_ts is None]

    def replies(self, root: Message) -> list[Message]:
        """The replies in `root`'s thread, oldest first."""
        return [m for m in self.messages.values() if m.thread_ts == root.ts]


def _reply(body: dict[str, Any], status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
