"""Test-wide settings."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread() -> Iterator[None]:
    """Numerical tests run with one BLAS thread: on a 2-core machine, BLAS threads fighting
    pytest's own work made the GP tests ten times slower."""
    with threadpool_limits(1):
        yield


# --- throwaway database servers (tests/_servers.py): started on first use, stopped at session end ---
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A real PostgreSQL server on 127.0.0.1 for this session; ``new_url()``, ``stop()``, ``start()``."""
    from _servers import PostgresServer

    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Any]:
    """A real Redis server on 127.0.0.1 for this session; ``new_url()``, ``stop()``, ``start()``."""
    from _servers import RedisServer

    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """``postgresql+psycopg://`` URL of a new empty database on the session's PostgreSQL server."""
    return str(postgres_server.new_url())


@pytest.fixture
def redis_url(redis_server: Any) -> str:
    """``redis://`` URL of a database index no other test uses, on the session's Redis server."""
    return str(redis_server.new_url())
