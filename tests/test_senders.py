"""Every sender against a real local server: Slack (webhook and Web API through slack_sdk),
Teams, PagerDuty, SMTP (aiosmtpd with STARTTLS, SSL and login). Values from results are
escaped for each medium, and no secret ever appears in an error."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sqlsentinel_dbt.config.channels import (
    EmailChannel,
    PagerDutyChannel,
    SlackChannel,
    TeamsChannel,
)
from sqlsentinel_dbt.config.files import SentinelFile
from sqlsentinel_dbt.engine.notification import Instance, Kind, Notification
from sqlsentinel_dbt.notify.senders.build import build_sender
from tests.receivers import Receiver, http_receiver

HOSTILE = "<!channel> <script>alert(1)</script> *bold* & [x](http://evil)"


def notification(**changes: Any) -> Notification:
    base = Notification(
        notification_id="n1",
        channel="c",
        group_key="orders_late",
        alert="orders_late",
        kind=Kind.FIRING,
        severity="error",
        created_at="2026-03-01 12:00:00.000000",
        run_id="r1",
        description="Orders are late.",
        owner="data-team",
        firing=[Instance("eu", "error", 12, 10, {"note": HOSTILE})],
        new_keys=["eu"],
        sql_excerpt="select 1",
        project="shop",
        target="prod",
    )
    return replace(base, **changes)


def slack_api_reply(
    body: dict[str, Any], status: int = 200, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


def test_slack_webhook_posts_blocks_with_escaped_values() -> None:
    with http_receiver() as receiver:
        channel = SlackChannel(
            name="c", type="slack", webhook_url=receiver.url + "/services/T0/B0/SECRETXYZ"
        )  # type: ignore[arg-type]
        sender, _ = build_sender(channel)
        result = sender.send([notification()])
    assert result.ok, result.reason
    [request] = receiver.requests
    assert request.path == "/services/T0/B0/SECRETXYZ"
    body = request.json()
    text = json.dumps(body["blocks"])
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "&lt;script&gt;" in text
    assert "orders_late" in body["text"] and "data-team" in text and "select 1" in text


def test_slack_bot_token_goes_through_the_web_api() -> None:
    replies = [slack_api_reply({"ok": True, "ts": "1.2"})]
    with http_receiver(Receiver(script=replies)) as receiver:
        channel = SlackChannel(  # type: ignore[call-arg]
            name="c",
            type="slack",
            token="xoxb-SECRET-TOKEN",
            channel="#alerts",
            base_url=receiver.url + "/api/",
        )
        sender, _ = build_sender(channel)
        result = sender.send([notification()])
    assert result.ok, result.reason
    [request] = receiver.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == "Bearer xoxb-SECRET-TOKEN"
    assert request.json()["channel"] == "#alerts"


@pytest.mark.parametrize(
    ("reply", "retryable", "retry_after"),
    [
        (slack_api_reply({"ok": False, "error": "channel_not_found"}), False, None),
        (
            slack_api_reply({"ok": False, "error": "ratelimited"}, 429, **{"Retry-After": "7"}),
            True,
            7.0,
        ),
        (slack_api_reply({"ok": False, "error": "fatal_error"}, 500), True, None),
    ],
)
def test_slack_bot_failures_are_classified(
    reply: Any, retryable: bool, retry_after: float | None
) -> None:
    with http_receiver(Receiver(script=[reply])) as receiver:
        channel = SlackChannel(  # type: ignore[call-arg]
            name="c",
            type="slack",
            token="xoxb-SECRET-TOKEN",
            channel="C1",
            base_url=receiver.url + "/api/",
        )
        result = build_sender(channel)[0].send([notification()])
    assert (result.ok, result.retryable, result.retry_after) == (False, retryable, retry_after)
    assert "SECRET" not in result.reason


def test_teams_card_escapes_markdown() -> None:
    with http_receiver(Receiver(default=(202, {}, b""))) as receiver:
        channel = TeamsChannel(
            name="c", type="teams", webhook_url=receiver.url + "/workflows/SECRETSIG"
        )  # type: ignore[arg-type]
        result = build_sender(channel)[0].send([notification()])
    assert result.ok, result.reason
    card = receiver.requests[0].json()["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    text = json.dumps(card)
    assert r"\\*bold\\*" in text and r"\\[x\\]\\(http://evil\\)" in text


def test_pagerduty_triggers_then_really_resolves_the_same_dedup_key() -> None:
    with http_receiver(Receiver(default=(202, {}, b'{"status":"success"}'))) as receiver:
        channel = PagerDutyChannel(
            name="c", type="pagerduty", routing_key="R0UTINGKEY", url=receiver.url + "/v2/enqueue"
        )  # type: ignore[arg-type]
        sender = build_sender(channel)[0]
        assert sender.send([notification()]).ok
        assert sender.send([notification(kind=Kind.RESOLVED, firing=[], resolved_keys=["eu"])]).ok
    trigger, resolve = (r.json() for r in receiver.requests)
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert trigger["dedup_key"] == resolve["dedup_key"]
    assert trigger["routing_key"] == "R0UTINGKEY"
    assert trigger["payload"]["severity"] == "error"
    assert trigger["payload"]["summary"] == "[FIRING] orders_late"


@pytest.mark.parametrize("kind", ["slack", "teams", "pagerduty", "webhook"])
def test_no_secret_in_errors_even_when_the_server_echoes_it(kind: str) -> None:
    class Echo(Receiver):
        """A server that puts the request's path and headers into its error body."""

        def answer(self, request: Any) -> tuple[int, dict[str, str], bytes]:
            self.requests.append(request)
            return 500, {}, (request.path + json.dumps(request.headers)).encode()

    with http_receiver(Echo()) as receiver:
        secret_url = receiver.url + "/hook/TOPSECRET123"
        channel = {
            "slack": lambda: SlackChannel(name="c", type="slack", webhook_url=secret_url),
            "teams": lambda: TeamsChannel(name="c", type="teams", webhook_url=secret_url),
            "pagerduty": lambda: PagerDutyChannel(
                name="c", type="pagerduty", routing_key="TOPSECRET123", url=receiver.url
            ),
            "webhook": lambda: __import__(
                "sqlsentinel_dbt.config.channels", fromlist=["x"]
            ).WebhookChannel(name="c", type="webhook", url=secret_url),
        }[kind]()  # type: ignore[no-untyped-call]
        result = build_sender(channel)[0].send([notification()])
    assert not result.ok and result.retryable
    assert "TOPSECRET123" not in result.reason


