"""One behaviour for every storage: each check of parzen.testing.check_storage, run on its own
against the in-memory, SQLite, PostgreSQL and Redis back ends (real servers, see tests/_servers.py)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Callable

import pytest

from parzen.storages import BaseStorage, InMemoryStorage, sql
from parzen.storages.redis import RedisStorage
from parzen.storages.sql import RDBStorage
from parzen.testing.storage import storage_checks

CHECKS = storage_checks()
BACKENDS = ["memory", "sqlite", "postgresql", "redis"]


@pytest.fixture(scope="module")
def postgres_database(postgres_server: Any) -> str:
    """One database for the module, emptied before each test: creating the tables costs far more."""
    return str(postgres_server.new_url())


def _emptied(url: str) -> RDBStorage:
    import psycopg

    storage = RDBStorage(url)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        for table in reversed(sql._metadata.sorted_tables):
            if table.name != "version_info":
                conn.execute(f"DELETE FROM {table.name}")
    return storage


_files = itertools.count()


@pytest.fixture(params=BACKENDS)
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], BaseStorage]:
    if request.param == "memory":
        return InMemoryStorage
    if request.param == "sqlite":
        return lambda: RDBStorage(f"sqlite:///{tmp_path}/s{next(_files)}.db")
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_database")
        return lambda: _emptied(url)
    redis_server = request.getfixturevalue("redis_server")
    return lambda: RedisStorage(redis_server.new_url())


@pytest.mark.parametrize("check", list(CHECKS))
def test_storage_contract(check: str, make_storage: Callable[[], BaseStorage]) -> None:
    CHECKS[check](make_storage())
