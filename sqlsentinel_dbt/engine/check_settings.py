"""Apply `dbt_results:` of sentinel.yml to dbt's own checks (docs/dbt_results.md).

Which checks count (resource types, dbt selector terms), per-selection overrides (owner,
severity, notify, for_evaluations, repeat_interval; later overrides win), and the
minimum severity: a warning or failure below it is recorded as OK.

Selector terms are dbt's: each set of them is resolved once, by dbt, over the project's
nodes (`ChosenChecks.resolve`), so a setting picks what `dbt ls --select ... --exclude
...` lists, the tests on a selected node included; a check is then looked up by its node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlsentinel_dbt.config.dbt_results import CheckOverride, DbtResultsSettings
from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.engine.plan import PlannedAlert
from sqlsentinel_dbt.engine.result import AlertResult, State, Status
from sqlsentinel_dbt.errors import ConfigError, SelectionError

NOTIFY_FIELDS = ("owner", "notify", "repeat_interval")
"""What an override may change that matters once results are recorded (when notifying)."""
_ALERT_FIELDS = (*NOTIFY_FIELDS, "for_evaluations")


class NodeSets(Protocol):
    """dbt's node selection over the project (DbtProject)."""

    def select_all(self, include: Sequence[str], exclude: Sequence[str]) -> set[str]:
        """The unique ids `dbt ls --select include --exclude exclude` lists."""

    def unmatched(self, terms: Sequence[str]) -> list[str]:
        """A line for each term that selects no node of the project."""

    def parents(self) -> Mapping[str, Sequence[str]]:
        """Each node's direct upstream nodes (dbt's DAG), for `inhibit_downstream`."""


@dataclass(frozen=True)
class ChosenChecks:
    """`dbt_results:` with its selector terms resolved to dbt nodes."""

    settings: DbtResultsSettings
    chosen: frozenset[str] | None
    """The unique ids `select`/`exclude` pick; None: every node."""
    overrides: tuple[tuple[CheckOverride, frozenset[str]], ...] = ()

    @classmethod
    def resolve(cls, settings: DbtResultsSettings, nodes: NodeSets) -> ChosenChecks:
        """Ask dbt once per set of terms which nodes they select.

        Raises ConfigError naming each term that selects no node of the project (almost
        always a typo, which would otherwise record nothing and say nothing), with the
        closest name when one looks like it, and each term dbt refuses.
        """
        where = [("dbt_results.select", settings.select), ("dbt_results.exclude", settings.exclude)]
        for i, override in enumerate(settings.overrides):
            where += [
                (f"dbt_results.overrides[{i}].select", override.select),
                (f"dbt_results.overrides[{i}].exclude", override.exclude),
            ]
        problems = []
        for key, terms in where:
            try:
                found = nodes.unmatched(terms)
            except SelectionError as refused:  # a term dbt does not accept (`tagg:x`)
                found = refused.problems
            problems += [f"sentinel.yml {key}: {problem}" for problem in found]
        if problems:
            raise ConfigError(problems)
        chosen = None
        if settings.select or settings.exclude:
            chosen = frozenset(nodes.select_all(settings.select, settings.exclude))
        overrides = tuple(
            (o, frozenset(nodes.select_all(o.select, o.exclude))) for o in settings.overrides
        )
        return cls(settings, chosen, overrides)

    def counts(self, dbt_node: str | None, resource_type: str | None) -> bool:
        """Whether the check of this node is one `dbt_results` wants recorded."""
        if resource_type not in self.settings.resource_types:
            return False
        return self.chosen is None or dbt_node in self.chosen

    def overrides_of(self, dbt_node: str | None) -> list[CheckOverride]:
        """The overrides that pick this node, in order (later ones win)."""
        return [o for o, picked in self.overrides if dbt_node in picked]

    def configured(self, checks: Sequence[PlannedAlert]) -> list[PlannedAlert]:
        """The checks that count, with the overrides and the minimum severity applied."""
        kept = []
        for check in checks:
            meta = check.declared.alert.meta
            if not self.counts(meta.get("dbt_node"), meta.get("resource_type")):
                continue
            for override in self.overrides_of(meta.get("dbt_node")):
                check = _overridden(check, override)
            kept.append(_at_least(check, self.settings.min_severity))
        return kept


def configured_checks(
    checks: Sequence[PlannedAlert], settings: DbtResultsSettings, nodes: NodeSets
) -> list[PlannedAlert]:
    """The checks that count under `settings`, with its overrides applied.

    Raises ConfigError as `ChosenChecks.resolve`.
    """
    return ChosenChecks.resolve(settings, nodes).configured(checks)


def overridden_fields(
    override: CheckOverride, fields: Sequence[str] = _ALERT_FIELDS
) -> dict[str, Any]:
    """The alert fields an override sets, of `fields`."""
    return {name: getattr(override, name) for name in override.model_fields_set & set(fields)}


def _overridden(check: PlannedAlert, override: CheckOverride) -> PlannedAlert:
    alert = check.declared.alert.model_copy(update=overridden_fields(override))
    results = check.recorded or ()
    if override.severity is not None:
        results = tuple(at_severity(r, override.severity) for r in results)
    return replace(check, declared=replace(check.declared, alert=alert), recorded=results)


def at_severity(result: AlertResult, severity: Severity) -> AlertResult:
    """A firing result at `severity` instead; any other as it is."""
    return replace(result, severity=severity) if result.status is Status.ALERT else result


def below(result: AlertResult, minimum: Severity) -> bool:
    """Whether a firing result is below `minimum`: it then counts as OK."""
    return result.status is Status.ALERT and result.severity.rank < minimum.rank


def as_ok(result: AlertResult) -> AlertResult:
    """A firing result below the minimum severity, as the OK it counts as (saying why)."""
    state = result.state and replace(result.state, state=State.OK)
    return replace(
        result,
        status=Status.OK,
        state=state,
        context=result.context | {"below_min_severity": result.severity.value},
    )


def _at_least(check: PlannedAlert, minimum: Severity) -> PlannedAlert:
    results = tuple(as_ok(r) if below(r, minimum) else r for r in check.recorded or ())
    return replace(check, recorded=results)
