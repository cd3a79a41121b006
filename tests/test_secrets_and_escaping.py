"""From a query result to every medium: secrets masked, hostile values escaped.

One run on a real warehouse, notifying a webhook, Slack, Teams and PagerDuty (HTTP servers
on 127.0.0.1) and email (aiosmtpd). A channel secret that leaks into a query result or an
error is masked in the JSON output, the logs (dbt's debug logs print the compiled SQL),
the history table and every notification; `<script>` and `<!channel>` from a result are
escaped for Slack, Teams and HTML email, and sent as data in JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller

from sqlsentinel_dbt.dbt import dbt_build
from sqlsentinel_dbt.redact import redact, register_secrets
from sqlsentinel_dbt.runtime import Sentinel
from sqlsentinel_dbt.store.outbox import Outbox
from tests.conftest import Project, cli, drop_pg_schemas, make_project
from tests.receivers import Receiver, http_receiver
from tests.test_senders import Mailbox, free_port

SIGNING_KEY = "sk-live-5f4e3d2c1b0a9988"
SLACK_PATH = "XyZ0123456789abcdefSECRET"
PAGERDUTY_KEY = "pd-routing-0a1b2c3d4e5f"
BEARER = "brr-7a6b5c4d3e2f1a0b"
HOSTILE = "<script>alert(1)</script> <!channel> *bold*"
SECRETS = (SIGNING_KEY, SLACK_PATH, PAGERDUTY_KEY, BEARER)

# The alerts below leak channel secrets on purpose, to prove masking holds behind the
# policy that refuses them by default.
SENTINEL_YML = """
allow_secret_env_vars: [T_SIGNING_KEY, T_PAGERDUTY_KEY, T_HOOK_BEARER]
channels:
  - name: hook
    type: webhook
    url: "{{{{ env_var('T_HOOK_URL') }}}}/hook"
    signing_secret: "{{{{ env_var('T_SIGNING_KEY') }}}}"
    headers:
      Authorization: "Bearer {{{{ env_var('T_HOOK_BEARER') }}}}"
  - name: slack
    type: slack
    webhook_url: "{{{{ env_var('T_HOOK_URL') }}}}/services/T0/B0/{{{{ env_var('T_SLACK_PATH') }}}}"
  - name: teams
    type: teams
    webhook_url: "{{{{ env_var('T_HOOK_URL') }}}}/teams"
  - name: pagerduty
    type: pagerduty
    url: "{hook_url}/pagerduty"
    routing_key: "{{{{ env_var('T_PAGERDUTY_KEY') }}}}"
  - name: mail
    type: email
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    from: sentinel@example.test
    to: [oncall@example.test]
"""
ALERTS = """
alerts:
  - name: hostile_values
    tags: [secrets]
    notify: [hook, slack, teams, pagerduty, mail]
    query: |
      select 'ALERT' as status, '{hostile}' as note,
             '{{{{ env_var('T_SIGNING_KEY') }}}}' as leaked,
             '{{{{ env_var('T_HOOK_BEARER') }}}}' as bearer
  - name: secret_in_an_error
    tags: [secrets]
    query: "select '{{{{ env_var('T_PAGERDUTY_KEY') }}}}' as status"
