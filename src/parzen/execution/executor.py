"""The executor interface: where a trial's objective runs, apart from how trials are asked and told.

``optimize`` keeps the study in the calling process: it asks the sampler for a trial, hands the
trial to an :class:`Executor` with :meth:`Executor.submit`, and tells each outcome as soon as
:meth:`Executor.wait` returns it, then submits the next trial at once. An executor only evaluates
``objective(trial)`` somewhere (the calling thread, a pool of threads, child processes, a Dask
cluster) and reports what came of it as an :class:`Outcome`.

Executors are found by name in a registry (:func:`register_executor`), or given as an object:
an :class:`Executor` instance, or an object a registered adapter recognizes (a
``dask.distributed.Client``). Adding an executor never means editing ``optimize``.
"""

from __future__ import annotations

import abc
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from parzen.trial import Trial

Objective = Callable[["Trial"], Any]


@dataclass(frozen=True)
class Outcome:
    """What one evaluation came to: the objective's ``result``, or the ``error`` it ended with."""

    trial: "Trial"
    result: Any = None
    error: BaseException | None = None


class Executor(abc.ABC):
    """Evaluates trials for one ``optimize`` call at a time.

    The driver calls :meth:`start` once, then :meth:`submit` for at most ``n_workers`` trials at a
    time and :meth:`wait` to collect the finished ones, and :meth:`close` at the end (``abort=True``
    when the call ends with an error or an interrupt: evaluations still running are abandoned).
    All four are called from the driver's thread only.
    """

    @abc.abstractmethod
    def start(self, objective: Objective, n_workers: int, trial_timeout: float | None) -> None:
        """Get ready to run ``objective`` on up to ``n_workers`` trials at once.

        A problem that makes every trial fail (an objective that cannot be shipped to the workers)
        is raised here, before any trial starts.
        """

    @abc.abstractmethod
    def submit(self, trial: "Trial") -> None:
        """Start evaluating ``objective(trial)``; its outcome comes back from :meth:`wait`."""

    @abc.abstractmethod
    def wait(self, timeout: float | None) -> list[Outcome]:
        """The evaluations finished since the last call, waiting up to ``timeout`` s for the first."""

    @abc.abstractmethod
    def close(self, abort: bool = False) -> None:
        """Release the workers (``abort``: without waiting for running evaluations)."""


ExecutorFactory = Callable[[], Executor]
Adapter = Callable[[Any], "Executor | None"]

_registry: dict[str, ExecutorFactory] = {}
_adapters: list[Adapter] = []
_lock = threading.Lock()


def register_executor(name: str, factory: ExecutorFactory) -> None:
    """Make ``optimize(..., executor=name)`` build its executor with ``factory()``."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"`name` must be a non-empty str, got {name!r}")
    if not callable(factory):
        raise TypeError(f"`factory` must be callable and return an Executor, got {factory!r}")
    with _lock:
        _registry[name] = factory


def register_adapter(adapter: Adapter) -> None:
    """Let ``optimize(..., executor=obj)`` take objects ``adapter(obj)`` turns into an Executor (else None)."""
    if not callable(adapter):
        raise TypeError(f"`adapter` must be callable, got {adapter!r}")
    with _lock:
        _adapters.append(adapter)


def executor_names() -> tuple[str, ...]:
    """The registered executor names."""
    with _lock:
        return tuple(_registry)


def resolve_executor(executor: Any) -> Executor:
    """The Executor for ``executor``: a registered name, an Executor, or an object an adapter takes."""
    if isinstance(executor, Executor):
        return executor
    if isinstance(executor, str):
        with _lock:
            factory = _registry.get(executor)
        if factory is None:
            raise ValueError(f"`executor` must be one of {executor_names()} or an Executor, got {executor!r}")
        return factory()
    with _lock:
        adapters = list(_adapters)
    for adapter in adapters:
        made = adapter(executor)
        if made is not None:
            return made
    raise ValueError(
        f"`executor` must be one of {executor_names()}, an Executor or a dask.distributed.Client, got {executor!r}"
    )


def _thread() -> Executor:
    from parzen.execution.threads import ThreadExecutor

    return ThreadExecutor()


def _process() -> Executor:
    from parzen.execution.processes import ProcessExecutor

    return ProcessExecutor()


def _dask() -> Executor:
    from parzen.execution.dask_executor import DaskExecutor

    return DaskExecutor()


def _dask_client(obj: Any) -> Executor | None:
    """A DaskExecutor on a ``distributed.Client`` (recognized by its module, without importing dask)."""
    if type(obj).__module__.split(".")[0] != "distributed":
        return None
    from parzen.execution.dask_executor import DaskExecutor

    return DaskExecutor(client=obj)


register_executor("thread", _thread)
register_executor("process", _process)
register_executor("dask", _dask)
register_adapter(_dask_client)
