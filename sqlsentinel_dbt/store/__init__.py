"""sqlsentinel's tables in the user's warehouse, written through the package's macros."""

from sqlsentinel_dbt.store.history import HistoryStore, RunRecord

__all__ = ["HistoryStore", "RunRecord"]
