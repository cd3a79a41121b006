"""A generated dbt project on DuckDB: N models, and the same N checks as alerts and as tests.

Check i counts the NULL amounts in model i against a threshold. The alert returns one
row with `status`; the singular test wraps the very same SQL and returns that row only
when the status is ALERT, which is what makes a dbt test fail. Every tenth model has
more NULLs than the threshold, so both tools see the same 10% of checks firing.

With `phased=True` the firing models take their NULLs from a one-row seed instead:
`write_phase(root, failing=False)` makes every check pass, `failing=True` makes the firing
ones fail. Switching rewrites only the seed's CSV, so dbt's partial parsing re-parses one
node and no `--vars` change forces a full re-parse on the next command.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROWS_PER_MODEL = 2000
PHASE_SEED = "bench_phase"

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


def write_phase(root: Path, failing: bool) -> None:
    """Set the phased project's seed: the firing checks fail when `failing`, else pass."""
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "seeds" / f"{PHASE_SEED}.csv").write_text(f"failing\n{str(failing).lower()}\n")


def write_project(
    root: Path, n: int, threads: int, firing_every: int = 10, phased: bool = False
) -> None:
    """Write the project, its DuckDB profile, N models, N alerts and N singular tests.

    `phased` makes the firing models depend on the seed that `write_phase` writes (passing
    until it says otherwise).
    """
    for folder in ("models", "alerts", "tests"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    project = {
        "name": "bench",
        "version": "1.0.0",
        "profile": "bench",
        "model-paths": ["models"],
        "test-paths": ["tests"],
    }
    if phased:
        project["seed-paths"] = ["seeds"]
        write_phase(root, failing=False)
    (root / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    output = {"type": "duckdb", "path": str(root / "bench.duckdb"), "threads": threads}
    profile = {"bench": {"target": "dev", "outputs": {"dev": output}}}
    (root / "profiles.yml").write_text(yaml.safe_dump(profile))

    alerts = []
    for i in range(n):
        # 2000 rows: a NULL every 50 rows gives 40 NULLs (fires), every 200 gives 10 (ok).
        null_every = "200"
        if firing(i, firing_every):
            null_every = "50"
            if phased:
                switch = f"{{{{ ref('{PHASE_SEED}') }}}}"
                null_every = f"(select case when failing then 50 else 200 end from {switch})"
        model = MODEL_SQL.format(null_every=null_every, rows=ROWS_PER_MODEL)
        (root / "models" / f"model_{i:04d}.sql").write_text(model)
        check = CHECK_SQL.format(i=i)
        alerts.append({"name": f"check_{i:04d}", "query": check})
        test = f"select * from (\n{check}) as result\nwhere status = 'ALERT'\n"
        (root / "tests" / f"check_{i:04d}.sql").write_text(test)
    (root / "alerts" / "checks.yml").write_text(yaml.safe_dump({"alerts": alerts}, width=200))
