"""`sentinel list`: the selected alerts, where they are declared, what they read."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from sqlsentinel_dbt.cli import options as o
from sqlsentinel_dbt.cli.console import opened, out
from sqlsentinel_dbt.cli.render import print_json
from sqlsentinel_dbt.dbt import DbtArgs


@o.dbt_flags()
def list_alerts(
    dbt: DbtArgs,
    select: o.Select = None,
    exclude: o.Exclude = None,
    allow_empty: o.AllowEmpty = False,
    output: o.Output = o.OutputFormat.TEXT,
) -> None:
    """List the enabled alerts that --select/--exclude pick, with the dbt nodes they read."""
    with opened(dbt) as sentinel:
        plans = sentinel.plan(select or [], exclude or [], allow_empty=allow_empty)
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "severity": p.declared.alert.severity.value,
            "tags": p.declared.alert.tags,
            "owner": p.declared.alert.owner,
            "schedule": p.declared.alert.schedule,
            "declared_in": p.declared.origin,
            "depends_on": sorted(p.depends_on),
            "compile_error": p.compile_error,
        }
        for p in plans
    ]
    if output is o.OutputFormat.JSON:
        print_json({"alerts": rows})
        return
    table = Table(title=f"{len(rows)} alerts", title_justify="left")
    for column in ("Alert", "Severity", "Tags", "Owner", "Declared in", "Reads"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["name"],
            row["severity"],
            ", ".join(row["tags"]),
            row["owner"] or "",
            row["declared_in"],
            "[red]compile error[/]" if row["compile_error"] else ", ".join(row["depends_on"]),
        )
    out.print(table)
