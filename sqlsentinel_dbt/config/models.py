"""The single definition of an alert. The JSON Schema and the reference docs come from here."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sqlsentinel_dbt.config.anomaly import AnomalySettings
from sqlsentinel_dbt.config.condition import Condition
from sqlsentinel_dbt.config.duration import DAY, YEAR, Within
from sqlsentinel_dbt.config.schedule import HORIZON_YEARS, check_cron, check_fires

NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_-]*$"


class Severity(StrEnum):
    """How bad a firing alert is; `--fail-on` compares against it."""

    WARN = "warn"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Order for comparisons: warn < error."""
        return 1 if self is Severity.WARN else 2


class OnNoData(StrEnum):
    """What a query that returns zero rows means."""

    OK = "ok"
    ALERT = "alert"
    ERROR = "error"
    KEEP_LAST = "keep_last"


class Mode(StrEnum):
    """How the query's rows are read."""

    STATUS = "status"
    FAILING_ROWS = "failing_rows"
    ANOMALY = "anomaly"


GroupLabel = Literal["alert", "key", "owner", "dbt_node"]
DBT_NODE = "dbt_node"
"""`meta` key: the unique_id of the dbt node an alert reports on (dbt's own checks)."""
DBT_GROUP = "dbt_group"
"""`meta` key: the dbt group of that node, or of the node an alert is declared in."""

QUERY_TIMEOUT = Within(DAY, positive=True)
"""An alert query may run a day at most: a longer wait is no alerting."""
STATE_DURATION = Within(10 * YEAR)
"""`for`, `keep_firing_for`: ten years at most."""
REPEAT_INTERVAL = Within(10 * YEAR, never=True)