# --- email, against aiosmtpd ------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    """Each message's envelope recipients (RCPT TO), which is who receives it."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"robot", b"s3cr3t-pw")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return server, str(ca_file)


@pytest.fixture(params=["starttls", "ssl"])
def smtp(
    request: pytest.FixtureRequest, tls: tuple[ssl.SSLContext, str]
) -> Iterator[tuple[Mailbox, EmailChannel]]:
    server_tls, ca_file = tls
    mailbox = Mailbox()
    port = free_port()
    options: dict[str, Any] = {"authenticator": authenticate, "auth_require_tls": True}
    if request.param == "starttls":
        options |= {"tls_context": server_tls, "require_starttls": True}
    else:
        # The whole session is TLS; aiosmtpd only counts STARTTLS towards auth_require_tls.
        options |= {"ssl_context": server_tls, "auth_require_tls": False}
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1", **options
    )
    controller.start()
    channel = EmailChannel.model_validate(
        {
            "name": "mail",
            "type": "email",
            "host": "127.0.0.1",
            "port": port,
            "security": request.param,
            "username": "robot",
            "password": "s3cr3t-pw",
            "from": "sentinel@example.test",
            "to": ["oncall@example.test"],
            "ca_file": ca_file,
        }
    )
    try:
        yield mailbox, channel
    finally:
        controller.stop()


