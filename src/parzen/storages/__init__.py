"""Storages, selected by URL: None for memory, ``sqlite:///file.db`` and other SQLAlchemy URLs for SQL."""

from __future__ import annotations

from parzen.storages._base import BaseStorage, StudySummary, TrialTemplate, check_directions
from parzen.storages.memory import InMemoryStorage

__all__ = ["BaseStorage", "InMemoryStorage", "RDBStorage", "StudySummary", "TrialTemplate",
           "check_directions", "get_storage"]


def get_storage(storage: "str | BaseStorage | None") -> BaseStorage:
    """The storage object for ``storage``: None, a URL, or a storage instance."""
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        from parzen.storages.sql import RDBStorage

        return RDBStorage(storage)
    raise TypeError(f"`storage` must be None, a database URL or a parzen storage, got {storage!r}")


def __getattr__(name: str):
    if name == "RDBStorage":
        from parzen.storages.sql import RDBStorage

        return RDBStorage
    raise AttributeError(name)
