"""A Slack stand-in on 127.0.0.1 that counts incoming-webhook messages per tool.

Each tool posts to a URL of its own (`standin.url("edr")`, `standin.url("sentinel")`), so
one server in the benchmark's process tells the two apart by path. A message is one POST
(one incoming-webhook call, which Slack shows as one message); the checks a message names
are the `check_NNNN` names in its body, which both tools put in a message's title.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))
from tests.receivers import Receiver, http_receiver

CHECK_NAME = re.compile(rb"check_\d{4}")


@dataclass
class SlackStandIn:
    """The receiver behind the stand-in, read per tool."""

    receiver: Receiver

    def url(self, tool: str) -> str:
        """The incoming-webhook URL that `tool` posts to."""
        return f"{self.receiver.url}/{tool}/services/bench"

    def messages(self, tool: str) -> list[bytes]:
        """The bodies `tool` posted, in order of arrival."""
        prefix = f"/{tool}/"
        return [r.body for r in self.receiver.requests if r.path.startswith(prefix)]

    def checks(self, tool: str) -> set[str]:
        """Every check named in a message from `tool`."""
        return {name.decode() for body in self.messages(tool) for name in CHECK_NAME.findall(body)}

    def clear(self) -> None:
        """Forget every message received so far."""
        self.receiver.requests.clear()


@contextmanager
def slack_standin() -> Iterator[SlackStandIn]:
    """Serve the stand-in on a free port of 127.0.0.1 for the block; answers 200 `ok`."""
    with http_receiver(Receiver()) as receiver:
        yield SlackStandIn(receiver)
