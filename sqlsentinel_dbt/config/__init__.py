"""Alert declarations: the pydantic models, YAML and dbt-meta loading, JSON Schema."""

from sqlsentinel_dbt.config.files import AlertFile
from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.config.models import Alert, OnNoData, Severity
from sqlsentinel_dbt.config.project import load_alerts

__all__ = ["Alert", "AlertFile", "DeclaredAlert", "OnNoData", "Severity", "load_alerts"]
