"""What the last dbt command left in `target/`: run_results.json and manifest.json.

Alerts read models; if the last build failed or skipped one of them, its table holds old
data, and an alert run against it would report on the past as if it were now. And the
`sqlsentinel.alert` data tests a build ran are alerts whose outcome is already known. The
few fields read here are stable across dbt's artifact schema versions (run_results v5-v6,
manifest v12).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlsentinel_dbt.dbt.node_results import (
    NodeRun,
    node_runs,
    project_node_names,
    read_sources,
)
from sqlsentinel_dbt.errors import ProjectError

RUN_RESULTS = "run_results.json"
# The dbt commands whose results are checks (`args.which`), as the on-run-end hook takes
# them: compile, docs generate, show, list, parse... write run_results.json too, every
# node "success", which would resolve every failure.
CHECKING_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot", "retry", "freshness"})
# Node statuses that leave a relation stale: the build did not (re)build it.
_STALE = {"error", "skipped", "runtime error"}
_BUILT = ("model.", "seed.", "snapshot.")


@dataclass(frozen=True)
class BuildFlags:
    """The flags the dbt command ran with that say where it ran (its `args` in run_results).

    dbt records `profile` and `target` only when given (flag or DBT_PROFILE/DBT_TARGET);
    None means the project's profile and that profile's default target.
    """

    profile: str | None = None
    target: str | None = None
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LastBuild:
    """The last dbt command's outcome per node."""

    invocation_id: str | None = None
    generated_at: str | None = None
    stale: dict[str, str] = field(default_factory=dict)
    """unique_id -> why it is stale, for models, seeds and snapshots that were not built."""
    flags: BuildFlags | None = None
    """Where it ran; None when run_results.json does not say (no `args`)."""


