"""`owners:` in sentinel.yml: who an alert's `owner` is on each medium.

An owner name (as alerts, dbt `meta.owner` and dbt groups write it) maps to Slack user and
user-group ids, Teams users and email addresses. Slack and Teams messages about the
owner's alerts mention them; emails add them as recipients. An owner not listed is sent
as before. The ids are checked strictly: they are written into messages as markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_CONTACTS = 20
"""Per medium and owner: a mention list, not a mailing list (and messages stay in size)."""
_SLACK_ID = re.compile(r"[UWS][A-Z0-9]{2,20}")
_EMAIL = re.compile(r"[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+")
_AAD_OBJECT_ID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


class TeamsUser(BaseModel):
    """A Teams user to mention: the name shown, and the AAD object id or UPN."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^<>&\r\n]+$",
        description="Display name, shown as the mention (no `<`, `>`, `&` or line breaks).",
    )
    id: str = Field(description="Azure AD object id or user principal name (`jane@example.com`).")

    @field_validator("id")
    @classmethod
    def _aad_id_or_upn(cls, value: str) -> str:
        if not (_AAD_OBJECT_ID.fullmatch(value) or _EMAIL.fullmatch(value)):
            raise ValueError(
                f"{value!r} is neither an Azure AD object id "
                "(00000000-0000-0000-0000-000000000000) nor a UPN (name@example.com)"
            )
        return value


class OwnerContacts(BaseModel):
    """How to reach one owner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack: list[str] = Field(
        default_factory=list,
        max_length=MAX_CONTACTS,
        description="Slack user ids (`U...`, `W...`) and user-group ids (`S...`) to mention.",
    )
    teams: list[TeamsUser] = Field(
        default_factory=list,
        max_length=MAX_CONTACTS,
        description="Teams users to mention: `{name, id}`.",
    )
    email: list[str] = Field(
        default_factory=list,
        max_length=MAX_CONTACTS,
        description="Addresses added to the Cc of emails about the owner's alerts.",
    )

    @field_validator("slack")
    @classmethod
    def _slack_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _SLACK_ID.fullmatch(item):
                raise ValueError(
                    f"{item!r} is not a Slack id: write a user id (U0123ABCD, W0123ABCD) "
                    "or a user-group id (S0123ABCD), not a name or @handle"
                )
        return value

    @field_validator("email")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _EMAIL.fullmatch(item):
                raise ValueError(f"{item!r} is not an email address (name@example.com)")
        return value


Owners = Mapping[str, OwnerContacts]
"""Owner name to contacts, as `owners:` in sentinel.yml declares them."""


def contacts_of(owners: Owners, owner: str | None) -> OwnerContacts | None:
    """The contacts of `owner`, or None when it has none (or there is no owner)."""
    return owners.get(owner) if owner is not None else None


def slack_mention(slack_id: str) -> str:
    """Slack's markup for mentioning a user (`<@U1>`) or a user group (`<!subteam^S1>`)."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"
