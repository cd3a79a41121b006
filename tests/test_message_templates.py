"""An alert's `message` template: whatever fails in it costs that notification its custom
text and nothing else, every medium caps what it sends, and `sentinel validate` finds
failing templates first.

Deliveries go to real local receivers (HTTP on 127.0.0.1, aiosmtpd); the end-to-end runs
use a real DuckDB and PostgreSQL.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from sqlsentinel_dbt.dbt import dbt_build
from sqlsentinel_dbt.engine.notification import Instance, Notification
from sqlsentinel_dbt.notify.render import common, limits
from sqlsentinel_dbt.notify.senders.build import build_sender
from tests.conftest import Project, cli, drop_pg_schemas, make_project
from tests.media_kit import ALL, TEMPLATED, Media, media
from tests.test_senders import notification as sender_notification
from tests.warehouse_sql import query

DEFAULT = "Orders are late in some regions."
NOTE = "this alert's message template failed"


def notification(**changes: Any) -> Notification:
    """test_senders' notification, with a fresh id and a plain description and context."""
    return replace(
        sender_notification(
            notification_id=uuid.uuid4().hex,
            description=DEFAULT,
            firing=[Instance("eu", "error", 12, 10, {"note": "late"})],
            sql_excerpt="",
        ),
        **changes,
    )


@pytest.fixture(scope="module")
def endpoints() -> Iterator[Media]:
    with media() as running:
        yield running


@pytest.fixture
def receivers(endpoints: Media) -> Media:
    endpoints.clear()
    return endpoints


def send(receivers: Media, medium: str, notifications: list[Notification]) -> None:
    sender, _ = build_sender(receivers.channel(medium))
    result = sender.send(notifications)
    assert result.ok, result.reason


# Each a different way for a template to fail; the reason the note gives must name it.
FAILURES = {
    "division by zero": ("{{ 1 / 0 }}", "ZeroDivisionError"),
    "a format that does not fit": ("{{ '%d' % 'a' }}", "TypeError"),
    "an attribute of something undefined": ("{{ nothing.there }}", "UndefinedError"),
    "an undefined value used": ("{{ firing[5].key }}", "UndefinedError"),
    "unsafe attribute": ("{{ ''.__class__.__mro__ }}", "SecurityError"),
    "mutating a list": ("{{ firing.append(1) }}", "SecurityError"),
    "endless recursion": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "RecursionError"),
    "a syntax error": ("{{ alert ", "syntax error on line 1"),
    "an unknown filter": ("{{ alert | no_such_filter }}", "no_such_filter"),
    "a memory bomb": ("{{ 'x' * 10 ** 12 }}", "the template builds a value"),
    "string doubling": (
        "{% set ns = namespace(s='xy') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "the template builds a value",
    ),
    "a huge width": ("{{ '%999999999d' % 5 }}", "width or precision"),
    "an endless loop": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "the template",  # stopped after its work budget (or, on a very slow machine, time)
    ),
    "a huge integer": ("{{ 10 ** 100000000 }}", "too large a number"),
    "a template too long to compile": ("{{ alert }}" + "x" * 300_000, "characters long"),
}


