"""A channel that is down costs one retry budget per pass, not one per message; a message
refused for good (a 4xx) does not stop the others. Against a webhook on 127.0.0.1.

No test waits for a `Retry-After` to pass: the next pass is given a clock past it.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqlsentinel_dbt.dbt import DbtArgs
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project, ShopVariant, cli, run_args
from tests.notify_kit import SECRET, delivered, notify, receiver
from tests.receivers import Receiver

__all__ = ["receiver"]  # a fixture, imported to be found by name
SENTINEL_YML = """
channels:
  - name: hook
    type: webhook
    url: "{{ env_var('SENTINEL_TEST_HOOK_URL') }}"
    signing_secret: "{{ env_var('SENTINEL_TEST_HOOK_SECRET') }}"
    max_per_message: 1  # one message per region
routes:
  - match: {tags: [per_region]}
    notify: [hook]
claim_lease: 1h
retry_budget: 1m  # a channel that is down says `Retry-After: 3600`: no retry in the run
"""
ALERTS_YML = """
alerts:
  - name: every_region
    description: fires on every region at once, one notification per region
    tags: [per_region]
    group_by: [alert, key]
    query: |
      select region as key, 'ALERT' as status, count(*) as actual_value
      from {{ ref('stg_orders') }} group by region
"""
REGIONS = 3  # eu, us, apac
DOWN = (503, {"Retry-After": "3600"}, b"down")


@pytest.fixture
def project(shop_variant: ShopVariant) -> Project:
    """The shop with one alert firing per region, to a webhook taking one per message."""
    return shop_variant(
        "channel_down", {"sentinel.yml": SENTINEL_YML, "alerts/per_region.yml": ALERTS_YML}
    )


def fire(project: Project, schema: str) -> dict[str, Any]:
    """A run in which every_region fires: one notification per region."""
    result = cli(*run_args(project, schema, "every_region"))
    assert result.exit_code == 1, result.stderr  # firing
    assert SECRET not in result.stdout + result.stderr
    report = result.json()
    assert len(report["notifications"]) == REGIONS
    return report["delivery"]  # type: ignore[no-any-return]


def notify_an_hour_later(project: Project, schema: str) -> dict[str, Any]:
    """`sentinel notify` with a clock past the `Retry-After: 3600` of every failure until now."""
    args = DbtArgs(str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {schema}}}")
    with Sentinel.open(args) as sentinel:
        sentinel.notifier.clock = lambda: datetime.now(UTC) + timedelta(hours=1, seconds=1)
        return asdict(sentinel.notify())


def outbox_rows(project: Project, schema: str) -> list[dict[str, Any]]:
    args = DbtArgs(str(project.root), str(project.root), vars=f"{{sqlsentinel_schema: {schema}}}")
    with Sentinel.open(args) as sentinel:
        return sentinel.stores.outbox.read()


def test_a_channel_down_is_tried_once_per_pass_and_loses_nothing(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    receiver.default = DOWN
    assert fire(project, sentinel_schema) == {
        "decided": 0,
        "sent": 0,
        "failed": REGIONS,
        "dead": 0,
        "errors": [
            "hook: HTTP 503: down",
            f"hook: {REGIONS - 1} more not tried, the channel is down: HTTP 503: down",
        ],
    }
    assert len(receiver.requests) == 1
    rows = outbox_rows(project, sentinel_schema)
    assert sorted(r["last_error"] for r in rows) == [
        "HTTP 503: down",
        *["not tried, the channel is down: HTTP 503: down"] * (REGIONS - 1),
    ]
    assert {r["status"] for r in rows} == {"failed"}
    assert len({r["next_attempt_at"] for r in rows}) == 1  # the failed one's Retry-After

    assert notify(project, sentinel_schema) == delivered(0)  # not due before its Retry-After
    assert len(receiver.requests) == 1
    receiver.default = (200, {}, b"ok")
    receiver.requests.clear()
    assert notify_an_hour_later(project, sentinel_schema) == delivered(REGIONS)
    ids = [n["notification_id"] for n in receiver.notifications()]
    assert len(ids) == len(set(ids)) == REGIONS
    assert {r["notification_id"] for r in rows} == set(ids)
    assert notify_an_hour_later(project, sentinel_schema) == delivered(0)


def test_a_message_refused_for_good_does_not_stop_the_channel(
    project: Project, sentinel_schema: str, receiver: Receiver
) -> None:
    receiver.script = [(404, {}, b"no such hook")]  # final: the first message only
    assert fire(project, sentinel_schema) == {
        "decided": 0,
        "sent": REGIONS - 1,
        "failed": 1,
        "dead": 0,
        "errors": ["hook: HTTP 404: no such hook"],
    }
    ids = [n["notification_id"] for n in receiver.notifications()]
    assert len(ids) == len(set(ids)) == REGIONS  # each message tried
