"""JSON Schema of the alert file, generated from the pydantic models, for editors."""

from __future__ import annotations

import json
from typing import Any

from sqlsentinel_dbt.config.files import AlertFile

SCHEMA_ID = "https://sqlsentinel.dev/schema/alerts.json"


def alert_file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an `alerts/*.yml` file."""
    schema = AlertFile.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def alert_file_schema_json() -> str:
    """The schema as indented JSON text."""
    return json.dumps(alert_file_schema(), indent=2, sort_keys=False)


def alert_fields_markdown() -> str:
    """The alert fields as a Markdown table, for docs/alerts.md (a test keeps them equal)."""
    from sqlsentinel_dbt.config.models import Alert

    defaults = Alert(name="x", query="x").model_dump(mode="json", by_alias=True)
    lines = ["| field | default | description |", "| --- | --- | --- |"]
    for name, field in Alert.model_fields.items():
        label = field.alias or name
        default = "required" if field.is_required() else f"`{json.dumps(defaults[label])}`"
        lines.append(f"| `{label}` | {default} | {field.description} |")
    return "\n".join(lines) + "\n"


def anomaly_fields_markdown() -> str:
    """The settings under an alert's `anomaly:`, for docs/anomalies.md (a test keeps them equal)."""
    from sqlsentinel_dbt.config.anomaly import AnomalySettings

    defaults = AnomalySettings().model_dump(mode="json")
    lines = ["| setting | default | description |", "| --- | --- | --- |"]
    for name, field in AnomalySettings.model_fields.items():
        lines.append(f"| `{name}` | `{json.dumps(defaults[name])}` | {field.description} |")
    return "\n".join(lines) + "\n"


def settings_fields_markdown() -> str:
    """The settings of `sentinel.yml` (all but channels and routes), for docs/alerts.md."""
    from sqlsentinel_dbt.config.files import SentinelFile

    defaults = SentinelFile().model_dump(mode="json")
    lines = ["| setting | default | description |", "| --- | --- | --- |"]
    for name, field in SentinelFile.model_fields.items():
        if name not in ("channels", "routes"):
            lines.append(f"| `{name}` | `{json.dumps(defaults[name])}` | {field.description} |")
    return "\n".join(lines) + "\n"


def channel_fields_markdown() -> str:
    """Every channel type's settings as Markdown tables, for docs/notifications.md."""
    from pydantic_core import PydanticUndefined

    from sqlsentinel_dbt.config.channels import CHANNEL_TYPES

    sections = []
    for kind, model in CHANNEL_TYPES.items():
        lines = [f"### `{kind}`", "", "| setting | default | description |", "| --- | --- | --- |"]
        for name, field in model.model_fields.items():
            label = field.alias or name
            if field.is_required():
                default = "required"
            elif field.default is PydanticUndefined and field.default_factory is not None:
                default = f"`{json.dumps(field.default_factory())}`"  # type: ignore[call-arg]
            else:
                default = f"`{json.dumps(field.default, default=str)}`"
            lines.append(f"| `{label}` | {default} | {field.description} |")
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"
