"""The tables of one warehouse, opened once and shared by whoever reads or writes them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlsentinel_dbt.dbt import Warehouse
from sqlsentinel_dbt.store.history import HistoryStore
from sqlsentinel_dbt.store.outbox import Outbox
from sqlsentinel_dbt.store.schedule import ScheduleClaims
from sqlsentinel_dbt.store.silences import SilenceStore
from sqlsentinel_dbt.store.threads import ThreadStore


@dataclass(frozen=True)
class Stores:
    """The sentinel tables of one warehouse, one store each."""

    history: HistoryStore
    outbox: Outbox
    silences: SilenceStore
    threads: ThreadStore
    schedule: ScheduleClaims

    @classmethod
    def of(cls, warehouse: Warehouse) -> Stores:
        """The stores that read and write `warehouse`'s sentinel tables."""
        history, outbox = HistoryStore(warehouse), Outbox(warehouse)
        return cls(
            history,
            outbox,
            SilenceStore(warehouse),
            ThreadStore(warehouse),
            ScheduleClaims(warehouse),
        )
