"""Test-wide settings."""

from __future__ import annotations

from typing import Iterator

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread() -> Iterator[None]:
    """Numerical tests run with one BLAS thread: on a 2-core machine, BLAS threads fighting
    pytest's own work made the GP tests ten times slower."""
    with threadpool_limits(1):
        yield
