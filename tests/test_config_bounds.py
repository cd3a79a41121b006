"""Config that validates must also run: every duration bounded and finite, every schedule
firing, in alert files, channels and `sentinel.yml` alike (docs/alerts.md)."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from sqlsentinel_dbt.config.channels import CHANNEL_TYPES
from sqlsentinel_dbt.config.duration import LONGEST, Within, format_duration, parse_duration
from sqlsentinel_dbt.config.files import SentinelFile
from sqlsentinel_dbt.config.models import Alert
from sqlsentinel_dbt.config.project import load_config
from sqlsentinel_dbt.config.schedule import check_fires
from sqlsentinel_dbt.errors import ConfigError

MODELS: list[type[BaseModel]] = [Alert, SentinelFile, *CHANNEL_TYPES.values()]
HUGE = [
    "99999999999999999999d",
    "1" * 400 + "s",
    ".inf",
    ".nan",
    "1.0e+308",
    "1" + "0" * 400,
    "-5m",
]


def bounds(model: type[BaseModel]) -> dict[str, Within]:
    """The duration settings of a model (by the name written in config), with their bound."""
    found = {}
    for name, field in model.model_fields.items():
        [within] = [m for m in field.metadata if isinstance(m, Within)] or [None]
        if within is not None:
            found[field.alias or name] = within
    return found


def durations(model: type[BaseModel]) -> list[str]:
    """Every setting of a model typed as a number of seconds (float)."""
    return [
        field.alias or name
        for name, field in model.model_fields.items()
        if float in typing.get_args(field.annotation) or field.annotation is float
    ]


def problems(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    return caught.value.problems


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_duration_setting_has_a_documented_finite_bound(model: type[BaseModel]) -> None:
    found = bounds(model)
    assert sorted(found) == sorted(durations(model))  # none without a bound
    for name, within in found.items():
        assert within.longest < LONGEST, name
        field = next(f for n, f in model.model_fields.items() if (f.alias or n) == name)
        assert f"at most {within.text}" in (field.description or "").lower(), name


def duration_cases() -> list[tuple[str, str, str, str]]:
    """(file, the item's text with {value}, its label in errors, field) for every setting."""
    cases = [
        ("alerts/a.yml", "alerts:\n  - {name: a, query: q, %s: {value}}\n", "alert 'a'", f)
        for f in bounds(Alert)
    ]
    cases += [("sentinel.yml", "%s: {value}\n", "sentinel.yml", f) for f in bounds(SentinelFile)]
    cases += [
        (
            "sentinel.yml",
            "channels:\n  - {name: c, type: teams, webhook_url: u, %s: {value}}\n",
            "channel 'c'",
            f,
        )
        for f in bounds(CHANNEL_TYPES["teams"])
    ]
    return [(file, text % field, label, field) for file, text, label, field in cases]


@pytest.mark.parametrize(("file", "text", "label", "field"), duration_cases())
def test_a_duration_out_of_bounds_is_an_error_naming_file_item_and_field(
    tmp_path: Path, file: str, text: str, label: str, field: str
) -> None:
    where = f"{file}: " if label == file else f"{file}: {label}: "
    for value in HUGE:
        write(tmp_path, file, text.replace("{value}", value))
        [problem] = problems(tmp_path)
        assert problem.startswith(f"{where}field {field!r}: "), problem
        assert any(w in problem for w in ("at most", "NaN", "negative", "not a duration")), problem


@pytest.mark.parametrize(("file", "text", "label", "field"), duration_cases())
def test_a_duration_at_its_bound_is_accepted_and_one_second_more_is_not(
    tmp_path: Path, file: str, text: str, label: str, field: str
) -> None:
    model = {"alert": Alert, "channel": CHANNEL_TYPES["teams"]}.get(label.split()[0], SentinelFile)
    within = bounds(model)[field]
    write(tmp_path, file, text.replace("{value}", within.text))
    load_config(tmp_path)
    write(tmp_path, file, text.replace("{value}", format_duration(within.longest + 1)))
    [problem] = problems(tmp_path)
    assert f"field {field!r}: must be at most {within.text}" in problem


def test_durations_outside_config_are_finite_too() -> None:
    """`sentinel silence --for` and the like parse with the same function."""
    for value in ("99999999999999999999d", float("inf"), float("nan"), 10**400):
        with pytest.raises(ValueError):
            parse_duration(value)
    assert parse_duration("3650d") == 3650 * 86400


NEVER = [
    "0 0 30 2 *",  # the example
    "0 0 31 4 *",
    "0 12 31 6,9,11 *",
    "0 0 30-31 2 *",
    "* * 30 2 * */5",  # six fields, seconds last
    "0 0 30 2 * 0",
    "0 0 1 1 * 0 2020",  # a year gone by
    "0 0 1 1 * 0 2099",  # a year far beyond the horizon
]


@pytest.mark.parametrize("cron", NEVER)
@pytest.mark.parametrize(
    ("file", "text", "label", "field"),
    [
        (
            "alerts/a.yml",
            "alerts:\n  - {name: a, query: q, schedule: '%s'}\n",
            "alert 'a'",
            "schedule",
        ),
        (
            "alerts/a.yml",
            "alerts:\n  - {name: a, query: q, schedule: '%s', timezone: Asia/Kolkata}\n",
            "alert 'a'",
            "schedule",
        ),
        ("sentinel.yml", "default_schedule: '%s'\n", None, "default_schedule"),
        (
            "sentinel.yml",
            "default_schedule: '%s'\ndefault_timezone: America/New_York\n",
            None,
            "default_schedule",
        ),
    ],
    ids=["alert", "alert-in-its-zone", "default", "default-in-its-zone"],
)
def test_a_schedule_that_never_fires_is_an_error_naming_file_item_and_field(
    tmp_path: Path, cron: str, file: str, text: str, label: str | None, field: str
) -> None:
    write(tmp_path, file, text % cron)
    [problem] = problems(tmp_path)
    where = f"{file}: {label}: " if label else f"{file}: "
    assert problem.startswith(f"{where}field {field!r}: "), problem
    assert "never fires" in problem and repr(cron) in problem


def test_a_default_schedule_is_checked_in_each_alerts_time_zone(tmp_path: Path) -> None:
    """An alert's own zone with the default schedule, and the default zone with its own."""
    write(tmp_path, "sentinel.yml", "default_timezone: Europe/Paris\n")
    write(
        tmp_path,
        "alerts/a.yml",
        "alerts:\n  - {name: ok_in_paris, query: q, schedule: '0 9 * * 1-5'}\n"
        "  - {name: never_in_paris, query: q, schedule: '0 0 31 4 *'}\n",
    )
    [problem] = problems(tmp_path)
    assert problem.startswith("alerts/a.yml: alert 'never_in_paris': field 'schedule': ")


@pytest.mark.parametrize(
    "cron",
    ["0 0 29 2 *", "0 0 29 2 * 0", "0 0 L 2 *", "0 9 * * 1-5", "@yearly", "* * * * * */2"],
)
def test_schedules_that_fire_rarely_are_accepted(tmp_path: Path, cron: str) -> None:
    write(tmp_path, "alerts/a.yml", f"alerts:\n  - {{name: a, query: q, schedule: '{cron}'}}\n")
    write(tmp_path, "sentinel.yml", f"default_schedule: '{cron}'\ndefault_timezone: Asia/Tokyo\n")
    [declared] = load_config(tmp_path).alerts
    assert declared.alert.schedule == cron


def test_the_horizon_is_five_years_from_now() -> None:
    """A schedule limited to one year passes while that year is near, not before."""
    once = "0 0 1 6 * 0 2035"
    with pytest.raises(ValueError, match="never fires"):
        check_fires(once, "UTC", datetime(2026, 12, 1, tzinfo=UTC))
    assert check_fires(once, "UTC", datetime(2031, 1, 1, tzinfo=UTC)) == once
    # Leap day from just after one: nearly four years ahead, inside the horizon.
    assert check_fires("0 0 29 2 *", "UTC", datetime(2024, 3, 1, tzinfo=UTC)) == "0 0 29 2 *"


def test_random_cron_fields_are_refused(tmp_path: Path) -> None:
    """croniter draws `R` anew on every computation: the next due time would wander."""
    write(tmp_path, "alerts/a.yml", "alerts:\n  - {name: a, query: q, schedule: 'R 3 * * *'}\n")
    [problem] = problems(tmp_path)
    assert "field 'schedule': random (`R`) fields are not supported" in problem


def test_errors_about_a_channel_never_repeat_its_secrets(tmp_path: Path) -> None:
    token = "xoxb-1234-secret-token-value"
    write(
        tmp_path,
        "sentinel.yml",
        f"channels:\n  - {{name: s, type: slack, token: {token}}}\n"
        f"  - {{name: t, type: slack, token: {token}, channel: x, timeout: 1d}}\n"
        f"  - {{name: h, type: webhook, url: {token}, headers: {{X-Key: 123456789}}}}\n",
    )
    found = problems(tmp_path)
    assert any("channel 's': a `token` needs a `channel`" in p for p in found), found
    assert any("channel 't': field 'timeout': must be at most 10m" in p for p in found), found
    assert any("channel 'h': field 'headers.X-Key'" in p for p in found), found
    assert not [p for p in found if token in p or "123456789" in p]
