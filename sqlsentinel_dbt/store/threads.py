"""`sentinel_threads`: the Slack threads alert groups opened, kept in the warehouse.

A group's first notification to a Slack channel with a bot token posts a message; the
thread under it takes the group's later notifications until the group resolves. Keeping
the message's conversation and `ts` in the warehouse lets a run on another machine (a CI
runner, the daemon, `sentinel notify` after the dbt Cloud hook) continue the same thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlsentinel_dbt.dbt import Warehouse
from sqlsentinel_dbt.store import rows
from sqlsentinel_dbt.store.timestamps import to_sql_text

TABLE = "sentinel_threads"


@dataclass(frozen=True)
class Thread:
    """The message a group's notifications to one channel reply under."""

    channel: str
    group_key: str
    conversation: str
    """Slack's channel id, as `chat.postMessage` answered it."""
    root_ts: str
    opened_at: datetime


class ThreadStore:
    """Open, find and resolve threads."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def open_threads(self, channel: str) -> dict[str, Thread]:
        """The threads of `channel` not resolved yet, by group key (the newest wins)."""
        if not self._warehouse.run_macro("table_exists", identifier=TABLE):
            return {}
        sql = self._warehouse.run_macro("select_open_threads_sql", channel=channel)
        fetched = self._warehouse.fetch(str(sql), limit=None, timeout=300, name="sentinel:threads")
        threads: dict[str, Thread] = {}
        for row in fetched.rows:
            try:
                thread = _thread(row)
            except Exception as problem:  # the group starts a new thread; nothing is lost
                rows.skipped(TABLE, f"thread {row[3]!r}", problem, "the group opens a new one")
                continue
            threads[thread.group_key] = thread
        return threads

    def opened(self, thread: Thread) -> None:
        """Record a thread a group just opened."""
        row = {
            "channel": thread.channel,
            "group_key": thread.group_key,
            "conversation": thread.conversation,
            "root_ts": thread.root_ts,
            "opened_at": to_sql_text(thread.opened_at),
            "resolved_at": None,
        }
        self._warehouse.run_macro("insert_thread", row=row)

    def resolved(self, thread: Thread, at: datetime) -> None:
        """Close `thread`: the group's next notification opens a new one."""
        self._warehouse.run_macro(
            "resolve_thread",
            channel=thread.channel,
            conversation=thread.conversation,
            root_ts=thread.root_ts,
            resolved_at=to_sql_text(at),
        )


def _thread(row: tuple[Any, ...]) -> Thread:
    """A thread read back; raises Unreadable naming what is wrong."""
    channel, group_key, conversation, root_ts, opened_at, _ = row
    return Thread(
        rows.text(channel, "channel"),
        rows.text(group_key, "group_key"),
        rows.text(conversation, "conversation"),
        rows.text(root_ts, "root_ts"),
        rows.timestamp(opened_at, "opened_at"),
    )
