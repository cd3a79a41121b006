"""Alert queries may not read secrets from the environment, unless the project says so.

A variable is a secret when a channel setting reads it (every variable on its own, not
only the whole rendered setting) or when its name says so (`*SECRET*`, `*TOKEN*`,
`*PASSWORD*`, `*_KEY`, ...). docs/alerts.md states the policy.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from sqlsentinel_dbt.config.secrets import env_vars_read
from sqlsentinel_dbt.engine.query_policy import QueryPolicy
from sqlsentinel_dbt.redact import redact
from tests.conftest import Project, cli, make_project

CHANNELS = {
    "channels": [
        {
            "name": "hook",
            "type": "webhook",
            "url": "http://127.0.0.1:9/{{ env_var('T_ROUTE') }}",
            "headers": {"Authorization": "Bearer {{ env_var('T_BEARER' ~ '_' ~ 'X') }}"},
        }
    ]
}
READS = {
    "reads_the_channel_header_var": "T_BEARER_X",
    "reads_the_channel_url_var": "T_ROUTE",
    "reads_an_api_key": "T_API_KEY",
    "reads_a_password": "T_DB_PASSWORD",
    "reads_a_token": "T_GITHUB_TOKEN",
    "reads_a_plain_var": "T_REGION",
}


def alerts() -> dict[str, object]:
    return {
        "alerts": [
            {
                "name": name,
                "tags": ["env"],
                "query": f"select 'OK' as status, '{{{{ env_var('{var}', 'unset') }}}}' as v",
            }
            for name, var in READS.items()
        ]
        + [
            {  # inside a macro call chain: the check holds wherever the Jinja runs
                "name": "reads_a_secret_through_a_macro",
                "tags": ["env"],
                "query": "select 'OK' as status, '{{ return_env('T_SERVICE_SECRET') }}' as v",
            }
        ]
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    built = make_project(tmp_path_factory.mktemp("env"), "shop", "duckdb")
    (built.root / "alerts" / "env.yml").write_text(yaml.safe_dump(alerts()))
    (built.root / "macros" / "return_env.sql").write_text(
        "{% macro return_env(name) %}{{ return(env_var(name, 'unset')) }}{% endmacro %}"
    )
    yield built


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in [*READS.values(), "T_SERVICE_SECRET"]:
        monkeypatch.setenv(var, f"value-of-{var.lower()}")


def write_settings(project: Project, extra: dict[str, object]) -> None:
    (project.root / "sentinel.yml").write_text(yaml.safe_dump({**CHANNELS, **extra}))


def test_secret_variables_are_refused_naming_alert_and_variable(
    project: Project, environment: None
) -> None:
    write_settings(project, {})
    result = cli("dbt-run", *project.flags(), "-o", "json", "--no-notify", "-s", "tag:env")
    by_name = {r["alert"]: r for r in result.json()["results"]}

    assert by_name["reads_a_plain_var"]["status"] == "OK"
    assert by_name["reads_a_plain_var"]["context"]["v"] == "value-of-t_region"
    refused = {n: r["error"] for n, r in by_name.items() if r["status"] == "ERROR"}
    assert set(refused) == set(by_name) - {"reads_a_plain_var"}
    for name, var in [*READS.items(), ("reads_a_secret_through_a_macro", "T_SERVICE_SECRET")]:
        if name != "reads_a_plain_var":
            assert f"env_var('{var}') is refused" in refused[name]
            assert "allow_secret_env_vars" in refused[name]
    assert "a notification channel reads it" in refused["reads_the_channel_header_var"]
    assert "value-of-" not in result.stdout.replace("value-of-t_region", "")

    validated = cli("validate", *project.flags())
    assert validated.exit_code == 1
    assert "reads_an_api_key" in validated.stderr and "T_API_KEY" in validated.stderr
    assert "reads_a_plain_var" not in validated.stderr


def test_the_project_can_allow_a_variable_by_name_or_glob(
    project: Project, environment: None
) -> None:
    write_settings(project, {"allow_secret_env_vars": ["T_API_KEY", "T_*_TOKEN"]})
    result = cli("dbt-run", *project.flags(), "-o", "json", "--no-notify", "-s", "tag:env")
    by_name = {r["alert"]: r for r in result.json()["results"]}

    assert by_name["reads_an_api_key"]["context"]["v"] == "value-of-t_api_key"
    assert by_name["reads_a_token"]["status"] == "OK"
    assert by_name["reads_a_password"]["status"] == "ERROR"
    assert by_name["reads_the_channel_header_var"]["status"] == "ERROR"


def test_each_variable_a_channel_reads_is_a_secret_on_its_own(
    project: Project, environment: None
) -> None:
    # Allowed on purpose: masking still keeps the variable's own value out of results.
    write_settings(project, {"allow_secret_env_vars": ["T_BEARER_X"]})
    result = cli("dbt-run", *project.flags(), "-o", "json", "--no-notify", "-s", "tag:env")
    by_name = {r["alert"]: r for r in result.json()["results"]}

    assert by_name["reads_the_channel_header_var"]["context"]["v"] == "***"
    assert "value-of-t_bearer_x" not in result.stdout
    assert redact("token value-of-t_bearer_x") == "token ***"


def test_env_vars_read_records_every_variable_a_template_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("T_A", "alpha-value")
    monkeypatch.delenv("T_B", raising=False)
    read = env_vars_read("{{ env_var('T_A') }}:{{ env_var('T_' ~ 'B', 'dflt') }}")
    assert read == {"T_A": "alpha-value", "T_B": None}
    assert env_vars_read("no template here") == {}
    assert env_vars_read("{{ broken") == {}


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("MY_SECRET", True),
        ("slack_token", True),
        ("PGPASSWORD", True),
        ("STRIPE_API_KEY", True),
        ("AWS_CREDENTIALS", True),
        ("KEYBOARD_LAYOUT", False),
        ("REGION", False),
        ("SHOP_ORDER_LIMIT", False),
    ],
)
def test_names_that_look_secret(name: str, refused: bool) -> None:
    policy = QueryPolicy("duckdb")
    if refused:
        with pytest.raises(ValueError, match=name):
            policy.check_env_var(name)
    else:
        policy.check_env_var(name)
