"""The retry rule shared by the storages: transient failures retried with backoff within a bound,
then a StorageError that names the storage without its password."""

from __future__ import annotations

import time

import pytest

from parzen.exceptions import StorageError
from parzen.storages._retry import hide_password, retry_transient


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://ann:s3cret@db.example:5432/parzen", "postgresql+psycopg://ann:***@db.example:5432/parzen"),
    ("redis://:s3cret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
])
def test_hide_password(url: str, shown: str) -> None:
    assert hide_password(url) == shown


def _failing(times: int, error: Exception) -> tuple[list[float], object]:
    calls: list[float] = []

    def call() -> str:
        calls.append(time.monotonic())
        if len(calls) <= times:
            raise error
        return "done"

    return calls, call


def test_transient_failures_are_retried_with_growing_pauses() -> None:
    calls, call = _failing(4, ConnectionError("refused"))
    assert retry_transient(call, lambda e: isinstance(e, ConnectionError), 30, "redis://h/0", "op") == "done"
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert len(calls) == 5 and gaps[-1] > gaps[0] >= 0.04


def test_other_errors_are_raised_at_once() -> None:
    calls, call = _failing(1, ValueError("bad input"))
    with pytest.raises(ValueError, match="bad input"):
        retry_transient(call, lambda e: isinstance(e, ConnectionError), 30, "redis://h/0", "op")
    assert len(calls) == 1


def test_the_bound_ends_in_a_storage_error_naming_the_storage() -> None:
    calls, call = _failing(10**6, ConnectionError("refused\nsecond line"))
    started = time.monotonic()
    with pytest.raises(StorageError, match=r"redis://:\*\*\*@h:1/0 could not be reached for create_trial within "
                                           r"retry_timeout=0.3 s; last error: ConnectionError: refused$"):
        retry_transient(call, lambda e: isinstance(e, ConnectionError), 0.3, "redis://:pw@h:1/0", "create_trial")
    assert time.monotonic() - started >= 0.3 and len(calls) >= 3


def test_a_zero_bound_tries_once() -> None:
    calls, call = _failing(10**6, ConnectionError("refused"))
    with pytest.raises(StorageError):
        retry_transient(call, lambda e: isinstance(e, ConnectionError), 0, "redis://h/0", "op")
    assert len(calls) == 1
