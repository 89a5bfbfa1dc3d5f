"""Riding out transient storage failures: retries with exponential backoff within a time bound.

A database server that restarts, a connection that drops, or an SQLite file locked by another
process for longer than its busy timeout are passing conditions: the operation is tried again,
first after 50 ms, then twice as long each time (at most 2 s apart), until ``retry_timeout``
seconds have passed since the first failure. Then :class:`parzen.exceptions.StorageError` names the
storage, with any password in its URL hidden. Only errors a back end classes as transient are
retried; any other error is raised at once.

A write whose acknowledgement was lost (the server committed, then the connection dropped) is
tried again too; :func:`finish_idempotently` recognizes a finish that had in fact landed.
"""

from __future__ import annotations

import functools
import math
import re
import time
import urllib.parse
import warnings
from typing import Any, Callable, Sequence, TypeVar

from parzen._warnings import user_stacklevel
from parzen.exceptions import StorageError, TrialFinishedError
from parzen.trial import FrozenTrial, TrialState

T = TypeVar("T")

DEFAULT_RETRY_TIMEOUT_S = 60.0
"""How long an operation keeps retrying a transient failure, in seconds: long enough for a database
server to restart, short enough that a worker whose server is gone for good reports it."""

_FIRST_DELAY_S = 0.05
_MAX_DELAY_S = 2.0


def check_retry_timeout(retry_timeout: float) -> float:
    """``retry_timeout`` as a float, or a TypeError/ValueError naming it."""
    if isinstance(retry_timeout, bool) or not isinstance(retry_timeout, (int, float)):
        raise TypeError(f"`retry_timeout` must be a number of seconds, got {retry_timeout!r}")
    if not (retry_timeout >= 0 and math.isfinite(retry_timeout)):
        raise ValueError(f"`retry_timeout` must be a finite number of seconds >= 0, got {retry_timeout!r}")
    return float(retry_timeout)


def hide_password(url: str) -> str:
    """``url`` with the password, if any, replaced by ``***``, also where urllib cannot split the URL (a
    stray "[", or a scheme with "_" such as ``postgresql+psycopg_async``)."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is not None:
            host = parts.netloc.rpartition("@")[2]
            url = urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
    except ValueError:
        pass
    return re.sub(r"^(\w[\w+.-]*://[^:/@]*:)[^/]*@", r"\1***@", url)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _how_to_change(storage_class: str | None, retry_timeout: float) -> str:
    """How to choose another bound, said while opening a storage whose bound nobody chose (the default)."""
    if storage_class is None or retry_timeout != DEFAULT_RETRY_TIMEOUT_S:
        return ""
    return (f"; to wait a different time, pass storage=parzen.storages.{storage_class}(url, retry_timeout=SECONDS) "
            "instead of the URL")


def retry_transient(call: Callable[[], T], is_transient: Callable[[BaseException], bool],
                    retry_timeout: float, url: str, operation: str, *, opening: str | None = None) -> T:
    """Run ``call``, retrying it through transient failures for at most ``retry_timeout`` seconds.

    ``opening`` is given when a storage opens, as the name of its class: a server that cannot be reached
    then may just as well be a wrong host or port as a restart, so the first failure warns at once
    (RuntimeWarning) instead of after the whole bound, and, when the bound is the default, the warning
    and the final error say how to choose another.
    """
    deadline: float | None = None
    delay = _FIRST_DELAY_S
    while True:
        try:
            return call()
        except Exception as exc:
            if not is_transient(exc):
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + retry_timeout
                if opening is not None and retry_timeout > 0:
                    warnings.warn(f"cannot reach the storage {hide_password(url)} ({_first_line(exc)}); retrying "
                                  f"for up to retry_timeout={retry_timeout:g} s in case it is restarting"
                                  f"{_how_to_change(opening, retry_timeout)}", RuntimeWarning,
                                  stacklevel=user_stacklevel())
            if now >= deadline:
                raise StorageError(
                    f"the storage {hide_password(url)} could not be reached for {operation} within "
                    f"retry_timeout={retry_timeout:g} s; last error: {_first_line(exc)}"
                    f"{_how_to_change(opening, retry_timeout)}"
                ) from exc
            time.sleep(min(delay, deadline - now))
            delay = min(2 * delay, _MAX_DELAY_S)


def retried(method: Callable[..., T]) -> Callable[..., T]:
    """Decorate a storage method so that transient failures are retried.

    The storage provides ``url``, ``_retry_timeout`` and ``_is_transient(exc) -> bool``.
    """
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
        return retry_transient(lambda: method(self, *args, **kwargs), self._is_transient,
                               self._retry_timeout, self.url, method.__name__)

    return wrapper


def finish_idempotently(finish: Callable[[], FrozenTrial], get_trial: Callable[[], FrozenTrial],
                        state: TrialState, values: Sequence[float] | None) -> Callable[[], FrozenTrial]:
    """``finish`` made safe to retry: a retry that finds the trial finished as asked returns it.

    Without this, a finish whose commit reached the server but whose answer was lost would raise
    TrialFinishedError on its retry, and the caller would take its own result for a conflict.
    """
    attempts = 0

    def attempt() -> FrozenTrial:
        nonlocal attempts
        attempts += 1
        try:
            return finish()
        except TrialFinishedError:
            if attempts > 1:
                stored = get_trial()
                wanted = None if values is None else tuple(repr(float(v)) for v in values)
                got = None if stored.values is None else tuple(repr(v) for v in stored.values)
                if stored.state == state and got == wanted:
                    return stored
            raise

    return attempt
