"""Call a function when a deadline passes, unless it was called off first: query timeouts.

One watcher thread serves every query of a warehouse, where a `threading.Timer` would
start a thread per query (1,000 alerts, 1,000 threads started and stopped).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Deadline:
    """One scheduled call, which either runs or is called off, never both."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = True
        self.fired = False
        """Whether the call ran (or is running): the query it guards was cancelled."""

    def cancel(self) -> bool:
        """Call it off; False when it already ran. Waits for a call that is running."""
        with self._lock:
            called_off, self._pending = self._pending, False
            return called_off

    @property
    def pending(self) -> bool:
        """Neither called off nor run yet."""
        return self._pending

    def fire(self, action: Callable[[], None]) -> None:
        """Run `action` unless called off; `cancel` waits until it returns."""
        with self._lock:
            if not self._pending:
                return
            self._pending, self.fired = False, True
            try:
                action()
            except Exception:  # the watcher thread must outlive one failed cancellation
                logger.exception("a deadline's action failed")


class Deadlines:
    """Deadlines served by one daemon thread, started when the first one is scheduled."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._due: list[tuple[float, int, Deadline, Callable[[], None]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(self, seconds: float, action: Callable[[], None]) -> Deadline:
        """Run `action` on the watcher thread `seconds` from now, unless cancelled before."""
        deadline = Deadline()
        with self._changed:
            entry = (self._clock() + seconds, next(self._order), deadline, action)
            heapq.heappush(self._due, entry)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="sentinel-deadlines", daemon=True
                )
                self._thread.start()
            elif self._due[0] is entry:  # sooner than what the watcher waits for
                self._changed.notify()
        return deadline

    def _watch(self) -> None:
        while True:
            with self._changed:
                while self._due and not self._due[0][2].pending:
                    heapq.heappop(self._due)  # called off: forget it
                if not self._due:
                    self._changed.wait()
                    continue
                wait = self._due[0][0] - self._clock()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, deadline, action = heapq.heappop(self._due)
            deadline.fire(action)