def test_email_html_and_text_parts_with_escaping(smtp: tuple[Mailbox, EmailChannel]) -> None:
    mailbox, channel = smtp
    result = build_sender(channel)[0].send([notification()])
    assert result.ok, result.reason
    [raw] = mailbox.messages
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "[sqlsentinel] [FIRING] orders_late"
    assert message["To"] == "oncall@example.test"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<script>alert(1)</script>" in text  # plain text needs no escaping
    assert "eu: 12 (threshold 10)" in text


def test_email_wrong_password_is_final_and_not_leaked(smtp: tuple[Mailbox, EmailChannel]) -> None:
    _, channel = smtp
    wrong = channel.model_copy(update={"password": channel.password.__class__("wrong-pw-999")})
    result = build_sender(wrong)[0].send([notification()])
    assert (result.ok, result.retryable) == (False, False), result.reason
    assert "wrong-pw-999" not in result.reason


def test_email_server_down_is_retryable(tls: tuple[ssl.SSLContext, str]) -> None:
    channel = EmailChannel.model_validate(
        {
            "name": "m",
            "type": "email",
            "host": "127.0.0.1",
            "port": free_port(),
            "timeout": 2,
            "from": "a@example.test",
            "to": ["b@example.test"],
        }
    )
    result = build_sender(channel)[0].send([notification()])
    assert (result.ok, result.retryable) == (False, True)


def test_custom_message_template_is_escaped_per_medium() -> None:
    template = "*{{ alert }}* fired for {{ firing[0].key }}: {{ firing[0].context.note }}"
    with http_receiver() as receiver:
        channel = SlackChannel(name="c", type="slack", webhook_url=receiver.url + "/x")  # type: ignore[arg-type]
        assert build_sender(channel)[0].send([notification(message_template=template)]).ok
    text = json.dumps(receiver.requests[0].json()["blocks"])
    assert "*orders_late* fired for eu: &lt;!channel&gt;" in text


def test_a_full_slack_message_stays_within_slack_limits() -> None:
    from sqlsentinel_dbt.notify.render.slack import slack_message

    channel = SlackChannel(name="c", type="slack", webhook_url="https://x")  # type: ignore[arg-type]
    many = [
        notification(notification_id=str(i), description="d" * 5000)
        for i in range(channel.max_per_message)
    ]
    blocks = slack_message(many)["blocks"]
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert sum("orders_late" in b["text"]["text"] for b in blocks if b["type"] == "section") >= len(
        many
    )


# --- owners: mentions and recipients -------------------------------------------------------

OWNERS = SentinelFile.model_validate(
    {
        "owners": {
            "data-team": {
                "slack": ["U024BE7LH", "S0614TZR7"],
                "teams": [{"name": "Jane Doe", "id": "jane@example.test"}],
                "email": ["jane@example.test", "ONCALL@example.test"],
            },
            "ops": {"slack": ["W0OPS"], "email": ["ops@example.test"]},
        }
    }
).owners


def test_slack_mentions_the_owners_users_and_user_groups() -> None:
    with http_receiver() as receiver:
        channel = SlackChannel(name="c", type="slack", webhook_url=receiver.url + "/x")  # type: ignore[arg-type]
        sender, _ = build_sender(channel, OWNERS)
        unknown = notification(notification_id="n2", owner="nobody")
        assert sender.send([notification(), unknown, notification(owner="ops")]).ok
    body = receiver.requests[0].json()
    assert body["text"].startswith("<@U024BE7LH> <!subteam^S0614TZR7> <@W0OPS> [FIRING]")
    texts = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    headers = [t for t in texts if "*Owner:*" in t]
    assert "*Owner:* data-team <@U024BE7LH> <!subteam^S0614TZR7> · " in headers[0]
    assert "*Owner:* nobody · " in headers[1]  # not in owners: as before
    assert "*Owner:* ops <@W0OPS> · " in headers[2]


