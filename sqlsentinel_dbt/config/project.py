"""Everything sqlsentinel reads from a dbt project: alerts, channels, routes, settings.

Alert files (`alerts/**/*.yml`) may hold `alerts`, `channels` and `routes`; `sentinel.yml`
beside `dbt_project.yml` holds `channels`, `routes` and project-wide settings. Every
problem in any of them is collected before one `ConfigError` is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from sqlsentinel_dbt.config.channels import CHANNEL_TYPES, Channel, Route
from sqlsentinel_dbt.config.files import AlertFile, SentinelFile
from sqlsentinel_dbt.config.loader import (
    DeclaredAlert,
    MetaAlerts,
    alert_files,
    field_problem,
    read_document,
    validate_alerts,
)
from sqlsentinel_dbt.config.owners import OwnerContacts, TeamsUser
from sqlsentinel_dbt.config.schedule import check_fires
from sqlsentinel_dbt.suggest import suggest

SENTINEL_FILE = "sentinel.yml"
_CHANNEL = TypeAdapter[Channel](Channel)
_SETTINGS = [n for n in SentinelFile.model_fields if n not in ("channels", "routes")]


@dataclass(frozen=True)
class ProjectConfig:
    """A dbt project's validated sqlsentinel configuration."""

    alerts: list[DeclaredAlert]
    channels: dict[str, Channel] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    settings: SentinelFile = field(default_factory=SentinelFile)

    @property
    def alert_problems(self) -> list[str]:
        """Problems of single alerts: each fails alone in a run; `validate` refuses them."""
        return [problem for declared in self.alerts for problem in declared.problems]


def load_config(
    project_root: Path, meta: Sequence[MetaAlerts] = (), *, alerts_fail_alone: bool = False
) -> ProjectConfig:
    """Read and validate the project's alert files, node meta and `sentinel.yml`.

    Raises `ConfigError` listing every problem, each naming its file, item and field.
    With `alerts_fail_alone`, a problem of one named alert is not raised: that alert keeps
    it (`DeclaredAlert.problems`), to fail alone when it runs.
    """
    from sqlsentinel_dbt.errors import ConfigError

    problems: list[str] = []
    documents = [
        (relative, read_document(path, relative, list(AlertFile.model_fields), problems))
        for path in alert_files(project_root)
        for relative in [path.relative_to(project_root).as_posix()]
    ]
    settings_path = project_root / SENTINEL_FILE
    if settings_path.is_file():
        allowed = list(SentinelFile.model_fields)
        documents.append(
            (SENTINEL_FILE, read_document(settings_path, SENTINEL_FILE, allowed, problems))
        )
    alert_documents = [d for d in documents if d[0] != SENTINEL_FILE]
    alerts = validate_alerts(alert_documents, meta, problems, alerts_fail_alone=alerts_fail_alone)
    channels = _channels(documents, problems)
    routes = _routes(documents, problems)
    settings = _settings(documents, problems)
    late = [_project_problems(d, channels, settings) for d in alerts]
    if alerts_fail_alone:
        alerts = [
            replace(d, problems=(*d.problems, *found)) if found else d
            for d, found in zip(alerts, late, strict=True)
        ]
    else:
        problems += [problem for found in late for problem in found]
    problems += _unknown_route_channels(routes, list(channels))
    problems += _unknown_route_intervals(routes, [i.name for i in settings.time_intervals])
    problems += _digests_to_pagers(routes, channels)
    if problems:
        raise ConfigError(problems)
    return ProjectConfig(alerts, channels, routes, settings)


def _items(document: dict[str, Any], key: str, relative: str, problems: list[str]) -> list[Any]:
    items = document.get(key) or []
    if isinstance(items, list):
        return items
    problems.append(f"{relative}: `{key}` must be a list")
    return []


def _channels(
    documents: list[tuple[str, dict[str, Any]]], problems: list[str]
) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    where: dict[str, str] = {}
    for relative, document in documents:
        for index, item in enumerate(_items(document, "channels", relative, problems)):
            label = _label("channel", item, index)
            try:
                channel = _CHANNEL.validate_python(item)
            except ValidationError as exc:
                problems += [
                    f"{relative}: {label}: {_channel_problem(e, item)}" for e in exc.errors()
                ]
                continue
            if channel.name in channels:
                problems.append(
                    f"{relative}: channel {channel.name!r} is already declared in "
                    f"{where[channel.name]}; channel names must be unique"
                )
                continue
            channels[channel.name], where[channel.name] = channel, relative
    return channels


def _channel_problem(error: Any, item: Any) -> str:
    kind = item.get("type") if isinstance(item, dict) else None
    model = CHANNEL_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        return f"field 'type' must be one of {', '.join(CHANNEL_TYPES)} (got {kind!r})"
    allowed = [f.alias or n for n, f in model.model_fields.items()]
    return field_problem(error, allowed, skip=1, hidden=_secret_fields(model))