def check_timezone(name: str) -> str:
    """`name` if it is an IANA time zone; ValueError naming it otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        message = f"{name!r} is not a time zone; write e.g. 'UTC' or 'Europe/Paris'"
        raise ValueError(message) from exc
    return name


def _per_alert() -> list[GroupLabel]:
    return ["alert"]


class Alert(BaseModel):
    """One alert: a SQL query (full dbt Jinja) returning a `status` column, ALERT or OK."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(
        pattern=NAME_PATTERN,
        max_length=200,
        description="Unique name: letters, digits, `_` and `-`. Used in selectors and history.",
    )
    query: str = Field(
        min_length=1,
        description=(
            "SQL returning a `status` column ('ALERT' or 'OK'), optionally `actual_value`, "
            "`threshold`, `key` and context columns. Full dbt Jinja: ref, source, var, macros."
        ),
    )
    description: str = Field(default="", description="What the alert means, for people.")
    severity: Severity = Field(
        default=Severity.ERROR,
        description="`warn` or `error`. A row's own `severity` column overrides it.",
    )
    tags: list[str] = Field(
        default_factory=list,
        description=(
            "Tags, for `--select tag:NAME`, silences and routes; an alert in a node's meta "
            "also has the node's tags."
        ),
    )
    enabled: bool = Field(default=True, description="Disabled alerts are listed but never run.")
    schedule: str | None = Field(
        default=None,
        description=(
            "Cron expression for `sentinel daemon` (5 fields, or 6 with seconds last) that "
            f"fires within the next {HORIZON_YEARS} years; ignored by `dbt-run`. "
            "Unset: `default_schedule` of sentinel.yml."
        ),
    )
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of `schedule` (e.g. `Europe/Paris`); unset: UTC.",
    )
    owner: str | None = Field(default=None, description="Who answers for this alert.")
    runbook: str | None = Field(
        default=None,
        max_length=2000,
        description="What to do when it fires: a link to a runbook, or a line of advice.",
    )
    meta: dict[str, Any] = Field(
        default_factory=dict, description="Free-form metadata, kept with the alert."
    )
    timeout: Annotated[float, QUERY_TIMEOUT] = Field(
        default=300.0,
        description=(
            "Cancel the query on the warehouse after this long (`300`, `5m`); more than 0, "
            f"at most {QUERY_TIMEOUT.text}."
        ),
    )
    key_columns: list[str] = Field(
        default_factory=list,
        description=(
            "Columns that identify one alert instance per row, instead of a `key` column."
        ),
    )
    on_no_data: OnNoData = Field(
        default=OnNoData.OK,
        description=(
            "What zero rows mean: `ok`, `alert`, `error`, or `keep_last` (every instance "
            "keeps its state)."
        ),
    )
    mode: Mode = Field(
        default=Mode.STATUS,
        description=(
            "`status`: rows carry a `status` column. `failing_rows`: the query returns "
            "offending rows, as a dbt test does; `warn_if`/`error_if` judge their count. "
            "`anomaly`: the query returns a series (`bucket`, `actual_value`, `key`), "
            "judged against the range learnt from its history (docs/anomalies.md)."
        ),
    )
    anomaly: AnomalySettings | None = Field(
        default=None,
        description=(
            "`anomaly` mode: how the series is judged (`time_bucket`, `sensitivity`, "
            "`seasonality`...). Setting it implies `mode: anomaly`."
        ),
    )
    warn_if: Condition = Field(
        default="!=0", description="`failing_rows` mode: the count fires at warn when this holds."
    )
    error_if: Condition = Field(
        default="!=0",
        description="`failing_rows` mode: the count fires at error (if severity is error).",
    )
    for_: Annotated[float, STATE_DURATION] = Field(
        default=0.0,
        alias="for",
        description=(
            "An instance stays pending this long before it fires (`10m`); "
            f"at most {STATE_DURATION.text}."
        ),
    )
    for_evaluations: int = Field(
        default=1,
        ge=1,
        description="An instance must be ALERT in this many evaluations in a row to fire.",
    )
    keep_firing_for: Annotated[float, STATE_DURATION] = Field(
        default=0.0,
        description=(
            "A firing instance that turns OK keeps firing this long; "
            f"at most {STATE_DURATION.text}."
        ),
    )
    missing_evaluations_to_resolve: int = Field(
        default=2,
        ge=1,
        description="A firing key absent from this many results in a row resolves.",
    )
    repeat_interval: Annotated[float | None, REPEAT_INTERVAL] = Field(
        default=14400.0,
        description=(
            "Notify again while still firing after this long (`4h`; at most "
            f"{REPEAT_INTERVAL.text}), or `never`."
        ),
    )
    send_resolved: bool = Field(default=True, description="Notify when an instance resolves.")
    notify: list[str] = Field(
        default_factory=list,
        description="Channel names to notify, on top of the channels routes pick.",
    )
    message: str | None = Field(
        default=None,
        description=(
            "Jinja template for the notification text (`{{ alert }}`, `{{ firing }}`, ...); "
            "every value is escaped for each medium."
        ),
    )
    group_by: list[GroupLabel] = Field(
        default_factory=_per_alert,
        min_length=1,
        description=(
            "`[alert]`: one notification per alert; `[alert, key]`: per instance. "
            "`owner` and `dbt_node` add the alert's owner and dbt node to the group, so a "
            "change of either starts a new group."
        ),
    )
    max_instances: int = Field(
        default=1000,
        ge=1,
        description="More rows than this is an error; only this many (+1) are ever fetched.",
    )

    @property
    def anomaly_settings(self) -> AnomalySettings:
        """`anomaly:`, or every setting at its default."""
        return self.anomaly or AnomalySettings()

    @property
    def dbt_node(self) -> str | None:
        """The dbt node this alert reports on (`meta.dbt_node`), if any."""
        return _text(self.meta.get(DBT_NODE))

    @property
    def dbt_group(self) -> str | None:
        """The dbt group of the alert's node (`meta.dbt_group`), if any."""
        return _text(self.meta.get(DBT_GROUP))

    @field_validator("query")
    @classmethod
    def _query_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the query is empty; write a SELECT that returns a `status` column")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str | None) -> str | None:
        if value is not None:
            check_fires(check_cron(value))
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_is_known(cls, value: str | None) -> str | None:
        if value is not None:
            check_timezone(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _anomaly_settings_imply_the_mode(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("anomaly") is not None:
            mode = data.get("mode", Mode.ANOMALY.value)
            if mode != Mode.ANOMALY.value:
                raise ValueError(f"field 'anomaly' needs mode anomaly, not {mode!r}")
            return {**data, "mode": Mode.ANOMALY.value}
        return data

    @model_validator(mode="after")
    def _schedule_fires_in_its_time_zone(self) -> Alert:
        if self.schedule is not None and self.timezone is not None and self.timezone != "UTC":
            try:
                check_fires(self.schedule, self.timezone)
            except ValueError as exc:
                raise ValueError(f"field 'schedule': {exc} (got {self.schedule!r})") from None
        return self

    @field_validator("tags")
    @classmethod
    def _tags_are_words(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not re.fullmatch(NAME_PATTERN, tag):
                raise ValueError(f"tag {tag!r} must be letters, digits, `_` or `-`")
        return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
