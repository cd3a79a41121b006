"""Refuse alert queries that read files or other databases through the warehouse.

DuckDB runs inside sqlsentinel's process with no roles: `read_text('/etc/passwd')`,
`read_csv(...)`, `glob(...)` or `FROM 'secrets.json'` would put the contents of any file
this process can read into history and notifications. PostgreSQL has the same kind of
functions (`pg_read_file`), kept from ordinary roles; a superuser profile is common in
development. Both are refused unless the project allows them (`allow_file_functions`
in sentinel.yml, see docs/alerts.md).
"""

from __future__ import annotations

import re

from sqlglot import exp

from sqlsentinel_dbt.errors import WriteRefused

# Table functions (and their families, by prefix) that read files, URLs or other databases.
_DUCKDB_PREFIXES = (
    "read_",
    "parquet_",
    "iceberg_",
    "delta_",
    "sqlite_",
    "postgres_",
    "mysql_",
    "st_read",
)
_DUCKDB_NAMES = {
    "glob",
    "sniff_csv",
    "parquet_scan",
    "load_aws_credentials",
    "query",  # runs SQL given as a string, which no check would see
    "query_table",
}
_POSTGRES_NAMES = {
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_stat_file",
    "pg_ls_logdir",
    "pg_ls_waldir",
    "pg_ls_tmpdir",
    "pg_ls_archive_statusdir",
    "lo_import",
    "lo_export",
    "dblink",
}
# DuckDB reads `FROM 'orders.csv'` or `FROM "s3://b/x.parquet"` as a file: a table name
# holding a path separator, a URL scheme or a file extension.
_FILE_LIKE_NAME = re.compile(r"[/\\~]|://|\.[A-Za-z0-9]+$")


def check_file_access(statements: list[exp.Expr], adapter_type: str) -> None:
    """Raise WriteRefused naming the function when the parsed query reads files."""
    if adapter_type not in ("duckdb", "postgres", "redshift"):
        return
    for statement in statements:
        for node in statement.walk():
            refused = _file_function(node, adapter_type)
            if refused:
                raise WriteRefused(
                    f"{refused} reads files or other databases through the warehouse: refused "
                    "(set `allow_file_functions: true` in sentinel.yml to allow it)"
                )


def _file_function(node: exp.Expr, adapter_type: str) -> str | None:
    if isinstance(node, exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        if adapter_type == "duckdb" and (
            name in _DUCKDB_NAMES or name.startswith(_DUCKDB_PREFIXES)
        ):
            return f"{name}()"
        if adapter_type != "duckdb" and name in _POSTGRES_NAMES:
            return f"{name}()"
    if adapter_type == "duckdb" and isinstance(node, exp.Table):
        identifier = node.this
        if isinstance(identifier, exp.Identifier) and _FILE_LIKE_NAME.search(identifier.name):
            return f"the file {identifier.name!r}"
    return None
