"""Notification channels and routes, declared once and referenced by name from alerts.

Channels are a discriminated union on `type`. Every setting that can hold a credential
(URLs included: a Slack webhook URL is one) is a `SecretStr`, so it never shows up in a
repr, a log line or a JSON dump; its `{{ env_var(...) }}` is rendered at send time.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from sqlsentinel_dbt.config.duration import MINUTE, YEAR, Within
from sqlsentinel_dbt.config.models import NAME_PATTERN, REPEAT_INTERVAL, Severity, check_timezone
from sqlsentinel_dbt.config.schedule import Schedule, check_cron, check_fires

REQUEST_TIMEOUT = Within(10 * MINUTE, positive=True)
ESCALATE_AFTER = Within(YEAR, positive=True)


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(pattern=NAME_PATTERN, description="Unique name, used in `notify:`.")
    timeout: Annotated[float, REQUEST_TIMEOUT] = Field(
        default=10.0, description=f"Timeout of one request; at most {REQUEST_TIMEOUT.text}."
    )
    max_per_message: int = Field(
        default=10, ge=1, description="Alert groups packed into one message at most."
    )

    def groups_per_message(self) -> int:
        """How many alert groups one message carries at most."""
        return self.max_per_message


class WebhookChannel(_Channel):
    """POSTs a versioned JSON document, signed with HMAC-SHA256 when a secret is set."""

    type: Literal["webhook"] = Field(description="`webhook`.")
    url: SecretStr = Field(description="Where to POST. May use `{{ env_var('X') }}`.")
    headers: dict[str, SecretStr] = Field(
        default_factory=dict, description="Extra HTTP headers (values may use env_var)."
    )
    signing_secret: SecretStr | None = Field(
        default=None,
        description="Key for the `X-Sentinel-Signature` HMAC-SHA256 header.",
    )
    max_per_message: int = Field(
        default=100, ge=1, description="Alert groups packed into one request at most."
    )


class SlackChannel(_Channel):
    """Slack, through an incoming webhook or a bot token (`chat.postMessage`)."""

    type: Literal["slack"] = Field(description="`slack`.")
    webhook_url: SecretStr | None = Field(default=None, description="Incoming webhook URL.")
    token: SecretStr | None = Field(default=None, description="Bot token (`xoxb-...`).")
    channel: str | None = Field(default=None, description="Channel id or name, with a token.")
    base_url: str = Field(default="https://slack.com/api/", description="Slack Web API base URL.")
    threads: bool = Field(
        default=True,
        description=(
            "With a `token`: a group's first notification posts a message, later ones reply "
            "in its thread, and its resolution edits the message (one group per message). "
            "A webhook cannot edit: its messages stand alone."
        ),
    )
    # Slack takes 50 blocks per message, and one alert group takes up to 4.
    max_per_message: int = Field(
        default=10, ge=1, le=12, description="Alert groups packed into one message at most."
    )

    @property
    def threaded(self) -> bool:
        """True when the group's notifications go in threads (a token, threads on)."""
        return self.token is not None and self.threads

    def groups_per_message(self) -> int:
        """One per message in threads (a thread is a group's); else `max_per_message`."""
        return 1 if self.threaded else self.max_per_message

    @model_validator(mode="after")
    def _one_way_in(self) -> SlackChannel:
        if (self.webhook_url is None) == (self.token is None):
            raise ValueError("set exactly one of `webhook_url` or `token`")
        if self.token is not None and not self.channel:
            raise ValueError("a `token` needs a `channel` to post to")
        return self


class EmailChannel(_Channel):
    """SMTP, with STARTTLS or SSL and optional login; HTML and plain-text parts."""

    type: Literal["email"] = Field(description="`email`.")
    host: str = Field(description="SMTP server host.")
    port: int = Field(default=587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 SSL).")
    security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="`starttls`, `ssl`, or `none` (local relays only)."
    )
    username: SecretStr | None = Field(default=None, description="SMTP login.")
    password: SecretStr | None = Field(default=None, description="SMTP password.")
    ca_file: str | None = Field(
        default=None,
        description="CA bundle that signed the server's certificate (internal relays).",
    )
    sender: str = Field(alias="from", description="The From address.")
    to: list[str] = Field(min_length=1, description="Recipients.")
    max_per_message: int = Field(
        default=50, ge=1, description="Alert groups packed into one email at most."
    )


class PagerDutyChannel(_Channel):
    """PagerDuty Events API v2: trigger, and a real resolve, one `dedup_key` per group."""

    type: Literal["pagerduty"] = Field(description="`pagerduty`.")
    routing_key: SecretStr = Field(description="Integration (routing) key.")
    url: str = Field(
        default="https://events.pagerduty.com/v2/enqueue", description="Events API URL."
    )
    max_per_message: int = Field(default=1, ge=1, le=1, description="Always one event.")


