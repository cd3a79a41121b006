"""The two kinds of file sqlsentinel reads in a dbt project: alert files and `sentinel.yml`."""

from __future__ import annotations

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sqlsentinel_dbt.config.channels import Channel, Route
from sqlsentinel_dbt.config.duration import Duration
from sqlsentinel_dbt.config.models import Alert, check_timezone


class AlertFile(BaseModel):
    """An `alerts/**/*.yml` file inside the dbt project."""

    model_config = ConfigDict(extra="forbid")

    alerts: list[Alert] = Field(default_factory=list, description="The alerts in this file.")
    channels: list[Channel] = Field(
        default_factory=list, description="Notification channels, referenced by name."
    )
    routes: list[Route] = Field(
        default_factory=list, description="Which alerts go to which channels."
    )


class SentinelFile(BaseModel):
    """`sentinel.yml` beside `dbt_project.yml`: project-wide notification settings."""

    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(
        default_factory=list, description="Notification channels, referenced by name."
    )
    routes: list[Route] = Field(
        default_factory=list, description="Which alerts go to which channels."
    )
    max_notification_age: Duration = Field(
        default=86400.0,
        gt=0,
        description="A notification still undelivered after this long is dead-lettered.",
    )
    retry_budget: Duration = Field(
        default=120.0, gt=0, description="Time one run spends retrying one message."
    )
    claim_lease: Duration = Field(
        default=600.0,
        gt=0,
        description=(
            "How long notifications claimed by a run are reserved for it; if that run dies "
            "before recording the outcome, another sends them after this (at least once)."
        ),
    )
    default_schedule: str = Field(
        default="*/15 * * * *",
        description="`sentinel daemon`: the cron schedule of alerts that set none.",
    )
    default_timezone: str = Field(
        default="UTC", description="`sentinel daemon`: the time zone of schedules that set none."
    )
    misfire_grace: Duration = Field(
        default=300.0,
        gt=0,
        description=(
            "`sentinel daemon`: a run missed (the daemon was busy or down) is made up once "
            "if it is at most this late, and skipped otherwise."
        ),
    )

    allow_file_functions: bool = Field(
        default=False,
        description=(
            "Let alert queries read files or other databases through the warehouse "
            "(DuckDB's `read_csv`, `read_text`, `glob`, `FROM 'file.csv'`; PostgreSQL's "
            "`pg_read_file`). Off: such a query is refused, naming the function."
        ),
    )
    allow_secret_env_vars: list[str] = Field(
        default_factory=list,
        description=(
            "Environment variables (names or globs) that alert queries may read although "
            "a channel reads them or their name looks secret (`*SECRET*`, `*TOKEN*`, "
            "`*PASSWORD*`, `*_KEY`)."
        ),
    )

    @field_validator("default_schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str) -> str:
        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a valid cron expression, e.g. '*/15 * * * *'")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        return check_timezone(value)
