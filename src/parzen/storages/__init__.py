"""Storages, selected by URL: None for memory, ``redis://`` for Redis, and SQLAlchemy URLs for SQL
(``sqlite:///file.db``, ``postgresql+psycopg://user:password@host:port/db``)."""

from __future__ import annotations

from parzen._lazy import lazy_exports
from parzen.storages._base import BaseStorage, StudySummary, TrialTemplate, check_directions
from parzen.storages._urls import check_storage_url
from parzen.storages.memory import InMemoryStorage

__all__ = ["BaseStorage", "InMemoryStorage", "RDBStorage", "RedisStorage", "StudySummary", "TrialTemplate",
           "check_directions", "get_storage"]


def get_storage(storage: str | BaseStorage | None) -> BaseStorage:
    """The storage object for ``storage``: None (in memory), a URL, or a storage instance.

    ``redis://``, ``rediss://`` and ``unix://`` URLs open a :class:`RedisStorage`; any other URL is
    an SQLAlchemy database URL for :class:`RDBStorage`. A string that names no usable storage is a
    ValueError naming ``storage`` and the accepted forms, raised before anything connects
    (:func:`parzen.storages._urls.check_storage_url`).
    """
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        if check_storage_url(storage) is None:
            from parzen.storages.redis import RedisStorage

            return RedisStorage(storage)
        from parzen.storages.sql import RDBStorage

        return RDBStorage(storage)
    raise TypeError(f"`storage` must be None, a database URL or a parzen storage, got {storage!r}")


__getattr__, __dir__ = lazy_exports(__name__, {"RDBStorage": ".sql", "RedisStorage": ".redis"})