"""


@dataclass
class Endpoints:
    http: Receiver
    mail: Mailbox
    smtp_port: int


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoints]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    with http_receiver() as receiver:
        monkeypatch.setenv("T_HOOK_URL", receiver.url)
        monkeypatch.setenv("T_SIGNING_KEY", SIGNING_KEY)
        monkeypatch.setenv("T_SLACK_PATH", SLACK_PATH)
        monkeypatch.setenv("T_PAGERDUTY_KEY", PAGERDUTY_KEY)
        monkeypatch.setenv("T_HOOK_BEARER", BEARER)
        yield Endpoints(receiver, mailbox, port)
    controller.stop()


@pytest.fixture
def project(
    tmp_path_factory: pytest.TempPathFactory, warehouse: str, endpoints: Endpoints
) -> Iterator[Project]:
    built = make_project(tmp_path_factory.mktemp("secrets"), "shop", warehouse)
    sentinel_yml = SENTINEL_YML.format(hook_url=endpoints.http.url, smtp_port=endpoints.smtp_port)
    (built.root / "sentinel.yml").write_text(sentinel_yml)
    (built.root / "alerts" / "secrets.yml").write_text(ALERTS.format(hostile=HOSTILE))
    dbt_build(built.args)
    yield built
    if warehouse == "postgres":
        drop_pg_schemas(built.schema)


def no_secret_in(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} leaked into {where}"


def test_secrets_are_masked_and_values_escaped_in_every_medium(
    project: Project, endpoints: Endpoints
) -> None:
    result = cli(
        "--log-level", "debug", "dbt-run", *project.flags(), "-o", "json", "--select", "tag:secrets"
    )
    report = result.json()
    by_name = {r["alert"]: r for r in report["results"]}

    # Masked where the secret surfaced: a context value and an error message.
    context = by_name["hostile_values"]["context"]
    assert context == {"note": HOSTILE, "leaked": "***", "bearer": "***"}
    assert by_name["secret_in_an_error"]["error"].endswith("got '***'")
    no_secret_in(result.stdout, "the JSON output")
    assert "select" in result.stderr.lower()  # dbt's debug logs did print the compiled SQL
    no_secret_in(result.stderr, "the logs")
    history = cli("history", *project.flags(), "-o", "json", "--limit", "10")
    assert len(history.json()["history"]) == 2
    no_secret_in(history.stdout, "the history table")

    requests = {r.path.split("/")[1]: r for r in endpoints.http.requests}
    assert set(requests) == {"hook", "services", "teams", "pagerduty"}, requests
    pagerduty = requests.pop("pagerduty").json()
    assert pagerduty.pop("routing_key") == PAGERDUTY_KEY  # PagerDuty's API needs it there
    no_secret_in(json.dumps(pagerduty), "the PagerDuty event")
    assert requests["hook"].headers["Authorization"] == f"Bearer {BEARER}"  # sent, as set
    for request in requests.values():
        no_secret_in(request.body.decode(), f"the {request.path} body")
    with Sentinel.open(project.args) as sentinel:
        outbox = Outbox(sentinel.project.warehouse).read(50)
    assert outbox and all(row["payload"] for row in outbox)
    no_secret_in(json.dumps(outbox, default=str), "the outbox payloads")

    # JSON receivers get the value as data; chat media get it escaped.
    webhook = requests["hook"].json()
    assert webhook["notifications"][0]["firing"][0]["context"]["note"] == HOSTILE
    slack = json.dumps(requests["services"].json())
    assert "&lt;!channel&gt;" in slack and "<!channel>" not in slack
    assert "&lt;script&gt;" in slack and "<script>" not in slack
    teams = json.dumps(requests["teams"].json())
    assert "<script>" not in teams and "<!channel>" not in teams
    (raw,) = endpoints.mail.messages
    mail = message_from_bytes(raw, policy=policy.default)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;" in html and "<script>" not in html
    no_secret_in(html, "the email")

    # The webhook body is signed with the secret, and carries a timestamp against replay.
    hook = requests["hook"]
    timestamp = hook.headers["X-Sentinel-Timestamp"]
    expected = hmac.new(
        SIGNING_KEY.encode(), f"{timestamp}.".encode() + hook.body, hashlib.sha256
    ).hexdigest()
    assert hook.headers["X-Sentinel-Signature"] == f"sha256={expected}"


def test_dbt_env_secret_variables_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_ENV_SECRET_WAREHOUSE_PASSWORD", "pw-0a1b2c3d4e5f6789")
    assert redact("login failed for pw-0a1b2c3d4e5f6789") == "login failed for ***"
    register_secrets(["tok-registered-123456"])
    assert redact("token tok-registered-123456 refused") == "token *** refused"


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # both: the test above
def test_the_dashboard_api_and_the_report_mask_secrets(
    project: Project, endpoints: Endpoints, tmp_path: Path
) -> None:
    from sqlsentinel_dbt.daemon.app import Backend, create_app, serve_in_thread

    cli("dbt-run", *project.flags(), "--select", "tag:secrets")
    report = tmp_path / "report.html"
    assert cli("report", *project.flags(), "--out", str(report)).exit_code == 0
    no_secret_in(report.read_text(), "the report")

    sentinel = Sentinel.open(project.args)
    stop, port = serve_in_thread(create_app(Backend(sentinel=sentinel), None), "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{port}"
        for path in (
            "/api/alerts",
            "/api/alerts/secret_in_an_error/history",
            "/api/alerts/hostile_values/history",
            "/api/notifications",
        ):
            response = requests.get(base + path, timeout=30)
            assert response.status_code == 200, path
            no_secret_in(response.text, path)
        errors = requests.get(base + "/api/alerts/secret_in_an_error/history", timeout=30).json()
        assert errors[0]["error"].endswith("got '***'")
    finally:
        stop()
        sentinel.close()
