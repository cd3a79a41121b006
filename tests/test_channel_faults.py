"""Every HTTP channel facing a failing endpoint: 500, 429 with Retry-After, a hang past its
timeout, nobody listening. Each is a retryable failure (the notification stays queued),
with the server's Retry-After kept, and never an exception or a stuck sender."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from sqlsentinel_dbt.config.channels import OpsgenieChannel
from sqlsentinel_dbt.notify.retry import SendResult
from sqlsentinel_dbt.notify.senders.opsgenie import OpsgenieSender
from sqlsentinel_dbt.notify.senders.pagerduty import PagerDutySender
from sqlsentinel_dbt.notify.senders.slack import SlackBotSender, SlackWebhookSender
from sqlsentinel_dbt.notify.senders.teams import TeamsSender
from sqlsentinel_dbt.notify.senders.webhook import WebhookSender
from sqlsentinel_dbt.redact import Redactor
from tests.receivers import Receiver, http_receiver
from tests.test_senders import notification

Send = Callable[[str, float], SendResult]
SENDERS: dict[str, Send] = {
    "webhook": lambda url, t: WebhookSender(url, {}, "s3cret-key", t, Redactor()).send(
        [notification()]
    ),
    "slack_webhook": lambda url, t: SlackWebhookSender(url, t, Redactor()).send([notification()]),
    "slack_bot": lambda url, t: SlackBotSender("xoxb-test", "#data", url + "/", t, Redactor()).send(
        [notification()]
    ),
    "teams": lambda url, t: TeamsSender(url, t, Redactor()).send([notification()]),
    "pagerduty": lambda url, t: PagerDutySender(url, "routing-key-0123", t, Redactor()).send(
        [notification()]
    ),
    "opsgenie": lambda url, t: OpsgenieSender(
        OpsgenieChannel(name="og", type="opsgenie", api_key="k", url=url, timeout=t),
        "genie-key-0123",
        Redactor(),
    ).send([notification()]),
}


def reply(status: int, **headers: str) -> tuple[int, dict[str, str], bytes]:
    body = {"ok": False, "error": "ratelimited"} if status == 429 else {"error": "boom"}
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


@pytest.mark.parametrize("channel", list(SENDERS))
def test_500_and_429_are_retryable_and_retry_after_is_kept(channel: str) -> None:
    with http_receiver(Receiver(script=[reply(500), reply(429, **{"Retry-After": "7"})])) as server:
        failed = SENDERS[channel](server.url, 5)
        limited = SENDERS[channel](server.url, 5)
    assert (failed.ok, failed.retryable) == (False, True), failed
    assert (limited.ok, limited.retryable, limited.retry_after) == (False, True, 7.0), limited
    assert len(server.requests) == 2


@pytest.mark.parametrize("channel", list(SENDERS))
def test_a_hang_past_the_timeout_is_a_retryable_failure(channel: str) -> None:
    with http_receiver(Receiver(held=True)) as server:
        hung = SENDERS[channel](server.url, 1)
        server.wait_for_requests(1)  # it reached the server, which never answered in time
        assert len(server.requests) == 1
    assert (hung.ok, hung.retryable) == (False, True), hung
    assert "timed out" in hung.reason.lower() or "timeout" in hung.reason.lower(), hung.reason


@pytest.mark.parametrize("channel", list(SENDERS))
def test_nobody_listening_is_a_retryable_failure(channel: str) -> None:
    with http_receiver(Receiver()) as server:
        url = server.url
    gone = SENDERS[channel](url, 1)  # the server has shut down: connection refused
    assert (gone.ok, gone.retryable) == (False, True), gone
