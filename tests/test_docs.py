"""Docs that describe the code stay equal to the code."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from sqlsentinel_dbt.config.schema import alert_fields_markdown

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_alert_field_reference_matches_the_model() -> None:
    assert alert_fields_markdown() in (DOCS / "alerts.md").read_text()


def test_anomaly_settings_reference_matches_the_model() -> None:
    from sqlsentinel_dbt.config.schema import anomaly_fields_markdown

    assert anomaly_fields_markdown() in (DOCS / "anomalies.md").read_text()


def test_settings_reference_matches_the_model() -> None:
    from sqlsentinel_dbt.config.schema import settings_fields_markdown

    assert settings_fields_markdown() in (DOCS / "alerts.md").read_text()


def test_history_columns_in_docs_match_the_macro() -> None:
    macro = (DOCS.parent / "macros" / "storage" / "alert_history_columns.sql").read_text()
    documented = (DOCS / "alerts.md").read_text().split("## History", 1)[1]
    for line in macro.splitlines():
        if line.strip().startswith("('"):
            column = line.strip()[2:].split("'", 1)[0]
            assert f"`{column}`" in documented, column


def test_relative_links_in_readme_and_docs_point_at_files() -> None:
    pages = [DOCS.parent / "README.md", *DOCS.glob("*.md")]
    links = [
        (page, target)
        for page in pages
        for target in re.findall(r"\]\(([^)#]+)\)", page.read_text())
        if "://" not in target
    ]
    assert links, "no links found: the pattern is broken"
    assert [(p.name, t) for p, t in links if not (p.parent / t).exists()] == []


def test_a_link_to_a_decision_says_its_number() -> None:
    """`[ADR 0011](decisions/0012-...)` reads as one decision and opens another."""
    pages = [DOCS.parent / "README.md", *DOCS.glob("*.md")]
    links = [
        (page.name, label, target)
        for page in pages
        for label, target in re.findall(
            r"\[([^\]]*)\]\((?:\.\./)*decisions/(\d{4})-", page.read_text()
        )
    ]
    assert links, "no links to decisions found: the pattern is broken"
    numbered = [(p, label, t) for p, label, t in links if re.search(r"\d{4}", label)]
    assert [(p, label, t) for p, label, t in numbered if t not in label] == []


def test_notification_config_in_docs_is_valid(tmp_path: Path) -> None:
    from sqlsentinel_dbt.config.project import load_config

    page = (DOCS / "notifications.md").read_text()
    [block] = re.findall(r"```yaml\n# sentinel.yml\n(.*?)```", page, re.S)
    (tmp_path / "sentinel.yml").write_text(block)
    config = load_config(tmp_path)
    assert sorted(config.channels) == ["data_team_slack", "oncall_hook"]
    assert [r.continue_ for r in config.routes] == [True, False]
    assert config.settings.retry_budget == 120


def test_owners_example_in_notification_docs_is_valid(tmp_path: Path) -> None:
    from sqlsentinel_dbt.config.project import load_config

    page = (DOCS / "notifications.md").read_text()
    [block] = re.findall(r"```yaml\n# sentinel.yml: owners\n(.*?)```", page, re.S)
    (tmp_path / "sentinel.yml").write_text(block)
    config = load_config(tmp_path)
    owners = config.settings.owners
    assert sorted(owners) == ["Finance Data", "crm-team"]
    assert owners["crm-team"].slack == ["U024BE7LH", "S0614TZR7"]
    assert owners["crm-team"].teams[0].id == "jane.doe@example.com"
    assert [r.match.group for r in config.routes] == ["finance", None]


def test_slack_threads_example_in_notification_docs_is_valid(tmp_path: Path) -> None:
    from sqlsentinel_dbt.config.channels import SlackChannel
    from sqlsentinel_dbt.config.project import load_config

    page = (DOCS / "notifications.md").read_text()
    [block] = re.findall(r"```yaml\n# sentinel.yml: Slack threads\n(.*?)```", page, re.S)
    (tmp_path / "sentinel.yml").write_text(block)
    channel = load_config(tmp_path).channels["data_alerts"]
    assert isinstance(channel, SlackChannel)
    assert channel.threaded and channel.groups_per_message() == 1


def test_mute_windows_example_in_notification_docs_is_valid(tmp_path: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sqlsentinel_dbt.config.project import load_config

    page = (DOCS / "notifications.md").read_text()
    [block] = re.findall(r"```yaml\n# sentinel.yml: mute windows\n(.*?)```", page, re.S)
    channels = "channels:\n" + "".join(
        f"  - {{name: {name}, type: webhook, url: 'http://127.0.0.1:9'}}\n"
        for name in ("data_team_slack", "oncall_hook")
    )
    (tmp_path / "sentinel.yml").write_text(block + channels)
    config = load_config(tmp_path)
    nights, office = config.settings.time_intervals
    berlin, new_york = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
    assert nights.contains(datetime(2026, 7, 1, 22, 30, tzinfo=berlin))
    assert not nights.contains(datetime(2026, 7, 1, 7, 0, tzinfo=berlin))
    assert office.contains(datetime(2026, 12, 4, 16, 59, tzinfo=new_york))  # a Friday
    assert not office.contains(datetime(2026, 12, 5, 10, 0, tzinfo=new_york))
    assert [r.mute_time_intervals for r in config.routes] == [["nights"], []]
    assert [r.active_time_intervals for r in config.routes] == [[], ["office_hours"]]


def test_inhibition_example_in_notification_docs_is_valid(tmp_path: Path) -> None:
    from sqlsentinel_dbt.config.models import Alert
    from sqlsentinel_dbt.config.project import load_config
    from sqlsentinel_dbt.notify.inhibition import Firing, Inhibitor

    page = (DOCS / "notifications.md").read_text()
    [block] = re.findall(r"```yaml\n# sentinel.yml: inhibition\n(.*?)```", page, re.S)
    (tmp_path / "sentinel.yml").write_text(block)
    settings = load_config(tmp_path).settings
    assert settings.inhibit_downstream
    outage = Alert(name="warehouse_down", query="q", tags=["outage"], owner="ops")
    warning = Alert(name="orders_late", query="q", severity="warn", owner="ops")
    inhibitor = Inhibitor(settings.inhibit_rules, [Firing(outage, None)])
    assert inhibitor(warning, "eu") == "inhibited by warehouse_down"
    assert inhibitor(warning.model_copy(update={"owner": "crm"}), "eu") is None


def test_escalation_example_in_notification_docs_is_valid(tmp_path: Path) -> None:
    from sqlsentinel_dbt.config.channels import OpsgenieChannel
    from sqlsentinel_dbt.config.project import load_config

    page = (DOCS / "notifications.md").read_text()
    [block] = re.findall(r"```yaml\n# sentinel.yml: escalation\n(.*?)```", page, re.S)
    (tmp_path / "sentinel.yml").write_text(block)
    config = load_config(tmp_path)
    assert isinstance(config.channels["oncall_opsgenie"], OpsgenieChannel)
    chat, pager = config.routes
    assert (chat.repeat_interval, chat.escalate_after) == (86400, None)
    assert (pager.repeat_interval, pager.escalate_after) == (1800, 7200)


def test_digests_example_in_notification_docs_is_valid(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sqlsentinel_dbt.config.project import load_config
    from sqlsentinel_dbt.errors import ConfigError

    page = (DOCS / "notifications.md").read_text()
    [block] = re.findall(r"```yaml\n# sentinel.yml: digests\n(.*?)```", page, re.S)
    channels = "channels:\n" + "".join(
        f"  - {{name: {name}, type: webhook, url: 'http://127.0.0.1:9'}}\n"
        for name in ("data_team_slack", "oncall_hook")
    )
    (tmp_path / "sentinel.yml").write_text(block + channels)
    digest = load_config(tmp_path).routes[0].digest
    assert digest is not None
    summer = digest.times.next_after(datetime(2026, 7, 1, 12, tzinfo=UTC))
    assert summer == datetime(2026, 7, 2, 7, tzinfo=UTC)  # 09:00 in Berlin, summer time
    paged = (
        "channels: [{name: pager, type: pagerduty, routing_key: k}]\n"
        "routes: [{notify: [pager], digest: {schedule: '0 9 * * *'}}]\n"
    )
    (tmp_path / "sentinel.yml").write_text(paged)
    with pytest.raises(ConfigError, match="a digest cannot go to pagerduty channel 'pager'"):
        load_config(tmp_path)


def test_the_decisions_example_uses_the_outcomes_the_code_gives() -> None:
    from sqlsentinel_dbt.notify.explain import OUTCOMES

    page = (DOCS / "notifications.md").read_text().split("## Why a notification", 1)[1]
    [example] = re.findall(r"```text\n(.*?)```", page, re.S)
    shown = re.findall(r"^  \S+ -> \S+: ([a-z ]+?)(?::|$| \()", example, re.M)
    assert len(shown) == 4 and set(shown) <= set(OUTCOMES), shown
    prose = page.split("The outcomes:", 1)[1].split("\n\n", 1)[0]
    assert all(f"`{outcome}`" in prose for outcome in OUTCOMES)


def test_cli_examples_in_notification_docs_are_real_commands() -> None:
    from sqlsentinel_dbt.cli import app

    page = (DOCS / "notifications.md").read_text()
    commands = {c.name for c in app.registered_commands}
    used = re.findall(r"^sentinel ([a-z-]+)( --[a-z-]+)?", page, re.M)
    assert used and {name for name, _ in used} <= commands
    from typer.testing import CliRunner

    help_text = CliRunner().invoke(app, ["dbt-run", "--help"], env={"COLUMNS": "200"}).output
    for name, flag in used:
        if name == "dbt-run" and flag:
            assert flag.strip() in help_text


def test_channel_reference_matches_the_models() -> None:
    from sqlsentinel_dbt.config.schema import channel_fields_markdown

    assert channel_fields_markdown() in (DOCS / "notifications.md").read_text()


def column_macro(path: str) -> list[str]:
    text = (DOCS.parent / "macros" / path).read_text()
    return re.findall(r"^\s*\('([a-z_]+)',", text, re.M)


def test_source_docs_list_exactly_the_columns_the_macros_create() -> None:
    import yaml

    sources = yaml.safe_load((DOCS.parent / "models" / "sqlsentinel_tables.yml").read_text())
    tables = {t["name"]: t for t in sources["sources"][0]["tables"]}
    macros = {
        "sentinel_alert_history": "storage/alert_history_columns.sql",
        "sentinel_notifications": "outbox/notification_columns.sql",
        "sentinel_silences": "silences/silence_columns.sql",
        "sentinel_threads": "threads/thread_columns.sql",
        "sentinel_schedule_claims": "schedule/schedule_claim_columns.sql",
    }
    assert set(tables) == set(macros)
    for name, macro in macros.items():
        documented = [c["name"] for c in tables[name]["columns"]]
        assert documented == column_macro(macro), name
        assert all(c.get("description") for c in tables[name]["columns"]), name


def test_ci_recipe_is_the_workflow_init_writes() -> None:
    from sqlsentinel_dbt.resources import project_template

    page = (DOCS / "ci.md").read_text()
    [block] = re.findall(r"```yaml\n(.*?)```", page, re.S)
    workflow = project_template() / ".github" / "workflows" / "sentinel.yml"
    assert block == workflow.read_text()


def yaml_blocks(page: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", (DOCS / page).read_text(), re.S)


def integration_stg_orders() -> dict:  # type: ignore[type-arg]
    import yaml

    project = DOCS.parent / "integration_tests" / "models" / "_models.yml"
    [model] = [
        m for m in yaml.safe_load(project.read_text())["models"] if m["name"] == "stg_orders"
    ]
    return model  # type: ignore[no-any-return]


def test_dbt_cloud_meta_example_is_an_alert_the_integration_project_runs() -> None:
    import yaml

    [model] = yaml.safe_load(yaml_blocks("dbt_cloud.md")[0])["models"]
    documented = model["config"]["meta"]["sentinel"]["alerts"]
    ran = {a["name"]: a for a in integration_stg_orders()["config"]["meta"]["sentinel"]["alerts"]}
    assert documented and all(alert == ran[alert["name"]] for alert in documented)


def test_alert_test_example_is_a_test_the_integration_project_runs() -> None:
    import yaml

    [block] = [b for b in yaml_blocks("dbt_cloud.md") if "data_tests:" in b]
    documented = yaml.safe_load(block)["data_tests"]
    assert documented and all(t in integration_stg_orders()["data_tests"] for t in documented)


def test_dbt_cloud_job_commands_are_the_recipe_init_writes() -> None:
    recipe = (DOCS.parent / "dbt_project_template" / "sqlsentinel-dbt-cloud.md").read_text()
    page = (DOCS / "dbt_cloud.md").read_text()
    bash = [b for b in re.findall(r"```bash\n(.*?)```", page, re.S) if "run-operation" in b]
    assert len(bash) == 1 and f"```bash\n{bash[0]}```" in recipe


def test_sentinel_commands_in_the_dbt_cloud_guide_are_real() -> None:
    from typer.testing import CliRunner

    from sqlsentinel_dbt.cli import app

    page = (DOCS / "dbt_cloud.md").read_text()
    used = re.findall(r"^sentinel ([a-z-]+)((?: --[a-z-]+(?: [^ \n-][^ \n]*)?)*)", page, re.M)
    assert {name for name, _ in used} == {"notify", "dbt-run"}
    for name, flags in used:
        help_text = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200"}).output
        for flag in re.findall(r"--[a-z-]+", flags):
            assert flag in help_text, (name, flag)


def table_reference_markdown() -> str:
    """The columns of sqlsentinel's tables, as models/sqlsentinel_tables.yml documents them."""
    import yaml

    sources = yaml.safe_load((DOCS.parent / "models" / "sqlsentinel_tables.yml").read_text())
    parts = []
    for table in sources["sources"][0]["tables"]:
        rows = [f"| `{c['name']}` | {c['description']} |" for c in table["columns"]]
        parts.append(
            "\n".join(
                [
                    f"### `{table['name']}`",
                    "",
                    table["description"],
                    "",
                    "| column | meaning |",
                    "| --- | --- |",
                    *rows,
                ]
            )
        )
    return "\n\n".join(parts) + "\n"


