"""The warehouse layer keeps a thread's connection usable whatever the query before did."""

from __future__ import annotations

import pytest

from sqlsentinel_dbt.dbt import QueryError
from sqlsentinel_dbt.runtime import Sentinel
from tests.conftest import Project


def test_a_failed_query_does_not_poison_the_next_one_on_the_same_connection(shop: Project) -> None:
    with Sentinel.open(shop.args) as sentinel:
        warehouse = sentinel.project.warehouse
        for _ in range(2):
            with pytest.raises(QueryError, match="no_such_column"):
                warehouse.fetch(
                    "select no_such_column from (select 1 as a) t", limit=1, timeout=30, name="t"
                )
            assert warehouse.fetch(
                "select 41 + 1 as answer", limit=1, timeout=30, name="t"
            ).rows == [(42,)]
