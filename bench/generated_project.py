"""A generated dbt project on DuckDB: N models, and the same N checks as alerts and as tests.

Check i counts the NULL amounts in model i against a threshold. The alert returns one
row with `status`; the singular test wraps the very same SQL and returns that row only
when the status is ALERT, which is what makes a dbt test fail. Every tenth model has
more NULLs than the threshold, so both tools see the same 10% of checks firing.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROWS_PER_MODEL = 2000

CHECK_SQL = """\
select case when count(*) > {{{{ var('max_null_amounts', 25) }}}} then 'ALERT' else 'OK' end
         as status,
       count(*) as actual_value,
       {{{{ var('max_null_amounts', 25) }}}} as threshold
from {{{{ ref('model_{i:04d}') }}}}
where amount is null
"""

MODEL_SQL = """\
{{{{ config(materialized='table') }}}}
select i as id,
       i % 13 as bucket,
       case when i % {null_every} = 0 then null else i * 1.5 end as amount
from range({rows}) as t(i)
"""


def firing(i: int, every: int = 10) -> bool:
    """Whether check `i` fires: every tenth model (by default) holds too many NULLs."""
    return i % every == 0


def write_project(root: Path, n: int, threads: int, firing_every: int = 10) -> None:
    """Write the project, its DuckDB profile, N models, N alerts and N singular tests."""
    for folder in ("models", "alerts", "tests"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    project = {
        "name": "bench",
        "version": "1.0.0",
        "profile": "bench",
        "model-paths": ["models"],
        "test-paths": ["tests"],
    }
    (root / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    output = {"type": "duckdb", "path": str(root / "bench.duckdb"), "threads": threads}
    profile = {"bench": {"target": "dev", "outputs": {"dev": output}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))

    alerts = []
    for i in range(n):
        # 2000 rows: a NULL every 50 rows gives 40 NULLs (fires), every 200 gives 10 (ok).
        null_every = 50 if firing(i, firing_every) else 200
        model = MODEL_SQL.format(null_every=null_every, rows=ROWS_PER_MODEL)
        (root / "models" / f"model_{i:04d}.sql").write_text(model)
        check = CHECK_SQL.format(i=i)
        alerts.append({"name": f"check_{i:04d}", "query": check})
        test = f"select * from (\n{check}) as result\nwhere status = 'ALERT'\n"
        (root / "tests" / f"check_{i:04d}.sql").write_text(test)
    (root / "alerts" / "checks.yml").write_text(yaml.safe_dump({"alerts": alerts}, width=200))