def test_table_reference_in_docs_matches_the_package_sources() -> None:
    assert table_reference_markdown() in (DOCS / "dbt_package.md").read_text()


def test_every_test_named_in_the_reliability_doc_exists() -> None:
    text = (DOCS / "reliability.md").read_text()
    named = set(re.findall(r"`(tests/[\w/]+\.py)::(\w+)(?:\[(\w+)\])?`", text))
    assert len(named) >= 20
    for path, name, param in named:
        source = (ROOT / path).read_text()
        assert re.search(rf"^def {name}\(", source, re.M), f"{path}::{name} does not exist"
        if param:
            assert param in source, f"{path}::{name}[{param}]: no such parameter"


def test_daemon_doc_lists_every_metric_and_api_path() -> None:
    from prometheus_client import Metric

    from sqlsentinel_dbt.daemon.metrics import Metrics

    doc = (DOCS / "daemon.md").read_text()
    families: list[Metric] = list(Metrics().registry.collect())
    for family in families:
        name = family.name + ("_total" if family.type == "counter" else "")
        assert f"`{name}`" in doc or f"`{name}` (histogram)" in doc, name
    documented = {
        path
        for group in re.findall(r"`((?:GET|POST|DELETE) /api/[^`]+)`", doc)
        for path in re.findall(r"(/api/\S+)", group)
    }
    from sqlsentinel_dbt.daemon.app import Backend, create_app

    # Routes are only declared here, never called: a stand-in project is enough.
    app = create_app(Backend(sentinel=object()), None)  # type: ignore[arg-type]
    served = {r.path for r in app.routes if getattr(r, "path", "").startswith("/api/")}

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    assert {shape(p) for p in documented} == {shape(p) for p in served}


