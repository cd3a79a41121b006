"""Record sent notifications in the background, so the next message need not wait.

Marking a row sent is a warehouse statement (10 to 15 ms); sending a message to a local
Slack is 2 ms. A channel with forty messages to send spent most of its time waiting on
its own bookkeeping. The recorder writes on a thread of its own, everything that piled up
since its last write in one statement, while the channel sends on.

Nothing is lost by it: a row is still marked sent only after its send succeeded. A crash
leaves the rows sent but not yet written claimed, and the next run sends them again once
their lease runs out: a duplicate at worst, as with a crash between a send and its record
(docs/notifications.md, "Delivery").
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from types import TracebackType

from sqlsentinel_dbt.store.outbox import Outbox
from sqlsentinel_dbt.store.timestamps import Clock


class SentRecorder:
    """Marks a channel's sent rows in the outbox, in batches, on a worker thread.

    Use it as a context manager around the sending: leaving the block waits until every
    row handed to `sent` is written. When a write fails, the next `sent` call raises it,
    so the channel stops sending messages it could not record.
    """

    def __init__(self, outbox: Outbox, claimer: str, clock: Clock) -> None:
        self._outbox = outbox
        self._claimer = claimer
        self._clock = clock
        self._waiting: list[str] = []
        self._closed = False
        self._changed = threading.Condition()
        self._writer: Future[None] | None = None

    def __enter__(self) -> SentRecorder:
        self._writer = self._outbox.thread_pool(8, purpose="record").submit(self._write)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()
        assert self._writer is not None
        failure = self._writer.exception()
        if failure is not None and exc is None:
            raise failure

    def sent(self, ids: Sequence[str]) -> None:
        """Hand over rows whose message went out; raises an earlier write's failure."""
        assert self._writer is not None
        if self._writer.done():
            self._writer.result()  # raises the write's failure
        with self._changed:
            self._waiting.extend(ids)
            self._changed.notify()

    def _write(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._closed)
                batch, self._waiting = self._waiting, []
            if not batch:
                return  # closed, and everything written
            self._outbox.settle(batch, self._claimer, self._clock(), sent=True)
