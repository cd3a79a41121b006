"""Shared by the notification tests: a project with a webhook channel, and run helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Project, ShopVariant, cli, run_args
from tests.receivers import Receiver, http_receiver

SECRET = "whsec-0123456789abcdef"
SENTINEL_YML = """
channels:
  - name: hook
    type: webhook
    url: "{{ env_var('SENTINEL_TEST_HOOK_URL') }}"
    signing_secret: "{{ env_var('SENTINEL_TEST_HOOK_SECRET') }}"
    timeout: 10m  # a test that holds the answer back kills the run first, however slow
  - name: backup  # routed nowhere: it only hears about dead-lettered notifications
    type: webhook
    url: "{{ env_var('SENTINEL_TEST_HOOK_URL') }}/backup"
routes:
  - match: {tags: [lifecycle]}
    notify: [hook]
# Long: no slow machine outlives them. The crash tests pass the lease with a clock
# (`Sentinel.open(clock=...)`), and a channel that keeps failing says `Retry-After: 3600`,
# which ends the retries at once.
claim_lease: 1h
retry_budget: 1m
"""


@pytest.fixture
def project(shop_variant: ShopVariant) -> Project:
    """The shop with a webhook channel, built once per session and warehouse."""
    return shop_variant("notify", {"sentinel.yml": SENTINEL_YML})


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with http_receiver() as running:
        monkeypatch.setenv("SENTINEL_TEST_HOOK_URL", running.url + "/hook")
        monkeypatch.setenv("SENTINEL_TEST_HOOK_SECRET", SECRET)
        yield running


def run(project: Project, schema: str, *flags: str, **variables: Any) -> Any:
    result = cli(*run_args(project, schema, "busy_regions", **variables), *flags)
    assert result.exit_code in (0, 1), result.stderr
    assert SECRET not in result.stdout + result.stderr
    return result.json()


def fire(project: Project, schema: str, *flags: str) -> Any:
    """busy_regions fires on its second ALERT run in a row (for_evaluations: 2)."""
    pending = run(project, schema, orders_limit=2)  # eu has 3 orders
    assert pending["notifications"] == []  # pending: silent
    assert pending["delivery"] == {"decided": 0, "sent": 0, "failed": 0, "dead": 0, "errors": []}
    return run(project, schema, *flags, orders_limit=2)


def notify(project: Project, schema: str) -> Any:
    result = cli(
        "notify", *project.flags(), "-o", "json", "--vars", f"{{sqlsentinel_schema: {schema}}}"
    )
    assert SECRET not in result.stdout + result.stderr
    return result.json()


def delivered(sent: int) -> dict[str, Any]:
    """The JSON delivery report of a pass that sent `sent` notifications and nothing else."""
    return {"decided": 0, "sent": sent, "failed": 0, "dead": 0, "errors": []}
