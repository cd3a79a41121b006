"""Channels and routes: declared once, referenced by name, secrets kept out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlsentinel_dbt.config.channels import SlackChannel, WebhookChannel
from sqlsentinel_dbt.config.project import load_config
from sqlsentinel_dbt.config.secrets import MissingEnvVar, render_env
from sqlsentinel_dbt.errors import ConfigError

ALERT = "alerts:\n  - {name: a, query: q, notify: [hook]}\n"


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def problems(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    return caught.value.problems


def test_the_two_simplest_forms_and_routes_across_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alerts/a.yml",
        ALERT + "channels:\n  - {name: hook, type: webhook, url: http://x}\n",
    )
    write(
        tmp_path,
        "sentinel.yml",
        "channels:\n  - {name: chat, type: slack, webhook_url: \"{{ env_var('HOOK') }}\"}\n"
        "routes:\n  - {match: {severity: error}, notify: [chat], continue: true}\n"
        "max_notification_age: 2h\n",
    )
    config = load_config(tmp_path)
    assert isinstance(config.channels["hook"], WebhookChannel)
    chat = config.channels["chat"]
    assert isinstance(chat, SlackChannel) and chat.webhook_url is not None
    assert chat.webhook_url.get_secret_value() == "{{ env_var('HOOK') }}"  # rendered at send time
    assert (config.routes[0].continue_, config.routes[0].notify) == (True, ["chat"])
    assert config.settings.max_notification_age == 7200


def test_secrets_never_show_in_repr_or_json(tmp_path: Path) -> None:
    channel = WebhookChannel(name="h", type="webhook", url="https://hooks/T0/SECRET")  # type: ignore[arg-type]
    assert "SECRET" not in repr(channel)
    assert "SECRET" not in channel.model_dump_json()


def test_unknown_channel_in_notify_and_routes_is_named(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alerts/a.yml",
        "alerts:\n  - {name: a, query: q, notify: [hok]}\n"
        "channels:\n  - {name: hook, type: webhook, url: http://x}\n"
        "routes:\n  - {notify: [nope]}\n",
    )
    found = problems(tmp_path)
    assert any(
        "alerts/a.yml: alert 'a': notify names unknown channel 'hok'; did you mean 'hook'?" in p
        for p in found
    )
    assert any("route #1: notify names unknown channel 'nope'" in p for p in found)


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("{name: c, type: carrier_pigeon}", "field 'type' must be one of webhook, slack, email"),
        ("{name: c, type: webhook}", "field 'url' is required"),
        (
            "{name: c, type: webhook, url: u, hedaers: {}}",
            "unknown field 'hedaers'; did you mean 'headers'?",
        ),
        ("{name: c, type: slack, webhook_url: u, token: t, channel: x}", "set exactly one of"),
        ("{name: c, type: slack, token: t}", "a `token` needs a `channel`"),
        ("{name: c, type: email, host: h, from: a@b}", "field 'to' is required"),
    ],
)
def test_bad_channels_are_named_with_the_field(tmp_path: Path, channel: str, expected: str) -> None:
    write(tmp_path, "alerts/a.yml", f"channels:\n  - {channel}\n")
    found = problems(tmp_path)
    assert any(p.startswith("alerts/a.yml: channel 'c': ") and expected in p for p in found), found


def test_duplicate_channel_names_across_files(tmp_path: Path) -> None:
    write(tmp_path, "alerts/a.yml", "channels:\n  - {name: hook, type: webhook, url: u}\n")
    write(tmp_path, "sentinel.yml", "channels:\n  - {name: hook, type: webhook, url: v}\n")
    assert problems(tmp_path) == [
        "sentinel.yml: channel 'hook' is already declared in alerts/a.yml; "
        "channel names must be unique"
    ]


def test_unknown_setting_in_sentinel_yml(tmp_path: Path) -> None:
    write(tmp_path, "sentinel.yml", "max_notification_ages: 1h\n")
    assert problems(tmp_path)[0].startswith(
        "sentinel.yml: unknown top-level key 'max_notification_ages'; "
        "did you mean 'max_notification_age'?"
    )


def test_env_var_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_TEST_TOKEN", "t0k3n")
    assert render_env("Bearer {{ env_var('SENTINEL_TEST_TOKEN') }}") == "Bearer t0k3n"
    assert render_env("{{ env_var('SENTINEL_UNSET_VAR', 'fallback') }}") == "fallback"
    with pytest.raises(MissingEnvVar, match="SENTINEL_UNSET_VAR is not set"):
        render_env("{{ env_var('SENTINEL_UNSET_VAR') }}")


def test_routes_first_match_wins_unless_continue() -> None:
    from sqlsentinel_dbt.config.channels import Route
    from sqlsentinel_dbt.config.models import Alert
    from sqlsentinel_dbt.notify.routing import channels_for

    routes = [
        Route.model_validate(
            {"match": {"severity": "error"}, "notify": ["pager"], "continue": True}
        ),
        Route.model_validate({"match": {"tags": ["finance"]}, "notify": ["finance_mail"]}),
        Route.model_validate({"match": {"owner": "ops", "alert": "disk_*"}, "notify": ["ops"]}),
        Route.model_validate({"notify": ["catch_all"]}),
    ]

    def routed(**fields: object) -> list[str]:
        return channels_for(Alert(name=str(fields.pop("name", "a")), query="q", **fields), routes)  # type: ignore[arg-type]

    assert routed(tags=["finance"]) == ["pager", "finance_mail"]  # error, continue; then finance
    assert routed(severity="warn", tags=["finance"]) == ["finance_mail"]
    assert routed(severity="warn", name="disk_full", owner="ops") == ["ops"]
    assert routed(severity="warn", name="disk_full", owner="data") == ["catch_all"]
    assert routed(severity="warn", notify=["own", "catch_all"]) == [
        "own",
        "catch_all",
    ]  # no repeats