class OpsgenieChannel(_Channel):
    """Opsgenie Alert API: create an alert per group, and close it (same alias) on resolve."""

    type: Literal["opsgenie"] = Field(description="`opsgenie`.")
    api_key: SecretStr = Field(description="API key of an Opsgenie API integration.")
    url: str = Field(
        default="https://api.opsgenie.com/",
        description="Alert API base URL (`https://api.eu.opsgenie.com/` for the EU).",
    )
    priority_error: Literal["P1", "P2", "P3", "P4", "P5"] = Field(
        default="P2", description="Priority of an alert at severity error."
    )
    priority_warn: Literal["P1", "P2", "P3", "P4", "P5"] = Field(
        default="P3", description="Priority of an alert at severity warn."
    )
    max_per_message: int = Field(default=1, ge=1, le=1, description="Always one alert.")


class TeamsChannel(_Channel):
    """Microsoft Teams incoming webhook or workflow, with an Adaptive Card."""

    type: Literal["teams"] = Field(description="`teams`.")
    webhook_url: SecretStr = Field(description="Incoming webhook or workflow URL.")


Channel = Annotated[
    WebhookChannel
    | SlackChannel
    | EmailChannel
    | PagerDutyChannel
    | OpsgenieChannel
    | TeamsChannel,
    Field(discriminator="type"),
]


def _type_name(model: type[_Channel]) -> str:
    [name] = get_args(model.model_fields["type"].annotation)
    return str(name)


CHANNEL_TYPES: dict[str, type[_Channel]] = {
    _type_name(model): model for model in get_args(get_args(Channel)[0])
}
"""Each model of the `Channel` union by its `type`, in the union's order."""


class RouteMatch(BaseModel):
    """What a route matches; every given condition must hold, none given matches all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity | None = Field(default=None, description="Alert severity.")
    tags: list[str] = Field(default_factory=list, description="Any of these tags.")
    owner: str | None = Field(default=None, description="The alert's owner.")
    alert: str | None = Field(default=None, description="Alert name, glob patterns allowed.")
    group: str | None = Field(
        default=None,
        description="The dbt group of the alert's node (dbt's checks, alerts in a node's meta).",
    )


class Digest(BaseModel):
    """When a digest route's channels get their one message for the period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schedule: str = Field(description="Cron expression: `0 9 * * *` is daily at 09:00.")
    timezone: str = Field(default="UTC", description="IANA time zone of the schedule.")

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        return check_timezone(value)

    @model_validator(mode="after")
    def _it_fires(self) -> Digest:
        check_fires(self.schedule, self.timezone)
        return self

    @property
    def label(self) -> str:
        """How notifications name the digest they wait for: `0 9 * * * Europe/Berlin`."""
        return f"{self.schedule} {self.timezone}"

    @property
    def times(self) -> Schedule:
        """The schedule's fire times."""
        return Schedule(self.schedule, self.timezone)


class Route(BaseModel):
    """Sends matching alerts to channels; the first match wins unless `continue: true`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    match: RouteMatch = Field(default_factory=RouteMatch, description="Conditions.")
    notify: list[str] = Field(min_length=1, description="Channel names.")
    continue_: bool = Field(
        default=False, alias="continue", description="Keep matching later routes."
    )
    mute_time_intervals: list[str] = Field(
        default_factory=list,
        description=(
            "Names of `time_intervals` (sentinel.yml) during which this route sends nothing: "
            "what it would send is recorded as suppressed, naming the window."
        ),
    )
    active_time_intervals: list[str] = Field(
        default_factory=list,
        description="Names of `time_intervals` outside of which this route sends nothing.",
    )
    repeat_interval: Annotated[float | None, REPEAT_INTERVAL] = Field(
        default=None,
        description=(
            "For this route's channels, instead of the alert's: notify again while still "
            "firing after this long, or `never`."
        ),
    )
    escalate_after: Annotated[float | None, ESCALATE_AFTER] = Field(
        default=None,
        description=(
            "An escalation route: its channels hear only of instances that have been "
            f"firing, and not silenced, for this long (at most {ESCALATE_AFTER.text})."
        ),
    )

    digest: Digest | None = Field(
        default=None,
        description=(
            "A digest route: its channels get one message per `schedule` listing what "
            "fired, what resolved and what still fires, instead of a message per change."
        ),
    )

    @property
    def sets_repeat_interval(self) -> bool:
        """Whether the route sets `repeat_interval` (`never` included)."""
        return "repeat_interval" in self.model_fields_set