@pytest.mark.parametrize("medium", TEMPLATED)
@pytest.mark.parametrize("failure", list(FAILURES))
def test_every_kind_of_template_failure_falls_back_to_the_default_message(
    receivers: Media, medium: str, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    template, reason = FAILURES[failure]
    good = notification(alert="fine", message_template="*{{ alert }}* custom text")
    bad = notification(message_template=template)
    with caplog.at_level(logging.WARNING):
        send(receivers, medium, [good, bad])  # one message carrying both
    [received] = receivers.received(medium)
    text = received.text
    assert "custom text" in text  # the good template, in the same message, is untouched
    assert DEFAULT in text.replace("\\", "")  # the failing one gets the default message...
    assert NOTE in text.replace("\\", "") and reason in text.replace("\\", "")  # ...saying why
    warned = [r.getMessage() for r in caplog.records if "message template failed" in r.message]
    assert warned and "orders_late" in warned[0] and reason in warned[0]


def test_a_template_that_renders_nothing_gets_the_default_without_a_note(
    receivers: Media,
) -> None:
    send(receivers, "slack", [notification(message_template="{% if false %}x{% endif %}  ")])
    [received] = receivers.received("slack")
    assert DEFAULT in received.text and NOTE not in received.text


HUGE = 20_000_000  # characters: the 20 MB message of issue 12


@pytest.mark.parametrize(
    ("huge", "shown_by"),
    [  # webhooks, PagerDuty and Opsgenie carry data, not the `message` template
        pytest.param(
            {"message_template": f"{{{{ 'x' * {HUGE} }}}}"}, TEMPLATED, id="template-output"
        ),
        pytest.param(
            {"message_template": ("x" * 99 + "\n") * (HUGE // 100)}, TEMPLATED, id="template-text"
        ),
        pytest.param(  # still writing when its work budget ends: shown as far as it fits
            {"message_template": "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"},
            TEMPLATED,
            id="template-loop",
        ),
        pytest.param(
            {"firing": [Instance("eu", "error", 1, 0, {"blob": "y" * HUGE})]},
            ALL,
            id="result-value",
        ),
        pytest.param({"description": "d" * HUGE, "error": "e" * HUGE}, ALL, id="description"),
    ],
)
def test_a_huge_message_is_capped_for_every_medium_with_a_visible_mark(
    receivers: Media, huge: dict[str, Any], shown_by: tuple[str, ...]
) -> None:
    for medium in ALL:
        send(receivers, medium, [notification(**huge), notification(alert="small_one")])
    bounds = {
        "slack": lambda r: all(len(t) <= limits.SLACK_SECTION for t in r.texts),
        "teams": lambda r: r.size <= limits.TEAMS_BYTES,
        "email": lambda r: all(len(t) <= limits.EMAIL_PART + 5000 for t in r.texts),
        "webhook": lambda r: r.size <= limits.WEBHOOK_BYTES,
        "pagerduty": lambda r: r.size <= limits.PAGERDUTY_BYTES,
        "opsgenie": lambda r: all(len(t) <= limits.OPSGENIE_DESCRIPTION for t in r.texts),
    }
    for medium in ALL:
        received = receivers.received(medium)
        assert received, medium
        assert all(bounds[medium](r) for r in received), (medium, [r.size for r in received])
        text = "\n".join(r.text for r in received).replace("\\", "")
        if medium in shown_by:
            assert "(truncated, " in text and "characters cut)" in text, medium
        assert "small_one" in text, medium  # the other notification is still there


def test_the_mark_counts_what_was_cut() -> None:
    assert limits.cut("a" * 100, 100) == "a" * 100
    shortened = limits.cut("a" * 1000, 100)
    kept = shortened.split("…")[0]
    assert len(shortened) <= 100 and shortened == kept + limits.mark(1000 - len(kept))
    html = limits.cut_html("<p>" + "a&amp;" * 100 + "</p>", 60)
    assert len(html) <= 60 and html.count("&") == html.count("&amp;")  # no entity cut apart
    assert limits.cut_html("<p>" + "a" * 100 + "</p>", 45).startswith("<p>a")
    assert "<" not in limits.cut_html("<b>x</b>" * 20, 45).split("…")[0][-3:]


def test_output_a_medium_cannot_carry_is_cleaned_not_refused(receivers: Media) -> None:
    # A lone surrogate cannot be encoded as UTF-8 (the email and webhook bodies would
    # fail); NUL and other control characters break some receivers.
    hostile = notification(
        message_template="A{{ '\\ud800' }}B\x00C\x07D",
        firing=[Instance("e\ud83du", "error", 1, 0, {"v": "\x00\udfff"})],
    )
    for medium in ALL:
        send(receivers, medium, [hostile])
    for medium in TEMPLATED:
        [received] = receivers.received(medium)
        assert "A\ufffdBCD" in received.text, medium
    for medium in ALL:
        text = "".join(r.text for r in receivers.received(medium))
        assert "\x00" not in text and "\ud800" not in text, medium


def test_markup_that_would_break_an_html_email_is_balanced(receivers: Media) -> None:
    template = (
        "<table><tr><td><b>{{ alert }}</b> is late</div></body></html>"
        "<style>* { display: none }</style><script>x()</script><a href='javascript:x()'>y</a>"
        "<!-- the rest"
    )
    send(receivers, "email", [notification(message_template=template), notification(alert="next")])
    [received] = receivers.received("email")
    html = received.texts[1]
    assert "<table><tr><td><b>orders_late</b> is late" in html
    assert "</td></tr></table>" in html  # closed, so what follows is laid out as usual
    assert "<style>" not in html and "<script>" not in html and "javascript:" not in html
    assert "next" in html and "Sent by sqlsentinel." in html  # nothing after it swallowed
    assert html.count("</body>") == 1


# --- end to end: a real run on DuckDB and PostgreSQL ---------------------------------------

BAD = {
    "bad_division": "{{ 1 / 0 }}",
    "bad_format": "{{ '%d' % 'a' }}",
    "bad_undefined": "{{ nothing.there }}",
    "bad_syntax": "{% for x in %}",
    "bad_huge": "{{ 'z' * 2000000 }}",  # not a failure: capped, with the mark
}
ALERTS = "alerts:\n" + "".join(
    f"""  - name: {name}
    tags: [templates]
    description: default text of {name}
    notify: [hook, slack, teams, mail]
    message: "{template}"
    query: "select 'ALERT' as status, 7 as actual_value"
"""
    for name, template in {"good_one": "*{{ alert }}* says hello to {{ owner }}", **BAD}.items()
)
SENTINEL_YML = """
channels:
  - name: hook
    type: webhook
    url: "{{{{ env_var('T_MEDIA_URL') }}}}/hook"
  - name: slack
    type: slack
    webhook_url: "{{{{ env_var('T_MEDIA_URL') }}}}/slack"
  - name: teams
    type: teams
    webhook_url: "{{{{ env_var('T_MEDIA_URL') }}}}/teams"
  - name: mail
    type: email
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    from: sentinel@example.test
    to: [oncall@example.test]
"""


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory, warehouse: str, endpoints: Media
) -> Iterator[Project]:
    built = make_project(tmp_path_factory.mktemp("templates"), "shop", warehouse)
    (built.root / "sentinel.yml").write_text(SENTINEL_YML.format(smtp_port=endpoints.smtp_port))
    (built.root / "alerts" / "templates.yml").write_text(ALERTS)
    dbt_build(built.args)
    yield built
    if warehouse == "postgres":
        drop_pg_schemas(built.schema)


@pytest.fixture
def schema(project: Project, receivers: Media, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("T_MEDIA_URL", receivers.http.url)
    return f"{project.schema}_t{uuid.uuid4().hex[:6]}"


def test_failing_templates_fall_back_and_every_notification_of_the_run_is_delivered(
    project: Project, schema: str, receivers: Media, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The warning is once per notification id and process, and both warehouses' runs make
    # the same ids: whichever runs second in a worker must still see its own warnings.
    monkeypatch.setattr(common, "_warned", OrderedDict())
    flags = ["--select", "tag:templates", "--vars", f"{{sqlsentinel_schema: {schema}}}"]
    result = cli("dbt-run", *project.flags(), "-o", "json", *flags)
    assert result.exit_code == 1, result.stderr  # as any run where an error-severity alert fires
    report = result.json()
    assert {r["status"] for r in report["results"]} == {"ALERT"}
    assert report["delivery"]["sent"] == 4 * (1 + len(BAD)), report["delivery"]
    assert report["delivery"]["failed"] == 0
    for name in ("bad_division", "bad_format", "bad_undefined", "bad_syntax"):
        assert f"alert {name}: its message template failed" in " ".join(result.stderr.split())

    for medium in ("slack", "teams", "email"):
        text = "\n".join(r.text for r in receivers.received(medium)).replace("\\", "")
        assert "good_one* says hello to" in text, medium
        for name in ("bad_division", "bad_format", "bad_undefined", "bad_syntax"):
            assert f"default text of {name}" in text, (medium, name)
        parts = 2 if medium == "email" else 1  # an email says it in its text and HTML parts
        assert text.count(NOTE) == 4 * parts, medium  # the four failures, and only them
        assert "ZeroDivisionError" in text and "syntax error on line 1" in text
        assert "(truncated, " in text, medium  # bad_huge: capped, not failed
    statuses = query(project, f"select status from {schema}.sentinel_notifications")
    assert sorted({row["status"] for row in statuses}) == ["sent"]


def test_validate_names_the_file_alert_and_field_of_each_failing_template(
    project: Project,
) -> None:
    result = cli("validate", *project.flags())
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = " ".join(result.stderr.split())
    where = "alerts/templates.yml: alert '{}': field 'message': "
    fails = "fails for a firing notification: "
    assert where.format("bad_division") + fails + "ZeroDivisionError" in lines
    assert where.format("bad_format") + fails + "TypeError" in lines
    assert where.format("bad_undefined") + "unknown variable 'nothing'" in lines
    assert where.format("bad_syntax") + "syntax error on line 1" in lines
    assert "'good_one'" not in lines and "'bad_huge'" not in lines  # they render
