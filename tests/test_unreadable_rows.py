"""Rows in the warehouse that this version cannot read never stop a run.

History is append-only and shared, so a bad row (written by hand, by another tool, or by a
newer version) stays there. It is skipped with a warning that names it, its instance
starts from no prior state, and the run goes on and writes its history. Real DuckDB and
PostgreSQL; the rows are planted with plain SQL beside sqlsentinel.
"""

from __future__ import annotations

from tests.conftest import CliResult, Project, cli, run_args
from tests.warehouse_sql import execute, query

HISTORY_COLUMNS = (
    "run_id, invocation_id, project_name, target_name, alert_name, alert_key, status, state, "
    "state_since, state_count, severity, actual_value, threshold, context, error, started_at, "
    "duration_ms"
)


def run(shop: Project, schema: str) -> CliResult:
    """busy_regions with eu over its limit: eu is pending after one run, firing after two."""
    result = cli(*run_args(shop, schema, "busy_regions", orders_limit=2))
    assert result.exit_code in (0, 1), result.stderr  # 1: something fired, as it should
    return result


def eu_state(result: CliResult) -> str:
    [eu] = [r for r in result.json()["results"] if r["key"] == "eu"]
    return str(eu["state"])


def plant_history_row(shop: Project, schema: str, **overrides: str) -> None:
    """A copy of eu's newest row, a moment newer, with `overrides` (SQL expressions)."""
    values = {c.strip(): c.strip() for c in HISTORY_COLUMNS.split(",")}
    values |= {"run_id": "'planted'", "started_at": "started_at + interval '1 millisecond'"}
    # The newest real row of eu, even once other keys have planted rows.
    values |= overrides
    execute(
        shop,
        f"insert into {schema}.sentinel_alert_history ({HISTORY_COLUMNS}) "
        f"select {', '.join(values.values())} from {schema}.sentinel_alert_history "
        "where alert_name = 'busy_regions' and alert_key = 'eu' and run_id <> 'planted' "
        f"order by started_at desc limit 1",
    )


# Planted beside eu's real rows, each on a key of its own, so one run meets them all.
BAD_HISTORY_ROWS = {
    "eu": ({"state": "'exploded'"}, "`state` is 'exploded', not one of ok"),
    "k_severity": ({"severity": "'catastrophic'"}, "`severity` is 'catastrophic'"),
    "k_no_severity": ({"severity": "null"}, "`severity` is NULL"),
    "k_count": ({"state_count": "-3"}, "`state_count` is -3, not a count"),
}


def test_unreadable_history_rows_are_skipped_and_the_run_writes_its_history(
    shop: Project, sentinel_schema: str
) -> None:
    assert eu_state(run(shop, sentinel_schema)) == "pending"
    for key, (overrides, _) in BAD_HISTORY_ROWS.items():
        plant_history_row(shop, sentinel_schema, alert_key=f"'{key}'", **overrides)
    rows_before = len(query(shop, f"select 1 from {sentinel_schema}.sentinel_alert_history"))

    after = run(shop, sentinel_schema)  # reads each planted row as its key's newest: cannot
    warning = " ".join(after.stderr.split())
    for key, (_, reason) in BAD_HISTORY_ROWS.items():
        named = f"sentinel_alert_history: the newest row of alert 'busy_regions' key '{key}'"
        assert f"{named} cannot be read ({reason}" in warning, key
    assert warning.count("the instance starts from no prior state") == len(BAD_HISTORY_ROWS)
    assert eu_state(after) == "pending"  # from no prior state: pending again, not firing
    rows_after = len(query(shop, f"select 1 from {sentinel_schema}.sentinel_alert_history"))
    assert rows_after > rows_before  # the run wrote its history

    assert eu_state(run(shop, sentinel_schema)) == "firing"  # and the next run goes on from it


def test_a_history_row_without_started_at_hides_no_later_row(
    shop: Project, sentinel_schema: str
) -> None:
    # PostgreSQL sorts NULLs first in a descending order: such a row would be the newest
    # of its instance for ever, whatever later runs write.
    run(shop, sentinel_schema)
    plant_history_row(shop, sentinel_schema, state="'ok'", started_at="null")
    assert eu_state(run(shop, sentinel_schema)) == "firing"


def test_an_unreadable_silence_is_skipped_and_the_others_still_hold(
    shop: Project, sentinel_schema: str
) -> None:
    flags = [*shop.flags(), "--vars", f"{{sqlsentinel_schema: {sentinel_schema}}}"]
    made = cli("silence", "busy_regions", "--for", "2h", "--reason", "kept", "--by", "ana", *flags)
    assert made.exit_code == 0, made.stderr
    planted = (("no_matcher", "null", "starts_at"), ("no_start", "'x'", "null"))
    for silence_id, matcher, starts in planted:
        execute(
            shop,
            f"insert into {sentinel_schema}.sentinel_silences (silence_id, matcher, starts_at, "
            f"ends_at, reason, created_by, created_at) select '{silence_id}', {matcher}, "
            f"{starts}, ends_at, reason, created_by, created_at "
            f"from {sentinel_schema}.sentinel_silences limit 1",
        )
    listed = cli("silences", *flags)
    assert listed.exit_code == 0, listed.stderr
    assert "kept" in listed.stdout and "no_matcher" not in listed.stdout
    warning = " ".join(listed.stderr.split())
    assert "sentinel_silences: silence 'no_matcher' cannot be read (`matcher` is NULL)" in warning
    assert "silence 'no_start' cannot be read (`starts_at` is NULL)" in warning