def test_daemon_settings_in_the_doc_are_valid() -> None:
    import yaml

    from sqlsentinel_dbt.config.files import AlertFile, SentinelFile

    blocks = re.findall(r"```yaml\n(.*?)```", (DOCS / "daemon.md").read_text(), re.S)
    SentinelFile.model_validate(yaml.safe_load(blocks[0]))
    AlertFile.model_validate(yaml.safe_load(blocks[1]))


def test_query_policy_settings_in_the_alerts_doc_are_valid() -> None:
    import yaml

    from sqlsentinel_dbt.config.files import SentinelFile

    section = (DOCS / "alerts.md").read_text().split("## What an alert may do")[1]
    block = section.split("```yaml\n")[1].split("```")[0]
    settings = SentinelFile.model_validate(yaml.safe_load(block))
    assert settings.allow_secret_env_vars == ["REPORTING_API_KEY", "PUBLIC_*_TOKEN"]


def test_the_webhook_body_in_the_docs_is_what_is_sent() -> None:
    import json
    from datetime import datetime

    from sqlsentinel_dbt.engine.notification import Notification
    from sqlsentinel_dbt.notify.render.webhook import webhook_body

    page = (DOCS / "notifications.md").read_text().split("## Webhook payload", 1)[1]
    [block] = re.findall(r"```json\n(.*?)```", page, re.S)
    shown = json.loads(block)
    notifications = [Notification.from_payload(n) for n in shown["notifications"]]
    sent = webhook_body(notifications, datetime.fromisoformat(shown["sent_at"]))
    assert json.loads(sent) == shown


