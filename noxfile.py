"""Test sessions per dbt-core minor version: `nox -s "tests(dbt='1.9')"`, or `nox` for all.

`tests` installs the package with its dev extras into a fresh virtualenv, pins dbt-core
and the adapters to one minor version, and runs pytest (extra arguments after `--` go to
pytest, e.g. `nox -- tests/test_dbt_run.py`). `integration` installs only what the
integration project needs and runs it (tests/test_integration_project.py) on DuckDB and
PostgreSQL: the README's test command runs it for the older versions. `audit` runs
pip-audit over every dependency (not by default: it needs PyPI's JSON API or OSV).
"""

from __future__ import annotations

import re

import nox

nox.options.default_venv_backend = "uv|venv"
nox.options.sessions = ["tests", "integration"]

DBT_VERSIONS = {
    # dbt-duckdb 1.9 reads query results in a way DuckDB 2.0 refuses; it came with 1.x.
    "1.9": ["dbt-core~=1.9.0", "dbt-duckdb~=1.9.0", "dbt-postgres~=1.9.0", "duckdb<2"],
    "1.10": ["dbt-core~=1.10.0", "dbt-duckdb~=1.10.0", "dbt-postgres~=1.10.0"],
    "1.11": ["dbt-core~=1.11.0", "dbt-duckdb~=1.11.0", "dbt-postgres~=1.11.0"],
}


@nox.session(python="3.11")
@nox.parametrize("dbt", list(DBT_VERSIONS))
def tests(session: nox.Session, dbt: str) -> None:
    """The test suite against one dbt-core minor version."""
    session.install("-e", ".[dev]", *DBT_VERSIONS[dbt])
    session.run("python", "-c", "import dbt.version; print('dbt-core', dbt.version.__version__)")
    session.run("pytest", "-n", "3", *session.posargs)


@nox.session(python="3.11")
@nox.parametrize("dbt", list(DBT_VERSIONS))
def integration(session: nox.Session, dbt: str) -> None:
    """integration_tests/ (the package installed by `local: ../`) on one dbt-core version."""
    session.install("-e", ".", "pytest>=8", "pytest-xdist>=3.5", *DBT_VERSIONS[dbt])
    session.run("python", "-c", "import dbt.version; print('dbt-core', dbt.version.__version__)")
    session.run("pytest", "-n", "2", "tests/test_integration_project.py", *session.posargs)


@nox.session(python="3.11")
def audit(session: nox.Session) -> None:
    """Known vulnerabilities in every dependency, extras included (pip-audit).

    pip-audit asks PyPI's JSON API (or OSV) about each installed package; `--strict`
    fails when one cannot be audited, so an unreachable database is never a pass.
    Accepted findings are listed, each dated and explained, in pip-audit-exceptions.txt.
    """
    session.install("-e", ".[dev,postgres,bigquery,snowflake,redshift]", "pip-audit>=2.7")
    ignores = [f"--ignore-vuln={vuln}" for vuln, _, _ in audit_exceptions()]
    session.run("pip-audit", "--strict", "--progress-spinner", "off", *ignores)


def audit_exceptions(path: str = "pip-audit-exceptions.txt") -> list[tuple[str, str, str]]:
    """(advisory id, date accepted, reason) for each line of the exceptions file."""
    entries = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split(maxsplit=2)
            if len(parts) < 3 or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", parts[1]):
                raise ValueError(f"{path}:{number}: want `ID YYYY-MM-DD reason`, got {line!r}")
            entries.append((parts[0], parts[1], parts[2].strip()))
    return entries


@nox.session(python="3.11")
def airflow(session: nox.Session) -> None:
    """SentinelRunOperator run by Airflow (`airflow dags test`), in an environment of its own.

    Airflow pins much of what it depends on, so it is not in the dev extras.
    """
    session.install("-e", ".[airflow]", "pytest>=8", "dbt-duckdb>=1.11", "psycopg2-binary")
    session.run("pytest", "tests_airflow", *session.posargs)


@nox.session(python="3.11")
def dagster(session: nox.Session) -> None:
    """The alerts as asset checks, run by Dagster in-process, in an environment of its own.

    dagster-dbt requires `sqlglot[rs]`, which pins sqlglot to its compiled extension's
    version: in the dev extras it would make the environment the tests and benchmarks run
    in differ from what a user without `[dagster]` installs.
    """
    session.install(
        "-e", ".[dagster]", "pytest>=8", "pytest-xdist>=3.5", "dbt-duckdb>=1.11", "psycopg2-binary"
    )
    session.run("pytest", "-n", "2", "tests_dagster", *session.posargs)


@nox.session(python="3.11")
def sqlite(session: nox.Session) -> None:
    """The demo, history, outbox and silences on SQLite, through dbt-sqlite.

    dbt-sqlite pins dbt-adapters to 1.16, which dbt-postgres 1.11 (in the dev extras) does
    not accept, so it gets an environment of its own.
    """
    session.install("-e", ".[sqlite]", "pytest>=8", "pytest-xdist>=3.5")
    session.run("pytest", "-n", "2", "tests_sqlite", *session.posargs)
