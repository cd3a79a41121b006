"""sqlsentinel-dbt: SQL alerts as code for dbt projects."""

__version__ = "0.1.0"
