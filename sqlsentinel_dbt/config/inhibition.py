"""`inhibit_rules` and `inhibit_downstream` of sentinel.yml (docs/notifications.md#inhibition)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sqlsentinel_dbt.config.channels import RouteMatch

Label = Literal["alert", "key", "severity", "owner", "group", "dbt_node"]
"""What `equal` may compare: the alert's name, the instance key, and the alert's severity,
owner, dbt group and dbt node."""


class InhibitRule(BaseModel):
    """While an instance of a source alert fires, target alerts' instances are held back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_match: RouteMatch = Field(
        description="The firing alerts that inhibit, matched as a route matches."
    )
    target_match: RouteMatch = Field(description="The alerts they hold back.")
    equal: list[Label] = Field(
        default_factory=list,
        description=(
            "Labels that must be equal on both (`alert`, `key`, `severity`, `owner`, "
            "`group`, `dbt_node`); none: every target is held while any source fires."
        ),
    )