def test_sentinel_commands_in_the_docs_use_real_options() -> None:
    from typer.testing import CliRunner

    from sqlsentinel_dbt.cli import app

    lines = [
        line
        for doc in sorted(DOCS.glob("*.md"))
        for block in re.findall(r"```bash\n(.*?)```", doc.read_text(), re.S)
        for line in block.splitlines()
        if line.startswith("sentinel ")
    ]
    assert any("--allowed-host" in line for line in lines)
    assert any("--shard" in line for line in lines)
    for line in lines:
        command = line.split()[1]
        help_text = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        for flag in re.findall(r"(--[a-z-]+)", line):
            assert flag in help_text, (command, flag)


def test_the_message_template_example_renders(tmp_path: Path) -> None:
    from sqlsentinel_dbt.config.project import load_config
    from sqlsentinel_dbt.engine.notification import Kind, Notification
    from sqlsentinel_dbt.notify.render.slack import slack_message
    from sqlsentinel_dbt.notify.render.template import alert_problems, samples

    page = (DOCS / "notifications.md").read_text()
    [block] = re.findall(r"```yaml\n# alerts/orders.yml: a message template\n(.*?)```", page, re.S)
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "orders.yml").write_text(block)
    [declared] = load_config(tmp_path).alerts
    assert alert_problems(declared.alert) == []
    assert declared.alert.message is not None
    base = Notification("n", "c", "g", declared.name, Kind.FIRING, "error", "t", "r")
    firing = samples(replace(base, message_template=declared.alert.message))[0]
    text = json.dumps(slack_message([firing]))
    assert "*orders_late* (error): 2 region(s) late" in text and "- key_1: 3.0 of 2.0" in text


