"""dbt's node selection syntax (`orders`, `+orders`, `tag:finance`, `source:shop.*`)."""

from __future__ import annotations

from typing import Any

from sqlsentinel_dbt.dbt.session import DBT_LOCK, dbt_message
from sqlsentinel_dbt.errors import SelectionError


class NodeSelector:
    """Resolves one dbt selector token to the unique ids of the nodes it selects."""

    def __init__(self, manifest: Any) -> None:
        self._manifest = manifest
        self._selector: Any = None

    def select(self, token: str) -> set[str]:
        """Unique ids selected by `token`; empty when it names no node (e.g. an alert name).

        Raises SelectionError when dbt refuses the selector (an unknown method, `state:`
        without `--state`, ...).
        """
        from dbt.graph.cli import parse_union
        from dbt_common.exceptions import DbtBaseException

        with DBT_LOCK:
            try:
                spec = parse_union([token], False)
                return set(self._dbt_selector().get_selected(spec))
            except DbtBaseException as exc:
                raise SelectionError(
                    [f"{token!r} is not a selector dbt accepts: {dbt_message(exc)}"]
                ) from exc

    def _dbt_selector(self) -> Any:
        if self._selector is None:
            from dbt.compilation import Linker
            from dbt.graph import Graph
            from dbt.graph import NodeSelector as DbtNodeSelector

            linker = Linker()
            linker.link_graph(self._manifest)
            self._selector = DbtNodeSelector(Graph(linker.graph), self._manifest)
        return self._selector
