"""Alert declarations: what is accepted, and the errors for what is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlsentinel_dbt.config.duration import format_duration, parse_duration
from sqlsentinel_dbt.config.loader import MetaAlerts
from sqlsentinel_dbt.config.models import OnNoData, Severity
from sqlsentinel_dbt.config.project import load_alerts
from sqlsentinel_dbt.errors import ConfigError


def write(root: Path, name: str, text: str | bytes) -> None:
    path = root / "alerts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


def problems(root: Path, meta: list[MetaAlerts] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_alerts(root, meta or [])
    return caught.value.problems


def test_defaults_and_both_sources(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", "alerts:\n  - name: a\n    query: select 'OK' as status\n")
    write(tmp_path, "sub/b.yaml", "alerts:\n  - {name: b, query: x, timeout: 5m, severity: warn}\n")
    meta = [MetaAlerts("model.p.orders", "models/schema.yml", [{"name": "c", "query": "q"}])]
    alerts = {d.name: d for d in load_alerts(tmp_path, meta)}

    assert alerts["a"].alert.severity is Severity.ERROR
    assert alerts["a"].alert.on_no_data is OnNoData.OK
    assert (alerts["a"].alert.timeout, alerts["a"].alert.max_instances) == (300, 1000)
    assert (alerts["b"].path, alerts["b"].alert.timeout) == ("alerts/sub/b.yaml", 300)
    assert alerts["c"].node_id == "model.p.orders"


def test_unknown_field_names_file_alert_field_and_suggests(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yml",
        "alerts:\n  - name: revenue\n    query: q\n    severity: warn\n    tresholds: 3\n",
    )
    [problem] = problems(tmp_path)
    assert problem.startswith("alerts/a.yml: alert 'revenue': unknown field 'tresholds'")
    assert "Allowed:" in problem


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yml",
        "alerts:\n"
        "  - {name: one, query: '   '}\n"
        "  - {name: two, query: q, schedule: 'every day'}\n"
        "  - {name: three, query: q, severity: critical}\n"
        "  - {query: q}\n"
        "  - {name: 'bad name!', query: q}\n",
    )
    found = problems(tmp_path)
    assert len(found) == 5
    assert "alert 'one': field 'query': the query is empty" in found[0]
    assert "alert 'two': field 'schedule': 'every day' is not a valid cron" in found[1]
    assert "alert 'three': field 'severity'" in found[2] and "'warn' or 'error'" in found[2]
    assert "alert #4: field 'name' is required" in found[3]
    assert "a name is letters, digits" in found[4]


def test_duplicate_names_across_files_and_meta(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", "alerts:\n  - {name: dup, query: q}\n")
    meta = [MetaAlerts("model.p.orders", "models/schema.yml", [{"name": "dup", "query": "q"}])]
    [problem] = problems(tmp_path, meta)
    assert (
        "models/schema.yml (meta of model.p.orders): alert 'dup' is already declared in "
        "alerts/a.yml" in problem
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("alerts: [\n", "alerts/a.yml: invalid YAML"),
        ("- just a list", "must be a mapping"),
        ("alerts: {name: x}", "`alerts` must be a list"),
        ("alerts:\n  - just text", "alert #1: must be a mapping"),
        ("channel: []", "unknown top-level key 'channel'"),
        (b"alerts: []\n# caf\xe9\n", "not valid UTF-8"),
    ],
)
def test_malformed_files_get_clear_errors(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    write(tmp_path, "a.yml", content)
    assert expected in problems(tmp_path)[0]


def test_yaml_error_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", "alerts:\n  - name: a\n    query: [unclosed\n")
    assert "line" in problems(tmp_path)[0]


def test_meta_must_be_a_list(tmp_path: Path) -> None:
    meta = [MetaAlerts("model.p.orders", "models/schema.yml", {"name": "x"})]
    assert "must be a list of alerts" in problems(tmp_path, meta)[0]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(90, 90.0), ("90", 90.0), ("30s", 30.0), ("5m", 300.0), ("1h30m", 5400.0), ("2d", 172800.0)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5 minutes", "m5", "-3", True, None, "1h-2m"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_durations_format_back() -> None:
    assert [format_duration(s) for s in (300, 5400, 86400, 1.5)] == ["5m", "90m", "1d", "1.5s"]
