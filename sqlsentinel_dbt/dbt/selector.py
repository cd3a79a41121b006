"""dbt's node selection syntax (`orders`, `+orders`, `tag:finance`, `source:shop.*`)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlsentinel_dbt.dbt.session import DBT_LOCK, dbt_message
from sqlsentinel_dbt.errors import SelectionError
from sqlsentinel_dbt.suggest import closest


class NodeSelector:
    """Resolves one dbt selector token to the unique ids of the nodes it selects."""

    def __init__(self, manifest: Any, project_root: str | None = None) -> None:
        self._manifest = manifest
        self._project_root = project_root
        """What `path:` terms are relative to (dbt reads it from a context variable)."""
        self._selector: Any = None

    def select(self, token: str) -> set[str]:
        """Unique ids selected by `token`; empty when it names no node (e.g. an alert name).

        Raises SelectionError when dbt refuses the selector (an unknown method, `state:`
        without `--state`, ...).
        """
        from dbt.graph.cli import parse_union
        from dbt_common.exceptions import DbtBaseException

        with DBT_LOCK, self._in_project():
            try:
                spec = parse_union([token], False)
                return set(self._dbt_selector().get_selected(spec))
            except DbtBaseException as exc:
                raise SelectionError(
                    [f"{token!r} is not a selector dbt accepts: {dbt_message(exc)}"]
                ) from exc

    def select_all(self, include: Sequence[str], exclude: Sequence[str]) -> set[str]:
        """What `dbt ls --select include --exclude exclude` lists, as unique ids.

        Every resource type; the tests on a selected node come with it, and those on an
        excluded one go with it (dbt's indirect selection, `eager` unless
        DBT_INDIRECT_SELECTION says otherwise). An empty `include` selects every node.
        Raises SelectionError when dbt refuses a term.
        """
        from dbt.graph.cli import DEFAULT_INCLUDES, parse_union
        from dbt.graph.selector_spec import SelectionDifference
        from dbt_common.exceptions import DbtBaseException

        with DBT_LOCK, self._in_project():
            try:
                # As dbt.graph.cli.parse_difference, but a term that selects nothing is not
                # dbt's warning (an error under --warn-error): `unmatched` names it.
                spec = SelectionDifference(
                    components=[
                        parse_union(list(include) or DEFAULT_INCLUDES, False),
                        parse_union(list(exclude), False),
                    ]
                )
                return set(self._dbt_selector().get_selected(spec))
            except DbtBaseException as exc:
                terms = " ".join([*include, *(f"--exclude {t}" for t in exclude)])
                raise SelectionError(
                    [f"{terms!r} is not a selection dbt accepts: {dbt_message(exc)}"]
                ) from exc

    def unmatched(self, terms: Sequence[str]) -> list[str]:
        """A line for each of `terms` that selects no node of the project.

        It names the term, and the closest name or tag when one looks like it. Raises
        SelectionError as `select`.
        """
        problems = []
        for term in dict.fromkeys(t for raw in terms for t in raw.split() if t):
            if not self.select(term):
                problems.append(f"{term!r} selects no node of the project{self._hint(term)}")
        return problems

    def _hint(self, term: str) -> str:
        core = term.lstrip("@+0123456789").rstrip("+0123456789")
        method, _, word = core.rpartition(":")
        nodes = [
            *self._manifest.nodes.values(),
            *self._manifest.sources.values(),
            *self._manifest.unit_tests.values(),
        ]
        if method == "tag":
            known = sorted({str(t) for n in nodes for t in n.tags})
        elif method == "source":
            sources = self._manifest.sources.values()
            known = sorted({f"{s.source_name}.{s.name}" for s in sources})
            known += sorted({s.source_name for s in sources})
        elif method in ("", "fqn"):
            known = sorted({str(n.name) for n in nodes})
        else:
            return ""
        close = closest(word, known)
        if not close:
            return ""
        return f" (did you mean {term.replace(word, close[0], 1)!r}?)"

    def _in_project(self) -> AbstractContextManager[Any]:
        from dbt_common.events.contextvars import task_contextvars

        if self._project_root is None:
            return nullcontext()
        context: AbstractContextManager[Any] = task_contextvars(project_root=self._project_root)
        return context

    def _dbt_selector(self) -> Any:
        if self._selector is None:
            from dbt.compilation import Linker
            from dbt.graph import Graph
            from dbt.graph import NodeSelector as DbtNodeSelector

            linker = Linker()
            linker.link_graph(self._manifest)
            self._selector = DbtNodeSelector(Graph(linker.graph), self._manifest)
        return self._selector
