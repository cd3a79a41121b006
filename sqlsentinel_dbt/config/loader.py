"""Find alert declarations (YAML files and dbt node meta) and validate them into `Alert`s.

Every problem is collected before anything is raised, so a user fixes a file in one pass.
A problem in one named alert stays with that alert (`DeclaredAlert.problems`): runs report
it as that alert's ERROR and run the others; `sentinel validate` fails on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sqlsentinel_dbt.config import monitors
from sqlsentinel_dbt.config.models import DBT_GROUP, DBT_NODE, NAME_PATTERN, Alert, Mode
from sqlsentinel_dbt.suggest import suggest

ALERT_DIR = "alerts"
ALERT_FIELDS = sorted(field.alias or name for name, field in Alert.model_fields.items())
# libyaml's loader when PyYAML was built with it: about ten times faster on big files.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class DeclaredAlert:
    """A validated alert and where it was declared."""

    alert: Alert
    path: str
    """Project-relative file that declares it."""
    node_id: str | None = None
    """The dbt node whose meta declares it; the alert then depends on that node."""
    problems: tuple[str, ...] = ()
    """What is wrong with its declaration. Such an alert never runs: it fails alone, with
    these problems as its error, and `alert` keeps only the fields that were valid."""

    @property
    def name(self) -> str:
        """The alert's unique name."""
        return self.alert.name

    @property
    def origin(self) -> str:
        """Where to look for the declaration, for error messages."""
        return f"{self.path} (meta of {self.node_id})" if self.node_id else self.path


@dataclass(frozen=True)
class MetaAlerts:
    """The raw `sentinel.alerts` list found in one dbt node's meta."""

    node_id: str
    path: str
    raw: Any
    node_tags: tuple[str, ...] = ()
    """The node's tags, which its alerts have too, after their own."""
    node_group: str | None = None
    """The node's dbt group, which its alerts have as `meta.dbt_group` unless they set one."""
    monitors: Any = None
    """The raw `sentinel.monitors` list: each item expands into an alert (monitors.py)."""


def validate_alerts(
    documents: Sequence[tuple[str, dict[str, Any]]],
    meta: Sequence[MetaAlerts],
    problems: list[str],
    *,
    alerts_fail_alone: bool = False,
) -> list[DeclaredAlert]:
    """The alerts of read alert files and of node meta; problems are appended, not raised.

    With `alerts_fail_alone`, an alert with a valid name whose other fields are wrong is
    returned with its `problems` instead, so that it can fail alone when it runs.
    """
    declared: list[DeclaredAlert] = []
    for relative, document in documents:
        items = document.get("alerts") or []
        if not isinstance(items, list):
            problems.append(f"{relative}: `alerts` must be a list of alerts")
            continue
        declared += _validate_items(items, relative, None, problems, alerts_fail_alone)
    for block in meta:
        items = _meta_items(block, problems)
        monitored, failed = _monitor_items(block, problems, alerts_fail_alone)
        found = _validate_items(
            [*items, *monitored], block.path, block.node_id, problems, alerts_fail_alone
        )
        found += failed
        declared += [
            _with_node(_with_group(_with_tags(d, block.node_tags), block.node_group)) for d in found
        ]
    problems += _duplicate_names(declared)
    return declared


