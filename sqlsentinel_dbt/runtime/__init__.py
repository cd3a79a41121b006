"""The library's front door: `Sentinel` opens a project, plans, runs and records.

The CLI, the daemon and the demo use it; Python users can drive it the same way:

    with Sentinel.open(DbtArgs(project_dir="my_project")) as sentinel:
        report = sentinel.run(select=["tag:finance"])
"""

from sqlsentinel_dbt.runtime.report import RunReport
from sqlsentinel_dbt.runtime.sentinel import Sentinel

__all__ = ["RunReport", "Sentinel"]