def test_message_template_bounds_and_caps_in_docs_match_the_code() -> None:
    from sqlsentinel_dbt.notify.render import limits, sandbox, template

    page = (DOCS / "notifications.md").read_text().split("## Message templates", 1)[1]
    documented = {int(n.replace(",", "")) for n in re.findall(r"\b\d{1,3}(?:,\d{3})+\b", page)}
    for value in (
        sandbox.WORK_LIMIT,
        sandbox.VALUE_LIMIT,
        sandbox.WIDTH_LIMIT,
        template.SOURCE_LIMIT,
        limits.SLACK_SECTION,
        limits.TEAMS_BYTES,
        limits.EMAIL_PART,
        limits.PAGERDUTY_BYTES,
        limits.PAGERDUTY_SUMMARY,
        limits.WEBHOOK_BYTES,
    ):
        assert value in documented, value
    assert f"{sandbox.TIME_LIMIT:g} seconds" in page


# A measured figure: a number with a unit of time, memory, rate or ratio.
MEASURED = re.compile(r"\b\d[\d,]*(\.\d+)? ?(s|ms|MiB|MB|GiB|KB|x|%|/s)(?![\w-])")


def test_performance_figures_are_only_those_the_benchmarks_wrote() -> None:
    text = (ROOT / "docs" / "performance.md").read_text()
    outside = re.sub(r"<!-- bench:(\S+):start -->.*?<!-- bench:\1:end -->", "", text, flags=re.S)
    by_hand = [m.group(0) for m in MEASURED.finditer(outside)]
    assert by_hand == [], "figures outside the benchmark sections: " + ", ".join(by_hand)
    sections = re.findall(r"<!-- bench:(\S+):start -->", text)
    assert {"dbt-test", "notifications", "daemon"} <= set(sections)