def test_slack_without_owners_is_unchanged() -> None:
    from sqlsentinel_dbt.notify.render.slack import slack_message

    assert slack_message([notification()], {}) == slack_message([notification()])
    assert "<@" not in json.dumps(slack_message([notification()]))


def test_slack_bot_mentions_too() -> None:
    replies = [slack_api_reply({"ok": True, "ts": "1.2"})]
    with http_receiver(Receiver(script=replies)) as receiver:
        settings = {"token": "xoxb-1", "channel": "C1", "base_url": receiver.url + "/api/"}
        channel = SlackChannel.model_validate({"name": "c", "type": "slack", **settings})
        assert build_sender(channel, OWNERS)[0].send([notification()]).ok
    assert "<!subteam^S0614TZR7>" in receiver.requests[0].body.decode()


def test_teams_mentions_the_owner_with_entities() -> None:
    with http_receiver() as receiver:
        channel = TeamsChannel(name="t", type="teams", webhook_url=receiver.url + "/w")  # type: ignore[arg-type]
        sender, _ = build_sender(channel, OWNERS)
        assert sender.send([notification(), notification(notification_id="n2")]).ok
    card = receiver.requests[0].json()["attachments"][0]["content"]
    texts = [b.get("text", "") for b in card["body"]]
    assert texts.count("Owner: <at>Jane Doe</at>") == 2
    assert card["msteams"]["entities"] == [  # once, though mentioned twice
        {
            "type": "mention",
            "text": "<at>Jane Doe</at>",
            "mentioned": {"id": "jane@example.test", "name": "Jane Doe"},
        }
    ]


def test_teams_without_a_mapped_owner_has_no_entities() -> None:
    from sqlsentinel_dbt.notify.render.teams import teams_message

    card = teams_message([notification(owner="ops")], OWNERS)["attachments"][0]["content"]
    assert "msteams" not in card and "<at>" not in json.dumps(card)
    assert teams_message([notification()]) == teams_message([notification()], {})


def test_teams_mentions_stay_within_the_size_limit() -> None:
    from sqlsentinel_dbt.config.owners import OwnerContacts, TeamsUser
    from sqlsentinel_dbt.notify.render.limits import TEAMS_BYTES, json_size
    from sqlsentinel_dbt.notify.render.teams import TEAMS_MENTIONS, teams_message

    owners = {
        f"o{i}": OwnerContacts(
            teams=[TeamsUser(name="N" * 100, id=f"u{i}.{j}@example.test") for j in range(20)]
        )
        for i in range(10)
    }
    big = "x" * 40_000
    notes = [notification(owner=f"o{i}", description=big) for i in range(10)]
    message = teams_message(notes, owners)
    assert json_size(message) <= TEAMS_BYTES
    card = message["attachments"][0]["content"]
    assert len(card["msteams"]["entities"]) == TEAMS_MENTIONS
    assert json.dumps(card).count("<at>") == 2 * TEAMS_MENTIONS  # texts and entities


def test_email_copies_the_owners(smtp: tuple[Mailbox, EmailChannel]) -> None:
    mailbox, channel = smtp
    sender, _ = build_sender(channel, OWNERS)
    notes = [notification(), notification(notification_id="n2", owner="ops")]
    assert sender.send(notes).ok
    assert sender.send([notification(owner="nobody")]).ok
    first, second = (message_from_bytes(m, policy=policy.default) for m in mailbox.messages)
    assert first["To"] == "oncall@example.test"
    # ONCALL@ is already a To recipient: not copied again.
    assert first["Cc"] == "jane@example.test, ops@example.test"
    assert sorted(mailbox.recipients[0]) == [
        "jane@example.test",
        "oncall@example.test",
        "ops@example.test",
    ]
    assert second["Cc"] is None and mailbox.recipients[1] == ["oncall@example.test"]