def alert_files(project_root: Path) -> list[Path]:
    """The alert YAML files of a project, in a stable order."""
    root = project_root / ALERT_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def read_document(
    path: Path, relative: str, allowed: Sequence[str], problems: list[str]
) -> dict[str, Any]:
    """A YAML file as a mapping with only `allowed` top-level keys; {} after a problem."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{relative}: not valid UTF-8 (byte {exc.start}); save it as UTF-8")
        return {}
    try:
        # _SAFE_LOADER is a SafeLoader; bandit's B506 cannot see that through the variable.
        document = yaml.load(text, Loader=_SAFE_LOADER)  # nosec B506
    except yaml.YAMLError as exc:
        problems.append(f"{relative}: invalid YAML: {_yaml_problem(exc)}")
        return {}
    if document is None:
        return {}
    if not isinstance(document, dict):
        problems.append(f"{relative}: the file must be a mapping of {', '.join(allowed)}")
        return {}
    for key in document:
        if key not in allowed:
            problems.append(
                f"{relative}: unknown top-level key {key!r}{suggest(str(key), list(allowed))}"
            )
    return document


def _monitor_items(
    block: MetaAlerts, problems: list[str], fail_alone: bool
) -> tuple[list[Any], list[DeclaredAlert]]:
    """The raw alerts `sentinel.monitors` expands into, and the monitors that cannot.

    Failing alone, a monitor that cannot become an alert is one that never runs and says why.
    """
    if block.monitors is None:
        return [], []
    where = f"{block.path} (meta of {block.node_id})"
    if not isinstance(block.monitors, list):
        problems.append(f"{where}: `sentinel.monitors` must be a list of monitors")
        return [], []
    expanded: list[Any] = []
    failed: list[DeclaredAlert] = []
    for index, item in enumerate(block.monitors):
        try:
            expanded.append(monitors.expand(item, block.node_id))
        except monitors.MonitorProblem as problem:
            found = f"{where}: monitor {index + 1}: {problem}"
            if fail_alone and re.fullmatch(NAME_PATTERN, problem.name):
                placeholder = Alert(name=problem.name, query="select 1", mode=Mode.ANOMALY)
                failed.append(DeclaredAlert(placeholder, block.path, block.node_id, (found,)))
            else:
                problems.append(found)
    return expanded, failed


def _meta_items(block: MetaAlerts, problems: list[str]) -> list[Any]:
    if block.raw is None:
        return []
    if isinstance(block.raw, list):
        return block.raw
    problems.append(
        f"{block.path} (meta of {block.node_id}): `sentinel.alerts` must be a list of alerts"
    )
    return []


def _validate_items(
    items: Iterable[Any], path: str, node_id: str | None, problems: list[str], fail_alone: bool
) -> list[DeclaredAlert]:
    where = f"{path} (meta of {node_id})" if node_id else path
    valid: list[DeclaredAlert] = []
    for index, item in enumerate(items):
        label = _alert_label(item, index)
        if not isinstance(item, dict):
            problems.append(f"{where}: {label}: must be a mapping of fields")
            continue
        try:
            valid.append(DeclaredAlert(Alert.model_validate(item), path, node_id))
        except ValidationError as exc:
            found = [f"{where}: {label}: {field_problem(e, ALERT_FIELDS)}" for e in exc.errors()]
            if fail_alone and _has_valid_name(item):
                alert = _valid_fields(item, exc)
                valid.append(DeclaredAlert(alert, path, node_id, tuple(found)))
            else:  # with no name to report it under, the project cannot run
                problems += found
    return valid


def _with_tags(declared: DeclaredAlert, tags: Sequence[str]) -> DeclaredAlert:
    """`declared` with `tags` added after its own: an alert in a node's meta has its tags."""
    merged = list(dict.fromkeys([*declared.alert.tags, *tags]))
    if merged == declared.alert.tags:
        return declared
    return replace(declared, alert=declared.alert.model_copy(update={"tags": merged}))


def _with_group(declared: DeclaredAlert, group: str | None) -> DeclaredAlert:
    """`declared` with its node's dbt group in `meta`, for routes that match on `group`."""
    if group is None or DBT_GROUP in declared.alert.meta:
        return declared
    meta = {**declared.alert.meta, DBT_GROUP: group}
    return replace(declared, alert=declared.alert.model_copy(update={"meta": meta}))


def _with_node(declared: DeclaredAlert) -> DeclaredAlert:
    """`declared` with the node whose meta declares it as `meta.dbt_node`, for inhibition."""
    if declared.node_id is None or DBT_NODE in declared.alert.meta:
        return declared
    meta = {**declared.alert.meta, DBT_NODE: declared.node_id}
    return replace(declared, alert=declared.alert.model_copy(update={"meta": meta}))


def _has_valid_name(item: dict[str, Any]) -> bool:
    name = item.get("name")
    return isinstance(name, str) and len(name) <= 200 and bool(re.fullmatch(NAME_PATTERN, name))


def _valid_fields(item: dict[str, Any], exc: ValidationError) -> Alert:
    """The alert with its wrong fields left out, so it can be named, selected and reported."""
    wrong = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
    kept = {k: v for k, v in item.items() if k not in wrong}
    kept.setdefault("query", "select 1")  # never run: the alert fails on its problems
    try:
        return Alert.model_validate(kept)
    except ValidationError:  # a rule across fields: keep the name alone
        return Alert.model_construct(name=item["name"], query="select 1")


def _alert_label(item: Any, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str) and name:
        return f"alert {name!r}"
    return f"alert #{index + 1}"


def field_problem(
    error: ErrorDetails, allowed: list[str], skip: int = 0, hidden: Iterable[str] = ()
) -> str:
    """One pydantic error as a sentence naming the field; `skip` drops union tags from it.

    The value given is repeated in the sentence unless the field is in `hidden` (it may
    hold a secret) or the error is about a whole item (whose other fields may).
    """
    loc = error["loc"][skip:]
    field = ".".join(str(part) for part in loc)
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    if not field:  # a rule across fields; its message names them
        return message
    if kind == "extra_forbidden":
        return f"unknown field {field!r}{suggest(field, allowed)}"
    if kind == "missing":
        return f"field {field!r} is required"
    if field == "name" and kind == "string_pattern_mismatch":
        message = "a name is letters, digits, `_` and `-`, starting with a letter or digit"
    given = error.get("input")
    if str(loc[0]) in hidden or isinstance(given, dict | list):
        return f"field {field!r}: {message}"
    return f"field {field!r}: {message} (got {_short(given)})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return str(problem)


def _duplicate_names(declared: list[DeclaredAlert]) -> list[str]:
    first: dict[str, DeclaredAlert] = {}
    problems = []
    for item in declared:
        if item.name in first:
            problems.append(
                f"{item.origin}: alert {item.name!r} is already declared in "
                f"{first[item.name].origin}; alert names must be unique, rename one"
            )
        else:
            first[item.name] = item
    return problems
