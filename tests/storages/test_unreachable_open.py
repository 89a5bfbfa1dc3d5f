"""Opening a storage whose server does not answer: a RuntimeWarning at the first failed attempt, then
retries within ``retry_timeout`` (the server may be restarting), then a StorageError; how to change the
bound is said when it is the default."""

from __future__ import annotations

import threading
import warnings
from typing import Any

import pytest

import parzen
from _servers import free_port
from parzen.exceptions import StorageError
from parzen.storages import RDBStorage, RedisStorage, _retry
from parzen.storages._retry import DEFAULT_RETRY_TIMEOUT_S, retry_transient

CLOSED = {"postgresql": lambda port: f"postgresql+psycopg://ann:s3cret@127.0.0.1:{port}/parzen",
          "redis": lambda port: f"redis://:s3cret@127.0.0.1:{port}/0"}
CLASSES = {"postgresql": RDBStorage, "redis": RedisStorage}


@pytest.mark.parametrize("backend", ["postgresql", "redis"])
def test_a_closed_port_warns_at_the_first_attempt_then_fails_with_the_bound(backend: str) -> None:
    url = CLOSED[backend](free_port())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(StorageError) as raised:
            parzen.create_study(storage=CLASSES[backend](url, retry_timeout=0.4), study_name="a")
    ours = [w for w in caught if issubclass(w.category, RuntimeWarning) and "cannot reach" in str(w.message)]
    assert len(ours) == 1  # once, not once per attempt
    assert ours[0].filename == __file__  # it points at the caller's line, not into parzen
    message = str(ours[0].message)
    assert "127.0.0.1" in message and ":***@" in message and "s3cret" not in message
    assert "refused" in message.lower() and "retrying for up to retry_timeout=0.4 s" in message
    assert "could not be reached for opening the database within retry_timeout=0.4 s" in str(raised.value)
    # a bound the caller chose is not explained back to them
    assert "retry_timeout=SECONDS" not in message and "retry_timeout=SECONDS" not in str(raised.value)


def test_a_zero_bound_fails_at_once_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(StorageError):
            RedisStorage(CLOSED["redis"](free_port()), retry_timeout=0)


@pytest.mark.parametrize("backend", ["postgres", "redis"])
def test_a_server_that_comes_back_is_waited_for_with_the_default_bound(backend: str,
                                                                        request: pytest.FixtureRequest) -> None:
    server = request.getfixturevalue(f"{backend}_server")
    url = server.new_url()
    server.stop()
    warned = threading.Event()
    restart_errors: list[BaseException] = []

    def restart_once_warned() -> None:
        try:
            warned.wait(60)
        finally:
            try:
                server.start()
            except BaseException as exc:  # reported by the test below
                restart_errors.append(exc)

    def on_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if "cannot reach" in str(message):
            shown.append(str(message))
            warned.set()

    shown: list[str] = []
    restarter = threading.Thread(target=restart_once_warned)
    restarter.start()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = on_warning
        try:
            study = parzen.create_study(storage=url, study_name="back")
        finally:
            warned.set()
            restarter.join(60)
    assert restart_errors == []
    assert len(shown) == 1
    assert f"retry_timeout={DEFAULT_RETRY_TIMEOUT_S:g} s" in shown[0]
    cls = "RDBStorage" if backend == "postgres" else "RedisStorage"
    assert f"storage=parzen.storages.{cls}(url, retry_timeout=SECONDS)" in shown[0]
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(parzen.load_study("back", storage=url).trials) == 2


def test_the_final_error_of_a_default_bound_says_how_to_change_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry, "DEFAULT_RETRY_TIMEOUT_S", 0.2)  # the default, made short to reach its end

    def refused() -> None:
        raise ConnectionError("refused")

    with pytest.warns(RuntimeWarning, match="RDBStorage"), pytest.raises(
            StorageError, match=r"refused; to wait a different time, pass "
                                r"storage=parzen\.storages\.RDBStorage\(url, retry_timeout=SECONDS\)"):
        retry_transient(refused, lambda e: isinstance(e, ConnectionError), 0.2, "postgresql+psycopg://h/db",
                        "opening the database", opening="RDBStorage")


def test_operations_after_opening_retry_without_warning() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("dropped")
        return "done"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert retry_transient(flaky, lambda e: isinstance(e, ConnectionError), 30, "redis://h/0",
                               "create_trial") == "done"
