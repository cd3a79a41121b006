"""`DbtProject`: everything the rest of sqlsentinel needs from dbt, behind one small class."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlsentinel_dbt.config.loader import MetaAlerts
from sqlsentinel_dbt.dbt.args import DbtArgs
from sqlsentinel_dbt.dbt.artifacts import (
    LastBuild,
    TestArtifacts,
    read_alert_tests,
    read_last_build,
)
from sqlsentinel_dbt.dbt.build_target import foreign_build
from sqlsentinel_dbt.dbt.compiler import ALLOW_ALL, CompileChecks, CompiledQuery, QueryCompiler
from sqlsentinel_dbt.dbt.meta import meta_alerts
from sqlsentinel_dbt.dbt.node_results import NodeRun
from sqlsentinel_dbt.dbt.selector import NodeSelector
from sqlsentinel_dbt.dbt.session import (
    DBT_LOCK,
    current_flags,
    invocation_id,
    load_dbt,
    reinstate,
)
from sqlsentinel_dbt.dbt.warehouse import Warehouse
from sqlsentinel_dbt.errors import ProjectError

logger = logging.getLogger(__name__)


class DbtProject:
    """A parsed dbt project with its profile's adapter. Open it with `DbtProject.open`."""

    def __init__(self, config: Any, adapter: Any, manifest: Any, *, nodes: bool = True) -> None:
        self._config = config
        self._adapter = adapter
        self._manifest = manifest
        self.has_nodes = nodes
        """False when only the macros were parsed (`open(..., nodes=False)`): the project
        then knows no node, so no meta alert, selector or compile."""
        self._flags = current_flags()
        self.warehouse = Warehouse(adapter, manifest)
        self._compiler: QueryCompiler | None = None
        self._selector = NodeSelector(manifest, str(config.project_root))

    @classmethod
    def open(cls, args: DbtArgs, package_root: Path, *, nodes: bool = True) -> DbtProject:
        """Parse the project (partial parsing applies) and register its adapter.

        `nodes=False` parses only the macros: for delivering what the outbox holds, which
        needs the warehouse and the package's macros but none of the project's nodes.
        """
        return cls(*load_dbt(args, package_root, nodes=nodes), nodes=nodes)

    @property
    def root(self) -> Path:
        """The directory holding dbt_project.yml."""
        return Path(self._config.project_root)

    @property
    def name(self) -> str:
        """The project's name in dbt_project.yml."""
        return str(self._config.project_name)

    @property
    def target_name(self) -> str:
        """The profile target in use (`dev`, `prod`, ...)."""
        return str(self._config.target_name)

    @property
    def target_schema(self) -> str:
        """The target's schema (dataset on BigQuery)."""
        return str(self._config.credentials.schema)

    @property
    def threads(self) -> int:
        """The profile's `threads` (or `--threads`)."""
        return int(self._config.threads or 1)

    @property
    def invocation_id(self) -> str:
        """Dbt's invocation id of this run."""
        return invocation_id()

    @property
    def target_dir(self) -> Path:
        """Where dbt writes its artifacts (`target/` unless the project says otherwise)."""
        return self.root / str(self._config.target_path)

    def last_build(self) -> LastBuild | None:
        """The last dbt command's outcome, from run_results.json, if it ran on this target.

        One target/ directory is often shared by several targets: a build that failed on
        dev says nothing about prod's tables. A run_results.json not known to come from
        this profile and target is not used (and the debug log says why).
        """
        build = read_last_build(self.target_dir)
        if build is None:
            logger.debug("no readable %s/run_results.json: every alert runs", self.target_dir)
            return None
        with DBT_LOCK:
            reason = foreign_build(build.flags, self._config)
        if reason is not None:
            logger.debug(
                "not using %s/run_results.json (%s): every alert runs", self.target_dir, reason
            )
            return None
        return build

    def alert_tests(self, target_dir: Path) -> TestArtifacts:
        """The `sqlsentinel.alert` tests a dbt command recorded in `target_dir`.

        Raises ProjectError when the files are missing, or when that command ran on
        another profile or target: its outcome would be recorded as this target's.
        """
        artifacts = read_alert_tests(target_dir)
        refused = self._foreign_freshness(artifacts)
        if refused is not None:
            logger.warning("%s/sources.json is not recorded: %s", target_dir, refused)
            runs = [r for r in artifacts.runs if r.resource_type != "source"]
            if artifacts.freshness and artifacts.freshness.relations is not None:
                # manifest.json is then the other target's: so are its tables of failures.
                runs = [self._own_failures_relation(r) for r in runs]
            artifacts = replace(artifacts, runs=runs, freshness=None)
        if artifacts.flags is None:
            return artifacts  # an artifact that does not say where it ran: taken as given
        with DBT_LOCK:
            reason = foreign_build(artifacts.flags, self._config)
        if reason is not None:
            raise ProjectError(
                f"{target_dir}/run_results.json is not this target's: {reason}. Run "
                "sentinel with the build's --profile/--target, or rebuild on this target."
            )
        return artifacts

    def _own_failures_relation(self, run: NodeRun) -> NodeRun:
        """`run` with the table its test stores failures in on this target, when known."""
        node = self._manifest.nodes.get(run.unique_id)
        ours = getattr(node, "relation_name", None)
        return replace(run, failures_relation=ours) if run.failures_relation and ours else run

    def _foreign_freshness(self, artifacts: TestArtifacts) -> str | None:
        """None when sources.json's results are known to be this target's; else why not.

        Of the same invocation as run_results.json, they go with it (whose `args` are
        checked). Otherwise the manifest.json of their invocation must resolve the sources
        checked to the relations this target does: the freshness of another target's
        tables would be recorded as this target's.
        """
        origin = artifacts.freshness
        if origin is None or origin.with_run_results:
            return None
        if origin.relations is None:
            return (
                f"no run_results.json or manifest.json of its `dbt source freshness` "
                f"(invocation {origin.invocation_id}) says which target it ran on; run it "
                "after the build, on this target"
            )
        ours = {uid: s.relation_name for uid, s in self._manifest.sources.items()}
        for uid, theirs in sorted(origin.relations.items()):
            mine = ours.get(uid)
            if mine and mine != theirs:
                return (
                    f"its `dbt source freshness` ran on another target ({uid} was "
                    f"{theirs}; on target {self.target_name!r} it is {mine})"
                )
        return None

    def meta_alerts(self) -> list[MetaAlerts]:
        """Raw alert lists from node meta (none when only the macros were parsed)."""
        return meta_alerts(self._manifest) if self.has_nodes else []

    def compile(self, sql: str, checks: CompileChecks = ALLOW_ALL) -> CompiledQuery:
        """Compile one alert query with dbt's Jinja (ref, source, var, macros, target).

        Statements the Jinja runs while compiling, and variables it reads, pass `checks`
        first; raises CompileError, or Refused for what a check refused.
        """
        if self._compiler is None:
            self._compiler = QueryCompiler(self._config, self._manifest, self.warehouse)
        return self._compiler.compile(sql, checks)

    def select_nodes(self, token: str) -> set[str]:
        """The node unique ids a dbt selector token selects."""
        return self._selector.select(token)

    def select_all(self, include: Sequence[str], exclude: Sequence[str]) -> set[str]:
        """The node unique ids `dbt ls --select include --exclude exclude` would list."""
        return self._selector.select_all(include, exclude)

    def unmatched(self, terms: Sequence[str]) -> list[str]:
        """A line for each dbt selector term that selects no node of the project."""
        return self._selector.unmatched(terms)

    def parents(self) -> dict[str, tuple[str, ...]]:
        """Each node's direct upstream nodes (unique ids), from dbt's `depends_on`.

        Models, tests, seeds, snapshots and unit tests; a source has no parents.
        """
        found: dict[str, tuple[str, ...]] = {}
        for collection in (self._manifest.nodes, getattr(self._manifest, "unit_tests", {})):
            for unique_id, node in collection.items():
                depends_on = getattr(node, "depends_on", None)
                found[unique_id] = tuple(getattr(depends_on, "nodes", None) or ())
        return found

    def reinstate(self) -> None:
        """Make this project dbt's current one again, after opening another one failed.

        dbt has one adapter per process: opening a project replaces the one before it,
        even when the parse that follows fails. This puts this project's adapter back,
        so that a daemon keeps running its last good project while the files are broken.
        """
        reinstate(self._flags, self._adapter)

    def close(self) -> None:
        """Release the warehouse connections."""
        self.warehouse.close()
