"""The two kinds of file sqlsentinel reads in a dbt project: alert files and `sentinel.yml`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sqlsentinel_dbt.config.channels import Channel, Route
from sqlsentinel_dbt.config.dbt_results import DbtResultsSettings
from sqlsentinel_dbt.config.duration import DAY, HOUR, YEAR, Within
from sqlsentinel_dbt.config.inhibition import InhibitRule
from sqlsentinel_dbt.config.models import Alert, check_timezone
from sqlsentinel_dbt.config.owners import OwnerContacts
from sqlsentinel_dbt.config.schedule import HORIZON_YEARS, check_cron, check_fires
from sqlsentinel_dbt.config.time_intervals import NamedTimeIntervals

MAX_NOTIFICATION_AGE = Within(YEAR, positive=True)
RETRY_BUDGET = Within(HOUR, positive=True)
CLAIM_LEASE = Within(DAY, positive=True)
MISFIRE_GRACE = Within(7 * DAY, positive=True)
DELIVER_EVERY = Within(DAY, positive=True)


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
    time_intervals: list[NamedTimeIntervals] = Field(
        default_factory=list,
        description=(
            "Named time windows, as Alertmanager's, for routes' `mute_time_intervals` and "
            '`active_time_intervals`; see docs/notifications.md, "Mute windows".'
        ),
    )
    inhibit_rules: list[InhibitRule] = Field(
        default_factory=list,
        description=(
            "While an alert matching a rule's `source_match` fires, the instances of alerts "
            "matching its `target_match` (with the `equal` labels alike) are held back; see "
            'docs/notifications.md, "Inhibition".'
        ),
    )
    inhibit_downstream: bool = Field(
        default=False,
        description=(
            "While an alert fires on a dbt node, hold back the alerts on the nodes downstream "
            "of it (dbt's DAG), and announce those still firing once it resolves."
        ),
    )
    owners: dict[str, OwnerContacts] = Field(
        default_factory=dict,
        description=(
            "Owner name to `{slack, teams, email}`: Slack and Teams messages about an "
            "owner's alerts mention them, emails add them as recipients."
        ),
    )
    max_notification_age: Annotated[float, MAX_NOTIFICATION_AGE] = Field(
        default=86400.0,
        description=(
            "A notification still undelivered after this long is dead-lettered; "
            f"at most {MAX_NOTIFICATION_AGE.text}."
        ),
    )
    retry_budget: Annotated[float, RETRY_BUDGET] = Field(
        default=120.0,
        description=f"Time one run spends retrying one message; at most {RETRY_BUDGET.text}.",
    )
    claim_lease: Annotated[float, CLAIM_LEASE] = Field(
        default=600.0,
        description=(
            "How long notifications claimed by a run are reserved for it; if that run dies "
            "before recording the outcome, another sends them after this (at least once). "
            f"At most {CLAIM_LEASE.text}."
        ),
    )
    default_schedule: str = Field(
        default="*/15 * * * *",
        description=(
            "`sentinel daemon`: the cron schedule of alerts that set none; it must fire "
            f"within the next {HORIZON_YEARS} years."
        ),
    )
    default_timezone: str = Field(
        default="UTC", description="`sentinel daemon`: the time zone of schedules that set none."
    )
    misfire_grace: Annotated[float, MISFIRE_GRACE] = Field(
        default=300.0,
        description=(
            "`sentinel daemon`: a run missed (the daemon was busy or down) is made up once "
            f"if it is at most this late, and skipped otherwise. At most {MISFIRE_GRACE.text}."
        ),
    )
    deliver_every: Annotated[float, DELIVER_EVERY] = Field(
        default=60.0,
        description=(
            "`sentinel daemon`: how often it delivers what is queued (what the on-run-end "
            "hook and `run_alerts` recorded, and retries) between runs; it also delivers "
            f"as soon as a dbt command in the project ends. At most {DELIVER_EVERY.text}."
        ),
    )

    dbt_results: DbtResultsSettings = Field(
        default_factory=DbtResultsSettings,
        description=(
            "Which results of dbt's own checks (tests, models, sources) are recorded, and "
            "how; see docs/dbt_results.md."
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
    batch_size: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description=(
            "How many alerts one statement evaluates, where the adapter can turn a row into "
            "JSON (DuckDB, PostgreSQL, BigQuery, Snowflake; see docs/performance.md, "
            "\"Batched evaluation\"). 1: one query per alert. Unset: 100 on BigQuery and "
            "Snowflake, where every query is a job with a fixed cost, else 1."
        ),
    )

    @field_validator("default_schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str) -> str:
        return check_fires(check_cron(value))

    @field_validator("time_intervals")
    @classmethod
    def _interval_names_are_unique(
        cls, value: list[NamedTimeIntervals]
    ) -> list[NamedTimeIntervals]:
        names = [item.name for item in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"time interval names must be unique; repeated: {repeated}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        return check_timezone(value)

    @model_validator(mode="after")
    def _schedule_fires_in_its_time_zone(self) -> SentinelFile:
        if self.default_timezone != "UTC":
            try:
                check_fires(self.default_schedule, self.default_timezone)
            except ValueError as exc:
                problem = f"field 'default_schedule': {exc} (got {self.default_schedule!r})"
                raise ValueError(problem) from None
        return self