def _secret_fields(model: type[BaseModel]) -> set[str]:
    """Settings that may hold a credential: their values are never repeated in errors."""
    fields = model.model_fields.items()
    return {f.alias or n for n, f in fields if "SecretStr" in repr(f.annotation)}


def _routes(documents: list[tuple[str, dict[str, Any]]], problems: list[str]) -> list[Route]:
    routes: list[Route] = []
    allowed = [f.alias or n for n, f in Route.model_fields.items()]
    for relative, document in documents:
        for index, item in enumerate(_items(document, "routes", relative, problems)):
            try:
                routes.append(Route.model_validate(item))
            except ValidationError as exc:
                problems += [
                    f"{relative}: route #{index + 1}: {field_problem(e, allowed)}"
                    for e in exc.errors()
                ]
    return routes


def _settings(documents: list[tuple[str, dict[str, Any]]], problems: list[str]) -> SentinelFile:
    raw = {k: v for relative, d in documents if relative == SENTINEL_FILE for k, v in d.items()}
    try:
        return SentinelFile.model_validate({k: v for k, v in raw.items() if k in _SETTINGS})
    except ValidationError as exc:
        problems += [
            f"{SENTINEL_FILE}: {field_problem(e, _allowed_at(e['loc']))}" for e in exc.errors()
        ]
        return SentinelFile()


def _allowed_at(loc: tuple[int | str, ...]) -> list[str]:
    """The fields a sentinel.yml error's place allows: the settings, or an owner's."""
    if loc[:1] == ("owners",) and len(loc) >= 5:  # owners.NAME.teams.0.FIELD
        return list(TeamsUser.model_fields)
    if loc[:1] == ("owners",) and len(loc) >= 3:  # owners.NAME.FIELD
        return list(OwnerContacts.model_fields)
    return _SETTINGS


def _project_problems(
    declared: DeclaredAlert, channels: dict[str, Channel], settings: SentinelFile
) -> list[str]:
    """Problems of one alert that only the whole project shows."""
    known = list(channels)
    found = [
        f"{declared.origin}: alert {declared.name!r}: notify names unknown channel "
        f"{name!r}{suggest(name, known)}"
        for name in declared.alert.notify
        if name not in known
    ]
    return found + _schedule_that_never_fires(declared, settings)


def _unknown_route_channels(routes: list[Route], known: list[str]) -> list[str]:
    return [
        f"route #{i + 1}: notify names unknown channel {name!r}{suggest(name, known)}"
        for i, route in enumerate(routes)
        for name in route.notify
        if name not in known
    ]


def _unknown_route_intervals(routes: list[Route], known: list[str]) -> list[str]:
    return [
        f"route #{i + 1}: {field} names unknown time interval {name!r}"
        f"{suggest(name, known) if known else '; sentinel.yml declares no time_intervals'}"
        for i, route in enumerate(routes)
        for field in ("mute_time_intervals", "active_time_intervals")
        for name in getattr(route, field)
        if name not in known
    ]


_PAGERS = ("pagerduty", "opsgenie")


def _digests_to_pagers(routes: list[Route], channels: dict[str, Channel]) -> list[str]:
    """A pager opens an incident per group; a digest is no incident."""
    return [
        f"route #{i + 1}: a digest cannot go to {channels[name].type} channel {name!r}; "
        "send digests to chat or email channels"
        for i, route in enumerate(routes)
        if route.digest is not None
        for name in route.notify
        if name in channels and channels[name].type in _PAGERS
    ]


def _schedule_that_never_fires(declared: DeclaredAlert, settings: SentinelFile) -> list[str]:
    """The problem, if the alert's schedule never fires in the time zone the daemon uses.

    Each model checked its own schedule in its own zone; left to check here are the
    pairs that mix an alert's setting with a default of `sentinel.yml`.
    """
    alert = declared.alert
    mixed = (alert.schedule is None) != (alert.timezone is None)
    if not mixed or (alert.timezone is None and settings.default_timezone == "UTC"):
        return []
    schedule = alert.schedule or settings.default_schedule
    timezone = alert.timezone or settings.default_timezone
    try:
        check_fires(schedule, timezone)
    except ValueError as exc:
        field = "schedule" if alert.schedule else "timezone"
        source = "" if alert.schedule else " (the default_schedule)"
        return [
            f"{declared.origin}: alert {alert.name!r}: field {field!r}: {schedule!r}{source} {exc}"
        ]
    return []


def _label(kind: str, item: Any, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"{kind} {name!r}" if isinstance(name, str) and name else f"{kind} #{index + 1}"


def load_alerts(project_root: Path, meta: Sequence[MetaAlerts] = ()) -> list[DeclaredAlert]:
    """Load every alert of a dbt project: `alerts/**/*.yml|yaml`, then node meta.

    Raises `ConfigError` listing every problem, each naming the file, the alert and the field.
    """
    return load_config(project_root, meta).alerts