def read_last_build(target_dir: Path) -> LastBuild | None:
    """The last build's outcome, or None when there is no (readable) run_results.json."""
    try:
        document = json.loads((target_dir / RUN_RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    metadata = document.get("metadata") or {}
    stale = {}
    for result in document.get("results") or []:
        unique_id = str(result.get("unique_id", ""))
        status = str(result.get("status", "")).lower()
        if unique_id.startswith(_BUILT) and status in _STALE:
            message = (result.get("message") or "").strip().splitlines()
            stale[unique_id] = f"{status}" + (f": {message[0][:200]}" if message else "")
    return LastBuild(
        metadata.get("invocation_id"), metadata.get("generated_at"), stale, build_flags(document)
    )


def build_flags(run_results: dict[str, Any]) -> BuildFlags | None:
    """The profile, target and vars a run_results.json document's command ran with."""
    args = run_results.get("args")
    if not isinstance(args, dict):
        return None
    variables = args.get("vars")
    return BuildFlags(
        profile=_text(args.get("profile")),
        target=_text(args.get("target")),
        vars=variables if isinstance(variables, dict) else {},
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


MANIFEST = "manifest.json"
_DBT_TEST_CONFIG = ("severity", "tags", "meta", "enabled")


@dataclass(frozen=True)
class AlertTestRun:
    """One `sqlsentinel.alert` data test of the last dbt command, and how it ended."""

    unique_id: str
    fields: dict[str, Any]
    """The alert's fields: the test's name, description, arguments and dbt config."""
    attached_to: str | None
    """The node the test is declared on."""
    path: str
    status: str
    """dbt's status, lower case: pass, warn, fail, error or skipped."""
    failures: int | None
    message: str | None
    compiled_sql: str | None
    started_at: str | None
    execution_time: float


@dataclass(frozen=True)
class FreshnessOrigin:
    """What ties sources.json to a target.

    `dbt source freshness` writes no `args` (and no run_results.json): only the
    manifest.json it writes, of the same invocation, says where it ran, by the relations
    it resolved the sources to: the tables whose freshness it checked.
    """

    invocation_id: str | None
    with_run_results: bool
    """run_results.json is of the same invocation: its `args` say where it ran."""
    relations: dict[str, str] | None
    """unique_id -> relation name of each source checked, as manifest.json resolved it,
    when that is of the same invocation; None when it is not."""


@dataclass(frozen=True)
class TestArtifacts:
    """The alert tests the last dbt command ran, and its invocation id."""

    invocation_id: str | None
    tests: list[AlertTestRun]
    flags: BuildFlags | None = None
    """Where that command ran; None when run_results.json does not say."""
    runs: list[NodeRun] = field(default_factory=list)
    """Every other test, model, seed and snapshot it ran, and sources.json's sources."""
    project_nodes: dict[str, str] = field(default_factory=dict)
    """unique_id -> name of every node of the project a check can be about (for names)."""
    sources_invocation_id: str | None = None
    """The `dbt source freshness` that wrote sources.json (its sources' checks)."""
    command: str | None = None
    """The dbt command that wrote run_results.json (`args.which`), when it says."""
    freshness: FreshnessOrigin | None = None
    """Where sources.json's results come from; None when it has none."""

    @property
    def checks_nothing(self) -> bool:
        """Whether that command checks nothing (`dbt compile`...): nothing here is recorded."""
        return self.command is not None and self.command not in CHECKING_COMMANDS


def read_alert_tests(target_dir: Path) -> TestArtifacts:
    """The `sqlsentinel.alert` tests in `target_dir`'s run_results.json, with their manifest.

    Raises ProjectError when either file is missing or unreadable.
    """
    manifest = _read_json(target_dir / MANIFEST)
    run_results = _read_json(target_dir / RUN_RESULTS)
    command = _command(run_results)
    checks_nothing = command is not None and command not in CHECKING_COMMANDS
    if checks_nothing:
        run_results = {**run_results, "results": []}
    nodes = manifest.get("nodes") or {}
    tests = []
    for result in run_results.get("results") or []:
        node = nodes.get(result.get("unique_id")) or {}
        metadata = node.get("test_metadata") or {}
        if metadata.get("namespace") == "sqlsentinel" and metadata.get("name") == "alert":
            tests.append(_alert_test(node, metadata, result))
    invocation = (run_results.get("metadata") or {}).get("invocation_id")
    # After a command that checks nothing, sources.json is no more news than the rest.
    sources = {} if checks_nothing else read_sources(target_dir)
    runs = node_runs(manifest, run_results, sources)
    names = project_node_names(manifest)
    freshness = (sources.get("metadata") or {}).get("invocation_id")
    flags = build_flags(run_results)
    origin = _freshness_origin(sources, invocation, manifest) if sources.get("results") else None
    return TestArtifacts(
        invocation, tests, flags, runs, names, freshness, command, freshness=origin
    )


def _command(run_results: dict[str, Any]) -> str | None:
    args = run_results.get("args")
    return _text(args.get("which")) if isinstance(args, dict) else None


def _freshness_origin(
    sources: dict[str, Any], run_invocation: str | None, manifest: dict[str, Any]
) -> FreshnessOrigin:
    invocation = (sources.get("metadata") or {}).get("invocation_id")
    same = invocation is not None and invocation == (manifest.get("metadata") or {}).get(
        "invocation_id"
    )
    return FreshnessOrigin(
        invocation,
        invocation is not None and invocation == run_invocation,
        _source_relations(sources, manifest) if same else None,
    )


def _source_relations(sources: dict[str, Any], manifest: dict[str, Any]) -> dict[str, str]:
    """unique_id -> relation name, in `manifest`, of each source sources.json checked."""
    defined = manifest.get("sources") or {}
    checked = {str(r.get("unique_id")) for r in sources.get("results") or [] if isinstance(r, dict)}
    return {
        uid: str(defined[uid]["relation_name"])
        for uid in checked
        if isinstance(defined.get(uid), dict) and defined[uid].get("relation_name")
    }


def _alert_test(
    node: dict[str, Any], metadata: dict[str, Any], result: dict[str, Any]
) -> AlertTestRun:
    kwargs = dict(metadata.get("kwargs") or {})
    kwargs.pop("model", None)
    kwargs.pop("column_name", None)
    nested = kwargs.pop("arguments", None)  # dbt 1.9 passes `arguments:` through as it is
    config = node.get("config") or {}
    fields: dict[str, Any] = {"name": node["name"], **(nested if isinstance(nested, dict) else {})}
    fields |= kwargs
    fields |= {k: config[k] for k in _DBT_TEST_CONFIG if config.get(k) not in (None, [], {})}
    if isinstance(fields.get("severity"), str):
        fields["severity"] = fields["severity"].lower()
    if node.get("description"):
        fields["description"] = node["description"]
    timing = [t for t in result.get("timing") or [] if t.get("name") == "execute"]
    return AlertTestRun(
        unique_id=node["unique_id"],
        fields=fields,
        attached_to=node.get("attached_node"),
        path=str(node.get("original_file_path", "")),
        status=str(result.get("status", "")).lower(),
        failures=result.get("failures"),
        message=result.get("message"),
        compiled_sql=result.get("compiled_code"),
        started_at=timing[0].get("started_at") if timing else None,
        execution_time=float(result.get("execution_time") or 0.0),
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProjectError(
            f"cannot read {path}: {exc.strerror or exc}; run `dbt build` (or `dbt test`) "
            "first, and point --from-artifacts at its target directory"
        ) from exc
    except ValueError as exc:
        raise ProjectError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ProjectError(f"{path} is not a dbt artifact (expected a JSON object)")
    return document
