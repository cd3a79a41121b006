"""Compile every enabled alert once, then pick the ones the selection asks for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlsentinel_dbt.config.loader import DeclaredAlert
from sqlsentinel_dbt.dbt import CompiledQuery, DbtProject
from sqlsentinel_dbt.engine.query_policy import QueryPolicy
from sqlsentinel_dbt.engine.result import AlertResult
from sqlsentinel_dbt.engine.selection import Selectable, Selection, check_selection
from sqlsentinel_dbt.errors import CompileError, Refused, WriteRefused


@dataclass(frozen=True)
class PlannedAlert:
    """An alert ready to run: its compiled SQL, or why it cannot run (`compile_error`)."""

    declared: DeclaredAlert
    compiled: CompiledQuery | None = None
    compile_error: str | None = None
    recorded: tuple[AlertResult, ...] | None = None
    """For a check dbt already ran (engine/from_dbt.py): its results, recorded, not run."""
    invocation_id: str | None = None
    """For a recorded check: the dbt invocation that ran it, which its history rows carry."""

    @property
    def name(self) -> str:
        """The alert's name."""
        return self.declared.name

    @property
    def depends_on(self) -> frozenset[str]:
        """Dbt nodes the alert reads, plus the node whose meta declares it."""
        reads = self.compiled.depends_on if self.compiled else frozenset()
        node = self.declared.node_id
        return reads | {node} if node else reads


def compile_alert(
    project: DbtProject, declared: DeclaredAlert, policy: QueryPolicy | None = None
) -> PlannedAlert:
    """Compile one alert through dbt and check it only reads; a problem is kept, not raised.

    `policy` (default: the strictest for the project's adapter) judges the final query
    and whatever the Jinja runs or reads while it compiles. A refused query keeps its
    compiled SQL (for `sentinel compile` and selection by the nodes it reads) but has a
    `compile_error`, so it is never sent.
    """
    if declared.problems:
        return PlannedAlert(declared, compile_error="config error: " + "; ".join(declared.problems))
    policy = policy or QueryPolicy(project.warehouse.adapter_type)
    try:
        compiled = project.compile(declared.alert.query, policy.compile_checks())
    except Refused as exc:
        return PlannedAlert(declared, compile_error=f"refused: {exc}")
    except CompileError as exc:
        return PlannedAlert(declared, compile_error=f"compilation failed: {exc}")
    try:
        policy.check_query(compiled.sql)
    except WriteRefused as exc:
        return PlannedAlert(declared, compiled=compiled, compile_error=f"refused: {exc}")
    return PlannedAlert(declared, compiled=compiled)


def plan_alerts(
    project: DbtProject,
    alerts: Sequence[DeclaredAlert],
    policy: QueryPolicy,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    *,
    allow_empty: bool = False,
    recorded: Sequence[PlannedAlert] = (),
) -> list[PlannedAlert]:
    """Compile the enabled alerts and return the selected ones, in declaration order.

    `recorded` plans (checks dbt already ran) are selected from with them, after them.
    Raises SelectionError when a term matches no alert, unless `allow_empty`.
    """
    planned = [compile_alert(project, a, policy) for a in alerts if a.alert.enabled]
    planned += recorded
    disabled = [a.name for a in alerts if not a.alert.enabled]
    return select_planned(
        project, planned, include, exclude, allow_empty=allow_empty, disabled=disabled
    )


def select_planned(
    project: DbtProject,
    planned: Sequence[PlannedAlert],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    *,
    allow_empty: bool = False,
    disabled: Sequence[str] = (),
) -> list[PlannedAlert]:
    """The planned alerts `include` selects and `exclude` does not, in their order.

    Raises SelectionError when a term matches no alert, unless `allow_empty`.
    """
    selectable = [
        Selectable(p.name, frozenset(p.declared.alert.tags), p.depends_on) for p in planned
    ]
    selection = Selection(selectable, project.select_nodes)
    chosen = selection.chosen(include, exclude)
    if not allow_empty:
        check_selection(selection, include, exclude, chosen, disabled)
    kept = set(chosen)
    return [p for p in planned if p.name in kept]
