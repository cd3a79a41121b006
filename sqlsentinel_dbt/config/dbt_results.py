"""`dbt_results:` in sentinel.yml: which of dbt's own checks count, and how.

See docs/dbt_results.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sqlsentinel_dbt.config.models import REPEAT_INTERVAL, Severity

ResourceType = Literal["test", "unit_test", "model", "seed", "snapshot", "source"]
RESOURCE_TYPES: tuple[ResourceType, ...] = (
    "test",
    "unit_test",
    "model",
    "seed",
    "snapshot",
    "source",
)


class CheckOverride(BaseModel):
    """Settings for the checks a selection picks; each override given replaces the node's."""

    model_config = ConfigDict(extra="forbid")

    select: list[str] = Field(
        min_length=1,
        description="dbt selector terms (`tag:finance`, `orders+`, `source:shop.*`), a union.",
    )
    exclude: list[str] = Field(
        default_factory=list, description="dbt selector terms left out of `select`."
    )
    owner: str | None = Field(default=None, description="Who answers for these checks.")
    severity: Severity | None = Field(
        default=None, description="The severity their failures and warnings fire at."
    )
    notify: list[str] | None = Field(default=None, description="Channels to notify.")
    for_evaluations: int | None = Field(
        default=None, ge=1, description="ALERT results in a row before an instance fires."
    )
    repeat_interval: Annotated[float | None, REPEAT_INTERVAL] = Field(
        default=None, description="Notify again while still firing after this long, or `never`."
    )


class DbtResultsSettings(BaseModel):
    """Which results of dbt's own checks are recorded, and how."""

    model_config = ConfigDict(extra="forbid")

    with_dbt_run: bool = Field(
        default=False,
        description=(
            "Plain `sentinel dbt-run` also records the results of the build in the "
            "project's target/ (as --from-artifacts does), in the same run."
        ),
    )
    select: list[str] = Field(
        default_factory=list, description="dbt selector terms: only these checks (empty: all)."
    )
    exclude: list[str] = Field(default_factory=list, description="dbt selector terms left out.")
    resource_types: list[ResourceType] = Field(
        default_factory=lambda: list(RESOURCE_TYPES),
        description="Which kinds of node count: test, unit_test, model, seed, snapshot, source.",
    )
    min_severity: Severity = Field(
        default=Severity.WARN,
        description="A warning or failure below this severity is recorded as OK.",
    )
    overrides: list[CheckOverride] = Field(
        default_factory=list,
        description="Per selection: owner, severity, notify, for_evaluations, repeat_interval.",
    )

    @property
    def applies(self) -> bool:
        """Whether these settings choose or change any check (the defaults do not)."""
        return self.model_dump(exclude={"with_dbt_run"}) != DbtResultsSettings().model_dump(
            exclude={"with_dbt_run"}
        )
