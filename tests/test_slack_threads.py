"""Slack threads with a bot token (docs/notifications.md, "Slack threads").

A group's first notification posts a message; its later ones reply in that thread; its
resolution edits the message to say it resolved, and after how long, and replies so; the
next time it fires, a new message opens a new thread. Runs are `sentinel dbt-run`s, one
of them in a process of its own, which finds the thread in the warehouse. Real DuckDB and
PostgreSQL; a stand-in for Slack's Web API on 127.0.0.1, reached through slack_sdk.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Project, ShopVariant, run_args
from tests.notify_kit import run
from tests.receivers import http_receiver
from tests.slack_api import SlackApi
from tests.warehouse_sql import query

TOKEN = "xoxb-0000-never-shown"
SENTINEL_YML = """
channels:
  - name: slack
    type: slack
    token: "{{{{ env_var('SENTINEL_TEST_SLACK_TOKEN') }}}}"
    channel: "#data-alerts"
    base_url: "{base_url}"
routes:
  - match: {{tags: [lifecycle]}}
    notify: [slack]
"""
# busy_regions fires per region with more than `orders_limit` orders, on its second ALERT
# run in a row: eu has 3 orders, us and apac 2.
EU_ONLY, EVERY_REGION, NONE = 2, 1, 5


@pytest.fixture
def project(shop_variant: ShopVariant) -> Project:
    return shop_variant("slack_threads", {})


@pytest.fixture
def slack(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApi]:
    with http_receiver(SlackApi()) as api:
        monkeypatch.setenv("SENTINEL_TEST_SLACK_TOKEN", TOKEN)
        (project.root / "sentinel.yml").write_text(SENTINEL_YML.format(base_url=api.base_url))
        yield api


def fire(project: Project, schema: str, limit: int) -> None:
    """Two runs in a row at `limit`: what is over it fires."""
    for _ in range(2):
        run(project, schema, orders_limit=limit)


def threads(project: Project, schema: str) -> list[dict[str, object]]:
    rows = query(project, f"select * from {schema}.sentinel_threads order by opened_at, root_ts")
    return sorted(rows, key=lambda r: str(r["root_ts"]))


def test_a_group_lives_in_one_thread_until_it_resolves(
    project: Project, sentinel_schema: str, slack: SlackApi
) -> None:
    fire(project, sentinel_schema, EU_ONLY)
    [root] = slack.roots()
    assert "busy_regions" in root.text and slack.replies(root) == []

    fire(project, sentinel_schema, EVERY_REGION)  # us and apac join: a reply, no new message
    [reply] = slack.replies(root)
    assert "busy_regions" in reply.text
    assert len(slack.roots()) == 1

    run(project, sentinel_schema, orders_limit=NONE)  # everything resolves
    first, resolution = slack.replies(root)
    assert first is reply and "resolved" in resolution.text.lower()
    [edit] = root.edits
    assert edit.startswith(":white_check_mark: Resolved after ") and "busy_regions" in edit
    [closed] = threads(project, sentinel_schema)
    assert closed["root_ts"] == root.ts and closed["resolved_at"] is not None

    fire(project, sentinel_schema, EU_ONLY)  # fires again: a new thread
    old, new = slack.roots()
    assert old is root and len(slack.replies(root)) == 2 and slack.replies(new) == []
    assert [t["resolved_at"] is None for t in threads(project, sentinel_schema)] == [False, True]
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in slack.requests)


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # the store: test above
def test_another_process_continues_the_thread(
    project: Project, sentinel_schema: str, slack: SlackApi
) -> None:
    fire(project, sentinel_schema, EU_ONLY)
    [root] = slack.roots()
    # Another machine's worth of process: nothing in memory, the thread from the warehouse.
    sentinel = str(Path(sys.executable).parent / "sentinel")
    args = run_args(project, sentinel_schema, "busy_regions", orders_limit=EVERY_REGION)
    for _ in range(2):
        done = subprocess.run(
            [sentinel, *args], capture_output=True, text=True, env=dict(os.environ), timeout=600
        )
        assert done.returncode in (0, 1), done.stderr[-3000:]
    [reply] = slack.replies(root)
    assert len(slack.roots()) == 1 and "busy_regions" in reply.text


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # the sender's logic
def test_a_failed_edit_is_tried_again_and_the_resolution_told_once(
    project: Project, sentinel_schema: str, slack: SlackApi
) -> None:
    fire(project, sentinel_schema, EU_ONLY)
    [root] = slack.roots()
    slack.fail_next.append(500)  # the edit at the resolution: retried within the run
    run(project, sentinel_schema, orders_limit=NONE)
    [resolution] = slack.replies(root)
    assert "resolved" in resolution.text.lower()
    assert len(root.edits) == 1
    assert threads(project, sentinel_schema)[0]["resolved_at"] is not None


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # the sender's logic
def test_a_deleted_message_starts_a_new_thread(
    project: Project, sentinel_schema: str, slack: SlackApi
) -> None:
    fire(project, sentinel_schema, EU_ONLY)
    [root] = slack.roots()
    del slack.messages[root.ts]  # someone deleted it in Slack
    fire(project, sentinel_schema, EVERY_REGION)  # the reply finds no thread: a new message
    [new] = slack.roots()
    assert new.ts != root.ts and "busy_regions" in new.text
    assert [t["root_ts"] for t in threads(project, sentinel_schema) if not t["resolved_at"]] == [
        new.ts
    ]
