"""`sentinel schema`: the JSON Schema of alert files, for editor completion."""

from __future__ import annotations

import sys


def schema() -> None:
    """Print the JSON Schema of `alerts/*.yml` files."""
    from sqlsentinel_dbt.config.schema import alert_file_schema_json

    sys.stdout.write(alert_file_schema_json() + "\n")
